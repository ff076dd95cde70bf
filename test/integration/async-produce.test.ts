// Asynchronous produce (?async=true) on a real broker: 202 once the outbox has the message, the
// message then readable on service-b; a real broker refusal after the 202 counted and removed; and
// what a stopped instance still held sent by the next one on the same outbox folder.
// (Outages and crashes: outbox-outage.test.ts.)
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { ServiceB } from '../../service-b/src/service';
import { createTopic, freshTopic, readAll, uniqueName } from '@test-support/kafka';
import { serviceFixture, startA } from '@test-support/services';
import { waitFor } from '@test-support/wait';

async function metricValue(url: string, line: string): Promise<number | undefined> {
  const res = await request(url).get('/metrics').expect(200);
  const found = res.text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('asynchronous produce on a real broker', () => {
  const services = serviceFixture('all');

  it('answers 202 before the acknowledgement; the message is then readable on service-b', async () => {
    const topic = uniqueName('async');
    const a = await services.a({ KAFKA_TOPIC: topic });
    const b: ServiceB = await services.b({
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: uniqueName('async-g'),
    });

    const res = await request(a.url)
      .post('/api/messages?async=true')
      .set('Content-Type', 'text/plain')
      .send('fire and forget')
      .expect(202);
    expect(res.body).toEqual({ status: 'queued', topic, partition: 0 });
    expect(a.outbox.status().store).toBe('sqlite');

    const got = await waitFor('the queued message on service-b', async () => {
      const r = await request(b.url).get('/api/messages?waitMs=1000');
      return r.status === 200 ? r.body : undefined;
    });
    expect(got).toMatchObject({ value: 'fire and forget', offset: '0' });
    await waitFor(
      'the acknowledgement counted',
      async () =>
        (await metricValue(a.url, 'kafka_messages_produced_total{service="service-a"}')) === 1,
    );
    expect(await metricValue(a.url, 'async_produce_queued_total{service="service-a"}')).toBe(1);
    await waitFor('the outbox empty', async () => {
      const depth = await metricValue(a.url, 'outbox_depth{service="service-a"}');
      return (
        depth === 0 && (await metricValue(a.url, 'outbox_sent_total{service="service-a"}')) === 1
      );
    });
  });

  it('counts a message the broker refuses after the 202 (larger than max.message.bytes)', async () => {
    const topic = await freshTopic('async-too-large', 1, { 'max.message.bytes': '2048' });
    const a = await services.a({ KAFKA_TOPIC: topic });

    // Random bytes do not compress: the record batch really is over the topic's limit.
    await request(a.url)
      .post('/api/messages?async=true')
      .set('Content-Type', 'application/octet-stream')
      .send(randomBytes(8192))
      .expect(202);
    await waitFor(
      'the failure counted',
      async () =>
        (await metricValue(
          a.url,
          'outbox_dropped_total{reason="too-large",service="service-a"}',
        )) === 1,
    );
    // The same request without async is told at once.
    await request(a.url)
      .post('/api/messages')
      .set('Content-Type', 'application/octet-stream')
      .send(randomBytes(8192))
      .expect(413);
  });

  it('leaves what it could not send yet in the outbox folder for the next instance', async () => {
    const topic = uniqueName('async-restart');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-restart-'));
    // Kafka does not answer at this address: the messages stay in the outbox.
    const first = await startA(
      { KAFKA_TOPIC: topic, KAFKA_BROKERS: '127.0.0.1:1', OUTBOX_DIR: dir },
      { waitUntilReady: false },
    );
    const values = ['one', 'two', 'three', 'four', 'five'];
    for (const value of values) {
      await request(first.url)
        .post('/api/messages?async=true')
        .set('Content-Type', 'text/plain')
        .send(value)
        .expect(202);
    }
    expect(first.outbox.status().depth).toBe(values.length);
    await first.stop();

    await createTopic(topic, 1);
    const second = await services.a({ KAFKA_TOPIC: topic, OUTBOX_DIR: dir });
    const stored = await readAll(topic, values.length);
    expect(stored.map((r) => r.value?.toString())).toEqual(values);
    await waitFor('the outbox empty', () => second.outbox.status().depth === 0);
  });
});
