// IdempotencyStore with an injected clock, and the Idempotency-Key header check.
import type { Request } from 'express';
import { HttpProblem } from '@kafka-http/common';
import { IdempotencyStore, idempotencyKeyOf, type Reply } from '../../src/http/idempotency';

const TTL_MS = 1000;

function makeStore(maxKeys = 100) {
  const clock = { now: 10_000 };
  const store = new IdempotencyStore({ ttlMs: TTL_MS, maxKeys, now: () => clock.now });
  return { store, clock };
}

/** A produce function that counts its runs and answers a new body each time. */
function counter(status = 200) {
  let runs = 0;
  const produce = jest.fn(async (): Promise<Reply> => ({
    status,
    contentType: 'application/json',
    body: JSON.stringify({ run: ++runs }),
  }));
  return produce;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('IdempotencyStore.run', () => {
  it('runs produce once for a key and replays the same reply to a repeat', async () => {
    const { store } = makeStore();
    const produce = counter();
    const first = await store.run('k1', 'fp', produce);
    const second = await store.run('k1', 'fp', produce);
    expect(produce).toHaveBeenCalledTimes(1);
    expect(first).toEqual({
      reply: { status: 200, contentType: 'application/json', body: '{"run":1}' },
      replayed: false,
    });
    expect(second.replayed).toBe(true);
    expect(second.reply).toEqual(first.reply);
  });

  it('keeps keys apart: another key runs produce again', async () => {
    const { store } = makeStore();
    const produce = counter();
    await store.run('k1', 'fp', produce);
    const other = await store.run('k2', 'fp', produce);
    expect(produce).toHaveBeenCalledTimes(2);
    expect(other).toEqual(expect.objectContaining({ replayed: false }));
    expect(other.reply.body).toBe('{"run":2}');
    expect(store.size).toBe(2);
  });

  it('makes a concurrent repeat wait for the first, still running, call', async () => {
    const { store } = makeStore();
    const pending = deferred<Reply>();
    const produce = jest.fn(() => pending.promise);
    const first = store.run('k1', 'fp', produce);
    const second = store.run('k1', 'fp', produce);
    let secondDone = false;
    void second.then(() => (secondDone = true));
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(secondDone).toBe(false);
    expect(produce).toHaveBeenCalledTimes(1);

    const reply: Reply = { status: 201, contentType: 'text/plain', body: 'done' };
    pending.resolve(reply);
    await expect(first).resolves.toEqual({ reply, replayed: false });
    await expect(second).resolves.toEqual({ reply, replayed: true });
    expect(produce).toHaveBeenCalledTimes(1);
  });

  it('refuses the key for a different request with a 422 problem, without running produce', async () => {
    const { store } = makeStore();
    const produce = counter();
    await store.run('k1', 'fp-a', produce);
    const refused = store.run('k1', 'fp-b', produce);
    await expect(refused).rejects.toBeInstanceOf(HttpProblem);
    await expect(refused).rejects.toMatchObject({ status: 422 });
    expect(produce).toHaveBeenCalledTimes(1);
    // The original request is still remembered.
    await expect(store.run('k1', 'fp-a', produce)).resolves.toMatchObject({ replayed: true });
  });

  it('refuses a different request with 422 while the first is still running', async () => {
    const { store } = makeStore();
    const pending = deferred<Reply>();
    const first = store.run('k1', 'fp-a', () => pending.promise);
    const other = jest.fn(counter());
    await expect(store.run('k1', 'fp-b', other)).rejects.toMatchObject({ status: 422 });
    expect(other).not.toHaveBeenCalled();
    pending.resolve({ status: 200, contentType: 'application/json', body: '{}' });
    await first;
  });

  it.each([503, 400, 302, 199])('does not remember a reply with status %i', async (status) => {
    const { store } = makeStore();
    const produce = counter(status);
    const first = await store.run('k1', 'fp', produce);
    expect(first).toEqual(expect.objectContaining({ replayed: false }));
    expect(first.reply.status).toBe(status);
    const second = await store.run('k1', 'fp', produce);
    expect(produce).toHaveBeenCalledTimes(2);
    expect(second.replayed).toBe(false);
    expect(second.reply.body).toBe('{"run":2}');
    expect(store.size).toBe(0);
  });

  it('remembers any 2xx reply, e.g. 207', async () => {
    const { store } = makeStore();
    const produce = counter(207);
    await store.run('k1', 'fp', produce);
    await expect(store.run('k1', 'fp', produce)).resolves.toMatchObject({ replayed: true });
    expect(produce).toHaveBeenCalledTimes(1);
  });

  it('does not remember a produce that rejected: the error propagates and a retry runs again', async () => {
    const { store } = makeStore();
    const boom = new Error('kafka down');
    const failing = jest.fn(async (): Promise<Reply> => {
      throw boom;
    });
    await expect(store.run('k1', 'fp', failing)).rejects.toBe(boom);
    expect(store.size).toBe(0);

    const produce = counter();
    // Even a different fingerprint is allowed now: nothing was remembered.
    await expect(store.run('k1', 'other-fp', produce)).resolves.toMatchObject({
      replayed: false,
    });
    expect(produce).toHaveBeenCalledTimes(1);
  });

  it('forgets a key once ttlMs has passed', async () => {
    const { store, clock } = makeStore();
    const produce = counter();
    await store.run('k1', 'fp', produce);

    clock.now += TTL_MS - 1;
    await expect(store.run('k1', 'fp', produce)).resolves.toMatchObject({ replayed: true });
    expect(produce).toHaveBeenCalledTimes(1);

    clock.now += 1;
    const later = await store.run('k1', 'fp', produce);
    expect(later.replayed).toBe(false);
    expect(later.reply.body).toBe('{"run":2}');
    expect(produce).toHaveBeenCalledTimes(2);
  });

  it('accepts a different request for an expired key instead of answering 422', async () => {
    const { store, clock } = makeStore();
    await store.run('k1', 'fp-a', counter());
    clock.now += TTL_MS;
    const produce = counter();
    await expect(store.run('k1', 'fp-b', produce)).resolves.toMatchObject({ replayed: false });
    expect(produce).toHaveBeenCalledTimes(1);
  });

  it('drops expired entries of other keys as time passes', async () => {
    const { store, clock } = makeStore();
    await store.run('k1', 'fp', counter());
    clock.now += 500;
    await store.run('k2', 'fp', counter());
    expect(store.size).toBe(2);
    clock.now += 500; // k1 expires now, k2 has 500 ms left
    await store.run('k3', 'fp', counter());
    expect(store.size).toBe(2);
    await expect(store.run('k2', 'fp', counter())).resolves.toMatchObject({ replayed: true });
  });

  it('evicts the oldest key beyond maxKeys', async () => {
    const { store } = makeStore(3);
    const produce = counter();
    for (const key of ['k1', 'k2', 'k3', 'k4']) await store.run(key, 'fp', produce);
    expect(store.size).toBe(3);
    expect(produce).toHaveBeenCalledTimes(4);

    for (const key of ['k2', 'k3', 'k4']) {
      await expect(store.run(key, 'fp', produce)).resolves.toMatchObject({ replayed: true });
    }
    expect(produce).toHaveBeenCalledTimes(4);
    await expect(store.run('k1', 'fp', produce)).resolves.toMatchObject({ replayed: false });
    expect(produce).toHaveBeenCalledTimes(5);
    expect(store.size).toBe(3);
  });
});

describe('idempotencyKeyOf', () => {
  function fakeRequest(headers: Record<string, string>): Request {
    const lower = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
    return { get: (name: string) => lower[name.toLowerCase()] } as unknown as Request;
  }

  function statusOf(fn: () => unknown): number | undefined {
    try {
      fn();
    } catch (error) {
      return error instanceof HttpProblem ? error.status : -1;
    }
    return undefined;
  }

  it('is undefined when the request has no Idempotency-Key', () => {
    expect(idempotencyKeyOf(fakeRequest({ 'Content-Type': 'application/json' }))).toBeUndefined();
  });

  it.each([
    ['a UUID', '5f0c3e0e-8d4b-4c4e-9d0a-1f2e3d4c5b6a'],
    ['visible ASCII punctuation', 'a!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~z'],
    ['one character', 'x'],
    ['255 characters', 'k'.repeat(255)],
  ])('returns %s as it is', (_what, key) => {
    expect(idempotencyKeyOf(fakeRequest({ 'Idempotency-Key': key }))).toBe(key);
  });

  it.each([
    ['an empty key', ''],
    ['a key with a space', 'my key'],
    ['a key with a tab', 'my\tkey'],
    ['a key of 256 characters', 'k'.repeat(256)],
    ['a non-ASCII key', 'clé'],
  ])('refuses %s with 400', (_what, key) => {
    expect(statusOf(() => idempotencyKeyOf(fakeRequest({ 'Idempotency-Key': key })))).toBe(400);
  });
});
