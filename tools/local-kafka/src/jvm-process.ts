// The life of a JVM the tools started (a broker, the schema registry): whether it runs, when it
// exited, and how to stop it (SIGTERM, then SIGKILL after a grace period) or kill it outright.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface JvmProcess {
  /** True until the JVM has exited. */
  isRunning(): boolean;
  /** Settles when the JVM has exited, for whatever reason, with its exit code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM and wait for a clean shutdown (SIGKILL after `graceMs`). */
  stop(): Promise<void>;
  /** SIGKILL: a crash, for fault-injection tests. */
  kill(): Promise<void>;
}

export function superviseJvm(child: ChildProcess, graceMs: number): JvmProcess {
  let exited = false;
  const exit = once(child, 'exit').then(([code, signal]) => {
    exited = true;
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  return {
    isRunning: () => !exited,
    exited: exit,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(force);
    },
    async kill() {
      if (exited) return;
      child.kill('SIGKILL');
      await exit;
    },
  };
}
