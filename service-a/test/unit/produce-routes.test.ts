// The produce routes in-process: record key and headers from request headers, Idempotency-Key,
// POST /api/messages/batch and the benchmark's no-op route, with a fake publisher instead of Kafka.
import request from 'supertest';
import type { Response } from 'supertest';
import { expectProblem } from '@test-support/problem';
import { serviceAApp } from '@test-support/apps';
import { ProduceError } from '../../src/produce-error';
import type { AppDeps } from '../../src/app';
import type { OutgoingMessage, PublishedMessage } from '../../src/kafka/message-publisher';
import type { AcceptResult, AsyncProducer } from '../../src/http/async-produce';

const TIMESTAMP = '2025-01-02T03:04:05.678Z';

const MAX_MESSAGE_BYTES = 1024;

function setup(deps: Partial<Omit<AppDeps, 'publisher'>> = {}) {
  return serviceAApp({ maxMessageBytes: MAX_MESSAGE_BYTES, ...deps });
}

function text(message: OutgoingMessage | undefined): string | undefined {
  return message?.value.toString('utf8');
}

type App = ReturnType<typeof setup>['app'];

function postMessage(app: App, body = '"hi"') {
  return request(app).post('/api/messages').set('Content-Type', 'application/json').send(body);
}

function postBatch(app: App, body: unknown) {
  return request(app)
    .post('/api/messages/batch')
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(body));
}

interface BatchResult {
  topic?: string;
  partition?: number;
  offset?: string;
  error?: { status: number; title: string; detail?: string };
}

function resultsOf(res: Response): BatchResult[] {
  return (JSON.parse(res.text) as { results: BatchResult[] }).results;
}

describe('POST /api/messages: record key and headers', () => {
  it('takes the record key from the Kafka-Key header', async () => {
    const { app, publisher } = setup();
    const res = await postMessage(app).set('Kafka-Key', 'user-7');
    expect(res.status).toBe(200);
    expect(publisher.messages).toHaveLength(1);
    expect(publisher.messages[0]?.key).toBe('user-7');
  });

  it('accepts the same key given both as ?key= and Kafka-Key', async () => {
    const { app, publisher } = setup();
    const res = await request(app)
      .post('/api/messages?key=same')
      .set('Content-Type', 'application/json')
      .set('Kafka-Key', 'same')
      .send('"hi"');
    expect(res.status).toBe(200);
    expect(publisher.messages[0]?.key).toBe('same');
  });

  it('refuses ?key=a with Kafka-Key: b with 400, before publishing', async () => {
    const { app, publisher } = setup();
    const res = await request(app)
      .post('/api/messages?key=a')
      .set('Content-Type', 'application/json')
      .set('Kafka-Key', 'b')
      .send('"hi"');
    expectProblem(res, 400);
    expect(publisher.messages).toHaveLength(0);
  });

  it('turns Kafka-Header-Trace-Id: abc into the record header trace-id: abc', async () => {
    const { app, publisher } = setup();
    const res = await postMessage(app).set('Kafka-Header-Trace-Id', 'abc');
    expect(res.status).toBe(200);
    expect(publisher.messages[0]?.headers).toEqual({
      'trace-id': 'abc',
      'content-type': 'text/plain; charset=utf-8',
    });
  });

  it('refuses Kafka-Header-Content-Type with 400, before publishing', async () => {
    const { app, publisher } = setup();
    const res = await postMessage(app).set('Kafka-Header-Content-Type', 'text/html');
    expectProblem(res, 400);
    expect(publisher.messages).toHaveLength(0);
  });
});

