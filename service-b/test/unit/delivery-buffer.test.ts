// The hand-over point between service-b's consumer and its HTTP clients: order, fairness, waiting,
// leases, commit positions, back-pressure and rebalances.
import {
  DeliveryBuffer,
  messageBytes,
  type BufferedMessage,
  type DeliveryBufferOptions,
  type Lease,
} from '../../src/delivery/delivery-buffer';

function message(
  partition: number,
  offset: number,
  value = `p${partition}-o${offset}`,
): BufferedMessage {
  return {
    topic: 'message-topic',
    partition,
    offset: String(offset),
    key: null,
    value: Buffer.from(value, 'utf8'),
    headers: {},
    timestamp: '1700000000000',
  };
}

function setup(options: Partial<DeliveryBufferOptions> = {}) {
  const onCommittable = jest.fn((_partition: number, _offset: bigint): void => undefined);
  const onSpaceAvailable = jest.fn((): void => undefined);
  const buffer = new DeliveryBuffer({
    maxMessages: 100,
    maxBytes: 1_000_000,
    onCommittable,
    onSpaceAvailable,
    ...options,
  });
  return { buffer, onCommittable, onSpaceAvailable };
}

/** Takes a message that must be there already. */
async function takeNow(buffer: DeliveryBuffer): Promise<Lease> {
  const lease = await buffer.take(0);
  if (!lease) throw new Error('expected a message to be buffered');
  return lease;
}

function where(lease: Lease | undefined): string | undefined {
  return lease && `${lease.message.partition}:${lease.message.offset}`;
}

afterEach(() => {
  jest.useRealTimers();
});

describe('DeliveryBuffer order', () => {
  it('hands out the messages of one partition in offset order (FIFO)', async () => {
    const { buffer } = setup();
    for (const offset of [0, 1, 2, 3]) expect(buffer.offer(message(0, offset))).toBe(true);
    const taken: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) taken.push(where(await buffer.take(0)));
    expect(taken).toEqual(['0:0', '0:1', '0:2', '0:3']);
    expect(await buffer.take(0)).toBeUndefined();
  });

  it('serves partitions round robin so none starves', async () => {
    const { buffer } = setup();
    for (const offset of [0, 1, 2]) buffer.offer(message(0, offset));
    for (const offset of [10, 11]) buffer.offer(message(1, offset));
    buffer.offer(message(2, 7));
    const taken: (string | undefined)[] = [];
    for (let i = 0; i < 6; i++) taken.push(where(await buffer.take(0)));
    expect(taken).toEqual(['0:0', '1:10', '2:7', '0:1', '1:11', '0:2']);
  });

  it('keeps its counts in stats()', async () => {
    const { buffer } = setup();
    buffer.offer(message(1, 0));
    buffer.offer(message(0, 0));
    buffer.offer(message(0, 1));
    await takeNow(buffer);
    expect(buffer.stats()).toEqual({
      buffered: 2,
      inFlight: 1,
      held: 3,
      bytes: 3 * messageBytes(message(0, 0)),
      partitions: [0, 1],
    });
  });
});

