// service-a's HTTP surface, in-process, with a fake publisher instead of Kafka.
import request from 'supertest';
import { allowUndocumentedStatus } from '@test-support/check-responses';
import { FAKE_TIMESTAMP } from '@test-support/fake-publisher';
import { expectProblem } from '@test-support/problem';
import { serviceAApp } from '@test-support/apps';
import { ProduceError } from '../../src/produce-error';

const MAX_MESSAGE_BYTES = 1024;

function setup() {
  return serviceAApp({
    maxMessageBytes: MAX_MESSAGE_BYTES,
    peer: { name: 'service-b', url: 'http://127.0.0.1:5102' },
  });
}

describe('POST /api/messages', () => {
  it('publishes a JSON string as text and answers where it landed', async () => {
    const { app, publisher } = setup();
    publisher.answer = {
      topic: 'message-topic',
      partition: 2,
      offset: '41',
      timestamp: FAKE_TIMESTAMP,
    };
    const res = await request(app)
      .post('/api/messages?key=user-42')
      .set('Content-Type', 'application/json')
      .send('"Hello, Kafka!"');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      topic: 'message-topic',
      partition: 2,
      offset: '41',
      timestamp: '2025-01-02T03:04:05.678Z',
    });
    expect(publisher.messages).toHaveLength(1);
    const [call] = publisher.messages;
    expect(call?.value).toEqual(Buffer.from('Hello, Kafka!', 'utf8'));
    expect(call?.key).toBe('user-42');
    expect(call?.headers).toEqual({ 'content-type': 'text/plain; charset=utf-8' });
  });

  it('publishes a JSON object as compact JSON with the JSON content-type header', async () => {
    const { app, publisher } = setup();
    const res = await request(app)
      .post('/api/messages')
      .set('Content-Type', 'application/json')
      .send('{ "n" : 12345678901234567890 }');
    expect(res.status).toBe(200);
    expect(publisher.messages[0]?.value.toString('utf8')).toBe('{"n":12345678901234567890}');
    expect(publisher.messages[0]?.headers).toEqual({ 'content-type': 'application/json' });
    expect(publisher.messages[0]?.key).toBeUndefined();
  });

  it('publishes text/plain as it is', async () => {
    const { app, publisher } = setup();
    const res = await request(app)
      .post('/api/messages')
      .set('Content-Type', 'text/plain')
      .send('  plain text  ');
    expect(res.status).toBe(200);
    expect(publisher.messages[0]?.value.toString('utf8')).toBe('  plain text  ');
    expect(publisher.messages[0]?.headers).toEqual({ 'content-type': 'text/plain; charset=utf-8' });
  });

  it("answers the tutorial's sentence for Accept: text/plain", async () => {
    const { app } = setup();
    const res = await request(app)
      .post('/api/messages')
      .set('Content-Type', 'application/json')
      .set('Accept', 'text/plain')
      .send('"Hello, Kafka!"');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toBe("Message 'Hello, Kafka!' sent to message-topic [[0]] @0\n");
  });

  it('refuses Accept: application/xml with 406 before publishing', async () => {
    const { app, publisher } = setup();
    const res = await request(app)
      .post('/api/messages')
      .set('Content-Type', 'application/json')
      .set('Accept', 'application/xml')
      .send('"Hello, Kafka!"');
    expectProblem(res, 406);
    expect(publisher.messages).toHaveLength(0);
  });

  it('refuses malformed JSON with 400', async () => {
    const { app, publisher } = setup();
    const res = await request(app)
      .post('/api/messages')
      .set('Content-Type', 'application/json')
      .send('{"a":');
    expectProblem(res, 400);
    expect(publisher.messages).toHaveLength(0);
  });

  it('refuses an empty body with 400', async () => {
    const { app, publisher } = setup();
    const res = await request(app).post('/api/messages').set('Content-Type', 'application/json');
    expectProblem(res, 400);
    expect(publisher.messages).toHaveLength(0);
  });

  it('refuses a body over the limit with 413 naming the limit', async () => {
    const { app, publisher } = setup();
    const res = await request(app)
      .post('/api/messages')
      .set('Content-Type', 'text/plain')
      .send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    const body = expectProblem(res, 413);
    expect(body.limitBytes).toBe(MAX_MESSAGE_BYTES);
    expect(publisher.messages).toHaveLength(0);
  });

  it('accepts a body of exactly the limit', async () => {
    const { app, publisher } = setup();
    const res = await request(app)
      .post('/api/messages')
      .set('Content-Type', 'text/plain')
      .send('x'.repeat(MAX_MESSAGE_BYTES));
    expect(res.status).toBe(200);
    expect(publisher.messages[0]?.value).toHaveLength(MAX_MESSAGE_BYTES);
  });

  it.each(['application/xml', 'text/plain; charset=latin1'])(
    'refuses Content-Type %s with 415',
    async (contentType) => {
      const { app, publisher } = setup();
      const res = await request(app)
        .post('/api/messages')
        .set('Content-Type', contentType)
        .send('<a>hi</a>');
      expectProblem(res, 415);
      expect(publisher.messages).toHaveLength(0);
    },
  );

  it.each([
    ['an empty key', '?key='],
    ['a repeated key', '?key=a&key=b'],
  ])('refuses %s with 400 naming the parameter', async (_what, query) => {
    const { app, publisher } = setup();
    const res = await request(app)
      .post(`/api/messages${query}`)
      .set('Content-Type', 'application/json')
      .send('"hi"');
    const body = expectProblem(res, 400);
    expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'key' })]));
    expect(publisher.messages).toHaveLength(0);
  });

  it('answers a 503 problem from the publisher with 503 and Retry-After', async () => {
    const { app, publisher } = setup();
    publisher.failWith = new ProduceError('not-connected', 'Not connected to Kafka.');
    const res = await request(app)
      .post('/api/messages')
      .set('Content-Type', 'application/json')
      .send('"hi"');
    const body = expectProblem(res, 503);
    expect(res.headers['retry-after']).toBe('5');
    expect(body.detail).toBe('Not connected to Kafka.');
  });

  it('answers a plain Error with 500 and keeps its internals out of the body', async () => {
    const { app, publisher } = setup();
    allowUndocumentedStatus(500);
    publisher.failWith = new Error('secret internals');
    const res = await request(app)
      .post('/api/messages')
      .set('Content-Type', 'application/json')
      .send('"hi"');
    const body = expectProblem(res, 500);
    expect(body.title).toBe('Internal Server Error');
    expect(res.text).not.toContain('secret internals');
    expect(res.text).not.toMatch(/\bat .*\.ts:\d+/);
    expect(body).not.toHaveProperty('stack');
  });
});

