// The KafkaJS consumer behind service-b. It only moves records into the DeliveryBuffer and commits
// what the buffer reports delivered; it never waits for HTTP inside its handler (that would starve
// heartbeats and get the consumer evicted from the group).
//
// KafkaJS edges handled here:
// - autoCommit is off: KafkaJS would otherwise commit records that are only buffered.
// - When the buffer is full the topic is paused. Batches KafkaJS already fetched are still taken
//   whole (discarding them made it fetch and decode most records several times); the next fetch
//   leaves the paused topic out, and fetching resumes from the last resolved offset.
// - After a rebalance KafkaJS re-fetches from the committed offset; the buffer drops offsets it
//   already holds, and drops partitions that were revoked.
// - Commits (and the commits of moved positions) go through CommitPipeline (./commit-pipeline.ts):
//   one at a time, confirmed only by KafkaJS's COMMIT_OFFSETS event.
// - Moving the group's position (replay) seeks, then commits the new offset even when it is below
//   the committed one.
// - A batch the client cannot decompress (unknown codec, corrupt bytes) arrives as placeholder
//   records (see common/src/compression.ts): that partition alone is paused at the batch and
//   reported until a replay moves it past the batch; nothing of it is resolved or skipped.
// - A crash KafkaJS will not restart from is fatal for the process (a supervisor restarts it),
//   never a live process with a dead consumer.
import { PartitionAssigners, type Consumer, type EachBatchPayload, type Kafka } from 'kafkajs';
import {
  ensureTopic,
  retryUntilStopped,
  undecodableBatch,
  type Logger,
  type SchemaResolver,
  type TopicSpec,
} from '@kafka-http/common';
import type { DeliveryBuffer } from '../delivery/delivery-buffer';
import { CommitPipeline } from './commit-pipeline';
import { SeekGuard } from './seek-guard';
import { RangeAssigner } from './range-assigner';
import { StallWatchdog } from './stall-watchdog';

export interface MessageSourceOptions {
  kafka: Kafka;
  topic: TopicSpec;
  groupId: string;
  buffer: DeliveryBuffer;
  logger: Logger;
  /** Called when the consumer died for good; the process should exit non-zero. */
  onFatal: (error: unknown) => void;
  /**
   * Longest a fetch waits on the broker when there is nothing new. Also how long KafkaJS sleeps
   * while every partition is paused, so it bounds how soon fetching resumes once there is room.
   */
  maxWaitTimeInMs?: number;
  sessionTimeoutMs?: number;
  /** Fetch sizes, rebalance timeout and heartbeat interval (KafkaJS's defaults when unset). */
  tuning?: ConsumerTuning;
  /**
   * Where the group resumes a partition: its committed offset, or the earliest one without a
   * commit. Used to undo a replay seek KafkaJS had not applied when the group rebalanced.
   */
  startingOffset?: (partition: number) => Promise<bigint>;
  /** No fetch-loop progress for this long while running is fatal (see StallWatchdog). */
  stallTimeoutMs?: number;
  /**
   * The schema registry: the schemas of a batch's Confluent-framed keys and values are fetched
   * before the batch is buffered, so rendering never waits on the registry.
   */
  schemas?: SchemaResolver;
}

export interface ConsumerTuning {
  minBytes?: number;
  maxBytes?: number;
  maxBytesPerPartition?: number;
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
}

/** A partition held at a record batch this client cannot decode. */
export interface BlockedPartition {
  partition: number;
  /** The first offset not delivered: where the partition stands. */
  offset: string;
  /** The undecodable batch's offsets; moving to lastOffset + 1 skips it. */
  batchFirstOffset: string;
  batchLastOffset: string;
  codec: string;
  reason: string;
  since: string;
}

export interface SourceStatus {
  /** The member id the group coordinator gave this consumer at its last join. */
  memberId: string | undefined;
  connected: boolean;
  joined: boolean;
  rebalancing: boolean;
  paused: boolean;
  assigned: number[];
  blocked: BlockedPartition[];
}

const RETRY_MS = 1000;

export class KafkaMessageSource {
  private readonly consumer: Consumer;
  private readonly topicName: string;
  private joined = false;
  private rebalancing = false;
  private connected = false;
  private paused = false;
  private stopped = false;
  private starting: Promise<void> | undefined;
  private assigned: number[] = [];
  private memberId: string | undefined;
  /** Replay seeks KafkaJS may not have applied yet (see SeekGuard). */
  private readonly seeks: SeekGuard;
  /** Partitions paused at a batch they cannot decode. */
  private readonly blocked = new Map<number, BlockedPartition>();
  private joins = 0;
  private readonly commits: CommitPipeline;
  private rebalances = 0;
  /** The partition's end offset as of its last fetch, for lag. */
  private readonly highWatermarks = new Map<number, bigint>();
  private readonly watchdog: StallWatchdog;

