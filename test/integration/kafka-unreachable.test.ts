// Both services tell the truth while their only broker is dead: service-a's readiness turns 503
// within seconds and a synchronous POST is refused at once (not at the produce timeout);
// service-b still serves what it had buffered, then answers 503 instead of "no message" (204).
// Both recover by themselves once the broker is back.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalKafka, type LocalKafka } from '@kafka-http/local-kafka';
import type { ServiceA } from '../../service-a/src/service';
import type { ServiceB } from '../../service-b/src/service';
import { uniqueName } from '@test-support/kafka';
import { startA, startB } from '@test-support/services';
import { waitFor } from '@test-support/wait';

const PRODUCE_TIMEOUT_MS = 20_000;

async function post(url: string, body: string) {
  const started = Date.now();
  const res = await fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain' },
    body,
  });
  return { res, elapsedMs: Date.now() - started, body: await res.text() };
}

async function ready(url: string): Promise<{ status: number; kafka: unknown }> {
  const res = await fetch(`${url}/health/ready`);
  const body = (await res.json()) as { kafka?: unknown };
  return { status: res.status, kafka: body.kafka };
}

async function gauge(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  // Every sample carries the service label: `name{service="service-a"} 1`.
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('the only broker dies and comes back', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kafka-unreachable-'));
  let broker: LocalKafka | undefined;
  let a: ServiceA | undefined;
  let b: ServiceB | undefined;
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await broker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('readiness, fast refusals and 503 instead of 204 while it is away; recovery after', async () => {
    broker = await startLocalKafka({ dataDir });
    const topic = uniqueName('unreachable');
    const env = { KAFKA_BROKERS: broker.brokers, KAFKA_TOPIC: topic, KAFKA_TOPIC_PARTITIONS: '1' };
    a = await startA({ ...env, PRODUCE_TIMEOUT_MS: String(PRODUCE_TIMEOUT_MS) });
    b = await startB({ ...env, KAFKA_GROUP_ID: uniqueName('unreachable-group') });
    const service = b;

    for (const value of ['before-1', 'before-2', 'before-3']) {
      expect((await post(a.url, value)).res.status).toBe(200);
    }
    await waitFor('service-b buffered all three', () => service.buffer.stats().buffered >= 3);
    expect(await ready(a.url)).toEqual({ status: 200, kafka: 'connected' });
    expect(await gauge(a.url, 'kafka_reachable')).toBe(1);

    await broker.kill();
    const killedAt = Date.now();
    const aUrl = a.url;
    await waitFor('service-a not ready', async () => (await ready(aUrl)).status === 503, {
      timeoutMs: 15_000,
    });
    const noticedAfterMs = Date.now() - killedAt;
    expect(noticedAfterMs).toBeLessThan(10_000);
    expect(await ready(a.url)).toEqual({ status: 503, kafka: 'unreachable' });
    expect(await gauge(a.url, 'kafka_reachable')).toBe(0);

    // A synchronous POST is refused at once with Retry-After, not after PRODUCE_TIMEOUT_MS.
    const refused = await post(a.url, 'during');
    expect(refused.res.status).toBe(503);
    expect(refused.res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(refused.res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.elapsedMs).toBeLessThan(1000);
    expect(JSON.parse(refused.body).detail).toMatch(/unreachable/);

    // service-b: what it buffered is still delivered; after that, 503 (not 204) with Retry-After.
    const served: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${b.url}/api/messages?waitMs=0`, {
        headers: { Accept: 'application/json' },
      });
      expect(res.status).toBe(200);
      served.push(((await res.json()) as { value: string }).value);
    }
    expect(served.sort()).toEqual(['before-1', 'before-2', 'before-3']);
    const bUrl = b.url;
    await waitFor('service-b knows Kafka is away', async () => {
      return (await gauge(bUrl, 'kafka_reachable')) === 0;
    });
    const empty = await fetch(`${b.url}/api/messages?waitMs=0`);
    expect(empty.status).toBe(503);
    expect(empty.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await empty.json()) as { detail: string }).detail).toMatch(/unreachable/);
    const emptyBatch = await fetch(`${b.url}/api/messages/batch?waitMs=0`);
    expect(emptyBatch.status).toBe(503);
    expect((await ready(b.url)).kafka).toBe('unreachable');

    broker = await startLocalKafka({ dataDir });
    await waitFor('service-a ready again', async () => (await ready(aUrl)).status === 200, {
      timeoutMs: 60_000,
    });
    const after = await post(a.url, 'after');
    expect(after.res.status).toBe(200);
    // What was delivered during the outage could not be committed: it may come again (at least
    // once), and then the new message.
    const redelivered: string[] = [];
    await waitFor(
      'the new message from service-b',
      async () => {
        const res = await fetch(`${bUrl}/api/messages?waitMs=1000`, {
          headers: { Accept: 'application/json' },
        });
        if (res.status !== 200) return undefined;
        const { value } = (await res.json()) as { value: string };
        if (value === 'after') return true;
        redelivered.push(value);
        return undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(redelivered.every((value) => value.startsWith('before-'))).toBe(true);
  });
});
