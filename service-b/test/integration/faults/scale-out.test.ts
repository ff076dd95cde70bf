// Fault 3: scale service-b from one instance to three and back while a 6-partition topic is
// consumed. Clients call whichever instances are up (no sticky sessions). No message is lost,
// and in every partition the first deliveries keep offset order.
import type { ServiceB } from '../../../src/service';
import { plainKafka, uniqueName, withAdmin } from '@test-support/kafka';
import { DeliveryLedger, fetchBatch } from '@test-support/ledger';
import { startB } from '@test-support/services';
import { waitFor } from '@test-support/wait';

const PARTITIONS = 6;
const PER_PARTITION = 300;

describe('fault: scaling service-b out and back in', () => {
  const instances = new Set<ServiceB>();
  afterAll(async () => {
    await Promise.all([...instances].map((instance) => instance.stop()));
  });

  it('loses nothing and keeps per-partition order while instances join and leave', async () => {
    const topic = uniqueName('scale');
    const group = uniqueName('scale-group');
    const ledger = new DeliveryLedger();
    await withAdmin((admin) =>
      admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS }] }),
    );
    const producer = plainKafka().producer();
    await producer.connect();
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const messages = Array.from({ length: PER_PARTITION }, (_, i) => {
        const value = `p${partition}-${i}`;
        ledger.expect(value);
        return { value, partition };
      });
      await producer.send({ topic, messages });
    }
    await producer.disconnect();

    const env = {
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: group,
      KAFKA_TOPIC_PARTITIONS: String(PARTITIONS),
      BUFFER_MAX_MESSAGES: '100',
    };
    const start = async () => {
      const instance = await startB(env, { waitUntilReady: false });
      instances.add(instance);
      return instance;
    };
    let finished = false;
    // One client per instance, each pulling batches in a row: it stands for a load balancer that
    // sends each request to any instance that is up.
    const clients = new Map<ServiceB, Promise<void>>();
    const attachClient = (instance: ServiceB) => {
      clients.set(
        instance,
        (async () => {
          while (!finished && instances.has(instance)) {
            const messages = (await fetchBatch(instance.url, { max: 10, waitMs: 200 })) ?? [];
            for (const m of messages)
              ledger.deliver(String(m.value), m.partition, Number(m.offset));
          }
        })(),
      );
    };

    const first = await start();
    attachClient(first);
    await waitFor(
      'a sixth delivered',
      () => ledger.distinctDelivered >= (PARTITIONS * PER_PARTITION) / 6,
      {
        timeoutMs: 60_000,
      },
    );
    const added = [await start(), await start()];
    added.forEach(attachClient);
    await waitFor('the partitions shared by three instances', () =>
      [first, ...added].every((instance) => instance.source.status().assigned.length === 2),
    );
    await waitFor(
      'half delivered',
      () => ledger.distinctDelivered >= (PARTITIONS * PER_PARTITION) / 2,
      {
        timeoutMs: 60_000,
      },
    );
    for (const instance of added) {
      instances.delete(instance);
      await instance.stop();
    }
    await waitFor(
      'all partitions back on one instance',
      () => first.source.status().assigned.length === PARTITIONS,
    );
    await ledger.settle(
      'fault 3, scale 1 -> 3 -> 1',
      waitFor('every message delivered', () => ledger.allDelivered(), { timeoutMs: 90_000 }),
    );
    finished = true;
    await Promise.all(clients.values());

    ledger.report('fault 3, scale 1 -> 3 -> 1 on 6 partitions');
    expect(ledger.lost()).toEqual([]);
    // Duplicates come only from responses in flight while partitions move (three clients, batches
    // of 10, four rebalances): far fewer than a tenth of the messages.
    expect(ledger.duplicates()).toBeLessThanOrEqual((PARTITIONS * PER_PARTITION) / 10);
    expect(ledger.outOfOrderPartitions()).toEqual([]);
  });
});
