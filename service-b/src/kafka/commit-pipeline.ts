// service-b's commits: what the buffer reports delivered goes to Kafka one commit at a time, later
// requests coalesced into the next, failures retried while the partition stays assigned. A moved
// position (a replay) is committed through the same loop even below the committed offset, so an
// older commit still in flight cannot land after it and undo the move.
// KafkaJS's commitOffsets() returns quietly without committing when the consumer is not running:
// a commit counts only once KafkaJS reports it (its COMMIT_OFFSETS event, passed to confirmed()).
import type { Logger } from '@kafka-http/common';

export interface CommitOffset {
  topic: string;
  partition: number;
  offset: string;
}

export interface CommitPipelineOptions {
  topic: string;
  /** Sends one commit; KafkaJS's commitOffsets. */
  commit: (offsets: CommitOffset[]) => Promise<void>;
  /** The next offset to read of each partition whose delivered run has one (the buffer's). */
  positions: () => Map<number, bigint>;
  /** The partitions assigned to this consumer now. */
  assigned: () => readonly number[];
  logger: Logger;
  /** Wait before trying a failed commit again. */
  retryMs?: number;
}

/** One partition's offset to commit, and the move it commits, if any. */
interface PendingCommit extends CommitOffset {
  forced?: ForcedCommit;
}

/** A commit of a moved position, waited for by force(). */
interface ForcedCommit {
  offset: bigint;
  deadline: number;
  settle(committed: boolean): void;
}

export class CommitPipeline {
  /** Highest offset KafkaJS confirmed committed, per partition. */
  private readonly committed = new Map<number, bigint>();
  /** Moved positions to commit whatever the committed offset is, per partition. */
  private readonly forced = new Map<number, ForcedCommit>();
  private runningLoop: Promise<void> | undefined;
  private again = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private committedMessages = 0;

  constructor(private readonly options: CommitPipelineOptions) {}

  /** Commits the current positions: now, or right after the commit in flight. */
  request(): void {
    if (this.runningLoop) {
      this.again = true;
      return;
    }
    this.runningLoop = this.loop().finally(() => {
      this.runningLoop = undefined;
    });
  }

  /** The commit in flight, if any. */
  get running(): Promise<void> | undefined {
    return this.runningLoop;
  }

  /** Whether some position is not committed yet. */
  hasPending(): boolean {
    return this.pending().length > 0;
  }

  /** KafkaJS reported a commit of `offset` (the next offset to read) for `partition`. */
  confirmed(partition: number, offset: bigint): void {
    const previous = this.committed.get(partition);
    if (previous !== undefined && offset > previous) {
      this.committedMessages += Number(offset - previous);
    }
    this.committed.set(partition, offset);
  }

  /**
   * Commits `offset` for `partition` even below the committed offset. Resolves true once KafkaJS
   * confirmed exactly that commit, false when a later move replaced it, a rejoin dropped it, or
   * `deadlineMs` passed.
   */
  force(partition: number, offset: bigint, deadlineMs: number): Promise<boolean> {
    this.settleForced(partition, false);
    const committed = new Promise<boolean>((settle) => {
      this.forced.set(partition, { offset, deadline: Date.now() + deadlineMs, settle });
    });
    this.request();
    return committed;
  }

  /**
   * The group was joined. As a new member (evicted, or restarted) nothing confirmed before counts;
   * partitions no longer assigned are forgotten; a move whose commit has not landed is not
   * confirmed: after a rejoin KafkaJS fetches from the committed offset, and a late commit of the
   * move would disagree with what is being fetched.
   */
  joined(assigned: readonly number[], asNewMember: boolean): void {
    if (asNewMember) this.committed.clear();
    for (const partition of [...this.committed.keys()]) {
      if (!assigned.includes(partition)) this.committed.delete(partition);
    }
    for (const partition of [...this.forced.keys()]) this.settleForced(partition, false);
  }

  /** No more retries; moves still waiting are not confirmed. */
  stop(): void {
    this.stopped = true;
    for (const partition of [...this.forced.keys()]) this.settleForced(partition, false);
    clearTimeout(this.retryTimer);
  }

  committedOffset(partition: number): bigint | undefined {
    return this.committed.get(partition);
  }

  /** Offsets KafkaJS confirmed committed, as decimal strings. */
  committedOffsets(): Record<number, string> {
    return Object.fromEntries([...this.committed].map(([p, o]) => [p, o.toString()]));
  }

  /** Messages whose commit KafkaJS confirmed, since start. */
  get committedCount(): number {
    return this.committedMessages;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      this.expireForced();
      const pending = this.pending();
      if (pending.length === 0) return;
      try {
        await this.options.commit(
          pending.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
        );
        this.confirmForced(pending);
      } catch (error) {
        this.options.logger.warn({ err: error, pending }, 'commit failed; will retry');
      }
      if (this.pending().length > 0 && !this.again) this.scheduleRetry();
    } while (this.again);
  }

  private pending(): PendingCommit[] {
    const { topic } = this.options;
    const pending: PendingCommit[] = [];
    const positions = this.options.positions();
    for (const partition of this.options.assigned()) {
      const position = positions.get(partition);
      const forced = this.forced.get(partition);
      if (forced !== undefined) {
        // A moved position is committed even below the committed offset; deliveries since the
        // move (same epoch, so at or after it) may already have advanced it.
        const offset =
          position !== undefined && position > forced.offset ? position : forced.offset;
        pending.push({ topic, partition, offset: offset.toString(), forced });
        continue;
      }
      if (position === undefined) continue;
      if ((this.committed.get(partition) ?? -1n) >= position) continue;
      pending.push({ topic, partition, offset: position.toString() });
    }
    return pending;
  }

  private confirmForced(sent: PendingCommit[]): void {
    for (const { partition, offset, forced } of sent) {
      // Only the commit computed from this very move confirms it: a commit sent before the move
      // (of the old position) may land after it, and must not be taken for the move's commit.
      if (forced === undefined || this.forced.get(partition) !== forced) continue;
      if (this.committed.get(partition) === BigInt(offset)) this.settleForced(partition, true);
    }
  }

  private expireForced(): void {
    const now = Date.now();
    for (const [partition, forced] of [...this.forced]) {
      if (forced.deadline < now) this.settleForced(partition, false);
    }
  }

  private settleForced(partition: number, committed: boolean): void {
    const forced = this.forced.get(partition);
    if (!forced) return;
    this.forced.delete(partition);
    forced.settle(committed);
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.request();
    }, this.options.retryMs ?? 1000);
    this.retryTimer.unref();
  }
}
