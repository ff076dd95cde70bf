// SIGKILL service-b while clients are consuming, several times: every message is still delivered
// (duplicates allowed, loss never). Would fail if offsets were committed on fetch rather than after
// the response, because each kill throws away the messages the buffer holds.
import { plainKafka, uniqueName, withAdmin } from '../../../test/support/kafka';
import { spawnService, type ChildService } from '../../../test/support/child-service';
import { waitFor } from '../../../test/support/wait';

const TOTAL = 300;
const CRASHES = 3;

async function consume(
  service: ChildService,
  seen: Map<string, number>,
  until: () => boolean,
): Promise<void> {
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (!until()) {
        const res = await fetch(`${service.url}/api/messages?waitMs=500`).catch(() => undefined);
        if (!res) return; // the process is gone
        if (res.status === 200) {
          const { value } = (await res.json()) as { value: string };
          seen.set(value, (seen.get(value) ?? 0) + 1);
        }
      }
    }),
  );
}

describe('service-b crash recovery', () => {
  let service: ChildService | undefined;
  afterEach(async () => {
    await service?.kill();
  });

  it(`loses nothing when SIGKILLed ${CRASHES} times during consumption`, async () => {
    const topic = uniqueName('crash');
    const group = uniqueName('crash-group');
    const texts = Array.from({ length: TOTAL }, (_, i) => `m-${i}`);
    await withAdmin((admin) => admin.createTopics({ waitForLeaders: true, topics: [{ topic }] }));
    const producer = plainKafka().producer();
    await producer.connect();
    await producer.send({ topic, messages: texts.map((value) => ({ value })) });
    await producer.disconnect();

    // The broker's shortest session timeout, so a killed member's partitions move on quickly.
    const env = {
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: group,
      BUFFER_MAX_MESSAGES: '50',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    };
    const seen = new Map<string, number>();
    const heldAtKill: number[] = [];
    for (let crash = 1; crash <= CRASHES; crash++) {
      service = await spawnService('service-b', env, `crash-${group}`);
      const target = Math.min(TOTAL, seen.size + 60);
      const victim = service;
      const consuming = consume(
        victim,
        seen,
        () => victim.child.exitCode !== null || victim.child.signalCode !== null,
      );
      await waitFor(`${target} distinct deliveries`, () => seen.size >= target, {
        timeoutMs: 60_000,
      });
      const { held } = (await victim.readiness()) as { held: number };
      heldAtKill.push(held);
      await victim.kill('SIGKILL');
      await consuming;
    }
    service = await spawnService('service-b', env, `crash-${group}`);
    const last = service;
    await Promise.race([
      consume(last, seen, () => seen.size >= TOTAL),
      waitFor('every message delivered', () => seen.size >= TOTAL, { timeoutMs: 60_000 }),
    ]);

    const lost = texts.filter((text) => !seen.has(text));
    const duplicates = [...seen.values()].reduce((sum, count) => sum + count - 1, 0);
    console.log(
      `crash test: ${TOTAL} messages, ${CRASHES} SIGKILLs (held at kill: ${heldAtKill.join(', ')}), lost ${lost.length}, duplicates ${duplicates}`,
    );
    expect(lost).toEqual([]);
    // The kills hit a service holding undelivered messages, or the test would prove nothing.
    expect(Math.max(...heldAtKill)).toBeGreaterThan(0);
  });
});
