// A record whose value is larger than maxValueBytes: shown without its value and with the reason,
// in the single GET, a batch and the stream, and still committed so the next one follows.
import request from 'supertest';
import {
  batchOf,
  cleanUp,
  LIMITS,
  listen,
  openStream,
  record,
  setup,
  waitUntil,
  type MessageJson,
} from '@test-support/consume-harness';

afterEach(cleanUp);

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
