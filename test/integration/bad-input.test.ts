// Every kind of bad request, sent to both services running on a real broker: each gets its status
// and an RFC 9457 body without internals, nothing reaches Kafka, and both keep serving.
import request from 'supertest';
import type { ServiceA } from '../../service-a/src/service';
import type { ServiceB } from '../../service-b/src/service';
import { uniqueName, withAdmin } from '@test-support/kafka';
import { startA, startB } from '@test-support/services';
import { expectProblem } from '@test-support/problem';

describe('bad input on a real broker', () => {
  const topic = uniqueName('bad-input');
  let a: ServiceA;
  let b: ServiceB;
  beforeAll(async () => {
    a = await startA({ KAFKA_TOPIC: topic, MAX_MESSAGE_BYTES: '1024' });
    b = await startB({ KAFKA_TOPIC: topic, KAFKA_GROUP_ID: uniqueName('bad-input-group') });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  const post = () => request(a.url).post('/api/messages');
  const cases: [string, () => request.Test, number][] = [
    ['malformed JSON', () => post().set('Content-Type', 'application/json').send('{"a":'), 400],
    ['an empty body', () => post().set('Content-Type', 'application/json').send(''), 400],
    [
      'bytes that are not UTF-8',
      () =>
        post()
          .set('Content-Type', 'text/plain')
          .send(Buffer.from([0xc3, 0x28])),
      400,
    ],
    ['an empty key', () => post().query('key=').type('text/plain').send('x'), 400],
    ['a body over MAX_MESSAGE_BYTES', () => post().type('text/plain').send('x'.repeat(2048)), 413],
    ['an XML body', () => post().set('Content-Type', 'application/xml').send('<a/>'), 415],
    ['a form body', () => post().type('form').send('a=1'), 415],
    [
      'a latin1 charset',
      () => post().set('Content-Type', 'text/plain; charset=iso-8859-1').send('x'),
      415,
    ],
    [
      'an unanswerable Accept',
      () => post().set('Accept', 'image/png').type('text/plain').send('x'),
      406,
    ],
    ['GET on service-a', () => request(a.url).get('/api/messages'), 405],
    ['an unknown path', () => request(a.url).get('/api/nothing'), 404],
    ['waitMs that is not a number', () => request(b.url).get('/api/messages?waitMs=soon'), 400],
    ['waitMs over 30 s', () => request(b.url).get('/api/messages?waitMs=30001'), 400],
    ['a repeated waitMs', () => request(b.url).get('/api/messages?waitMs=1&waitMs=2'), 400],
    ['POST on service-b', () => request(b.url).post('/api/messages').send('x'), 405],
    [
      'an unanswerable Accept on service-b',
      () => request(b.url).get('/api/messages').set('Accept', 'image/png'),
      406,
    ],
  ];

  it.each(cases)('answers %s with its status and a problem body', async (_name, send, status) => {
    expectProblem(await send(), status);
  });

  it('wrote nothing to Kafka for them, and both services still serve', async () => {
    const [partition] = await withAdmin((admin) => admin.fetchTopicOffsets(topic));
    expect(partition?.high).toBe('0');
    await post().set('Content-Type', 'application/json').send('"still here"').expect(200);
    const res = await request(b.url).get('/api/messages?waitMs=5000').expect(200);
    expect(res.body.value).toBe('still here');
  });
});
