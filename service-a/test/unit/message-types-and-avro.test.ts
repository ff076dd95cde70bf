// Message types and Avro on the produce routes: values checked against a registered type, Avro
// encoding from application/avro+json, the same rules for batch items, and the OpenAPI examples.
import request from 'supertest';
import { expectProblem } from '@test-support/problem';
import { setup } from '@test-support/produce-harness';

describe('message types and Avro on the produce routes', () => {
  const order = { orderId: 'ord-1', email: 'ada@example.com', items: [{ sku: 'b', quantity: 1 }] };
  const user = { id: 10042, name: 'Ada Lovelace', email: 'ada@example.com' };

  it('produces a value of the named type with a message-type record header', async () => {
    const { app, publisher } = setup();
    await request(app).post('/api/messages?type=order').send(order).expect(200);
    expect(publisher.messages[0]?.headers).toMatchObject({
      'message-type': 'order',
      'content-type': 'application/json',
    });
  });

  it('answers 422 listing each failing field, and produces nothing', async () => {
    const { app, publisher } = setup();
    const res = await request(app)
      .post('/api/messages?type=order')
      .send({ orderId: 'ord-1', items: [], note: 'x' });
    const body = expectProblem(res, 422);
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { pointer: '/email', detail: 'is required' },
        { pointer: '/items', detail: 'must NOT have fewer than 1 items' },
        { pointer: '/note', detail: 'is not allowed by the schema' },
      ]),
    );
    expect(publisher.messages).toHaveLength(0);
  });

  it('checks a text/plain body as a string against the type', async () => {
    const { app } = setup();
    const res = await request(app)
      .post('/api/messages?type=greeting')
      .set('Content-Type', 'text/plain')
      .send('Hello');
    expect(expectProblem(res, 422).errors).toEqual([{ pointer: '', detail: 'must be object' }]);
  });

  it('answers 400 for a type that is not registered, naming the known ones', async () => {
    const { app } = setup();
    const body = expectProblem(await request(app).post('/api/messages?type=nope').send(order), 400);
    expect(body.detail).toContain('greeting, order');
  });

  it('holds every value to the topic type, and refuses naming another type', async () => {
    const { app, publisher } = setup({ topicType: 'greeting' });
    expectProblem(await request(app).post('/api/messages').send('"Hello"').type('json'), 422);
    expectProblem(await request(app).post('/api/messages?type=order').send(order), 422);
    await request(app).post('/api/messages').send({ text: 'Hello' }).expect(200);
    expect(publisher.messages.map((m) => m.headers['message-type'])).toEqual(['greeting']);
  });

  it('encodes application/avro+json as Avro binary and names the schema in headers', async () => {
    const { app, publisher } = setup();
    await request(app)
      .post('/api/messages')
      .set('Content-Type', 'application/avro+json; schema=User')
      .send(JSON.stringify(user))
      .expect(200);
    const [message] = publisher.messages;
    expect(message?.headers).toMatchObject({
      'content-type': 'application/avro',
      'avro-schema': 'example.User',
      'avro-schema-fingerprint': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    // Avro binary: zig-zag varint id, then length-prefixed strings.
    expect(message?.value.subarray(0, 3)).toEqual(Buffer.from([0xf4, 0x9c, 0x01]));
    expect(message?.value.toString('latin1')).toContain('Ada Lovelace');
  });

  it.each([
    ['no schema parameter', 'application/avro+json', 415],
    ['an unknown schema', 'application/avro+json; schema=example.Missing', 415],
  ])('answers %s with a problem', async (_what, contentType, status) => {
    const { app, publisher } = setup();
    const res = await request(app)
      .post('/api/messages')
      .set('Content-Type', contentType)
      .send(JSON.stringify(user));
    expect(expectProblem(res, status).detail).toContain('example.User');
    expect(publisher.messages).toHaveLength(0);
  });

  it('refuses record headers that would misdescribe the value', async () => {
    const { app } = setup();
    for (const name of ['Message-Type', 'Avro-Schema', 'Avro-Schema-Fingerprint']) {
      expectProblem(
        await request(app).post('/api/messages').set(`Kafka-Header-${name}`, 'x').send(order),
        400,
      );
    }
  });

  it('encodes and checks batch items one by one', async () => {
    const { app, publisher } = setup();
    const res = await request(app)
      .post('/api/messages/batch')
      .send({
        messages: [
          { value: user, schema: 'example.User' },
          { value: { id: 1 }, schema: 'example.User' },
          { value: order, type: 'order' },
          { value: {}, type: 'order' },
          { value: 'x', schema: 'example.Missing' },
          { value: 'x', headers: { 'avro-schema': 'example.User' } },
        ],
      })
      .expect(207);
    const results = (res.body as { results: { error?: { status: number; errors?: unknown[] } }[] })
      .results;
    expect(results.map((r) => r.error?.status ?? 200)).toEqual([200, 422, 200, 422, 415, 400]);
    expect(results[1]?.error?.errors).toEqual([
      { pointer: '/name', detail: 'is required' },
      { pointer: '/email', detail: 'is required' },
    ]);
    expect(publisher.messages.map((m) => m.headers['content-type'])).toEqual([
      'application/avro',
      'application/json',
    ]);
  });

  it('refuses bytes where a message type applies: the single POST and batch items', async () => {
    const { app, publisher } = setup({ topicType: 'greeting' });
    const res = await request(app)
      .post('/api/messages')
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.from([1, 2, 3]));
    expect(expectProblem(res, 415).detail).toContain('greeting');
    const batch = await request(app)
      .post('/api/messages/batch')
      .send({
        messages: [
          { value: 'AAEC', encoding: 'base64' },
          { value: 'AAEC', encoding: 'base64', schema: 'example.User', type: 'greeting' },
          { value: { text: 'Hi' } },
        ],
      })
      .expect(207);
    const statuses = (batch.body as { results: { error?: { status: number } }[] }).results.map(
      (r) => r.error?.status ?? 200,
    );
    expect(statuses).toEqual([415, 400, 200]);
    expect(publisher.messages).toHaveLength(1);
  });

  it('shows the registered types and Avro schemas, with examples, in the OpenAPI document', async () => {
    const { app } = setup();
    const doc = (await request(app).get('/openapi.json').expect(200)).body as {
      components: { schemas: Record<string, { example?: unknown }> };
      paths: Record<string, { post: { requestBody: { content: Record<string, unknown> } } }>;
    };
    expect(doc.components.schemas['MessageType-order']?.example).toMatchObject({
      orderId: 'ord-1001',
    });
    expect(doc.components.schemas['MessageType-greeting']).toBeDefined();
    const content = doc.paths['/api/messages']?.post.requestBody.content ?? {};
    expect(content['application/avro+json; schema=example.User']).toMatchObject({
      example: { id: 10042 },
    });
    expect(content['application/json']).toMatchObject({
      examples: { 'type-order': { value: { orderId: 'ord-1001' } } },
    });
  });
});
