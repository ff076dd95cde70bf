// POST /api/messages with an Idempotency-Key: one publish per key and body, an identical replayed
// answer, 422 for another body under the same key, and no memory of a failed attempt.
import { expectProblem } from '@test-support/problem';
import { postMessage, setup, TIMESTAMP } from '@test-support/produce-harness';
import { ProduceError } from '../../src/produce-error';
import type { PublishedMessage } from '../../src/kafka/message-publisher';

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
