// service-a while its broker is down: a bounded 503 with Retry-After (never a hang, never a 500),
// and normal service again once the broker is back, without restarting service-a. Its periodic
// Avro worker runs throughout: its failed sends are logged and retried, never fatal.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { startLocalKafka, type LocalKafka } from '@kafka-http/local-kafka';
import type { ServiceA } from '../../src/service';
import { startA } from '@test-support/services';
import { uniqueName, withAdmin } from '@test-support/kafka';
import { waitFor } from '@test-support/wait';

const PRODUCE_TIMEOUT_MS = 2000;

describe('service-a during a Kafka outage', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kafka-outage-'));
  let broker: LocalKafka | undefined;
  let a: ServiceA | undefined;

  afterAll(async () => {
    await a?.stop();
    await broker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After within its timeout, then recovers when Kafka is back', async () => {
    broker = await startLocalKafka({ dataDir });
    const topic = uniqueName('outage');
    const service = await startA({
      KAFKA_BROKERS: broker.brokers,
      KAFKA_TOPIC: topic,
      PRODUCE_TIMEOUT_MS: String(PRODUCE_TIMEOUT_MS),
      AVRO_WORKER_ENABLED: 'true',
      AVRO_WORKER_INTERVAL_MS: '200',
    });
    a = service;
    const worker = service.worker;
    if (!worker) throw new Error('the worker should run');
    const events: ('sent' | 'failed')[] = [];
    worker.on('sent', () => events.push('sent'));
    worker.on('failed', () => events.push('failed'));
    await waitFor('the worker sending', () => events.includes('sent'));
    const post = (body: string) =>
      request(service.url).post('/api/messages').set('Content-Type', 'text/plain').send(body);
    await post('before').expect(200);

    await broker.stop();
    const started = Date.now();
    const refused = await post('during');
    const elapsed = Date.now() - started;
    expect(refused.status).toBe(503);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body).toMatchObject({ status: 503, title: 'Service Unavailable' });
    expect(JSON.stringify(refused.body)).not.toMatch(/ECONNREFUSED|at .*\.js/);
    expect(elapsed).toBeLessThan(PRODUCE_TIMEOUT_MS + 1000);
    await waitFor('a failed worker send', () => events.includes('failed'));

    // Same data folder and ports: the restarted broker still has the first record.
    broker = await startLocalKafka({ dataDir });
    const accepted = await waitFor(
      'a POST accepted again',
      async () => {
        const res = await post('after');
        return res.status === 200 ? res : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(Number(accepted.body.offset)).toBeGreaterThanOrEqual(1);
    const [earliest] = await withAdmin((admin) => admin.fetchTopicOffsets(topic), broker.brokers);
    expect(earliest?.low).toBe('0');
    // The worker kept its schedule through the outage and sends again.
    const failedAt = events.lastIndexOf('failed');
    await waitFor('a worker send after the outage', () =>
      events.slice(failedAt + 1).includes('sent'),
    );
  });
});
