// BUFFER_MAX_BYTES on a real broker: with large records the byte limit, not the message count,
// pauses the consumer. What service-b holds stays within the limit plus one fetch, the consumer
// pauses and resumes as clients read, and every record is delivered once.
import { plainKafka, uniqueName } from '@test-support/kafka';
import { startB } from '@test-support/services';
import { waitFor } from '@test-support/wait';
import type { ServiceB } from '../../src/service';

const RECORDS = 120;
const RECORD_BYTES = 8 * 1024;
const BUFFER_BYTES = 64 * 1024;
const FETCH_BYTES = 32 * 1024;

describe('a buffer bounded by bytes', () => {
  let b: ServiceB | undefined;
  afterAll(async () => {
    await b?.stop();
  });

  it('pauses at BUFFER_MAX_BYTES, holds no more than it plus one fetch, and loses nothing', async () => {
    const topic = uniqueName('buffer-bytes');
    const producer = plainKafka().producer();
    await producer.connect();
    const values = Array.from({ length: RECORDS }, (_, i) => `${i}:`.padEnd(RECORD_BYTES, 'x'));
    // service-b creates the topic (one partition) as it starts.
    b = await startB({
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: uniqueName('buffer-bytes-group'),
      // The message limit is far away: only the bytes can fill the buffer.
      BUFFER_MAX_MESSAGES: '100000',
      BUFFER_MAX_BYTES: String(BUFFER_BYTES),
      KAFKA_FETCH_MAX_BYTES: String(FETCH_BYTES),
      KAFKA_MAX_BYTES_PER_PARTITION: String(FETCH_BYTES),
    });
    const service = b;
    // Two records a send: record batches of 16 KiB, under the fetch size. (A broker returns at
    // least one whole batch however large, so a bigger batch would pass the fetch size.)
    for (let i = 0; i < RECORDS; i += 2) {
      await producer.send({ topic, messages: values.slice(i, i + 2).map((value) => ({ value })) });
    }
    await producer.disconnect();

    let mostBytes = 0;
    const sample = setInterval(() => {
      mostBytes = Math.max(mostBytes, service.buffer.stats().bytes);
    }, 5);
    try {
      await waitFor('the consumer paused by the byte limit', () => service.source.status().paused);
      const atPause = service.buffer.stats();
      expect(atPause.held).toBeLessThan(RECORDS);
      const delivered = new Map<string, number>();
      await waitFor(
        'every record delivered',
        async () => {
          const res = await fetch(`${service.url}/api/messages/batch?max=5&waitMs=500`);
          const { messages } = (await res.json()) as { messages: { value: string }[] };
          for (const { value } of messages) delivered.set(value, (delivered.get(value) ?? 0) + 1);
          return delivered.size === RECORDS;
        },
        { timeoutMs: 60_000 },
      );
      expect([...delivered.values()].every((count) => count === 1)).toBe(true);
      // Held bytes count each record's value plus a little bookkeeping (64 bytes a record).
      const perRecord = RECORD_BYTES + 64;
      expect(mostBytes).toBeLessThanOrEqual(BUFFER_BYTES + FETCH_BYTES + perRecord);
      expect(mostBytes).toBeGreaterThanOrEqual(BUFFER_BYTES);
    } finally {
      clearInterval(sample);
    }
  });
});
