// The ways of consuming from service-b beyond the single GET: batches, manual acknowledgement,
// the Server-Sent Events stream, how a too-large record is shown, and HEAD requests that must not
// consume anything. In-process, with a real DeliveryBuffer and no Kafka.
import { once } from 'node:events';
import {
  createServer,
  get,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { Response } from 'supertest';
import { type Readiness } from '@kafka-http/common';
import { serviceBApp } from '@test-support/apps';
import {
  DeliveryBuffer,
  type BufferedMessage,
  type Lease,
} from '../../src/delivery/delivery-buffer';
import { expectProblem } from '@test-support/problem';

const LIMITS = {
  defaultWaitMs: 0,
  defaultVisibilityMs: 30_000,
  batchMaxMessages: 5,
  maxValueBytes: 64,
};

interface MessageJson {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: unknown;
  headers: Record<string, string>;
  timestamp: string | null;
  receipt?: string;
  visibleUntil?: string;
  error?: string;
  valueBytes?: number;
}

interface AckResult {
  receipt: string;
  outcome: string;
}

function record(
  offset: number,
  {
    partition = 0,
    value = `message ${partition}/${offset}`,
    headers = { 'content-type': Buffer.from('text/plain; charset=utf-8') },
  }: {
    partition?: number;
    value?: string | Buffer;
    headers?: BufferedMessage['headers'];
  } = {},
): BufferedMessage {
  return {
    topic: 'message-topic',
    partition,
    offset: String(offset),
    key: null,
    value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
    headers,
    timestamp: '1700000000000',
  };
}

const servers: Server[] = [];

function setup({ streamKeepAliveMs }: { streamKeepAliveMs?: number } = {}) {
  /** In order: responses finished, stream events written and offsets that became committable. */
  const events: string[] = [];
  const onCommittable = jest.fn((partition: number, offset: bigint): void => {
    events.push(`committable ${partition}@${offset}`);
  });
  const buffer = new DeliveryBuffer({
    maxMessages: 100_000,
    maxBytes: 1024 * 1024 * 1024,
    onCommittable,
  });
  const readiness = (): Readiness => ({ ready: true, details: { kafka: 'connected' } });
  const { app } = serviceBApp({ buffer, readiness, limits: LIMITS, streamKeepAliveMs });
  const responses: ServerResponse[] = [];
  const server = createServer((req, res) => {
    responses.push(res);
    // Notes each SSE event as it is handed to res.write, to order it against its commit.
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    (res as unknown as { write: (...args: unknown[]) => boolean }).write = (...args) => {
      const id = /^id: (\S+)/.exec(String(args[0]))?.[1];
      if (id) events.push(`wrote ${id}`);
      return write(...args);
    };
    res.once('finish', () => events.push('response finished'));
    app(req, res);
  });
  servers.push(server);
  return { buffer, server, events, onCommittable, responses };
}

afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
  jest.restoreAllMocks();
  jest.useRealTimers();
});

/** Resolves once the app's next buffer.take() is waiting, with the promise take() returned. */
function nextTake(buffer: DeliveryBuffer): Promise<{ taking: Promise<Lease | undefined> }> {
  const original = buffer.take.bind(buffer);
  return new Promise((resolve) => {
    jest.spyOn(buffer, 'take').mockImplementationOnce((waitMs, signal) => {
      const taking = original(waitMs, signal);
      resolve({ taking });
      return taking;
    });
  });
}

/** Polls a condition until it holds, failing after a deadline. */
async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function batchOf(res: Response): MessageJson[] {
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return (res.body as { messages: MessageJson[] }).messages;
}

function where(messages: MessageJson[]): string[] {
  return messages.map((m) => `${m.partition}:${m.offset}`);
}

function postReceipts(server: Server, path: string, receipts: unknown): Promise<Response> {
  return request(server)
    .post(path)
    .send({ receipts })
    .then((res) => res);
}