describe('POST /api/messages with an Idempotency-Key', () => {
  it('publishes once and answers a repeat identically, marked Idempotent-Replayed', async () => {
    const { app, publisher } = setup();
    const first = await postMessage(app, '{"n":1}').set('Idempotency-Key', 'order-1');
    const second = await postMessage(app, '{"n":1}').set('Idempotency-Key', 'order-1');
    expect(first.status).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(publisher.publishCalls).toBe(1);
    expect(second.status).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(second.text).toBe(first.text);
    expect(JSON.parse(second.text)).toEqual({
      topic: 'message-topic',
      partition: 0,
      offset: '0',
      timestamp: TIMESTAMP,
    });
  });

  it('publishes again for the same body under another key', async () => {
    const { app, publisher } = setup();
    await postMessage(app).set('Idempotency-Key', 'k1');
    const res = await postMessage(app).set('Idempotency-Key', 'k2');
    expect(res.status).toBe(200);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(publisher.publishCalls).toBe(2);
    expect((res.body as PublishedMessage).offset).toBe('1');
  });

  it('answers 422 problem+json for the same key with a different body', async () => {
    const { app, publisher } = setup();
    await postMessage(app, '"one"').set('Idempotency-Key', 'k1');
    const res = await postMessage(app, '"two"').set('Idempotency-Key', 'k1');
    expectProblem(res, 422);
    expect(publisher.publishCalls).toBe(1);
  });

  it('answers 422 for the same key and body with a different record key', async () => {
    const { app, publisher } = setup();
    await postMessage(app).set('Idempotency-Key', 'k1').set('Kafka-Key', 'a');
    const res = await postMessage(app).set('Idempotency-Key', 'k1').set('Kafka-Key', 'b');
    expectProblem(res, 422);
    expect(publisher.publishCalls).toBe(1);
  });

  it('does not remember a failed attempt: the retry publishes', async () => {
    const { app, publisher } = setup();
    publisher.failWith = new ProduceError('not-connected', 'Not connected to Kafka.');
    const failed = await postMessage(app).set('Idempotency-Key', 'k1');
    expectProblem(failed, 503);
    expect(failed.headers['retry-after']).toBe('5');

    publisher.failWith = undefined;
    const retry = await postMessage(app).set('Idempotency-Key', 'k1');
    expect(retry.status).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(publisher.publishCalls).toBe(2);
  });

  it.each([
    ['a space', 'has space'],
    ['more than 255 characters', 'k'.repeat(256)],
  ])('refuses an Idempotency-Key with %s with 400, before publishing', async (_what, key) => {
    const { app, publisher } = setup();
    const res = await postMessage(app).set('Idempotency-Key', key);
    expectProblem(res, 400);
    expect(publisher.publishCalls).toBe(0);
  });
});

