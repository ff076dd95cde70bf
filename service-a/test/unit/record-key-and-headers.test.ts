// POST /api/messages: the record key from ?key= or the Kafka-Key header, and record headers from
// Kafka-Header-* request headers.
import request from 'supertest';
import { expectProblem } from '@test-support/problem';
import { postMessage, setup } from '@test-support/produce-harness';

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
