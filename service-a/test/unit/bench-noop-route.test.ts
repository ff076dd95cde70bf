// POST /api/bench/noop, the benchmark's route that answers like POST /api/messages without
// publishing: absent unless enabled, and refusing what the real route refuses.
import request from 'supertest';
import { expectProblem } from '@test-support/problem';
import { postMessage, setup } from '@test-support/produce-harness';

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
