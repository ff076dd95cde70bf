// POST /api/messages/batch: every message written with its result in order, failures reported
// in place (207) or as a whole (503), the bodies it refuses, and its Idempotency-Key.
import request from 'supertest';
import type { Response } from 'supertest';
import { expectProblem } from '@test-support/problem';
import {
  MAX_MESSAGE_BYTES,
  postBatch,
  setup,
  text,
  TIMESTAMP,
} from '@test-support/produce-harness';
import { ProduceError } from '../../src/produce-error';

interface BatchResult {
  topic?: string;
  partition?: number;
  offset?: string;
  error?: { status: number; title: string; detail?: string };
}

function resultsOf(res: Response): BatchResult[] {
  return (JSON.parse(res.text) as { results: BatchResult[] }).results;
}

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
