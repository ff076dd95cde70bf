// service-b sharing its consumer group with Apache Kafka's Java consumer on its default settings
// (classic group protocol, default assignors `range` and `cooperative-sticky`): the partitions are
// shared, and after a clean hand-over either way every record is delivered exactly once by one of
// them (0 lost, 0 twice).
import { CompressionTypes } from 'kafkajs';
import request from 'supertest';
import type { ServiceB } from '../../../service-b/src/service';
import { compileForeignClient, startJavaConsumer, type JavaConsumer } from '../foreign/java-client';
import { createTopic, plainKafka, testBrokers, uniqueName, withAdmin } from '../kafka';
import { startB } from '../services';
import { waitFor } from '../wait';

const PARTITIONS = 4;

async function produce(topic: string, from: number, count: number): Promise<void> {
  const producer = plainKafka().producer();
  await producer.connect();
  try {
    await producer.send({
      topic,
      compression: CompressionTypes.None,
      messages: Array.from({ length: count }, (_, i) => ({
        partition: (from + i) % PARTITIONS,
        value: `record ${from + i}`,
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

interface Wire {
  partition: number;
  offset: string;
  value: string;
}

/** Takes from service-b until `enough()` holds; every message taken is recorded in `ledger`. */
async function takeFromB(service: ServiceB, ledger: string[], enough: () => boolean) {
  const deadline = Date.now() + 60_000;
  while (!enough()) {
    if (Date.now() > deadline) throw new Error(`service-b delivered ${ledger.length} so far`);
    const res = await request(service.url).get('/api/messages/batch?max=5&waitMs=200');
    expect(res.status).toBe(200);
    for (const m of (res.body as { messages: Wire[] }).messages) ledger.push(m.value);
  }
}

async function committedTotal(groupId: string, topic: string): Promise<number> {
  const [entry] = await withAdmin((admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
  return (entry?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

function javaValues(java: JavaConsumer, topic: string): string[] {
  return java.records.filter((r) => r.topic === topic).map((r) => r.value?.toString() ?? '');
}

function expectOnceEach(delivered: string[], count: number) {
  const seen = new Map<string, number>();
  for (const value of delivered) seen.set(value, (seen.get(value) ?? 0) + 1);
  const lost = Array.from({ length: count }, (_, i) => `record ${i}`).filter((v) => !seen.has(v));
  const twice = [...seen].filter(([, n]) => n > 1).map(([v]) => v);
  expect({ lost, twice, delivered: delivered.length }).toEqual({
    lost: [],
    twice: [],
    delivered: count,
  });
}

const sorted = (partitions: readonly number[]) => [...partitions].sort((a, b) => a - b);

/** The tests, against the broker in KAFKA_TEST_BROKERS (`label` names it). */
export function mixedConsumerGroupSuite(label: string): void {
  describe(label, () => {
    describe('service-b and a Java consumer in one group', () => {
      let b: ServiceB | undefined;
      let java: JavaConsumer | undefined;
      beforeAll(() => compileForeignClient());
      afterEach(async () => {
        await java?.close().catch(() => undefined);
        await b?.stop();
        java = undefined;
        b = undefined;
      });

      it('shares the partitions when a Java consumer joins, and takes them all back when it leaves', async () => {
        const topic = uniqueName('mixed');
        const group = uniqueName('mixed-group');
        await createTopic(topic, PARTITIONS);
        await produce(topic, 0, 40);
        const fromB: string[] = [];
        b = await startB({
          KAFKA_TOPIC: topic,
          KAFKA_GROUP_ID: group,
          KAFKA_TOPIC_PARTITIONS: '4',
        });
        const service = b;
        await takeFromB(service, fromB, () => fromB.length >= 20);
        // Delivered means committed before the hand-over: the Java consumer starts from there.
        await waitFor('service-b commits what it delivered', async () =>
          (await committedTotal(group, topic)) === fromB.length ? true : undefined,
        );

        const consumer = await startJavaConsumer({ brokers: testBrokers(), topic, groupId: group });
        java = consumer;
        await consumer.waitFor((c) => c.assignment.length > 0, 60_000);
        await waitFor('the group to settle with the partitions shared', () => {
          const mine = service.source.status().assigned;
          const theirs = consumer.assignment.map((p) => p.partition);
          return service.source.isReady() &&
            mine.length > 0 &&
            sorted([...mine, ...theirs]).join() === '0,1,2,3'
            ? true
            : undefined;
        });
        await produce(topic, 40, 40);
        await takeFromB(
          service,
          fromB,
          () => fromB.length + javaValues(consumer, topic).length >= 80,
        );

        // The Java consumer leaves cleanly (commits, then closes): service-b gets every partition.
        await consumer.close();
        java = undefined;
        await waitFor('service-b to own every partition again', () =>
          service.source.isReady() && service.source.status().assigned.length === PARTITIONS
            ? true
            : undefined,
        );
        await produce(topic, 80, 20);
        const fromJava = javaValues(consumer, topic);
        await takeFromB(service, fromB, () => fromB.length + fromJava.length >= 100);
        const extra = await request(service.url).get('/api/messages/batch?max=50&waitMs=500');
        for (const m of (extra.body as { messages: Wire[] }).messages) fromB.push(m.value);
        expectOnceEach([...fromB, ...fromJava], 100);
        expect(fromJava.length).toBeGreaterThan(0);
      });

      it('joins a group a Java consumer leads, and takes over when it leaves', async () => {
        const topic = uniqueName('mixed-java-first');
        const group = uniqueName('mixed-java-group');
        await createTopic(topic, PARTITIONS);
        await produce(topic, 0, 40);
        const consumer = await startJavaConsumer({ brokers: testBrokers(), topic, groupId: group });
        java = consumer;
        await consumer.waitFor((c) => javaValues(c, topic).length >= 40, 60_000);

        b = await startB({
          KAFKA_TOPIC: topic,
          KAFKA_GROUP_ID: group,
          KAFKA_TOPIC_PARTITIONS: '4',
        });
        const service = b;
        await waitFor('the group to settle with the partitions shared', () => {
          const mine = service.source.status().assigned;
          const theirs = consumer.assignment.map((p) => p.partition);
          return mine.length > 0 && sorted([...mine, ...theirs]).join() === '0,1,2,3'
            ? true
            : undefined;
        });
        const fromB: string[] = [];
        await produce(topic, 40, 40);
        await takeFromB(
          service,
          fromB,
          () => fromB.length + javaValues(consumer, topic).length >= 80,
        );
        // service-b leaves cleanly (commits what it delivered): the Java consumer gets every partition.
        await service.stop();
        b = undefined;
        await consumer.waitFor((c) => c.assignment.length === PARTITIONS, 60_000);
        await produce(topic, 80, 20);
        await consumer.waitFor((c) => javaValues(c, topic).length + fromB.length >= 100, 60_000);
        expectOnceEach([...fromB, ...javaValues(consumer, topic)], 100);
        expect(fromB.length).toBeGreaterThan(0);
      });
    });
  });
}
