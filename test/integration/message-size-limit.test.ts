// MAX_MESSAGE_BYTES on a real broker: a value of exactly that size goes through both services (a
// topic the services create takes it, with room for key, headers and framing), one byte more is a
// 413 before anything reaches Kafka, and a topic made elsewhere with a smaller record limit is
// reported at start-up instead of being found by the first large POST.
import { ConfigResourceTypes } from 'kafkajs';
import request from 'supertest';
import { ensureTopic, RECORD_HEADROOM_BYTES, type Logger } from '@kafka-http/common';
import type { ServiceA } from '../../service-a/src/service';
import type { ServiceB } from '../../service-b/src/service';
import { freshTopic, plainKafka, uniqueName, withAdmin } from '@test-support/kafka';
import { startA, startB } from '@test-support/services';

const MAX = 1024 * 1024; // the default MAX_MESSAGE_BYTES

describe('a value of exactly MAX_MESSAGE_BYTES', () => {
  const topic = uniqueName('size-limit');
  let a: ServiceA;
  let b: ServiceB;

  beforeAll(async () => {
    // The services create the topic themselves.
    a = await startA({ KAFKA_TOPIC: topic });
    b = await startB({ KAFKA_TOPIC: topic, KAFKA_GROUP_ID: uniqueName('size-limit-group') });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('is created with room for a full-size value and its framing', async () => {
    const configs = await withAdmin((admin) =>
      admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          { type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] },
        ],
      }),
    );
    expect(configs.resources[0]?.configEntries[0]?.configValue).toBe(
      String(MAX + RECORD_HEADROOM_BYTES),
    );
  });

  it('is produced as text and as bytes, and read back whole', async () => {
    const text = 'k'.repeat(MAX);
    const bytes = Buffer.alloc(MAX, 0xfe);
    await request(a.url)
      .post('/api/messages')
      .set('Content-Type', 'text/plain')
      .send(text)
      .expect(200);
    await request(a.url)
      .post('/api/messages')
      .set('Content-Type', 'application/octet-stream')
      .send(bytes)
      .expect(200);
    const first = await request(b.url).get('/api/messages?waitMs=10000').expect(200);
    expect(first.body.value).toBe(text);
    const second = await request(b.url)
      .get('/api/messages?waitMs=10000')
      .set('Accept', 'application/octet-stream')
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(Buffer.compare(second.body as Buffer, bytes)).toBe(0);
  });

  it('is the limit: one byte more is a 413 and nothing is produced', async () => {
    const res = await request(a.url)
      .post('/api/messages')
      .set('Content-Type', 'text/plain')
      .send('k'.repeat(MAX + 1))
      .expect(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const next = await request(b.url).get('/api/messages?waitMs=500');
    expect(next.status).toBe(204);
  });
});

describe('a topic made elsewhere that takes smaller records', () => {
  it('is reported once at start-up, with the setting that fixes it', async () => {
    const topic = await freshTopic('size-limit-small', 1, { 'max.message.bytes': String(MAX) });
    const warnings: unknown[][] = [];
    const quiet = () => undefined;
    const logger = {
      warn: (...args: unknown[]) => warnings.push(args),
      info: quiet,
      debug: quiet,
      error: quiet,
    } as unknown as Logger;
    const spec = { topic, partitions: 1, replicationFactor: 1, maxValueBytes: MAX };
    await ensureTopic(plainKafka(), spec, logger);
    expect(warnings).toHaveLength(1);
    const [fields, message] = warnings[0] as [Record<string, unknown>, string];
    expect(fields).toEqual(
      expect.objectContaining({ topic, maxMessageBytes: MAX, topicMaxMessageBytes: MAX }),
    );
    expect(message).toContain(`max.message.bytes to ${MAX + RECORD_HEADROOM_BYTES}`);

    // A topic with room enough says nothing.
    const roomy = await freshTopic('size-limit-roomy', 1, {
      'max.message.bytes': String(MAX + RECORD_HEADROOM_BYTES),
    });
    await ensureTopic(plainKafka(), { ...spec, topic: roomy }, logger);
    expect(warnings).toHaveLength(1);
  });
});