describe('DeliveryBuffer waiting', () => {
  it('wakes a waiting take when a message is offered, without polling', async () => {
    jest.useFakeTimers();
    const { buffer } = setup();
    let answered = false;
    const taking = buffer.take(10_000).then((lease) => {
      answered = true;
      return lease;
    });
    await Promise.resolve();
    expect(answered).toBe(false);
    // Only the deadline timer: no interval checking for messages.
    expect(jest.getTimerCount()).toBe(1);
    buffer.offer(message(0, 0));
    const lease = await taking;
    expect(where(lease)).toBe('0:0');
    // The deadline timer was cleared, and the message went to the waiter, not the queue.
    expect(jest.getTimerCount()).toBe(0);
    expect(buffer.stats().buffered).toBe(0);
    expect(buffer.stats().inFlight).toBe(1);
  });

  it('answers undefined when nothing arrives before the deadline, and keeps later messages', async () => {
    jest.useFakeTimers();
    const { buffer } = setup();
    let result: Lease | undefined | 'pending' = 'pending';
    const taking = buffer.take(1000).then((lease) => {
      result = lease;
    });
    await jest.advanceTimersByTimeAsync(999);
    expect(result).toBe('pending');
    await jest.advanceTimersByTimeAsync(1);
    await taking;
    expect(result).toBeUndefined();
    // The timed-out waiter is gone: the next message is queued for the next client.
    buffer.offer(message(0, 0));
    expect(buffer.stats().buffered).toBe(1);
    expect(where(await buffer.take(0))).toBe('0:0');
  });

  it('answers at once, without waiting, when a message is already there', async () => {
    jest.useFakeTimers();
    const { buffer } = setup();
    buffer.offer(message(0, 0));
    const lease = await buffer.take(10_000);
    expect(where(lease)).toBe('0:0');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('answers undefined when the signal aborts and gives the next message to a later taker', async () => {
    const { buffer } = setup();
    const gone = new AbortController();
    const first = buffer.take(60_000, gone.signal);
    const second = buffer.take(60_000);
    gone.abort();
    expect(await first).toBeUndefined();
    buffer.offer(message(0, 0));
    expect(where(await second)).toBe('0:0');
    expect(buffer.stats().inFlight).toBe(1);
  });

  it('queues a message offered after the only waiter aborted', async () => {
    const { buffer } = setup();
    const gone = new AbortController();
    const taking = buffer.take(60_000, gone.signal);
    gone.abort();
    expect(await taking).toBeUndefined();
    buffer.offer(message(0, 0));
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 1, inFlight: 0 }));
  });

  it('answers undefined at once for an already aborted signal when nothing is buffered', async () => {
    jest.useFakeTimers();
    const { buffer } = setup();
    const gone = new AbortController();
    gone.abort();
    expect(await buffer.take(60_000, gone.signal)).toBeUndefined();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('serves waiters first come, first served', async () => {
    const { buffer } = setup();
    const first = buffer.take(60_000);
    const second = buffer.take(60_000);
    buffer.offer(message(0, 0));
    buffer.offer(message(0, 1));
    expect(where(await first)).toBe('0:0');
    expect(where(await second)).toBe('0:1');
  });

  it('close() answers every waiter with undefined and later takes resolve at once', async () => {
    jest.useFakeTimers();
    const { buffer } = setup();
    const waiting = [buffer.take(60_000), buffer.take(60_000)];
    expect(buffer.isClosed).toBe(false);
    buffer.close();
    expect(buffer.isClosed).toBe(true);
    expect(await Promise.all(waiting)).toEqual([undefined, undefined]);
    expect(jest.getTimerCount()).toBe(0);
    expect(await buffer.take(60_000)).toBeUndefined();
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('DeliveryBuffer leases and commits', () => {
  it('calls onCommittable with the next offset to read once a message is complete', async () => {
    const { buffer, onCommittable } = setup();
    buffer.offer(message(3, 41));
    const lease = await takeNow(buffer);
    expect(onCommittable).not.toHaveBeenCalled();
    expect(buffer.commitPositions().size).toBe(0);
    lease.complete();
    expect(onCommittable).toHaveBeenCalledTimes(1);
    expect(onCommittable).toHaveBeenCalledWith(3, 42n);
    expect(buffer.commitPositions()).toEqual(new Map([[3, 42n]]));
    expect(buffer.stats()).toEqual(expect.objectContaining({ inFlight: 0, held: 0, bytes: 0 }));
  });

  it('commits only the contiguous run when leases complete out of order', async () => {
    const { buffer, onCommittable } = setup();
    for (const offset of [0, 1, 2]) buffer.offer(message(0, offset));
    const [a, b, c] = [await takeNow(buffer), await takeNow(buffer), await takeNow(buffer)];
    c.complete();
    b.complete();
    expect(onCommittable).not.toHaveBeenCalled();
    expect(buffer.heldCount).toBe(3);
    a.complete();
    expect(onCommittable).toHaveBeenCalledTimes(1);
    expect(onCommittable).toHaveBeenCalledWith(0, 3n);
    expect(buffer.heldCount).toBe(0);
  });

  it('keeps commit positions per partition', async () => {
    const { buffer, onCommittable } = setup();
    buffer.offer(message(0, 5));
    buffer.offer(message(1, 9));
    const first = await takeNow(buffer);
    const second = await takeNow(buffer);
    second.complete();
    first.complete();
    expect(onCommittable.mock.calls).toEqual([
      [1, 10n],
      [0, 6n],
    ]);
    expect(buffer.commitPositions()).toEqual(
      new Map([
        [0, 6n],
        [1, 10n],
      ]),
    );
  });

  it('puts an abandoned message back at the head of its partition, in offset order', async () => {
    const { buffer, onCommittable } = setup();
    for (const offset of [0, 1, 2, 3]) buffer.offer(message(0, offset));
    const zero = await takeNow(buffer);
    const one = await takeNow(buffer);
    one.abandon();
    zero.abandon();
    expect(onCommittable).not.toHaveBeenCalled();
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 4, inFlight: 0, held: 4 }));
    const taken: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) taken.push(where(await buffer.take(0)));
    expect(taken).toEqual(['0:0', '0:1', '0:2', '0:3']);
  });

  it('gives an abandoned message straight to a waiting client', async () => {
    const { buffer } = setup();
    buffer.offer(message(0, 0));
    const lease = await takeNow(buffer);
    const waiting = buffer.take(60_000);
    lease.abandon();
    expect(where(await waiting)).toBe('0:0');
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 0, inFlight: 1 }));
  });

  it('treats a second complete or abandon as harmless', async () => {
    const { buffer, onCommittable } = setup();
    buffer.offer(message(0, 0));
    buffer.offer(message(0, 1));
    const zero = await takeNow(buffer);
    zero.complete();
    zero.complete();
    zero.abandon();
    expect(onCommittable).toHaveBeenCalledTimes(1);
    expect(buffer.stats()).toEqual(
      expect.objectContaining({
        buffered: 1,
        inFlight: 0,
        held: 1,
        bytes: messageBytes(message(0, 1)),
      }),
    );
    const one = await takeNow(buffer);
    one.abandon();
    one.abandon();
    one.complete();
    expect(onCommittable).toHaveBeenCalledTimes(1);
    expect(buffer.stats()).toEqual(expect.objectContaining({ buffered: 1, inFlight: 0, held: 1 }));
    expect(where(await buffer.take(0))).toBe('0:1');
    expect(await buffer.take(0)).toBeUndefined();
  });

  it('ignores duplicates re-fetched after a rebalance', async () => {
    const { buffer, onCommittable } = setup();
    buffer.offer(message(0, 0));
    buffer.offer(message(0, 1));
    (await takeNow(buffer)).complete();
    expect(buffer.offer(message(0, 0))).toBe(false);
    expect(buffer.offer(message(0, 1))).toBe(false);
    expect(buffer.offer(message(0, 2))).toBe(true);
    expect(buffer.stats()).toEqual(
      expect.objectContaining({ buffered: 2, held: 2, bytes: 2 * messageBytes(message(0, 1)) }),
    );
    expect(where(await buffer.take(0))).toBe('0:1');
    expect(where(await buffer.take(0))).toBe('0:2');
    expect(await buffer.take(0)).toBeUndefined();
    expect(onCommittable).toHaveBeenCalledTimes(1);
  });
});

