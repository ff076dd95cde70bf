// Manual acknowledgement (ack=manual): receipts and visibility deadlines, POST /api/messages/ack
// and /nack, and a commit position that never passes a message not acknowledged yet.
import type { Server } from 'node:http';
import request from 'supertest';
import type { Response } from 'supertest';
import {
  batchOf,
  cleanUp,
  record,
  setup,
  where,
  type MessageJson,
} from '@test-support/consume-harness';
import { expectProblem } from '@test-support/problem';

interface AckResult {
  receipt: string;
  outcome: string;
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

afterEach(cleanUp);

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