describe('POST /api/messages/batch', () => {
  it('writes every message and answers 200 with their results in order', async () => {
    const { app, publisher } = setup();
    const res = await postBatch(app, {
      messages: [{ value: 'Hello, Kafka!' }, { value: { greeting: 'Hello', n: [1, true, null] } }],
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      results: [
        { topic: 'message-topic', partition: 0, offset: '0', timestamp: TIMESTAMP },
        { topic: 'message-topic', partition: 0, offset: '1', timestamp: TIMESTAMP },
      ],
    });
    expect(publisher.manyCalls).toHaveLength(1);
    const [textMessage, jsonMessage] = publisher.manyCalls[0] ?? [];
    expect(text(textMessage)).toBe('Hello, Kafka!');
    expect(textMessage?.headers).toEqual({ 'content-type': 'text/plain; charset=utf-8' });
    expect(text(jsonMessage)).toBe('{"greeting":"Hello","n":[1,true,null]}');
    expect(jsonMessage?.headers).toEqual({ 'content-type': 'application/json' });
  });

  it('stores non-string JSON values (number, null, boolean) as JSON', async () => {
    const { app, publisher } = setup();
    const res = await postBatch(app, {
      messages: [{ value: 42 }, { value: null }, { value: false }],
    });
    expect(res.status).toBe(200);
    expect(publisher.messages.map(text)).toEqual(['42', 'null', 'false']);
    for (const message of publisher.messages) {
      expect(message.headers).toEqual({ 'content-type': 'application/json' });
    }
  });

  it('passes key, headers and partition through to the publisher', async () => {
    const { app, publisher } = setup();
    const res = await postBatch(app, {
      messages: [
        {
          value: 'a',
          key: 'user-42',
          headers: { source: 'docs', 'trace-id': 'abc' },
          partition: 2,
        },
        { value: 'b' },
      ],
    });
    expect(res.status).toBe(200);
    const [first, second] = publisher.messages;
    expect(first?.key).toBe('user-42');
    expect(first?.partition).toBe(2);
    expect(first?.headers).toEqual({
      source: 'docs',
      'trace-id': 'abc',
      'content-type': 'text/plain; charset=utf-8',
    });
    expect(second?.key).toBeUndefined();
    expect(second?.partition).toBeUndefined();
    expect(resultsOf(res)[0]?.partition).toBe(2);
  });

  it('fails only a value over maxMessageBytes (413) and answers 207, writing the others', async () => {
    const { app, publisher } = setup();
    const res = await postBatch(app, {
      messages: [
        { value: 'first' },
        { value: 'x'.repeat(MAX_MESSAGE_BYTES + 1) },
        { value: 'x'.repeat(MAX_MESSAGE_BYTES) },
      ],
    });
    expect(res.status).toBe(207);
    const results = resultsOf(res);
    expect(results).toHaveLength(3);
    expect(results[0]).toEqual(expect.objectContaining({ offset: '0' }));
    expect(results[1]?.error?.status).toBe(413);
    expect(results[1]).not.toHaveProperty('offset');
    expect(results[2]).toEqual(expect.objectContaining({ offset: '1' }));
    expect(publisher.messages.map((m) => m.value.length)).toEqual([5, MAX_MESSAGE_BYTES]);
  });

  it.each(['content-type', 'Content-Type'])(
    'fails only an item with a %s header (400)',
    async (name) => {
      const { app, publisher } = setup();
      const res = await postBatch(app, {
        messages: [{ value: 'ok' }, { value: 'bad', headers: { [name]: 'text/html' } }],
      });
      expect(res.status).toBe(207);
      const results = resultsOf(res);
      expect(results[0]?.offset).toBe('0');
      expect(results[1]?.error?.status).toBe(400);
      expect(publisher.messages.map(text)).toEqual(['ok']);
    },
  );

  it('reports per-message publisher failures in place', async () => {
    const { app, publisher } = setup();
    publisher.failMessage = (m) =>
      text(m) === 'b' ? new ProduceError('unavailable', 'Kafka could not take it.') : undefined;
    const res = await postBatch(app, {
      messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }],
    });
    expect(res.status).toBe(207);
    const results = resultsOf(res);
    expect(results.map((r) => r.offset)).toEqual(['0', undefined, '1']);
    expect(results[1]?.error).toEqual({
      status: 503,
      title: 'Service Unavailable',
      detail: 'Kafka could not take it.',
    });
  });

  it('answers 503 problem+json with Retry-After and the results when every message failed with 503', async () => {
    const { app, publisher } = setup();
    publisher.failMessage = () => new ProduceError('not-connected', 'Not connected to Kafka.');
    const res = await postBatch(app, { messages: [{ value: 'a' }, { value: 'b' }] });
    const body = expectProblem(res, 503);
    expect(res.headers['retry-after']).toBe('5');
    expect(body.detail).toMatch(/Not connected to Kafka\./);
    expect(body.results).toEqual([
      { error: expect.objectContaining({ status: 503 }) },
      { error: expect.objectContaining({ status: 503 }) },
    ]);
  });

  it('answers 207 when every message failed but with different statuses', async () => {
    const { app, publisher } = setup();
    publisher.failMessage = () => new ProduceError('not-connected', 'Not connected to Kafka.');
    const res = await postBatch(app, {
      messages: [{ value: 'x'.repeat(MAX_MESSAGE_BYTES + 1) }, { value: 'b' }],
    });
    expect(res.status).toBe(207);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(resultsOf(res).map((r) => r.error?.status)).toEqual([413, 503]);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const { app, publisher } = setup();
    const res = await request(app)
      .post('/api/messages/batch')
      .set('Content-Type', 'text/plain')
      .send('{"messages":[{"value":"a"}]}');
    expectProblem(res, 415);
    expect(publisher.manyCalls).toHaveLength(0);
  });

  it('answers 400 for malformed JSON', async () => {
    const { app, publisher } = setup();
    const res = await request(app)
      .post('/api/messages/batch')
      .set('Content-Type', 'application/json')
      .send('{"messages":[');
    expectProblem(res, 400);
    expect(publisher.manyCalls).toHaveLength(0);
  });

  it.each([
    ['an empty object', {}],
    ['no messages', { messages: [] }],
    ['more messages than the limit', { messages: [1, 2, 3, 4].map((n) => ({ value: n })) }],
    ['an unknown member on an item', { messages: [{ value: 1, colour: 'red' }] }],
    ['an unknown top-level member', { messages: [{ value: 1 }], extra: true }],
    ['an item without a value', { messages: [{ key: 'k' }] }],
    ['an empty key', { messages: [{ value: 1, key: '' }] }],
    ['a negative partition', { messages: [{ value: 1, partition: -1 }] }],
    ['a non-string header value', { messages: [{ value: 1, headers: { n: 1 } }] }],
  ])('answers 400 for %s, before publishing', async (_what, body) => {
    const { app, publisher } = setup({ batch: { maxMessages: 3 } });
    const res = await postBatch(app, body);
    expectProblem(res, 400);
    expect(publisher.manyCalls).toHaveLength(0);
  });

  it('accepts exactly the configured maximum of messages', async () => {
    const { app, publisher } = setup({ batch: { maxMessages: 3 } });
    const res = await postBatch(app, { messages: [1, 2, 3].map((n) => ({ value: n })) });
    expect(res.status).toBe(200);
    expect(publisher.messages.map(text)).toEqual(['1', '2', '3']);
  });

  it('answers 406 for Accept: text/plain, before publishing', async () => {
    const { app, publisher } = setup();
    const res = await postBatch(app, { messages: [{ value: 'a' }] }).set('Accept', 'text/plain');
    expectProblem(res, 406);
    expect(publisher.manyCalls).toHaveLength(0);
  });

  it('answers GET with 405 and Allow: POST', async () => {
    const { app } = setup();
    const res = await request(app).get('/api/messages/batch');
    expectProblem(res, 405);
    expect(res.headers.allow).toBe('POST');
  });

  it('honours an Idempotency-Key: one publish, an identical replayed answer, 422 for another body', async () => {
    const { app, publisher } = setup();
    const body = { messages: [{ value: 'a' }, { value: 'b' }] };
    const first = await postBatch(app, body).set('Idempotency-Key', 'batch-1');
    const second = await postBatch(app, body).set('Idempotency-Key', 'batch-1');
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(publisher.manyCalls).toHaveLength(1);
    expect(second.text).toBe(first.text);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    const other = await postBatch(app, { messages: [{ value: 'c' }] }).set(
      'Idempotency-Key',
      'batch-1',
    );
    expectProblem(other, 422);
    expect(publisher.manyCalls).toHaveLength(1);
  });

  it('does not remember a batch that failed as a whole: the retry publishes', async () => {
    const { app, publisher } = setup();
    const body = { messages: [{ value: 'a' }] };
    publisher.failMessage = () => new ProduceError('not-connected', 'Not connected to Kafka.');
    expectProblem(await postBatch(app, body).set('Idempotency-Key', 'batch-2'), 503);
    publisher.failMessage = () => undefined;
    const retry = await postBatch(app, body).set('Idempotency-Key', 'batch-2');
    expect(retry.status).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(publisher.manyCalls).toHaveLength(2);
  });

  // Documented: batch values are parsed, so a number beyond double precision is stored as
  // JavaScript reads it (the single POST keeps the client's text; in a batch, send it as a string).
  it('stores a batch value as parsed JSON (numbers beyond double precision are rounded)', async () => {
    const { app, publisher } = setup();
    const res = await request(app)
      .post('/api/messages/batch')
      .set('Content-Type', 'application/json')
      .send('{"messages":[{"value":{"n":12345678901234567890,"s":"12345678901234567890"}}]}');
    expect(res.status).toBe(200);
    expect(text(publisher.messages[0])).toBe(
      '{"n":12345678901234567000,"s":"12345678901234567890"}',
    );
  });

  // Like POST /api/messages: an unpaired surrogate is not text, so it is refused, not altered.
  it('refuses a string value with an unpaired surrogate instead of altering it', async () => {
    const { app, publisher } = setup();
    const res = await request(app)
      .post('/api/messages/batch')
      .set('Content-Type', 'application/json')
      .send('{"messages":[{"value":"ok"},{"value":"bad \\ud800"}]}');
    expect(resultsOf(res)[1]?.error?.status).toBe(400);
    expect(publisher.messages.map(text)).toEqual(['ok']);
  });
});

