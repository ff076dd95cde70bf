// Bookkeeping for fault-injection tests: which messages were expected, which were delivered and
// how often, and the report every such test prints (lost and duplicate counts).
export class DeliveryLedger {
  private readonly expected = new Set<string>();
  private readonly counts = new Map<string, number>();
  /** First deliveries in the order they happened, per partition: [partition, offset]. */
  readonly firstDeliveries = new Map<number, number[]>();

  expect(value: string): void {
    this.expected.add(value);
  }

  deliver(value: string, partition?: number, offset?: number): void {
    const count = this.counts.get(value) ?? 0;
    this.counts.set(value, count + 1);
    if (count === 0 && partition !== undefined && offset !== undefined) {
      const list = this.firstDeliveries.get(partition) ?? [];
      list.push(offset);
      this.firstDeliveries.set(partition, list);
    }
  }

  get distinctDelivered(): number {
    return this.counts.size;
  }

  has(value: string): boolean {
    return this.counts.has(value);
  }

  allDelivered(): boolean {
    for (const value of this.expected) if (!this.counts.has(value)) return false;
    return true;
  }

  lost(): string[] {
    return [...this.expected].filter((value) => !this.counts.has(value));
  }

  duplicates(): number {
    let extra = 0;
    for (const count of this.counts.values()) extra += count - 1;
    return extra;
  }

  /** Partitions whose first deliveries did not come in offset order. */
  outOfOrderPartitions(): number[] {
    const bad: number[] = [];
    for (const [partition, offsets] of this.firstDeliveries) {
      if (offsets.some((offset, i) => i > 0 && offset < (offsets[i - 1] ?? -1)))
        bad.push(partition);
    }
    return bad;
  }

  /**
   * Waits for `delivery` (a wait for every message); when it fails, at its deadline or otherwise,
   * the report and the first lost messages are printed before the failure goes on, so a test that
   * loses messages shows its ledger.
   */
  async settle<T>(name: string, delivery: Promise<T>): Promise<T> {
    try {
      return await delivery;
    } catch (error) {
      const lost = this.lost();
      this.report(`${name} (failed)`, `first lost: ${lost.slice(0, 20).join(', ') || 'none'}`);
      throw error;
    }
  }

  report(name: string, extra = ''): string {
    const line = `${name}: expected ${this.expected.size}, delivered ${this.distinctDelivered} distinct, lost ${this.lost().length}, duplicates ${this.duplicates()}${extra ? `, ${extra}` : ''}`;
    console.log(line);
    return line;
  }
}

interface WireMessage {
  partition: number;
  offset: string;
  value: unknown;
}

/** One batch GET against a service-b; undefined when the instance did not answer. */
export async function fetchBatch(
  url: string,
  { max = 50, waitMs = 500 } = {},
): Promise<WireMessage[] | undefined> {
  try {
    const res = await fetch(`${url}/api/messages/batch?max=${max}&waitMs=${waitMs}`);
    if (res.status !== 200) return [];
    return ((await res.json()) as { messages: WireMessage[] }).messages;
  } catch {
    return undefined;
  }
}
