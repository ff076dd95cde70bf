// Per-partition bookkeeping of what has been received and what has been delivered, so the commit
// watermark only ever covers the contiguous run of delivered offsets. Pure logic, no I/O.
//
// This runs twice for every record (once fetched, once delivered), so it keeps two flat arrays
// instead of an object per offset, and offsets as numbers rather than bigints: exact up to 2^53,
// which a partition written at ten million records a second reaches in about 28 years.

/** A record's offset (a decimal string, as KafkaJS gives it) as a number. */
export function offsetNumber(offset: string): number {
  const value = Number(offset);
  if (offset.length === 0 || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`offset ${offset} is not an integer between 0 and 2^53`);
  }
  return value;
}

export class PartitionTracker {
  /** Offsets received and not yet passed by the watermark, ascending, from `head` on. */
  private offsets: number[] = [];
  /** Whether the offset at the same index was delivered. */
  private delivered: boolean[] = [];
  private head = 0;
  private lastReceived = -1;
  private watermark = -1;

  /** Number of offsets received but not yet below the commit watermark. */
  get size(): number {
    return this.offsets.length - this.head;
  }

  /**
   * Records a newly fetched offset. Returns false for an offset at or below one already received:
   * KafkaJS fetches again from the committed offset after every rebalance, and those records are
   * already buffered or delivered.
   */
  receive(offset: number): boolean {
    if (offset <= this.lastReceived) return false;
    this.lastReceived = offset;
    this.offsets.push(offset);
    this.delivered.push(false);
    return true;
  }

  /**
   * Marks an offset delivered. Returns the new commit position (the next offset to read) when the
   * contiguous delivered run grew, else undefined.
   */
  markDelivered(offset: number): number | undefined {
    const index = this.indexOf(offset);
    if (index < 0 || this.delivered[index]) return undefined;
    this.delivered[index] = true;
    if (index !== this.head) return undefined;
    const { offsets, delivered } = this;
    let head = this.head;
    while (head < offsets.length && delivered[head]) head++;
    this.watermark = (offsets[head - 1] as number) + 1;
    this.head = head;
    if (head > 1024 && head * 2 > offsets.length) {
      this.offsets = offsets.slice(head);
      this.delivered = delivered.slice(head);
      this.head = 0;
    }
    return this.watermark;
  }

  /** The next offset to read once everything before it was delivered; undefined until then. */
  commitPosition(): bigint | undefined {
    return this.watermark < 0 ? undefined : BigInt(this.watermark);
  }

  private indexOf(offset: number): number {
    const { offsets } = this;
    let low = this.head;
    let high = offsets.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const found = offsets[mid] as number;
      if (found === offset) return mid;
      if (found < offset) low = mid + 1;
      else high = mid - 1;
    }
    return -1;
  }
}
