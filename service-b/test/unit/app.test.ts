// service-b's HTTP surface, in-process, with a real DeliveryBuffer and no Kafka.
import { once } from 'node:events';
import { createServer, get, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { Readiness } from '@kafka-http/common';
import { rawBody } from '@test-support/raw-body';
import { serviceBApp } from '@test-support/apps';
import { nextTake } from '@test-support/consume-harness';
import { DeliveryBuffer, type BufferedMessage } from '../../src/delivery/delivery-buffer';
import { expectProblem } from '@test-support/problem';

function message(offset: number, text = 'Hello, Kafka!'): BufferedMessage {
  return {
    topic: 'message-topic',
    partition: 0,
    offset: String(offset),
    key: Buffer.from('user-42'),
    value: Buffer.from(text, 'utf8'),
    headers: { 'content-type': Buffer.from('text/plain; charset=utf-8') },
    timestamp: '1700000000123',
  };
}

function setup({ ready = true }: { ready?: boolean } = {}) {
  /** What happened, in order: the end of each response and each committable offset. */
  const events: string[] = [];
  const onCommittable = jest.fn((partition: number, offset: bigint) => {
    events.push(`committable ${partition}@${offset}`);
  });
  const buffer = new DeliveryBuffer({ maxMessages: 100, maxBytes: 1_000_000, onCommittable });
  const readiness = (): Readiness => ({
    ready,
    details: { kafka: ready ? 'connected' : 'not connected' },
  });
  const { app } = serviceBApp({
    buffer,
    readiness,
    peer: { name: 'service-a', url: 'http://127.0.0.1:5101' },
  });
  // A server that notes when each response has been fully written, to order it against commits.
  let lastResponse: ServerResponse | undefined;
  const server = createServer((req, res) => {
    lastResponse = res;
    res.once('finish', () => events.push('response finished'));
    app(req, res);
  });
  return { buffer, server, events, onCommittable, response: () => lastResponse };
}

afterEach(() => {
  jest.restoreAllMocks();
});

describe('GET /api/messages', () => {
  it('answers a buffered message as JSON', async () => {
    const { buffer, server } = setup();
    buffer.offer(message(0));
    const res = await request(server).get('/api/messages');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      topic: 'message-topic',
      partition: 0,
      offset: '0',
      key: 'user-42',
      value: 'Hello, Kafka!',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      timestamp: '2023-11-14T22:13:20.123Z',
    });
  });

  it('makes the offset committable only once the response was written', async () => {
    const { buffer, server, events, onCommittable, response } = setup();
    buffer.offer(message(0));
    buffer.offer(message(1, 'second'));
    expect(buffer.commitPositions().size).toBe(0);
    const res = await request(server).get('/api/messages');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.objectContaining({ offset: '0' }));
    expect(response()?.writableFinished).toBe(true);
    expect(onCommittable).toHaveBeenCalledTimes(1);
    expect(onCommittable).toHaveBeenCalledWith(0, 1n);
    expect(events).toEqual(['response finished', 'committable 0@1']);
    expect(buffer.commitPositions()).toEqual(new Map([[0, 1n]]));
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 1, inFlight: 0 }));
  });

  it("answers the tutorial's sentence for Accept: text/plain", async () => {
    const { buffer, server, onCommittable } = setup();
    buffer.offer(message(0));
    const res = await request(server).get('/api/messages').set('Accept', 'text/plain');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toBe('Received message: Hello, Kafka!\n');
    expect(onCommittable).toHaveBeenCalledWith(0, 1n);
  });

  it('answers 204 when nothing arrives within waitMs', async () => {
    const { server } = setup();
    const startedAt = Date.now();
    const res = await request(server).get('/api/messages?waitMs=50');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    // It did wait (timers may fire a millisecond early).
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(45);
  });

  it('answers a waiting GET as soon as a message is offered', async () => {
    const { buffer, server, onCommittable } = setup();
    const waiting = nextTake(buffer);
    const answer = request(server)
      .get('/api/messages?waitMs=30000')
      .then((res) => res);
    await waiting;
    buffer.offer(message(0, 'arrived later'));
    const res = await answer;
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.objectContaining({ value: 'arrived later', offset: '0' }));
    expect(onCommittable).toHaveBeenCalledWith(0, 1n);
  });

  it('stops waiting when the client goes away, so the next message is kept for another client', async () => {
    const { buffer, server, onCommittable } = setup();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const waiting = nextTake(buffer);
      const client = get(`http://127.0.0.1:${port}/api/messages?waitMs=30000`);
      client.on('error', () => undefined);
      const { taking } = await waiting;
      client.destroy();
      expect(await taking).toBeUndefined();
      buffer.offer(message(0));
      expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 1, inFlight: 0 }));
      expect(onCommittable).not.toHaveBeenCalled();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it.each([
    ['not a number', 'waitMs=abc'],
    ['negative', 'waitMs=-1'],
    ['above the maximum', 'waitMs=30001'],
    ['repeated', 'waitMs=1&waitMs=2'],
  ])('refuses a waitMs that is %s with 400 naming the parameter', async (_what, query) => {
    const { buffer, server } = setup();
    buffer.offer(message(0));
    const res = await request(server).get(`/api/messages?${query}`);
    const body = expectProblem(res, 400);
    expect(body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'waitMs' })]),
    );
    // Nothing was taken.
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 1, inFlight: 0 }));
  });

  it('refuses a misspelt parameter with 400 naming it and the one it resembles', async () => {
    const { buffer, server } = setup();
    buffer.offer(message(0));
    const res = await request(server).get('/api/messages?waitms=100');
    const body = expectProblem(res, 400);
    expect(body.detail).toBe(
      'Unknown query parameter: waitms. This route takes waitMs, ack, visibilityMs.',
    );
    expect(body.errors).toEqual([
      {
        name: 'waitms',
        reason: 'is not a parameter of this route; names are case-sensitive: did you mean waitMs?',
      },
    ]);
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 1, inFlight: 0 }));
  });

  it('refuses every unknown parameter of a batch GET, even one named like a prototype member', async () => {
    const { buffer, server } = setup();
    buffer.offer(message(0));
    const res = await request(server).get('/api/messages/batch?max=5&limit=5&constructor=1');
    const body = expectProblem(res, 400);
    expect((body.errors as { name: string }[]).map((e) => e.name)).toEqual([
      'limit',
      'constructor',
    ]);
    expect(body.detail).toMatch(
      /^Unknown query parameters: limit, constructor\. This route takes max,/,
    );
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 1, inFlight: 0 }));
  });

  it('refuses Accept: image/png with 406 and takes nothing', async () => {
    const { buffer, server } = setup();
    buffer.offer(message(0));
    const res = await request(server).get('/api/messages').set('Accept', 'image/png');
    expectProblem(res, 406);
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 1, inFlight: 0 }));
  });

  it('answers POST with 405 and Allow: GET', async () => {
    const { server } = setup();
    const res = await request(server).post('/api/messages').send('x');
    expectProblem(res, 405);
    expect(res.headers.allow).toBe('GET');
  });

  it('answers 503 with Retry-After once the buffer is closed', async () => {
    const { buffer, server } = setup();
    buffer.close();
    const res = await request(server).get('/api/messages?waitMs=30000');
    expectProblem(res, 503);
    expect(res.headers['retry-after']).toBe('1');
  });

  it('answers a GET that was waiting when the buffer closes with 503', async () => {
    const { buffer, server } = setup();
    const waiting = nextTake(buffer);
    const answer = request(server)
      .get('/api/messages?waitMs=30000')
      .then((res) => res);
    await waiting;
    buffer.close();
    const res = await answer;
    expectProblem(res, 503);
    expect(res.headers['retry-after']).toBeDefined();
  });
});

