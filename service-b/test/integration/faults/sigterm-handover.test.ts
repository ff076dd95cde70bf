// Fault 7: SIGTERM one of two service-b instances. What it delivered is committed (so nothing is
// delivered twice), it leaves the group at once instead of waiting out its session timeout, and
// the other instance takes over its partitions within seconds.
import { once } from 'node:events';
import { spawnService, type ChildService } from '@test-support/child-service';
import { plainKafka, uniqueName, withAdmin } from '@test-support/kafka';
import { DeliveryLedger, fetchBatch } from '@test-support/ledger';
import { waitFor } from '@test-support/wait';

const PARTITIONS = 4;
const SESSION_TIMEOUT_MS = 30_000;

interface Readiness {
  assignedPartitions: number[];
}

describe('fault: SIGTERM hands over to another instance', () => {
  const children: ChildService[] = [];
  afterAll(async () => {
    await Promise.all(children.map((child) => child.kill()));
  });

  it('commits what it delivered, leaves promptly, and its partitions move within seconds', async () => {
    const topic = uniqueName('sigterm');
    const group = uniqueName('sigterm-group');
    const ledger = new DeliveryLedger();
    await withAdmin((admin) =>
      admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS }] }),
    );
    const producer = plainKafka().producer();
    await producer.connect();
    const messages = Array.from({ length: 400 }, (_, i) => ({
      value: `t-${i}`,
      partition: i % PARTITIONS,
    }));
    messages.forEach(({ value }) => ledger.expect(value));
    await producer.send({ topic, messages });
    await producer.disconnect();

    // A long session timeout: a takeover within seconds can only come from a clean leave.
    const env = {
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: group,
      KAFKA_TOPIC_PARTITIONS: String(PARTITIONS),
      KAFKA_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
    };
    const consumeFrom = async (child: ChildService, count: number) => {
      const target = ledger.distinctDelivered + count;
      while (ledger.distinctDelivered < target) {
        const batch = (await fetchBatch(child.url, { max: 10 })) ?? [];
        for (const m of batch) ledger.deliver(String(m.value), m.partition, Number(m.offset));
      }
    };

    const leaving = await spawnService('service-b', env, `sigterm-${group}`);
    children.push(leaving);
    await consumeFrom(leaving, 100);
    const staying = await spawnService('service-b', env, `sigterm-${group}`);
    children.push(staying);
    await waitFor('the partitions split between both', async () => {
      const [l, s] = await Promise.all([
        leaving.readiness<Readiness>(),
        staying.readiness<Readiness>(),
      ]);
      return l?.assignedPartitions.length === 2 && s?.assignedPartitions.length === 2;
    });
    await Promise.all([consumeFrom(leaving, 40), consumeFrom(staying, 40)]);

    const signalled = Date.now();
    const exited = once(leaving.child, 'exit');
    leaving.child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    const exitMs = Date.now() - signalled;
    await waitFor('the other instance owns every partition', async () => {
      const { assignedPartitions } = await staying.readiness<Readiness>();
      return assignedPartitions.length === PARTITIONS;
    });
    const takeoverMs = Date.now() - signalled;
    await ledger.settle(
      'fault 7, SIGTERM hand-over',
      waitFor('the rest delivered', async () => {
        await consumeFrom(staying, 0);
        const batch = (await fetchBatch(staying.url, { max: 50 })) ?? [];
        for (const m of batch) ledger.deliver(String(m.value), m.partition, Number(m.offset));
        return ledger.allDelivered();
      }),
    );

    ledger.report(
      'fault 7, SIGTERM hand-over',
      `exit after ${exitMs} ms (code ${code}), partitions moved after ${takeoverMs} ms`,
    );
    expect(code).toBe(0);
    expect(ledger.lost()).toEqual([]);
    expect(ledger.duplicates()).toBe(0);
    expect(takeoverMs).toBeLessThan(SESSION_TIMEOUT_MS / 2);
  });
});
