// Avro and message types on a real broker: the periodic Avro worker's users decode on service-b to
// what was generated, an Avro POST round-trips, a value that breaks its type or schema is refused
// with its field errors and never reaches Kafka, and an Avro record whose schema service-b does
// not have is delivered raw rather than dropped.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { AvroSchemaRegistry } from '@kafka-http/common';
import type { ServiceA } from '../../service-a/src/service';
import type { ServiceB } from '../../service-b/src/service';
import type { GeneratedUser } from '../../service-a/src/workers/user-worker';
import type { PublishedMessage } from '../../service-a/src/kafka/message-publisher';
import { plainKafka, uniqueName, withAdmin } from '@test-support/kafka';
import { startA, startB } from '@test-support/services';
import { waitFor } from '@test-support/wait';

const AVRO_JSON = 'application/avro+json; schema=example.User';

interface Got {
  offset: string;
  value: unknown;
  valueSchema?: string;
  encoding?: string;
  warning?: string;
  headers: Record<string, string>;
}

/** GETs batches until `count` messages came back (or the deadline passes). */
async function getMessages(b: ServiceB, count: number): Promise<Got[]> {
  const got: Got[] = [];
  await waitFor(`${count} messages from service-b`, async () => {
    const res = await request(b.url).get('/api/messages/batch?max=100&waitMs=500');
    if (res.status === 200) got.push(...(res.body as { messages: Got[] }).messages);
    return got.length >= count;
  });
  return got;
}

async function endOffset(topic: string): Promise<string> {
  return withAdmin(async (admin) => {
    const [partition] = await admin.fetchTopicOffsets(topic);
    return partition?.high ?? '0';
  });
}

describe('the periodic Avro worker', () => {
  const topic = uniqueName('avro-worker');
  let a: ServiceA;
  let b: ServiceB;

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('publishes generated users that service-b decodes to exactly what was generated', async () => {
    const sent: { user: GeneratedUser; published: PublishedMessage }[] = [];
    a = await startA({
      KAFKA_TOPIC: topic,
      AVRO_WORKER_ENABLED: 'true',
      AVRO_WORKER_INTERVAL_MS: '100',
    });
    if (!a.worker) throw new Error('the worker should run with AVRO_WORKER_ENABLED=true');
    a.worker.on('sent', (event) => sent.push(event));
    await waitFor('three users sent', () => sent.length >= 3);
    await a.worker.stop();
    const settled = [...sent];

    b = await startB({ KAFKA_TOPIC: topic, KAFKA_GROUP_ID: uniqueName('avro-worker-group') });
    const got = await getMessages(b, settled.length);
    // The worker may have sent users before the listener was attached: match by offset.
    const byOffset = new Map(got.map((m) => [m.offset, m]));
    for (const { user, published } of settled) {
      const message = byOffset.get(published.offset);
      expect(message).toMatchObject({
        value: user,
        valueSchema: 'example.User',
        headers: { 'content-type': 'application/avro', 'avro-schema': 'example.User' },
      });
      expect(message?.encoding).toBeUndefined();
      expect(user.id).toBeGreaterThanOrEqual(10_000);
      expect(user.email).toMatch(/^[^@\s]+@[^@\s]+$/);
    }
    // The value in Kafka is plain Avro binary: any Avro reader with the schema decodes it.
    const schema = AvroSchemaRegistry.fromDirectory().find('example.User');
    const consumer = plainKafka().consumer({ groupId: uniqueName('avro-raw-reader') });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const first = await new Promise<Buffer>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            if (message.offset === settled[0]?.published.offset && message.value) {
              resolve(message.value);
            }
          },
        });
      });
      expect(schema?.type.fromBuffer(first)).toEqual(settled[0]?.user);
    } finally {
      await consumer.disconnect();
    }
  });
});

