// GET /api/messages/batch: up to max messages in offset order and round robin across partitions,
// the wait for the first, commits only after the response was written, and what it refuses.
import request from 'supertest';
import { batchOf, cleanUp, nextTake, record, setup, where } from '@test-support/consume-harness';
import { expectProblem } from '@test-support/problem';

afterEach(cleanUp);

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