describe('DeliveryBuffer back-pressure', () => {
  it('is full at maxMessages held, counting leased and delivered-but-uncommitted messages', async () => {
    const { buffer } = setup({ maxMessages: 3 });
    buffer.offer(message(0, 0));
    buffer.offer(message(0, 1));
    expect(buffer.isFull()).toBe(false);
    buffer.offer(message(0, 2));
    expect(buffer.isFull()).toBe(true);
    const zero = await takeNow(buffer);
    const one = await takeNow(buffer);
    // Delivered behind an undelivered message: still held.
    one.complete();
    expect(buffer.isFull()).toBe(true);
    zero.complete();
    expect(buffer.isFull()).toBe(false);
  });

  it('is full at maxBytes', () => {
    const size = messageBytes(message(0, 0, 'x'.repeat(100)));
    const { buffer } = setup({ maxBytes: size * 3 });
    buffer.offer(message(0, 0, 'x'.repeat(100)));
    buffer.offer(message(0, 1, 'x'.repeat(100)));
    expect(buffer.isFull()).toBe(false);
    buffer.offer(message(0, 2, 'x'.repeat(100)));
    expect(buffer.isFull()).toBe(true);
    expect(buffer.stats().bytes).toBe(size * 3);
  });

  it('counts key, value and headers in messageBytes', () => {
    const bare = messageBytes({ ...message(0, 0), value: null });
    const full = messageBytes({
      ...message(0, 0),
      key: Buffer.from('abc'),
      value: Buffer.from('12345'),
      headers: { h: 'xy', list: [Buffer.from('1'), 'zz'], none: undefined },
    });
    expect(full - bare).toBe(3 + 5 + 'h'.length + 2 + 'list'.length + 1 + 2 + 'none'.length);
  });

  it('has room only below half of both limits', async () => {
    const { buffer } = setup({ maxMessages: 10, maxBytes: 1_000_000 });
    for (let offset = 0; offset < 6; offset++) buffer.offer(message(0, offset));
    expect(buffer.hasRoom()).toBe(false);
    (await takeNow(buffer)).complete();
    (await takeNow(buffer)).complete();
    expect(buffer.heldCount).toBe(4);
    expect(buffer.hasRoom()).toBe(true);

    const size = messageBytes(message(0, 0, 'y'.repeat(50)));
    const bytes = setup({ maxMessages: 1000, maxBytes: size * 5 }).buffer;
    for (let offset = 0; offset < 3; offset++) bytes.offer(message(0, offset, 'y'.repeat(50)));
    expect(bytes.hasRoom()).toBe(false);
    (await takeNow(bytes)).complete();
    expect(bytes.hasRoom()).toBe(true);
  });

  it('calls onSpaceAvailable once after having been full, when it drops to half', async () => {
    const { buffer, onSpaceAvailable } = setup({ maxMessages: 4 });
    for (let offset = 0; offset < 4; offset++) buffer.offer(message(0, offset));
    expect(buffer.isFull()).toBe(true);
    const leases = [];
    for (let i = 0; i < 4; i++) leases.push(await takeNow(buffer));
    leases[0]?.complete();
    expect(onSpaceAvailable).not.toHaveBeenCalled();
    leases[1]?.complete();
    expect(onSpaceAvailable).toHaveBeenCalledTimes(1);
    leases[2]?.complete();
    leases[3]?.complete();
    expect(onSpaceAvailable).toHaveBeenCalledTimes(1);
  });

  it('never calls onSpaceAvailable when it was never full', async () => {
    const { buffer, onSpaceAvailable } = setup({ maxMessages: 4 });
    buffer.offer(message(0, 0));
    (await takeNow(buffer)).complete();
    expect(onSpaceAvailable).not.toHaveBeenCalled();
  });
});