describe('Avro POST and message types', () => {
  const topic = uniqueName('avro-post');
  let a: ServiceA;
  let b: ServiceB;

  beforeAll(async () => {
    a = await startA({ KAFKA_TOPIC: topic });
    b = await startB({ KAFKA_TOPIC: topic, KAFKA_GROUP_ID: uniqueName('avro-post-group') });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('round-trips a value POSTed as application/avro+json', async () => {
    const user = { id: 20001, name: 'Grace Hopper', email: 'grace@example.com' };
    const posted = await request(a.url)
      .post('/api/messages')
      .set('Content-Type', AVRO_JSON)
      .send(JSON.stringify(user))
      .expect(200);
    const [got] = await getMessages(b, 1);
    expect(got).toMatchObject({
      offset: posted.body.offset,
      value: user,
      valueSchema: 'example.User',
    });
  });

  it('decodes Avro on the stream too', async () => {
    const user = { id: 20002, name: 'Katherine Johnson', email: 'katherine@example.com' };
    await request(a.url)
      .post('/api/messages')
      .set('Content-Type', AVRO_JSON)
      .send(user)
      .expect(200);
    const controller = new AbortController();
    const res = await fetch(`${b.url}/api/messages/stream`, { signal: controller.signal });
    const reader = res.body?.getReader();
    let text = '';
    try {
      while (!text.includes('\n\n')) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        text += Buffer.from(chunk.value).toString('utf8');
      }
    } finally {
      controller.abort();
    }
    const data = /^data: (.*)$/m.exec(text)?.[1];
    expect(JSON.parse(data ?? 'null')).toMatchObject({ value: user, valueSchema: 'example.User' });
  });

  it('refuses values that break their type or schema with each failing field, producing nothing', async () => {
    const before = await endOffset(topic);
    const badOrder = await request(a.url)
      .post('/api/messages?type=order')
      .set('Content-Type', 'application/json')
      .send({ orderId: 'x', email: 'not-an-email', items: [{ sku: 'a', quantity: 0 }], extra: 1 })
      .expect(422)
      .expect('Content-Type', /application\/problem\+json/);
    expect(badOrder.body.errors).toEqual(
      expect.arrayContaining([
        { pointer: '/orderId', detail: expect.stringContaining('pattern') },
        { pointer: '/email', detail: expect.stringContaining('email') },
        { pointer: '/items/0/quantity', detail: expect.stringContaining('>= 1') },
        { pointer: '/extra', detail: 'is not allowed by the schema' },
      ]),
    );
    const badUser = await request(a.url)
      .post('/api/messages')
      .set('Content-Type', AVRO_JSON)
      .send({ id: 'seven', name: 'Ada' })
      .expect(422);
    expect(badUser.body.errors).toEqual([
      { pointer: '/id', detail: 'must be a 32-bit integer' },
      { pointer: '/email', detail: 'is required' },
    ]);
    await request(a.url)
      .post('/api/messages')
      .set('Content-Type', 'application/avro+json; schema=example.Nope')
      .send({})
      .expect(415);
    expect(await endOffset(topic)).toBe(before);
  });

  it('produces a valid typed value with a message-type header', async () => {
    const order = {
      orderId: 'ord-7',
      email: 'ada@example.com',
      items: [{ sku: 'book', quantity: 1 }],
    };
    await request(a.url)
      .post('/api/messages?type=order')
      .set('Content-Type', 'application/json')
      .send(order)
      .expect(200);
    const [got] = await getMessages(b, 1);
    expect(got).toMatchObject({ value: order, headers: { 'message-type': 'order' } });
  });
});

describe('a topic bound to a message type', () => {
  const topic = uniqueName('typed-topic');
  let a: ServiceA;

  beforeAll(async () => {
    a = await startA({ KAFKA_TOPIC: topic, TOPIC_MESSAGE_TYPE: 'greeting' });
  });
  afterAll(async () => {
    await a?.stop();
  });

  it('accepts only values of its type, on single and batch POSTs', async () => {
    await request(a.url)
      .post('/api/messages')
      .set('Content-Type', 'application/json')
      .send('"Hello, Kafka!"')
      .expect(422);
    await request(a.url)
      .post('/api/messages')
      .set('Content-Type', 'application/json')
      .send({ text: 'Hello, Kafka!', lang: 'en' })
      .expect(200);
    const batch = await request(a.url)
      .post('/api/messages/batch')
      .send({ messages: [{ value: { text: 'Hi' } }, { value: { txt: 'typo' } }] })
      .expect(207);
    expect(batch.body.results[0]).toMatchObject({ offset: expect.any(String) });
    expect(batch.body.results[1].error).toMatchObject({
      status: 422,
      errors: expect.arrayContaining([{ pointer: '/text', detail: 'is required' }]),
    });
    expect(await endOffset(topic)).toBe('2');
  });
});

describe('an Avro record whose schema service-b does not have', () => {
  const topic = uniqueName('avro-unknown');
  let a: ServiceA;
  let b: ServiceB;

  beforeAll(async () => {
    a = await startA({ KAFKA_TOPIC: topic });
    // service-b reads an empty schema folder: it knows no Avro schema at all.
    b = await startB({
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: uniqueName('avro-unknown-group'),
      AVRO_SCHEMAS_DIR: mkdtempSync(path.join(tmpdir(), 'no-schemas-')),
    });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('is delivered as base64 with the schema named and a warning, never dropped', async () => {
    const user = { id: 30003, name: 'Alan Turing', email: 'alan@example.com' };
    await request(a.url)
      .post('/api/messages')
      .set('Content-Type', AVRO_JSON)
      .send(user)
      .expect(200);
    // And one written by another producer, naming a schema nobody here has.
    const producer = plainKafka().producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        {
          value: Buffer.from([0x02, 0x04, 0xff]),
          headers: { 'content-type': 'application/avro', 'avro-schema': 'other.Thing' },
        },
      ],
    });
    await producer.disconnect();

    const got = await getMessages(b, 2);
    const schema = AvroSchemaRegistry.fromDirectory().find('example.User');
    expect(got[0]).toMatchObject({
      encoding: 'base64',
      valueSchema: 'example.User',
      warning: expect.stringContaining('not known'),
    });
    expect(schema?.type.fromBuffer(Buffer.from(got[0]?.value as string, 'base64'))).toEqual(user);
    expect(got[1]).toMatchObject({
      value: Buffer.from([0x02, 0x04, 0xff]).toString('base64'),
      encoding: 'base64',
      valueSchema: 'other.Thing',
    });
  });
});