function resultsOf(res: Response): AckResult[] {
  expect(res.status).toBe(200);
  return (res.body as { results: AckResult[] }).results;
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** Parses the complete events of an SSE text (fields as in the HTML spec, comments apart). */
function parseSse(text: string): { events: SseEvent[]; comments: string[] } {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const blocks = text.split('\n\n');
  blocks.pop(); // not terminated yet
  for (const block of blocks) {
    const event: SseEvent = { data: '' };
    const data: string[] = [];
    let hasField = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        comments.push(line);
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      hasField = true;
      if (field === 'data') data.push(value);
      else if (field === 'id') event.id = value;
      else if (field === 'event') event.event = value;
    }
    if (!hasField) continue;
    event.data = data.join('\n');
    events.push(event);
  }
  return { events, comments };
}

interface StreamClient {
  req: ReturnType<typeof get>;
  res: IncomingMessage;
  text(): string;
  events(): SseEvent[];
  ended: Promise<void>;
}

async function openStream(
  port: number,
  headers: OutgoingHttpHeaders = { Accept: 'text/event-stream' },
): Promise<StreamClient> {
  const req = get({ host: '127.0.0.1', port, path: '/api/messages/stream', headers });
  req.on('error', () => undefined);
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  res.on('error', () => undefined);
  res.setEncoding('utf8');
  let text = '';
  res.on('data', (chunk: string) => {
    text += chunk;
  });
  const ended = new Promise<void>((resolve) => res.once('end', () => resolve()));
  return { req, res, text: () => text, events: () => parseSse(text).events, ended };
}

describe('GET /api/messages/batch', () => {
  it('answers up to max messages in offset order, then the rest', async () => {
    const { buffer, server } = setup();
    for (const offset of [0, 1, 2]) buffer.offer(record(offset));
    const first = batchOf(await request(server).get('/api/messages/batch?max=2'));
    expect(where(first)).toEqual(['0:0', '0:1']);
    expect(first.map((m) => m.value)).toEqual(['message 0/0', 'message 0/1']);
    expect(first[0]).not.toHaveProperty('receipt');
    const second = batchOf(await request(server).get('/api/messages/batch?max=2'));
    expect(where(second)).toEqual(['0:2']);
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 0, inFlight: 0 }));
  });

  it('takes at most batchMaxMessages when max is not given', async () => {
    const { buffer, server } = setup();
    for (let offset = 0; offset < 7; offset++) buffer.offer(record(offset));
    const messages = batchOf(await request(server).get('/api/messages/batch'));
    expect(where(messages)).toEqual(['0:0', '0:1', '0:2', '0:3', '0:4']);
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 2 }));
  });

  it.each([
    ['above batchMaxMessages', 'max=6'],
    ['zero', 'max=0'],
    ['not a number', 'max=many'],
  ])('refuses a max that is %s with a 400 problem and takes nothing', async (_what, query) => {
    const { buffer, server, onCommittable } = setup();
    buffer.offer(record(0));
    const body = expectProblem(await request(server).get(`/api/messages/batch?${query}`), 400);
    expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'max' })]));
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 1, inFlight: 0 }));
    expect(onCommittable).not.toHaveBeenCalled();
  });

  it('answers an empty list with 200 when nothing arrives within waitMs', async () => {
    const { server } = setup();
    const startedAt = Date.now();
    const res = await request(server).get('/api/messages/batch?waitMs=50');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.text).toBe('{"messages":[]}');
    // It did wait (timers may fire a millisecond early).
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(45);
  });

  it('answers a waiting batch as soon as a message is offered, with what came with it', async () => {
    const { buffer, server, onCommittable } = setup();
    const waiting = nextTake(buffer);
    const answer = request(server)
      .get('/api/messages/batch?waitMs=30000&max=5')
      .then((res) => res);
    await waiting;
    // Offered in the same tick: the second is buffered by the time the batch is put together.
    buffer.offer(record(0, { value: 'first' }));
    buffer.offer(record(1, { value: 'second' }));
    const messages = batchOf(await answer);
    expect(messages.map((m) => m.value)).toEqual(['first', 'second']);
    expect(onCommittable).toHaveBeenLastCalledWith(0, 2n);
  });

  it('makes the offsets committable only after the response was written', async () => {
    const { buffer, server, events, onCommittable, responses } = setup();
    for (const offset of [0, 1, 2]) buffer.offer(record(offset));
    const messages = batchOf(await request(server).get('/api/messages/batch?max=2'));
    expect(messages).toHaveLength(2);
    expect(responses[0]?.writableFinished).toBe(true);
    expect(events).toEqual(['response finished', 'committable 0@1', 'committable 0@2']);
    expect(onCommittable).toHaveBeenCalledTimes(2);
    expect(buffer.commitPositions()).toEqual(new Map([[0, 2n]]));
  });

  it('interleaves the messages of two partitions round robin', async () => {
    const { buffer, server } = setup();
    for (const offset of [0, 1, 2]) buffer.offer(record(offset, { partition: 0 }));
    for (const offset of [10, 11]) buffer.offer(record(offset, { partition: 1 }));
    const messages = batchOf(await request(server).get('/api/messages/batch?max=5'));
    expect(where(messages)).toEqual(['0:0', '1:10', '0:1', '1:11', '0:2']);
  });

  it('refuses a client that does not accept JSON with 406 and takes nothing', async () => {
    const { buffer, server } = setup();
    buffer.offer(record(0));
    const res = await request(server).get('/api/messages/batch').set('Accept', 'text/plain');
    expectProblem(res, 406);
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 1, inFlight: 0 }));
  });
});

