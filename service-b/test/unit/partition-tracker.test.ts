// The per-partition bookkeeping behind service-b's commits: the watermark only ever covers the
// contiguous run of delivered offsets.
import { offsetNumber, PartitionTracker } from '../../src/delivery/partition-tracker';

function trackerWith(...offsets: number[]): PartitionTracker {
  const tracker = new PartitionTracker();
  for (const offset of offsets) expect(tracker.receive(offset)).toBe(true);
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
    expect(tracker.receive(6)).toBe(false);
    expect(tracker.receive(5)).toBe(false);
    expect(tracker.receive(0)).toBe(false);
    expect(tracker.size).toBe(2);
    expect(tracker.receive(7)).toBe(true);
    expect(tracker.size).toBe(3);
  });

  it('refuses an offset already passed by the watermark', () => {
    const tracker = trackerWith(0, 1);
    expect(tracker.markDelivered(0)).toBe(1);
    expect(tracker.markDelivered(1)).toBe(2);
    expect(tracker.receive(1)).toBe(false);
    expect(tracker.size).toBe(0);
  });

  it('advances the watermark to the next offset to read as offsets are delivered in order', () => {
    const tracker = trackerWith(0, 1, 2);
    expect(tracker.markDelivered(0)).toBe(1);
    expect(tracker.commitPosition()).toBe(1n);
    expect(tracker.size).toBe(2);
    expect(tracker.markDelivered(1)).toBe(2);
    expect(tracker.markDelivered(2)).toBe(3);
    expect(tracker.commitPosition()).toBe(3n);
    expect(tracker.size).toBe(0);
  });

  it('does not move the watermark past an undelivered offset', () => {
    const tracker = trackerWith(0, 1, 2, 3);
    expect(tracker.markDelivered(2)).toBeUndefined();
    expect(tracker.markDelivered(3)).toBeUndefined();
    expect(tracker.commitPosition()).toBeUndefined();
    expect(tracker.size).toBe(4);
    expect(tracker.markDelivered(1)).toBeUndefined();
    expect(tracker.commitPosition()).toBeUndefined();
    // Completing the first closes the gap: the watermark jumps over the whole delivered run.
    expect(tracker.markDelivered(0)).toBe(4);
    expect(tracker.commitPosition()).toBe(4n);
    expect(tracker.size).toBe(0);
  });

  it('advances only as far as the contiguous run after out-of-order completion', () => {
    const tracker = trackerWith(10, 11, 12, 13);
    expect(tracker.markDelivered(11)).toBeUndefined();
    expect(tracker.markDelivered(13)).toBeUndefined();
    expect(tracker.markDelivered(10)).toBe(12);
    expect(tracker.size).toBe(2);
    expect(tracker.markDelivered(12)).toBe(14);
  });

  it('treats gaps in the offsets (compacted topics) as contiguous', () => {
    const tracker = trackerWith(0, 1, 5, 6);
    expect(tracker.markDelivered(0)).toBe(1);
    expect(tracker.markDelivered(1)).toBe(2);
    expect(tracker.markDelivered(6)).toBeUndefined();
    expect(tracker.commitPosition()).toBe(2n);
    expect(tracker.markDelivered(5)).toBe(7);
    expect(tracker.size).toBe(0);
  });

  it('ignores offsets never received and offsets delivered twice', () => {
    const tracker = trackerWith(0, 2);
    expect(tracker.markDelivered(1)).toBeUndefined();
    expect(tracker.markDelivered(3)).toBeUndefined();
    expect(tracker.markDelivered(2)).toBeUndefined();
    expect(tracker.markDelivered(2)).toBeUndefined();
    expect(tracker.size).toBe(2);
    expect(tracker.markDelivered(0)).toBe(3);
    expect(tracker.markDelivered(0)).toBeUndefined();
    expect(tracker.commitPosition()).toBe(3n);
  });

  it('takes offsets up to 2^53 exactly, and refuses larger ones rather than round them', () => {
    const top = Number.MAX_SAFE_INTEGER - 1;
    const tracker = trackerWith(top - 1, top);
    expect(tracker.markDelivered(top - 1)).toBe(top);
    expect(tracker.markDelivered(top)).toBe(top + 1);
    expect(tracker.commitPosition()).toBe(BigInt(top) + 1n);
    expect(offsetNumber(String(top))).toBe(top);
    expect(() => offsetNumber('9007199254740993')).toThrow(RangeError);
    expect(() => offsetNumber('-1')).toThrow(RangeError);
    expect(() => offsetNumber('')).toThrow(RangeError);
  });

  it('stays correct over many offsets (past its internal compaction)', () => {
    const tracker = new PartitionTracker();
    const count = 5000;
    for (let i = 0; i < count; i++) tracker.receive(i);
    // Deliver all but offset 3000, then 3000 last.
    for (let i = 0; i < count; i++) {
      if (i === 3000) continue;
      const position = tracker.markDelivered(i);
      expect(position).toBe(i < 3000 ? i + 1 : undefined);
    }
    expect(tracker.size).toBe(count - 3000);
    expect(tracker.commitPosition()).toBe(3000n);
    expect(tracker.markDelivered(3000)).toBe(count);
    expect(tracker.size).toBe(0);
    expect(tracker.receive(count)).toBe(true);
    expect(tracker.markDelivered(count)).toBe(count + 1);
  });
});
