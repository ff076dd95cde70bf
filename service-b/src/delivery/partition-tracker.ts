// Per-partition bookkeeping of what has been received and what has been delivered, so the commit
// watermark only ever covers the contiguous run of delivered offsets. Pure logic, no I/O.

interface Entry {
  offset: bigint;
  delivered: boolean;
}

export class PartitionTracker {
  /** Offsets received and not yet passed by the watermark, in ascending order. */
  private readonly entries: Entry[] = [];
  private head = 0;
  private lastReceived: bigint | undefined;
  private watermark: bigint | undefined;

  /** Number of offsets received but not yet below the commit watermark. */
  get size(): number {
    return this.entries.length - this.head;
  }

  /**
   * Records a newly fetched offset. Returns false for an offset at or below one already received:
   * KafkaJS fetches again from the committed offset after every rebalance, and those records are
   * already buffered or delivered.
   */
  receive(offset: bigint): boolean {
    if (this.lastReceived !== undefined && offset <= this.lastReceived) return false;
    this.lastReceived = offset;
    this.entries.push({ offset, delivered: false });
    return true;
  }

  /**
   * Marks an offset delivered. Returns the new commit position (the next offset to read) when the
   * contiguous delivered run grew, else undefined.
   */
  markDelivered(offset: bigint): bigint | undefined {
    const entry = this.find(offset);
    if (!entry || entry.delivered) return undefined;
    entry.delivered = true;
    let advanced = false;
    while (this.head < this.entries.length && this.entries[this.head]?.delivered) {
      this.watermark = (this.entries[this.head]?.offset ?? 0n) + 1n;
      this.head++;
      advanced = true;
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    return advanced ? this.watermark : undefined;
  }

  /** The next offset to read once everything before it was delivered; undefined until then. */
  commitPosition(): bigint | undefined {
    return this.watermark;
  }

  private find(offset: bigint): Entry | undefined {
    let low = this.head;
    let high = this.entries.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const entry = this.entries[mid];
      if (!entry) return undefined;
      if (entry.offset === offset) return entry;
      if (entry.offset < offset) low = mid + 1;
      else high = mid - 1;
    }
    return undefined;
  }
}
