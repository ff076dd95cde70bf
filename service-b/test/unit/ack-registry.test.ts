// Manual acknowledgement bookkeeping: receipts, deadlines and what each settlement does to the
// lease behind it. The leases are fakes that only record what was done to them.
import { AckRegistry } from '../../src/delivery/ack-registry';
import type { BufferedMessage, Lease } from '../../src/delivery/delivery-buffer';

interface FakeLease extends Lease {
  complete: jest.Mock;
  abandon: jest.Mock;
}

function fakeLease(offset = 0): FakeLease {
  const message: BufferedMessage = {
    topic: 'message-topic',
    partition: 0,
    offset: String(offset),
    key: null,
    value: Buffer.from(`value ${offset}`),
    headers: {},
    timestamp: '1700000000000',
  };
  return {
    message,
    complete: jest.fn((): void => undefined),
    abandon: jest.fn((): void => undefined),
  };
}

const START = new Date('2024-05-01T12:00:00.000Z');

beforeEach(() => {
  jest.useFakeTimers({ now: START });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('AckRegistry.hold', () => {
  it('issues a receipt prefixed with the instance id and a deadline of now + visibilityMs', () => {
    const acks = new AckRegistry('b-1234');
    const { receipt, visibleUntil } = acks.hold(fakeLease(), 30_000);
    expect(receipt).toMatch(/^b-1234\.[A-Za-z0-9_-]+$/);
    expect(receipt.length).toBeGreaterThan('b-1234.'.length + 8);
    expect(visibleUntil).toBeInstanceOf(Date);
    expect(visibleUntil.getTime()).toBe(START.getTime() + 30_000);
    expect(acks.size).toBe(1);
  });

  it('issues a different receipt for every hold', () => {
    const acks = new AckRegistry('b-1');
    const receipts = new Set(
      Array.from({ length: 50 }, (_, i) => acks.hold(fakeLease(i), 1000).receipt),
    );
    expect(receipts.size).toBe(50);
    expect(acks.size).toBe(50);
  });

  it('neither completes nor abandons the lease while it is held', () => {
    const acks = new AckRegistry('b-1');
    const lease = fakeLease();
    acks.hold(lease, 5000);
    jest.advanceTimersByTime(4999);
    expect(lease.complete).not.toHaveBeenCalled();
    expect(lease.abandon).not.toHaveBeenCalled();
    expect(acks.size).toBe(1);
  });
});

describe('AckRegistry.ack and nack', () => {
  it('ack completes the lease once and answers acked; a second ack answers unknown', () => {
    const acks = new AckRegistry('b-1');
    const lease = fakeLease();
    const { receipt } = acks.hold(lease, 30_000);
    expect(acks.ack(receipt)).toBe('acked');
    expect(lease.complete).toHaveBeenCalledTimes(1);
    expect(lease.abandon).not.toHaveBeenCalled();
    expect(acks.size).toBe(0);

    expect(acks.ack(receipt)).toBe('unknown');
    expect(acks.nack(receipt)).toBe('unknown');
    expect(lease.complete).toHaveBeenCalledTimes(1);
    expect(lease.abandon).not.toHaveBeenCalled();
  });

  it('an acked message is not abandoned when its old deadline passes', () => {
    const acks = new AckRegistry('b-1');
    const lease = fakeLease();
    const { receipt } = acks.hold(lease, 1000);
    acks.ack(receipt);
    jest.advanceTimersByTime(10_000);
    expect(lease.abandon).not.toHaveBeenCalled();
    expect(acks.ack(receipt)).toBe('unknown');
  });

  it('nack abandons the lease and answers nacked', () => {
    const acks = new AckRegistry('b-1');
    const lease = fakeLease();
    const { receipt } = acks.hold(lease, 30_000);
    expect(acks.nack(receipt)).toBe('nacked');
    expect(lease.abandon).toHaveBeenCalledTimes(1);
    expect(lease.complete).not.toHaveBeenCalled();
    expect(acks.size).toBe(0);
    // Settled: neither a later ack nor the deadline touches it again.
    expect(acks.ack(receipt)).toBe('unknown');
    jest.advanceTimersByTime(60_000);
    expect(lease.abandon).toHaveBeenCalledTimes(1);
    expect(lease.complete).not.toHaveBeenCalled();
  });

  it('settles only the lease its receipt names', () => {
    const acks = new AckRegistry('b-1');
    const first = fakeLease(0);
    const second = fakeLease(1);
    const r1 = acks.hold(first, 30_000).receipt;
    const r2 = acks.hold(second, 30_000).receipt;
    expect(acks.ack(r2)).toBe('acked');
    expect(second.complete).toHaveBeenCalledTimes(1);
    expect(first.complete).not.toHaveBeenCalled();
    expect(acks.size).toBe(1);
    expect(acks.nack(r1)).toBe('nacked');
    expect(first.abandon).toHaveBeenCalledTimes(1);
    expect(second.abandon).not.toHaveBeenCalled();
  });
});

describe('AckRegistry deadlines', () => {
  it('abandons the lease when its deadline passes; a later ack answers expired', () => {
    const acks = new AckRegistry('b-1');
    const lease = fakeLease();
    const { receipt } = acks.hold(lease, 2000);
    jest.advanceTimersByTime(1999);
    expect(lease.abandon).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(lease.abandon).toHaveBeenCalledTimes(1);
    expect(lease.complete).not.toHaveBeenCalled();
    expect(acks.size).toBe(0);

    expect(acks.ack(receipt)).toBe('expired');
    expect(acks.nack(receipt)).toBe('expired');
    // Expired is final: the lease is not completed (it is being delivered again) nor re-abandoned.
    expect(lease.complete).not.toHaveBeenCalled();
    expect(lease.abandon).toHaveBeenCalledTimes(1);
  });

  it('keeps a separate deadline for each receipt', () => {
    const acks = new AckRegistry('b-1');
    const short = fakeLease(0);
    const long = fakeLease(1);
    acks.hold(short, 1000);
    const longReceipt = acks.hold(long, 5000).receipt;
    jest.advanceTimersByTime(1000);
    expect(short.abandon).toHaveBeenCalledTimes(1);
    expect(long.abandon).not.toHaveBeenCalled();
    expect(acks.ack(longReceipt)).toBe('acked');
    expect(long.complete).toHaveBeenCalledTimes(1);
  });

  it('does not keep the process alive for a deadline', () => {
    const acks = new AckRegistry('b-1');
    const setTimeoutSpy = jest.spyOn(global, 'setTimeout');
    acks.hold(fakeLease(), 1000);
    const timer = setTimeoutSpy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    setTimeoutSpy.mockRestore();
  });
});

describe('AckRegistry receipts it did not issue', () => {
  it('answers other-instance for a receipt with another prefix and touches nothing', () => {
    const acks = new AckRegistry('b-1');
    const lease = fakeLease();
    acks.hold(lease, 30_000);
    expect(acks.ack('b-2.AAAAAAAAAAAAAAAA')).toBe('other-instance');
    expect(acks.nack('b-2.AAAAAAAAAAAAAAAA')).toBe('other-instance');
    // The instance id must be the whole prefix, not just its start.
    expect(acks.ack('b-10.AAAAAAAAAAAAAAAA')).toBe('other-instance');
    expect(acks.ack('no-dot-at-all')).toBe('other-instance');
    expect(lease.complete).not.toHaveBeenCalled();
    expect(lease.abandon).not.toHaveBeenCalled();
    expect(acks.size).toBe(1);
  });

  it('answers unknown for a receipt with its own prefix that it never issued', () => {
    const acks = new AckRegistry('b-1');
    expect(acks.ack('b-1.never-issued')).toBe('unknown');
    expect(acks.nack('b-1.never-issued')).toBe('unknown');
  });
});

describe('AckRegistry.releaseAll', () => {
  it('abandons every held lease and forgets them', () => {
    const acks = new AckRegistry('b-1');
    const leases = [fakeLease(0), fakeLease(1), fakeLease(2)];
    const receipts = leases.map((lease) => acks.hold(lease, 30_000).receipt);
    const acked = receipts[1] as string;
    expect(acks.ack(acked)).toBe('acked');
    expect(acks.size).toBe(2);

    acks.releaseAll();
    expect(acks.size).toBe(0);
    expect(leases[0]?.abandon).toHaveBeenCalledTimes(1);
    expect(leases[2]?.abandon).toHaveBeenCalledTimes(1);
    // The acked one was settled already.
    expect(leases[1]?.abandon).not.toHaveBeenCalled();
    expect(leases[1]?.complete).toHaveBeenCalledTimes(1);

    // Their deadlines were cancelled, and their receipts are no longer held.
    jest.advanceTimersByTime(60_000);
    expect(leases.map((lease) => lease.abandon.mock.calls.length)).toEqual([1, 0, 1]);
    expect(acks.ack(receipts[0] as string)).toBe('unknown');
  });

  it('does nothing when nothing is held', () => {
    const acks = new AckRegistry('b-1');
    expect(() => acks.releaseAll()).not.toThrow();
    expect(acks.size).toBe(0);
  });
});