describe('POST /api/bench/noop', () => {
  it('is absent by default', async () => {
    const { app } = setup();
    expect((await postMessage(app)).status).toBe(200); // the real route is there
    const noop = await request(app)
      .post('/api/bench/noop')
      .set('Content-Type', 'application/json')
      .send('"hi"');
    expectProblem(noop, 404);
  });

  it('answers 200 JSON without publishing when enabled', async () => {
    const { app, publisher } = setup({ benchNoopRoute: true });
    const res = await request(app)
      .post('/api/bench/noop?key=k')
      .set('Content-Type', 'application/json')
      .set('Kafka-Header-Trace-Id', 'abc')
      .send('"Hello, Kafka!"');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      topic: 'message-topic',
      partition: 0,
      offset: String('Hello, Kafka!'.length),
      timestamp: expect.any(String),
    });
    expect(publisher.publishCalls).toBe(0);
    expect(publisher.messages).toHaveLength(0);
  });

  it.each([
    ['an unsupported Content-Type', 'application/xml', '<a/>', 415],
    ['malformed JSON', 'application/json', '{"a":', 400],
    ['an empty body', 'application/json', '', 400],
  ])('refuses %s like the real route', async (_what, contentType, body, status) => {
    const { app, publisher } = setup({ benchNoopRoute: true });
    const res = await request(app)
      .post('/api/bench/noop')
      .set('Content-Type', contentType)
      .send(body);
    expectProblem(res, status);
    expect(publisher.publishCalls).toBe(0);
  });

  it('refuses Kafka-Header-Content-Type with 400 like the real route', async () => {
    const { app } = setup({ benchNoopRoute: true });
    const res = await request(app)
      .post('/api/bench/noop')
      .set('Content-Type', 'application/json')
      .set('Kafka-Header-Content-Type', 'text/html')
      .send('"hi"');
    expectProblem(res, 400);
  });
});