describe('other routes', () => {
  it('answers GET /api/messages with 405 and Allow: POST, naming service-b', async () => {
    const { app } = setup();
    const res = await request(app).get('/api/messages');
    expect(expectProblem(res, 405).detail).toBe(
      'This resource supports POST. Messages are read from service-b: GET http://127.0.0.1:5102/api/messages',
    );
    expect(res.headers.allow).toBe('POST');
    const batch = await request(app).get('/api/messages/batch');
    expect(expectProblem(batch, 405).detail).toContain(
      'GET http://127.0.0.1:5102/api/messages/batch',
    );
    // Other methods get the plain answer.
    expect(expectProblem(await request(app).put('/api/messages'), 405).detail).toBe(
      'This resource supports POST.',
    );
  });

  it('leads from / to Swagger UI, whose document links service-b, /metrics and itself', async () => {
    const { app } = setup();
    const root = await request(app).get('/').expect(302);
    expect(root.headers.location).toBe('/swagger/');
    await request(app).get('/swagger/').expect(200);
    const doc = (await request(app).get('/openapi.json').expect(200)).body;
    expect(doc.info.description).toContain('[service-b](http://127.0.0.1:5102/swagger/)');
    expect(doc.info.description).toContain('[/metrics](/metrics)');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/metrics', '/openapi.json']));
  });

  it('tells a client that sent text as JSON how to send it', async () => {
    const { app, publisher } = setup();
    const res = await request(app)
      .post('/api/messages')
      .set('Content-Type', 'application/json')
      .send('Hello, Kafka!');
    expect(expectProblem(res, 400).detail).toBe(
      'The request body is not valid JSON. To send text, quote it as a JSON string ("Hello, Kafka!") or send it with Content-Type: text/plain.',
    );
    // Broken JSON is not taken for text.
    const broken = await request(app)
      .post('/api/messages')
      .set('Content-Type', 'application/json')
      .send('{"a": ');
    expect(expectProblem(broken, 400).detail).toBe('The request body is not valid JSON.');
    expect(publisher.messages).toHaveLength(0);
  });

  it('answers an unknown path with a 404 problem', async () => {
    const { app } = setup();
    const res = await request(app).get('/no/such/thing');
    const body = expectProblem(res, 404);
    expect(body.instance).toBe('/no/such/thing');
  });

  it('says ready when the publisher is', async () => {
    const { app } = setup();
    const res = await request(app).get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      expect.objectContaining({ status: 'ready', kafka: 'connected', topic: 'message-topic' }),
    );
  });

  it('says not ready with 503 when the publisher is not', async () => {
    const { app, publisher } = setup();
    publisher.ready = false;
    const res = await request(app).get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.body).toEqual(
      expect.objectContaining({ status: 'not ready', kafka: 'not connected' }),
    );
  });

  it('answers liveness', async () => {
    const { app } = setup();
    const res = await request(app).get('/health/live');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'up' });
  });

  it('serves an OpenAPI 3 document listing POST /api/messages with a key parameter', async () => {
    const { app } = setup();
    const res = await request(app).get('/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body as {
      openapi: string;
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    const post = doc.paths['/api/messages']?.post;
    expect(post).toBeDefined();
    expect(post?.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'key', in: 'query' })]),
    );
  });

  it('serves Swagger UI as HTML', async () => {
    const { app } = setup();
    const res = await request(app).get('/swagger/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toMatch(/swagger-ui/i);
  });
});