describe('GET /api/messages with Accept: application/octet-stream', () => {
  const BYTES = Buffer.from([0x00, 0xff, 0xc3, 0x28, 0x00]);

  function binary(offset: number): BufferedMessage {
    return {
      ...message(offset),
      value: BYTES,
      headers: { 'content-type': Buffer.from('application/octet-stream') },
    };
  }

  it('answers the value bytes as the body, with Kafka-* headers, and commits after', async () => {
    const { buffer, server, events } = setup();
    buffer.offer(binary(0));
    const res = await request(server)
      .get('/api/messages')
      .set('Accept', 'application/octet-stream')
      .buffer(true)
      .parse(rawBody);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.body).toEqual(BYTES);
    expect(res.headers).toEqual(
      expect.objectContaining({
        'kafka-topic': 'message-topic',
        'kafka-partition': '0',
        'kafka-offset': '0',
        'kafka-key': 'user-42',
        'kafka-timestamp': '2023-11-14T22:13:20.123Z',
      }),
    );
    expect(events).toEqual(['response finished', 'committable 0@1']);
  });

  it('answers a text record as its raw bytes too', async () => {
    const { buffer, server } = setup();
    buffer.offer(message(0));
    const res = await request(server)
      .get('/api/messages')
      .set('Accept', 'application/octet-stream')
      .buffer(true)
      .parse(rawBody);
    expect(res.body).toEqual(Buffer.from('Hello, Kafka!'));
  });

  it('still prefers JSON for Accept: */*', async () => {
    const { buffer, server } = setup();
    buffer.offer(binary(0));
    const res = await request(server).get('/api/messages').set('Accept', '*/*').expect(200);
    expect(res.body).toEqual(
      expect.objectContaining({ value: BYTES.toString('base64'), encoding: 'base64' }),
    );
  });

  it('with ack=manual, carries the receipt in Kafka-Receipt and settles by it', async () => {
    const { buffer, server, onCommittable } = setup();
    buffer.offer(binary(0));
    const res = await request(server)
      .get('/api/messages?ack=manual')
      .set('Accept', 'application/octet-stream')
      .buffer(true)
      .parse(rawBody)
      .expect(200);
    const receipt = res.headers['kafka-receipt'];
    expect(receipt).toMatch(/^b-test\./);
    expect(Date.parse(res.headers['kafka-visible-until'] ?? '')).toBeGreaterThan(Date.now());
    expect(onCommittable).not.toHaveBeenCalled();
    await request(server)
      .post('/api/messages/ack')
      .send({ receipts: [receipt] })
      .expect(200, { results: [{ receipt, outcome: 'acked' }] });
    expect(onCommittable).toHaveBeenCalledWith(0, 1n);
  });

  it('refuses ack=manual with Accept: text/plain with 406, taking nothing', async () => {
    const { buffer, server } = setup();
    buffer.offer(binary(0));
    expectProblem(
      await request(server).get('/api/messages?ack=manual').set('Accept', 'text/plain'),
      406,
    );
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 1, inFlight: 0 }));
  });

  it('keeps application/json only for the batch GET (406 for octet-stream alone)', async () => {
    const { buffer, server } = setup();
    buffer.offer(binary(0));
    expectProblem(
      await request(server).get('/api/messages/batch').set('Accept', 'application/octet-stream'),
      406,
    );
  });
});

