// Kafka over TLS against a real broker of this test's own, with certificates made for the run: an
// SSL and a SASL_SSL (SCRAM-SHA-512) listener with a certificate from the test CA, and a third
// listener with an expired one. The services carry a message over both good listeners; a wrong
// CA, an expired certificate or a missing CA file stop a service at start-up with one clear line.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import {
  makeTestCertificates,
  startLocalKafka,
  tlsListeners,
  type LocalKafka,
  type TestCertificates,
} from '@kafka-http/local-kafka';
import type { ServiceA } from '../../service-a/src/service';
import type { ServiceB } from '../../service-b/src/service';
import { uniqueName } from '@test-support/kafka';
import { startA, startB } from '@test-support/services';

const USER = { username: 'tls-user', password: 'tls-user-secret-0123' };

type ServiceName = 'service-a' | 'service-b';

/** Runs a service's build until it exits by itself (SIGKILL after 60 s); its exit code and output. */
async function runUntilExit(
  name: ServiceName,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [path.join(__dirname, '..', '..', name, 'dist', 'main.js')],
    {
      env: {
        ...process.env,
        KAFKA_TOPIC: uniqueName('tls-fail'),
        KAFKA_GROUP_ID: uniqueName('tls-fail-group'),
        PORT: '0',
        LOG_LEVEL: 'fatal',
        OUTBOX_DIR: mkdtempSync(path.join(os.tmpdir(), 'outbox-')),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output, ms: Date.now() - started };
}

/** The `msg` of each JSON log line (anything else is kept as it is). */
function messages(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return String((JSON.parse(line) as { msg?: unknown }).msg);
      } catch {
        return line;
      }
    });
}

describe('Kafka over TLS', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kafka-tls-'));
  let certs: TestCertificates;
  let broker: LocalKafka | undefined;
  let addresses: Record<string, string> = {};
  const started: (ServiceA | ServiceB)[] = [];
  beforeAll(async () => {
    certs = makeTestCertificates(path.join(dir, 'certs'));
    const { addresses: listening, ...options } = await tlsListeners(
      {
        SSL: { keystore: certs.keystore },
        SASL_SSL: { keystore: certs.keystore, scram: true },
        EXPIRED: { keystore: certs.expiredKeystore },
      },
      { users: [USER] },
    );
    addresses = listening;
    broker = await startLocalKafka({ dataDir: path.join(dir, 'data'), heapMb: 384, ...options });
  });
  afterAll(async () => {
    await Promise.all(started.map((service) => service.stop()));
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function roundTrip(env: Record<string, string>, text: string): Promise<void> {
    const topic = uniqueName('tls');
    const a = await startA({ ...env, KAFKA_TOPIC: topic });
    started.push(a);
    const b = await startB({ ...env, KAFKA_TOPIC: topic, KAFKA_GROUP_ID: uniqueName('tls-group') });
    started.push(b);
    await request(a.url).post('/api/messages').type('text/plain').send(text).expect(200);
    const got = await request(b.url).get('/api/messages?waitMs=10000').expect(200);
    expect(got.body.value).toBe(text);
  }

  it('carries a message from service-a to service-b over SSL', async () => {
    await roundTrip(
      { KAFKA_BROKERS: addresses.SSL ?? '', KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: certs.caFile },
      'over tls',
    );
  });

  it('carries a message over SASL_SSL with SCRAM-SHA-512, bootstrapping by host name', async () => {
    const port = (addresses.SASL_SSL ?? '').split(':')[1] ?? '';
    await roundTrip(
      {
        KAFKA_BROKERS: `localhost:${port}`,
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: certs.caFile,
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: USER.username,
        KAFKA_SASL_PASSWORD: USER.password,
      },
      'over sasl_ssl',
    );
  });

  it('stops both services at start-up when KAFKA_SSL_CA_FILE is another CA', async () => {
    const env = {
      KAFKA_BROKERS: addresses.SSL ?? '',
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: certs.otherCaFile,
    };
    const results = await Promise.all(
      (['service-a', 'service-b'] as const).map((name) => runUntilExit(name, env)),
    );
    for (const { code, output } of results) {
      expect(code).toBe(1);
      expect(messages(output)).toEqual([
        `Kafka's TLS certificate is not signed by the CA in KAFKA_SSL_CA_FILE (${certs.otherCaFile}): self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN, broker ${addresses.SSL})`,
      ]);
    }
  });

  it('stops both services at start-up when the broker certificate has expired (SASL_SSL too)', async () => {
    const results = await Promise.all([
      runUntilExit('service-a', {
        KAFKA_BROKERS: addresses.EXPIRED ?? '',
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: certs.caFile,
      }),
      runUntilExit('service-b', {
        KAFKA_BROKERS: addresses.EXPIRED ?? '',
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: certs.caFile,
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: USER.username,
        KAFKA_SASL_PASSWORD: USER.password,
      }),
    ]);
    for (const { code, output } of results) {
      expect(code).toBe(1);
      expect(messages(output)).toEqual([
        `Kafka's TLS certificate has expired (the brokers in KAFKA_BROKERS need a renewed certificate): certificate has expired (CERT_HAS_EXPIRED, broker ${addresses.EXPIRED})`,
      ]);
      expect(output).not.toContain(USER.password);
    }
  });

  it.each(['service-a', 'service-b'] as const)(
    'refuses to start %s when KAFKA_SSL_CA_FILE cannot be read',
    async (name) => {
      const missing = path.join(dir, 'certs', 'no-such-ca.pem');
      const { code, output } = await runUntilExit(name, {
        KAFKA_BROKERS: addresses.SSL ?? '',
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: missing,
      });
      expect(code).toBe(2);
      expect(output).toBe(
        `${name}: Invalid configuration:\n  - KAFKA_SSL_CA_FILE: cannot read ${missing} (no such file); it must be a readable PEM file of the CA that signed the brokers' certificates\n`,
      );
    },
  );
});
