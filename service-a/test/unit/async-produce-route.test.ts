// ?async=true on POST /api/messages and POST /api/messages/batch: 202 once the outbox has the
// messages, 503 when it is full or absent, and the parameter checks.
import request from 'supertest';
import { expectProblem } from '@test-support/problem';
import { postMessage, setup, setupAsync, text } from '@test-support/produce-harness';
import { ProduceError } from '../../src/produce-error';

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