describe('manual acknowledgement', () => {
  it('hands out a receipt and a deadline, and commits only after the ack', async () => {
    const { buffer, server, events, onCommittable } = setup();
    buffer.offer(record(0));
    const before = Date.now();
    const res = await request(server).get('/api/messages?ack=manual&visibilityMs=20000');
    const after = Date.now();
    expect(res.status).toBe(200);
    const body = res.body as MessageJson;
    expect(body).toEqual(expect.objectContaining({ offset: '0', value: 'message 0/0' }));
    expect(body.receipt).toMatch(/^b-test\./);
    const deadline = Date.parse(body.visibleUntil ?? '');
    expect(deadline).toBeGreaterThanOrEqual(before + 20_000);
    expect(deadline).toBeLessThanOrEqual(after + 20_000);

    // Written, but not acknowledged: not committable, and not handed to anyone else.
    expect(events).toEqual(['response finished']);
    expect(onCommittable).not.toHaveBeenCalled();
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 0, inFlight: 1 }));
    expect((await request(server).get('/api/messages')).status).toBe(204);

    const results = resultsOf(await postReceipts(server, '/api/messages/ack', [body.receipt]));
    expect(results).toEqual([{ receipt: body.receipt, outcome: 'acked' }]);
    expect(onCommittable).toHaveBeenCalledTimes(1);
    expect(onCommittable).toHaveBeenCalledWith(0, 1n);
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 0, inFlight: 0 }));

    // Settled: acking again says so and commits nothing more.
    const again = resultsOf(await postReceipts(server, '/api/messages/ack', [body.receipt]));
    expect(again).toEqual([{ receipt: body.receipt, outcome: 'unknown' }]);
    expect(onCommittable).toHaveBeenCalledTimes(1);
  });

  it('delivers a nacked message again, at the same offset and first in its partition', async () => {
    const { buffer, server, onCommittable } = setup();
    buffer.offer(record(0));
    buffer.offer(record(1));
    const first = (await request(server).get('/api/messages?ack=manual')).body as MessageJson;
    expect(first.offset).toBe('0');
    const results = resultsOf(await postReceipts(server, '/api/messages/nack', [first.receipt]));
    expect(results).toEqual([{ receipt: first.receipt, outcome: 'nacked' }]);
    expect(onCommittable).not.toHaveBeenCalled();

    const again = (await request(server).get('/api/messages?ack=manual')).body as MessageJson;
    expect(again).toEqual(expect.objectContaining({ offset: '0', value: 'message 0/0' }));
    expect(again.receipt).toBeDefined();
    expect(again.receipt).not.toBe(first.receipt);
    // The old receipt is spent.
    const stale = resultsOf(await postReceipts(server, '/api/messages/ack', [first.receipt]));
    expect(stale).toEqual([{ receipt: first.receipt, outcome: 'unknown' }]);
    expect(onCommittable).not.toHaveBeenCalled();
  });

  it('delivers a message again once its visibility deadline passed, and its receipt expired', async () => {
    // Only the timers the registry uses are faked; the HTTP stack keeps its real event loop.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const { buffer, server, onCommittable } = setup();
    buffer.offer(record(0));
    const first = (await request(server).get('/api/messages?ack=manual&visibilityMs=1000'))
      .body as MessageJson;
    expect(first.offset).toBe('0');
    jest.advanceTimersByTime(999);
    expect((await request(server).get('/api/messages')).status).toBe(204);

    jest.advanceTimersByTime(1);
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 1, inFlight: 0 }));
    const again = (await request(server).get('/api/messages?ack=manual')).body as MessageJson;
    expect(again).toEqual(expect.objectContaining({ offset: '0', value: 'message 0/0' }));

    const results = resultsOf(
      await postReceipts(server, '/api/messages/ack', [first.receipt, again.receipt]),
    );
    expect(results).toEqual([
      { receipt: first.receipt, outcome: 'expired' },
      { receipt: again.receipt, outcome: 'acked' },
    ]);
    expect(onCommittable).toHaveBeenCalledTimes(1);
    expect(onCommittable).toHaveBeenCalledWith(0, 1n);
  });

  it('refuses a visibilityMs below one second', async () => {
    const { buffer, server } = setup();
    buffer.offer(record(0));
    const res = await request(server).get('/api/messages?ack=manual&visibilityMs=999');
    const body = expectProblem(res, 400);
    expect(body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'visibilityMs' })]),
    );
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 1, inFlight: 0 }));
  });

  it('answers 415 for an ack body that is not JSON', async () => {
    const { server } = setup();
    const res = await request(server)
      .post('/api/messages/ack')
      .set('Content-Type', 'text/plain')
      .send('b-test.abc');
    expectProblem(res, 415);
  });

  it('answers 400 for malformed JSON', async () => {
    const { server } = setup();
    const res = await request(server)
      .post('/api/messages/ack')
      .set('Content-Type', 'application/json')
      .send('{"receipts": [');
    expectProblem(res, 400);
  });

  it.each([
    ['has no receipts', {}],
    ['has an empty receipts list', { receipts: [] }],
    ['has receipts that are not strings', { receipts: [1, 2] }],
    ['has an empty receipt', { receipts: [''] }],
    ['has receipts that are not a list', { receipts: 'b-test.abc' }],
    ['has unexpected properties', { receipts: ['b-test.abc'], extra: true }],
  ])('answers 400 for an ack body that %s', async (_what, body) => {
    const { server } = setup();
    const res = await request(server).post('/api/messages/ack').send(body);
    const problem = expectProblem(res, 400);
    expect(problem.errors).toEqual(expect.any(Array));
  });

  it('answers other methods on the ack routes with 405 and Allow: POST', async () => {
    const { server } = setup();
    for (const path of ['/api/messages/ack', '/api/messages/nack']) {
      const res = await request(server).get(path);
      expectProblem(res, 405);
      expect(res.headers.allow).toBe('POST');
    }
  });

  it("answers unknown for a receipt never issued and other-instance for another instance's", async () => {
    const { buffer, server, onCommittable } = setup();
    buffer.offer(record(0));
    const held = (await request(server).get('/api/messages?ack=manual')).body as MessageJson;
    const receipts = ['b-test.never-issued', 'b-other.Q2x1Y2tlZC1yZWNlaXB0'];
    const results = resultsOf(await postReceipts(server, '/api/messages/ack', receipts));
    expect(results).toEqual([
      { receipt: receipts[0], outcome: 'unknown' },
      { receipt: receipts[1], outcome: 'other-instance' },
    ]);
    // The held message was not touched.
    expect(onCommittable).not.toHaveBeenCalled();
    expect(buffer.stats()).toEqual(expect.objectContaining({ inFlight: 1 }));
    const ok = resultsOf(await postReceipts(server, '/api/messages/ack', [held.receipt]));
    expect(ok).toEqual([{ receipt: held.receipt, outcome: 'acked' }]);
  });

  it('gives every message of a manual batch its own receipt', async () => {
    const { buffer, server, onCommittable } = setup();
    for (const offset of [0, 1, 2]) buffer.offer(record(offset));
    const messages = batchOf(await request(server).get('/api/messages/batch?ack=manual&max=3'));
    expect(where(messages)).toEqual(['0:0', '0:1', '0:2']);
    const receipts = messages.map((m) => m.receipt);
    for (const receipt of receipts) expect(receipt).toMatch(/^b-test\./);
    expect(new Set(receipts).size).toBe(3);
    for (const m of messages) expect(Date.parse(m.visibleUntil ?? '')).toBeGreaterThan(Date.now());
    expect(onCommittable).not.toHaveBeenCalled();

    const results = resultsOf(await postReceipts(server, '/api/messages/ack', receipts));
    expect(results.map((r) => r.outcome)).toEqual(['acked', 'acked', 'acked']);
    expect(onCommittable).toHaveBeenLastCalledWith(0, 3n);
  });

  it('never lets the commit position pass a message that is not acknowledged yet', async () => {
    const { buffer, server, onCommittable } = setup();
    buffer.offer(record(0));
    buffer.offer(record(1));
    const m0 = (await request(server).get('/api/messages?ack=manual')).body as MessageJson;
    const m1 = (await request(server).get('/api/messages?ack=manual')).body as MessageJson;
    expect([m0.offset, m1.offset]).toEqual(['0', '1']);

    const later = resultsOf(await postReceipts(server, '/api/messages/ack', [m1.receipt]));
    expect(later).toEqual([{ receipt: m1.receipt, outcome: 'acked' }]);
    expect(onCommittable).not.toHaveBeenCalled();
    expect(buffer.commitPositions().get(0)).toBeUndefined();

    const earlier = resultsOf(await postReceipts(server, '/api/messages/ack', [m0.receipt]));
    expect(earlier).toEqual([{ receipt: m0.receipt, outcome: 'acked' }]);
    expect(onCommittable).toHaveBeenCalledTimes(1);
    expect(onCommittable).toHaveBeenCalledWith(0, 2n);
  });

  it('does not hold a message with a receipt that a text/plain answer cannot carry', async () => {
    // Suspected bug: GET /api/messages?ack=manual with Accept: text/plain holds the message under
    // a receipt, but recordText() drops the extras and no header carries it, so the client can
    // never ack it: the message is redelivered after every deadline, forever. Either the receipt
    // reaches the client somehow, or the request is refused without taking the message.
    const { buffer, server } = setup();
    buffer.offer(record(0));
    const res = await request(server).get('/api/messages?ack=manual').set('Accept', 'text/plain');
    if (res.status === 200) {
      const carried = `${res.text} ${JSON.stringify(res.headers)}`;
      expect(carried).toMatch(/b-test\.[A-Za-z0-9_-]+/);
    } else {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 1, inFlight: 0 }));
    }
  });
});

