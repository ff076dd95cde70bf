// A record batch the client cannot decode, on a real broker: the partition that holds it is held
// at the batch (named on /health/ready, in /api/consumer/lag and in metrics), every other partition
// keeps delivering, the process stays up, and a replay past the batch lets the partition go on.
// The broker refuses corrupt batches, so the batch is a real zstd batch and this test's own zstd
// decoder is made to fail, the way a codec this client lacks or bytes it cannot read would.
import { CompressionTypes } from 'kafkajs';
import request from 'supertest';
import type { ServiceB } from '../../src/service';
import { freshTopic, plainKafka, uniqueName } from '@test-support/kafka';
import { startB } from '@test-support/services';
import { waitFor } from '@test-support/wait';
import { registerCompressionCodecs } from '@kafka-http/common';

// The zstd decoder of this test's service-b, made to fail on demand.
let mockFailZstd = false;
jest.mock('fzstd', () => {
  const real = jest.requireActual<typeof import('fzstd')>('fzstd');
  return {
    ...real,
    decompress: (...args: Parameters<typeof real.decompress>) => {
      if (mockFailZstd) throw new Error('invalid zstd data');
      return real.decompress(...args);
    },
  };
});

interface Wire {
  partition: number;
  offset: string;
  value: string;
}

async function send(
  topic: string,
  compression: CompressionTypes,
  messages: { partition: number; value: string }[],
) {
  registerCompressionCodecs();
  const producer = plainKafka().producer();
  await producer.connect();
  try {
    return await producer.send({ topic, compression, messages });
  } finally {
    await producer.disconnect();
  }
}

async function takeAll(service: ServiceB, count: number): Promise<Wire[]> {
  const got: Wire[] = [];
  while (got.length < count) {
    const res = await request(service.url).get('/api/messages/batch?max=50&waitMs=5000');
    expect(res.status).toBe(200);
    const { messages } = res.body as { messages: Wire[] };
    if (messages.length === 0) throw new Error(`got ${got.length} of ${count} messages`);
    got.push(...messages);
  }
  return got;
}

describe('a batch service-b cannot decode', () => {
  let b: ServiceB | undefined;
  afterEach(async () => {
    mockFailZstd = false;
    await b?.stop();
  });

  it('holds only its partition, says where, and goes on once a replay moves past it', async () => {
    const topic = await freshTopic('undecodable', 2);
    const group = uniqueName('undecodable-group');
    await send(topic, CompressionTypes.None, [
      { partition: 0, value: 'before' },
      { partition: 1, value: 'p1-a' },
    ]);
    // Three records in one zstd batch on partition 0, then plain records behind it.
    await send(
      topic,
      CompressionTypes.ZSTD,
      [0, 1, 2].map((i) => ({ partition: 0, value: `z${i}` })),
    );
    await send(topic, CompressionTypes.None, [
      { partition: 0, value: 'after' },
      { partition: 1, value: 'p1-b' },
    ]);
    mockFailZstd = true;

    b = await startB({ KAFKA_TOPIC: topic, KAFKA_GROUP_ID: group, KAFKA_TOPIC_PARTITIONS: '2' });
    const first = await takeAll(b, 3);
    expect(first.map((m) => m.value).sort()).toEqual(['before', 'p1-a', 'p1-b']);

    const service = b;
    const ready = await waitFor('readiness to say degraded', async () => {
      const res = await request(service.url).get('/health/ready');
      return res.body.status === 'degraded' ? res : undefined;
    });
    expect(ready.status).toBe(200);
    expect(ready.body.blockedPartitions).toEqual([
      expect.objectContaining({
        partition: 0,
        offset: '1',
        batchFirstOffset: '1',
        batchLastOffset: '3',
        codec: 'zstd',
        reason: 'zstd: invalid zstd data',
      }),
    ]);
    const lag = await request(service.url).get('/api/consumer/lag').expect(200);
    const partitions = lag.body.partitions as { partition: number; blocked?: unknown }[];
    expect(partitions.find((p) => p.partition === 0)?.blocked).toEqual(
      expect.objectContaining({ offset: '1', batchLastOffset: '3', codec: 'zstd' }),
    );
    expect(partitions.find((p) => p.partition === 1)).not.toHaveProperty('blocked');
    const metrics = await request(service.url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/kafka_consumer_blocked_partitions(\{[^}]*\})? 1/);
    expect(metrics.text).toMatch(/kafka_consumer_blocked_offset\{[^}]*partition="0"[^}]*\} 1/);

    // Nothing behind the batch is delivered while it is held, and nothing of it is committed.
    const empty = await request(service.url).get('/api/messages?waitMs=300');
    expect(empty.status).toBe(204);

    // More records on the other partition still flow.
    await send(topic, CompressionTypes.None, [{ partition: 1, value: 'p1-c' }]);
    expect((await takeAll(service, 1)).map((m) => m.value)).toEqual(['p1-c']);

    // The operator skips the batch: the partition goes on from the record after it.
    const moved = await request(service.url)
      .post('/api/consumer/position')
      .send({ to: 'offset', partition: 0, offset: '4' });
    expect(moved.status).toBe(200);
    expect((await takeAll(service, 1)).map((m) => m.value)).toEqual(['after']);
    const healthy = await waitFor('readiness to say ready', async () => {
      const res = await request(service.url).get('/health/ready');
      return res.body.status === 'ready' ? res : undefined;
    });
    expect(healthy.body).not.toHaveProperty('blockedPartitions');
  });
});