describe('DeliveryBuffer rebalances', () => {
  it('drops the queued messages of revoked partitions and keeps the others', async () => {
    const { buffer } = setup();
    buffer.offer(message(0, 0));
    buffer.offer(message(1, 0));
    buffer.offer(message(1, 1));
    buffer.setAssignment([0]);
    expect(buffer.isAssigned(1)).toBe(false);
    expect(buffer.isAssigned(0)).toBe(true);
    expect(buffer.stats()).toEqual({
      buffered: 1,
      inFlight: 0,
      held: 1,
      bytes: messageBytes(message(0, 0)),
      partitions: [0],
    });
    expect(where(await buffer.take(0))).toBe('0:0');
    expect(await buffer.take(0)).toBeUndefined();
  });

  it('never commits leases of a revoked partition and holds them until they settle', async () => {
    const { buffer, onCommittable } = setup();
    buffer.offer(message(1, 0));
    buffer.offer(message(1, 1));
    buffer.offer(message(1, 2));
    const zero = await takeNow(buffer);
    const one = await takeNow(buffer);
    buffer.setAssignment([0]);
    expect(buffer.heldCount).toBe(2);
    expect(buffer.stats().buffered).toBe(0);
    zero.complete();
    expect(buffer.heldCount).toBe(1);
    one.abandon();
    expect(buffer.heldCount).toBe(0);
    expect(onCommittable).not.toHaveBeenCalled();
    expect(buffer.commitPositions().size).toBe(0);
    // The abandoned message of a revoked partition is not handed out again.
    expect(await buffer.take(0)).toBeUndefined();
    expect(buffer.stats()).toEqual(expect.objectContaining({ inFlight: 0, bytes: 0, held: 0 }));
  });

  it('keeps a stale lease out of the partition when it is assigned again', async () => {
    const { buffer, onCommittable } = setup();
    buffer.offer(message(1, 0));
    const stale = await takeNow(buffer);
    buffer.setAssignment([]);
    buffer.setAssignment([1]);
    // The new owner's fetch starts again from the committed offset.
    expect(buffer.offer(message(1, 0))).toBe(true);
    stale.complete();
    expect(onCommittable).not.toHaveBeenCalled();
    expect(buffer.heldCount).toBe(1);
    const fresh = await takeNow(buffer);
    fresh.complete();
    expect(onCommittable).toHaveBeenCalledWith(1, 1n);
  });

  it('calls onSpaceAvailable when dropping revoked partitions makes room', () => {
    const { buffer, onSpaceAvailable } = setup({ maxMessages: 4 });
    for (let offset = 0; offset < 4; offset++) buffer.offer(message(offset % 2, offset));
    expect(buffer.isFull()).toBe(true);
    buffer.setAssignment([0]);
    expect(buffer.heldCount).toBe(2);
    expect(onSpaceAvailable).toHaveBeenCalledTimes(1);
  });

  it('lists newly assigned partitions even before they have messages', () => {
    const { buffer } = setup();
    buffer.setAssignment([2, 0]);
    expect(buffer.stats().partitions).toEqual([0, 2]);
    expect(buffer.isAssigned(2)).toBe(true);
  });
});