/** Records what it is given, as the outbox would store it; refuses everything when told to. */
class FakeAsyncProducer implements AsyncProducer {
  readonly accepted: OutgoingMessage[][] = [];
  refuse: ProduceError | undefined;
  /** The partition count it knows (undefined: not known yet, so none is chosen). */
  partitions: number | undefined = 1;

  async accept(messages: OutgoingMessage[]): Promise<AcceptResult[]> {
    if (this.refuse) throw this.refuse;
    this.accepted.push(messages);
    return messages.map((m) =>
      this.partitions === undefined
        ? { ok: true, queued: { topic: 'message-topic' } }
        : { ok: true, queued: { topic: 'message-topic', partition: m.partition ?? 0 } },
    );
  }
}

function setupAsync() {
  const asyncProducer = new FakeAsyncProducer();
  return { ...setup({ asyncProducer }), asyncProducer };
}

describe('POST /api/messages?async=true', () => {
  it('answers 202 queued once the outbox has the message, without a direct produce', async () => {
    const { app, publisher, asyncProducer } = setupAsync();
    const res = await postMessage(app, '"later"').query('async=true').expect(202);
    expect(res.body).toEqual({ status: 'queued', topic: 'message-topic', partition: 0 });
    expect(asyncProducer.accepted).toHaveLength(1);
    expect(text(asyncProducer.accepted[0]?.[0])).toBe('later');
    expect(publisher.publishCalls).toBe(0);
  });

  it('leaves the partition out when it is chosen only when sent', async () => {
    const { app, asyncProducer } = setupAsync();
    asyncProducer.partitions = undefined;
    const res = await postMessage(app, '"later"').query('async=true').expect(202);
    expect(res.body).toEqual({ status: 'queued', topic: 'message-topic' });
  });

  it("answers the tutorial's kind of sentence for Accept: text/plain", async () => {
    const { app } = setupAsync();
    const res = await postMessage(app, '"later"')
      .query('async=true')
      .set('Accept', 'text/plain')
      .expect(202);
    expect(res.text).toBe(
      "Message 'later' stored for message-topic [[0]]; it is sent when Kafka takes it\n",
    );
  });

  it('answers 503 with Retry-After when the outbox is full, and stores nothing', async () => {
    const { app, asyncProducer } = setupAsync();
    asyncProducer.refuse = new ProduceError('outbox-full', 'The outbox is full.');
    const res = await postMessage(app).query('async=true');
    expectProblem(res, 503);
    expect(res.headers['retry-after']).toBe('5');
    expect(asyncProducer.accepted).toHaveLength(0);
  });

  it('answers 503 when no outbox is configured', async () => {
    const { app } = setup();
    expectProblem(await postMessage(app).query('async=true'), 503);
  });

  it('refuses ?async=maybe with 400 naming the parameter', async () => {
    const { app, asyncProducer } = setupAsync();
    const res = await postMessage(app).query('async=maybe');
    expect(expectProblem(res, 400).errors).toEqual([expect.objectContaining({ name: 'async' })]);
    expect(asyncProducer.accepted).toHaveLength(0);
  });

  it('refuses a misspelt ?Async=true with 400 instead of producing synchronously', async () => {
    const { app, asyncProducer } = setupAsync();
    const res = await postMessage(app).query('Async=true');
    const body = expectProblem(res, 400);
    expect(body.errors).toEqual([
      {
        name: 'Async',
        reason: 'is not a parameter of this route; names are case-sensitive: did you mean async?',
      },
    ]);
    expect(asyncProducer.accepted).toHaveLength(0);
  });

  it('stores once per Idempotency-Key: a retry gets the same 202, replayed', async () => {
    const { app, asyncProducer } = setupAsync();
    const post = () => postMessage(app).query('async=true').set('Idempotency-Key', 'async-k1');
    await post().expect(202);
    const replay = await post().expect(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(asyncProducer.accepted).toHaveLength(1);
  });

  it('refuses the same Idempotency-Key used without async with 422', async () => {
    const { app } = setupAsync();
    await postMessage(app).set('Idempotency-Key', 'mixed-k').expect(200);
    expectProblem(
      await postMessage(app).query('async=true').set('Idempotency-Key', 'mixed-k'),
      422,
    );
  });
});

describe('POST /api/messages/batch?async=true', () => {
  it('answers 202 with one queued result per message, stored together', async () => {
    const { app, asyncProducer } = setupAsync();
    const res = await request(app)
      .post('/api/messages/batch?async=true')
      .set('Content-Type', 'application/json')
      .send({ messages: [{ value: 'a' }, { value: 'b', partition: 0 }] })
      .expect(202);
    expect(res.body).toEqual({
      results: [
        { status: 'queued', topic: 'message-topic', partition: 0 },
        { status: 'queued', topic: 'message-topic', partition: 0 },
      ],
    });
    expect(asyncProducer.accepted.map((group) => group.map(text))).toEqual([['a', 'b']]);
  });

  it('answers 207 with the invalid message failed in place and the others stored', async () => {
    const { app, asyncProducer } = setupAsync();
    const res = await request(app)
      .post('/api/messages/batch?async=true')
      .set('Content-Type', 'application/json')
      .send({ messages: [{ value: 'a' }, { value: '***', encoding: 'base64' }] })
      .expect(207);
    expect(res.body.results[0]).toEqual({ status: 'queued', topic: 'message-topic', partition: 0 });
    expect(res.body.results[1].error).toEqual(expect.objectContaining({ status: 400 }));
    expect(asyncProducer.accepted.flat()).toHaveLength(1);
  });

  it('answers 503 problem+json when the outbox is full, storing none', async () => {
    const { app, asyncProducer } = setupAsync();
    asyncProducer.refuse = new ProduceError('outbox-full', 'The outbox is full.');
    const res = await request(app)
      .post('/api/messages/batch?async=true')
      .set('Content-Type', 'application/json')
      .send({ messages: [{ value: 'a' }, { value: 'b' }] });
    expect(expectProblem(res, 503).detail).toBe('The outbox is full.');
    expect(asyncProducer.accepted).toHaveLength(0);
  });
});

describe('binary values', () => {
  const BYTES = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x41, 0x00]);

  it('stores an application/octet-stream body exactly, with that content-type header', async () => {
    const { app, publisher } = setup();
    await request(app)
      .post('/api/messages')
      .set('Content-Type', 'application/octet-stream')
      .send(BYTES)
      .expect(200);
    expect(publisher.messages[0]?.value).toEqual(BYTES);
    expect(publisher.messages[0]?.headers['content-type']).toBe('application/octet-stream');
  });

  it('stores an empty application/octet-stream body as a zero-length value', async () => {
    const { app, publisher } = setup();
    await request(app)
      .post('/api/messages')
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.alloc(0))
      .expect(200);
    expect(publisher.messages[0]?.value).toEqual(Buffer.alloc(0));
  });

  it('stores a batch value with "encoding": "base64" as the decoded bytes', async () => {
    const { app, publisher } = setup();
    await postBatch(app, {
      messages: [{ value: BYTES.toString('base64'), encoding: 'base64', key: 'bin' }],
    }).expect(200);
    expect(publisher.messages[0]?.value).toEqual(BYTES);
    expect(publisher.messages[0]?.headers['content-type']).toBe('application/octet-stream');
    expect(publisher.messages[0]?.key).toBe('bin');
  });

  it.each([
    ['not base64', 'no spaces allowed'],
    ['missing padding', 'AAE'],
    ['stray bits in the padding', 'AB=='],
    ['a number', 42],
  ])('refuses a base64 batch value that is %s with 400', async (_what, value) => {
    const { app, publisher } = setup();
    const res = await postBatch(app, { messages: [{ value, encoding: 'base64' }] });
    expect(expectProblem(res, 400).detail).toMatch(/base64/);
    expect(publisher.messages).toHaveLength(0);
  });

  it('refuses an encoding other than base64 with 400', async () => {
    const { app } = setup();
    expectProblem(await postBatch(app, { messages: [{ value: 'x', encoding: 'hex' }] }), 400);
  });
});

describe('the OpenAPI document', () => {
  it('describes binary bodies, base64 batch items, async and its 202 answers', async () => {
    const { app } = setup();
    const doc = (await request(app).get('/openapi.json').expect(200)).body;
    const post = doc.paths['/api/messages'].post;
    expect(Object.keys(post.requestBody.content)).toContain('application/octet-stream');
    expect(post.responses['202'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Queued',
    });
    expect(post.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'async', in: 'query' })]),
    );
    const batch = doc.paths['/api/messages/batch'].post;
    expect(batch.responses['202']).toBeDefined();
    expect(batch.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'async', in: 'query' })]),
    );
    const item = batch.requestBody.content['application/json'].schema.properties.messages.items;
    expect(item.properties.encoding.enum).toEqual(['base64']);
  });
});

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
