// Runs a service as its own process (its production build), so a test can SIGKILL it like a crash.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePort, repoRoot, SERVICE_NODE_FLAGS } from '@kafka-http/local-kafka';
import { testBrokers } from './kafka';
import { waitFor } from './wait';

export interface ChildService {
  url: string;
  child: ChildProcess;
  /** The body of GET /health/ready. */
  readiness<T = Record<string, unknown>>(): Promise<T>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function spawnService(
  name: 'service-a' | 'service-b',
  env: Record<string, string>,
  logName: string,
  /** `live`: return once it answers at all (a service-a whose Kafka is down is never ready). */
  { until = 'ready' }: { until?: 'ready' | 'live' } = {},
): Promise<ChildService> {
  const root = repoRoot(__dirname);
  const port = await findFreePort();
  const logDir = path.join(root, 'test-artifacts');
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(path.join(logDir, `${logName}.log`), { flags: 'a' });
  const child = spawn(
    process.execPath,
    [...SERVICE_NODE_FLAGS[name], path.join(root, name, 'dist', 'main.js')],
    {
      env: {
        ...process.env,
        KAFKA_BROKERS: testBrokers(),
        PORT: String(port),
        LOG_LEVEL: 'info',
        ...(name === 'service-a'
          ? { OUTBOX_DIR: mkdtempSync(path.join(os.tmpdir(), 'outbox-')) }
          : {}),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const service: ChildService = {
    url,
    child,
    async readiness<T>() {
      const response = await fetch(`${url}/health/ready`);
      return (await response.json()) as T;
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  await waitFor(`${name} ready`, async () => {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    return (await fetch(`${url}/health/${until}`)).ok;
  });
  return service;
}
