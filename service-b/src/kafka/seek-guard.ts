// The guard for replay seeks KafkaJS has not applied. KafkaJS keeps a pending seek across
// rebalances and applies it whenever the partition is assigned again, possibly long after, and
// possibly after another replica moved the partition elsewhere. So a partition with such a seek
// is held (paused) when it is assigned again, sought to where the group resumes it (its committed
// offset, or the earliest one), and let go; retried until done, or until a later join or a stop
// takes over.
import type { Consumer } from 'kafkajs';
import type { Logger } from '@kafka-http/common';

export interface SeekGuardOptions {
  topic: string;
  consumer: Pick<Consumer, 'pause' | 'resume' | 'seek'>;
  /** Where the group resumes a partition; without it nothing is guarded. */
  startingOffset?: (partition: number) => Promise<bigint>;
  /** Whether a hold taken at join `join` still stands: no later join, no stop, still owned. */
  isCurrent: (partition: number, join: number) => boolean;
  /** Whether nothing else (a full buffer, an undecodable batch) keeps the partition paused. */
  mayResume: (partition: number) => boolean;
  logger: Logger;
  retryMs: number;
}

export class SeekGuard {
  /** Partitions with a replay seek KafkaJS may not have applied yet. */
  private readonly unapplied = new Set<number>();
  /** Partitions paused until such a seek is overridden by one to where the group resumes. */
  private readonly held = new Set<number>();

  constructor(private readonly options: SeekGuardOptions) {}

  /** A replay seek was just asked of KafkaJS. */
  sought(partition: number): void {
    this.unapplied.add(partition);
  }

  /** A batch that is not stale was fetched: KafkaJS applied every seek of the partition before. */
  fetched(partition: number): void {
    this.unapplied.delete(partition);
  }

  isHeld(partition: number): boolean {
    return this.held.has(partition);
  }

  heldPartitions(): number[] {
    return [...this.held];
  }

  /** Called while joining (join number `join`), before KafkaJS fetches. */
  joined(assigned: readonly number[], join: number): void {
    for (const partition of this.unapplied) {
      if (assigned.includes(partition)) this.holdAndRewind(partition, join);
    }
  }

  private holdAndRewind(partition: number, join: number): void {
    const { topic, consumer, startingOffset, logger } = this.options;
    if (!startingOffset) return;
    this.held.add(partition);
    consumer.pause([{ topic, partitions: [partition] }]);
    const current = () => this.options.isCurrent(partition, join);
    const attempt = async (): Promise<void> => {
      while (current()) {
        try {
          const offset = await startingOffset(partition);
          if (!current()) return;
          consumer.seek({ topic, partition, offset: offset.toString() });
          this.unapplied.delete(partition);
          this.held.delete(partition);
          if (this.options.mayResume(partition))
            consumer.resume([{ topic, partitions: [partition] }]);
          logger.info(
            { partition, offset: offset.toString() },
            'replaced a replay seek KafkaJS had not applied before the rebalance',
          );
          return;
        } catch (error) {
          logger.warn(
            { err: error, partition },
            'reading where the group resumes failed; retrying',
          );
          await new Promise((resolve) => setTimeout(resolve, this.options.retryMs));
        }
      }
    };
    void attempt().finally(() => {
      // A later join holds the partition again if it needs to; a stop needs nothing.
      if (!current()) this.held.delete(partition);
    });
  }
}
