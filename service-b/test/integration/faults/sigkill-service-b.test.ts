// Fault 1: SIGKILL service-b at random moments while clients consume 2,000 messages, several times.
// The union of deliveries must hold every message (duplicates allowed, loss never). This fails if
// offsets were committed on fetch rather than after the response: each kill throws away whatever
// the buffer holds.
import { spawnService, type ChildService } from '@test-support/child-service';
import { plainKafka, uniqueName, withAdmin } from '@test-support/kafka';
import { DeliveryLedger, fetchBatch } from '@test-support/ledger';
import { waitFor } from '@test-support/wait';

const TOTAL = 2000;
const KILLS = 4;

/** Four clients pulling batches until `stop()` says so or the instance stops answering. */
async function consume(service: ChildService, ledger: DeliveryLedger, stop: () => boolean) {
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (!stop()) {
        const messages = await fetchBatch(service.url, { max: 20 });
        if (!messages) return;
        for (const m of messages) ledger.deliver(String(m.value), m.partition, Number(m.offset));
      }
    }),
  );
}

describe('fault: service-b is SIGKILLed during consumption', () => {
  let service: ChildService | undefined;
  afterEach(async () => {
    await service?.kill();
  });

  it(`loses nothing over ${KILLS} SIGKILLs at random moments of a ${TOTAL}-message stream`, async () => {
    const topic = uniqueName('sigkill');
    const group = uniqueName('sigkill-group');
    const ledger = new DeliveryLedger();
    await withAdmin((admin) => admin.createTopics({ waitForLeaders: true, topics: [{ topic }] }));
    const producer = plainKafka().producer();
    await producer.connect();
    const values = Array.from({ length: TOTAL }, (_, i) => `m-${i}`);
    values.forEach((value) => ledger.expect(value));
    await producer.send({ topic, messages: values.map((value) => ({ value })) });
    await producer.disconnect();

    // The broker's shortest session timeout, so a killed member's partition moves on quickly.
    const env = {
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: group,
      BUFFER_MAX_MESSAGES: '200',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    };
    const heldAtKill: number[] = [];
    for (let kill = 1; kill <= KILLS; kill++) {
      const victim = await spawnService('service-b', env, `sigkill-${group}`);
      service = victim;
      // A random moment: somewhere in the next 100 to 400 first deliveries.
      const target = Math.min(
        TOTAL - 1,
        ledger.distinctDelivered + 100 + Math.floor(Math.random() * 300),
      );
      const dead = () => victim.child.exitCode !== null || victim.child.signalCode !== null;
      const consuming = consume(victim, ledger, dead);
      await waitFor(`${target} distinct deliveries`, () => ledger.distinctDelivered >= target, {
        timeoutMs: 60_000,
        intervalMs: 5,
      });
      // Then the first moment it holds fetched messages not yet committed (buffered or in flight).
      const held = await waitFor(
        'messages held by the instance',
        async () => (await victim.readiness<{ held: number }>()).held || undefined,
        { timeoutMs: 10_000, intervalMs: 1 },
      );
      await victim.kill('SIGKILL');
      heldAtKill.push(held);
      await consuming;
    }
    const last = await spawnService('service-b', env, `sigkill-${group}`);
    service = last;
    await ledger.settle(
      'fault 1, SIGKILL service-b',
      Promise.race([
        consume(last, ledger, () => ledger.allDelivered()),
        waitFor('every message delivered', () => ledger.allDelivered(), { timeoutMs: 90_000 }),
      ]),
    );

    ledger.report('fault 1, SIGKILL service-b', `held at each kill: ${heldAtKill.join(', ')}`);
    expect(ledger.lost()).toEqual([]);
    // Every kill hit an instance holding uncommitted messages, or the test would prove little.
    expect(heldAtKill.every((held) => held > 0)).toBe(true);
  });
});
