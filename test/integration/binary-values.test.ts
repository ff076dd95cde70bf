// Binary values end to end on a real broker: bytes POSTed as application/octet-stream (or base64 in
// a batch) are stored exactly and come back byte for byte, as base64 JSON or as the raw body.
import request from 'supertest';
import type { ServiceA } from '../../service-a/src/service';
import type { ServiceB } from '../../service-b/src/service';
import { committedOffset, readAll, uniqueName } from '@test-support/kafka';
import { rawBody } from '@test-support/raw-body';
import { startA, startB } from '@test-support/services';
import { waitFor } from '@test-support/wait';

// Invalid UTF-8 (a lone continuation byte, an overlong start, 0xff) and zero bytes.
const BYTES = Buffer.from([0x00, 0xc3, 0x28, 0xff, 0x80, 0x00, 0x41, 0xfe, 0x0a, 0x00]);

describe('binary values on a real broker', () => {
  const topic = uniqueName('binary');
  const group = uniqueName('binary-group');
  let a: ServiceA;
  let b: ServiceB;

  beforeAll(async () => {
    a = await startA({ KAFKA_TOPIC: topic });
    b = await startB({ KAFKA_TOPIC: topic, KAFKA_GROUP_ID: group });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  function postBytes(bytes: Buffer, key?: string) {
    const post = request(a.url)
      .post('/api/messages')
      .set('Content-Type', 'application/octet-stream');
    if (key !== undefined) post.set('Kafka-Key', key);
    return post.send(bytes).expect(200);
  }

  function getRaw() {
    return request(b.url)
      .get('/api/messages')
      .set('Accept', 'application/octet-stream')
      .buffer(true)
      .parse(rawBody)
      .expect(200);
  }

  it('stores octet-stream bytes exactly and GETs them back as base64 JSON', async () => {
    const posted = await postBytes(BYTES);
    const got = await request(b.url).get('/api/messages').expect(200);
    expect(got.body).toMatchObject({
      offset: posted.body.offset,
      value: BYTES.toString('base64'),
      encoding: 'base64',
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(Buffer.from(got.body.value as string, 'base64')).toEqual(BYTES);

    // What Kafka holds: the bytes themselves, read back with a plain KafkaJS consumer.
    const [stored] = await readAll(topic, 1);
    expect(stored?.value).toEqual(BYTES);
    expect(stored?.headers?.['content-type']?.toString()).toBe('application/octet-stream');
  });

  it('GETs the raw bytes with Accept: application/octet-stream, where they were in headers', async () => {
    const posted = await postBytes(BYTES, 'device-7');
    const got = await getRaw();
    expect(got.headers['content-type']).toBe('application/octet-stream');
    expect(got.body).toEqual(BYTES);
    expect(got.headers).toMatchObject({
      'kafka-topic': topic,
      'kafka-partition': String(posted.body.partition),
      'kafka-offset': posted.body.offset,
      'kafka-key': 'device-7',
      'kafka-timestamp': posted.body.timestamp,
    });
    // Delivered once the response was written: its offset is committed.
    const next = Number(posted.body.offset) + 1;
    await waitFor(
      `offset ${next} committed`,
      async () => (await committedOffset(group, topic)) === next,
    );
  });

  it('round-trips a base64 batch value and a zero-length octet-stream body', async () => {
    await request(a.url)
      .post('/api/messages/batch')
      .send({ messages: [{ value: BYTES.toString('base64'), encoding: 'base64' }] })
      .expect(200);
    await postBytes(Buffer.alloc(0));

    const batch = await request(b.url).get('/api/messages/batch?max=1').expect(200);
    expect(batch.body.messages).toEqual([
      expect.objectContaining({ value: BYTES.toString('base64'), encoding: 'base64' }),
    ]);
    const empty = await getRaw();
    expect(empty.body).toEqual(Buffer.alloc(0));
    expect(empty.headers['content-length']).toBe('0');
    expect(empty.headers).not.toHaveProperty('kafka-value');
  });
});
