// service-a's coalesced and batch produce paths on a real broker: many concurrent requests share
// Kafka sends, yet every answer names exactly where its own message landed. Checked against the
// records read back from the topic, so a mix-up of offsets between requests would fail.
import request from 'supertest';
import { readAll, uniqueName, withAdmin } from '@test-support/kafka';
import { serviceFixture } from '@test-support/services';

interface Landed {
  partition: number;
  offset: string;
}

/** Every record of the topic by `partition@offset`, after checking the topic holds `count`. */
async function readByPosition(topic: string, count: number): Promise<Map<string, string>> {
  const offsets = await withAdmin((admin) => admin.fetchTopicOffsets(topic));
  expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(count);
  const records = await readAll(topic, count);
  return new Map(records.map((r) => [`${r.partition}@${r.offset}`, r.value?.toString() ?? '']));
}

describe('service-a produce paths on a real broker', () => {
  const serviceA = serviceFixture('all').a;

  it('answers 300 concurrent POSTs on 3 partitions each with its own record', async () => {
    const topic = uniqueName('coalesce');
    // A short linger, so requests arriving together share sends however fast the broker is.
    const a = await serviceA({
      KAFKA_TOPIC: topic,
      KAFKA_TOPIC_PARTITIONS: '3',
      PRODUCE_LINGER_MS: '20',
    });
    const values = Array.from({ length: 300 }, (_, i) => `c-${i}`);
    const answers = await Promise.all(
      values.map((value, i) =>
        request(a.url)
          .post(`/api/messages?key=k${i % 7}`)
          .type('text/plain')
          .send(value)
          .expect(200)
          .then((res) => res.body as Landed),
      ),
    );
    // Coalesced: Kafka sends carried several requests' records.
    const { sends, recordsSent } = a.publisher.stats();
    expect(recordsSent).toBe(values.length);
    expect(sends).toBeLessThan(recordsSent);
    const stored = await readByPosition(topic, values.length);
    values.forEach((value, i) => {
      const landed = answers[i] as Landed;
      expect(stored.get(`${landed.partition}@${landed.offset}`)).toBe(value);
    });
    // Same key, same partition.
    const partitionOfKey = new Map<string, number>();
    values.forEach((_, i) => {
      const key = `k${i % 7}`;
      const partition = (answers[i] as Landed).partition;
      expect(partitionOfKey.get(key) ?? partition).toBe(partition);
      partitionOfKey.set(key, partition);
    });
  });

  it('writes a batch with a result per message, in order, each pointing at its own record', async () => {
    const topic = uniqueName('batch');
    const a = await serviceA({ KAFKA_TOPIC: topic, KAFKA_TOPIC_PARTITIONS: '2' });
    const messages = Array.from({ length: 100 }, (_, i) =>
      i % 2 === 0
        ? { value: `b-${i}` }
        : { value: { n: i }, key: `key-${i}`, headers: { i: String(i) } },
    );
    const res = await request(a.url).post('/api/messages/batch').send({ messages }).expect(200);
    const results = res.body.results as Landed[];
    expect(results).toHaveLength(100);
    const stored = await readByPosition(topic, 100);
    results.forEach((landed, i) => {
      const expected = i % 2 === 0 ? `b-${i}` : JSON.stringify({ n: i });
      expect(stored.get(`${landed.partition}@${landed.offset}`)).toBe(expected);
    });
    const bad = await request(a.url)
      .post('/api/messages/batch')
      .send({ messages: [{ value: 'fine' }, { value: 'nowhere', partition: 9 }] })
      .expect(207);
    expect(bad.body.results[0]).toMatchObject({ topic, offset: expect.any(String) });
    expect(bad.body.results[1].error).toMatchObject({ status: 400 });
  });

  it('produces once for a POST retried with the same Idempotency-Key', async () => {
    const topic = uniqueName('idempotent');
    const a = await serviceA({ KAFKA_TOPIC: topic });
    const post = () =>
      request(a.url)
        .post('/api/messages')
        .set('Idempotency-Key', 'order-1234')
        .set('Kafka-Key', 'order-1234')
        .set('Kafka-Header-Trace-Id', 'trace-1')
        .type('application/json')
        .send('{"order":1234}');
    const first = await post().expect(200);
    const second = await post().expect(200);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const [record] = await readAll(topic, 1);
    const [offsets] = await withAdmin((admin) => admin.fetchTopicOffsets(topic));
    expect(offsets?.high).toBe('1');
    expect(record?.key?.toString()).toBe('order-1234');
    expect(record?.headers?.['trace-id']?.toString()).toBe('trace-1');
  });
});