describe('GET /api/messages/stream', () => {
  it('sends offered messages as SSE message events in order, each committable once written', async () => {
    const { buffer, server, events, onCommittable } = setup({ streamKeepAliveMs: 60_000 });
    const port = await listen(server);
    const stream = await openStream(port);
    try {
      expect(stream.res.statusCode).toBe(200);
      expect(stream.res.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(stream.res.headers['cache-control']).toBe('no-store');

      for (const offset of [0, 1, 2]) buffer.offer(record(offset, { value: `event ${offset}` }));
      await waitUntil(() => stream.events().length >= 3, 'three events');
      const received = stream.events();
      expect(received.map((e) => [e.id, e.event])).toEqual([
        ['0-0', 'message'],
        ['0-1', 'message'],
        ['0-2', 'message'],
      ]);
      const bodies = received.map((e) => JSON.parse(e.data) as MessageJson);
      expect(bodies.map((b) => [b.offset, b.value])).toEqual([
        ['0', 'event 0'],
        ['1', 'event 1'],
        ['2', 'event 2'],
      ]);
      expect(stream.text()).toContain(`id: 0-0\nevent: message\ndata: ${received[0]?.data}\n\n`);

      await waitUntil(() => onCommittable.mock.calls.length === 3, 'three commits');
      expect(onCommittable.mock.calls).toEqual([
        [0, 1n],
        [0, 2n],
        [0, 3n],
      ]);
      // Each commit came after its event was written.
      const order = events.filter((e) => !e.startsWith('response'));
      for (const [id, committable] of [
        ['0-0', 'committable 0@1'],
        ['0-1', 'committable 0@2'],
        ['0-2', 'committable 0@3'],
      ] as const) {
        expect(order.indexOf(`wrote ${id}`)).toBeGreaterThanOrEqual(0);
        expect(order.indexOf(`wrote ${id}`)).toBeLessThan(order.indexOf(committable));
      }
      expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 0, inFlight: 0 }));
    } finally {
      stream.req.destroy();
    }
  });

  it('sends a keep-alive comment while idle, taking nothing', async () => {
    const { buffer, server, onCommittable } = setup({ streamKeepAliveMs: 50 });
    const port = await listen(server);
    const stream = await openStream(port);
    try {
      await waitUntil(() => stream.text().includes(': keep-alive\n\n'), 'a keep-alive comment');
      expect(parseSse(stream.text()).comments[0]).toBe(': keep-alive');
      expect(stream.events()).toEqual([]);
      expect(onCommittable).not.toHaveBeenCalled();
      // Still streaming after the keep-alive.
      buffer.offer(record(0));
      await waitUntil(() => stream.events().length === 1, 'the event after a keep-alive');
      expect(stream.events()[0]?.id).toBe('0-0');
    } finally {
      stream.req.destroy();
    }
  });

  it('stops taking messages once the client went away', async () => {
    const { buffer, server, onCommittable } = setup({ streamKeepAliveMs: 60_000 });
    const port = await listen(server);
    const waiting = nextTake(buffer);
    const stream = await openStream(port);
    const { taking } = await waiting;
    stream.req.destroy();
    expect(await taking).toBeUndefined();

    buffer.offer(record(0, { value: 'after the disconnect' }));
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 1, inFlight: 0 }));
    expect(onCommittable).not.toHaveBeenCalled();
    const next = await request(server).get('/api/messages');
    expect(next.status).toBe(200);
    expect(next.body).toEqual(
      expect.objectContaining({ offset: '0', value: 'after the disconnect' }),
    );
  });

  it('gives back every message not yet flushed when a slow client goes away', async () => {
    // Headers are not subject to maxValueBytes: they make each event large, so a client that
    // stops reading soon fills the socket and the stream has to wait for it to drain.
    const total = 400;
    const big = { 'x-padding': Buffer.alloc(64 * 1024, 'p') };
    const { buffer, server, onCommittable, responses } = setup({ streamKeepAliveMs: 60_000 });
    for (let offset = 0; offset < total; offset++) {
      buffer.offer(record(offset, { headers: big }));
    }
    const port = await listen(server);
    const stream = await openStream(port);
    stream.res.pause();
    await waitUntil(
      () => responses[0]?.writableNeedDrain === true,
      'the stream to wait for the socket to drain',
      10_000,
    );
    // Backpressure: the stream did not take everything while the client was not reading.
    expect(buffer.stats().buffered).toBeGreaterThan(0);
    stream.req.destroy();
    await waitUntil(() => buffer.stats().inFlight === 0, 'every taken message to settle', 10_000);

    // Nothing vanished: every message is either committable or back in the buffer, in order.
    const committed = Number(buffer.commitPositions().get(0) ?? 0n);
    expect(committed).toBeLessThan(total);
    expect(buffer.stats().buffered).toBe(total - committed);
    if (committed > 0) expect(onCommittable).toHaveBeenLastCalledWith(0, BigInt(committed));
    const next = await request(server).get('/api/messages');
    expect(next.body).toEqual(expect.objectContaining({ offset: String(committed) }));
  });

  it('refuses a client that accepts only JSON with 406, taking nothing', async () => {
    const { buffer, server } = setup();
    buffer.offer(record(0));
    const res = await request(server).get('/api/messages/stream').set('Accept', 'application/json');
    expectProblem(res, 406);
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 1, inFlight: 0 }));
  });

  it('ends the stream when the buffer closes', async () => {
    const { buffer, server } = setup({ streamKeepAliveMs: 60_000 });
    const port = await listen(server);
    const waiting = nextTake(buffer);
    const stream = await openStream(port);
    await waiting;
    buffer.offer(record(0));
    await waitUntil(() => stream.events().length === 1, 'the event before closing');
    buffer.close();
    await stream.ended;
    expect(stream.events().map((e) => e.id)).toEqual(['0-0']);
    expect(stream.res.complete).toBe(true);
  });

  it('does not leave an abort listener behind for every wait on a full socket', async () => {
    // Suspected bug: each backpressure wait races once(res, 'drain') against
    // once(gone.signal, 'abort'); when drain wins, the abort listener stays on the signal. A
    // long-lived stream to a client that keeps the socket full piles up one listener (and its
    // closure) per wait until the client disconnects (Node warns at 11).
    const originalAdd = EventTarget.prototype.addEventListener;
    const originalRemove = EventTarget.prototype.removeEventListener;
    const abortListeners = new Map<EventTarget, number>();
    const note = (target: EventTarget, type: string, by: number) => {
      if (type !== 'abort' || !(target instanceof AbortSignal)) return;
      abortListeners.set(target, (abortListeners.get(target) ?? 0) + by);
    };
    jest.spyOn(EventTarget.prototype, 'addEventListener').mockImplementation(function (
      this: EventTarget,
      type,
      listener,
      options,
    ) {
      note(this, type, 1);
      originalAdd.call(this, type, listener, options);
    });
    jest.spyOn(EventTarget.prototype, 'removeEventListener').mockImplementation(function (
      this: EventTarget,
      type,
      listener,
      options,
    ) {
      note(this, type, -1);
      originalRemove.call(this, type, listener, options);
    });

    // Every 64 KiB event is above the socket's high-water mark: each write waits for 'drain'.
    const total = 50;
    const big = { 'x-padding': Buffer.alloc(64 * 1024, 'p') };
    const { buffer, server } = setup({ streamKeepAliveMs: 60_000 });
    for (let offset = 0; offset < total; offset++) buffer.offer(record(offset, { headers: big }));
    const port = await listen(server);
    const stream = await openStream(port);
    try {
      await waitUntil(() => stream.events().length === total, 'every event');
      const most = Math.max(0, ...abortListeners.values());
      expect(most).toBeLessThanOrEqual(3);
    } finally {
      stream.req.destroy();
    }
  });

  it('keeps a pretty-printed JSON value inside its event (one data line per line)', async () => {
    // Suspected bug: recordJson() splices a JSON value in as the text it was stored as. A record
    // from another producer with `content-type: application/json` and line breaks in its JSON
    // puts raw newlines into the `data:` field, so an SSE client sees a truncated event.
    const { buffer, server } = setup({ streamKeepAliveMs: 60_000 });
    const port = await listen(server);
    const stream = await openStream(port);
    try {
      buffer.offer(
        record(0, {
          value: '{\n  "a": 1\n}',
          headers: { 'content-type': Buffer.from('application/json') },
        }),
      );
      buffer.offer(record(1, { value: 'after' }));
      await waitUntil(() => stream.text().includes('id: 0-1'), 'both events');
      const [first] = stream.events();
      expect(first?.id).toBe('0-0');
      expect((JSON.parse(first?.data ?? '') as MessageJson).value).toEqual({ a: 1 });
    } finally {
      stream.req.destroy();
    }
  });
});