  constructor(private readonly options: MessageSourceOptions) {
    this.topicName = options.topic.topic;
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      // `range` first: the protocol Java and librdkafka consumers offer by default, so they can
      // share the group. KafkaJS's own comes second, for groups with older service-b members.
      partitionAssigners: [RangeAssigner, PartitionAssigners.roundRobin],
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 100,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval:
        options.tuning?.heartbeatIntervalMs ??
        Math.min(3000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
      rebalanceTimeout: options.tuning?.rebalanceTimeoutMs ?? 60_000,
      minBytes: options.tuning?.minBytes ?? 1,
      maxBytes: options.tuning?.maxBytes ?? 10 * 1024 * 1024,
      maxBytesPerPartition: options.tuning?.maxBytesPerPartition ?? 1024 * 1024,
      retry: {
        retries: 8,
        initialRetryTime: 300,
        maxRetryTime: 10_000,
        // No restart once stopping: KafkaJS would otherwise schedule one during a crash that
        // stop() cannot cancel, and the consumer would reconnect after the service stopped.
        restartOnFailure: async () => !this.stopped,
      },
    });
    const { consumer } = this;
    this.commits = new CommitPipeline({
      topic: this.topicName,
      commit: (offsets) => consumer.commitOffsets(offsets),
      positions: () => options.buffer.commitPositions(),
      assigned: () => this.assigned,
      logger: options.logger,
      retryMs: RETRY_MS,
    });
    this.seeks = new SeekGuard({
      topic: this.topicName,
      consumer,
      startingOffset: options.startingOffset,
      isCurrent: (partition, join) => join === this.joins && !this.stopped && this.owns(partition),
      mayResume: (partition) => !this.paused && !this.blocked.has(partition),
      logger: options.logger,
      retryMs: RETRY_MS,
    });
    // What is delivered gets committed; room in the buffer lets fetching go on.
    options.buffer.listen({
      onCommittable: () => this.requestCommit(),
      onSpaceAvailable: () => this.resume(),
    });
    this.watchdog = new StallWatchdog({
      timeoutMs: options.stallTimeoutMs ?? 120_000,
      onStall: (idleMs) => {
        options.logger.fatal({ idleMs }, 'the consumer made no progress: stalled');
        options.onFatal(new Error(`consumer stalled for ${idleMs} ms`));
      },
    });
    const { events } = this.consumer;
    // KafkaJS starts a fetch every loop, even with every partition paused.
    this.consumer.on(events.FETCH_START, () => this.watchdog.progress());
    this.consumer.on(events.CONNECT, () => {
      this.connected = true;
    });
    this.consumer.on(events.DISCONNECT, () => {
      this.connected = false;
      this.joined = false;
    });
    this.consumer.on(events.REBALANCING, () => {
      this.rebalancing = true;
      this.watchdog.progress();
    });
    this.consumer.on(events.GROUP_JOIN, ({ payload }) => {
      // A new member id means this consumer was evicted (or restarted) and joined afresh: what it
      // holds may no longer match the group's committed offsets.
      const asNewMember = this.memberId !== undefined && payload.memberId !== this.memberId;
      this.memberId = payload.memberId;
      this.onJoin(payload.memberAssignment, asNewMember);
    });
    this.consumer.on(events.COMMIT_OFFSETS, ({ payload }) => {
      for (const { topic, partitions } of payload.topics) {
        if (topic !== this.topicName) continue;
        for (const { partition, offset } of partitions) {
          this.commits.confirmed(Number(partition), BigInt(offset));
        }
      }
    });
    this.consumer.on(events.STOP, () => {
      this.joined = false;
    });
    this.consumer.on(events.CRASH, ({ payload }) => {
      this.joined = false;
      this.watchdog.progress();
      if (payload.restart) {
        // KafkaJS's own "Crash:" line already carries the cause, at the level it deserves.
        options.logger.info(
          { error: payload.error.message },
          'consumer stopped on an error KafkaJS retries; it restarts',
        );
        return;
      }
      if (this.stopped) return;
      options.logger.fatal({ err: payload.error }, 'consumer crashed and will not restart');
      options.onFatal(payload.error);
    });
  }

  status(): SourceStatus {
    return {
      memberId: this.memberId,
      connected: this.connected,
      joined: this.joined,
      rebalancing: this.rebalancing,
      paused: this.paused,
      assigned: [...this.assigned],
      blocked: [...this.blocked.values()],
    };
  }

  isReady(): boolean {
    return this.connected && this.joined && !this.rebalancing && !this.stopped;
  }

  /** Creates the topic when missing, joins the group and starts fetching; retries until it works. */
  start(): Promise<void> {
    this.starting ??= this.startUntilStopped();
    return this.starting;
  }

  private startUntilStopped(): Promise<void> {
    const { kafka, topic, logger } = this.options;
    return retryUntilStopped(
      'starting the consumer',
      async () => {
        await ensureTopic(kafka, topic, logger);
        await this.consumer.connect();
        await this.consumer.subscribe({ topics: [this.topicName], fromBeginning: true });
        await this.consumer.run({
          autoCommit: false,
          // Offsets are resolved one by one as records enter the buffer, so a batch cut short by
          // a full buffer resumes, after the pause, exactly where it stopped.
          eachBatchAutoResolve: false,
          eachBatch: (payload) => this.receive(payload),
        });
        this.watchdog.arm();
        logger.info({ topic: this.topicName, groupId: this.options.groupId }, 'consumer running');
      },
      {
        isStopped: () => this.stopped,
        logger,
        kafka: this.options.kafka,
        onFailure: () => this.consumer.disconnect().catch(() => undefined),
      },
    );
  }

  // Never waits on HTTP: offering to the buffer is synchronous, a whole batch at a time.
  private async receive({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    this.highWatermarks.set(partition, BigInt(batch.highWatermark));
    // KafkaJS drops what it fetched while a seek was pending: a batch that is not stale was
    // fetched after the seek was applied.
    if (!isStale()) this.seeks.fetched(partition);
    if (this.blocked.has(partition)) return;
    const { schemas } = this.options;
    if (schemas) {
      // Bounded by the registry's timeout, and skipped while it is known to be unreachable: an
      // outage delivers the records raw instead of holding the partition.
      const unknown = schemas.unknownIds(batch.messages);
      if (unknown.length > 0) await schemas.prefetch(unknown);
    }
    // A batch is taken whole, even when the buffer filled up while the fetch was out: it is already
    // fetched and decoded, and giving it back would mean fetching and decoding it again after the
    // resume. Once paused, the next fetch leaves the topic out, so the buffer's limits are passed by
    // at most the rest of one fetch response (KAFKA_FETCH_MAX_BYTES).
    // The loop below never awaits, so nothing (a stop, a replay seek) can happen during it: one
    // check before it stands for every record. (isStale() is not cheap: KafkaJS builds a string key
    // at every call.)
    if (!isRunning() || isStale()) return;
    let accepted: string | undefined;
    for (const message of batch.messages) {
      const undecodable = undecodableBatch(message);
      if (undecodable) {
        this.block(partition, message.offset, undecodable);
        break;
      }
      this.options.buffer.offer({
        topic,
        partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        headers: message.headers ?? {},
        timestamp: message.timestamp,
      });
      accepted = message.offset;
    }
    // Resolving the last record taken resolves everything before it (and, for the batch's last
    // record, the control records after it), once per batch instead of once per record.
    if (accepted !== undefined) resolveOffset(accepted);
    if (this.options.buffer.isFull()) this.pause();
    await heartbeat();
  }

  /** Holds one partition at a batch it cannot decode; the others go on. */
  private block(
    partition: number,
    offset: string,
    batch: { firstOffset: string; lastOffset: string; codec: string; reason: string },
  ): void {
    this.consumer.pause([{ topic: this.topicName, partitions: [partition] }]);
    const blocked: BlockedPartition = {
      partition,
      offset,
      batchFirstOffset: batch.firstOffset,
      batchLastOffset: batch.lastOffset,
      codec: batch.codec,
      reason: batch.reason,
      since: new Date().toISOString(),
    };
    this.blocked.set(partition, blocked);
    this.options.logger.error(
      blocked,
      'a record batch cannot be decoded: its partition is held there (move it past the batch with POST /api/consumer/position)',
    );
  }

  /** Lets a held partition fetch again, unless something else keeps it paused. */
  private unblock(partition: number): void {
    if (!this.blocked.delete(partition)) return;
    if (!this.paused && !this.seeks.isHeld(partition)) {
      this.consumer.resume([{ topic: this.topicName, partitions: [partition] }]);
    }
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.consumer.pause([{ topic: this.topicName }]);
    this.options.logger.debug(this.options.buffer.stats(), 'buffer full: consumer paused');
  }

  /** The buffer has room again (called by the buffer's onSpaceAvailable). */
  resume(): void {
    if (!this.paused || this.stopped) return;
    this.paused = false;
    this.consumer.resume([{ topic: this.topicName }]);
    // Resuming the topic resumes each of its partitions: the held and blocked ones stay paused.
    const keepPaused = [...new Set([...this.seeks.heldPartitions(), ...this.blocked.keys()])];
    if (keepPaused.length > 0) {
      this.consumer.pause([{ topic: this.topicName, partitions: keepPaused }]);
    }
    this.options.logger.debug(this.options.buffer.stats(), 'buffer has room: consumer resumed');
  }

  private onJoin(memberAssignment: Record<string, number[]>, asNewMember = false): void {
    this.assigned = [...(memberAssignment[this.topicName] ?? [])].sort((a, b) => a - b);
    this.options.buffer.setAssignment(this.assigned);
    if (asNewMember) {
      // While this consumer was out of the group, others may have consumed its partitions, or a
      // replay may have moved the empty group's offsets. Start each partition afresh from the
      // committed offset: what is buffered is dropped and leases still out will not commit
      // (at worst duplicates), instead of taking refetched records for ones already seen.
      for (const partition of this.assigned) this.options.buffer.resetPartition(partition);
      this.options.logger.warn(
        { memberId: this.memberId, assigned: this.assigned },
        'rejoined the group as a new member: partitions restart from the committed offsets',
      );
    }
    this.commits.joined(this.assigned, asNewMember);
    // A partition that moved elsewhere is no longer held here; if it comes back, its next fetch
    // finds the batch again.
    for (const partition of [...this.blocked.keys()]) {
      if (!this.assigned.includes(partition)) this.unblock(partition);
    }
    this.joins++;
    this.seeks.joined(this.assigned, this.joins);
    this.joined = true;
    this.rebalancing = false;
    this.rebalances++;
    this.watchdog.progress();
    this.options.logger.info({ assigned: this.assigned }, 'joined the consumer group');
    this.requestCommit();
  }

  /** Commits what the buffer reports delivered (see CommitPipeline). */
  requestCommit(): void {
    this.commits.request();
  }

  /**
   * Moves the group's position of an assigned partition to `offset` (the next offset to deliver):
   * drops what is buffered for it (leases still out become stale), seeks, and commits `offset`.
   * Resolves true once KafkaJS confirmed that commit, false when the partition is not assigned
   * here, a rebalance came first, a later move replaced this one, or `deadlineMs` passed.
   */
  movePosition(partition: number, offset: bigint, deadlineMs: number): Promise<boolean> {
    if (!this.assigned.includes(partition) || !this.isReady()) return Promise.resolve(false);
    // No await between these steps: no batch of the old position can enter the buffer in between,
    // and one already being handled (waiting on the schema registry) finds isStale() true before
    // it offers anything (true until the seek is applied by the next fetch, which comes only after
    // the current batches are done).
    this.options.buffer.resetPartition(partition);
    this.consumer.seek({ topic: this.topicName, partition, offset: offset.toString() });
    this.seeks.sought(partition);
    // Moved, possibly past a batch it could not decode: fetch again from the new position.
    this.unblock(partition);
    this.options.logger.info(
      { partition, offset: offset.toString(), epoch: this.options.buffer.epochOf(partition) },
      'moved the group position',
    );
    return this.commits.force(partition, offset, deadlineMs);
  }

  owns(partition: number): boolean {
    return this.assigned.includes(partition);
  }

  /** Commits what was delivered, as far as it can before `deadlineMs`, then leaves the group. */
  async stop(deadlineMs = 5000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while (this.isReady() && this.commits.hasPending() && Date.now() < deadline) {
      this.commits.request();
      await this.commits.running;
      if (this.commits.hasPending()) await new Promise((r) => setTimeout(r, 100));
    }
    this.stopped = true;
    this.commits.stop();
    this.watchdog.disarm();
    await this.starting;
    await this.consumer.disconnect();
  }

  /** Running totals for metrics, and the lag of each assigned partition. */
  counters(): { rebalances: number; committedMessages: number } {
    return { rebalances: this.rebalances, committedMessages: this.commits.committedCount };
  }

  /** Messages not yet committed per assigned partition: end offset minus committed offset. */
  lag(): Map<number, number> {
    const lag = new Map<number, number>();
    for (const partition of this.assigned) {
      const end = this.highWatermarks.get(partition);
      const committed = this.commits.committedOffset(partition) ?? 0n;
      if (end !== undefined) lag.set(partition, Math.max(0, Number(end - committed)));
    }
    return lag;
  }

  /** Offsets KafkaJS confirmed committed (for readiness details and tests). */
  committedOffsets(): Record<number, string> {
    return this.commits.committedOffsets();
  }
}
