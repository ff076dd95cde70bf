// ProduceBatcher with a fake `send` whose every call the test settles by hand: no Kafka, no sleeps.
import {
  ProduceBatcher,
  QueueFullError,
  type BatcherOptions,
  type SendOutcome,
} from '../../src/kafka/produce-batcher';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

interface SendCall {
  records: string[];
  result: Deferred<SendOutcome[]>;
}

/** A `send` that records each call and answers only when the test says so. */
class FakeSend {
  readonly calls: SendCall[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  readonly send = (records: string[]): Promise<SendOutcome[]> => {
    const call: SendCall = { records: [...records], result: deferred() };
    this.calls.push(call);
    for (const waiter of this.waiters.filter((w) => this.calls.length >= w.count)) {
      waiter.resolve();
    }
    this.waiters = this.waiters.filter((w) => this.calls.length < w.count);
    return call.result.promise;
  };

  /** The n-th call (0-based), once it has been made. */
  async call(n: number): Promise<SendCall> {
    if (this.calls.length <= n) {
      await new Promise<void>((resolve) => this.waiters.push({ count: n + 1, resolve }));
    }
    return this.calls[n] as SendCall;
  }

  /** Acknowledges the n-th call: its records land on `partition` at consecutive offsets. */
  async ack(n: number, partition = 0, baseOffset = 0): Promise<void> {
    const call = await this.call(n);
    call.result.resolve(
      call.records.map((_, i) => ({ partition, offset: String(baseOffset + i) })),
    );
  }

  async fail(n: number, error: unknown): Promise<void> {
    (await this.call(n)).result.reject(error);
  }

  batches(): string[][] {
    return this.calls.map((call) => call.records);
  }
}

/** Lets every pending promise callback run (no timers involved, so fake timers do not matter). */
async function drainMicrotasks(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

/** Records whether a promise has settled yet, without leaving a rejection unhandled. */
function track<T>(promise: Promise<T>): { settled: () => boolean } {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { settled: () => settled };
}

function makeBatcher(overrides: Partial<BatcherOptions<string>> = {}) {
  const fake = new FakeSend();
  const batcher = new ProduceBatcher<string>({
    send: fake.send,
    sizeOf: (record) => record.length,
    lingerMs: 0,
    maxBatchRecords: 100,
    maxBatchBytes: 1_000_000,
    maxQueuedRecords: 1000,
    ...overrides,
  });
  return { fake, batcher };
}

const tooLarge = Object.assign(new Error('record too large'), { type: 'MESSAGE_TOO_LARGE' });
const isTooLarge = (error: unknown) => error === tooLarge;

afterEach(() => {
  jest.useRealTimers();
});

describe('ProduceBatcher with lingerMs 0', () => {
  it('sends the first record at once, alone', () => {
    const { fake, batcher } = makeBatcher();
    void batcher.submit('a');
    expect(fake.batches()).toEqual([['a']]);
    expect(batcher.queued).toBe(0);
  });

  it('sends everything submitted during an in-flight send together, in order, once it completes', async () => {
    const { fake, batcher } = makeBatcher();
    const a = batcher.submit('a');
    const rest = ['b', 'c', 'd'].map((record) => batcher.submit(record));
    await drainMicrotasks();
    expect(fake.batches()).toEqual([['a']]);
    expect(batcher.queued).toBe(3);

    await fake.ack(0);
    await fake.call(1);
    expect(fake.batches()).toEqual([['a'], ['b', 'c', 'd']]);
    await expect(a).resolves.toEqual({ partition: 0, offset: '0' });

    await fake.ack(1, 3, 10);
    await expect(Promise.all(rest)).resolves.toEqual([
      { partition: 3, offset: '10' },
      { partition: 3, offset: '11' },
      { partition: 3, offset: '12' },
    ]);
    expect(fake.calls).toHaveLength(2);
  });

  it('gives each caller the outcome at its own position in the batch', async () => {
    const { fake, batcher } = makeBatcher();
    void batcher.submit('first');
    const b = batcher.submit('b');
    const c = batcher.submit('c');
    await fake.ack(0);
    const call = await fake.call(1);
    call.result.resolve([
      { partition: 4, offset: '900' },
      { partition: 1, offset: '7' },
    ]);
    await expect(b).resolves.toEqual({ partition: 4, offset: '900' });
    await expect(c).resolves.toEqual({ partition: 1, offset: '7' });
  });

  it('rejects a record that the send answered no outcome for, and resolves the others', async () => {
    const { fake, batcher } = makeBatcher();
    void batcher.submit('first');
    const b = batcher.submit('b');
    const c = batcher.submit('c');
    await fake.ack(0);
    (await fake.call(1)).result.resolve([{ partition: 0, offset: '5' }]);
    await expect(b).resolves.toEqual({ partition: 0, offset: '5' });
    await expect(c).rejects.toThrow(/without this record/);
  });
});

describe('batch limits', () => {
  it('splits the queue into sends of at most maxBatchRecords, keeping order', async () => {
    const { fake, batcher } = makeBatcher({ maxBatchRecords: 2 });
    const all = ['a', 'b', 'c', 'd', 'e'].map((record) => batcher.submit(record));
    expect(fake.batches()).toEqual([['a']]);
    await fake.ack(0);
    await fake.ack(1);
    await fake.ack(2);
    await Promise.all(all);
    expect(fake.batches()).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });

  it('splits the queue so no send holds more than maxBatchBytes', async () => {
    const { fake, batcher } = makeBatcher({ maxBatchBytes: 5 });
    const all = ['x', 'aaa', 'bb', 'cc', 'd'].map((record) => batcher.submit(record));
    await fake.ack(0);
    await fake.ack(1);
    await fake.ack(2);
    await Promise.all(all);
    // 3 + 2 = 5 bytes fit exactly; adding 'cc' would make 7.
    expect(fake.batches()).toEqual([['x'], ['aaa', 'bb'], ['cc', 'd']]);
  });

  it('still sends a record bigger than maxBatchBytes, alone', async () => {
    const { fake, batcher } = makeBatcher({ maxBatchBytes: 5 });
    const all = ['x', 'a', 'hhhhhhhh', 'b'].map((record) => batcher.submit(record));
    for (let i = 0; i < 4; i++) await fake.ack(i);
    await expect(Promise.all(all)).resolves.toHaveLength(4);
    expect(fake.batches()).toEqual([['x'], ['a'], ['hhhhhhhh'], ['b']]);
  });
});

describe('ProduceBatcher with lingerMs > 0', () => {
  it('holds records for the linger window, then sends them together', async () => {
    jest.useFakeTimers();
    const { fake, batcher } = makeBatcher({ lingerMs: 50 });
    const a = batcher.submit('a');
    await jest.advanceTimersByTimeAsync(20);
    const b = batcher.submit('b');
    await jest.advanceTimersByTimeAsync(29);
    expect(fake.calls).toHaveLength(0);
    expect(batcher.queued).toBe(2);

    // The window started with the first record, not the last.
    await jest.advanceTimersByTimeAsync(1);
    expect(fake.batches()).toEqual([['a', 'b']]);
    await fake.ack(0);
    await expect(Promise.all([a, b])).resolves.toEqual([
      { partition: 0, offset: '0' },
      { partition: 0, offset: '1' },
    ]);
  });

  it('sends a batch that reaches maxBatchRecords at once, without waiting', async () => {
    jest.useFakeTimers();
    const { fake, batcher } = makeBatcher({ lingerMs: 1000, maxBatchRecords: 3 });
    void batcher.submit('a');
    void batcher.submit('b');
    await drainMicrotasks();
    expect(fake.calls).toHaveLength(0);
    void batcher.submit('c');
    expect(fake.batches()).toEqual([['a', 'b', 'c']]);
    // No leftover timer sends an empty or duplicate batch later.
    await jest.advanceTimersByTimeAsync(2000);
    expect(fake.calls).toHaveLength(1);
  });

  it('sends a batch that reaches maxBatchBytes at once, without waiting', async () => {
    jest.useFakeTimers();
    const { fake, batcher } = makeBatcher({ lingerMs: 1000, maxBatchBytes: 4 });
    void batcher.submit('aa');
    await drainMicrotasks();
    expect(fake.calls).toHaveLength(0);
    void batcher.submit('bb');
    expect(fake.batches()).toEqual([['aa', 'bb']]);
  });
});

describe('failures', () => {
  it('rejects every record of a failed send with that error', async () => {
    const { fake, batcher } = makeBatcher({ isolate: isTooLarge });
    const a = batcher.submit('a');
    const b = batcher.submit('b');
    const c = batcher.submit('c');
    const d = batcher.submit('d');
    await fake.ack(0);
    const boom = new Error('broker gone');
    await fake.fail(1, boom);
    await expect(a).resolves.toEqual({ partition: 0, offset: '0' });
    for (const p of [b, c, d]) await expect(p).rejects.toBe(boom);
    // isolate() said no: the batch is not retried.
    await batcher.idle();
    expect(fake.batches()).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('retries a failed batch record by record when isolate() says so, failing only the bad one', async () => {
    const { fake, batcher } = makeBatcher({ isolate: isTooLarge });
    void batcher.submit('first');
    const b = batcher.submit('b');
    const big = batcher.submit('big');
    const d = batcher.submit('d');
    await fake.ack(0);
    await fake.fail(1, tooLarge);
    // One record at a time: the next is sent only once the previous one is answered.
    await fake.call(2);
    await drainMicrotasks();
    expect(fake.calls).toHaveLength(3);
    await fake.ack(2, 0, 20);
    await fake.call(3);
    await drainMicrotasks();
    expect(fake.calls).toHaveLength(4);
    await fake.fail(3, tooLarge);
    await fake.ack(4, 0, 21);

    await expect(b).resolves.toEqual({ partition: 0, offset: '20' });
    await expect(big).rejects.toBe(tooLarge);
    await expect(d).resolves.toEqual({ partition: 0, offset: '21' });
    expect(fake.batches()).toEqual([['first'], ['b', 'big', 'd'], ['b'], ['big'], ['d']]);
  });

  it('does not retry a single-record send that fails, even when isolate() says so', async () => {
    const { fake, batcher } = makeBatcher({ isolate: isTooLarge });
    const a = batcher.submit('a');
    await fake.fail(0, tooLarge);
    await expect(a).rejects.toBe(tooLarge);
    await batcher.idle();
    expect(fake.calls).toHaveLength(1);
  });

  it('keeps going after a failed send: the records queued meanwhile are sent next', async () => {
    const { fake, batcher } = makeBatcher();
    const a = batcher.submit('a');
    const b = batcher.submit('b');
    await fake.fail(0, new Error('nope'));
    await expect(a).rejects.toThrow('nope');
    await fake.ack(1);
    await expect(b).resolves.toEqual({ partition: 0, offset: '0' });
    expect(fake.batches()).toEqual([['a'], ['b']]);
  });
});

describe('abort signals', () => {
  it('withdraws a record aborted while queued: never sent, rejected with the abort reason', async () => {
    const { fake, batcher } = makeBatcher();
    const a = batcher.submit('a');
    const controller = new AbortController();
    const b = batcher.submit('b', controller.signal);
    const c = batcher.submit('c');
    const reason = new Error('deadline passed');
    controller.abort(reason);
    await expect(b).rejects.toBe(reason);
    expect(batcher.queued).toBe(1);

    await fake.ack(0);
    await fake.ack(1);
    await expect(Promise.all([a, c])).resolves.toHaveLength(2);
    expect(fake.batches()).toEqual([['a'], ['c']]);
  });

  it('refuses a record whose signal is already aborted, without sending it', async () => {
    const { fake, batcher } = makeBatcher();
    const reason = new Error('too late');
    await expect(batcher.submit('a', AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(fake.calls).toHaveLength(0);
    expect(batcher.queued).toBe(0);
  });

  it('changes nothing when the signal aborts after the record was handed to send', async () => {
    const { fake, batcher } = makeBatcher();
    const controller = new AbortController();
    const a = batcher.submit('a', controller.signal);
    const settledA = track(a);
    expect(fake.batches()).toEqual([['a']]);
    controller.abort(new Error('deadline passed'));
    await drainMicrotasks();
    expect(settledA.settled()).toBe(false);
    await fake.ack(0, 2, 33);
    await expect(a).resolves.toEqual({ partition: 2, offset: '33' });
  });

  it('does not re-send or reject a record aborted while its batch is being retried record by record', async () => {
    const { fake, batcher } = makeBatcher({ isolate: isTooLarge });
    void batcher.submit('first');
    const controller = new AbortController();
    const b = batcher.submit('b');
    const c = batcher.submit('c', controller.signal);
    await fake.ack(0);
    await fake.fail(1, tooLarge);
    await fake.call(2);
    controller.abort(new Error('deadline passed'));
    await fake.ack(2);
    await fake.ack(3, 0, 1);
    await expect(b).resolves.toEqual({ partition: 0, offset: '0' });
    await expect(c).resolves.toEqual({ partition: 0, offset: '1' });
    expect(fake.batches()).toEqual([['first'], ['b', 'c'], ['b'], ['c']]);
  });
});

describe('queue bound', () => {
  it('refuses a record beyond maxQueuedRecords at once with QueueFullError', async () => {
    const { fake, batcher } = makeBatcher({ maxQueuedRecords: 2 });
    void batcher.submit('a'); // in flight, not queued
    const b = batcher.submit('b');
    const c = batcher.submit('c');
    await expect(batcher.submit('d')).rejects.toBeInstanceOf(QueueFullError);
    expect(batcher.queued).toBe(2);

    await fake.ack(0);
    await fake.ack(1);
    await Promise.all([b, c]);
    expect(fake.batches()).toEqual([['a'], ['b', 'c']]);

    // Room again once the queue drained.
    const e = batcher.submit('e');
    await fake.ack(2);
    await expect(e).resolves.toEqual({ partition: 0, offset: '0' });
  });
});

describe('idle()', () => {
  it('resolves at once when nothing is queued or being sent', async () => {
    const { batcher } = makeBatcher();
    await expect(batcher.idle()).resolves.toBeUndefined();
  });

  it('waits for a send in flight even when nothing is queued', async () => {
    const { fake, batcher } = makeBatcher();
    void batcher.submit('a');
    expect(batcher.queued).toBe(0);
    const idle = track(batcher.idle());
    await drainMicrotasks();
    expect(idle.settled()).toBe(false);
    await fake.ack(0);
    await drainMicrotasks();
    expect(idle.settled()).toBe(true);
  });

  it('resolves only once the in-flight send and everything queued behind it are done', async () => {
    const { fake, batcher } = makeBatcher();
    void batcher.submit('a');
    void batcher.submit('b');
    const idle = track(batcher.idle());

    await fake.ack(0);
    await fake.call(1);
    await drainMicrotasks();
    expect(idle.settled()).toBe(false);

    await fake.ack(1);
    await drainMicrotasks();
    expect(idle.settled()).toBe(true);
  });

  it('waits for records still lingering to be sent and acknowledged', async () => {
    jest.useFakeTimers();
    const { fake, batcher } = makeBatcher({ lingerMs: 100 });
    void batcher.submit('a');
    const idle = track(batcher.idle());
    await jest.advanceTimersByTimeAsync(100);
    expect(fake.calls).toHaveLength(1);
    expect(idle.settled()).toBe(false);
    await fake.ack(0);
    await drainMicrotasks();
    expect(idle.settled()).toBe(true);
  });

  it('resolves after a failed send too', async () => {
    const { fake, batcher } = makeBatcher();
    const a = batcher.submit('a');
    const idle = batcher.idle();
    await fake.fail(0, new Error('nope'));
    await expect(a).rejects.toThrow('nope');
    await expect(idle).resolves.toBeUndefined();
  });

  // Suspected bug: when the only queued records are withdrawn (aborted) during the linger window,
  // the linger timer's flush() finds an empty queue and returns without waking idle() waiters, so
  // idle() hangs until some later send completes (KafkaMessagePublisher.stop() then waits its
  // whole deadline).
  it('resolves once the only lingering record is withdrawn by its signal', async () => {
    jest.useFakeTimers();
    const { fake, batcher } = makeBatcher({ lingerMs: 100 });
    const controller = new AbortController();
    const a = batcher.submit('a', controller.signal);
    a.catch(() => undefined);
    const idle = track(batcher.idle());
    controller.abort(new Error('deadline passed'));
    await jest.advanceTimersByTimeAsync(1000);
    expect(fake.calls).toHaveLength(0);
    expect(batcher.queued).toBe(0);
    expect(idle.settled()).toBe(true);
  });
});