describe('a record larger than maxValueBytes', () => {
  const bigValue = 'x'.repeat(LIMITS.maxValueBytes + 1);

  it('is shown without its value, says why, and is still committed so the next one follows', async () => {
    const { buffer, server, events, onCommittable } = setup();
    buffer.offer(record(0, { value: bigValue }));
    buffer.offer(record(1, { value: 'small' }));
    const res = await request(server).get('/api/messages');
    expect(res.status).toBe(200);
    const body = res.body as MessageJson;
    expect(body).toEqual(expect.objectContaining({ offset: '0', value: null, valueBytes: 65 }));
    expect(body.error).toEqual(expect.stringContaining('MAX_MESSAGE_BYTES'));
    expect(body.error).toEqual(expect.stringContaining('65'));
    expect(events).toEqual(['response finished', 'committable 0@1']);

    const next = await request(server).get('/api/messages');
    expect(next.body).toEqual(expect.objectContaining({ offset: '1', value: 'small' }));
    expect(next.body).not.toHaveProperty('error');
    expect(onCommittable).toHaveBeenLastCalledWith(0, 2n);
  });

  it('shows a value of exactly maxValueBytes', async () => {
    const { buffer, server } = setup();
    const exact = 'y'.repeat(LIMITS.maxValueBytes);
    buffer.offer(record(0, { value: exact }));
    const res = await request(server).get('/api/messages');
    expect(res.body).toEqual(expect.objectContaining({ value: exact }));
    expect(res.body).not.toHaveProperty('error');
    expect(res.body).not.toHaveProperty('valueBytes');
  });

  it('is rendered the same way in a batch and does not stop the batch', async () => {
    const { buffer, server, onCommittable } = setup();
    buffer.offer(record(0, { value: 'before' }));
    buffer.offer(record(1, { value: bigValue }));
    buffer.offer(record(2, { value: 'after' }));
    const messages = batchOf(await request(server).get('/api/messages/batch?max=3'));
    expect(messages.map((m) => m.value)).toEqual(['before', null, 'after']);
    expect(messages[1]).toEqual(
      expect.objectContaining({
        valueBytes: 65,
        error: expect.stringMatching(/MAX_MESSAGE_BYTES/),
      }),
    );
    expect(onCommittable).toHaveBeenLastCalledWith(0, 3n);
  });

  it('is rendered the same way in the stream', async () => {
    const { buffer, server, onCommittable } = setup({ streamKeepAliveMs: 60_000 });
    const port = await listen(server);
    const stream = await openStream(port);
    try {
      buffer.offer(record(0, { value: bigValue }));
      buffer.offer(record(1, { value: 'after' }));
      await waitUntil(() => stream.events().length === 2, 'two events');
      const [big, after] = stream.events().map((e) => JSON.parse(e.data) as MessageJson);
      expect(big).toEqual(expect.objectContaining({ value: null, valueBytes: 65 }));
      expect(big?.error).toMatch(/MAX_MESSAGE_BYTES/);
      expect(after).toEqual(expect.objectContaining({ offset: '1', value: 'after' }));
      await waitUntil(() => onCommittable.mock.calls.length === 2, 'both commits');
      expect(onCommittable).toHaveBeenLastCalledWith(0, 2n);
    } finally {
      stream.req.destroy();
    }
  });
});

describe('HEAD must not consume anything', () => {
  it.each(['/api/messages/batch', '/api/messages/stream'])(
    'HEAD %s answers 405 and leaves the message for a GET',
    async (path) => {
      const { buffer, server, onCommittable } = setup();
      buffer.offer(record(0));
      const res = await request(server).head(path).set('Accept', '*/*');
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET');
      expect(onCommittable).not.toHaveBeenCalled();
      expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 1, inFlight: 0 }));
      const next = await request(server).get('/api/messages');
      expect(next.body).toEqual(expect.objectContaining({ offset: '0' }));
    },
  );
});
