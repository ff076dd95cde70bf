// Tuning settings on a real broker: service-a writing gzip batches and service-b fetching with
// non-default sizes and group timings. The topic's max.message.bytes is the proof that
// compression happens: a 100 kB compressible value fits its 10 kB limit only once gzipped.
import request from 'supertest';
import type { ServiceA } from '../../service-a/src/service';
import type { ServiceB } from '../../service-b/src/service';
import { createTopic, uniqueName } from '@test-support/kafka';
import { startA, startB } from '@test-support/services';

describe('producer compression and consumer tuning on a real broker', () => {
  const topic = uniqueName('tuning');
  const value = 'Hello, Kafka! '.repeat(7500); // about 100 kB, very compressible
  const started: { stop(): Promise<void> }[] = [];
  let gzip: ServiceA;
  let b: ServiceB;

  beforeAll(async () => {
    await createTopic(topic, 1, { 'max.message.bytes': '10000' });
    gzip = await startA({ KAFKA_TOPIC: topic, PRODUCE_COMPRESSION: 'gzip' });
    started.push(gzip);
    b = await startB({
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: uniqueName('tuning-group'),
      KAFKA_FETCH_MIN_BYTES: '1',
      KAFKA_FETCH_MAX_BYTES: '2097152',
      KAFKA_MAX_BYTES_PER_PARTITION: '524288',
      KAFKA_SESSION_TIMEOUT_MS: '12000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
      KAFKA_REBALANCE_TIMEOUT_MS: '15000',
    });
    started.push(b);
  });
  afterAll(async () => {
    for (const service of started.reverse()) await service.stop();
  });

  it('writes gzip batches the broker takes, and service-b reads them back', async () => {
    await request(gzip.url)
      .post('/api/messages')
      .set('Content-Type', 'text/plain')
      .send(value)
      .expect(200);
    const got = await request(b.url).get('/api/messages').expect(200);
    expect(got.body.value).toBe(value);
  });

  it('without compression the same value is refused by the broker as too large', async () => {
    const plain = await startA({ KAFKA_TOPIC: topic });
    started.push(plain);
    await request(plain.url)
      .post('/api/messages')
      .set('Content-Type', 'text/plain')
      .send(value)
      .expect(413);
  });
});
