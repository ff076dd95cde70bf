// A service whose port is taken says so in one line and exits with code 3 (EXIT_PORT_IN_USE), the
// code a supervisor (`npm start`) reads as "do not start it again": it would fail the same way.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '@kafka-http/local-kafka';
import { testBrokers } from '@test-support/kafka';

describe('a service on a port that is taken', () => {
  let server: Server;
  const outboxDir = mkdtempSync(path.join(os.tmpdir(), 'port-in-use-'));
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(outboxDir, { recursive: true, force: true });
  });

  it.each(['service-a', 'service-b'])('%s exits with code 3 and names the port', async (name) => {
    const port = (server.address() as AddressInfo).port;
    const child = spawn(
      process.execPath,
      [path.join(repoRoot(__dirname), name, 'dist', 'main.js')],
      {
        env: {
          ...process.env,
          KAFKA_BROKERS: testBrokers(),
          PORT: String(port),
          OUTBOX_DIR: outboxDir,
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(3);
    const fatal = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string; err?: unknown })
      .filter((entry) => entry.level >= 60);
    expect(fatal).toEqual([
      expect.objectContaining({
        msg: `port ${port} is already in use (set PORT to choose another); not started`,
      }),
    ]);
    expect(fatal[0]?.err).toBeUndefined();
  });
});
