// The SSE stream's rule, on its own: a message counts as delivered only once the write of its
// event went through. A write still under way, a write that failed, a socket that failed under
// it, or a client that left before it went through: none of them makes the message committable.
import { Writable } from 'node:stream';
import type { Lease } from '../../src/delivery/delivery-buffer';
import { StreamWrites } from '../../src/http/delivery';

/** A stream whose writes go through (or fail) only when the test says so. */
class HeldWrites extends Writable {
  readonly waiting: ((error?: Error) => void)[] = [];

  constructor() {
    super({ highWaterMark: 1 });
  }

  override _write(_chunk: unknown, _encoding: string, done: (error?: Error) => void): void {
    this.waiting.push(done);
  }

  /** Lets the oldest write through, or fails it. */
  finishNext(error?: Error): void {
    const done = this.waiting.shift();
    if (!done) throw new Error('no write is waiting');
    done(error);
  }
}

function lease(offset: number) {
  const settled: string[] = [];
  const value: Lease = {
    message: {
      topic: 't',
      partition: 0,
      offset: String(offset),
      key: null,
      value: null,
      headers: {},
      timestamp: '0',
    },
    complete: () => settled.push('complete'),
    abandon: () => settled.push('abandon'),
  };
  return { lease: value, settled };
}

/** Lets the callbacks of finished writes run. */
const callbacks = () => new Promise((resolve) => setImmediate(resolve));

describe('StreamWrites', () => {
  it('makes a message committable only once its write went through, not when it was written', async () => {
    const stream = new HeldWrites();
    stream.on('error', () => undefined);
    const writes = new StreamWrites(stream);
    const first = lease(0);
    expect(writes.write('event 0', first.lease)).toBe(false);
    await callbacks();
    expect(first.settled).toEqual([]);
    stream.finishNext();
    await callbacks();
    expect(first.settled).toEqual(['complete']);
  });

  it('gives a message back when its write fails', async () => {
    const stream = new HeldWrites();
    stream.on('error', () => undefined);
    const writes = new StreamWrites(stream);
    const failed = lease(0);
    writes.write('event 0', failed.lease);
    stream.finishNext(new Error('EPIPE'));
    await callbacks();
    expect(failed.settled).toEqual(['abandon']);
  });

  it('gives a message back when the socket failed although the write reported none', async () => {
    const stream = new HeldWrites();
    let socketFailed = false;
    const writes = new StreamWrites(stream, () => socketFailed);
    const message = lease(0);
    writes.write('event 0', message.lease);
    socketFailed = true;
    stream.finishNext();
    await callbacks();
    expect(message.settled).toEqual(['abandon']);
  });

  it('gives back every message not yet through when the client leaves, and settles each once', async () => {
    const stream = new HeldWrites();
    const writes = new StreamWrites(stream);
    const through = lease(0);
    const underWay = [lease(1), lease(2)];
    writes.write('event 0', through.lease);
    for (const { lease: l } of underWay) writes.write('event', l);
    stream.finishNext();
    await callbacks();
    writes.abandonAll();
    // A write that goes through after the client left changes nothing.
    stream.finishNext();
    await callbacks();
    expect(through.settled).toEqual(['complete']);
    expect(underWay.map((u) => u.settled)).toEqual([['abandon'], ['abandon']]);
  });
});
