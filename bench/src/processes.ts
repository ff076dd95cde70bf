// The services under test, run as their production builds in child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePort, repoRoot, SERVICE_NODE_FLAGS } from '@kafka-http/local-kafka';

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** The body of GET /health/ready. */
  readiness(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export function startService(
  name: 'service-a' | 'service-b',
  env: Record<string, string>,
): Promise<ServiceProcess> {
  const main = path.join(repoRoot(__dirname), name, 'dist', 'main.js');
  return startProcess(name, main, SERVICE_NODE_FLAGS[name], env);
}

/** The bench's consume ceiling (consume-ceiling.ts), with the flags service-b runs with. */
export function startConsumeCeiling(env: Record<string, string>): Promise<ServiceProcess> {
  const main = path.join(__dirname, 'consume-ceiling.js');
  return startProcess('the consume ceiling', main, SERVICE_NODE_FLAGS['service-b'], env);
}

/** Starts a Node.js program serving HTTP on a free port; resolves once /health/ready says 200. */
async function startProcess(
  name: string,
  main: string,
  flags: readonly string[],
  env: Record<string, string>,
): Promise<ServiceProcess> {
  const port = await findFreePort();
  // BENCH_PROFILE=<folder> writes a CPU profile of each service there (open it in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`]
    : [];
  const child = spawn(process.execPath, [...flags, ...profile, main], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      // service-a's outbox (?async=true) in a folder of this run, never the one of `npm start`.
      OUTBOX_DIR: mkdtempSync(path.join(os.tmpdir(), 'bench-outbox-')),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const service: ServiceProcess = {
    url,
    child,
    async readiness() {
      const res = await fetch(`${url}/health/ready`);
      return (await res.json()) as Record<string, unknown>;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
  await until(`${name} ready`, async () => {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    return (await fetch(`${url}/health/ready`).catch(() => undefined))?.ok ?? false;
  });
  return service;
}

/** Polls a condition with a deadline. */
export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Resident set size of a process in MB (Linux /proc), or undefined elsewhere. */
export function residentMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}
