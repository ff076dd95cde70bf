// The per-partition bookkeeping behind service-b's commits: the watermark only ever covers the
// contiguous run of delivered offsets.
import { PartitionTracker } from '../../src/delivery/partition-tracker';

function trackerWith(...offsets: number[]): PartitionTracker {
  const tracker = new PartitionTracker();
  for (const offset of offsets) expect(tracker.receive(BigInt(offset))).toBe(true);
  return tracker;
}

describe('PartitionTracker', () => {
  it('starts empty with no commit position', () => {
    const tracker = new PartitionTracker();
    expect(tracker.size).toBe(0);
    expect(tracker.commitPosition()).toBeUndefined();
  });

  it('refuses duplicate and older offsets', () => {
    const tracker = trackerWith(5, 6);
    expect(tracker.receive(6n)).toBe(false);
    expect(tracker.receive(5n)).toBe(false);
    expect(tracker.receive(0n)).toBe(false);
    expect(tracker.size).toBe(2);
    expect(tracker.receive(7n)).toBe(true);
    expect(tracker.size).toBe(3);
  });

  it('refuses an offset already passed by the watermark', () => {
    const tracker = trackerWith(0, 1);
    expect(tracker.markDelivered(0n)).toBe(1n);
    expect(tracker.markDelivered(1n)).toBe(2n);
    expect(tracker.receive(1n)).toBe(false);
    expect(tracker.size).toBe(0);
  });

  it('advances the watermark to the next offset to read as offsets are delivered in order', () => {
    const tracker = trackerWith(0, 1, 2);
    expect(tracker.markDelivered(0n)).toBe(1n);
    expect(tracker.commitPosition()).toBe(1n);
    expect(tracker.size).toBe(2);
    expect(tracker.markDelivered(1n)).toBe(2n);
    expect(tracker.markDelivered(2n)).toBe(3n);
    expect(tracker.commitPosition()).toBe(3n);
    expect(tracker.size).toBe(0);
  });

  it('does not move the watermark past an undelivered offset', () => {
    const tracker = trackerWith(0, 1, 2, 3);
    expect(tracker.markDelivered(2n)).toBeUndefined();
    expect(tracker.markDelivered(3n)).toBeUndefined();
    expect(tracker.commitPosition()).toBeUndefined();
    expect(tracker.size).toBe(4);
    expect(tracker.markDelivered(1n)).toBeUndefined();
    expect(tracker.commitPosition()).toBeUndefined();
    // Completing the first closes the gap: the watermark jumps over the whole delivered run.
    expect(tracker.markDelivered(0n)).toBe(4n);
    expect(tracker.commitPosition()).toBe(4n);
    expect(tracker.size).toBe(0);
  });

  it('advances only as far as the contiguous run after out-of-order completion', () => {
    const tracker = trackerWith(10, 11, 12, 13);
    expect(tracker.markDelivered(11n)).toBeUndefined();
    expect(tracker.markDelivered(13n)).toBeUndefined();
    expect(tracker.markDelivered(10n)).toBe(12n);
    expect(tracker.size).toBe(2);
    expect(tracker.markDelivered(12n)).toBe(14n);
  });

  it('treats gaps in the offsets (compacted topics) as contiguous', () => {
    const tracker = trackerWith(0, 1, 5, 6);
    expect(tracker.markDelivered(0n)).toBe(1n);
    expect(tracker.markDelivered(1n)).toBe(2n);
    expect(tracker.markDelivered(6n)).toBeUndefined();
    expect(tracker.commitPosition()).toBe(2n);
    expect(tracker.markDelivered(5n)).toBe(7n);
    expect(tracker.size).toBe(0);
  });

  it('ignores offsets never received and offsets delivered twice', () => {
    const tracker = trackerWith(0, 2);
    expect(tracker.markDelivered(1n)).toBeUndefined();
    expect(tracker.markDelivered(3n)).toBeUndefined();
    expect(tracker.markDelivered(2n)).toBeUndefined();
    expect(tracker.markDelivered(2n)).toBeUndefined();
    expect(tracker.size).toBe(2);
    expect(tracker.markDelivered(0n)).toBe(3n);
    expect(tracker.markDelivered(0n)).toBeUndefined();
    expect(tracker.commitPosition()).toBe(3n);
  });

  it('handles 64-bit offsets beyond double precision', () => {
    const base = 2n ** 62n + 1n;
    const tracker = new PartitionTracker();
    expect(tracker.receive(base)).toBe(true);
    expect(tracker.receive(base + 1n)).toBe(true);
    expect(tracker.markDelivered(base)).toBe(base + 1n);
    expect(tracker.markDelivered(base + 1n)).toBe(base + 2n);
  });

  it('stays correct over many offsets (past its internal compaction)', () => {
    const tracker = new PartitionTracker();
    const count = 5000;
    for (let i = 0; i < count; i++) tracker.receive(BigInt(i));
    // Deliver all but offset 3000, then 3000 last.
    for (let i = 0; i < count; i++) {
      if (i === 3000) continue;
      const position = tracker.markDelivered(BigInt(i));
      expect(position).toBe(i < 3000 ? BigInt(i + 1) : undefined);
    }
    expect(tracker.size).toBe(count - 3000);
    expect(tracker.commitPosition()).toBe(3000n);
    expect(tracker.markDelivered(3000n)).toBe(BigInt(count));
    expect(tracker.size).toBe(0);
    expect(tracker.receive(BigInt(count))).toBe(true);
    expect(tracker.markDelivered(BigInt(count))).toBe(BigInt(count + 1));
  });
});
