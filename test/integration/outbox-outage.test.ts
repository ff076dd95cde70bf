// The outbox promise on a real broker that dies: `?async=true` POSTs keep getting 202 through a
// 30 second broker outage, service-a is SIGKILLed in the middle of it with messages in its outbox
// and started again on the same folder, and once the broker is back every accepted message is in
// the topic (0 lost), in order per key; duplicates are counted and reported.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalKafka, type LocalKafka } from '@kafka-http/local-kafka';
import { spawnService, type ChildService } from '@test-support/child-service';
import { uniqueName } from '@test-support/kafka';
import { DeliveryLedger } from '@test-support/ledger';
import { keysOutOfOrder, readIntoLedger } from '@test-support/topic-reader';
import { waitFor } from '@test-support/wait';

const OUTAGE_MS = 30_000;
const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4'];

async function postAsync(url: string, key: string, value: string): Promise<number> {
  const res = await fetch(`${url}/api/messages?async=true`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain', 'Kafka-Key': key },
    body: value,
  });
  await res.arrayBuffer();
  return res.status;
}

async function gauge(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('the outbox through a broker outage and a SIGKILL of service-a', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'outbox-outage-kafka-'));
  const outboxDir = mkdtempSync(path.join(os.tmpdir(), 'outbox-outage-'));
  let broker: LocalKafka | undefined;
  const children: ChildService[] = [];
  afterAll(async () => {
    for (const child of children) await child.kill();
    await broker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(outboxDir, { recursive: true, force: true });
  });

  it('delivers every accepted message once Kafka is back, in order per key', async () => {
    broker = await startLocalKafka({ dataDir });
    const topic = uniqueName('outbox-outage');
    const env = {
      KAFKA_BROKERS: broker.brokers,
      KAFKA_TOPIC: topic,
      KAFKA_TOPIC_PARTITIONS: '3',
      OUTBOX_DIR: outboxDir,
    };
    let a = await spawnService('service-a', env, 'outbox-outage-a1');
    children.push(a);
    const ledger = new DeliveryLedger();
    const sequence = new Map<string, number>();
    const refused: number[] = [];
    const send = async (url: string, i: number) => {
      const key = KEYS[i % KEYS.length] as string;
      const seq = sequence.get(key) ?? 0;
      sequence.set(key, seq + 1);
      const value = `${key}:${seq}`;
      const status = await postAsync(url, key, value);
      if (status === 202) ledger.expect(value);
      else refused.push(status);
    };
    let sent = 0;
    for (; sent < 50; sent++) await send(a.url, sent);

    await broker.kill();
    const outageStart = Date.now();
    let killedA = false;
    while (Date.now() - outageStart < OUTAGE_MS) {
      if (!killedA && Date.now() - outageStart > OUTAGE_MS / 3) {
        // Killed with messages in its outbox that Kafka has not seen.
        await a.kill('SIGKILL');
        killedA = true;
        a = await spawnService('service-a', env, 'outbox-outage-a2', { until: 'live' });
        children.push(a);
      }
      await send(a.url, sent++);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    expect(refused).toEqual([]);
    const waiting = await gauge(a.url, 'outbox_depth');
    expect(waiting).toBeGreaterThan(100);

    broker = await startLocalKafka({ dataDir });
    const read = await readIntoLedger(broker.brokers, topic, ledger, { timeoutMs: 90_000 });
    ledger.report('outbox through a 30 s outage and a SIGKILL', `accepted ${sent}`);
    expect(ledger.lost()).toEqual([]);
    expect(keysOutOfOrder(read)).toEqual([]);
    const survivor = a;
    await waitFor(
      'the outbox empty',
      async () => (await gauge(survivor.url, 'outbox_depth')) === 0,
      {
        timeoutMs: 30_000,
      },
    );
  });
});
