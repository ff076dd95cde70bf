// Kafka authentication against a real broker with a SASL/SCRAM listener: the right credentials
// work for both services; wrong ones stop a service at start-up with a clear message.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { scramListener, startLocalKafka, type LocalKafka } from '@kafka-http/local-kafka';
import type { ServiceA } from '../../service-a/src/service';
import type { ServiceB } from '../../service-b/src/service';
import { uniqueName } from '@test-support/kafka';
import { startA, startB } from '@test-support/services';

const USER = { username: 'alice', password: 'alice-secret-0123' };

describe('Kafka SASL/SCRAM', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kafka-scram-'));
  let broker: LocalKafka | undefined;
  let saslBrokers = '';
  const started: (ServiceA | ServiceB)[] = [];
  beforeAll(async () => {
    const { saslBrokers: sasl, ...options } = await scramListener([USER]);
    saslBrokers = sasl;
    broker = await startLocalKafka({ dataDir, ...options });
  });
  afterAll(async () => {
    await Promise.all(started.map((service) => service.stop()));
    await broker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('produces and consumes with the right credentials (SCRAM-SHA-512 and -256)', async () => {
    const topic = uniqueName('scram');
    const a = await startA({
      KAFKA_BROKERS: saslBrokers,
      KAFKA_TOPIC: topic,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: USER.username,
      KAFKA_SASL_PASSWORD: USER.password,
    });
    started.push(a);
    const b = await startB({
      KAFKA_BROKERS: saslBrokers,
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: uniqueName('scram-group'),
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_USERNAME: USER.username,
      KAFKA_SASL_PASSWORD: USER.password,
    });
    started.push(b);
    await request(a.url).post('/api/messages').type('text/plain').send('authenticated').expect(200);
    const got = await request(b.url).get('/api/messages?waitMs=5000').expect(200);
    expect(got.body.value).toBe('authenticated');
  });

  it.each(['service-a', 'service-b'])(
    'stops %s at start-up with a clear error when the password is wrong',
    async (name) => {
      const child = spawn(
        process.execPath,
        [path.join(__dirname, '..', '..', name, 'dist', 'main.js')],
        {
          env: {
            ...process.env,
            KAFKA_BROKERS: saslBrokers,
            KAFKA_TOPIC: uniqueName('scram-wrong'),
            KAFKA_SASL_MECHANISM: 'scram-sha-512',
            KAFKA_SASL_USERNAME: USER.username,
            KAFKA_SASL_PASSWORD: 'not-the-password',
            PORT: '0',
            LOG_LEVEL: 'fatal',
            OUTBOX_DIR: mkdtempSync(path.join(os.tmpdir(), 'outbox-')),
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
      expect(code).toBe(1);
      expect(output).toMatch(
        /Kafka refused the credentials \(KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD\)/,
      );
      expect(output).not.toContain('not-the-password');
    },
  );
});