describe('the OpenAPI document of GET /api/messages', () => {
  it('describes the raw octet-stream answer and its Kafka-* headers', async () => {
    const { server } = setup();
    const doc = (await request(server).get('/openapi.json').expect(200)).body;
    const ok = doc.paths['/api/messages'].get.responses['200'];
    expect(ok.content['application/octet-stream'].schema.format).toBe('binary');
    expect(Object.keys(ok.headers)).toEqual(
      expect.arrayContaining(['Kafka-Topic', 'Kafka-Partition', 'Kafka-Offset', 'Kafka-Key']),
    );
    expect(ok.content['application/json'].examples.binary.value.encoding).toBe('base64');
  });
});

describe('GET /api/messages must not consume a message it does not send', () => {
  // Express answers HEAD through the GET route and turns a "fresh" conditional GET into 304:
  // either way res.send() writes no body, yet 'finish' completes the lease and commits it.
  it('HEAD /api/messages leaves the message for a GET', async () => {
    const { buffer, server, onCommittable } = setup();
    buffer.offer(message(0));
    const res = await request(server).head('/api/messages');
    expect(res.text ?? '').toBe('');
    expect(onCommittable).not.toHaveBeenCalled();
    const next = await request(server).get('/api/messages');
    expect(next.body).toEqual(expect.objectContaining({ offset: '0', value: 'Hello, Kafka!' }));
  });

  it('a GET with If-None-Match: * is not answered 304 at the cost of a message', async () => {
    const { buffer, server, onCommittable } = setup();
    buffer.offer(message(0));
    const res = await request(server).get('/api/messages').set('If-None-Match', '*');
    if (res.status !== 200) {
      // No message in the answer: it must still be there for the next GET.
      expect(onCommittable).not.toHaveBeenCalled();
      expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 1 }));
    }
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.objectContaining({ offset: '0' }));
  });
});

describe('other routes of service-b', () => {
  it('answers a POST of a message with 405, naming service-a', async () => {
    const { server } = setup();
    for (const path of ['/api/messages', '/api/messages/batch']) {
      const res = await request(server).post(path).send('Hello');
      expect(expectProblem(res, 405).detail).toBe(
        `This resource supports GET. Messages are written through service-a: POST http://127.0.0.1:5101${path}`,
      );
      expect(res.headers.allow).toBe('GET');
    }
  });

  it('leads from / to Swagger UI, whose document links service-a', async () => {
    const { server } = setup();
    const root = await request(server).get('/').expect(302);
    expect(root.headers.location).toBe('/swagger/');
    const doc = (await request(server).get('/openapi.json').expect(200)).body;
    expect(doc.info.description).toContain('[service-a](http://127.0.0.1:5101/swagger/)');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/metrics', '/openapi.json']));
  });

  it('answers an unknown path with a 404 problem', async () => {
    const { server } = setup();
    expectProblem(await request(server).get('/api/nothing'), 404);
  });

  it('reports readiness from the function it was given', async () => {
    const ready = await request(setup().server).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', kafka: 'connected' });
    const notReady = await request(setup({ ready: false }).server).get('/health/ready');
    expect(notReady.status).toBe(503);
    expect(notReady.body).toEqual({ status: 'not ready', kafka: 'not connected' });
  });

  it('serves an OpenAPI document listing GET /api/messages with a waitMs parameter', async () => {
    const res = await request(setup().server).get('/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body as {
      openapi: string;
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/api/messages']?.get?.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'waitMs' })]),
    );
  });
});
