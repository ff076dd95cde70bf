// Replay on a real broker: POST /api/consumer/position moves the group's position (to the
// beginning, an offset, a timestamp), the new position is committed so a restart keeps it, leases
// of the old position never commit, and with two replicas a request to one moves the partitions
// owned by both.
import request from 'supertest';
import type { ServiceB } from '../../src/service';
import { plainKafka, uniqueName, withAdmin } from '@test-support/kafka';
import { startB } from '@test-support/services';
import { waitFor } from '@test-support/wait';

interface Wire {
  partition: number;
  offset: string;
  value: string;
}

async function produce(
  topic: string,
  messages: { value: string; partition: number; timestamp?: string }[],
): Promise<void> {
  const producer = plainKafka().producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

async function committed(groupId: string, topic: string): Promise<Map<number, number>> {
  const [entry] = await withAdmin((admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
  return new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

async function take(service: ServiceB, count: number): Promise<Wire[]> {
  const got: Wire[] = [];
  while (got.length < count) {
    const res = await request(service.url).get('/api/messages?waitMs=5000');
    if (res.status !== 200) throw new Error(`expected a message, got ${res.status}`);
    got.push(res.body as Wire);
  }
  return got;
}

/** One partition of a 200 answer, moved by `service`. */
function movedBy(service: ServiceB, partition: number, from: string, to: string) {
  return {
    partition,
    from,
    to,
    appliedBy: expect.objectContaining({ instance: service.instanceId }),
  };
}

describe('replay: moving the group position on a real broker', () => {
  const started = new Set<ServiceB>();
  afterEach(async () => {
    await Promise.all([...started].map((service) => service.stop()));
    started.clear();
  });
  async function serviceB(env: Record<string, string>): Promise<ServiceB> {
    const service = await startB(env);
    started.add(service);
    await waitFor('the control topic read', () => service.control.isListening());
    return service;
  }
  async function stop(service: ServiceB): Promise<void> {
    started.delete(service);
    await service.stop();
  }

  it('when moved to the beginning, redelivers everything, old leases never commit, and a restart keeps the position', async () => {
    const topic = uniqueName('replay-begin');
    const group = uniqueName('replay-begin-group');
    const env = { KAFKA_TOPIC: topic, KAFKA_GROUP_ID: group };
    const texts = Array.from({ length: 10 }, (_, i) => `r-${i}`);
    const b = await serviceB(env);
    await produce(
      topic,
      texts.map((value) => ({ value, partition: 0 })),
    );
    expect((await take(b, 9)).map((m) => m.value)).toEqual(texts.slice(0, 9));
    // The last one is out with a receipt when the position moves.
    const held = await request(b.url).get('/api/messages?ack=manual&waitMs=5000').expect(200);
    expect(held.body.offset).toBe('9');
    await waitFor('9 committed', async () => (await committed(group, topic)).get(0) === 9);

    const res = await request(b.url)
      .post('/api/consumer/position')
      .send({ to: 'beginning' })
      .expect(200);
    expect(res.body).toMatchObject({
      topic,
      groupId: group,
      method: 'group',
      complete: true,
      partitions: [{ partition: 0, from: '9', to: '0', appliedBy: { instance: b.instanceId } }],
    });
    // The answer comes only once the new position is committed.
    expect((await committed(group, topic)).get(0)).toBe(0);

    // The old receipt is still accepted, but its message belongs to the old position: acking it
    // must not count offset 9 as delivered in the new one (the commit would then skip it).
    const ack = await request(b.url)
      .post('/api/messages/ack')
      .send({ receipts: [held.body.receipt] })
      .expect(200);
    expect(ack.body.results[0].outcome).toBe('acked');
    expect((await take(b, 9)).map((m) => m.value)).toEqual(texts.slice(0, 9));
    // With offset 9 wrongly marked delivered, the commit would jump from 8 or less to 10.
    await waitFor('9 committed again', async () => (await committed(group, topic)).get(0) === 9);
    expect((await take(b, 1))[0]?.value).toBe('r-9');
    await waitFor('10 committed', async () => (await committed(group, topic)).get(0) === 10);

    // Moved back again, then restarted at once: the new instance starts from the moved position.
    await request(b.url).post('/api/consumer/position').send({ to: 'beginning' }).expect(200);
    await stop(b);
    const restarted = await serviceB(env);
    expect((await take(restarted, 10)).map((m) => m.value)).toEqual(texts);
    const empty = await request(restarted.url).get('/api/messages?waitMs=300');
    expect(empty.status).toBe(204);
  });

  it('moves one partition to a timestamp or an offset and leaves the other alone', async () => {
    const topic = uniqueName('replay-one');
    const group = uniqueName('replay-one-group');
    const b = await serviceB({
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: group,
      KAFKA_TOPIC_PARTITIONS: '2',
    });
    const base = Date.UTC(2026, 0, 1, 12, 0, 0);
    await produce(topic, [
      ...Array.from({ length: 5 }, (_, i) => ({
        value: `p0-${i}`,
        partition: 0,
        timestamp: String(base + i * 60_000),
      })),
      ...Array.from({ length: 5 }, (_, i) => ({ value: `p1-${i}`, partition: 1 })),
    ]);
    await take(b, 10);
    await waitFor('both partitions committed', async () => {
      const offsets = await committed(group, topic);
      return offsets.get(0) === 5 && offsets.get(1) === 5;
    });

    // 12:02:30 lies between the third (12:02) and fourth (12:03) record of partition 0.
    const byTime = await request(b.url)
      .post('/api/consumer/position')
      .send({ to: 'timestamp', timestamp: '2026-01-01T12:02:30Z', partition: 0 })
      .expect(200);
    expect(byTime.body.partitions).toEqual([movedBy(b, 0, '5', '3')]);
    expect((await take(b, 2)).map((m) => m.value)).toEqual(['p0-3', 'p0-4']);
    expect((await request(b.url).get('/api/messages?waitMs=300')).status).toBe(204);

    // Epoch milliseconds work too: exactly the first record's time gives its offset.
    const byMs = await request(b.url)
      .post('/api/consumer/position')
      .send({ to: 'timestamp', timestamp: base, partition: 0 })
      .expect(200);
    expect(byMs.body.partitions[0]).toMatchObject({ partition: 0, to: '0' });
    expect((await take(b, 5)).map((m) => m.value)).toEqual([
      'p0-0',
      'p0-1',
      'p0-2',
      'p0-3',
      'p0-4',
    ]);

    const byOffset = await request(b.url)
      .post('/api/consumer/position')
      .send({ to: 'offset', offset: '2', partition: 1 })
      .expect(200);
    expect(byOffset.body.partitions).toEqual([movedBy(b, 1, '5', '2')]);
    expect((await take(b, 3)).map((m) => m.value)).toEqual(['p1-2', 'p1-3', 'p1-4']);
    await waitFor('the moved partitions committed again', async () => {
      const offsets = await committed(group, topic);
      return offsets.get(0) === 5 && offsets.get(1) === 5;
    });

    // Beyond the end: clamped to it, and the answer says so.
    const clamped = await request(b.url)
      .post('/api/consumer/position')
      .send({ to: 'offset', offset: 999, partition: 1 })
      .expect(200);
    expect(clamped.body.partitions[0]).toMatchObject({
      to: '5',
      clamped: { requested: '999', reason: 'after-latest' },
    });
    const unknown = await request(b.url)
      .post('/api/consumer/position')
      .send({ to: 'beginning', partition: 7 })
      .expect(422);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('with two replicas in the group, a request to one moves the partitions owned by both', async () => {
    const topic = uniqueName('replay-two');
    const group = uniqueName('replay-two-group');
    const env = { KAFKA_TOPIC: topic, KAFKA_GROUP_ID: group, KAFKA_TOPIC_PARTITIONS: '2' };
    const first = await serviceB(env);
    const second = await serviceB(env);
    await waitFor('one partition each', () =>
      [first, second].every((b) => b.source.isReady() && b.source.status().assigned.length === 1),
    );
    await produce(
      topic,
      [0, 1].flatMap((partition) =>
        Array.from({ length: 4 }, (_, i) => ({ value: `p${partition}-${i}`, partition })),
      ),
    );
    const firstRun = [...(await take(first, 4)), ...(await take(second, 4))];
    expect(new Set(firstRun.map((m) => m.value)).size).toBe(8);
    await waitFor('both partitions committed', async () => {
      const offsets = await committed(group, topic);
      return offsets.get(0) === 4 && offsets.get(1) === 4;
    });

    const res = await request(first.url)
      .post('/api/consumer/position')
      .send({ to: 'beginning' })
      .expect(200);
    const owner = (partition: number) =>
      [first, second].find((b) => b.source.owns(partition))?.instanceId;
    expect(res.body.partitions).toEqual(
      [0, 1].map((partition) => ({
        partition,
        from: '4',
        to: '0',
        appliedBy: { instance: owner(partition), memberId: expect.any(String) },
      })),
    );
    expect(
      new Set(
        res.body.partitions.map(
          (p: Wire & { appliedBy: { instance: string } }) => p.appliedBy.instance,
        ),
      ),
    ).toEqual(new Set([first.instanceId, second.instanceId]));
    const offsets = await committed(group, topic);
    expect([offsets.get(0), offsets.get(1)]).toEqual([0, 0]);

    // Each replica delivers its own partition again from the start.
    const replayed = [...(await take(first, 4)), ...(await take(second, 4))];
    expect(replayed.map((m) => m.value).sort()).toEqual(firstRun.map((m) => m.value).sort());
    for (const b of [first, second]) {
      expect(b.buffer.stats().buffered).toBe(0);
    }
  });
});