describe('DeliveryBuffer resetPartition (the group position was moved)', () => {
  it('when a partition is reset, drops its waiting messages and keeps the other partitions', async () => {
    const { buffer } = setup();
    buffer.setAssignment([0, 1]);
    for (const offset of [0, 1, 2]) buffer.offer(message(0, offset));
    buffer.offer(message(1, 0));
    const before = buffer.epochOf(0);
    const epoch = buffer.resetPartition(0);
    expect(epoch).toBeGreaterThan(before ?? Infinity);
    expect(buffer.stats()).toMatchObject({ buffered: 1, held: 1 });
    expect(where(await takeNow(buffer))).toBe('1:0');
    expect(await buffer.take(0)).toBeUndefined();
  });

  it('when a lease of the old epoch completes, nothing is committed and the new epoch is unaffected', async () => {
    const { buffer, onCommittable } = setup();
    buffer.setAssignment([0]);
    for (const offset of [0, 1, 2]) buffer.offer(message(0, offset));
    const old = await takeNow(buffer);
    buffer.resetPartition(0);
    // The new position starts at 0 again: the same offsets arrive once more.
    for (const offset of [0, 1, 2]) expect(buffer.offer(message(0, offset))).toBe(true);
    old.complete();
    expect(onCommittable).not.toHaveBeenCalled();
    expect(buffer.commitPositions().get(0)).toBeUndefined();
    // Offset 0 of the new epoch is still waiting and must be delivered before anything commits.
    const fresh = await takeNow(buffer);
    expect(where(fresh)).toBe('0:0');
    fresh.complete();
    expect(onCommittable).toHaveBeenLastCalledWith(0, 1n);
    expect(buffer.stats()).toMatchObject({ inFlight: 0, held: 2 });
  });

  it('when a lease of the old epoch is given back, it is dropped instead of queued again', async () => {
    const { buffer } = setup();
    buffer.setAssignment([0]);
    buffer.offer(message(0, 5));
    const old = await takeNow(buffer);
    buffer.resetPartition(0);
    old.abandon();
    expect(await buffer.take(0)).toBeUndefined();
    expect(buffer.stats()).toMatchObject({ buffered: 0, inFlight: 0, held: 0, bytes: 0 });
  });

  it('when the buffer was full, a reset that frees room resumes the consumer', () => {
    const { buffer, onSpaceAvailable } = setup({ maxMessages: 2 });
    buffer.setAssignment([0]);
    buffer.offer(message(0, 0));
    buffer.offer(message(0, 1));
    expect(buffer.isFull()).toBe(true);
    buffer.resetPartition(0);
    expect(onSpaceAvailable).toHaveBeenCalledTimes(1);
  });

  it('when the partition is not assigned here, does nothing', () => {
    const { buffer } = setup();
    buffer.setAssignment([1]);
    expect(buffer.resetPartition(0)).toBeUndefined();
    expect(buffer.stats().partitions).toEqual([1]);
  });
});
