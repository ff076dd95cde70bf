// The Postman tutorial, end to end on a real broker: POST "Hello, Kafka!" to service-a, GET it back
// from service-b; and what exactly lands in Kafka on the way.
import request from 'supertest';
import type { ServiceA } from '../../service-a/src/service';
import type { ServiceB } from '../../service-b/src/service';
import { committedOffset, plainKafka, readAll, uniqueName } from '@test-support/kafka';
import { startA, startB } from '@test-support/services';
import { waitFor } from '@test-support/wait';

describe('the tutorial flow on a real broker', () => {
  const topic = uniqueName('tutorial');
  const group = uniqueName('tutorial-group');
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

  it('POSTs "Hello, Kafka!" and GETs it back, then commits it', async () => {
    const posted = await request(a.url)
      .post('/api/messages')
      .set('Content-Type', 'application/json')
      .send('"Hello, Kafka!"')
      .expect(200);
    expect(posted.body).toEqual({
      topic,
      partition: 0,
      offset: '0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    const got = await request(b.url).get('/api/messages').expect(200);
    expect(got.body).toMatchObject({
      topic,
      partition: 0,
      offset: '0',
      key: null,
      value: 'Hello, Kafka!',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      timestamp: posted.body.timestamp,
    });
    // The offset is committed once the response was written: the next one to read is 1.
    await waitFor('offset 1 committed', async () => (await committedOffset(group, topic)) === 1);
  });

  it("speaks the tutorial's sentences with Accept: text/plain", async () => {
    const posted = await request(a.url)
      .post('/api/messages')
      .set('Content-Type', 'application/json')
      .set('Accept', 'text/plain')
      .send('"Hello, Kafka!"')
      .expect(200)
      .expect('Content-Type', /text\/plain/);
    expect(posted.text).toMatch(
      new RegExp(`^Message 'Hello, Kafka!' sent to ${topic} \\[\\[0\\]\\] @\\d+\\n$`),
    );

    const got = await request(b.url).get('/api/messages').set('Accept', 'text/plain').expect(200);
    expect(got.text).toBe('Received message: Hello, Kafka!\n');
  });

  it('round-trips JSON values exactly, including numbers beyond double precision', async () => {
    const body = '{ "id": 12345678901234567890, "tags": ["a", "b"], "nested": {"ok": true} }';
    await request(a.url)
      .post('/api/messages?key=user-42')
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(200);
    const got = await request(b.url).get('/api/messages').expect(200);
    expect(got.text).toContain(
      '"value":{"id":12345678901234567890,"tags":["a","b"],"nested":{"ok":true}}',
    );
    expect(got.body.key).toBe('user-42');
    expect(got.body.headers['content-type']).toBe('application/json');
  });

  it('answers 204 after waitMs when nothing is there', async () => {
    const started = Date.now();
    await request(b.url).get('/api/messages?waitMs=300').expect(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('writes the bytes other Kafka tools expect', async () => {
    const records = await readAll(topic, 3);
    expect(records[0]?.value?.toString('utf8')).toBe('Hello, Kafka!');
    expect(records[0]?.value).toHaveLength(13);
    expect(records[0]?.headers?.['content-type']?.toString()).toBe('text/plain; charset=utf-8');
    expect(records[2]?.value?.toString()).toBe(
      '{"id":12345678901234567890,"tags":["a","b"],"nested":{"ok":true}}',
    );
    expect(records[2]?.key?.toString()).toBe('user-42');
  });

  it('delivers records from other producers: text without headers, and bytes as base64', async () => {
    const producer = plainKafka().producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { value: 'plain text from elsewhere' },
        { value: Buffer.from([0xff, 0xfe, 0x00, 0x01]) },
      ],
    });
    await producer.disconnect();
    const text = await request(b.url).get('/api/messages?waitMs=5000').expect(200);
    expect(text.body).toMatchObject({ value: 'plain text from elsewhere', headers: {} });
    expect(text.body.encoding).toBeUndefined();
    const bytes = await request(b.url).get('/api/messages?waitMs=5000').expect(200);
    expect(bytes.body).toMatchObject({ value: '//4AAQ==', encoding: 'base64' });
  });
});
