// Writes records to Kafka and reports where they landed, only after the broker acknowledged them
// (acks=all, idempotent producer). Concurrent requests share Kafka sends through a ProduceBatcher.
// The HTTP layer sees the MessagePublisher interface, never KafkaJS; failures are ProduceErrors,
// which the HTTP layer turns into problems.
import {
  Partitioners,
  type Admin,
  type IHeaders,
  type Kafka,
  type PartitionMetadata,
  type Producer,
  type RecordMetadata,
} from 'kafkajs';
import {
  compressionType,
  ensureTopic,
  retryUntilStopped,
  type Compression,
  type KafkaReachability,
  type Logger,
  type TopicSpec,
} from '@kafka-http/common';
import type { StoredMessage } from '../outbox/outbox-store';
import { ProduceError } from '../produce-error';
import { ProduceBatcher, QueueFullError, type SendOutcome } from './produce-batcher';

export interface OutgoingMessage {
  key?: string | Buffer | null;
  value: Buffer;
  headers: IHeaders;
  /** A partition chosen by the client; otherwise the key's hash, or round robin without a key. */
  partition?: number;
}

export interface PublishedMessage {
  topic: string;
  partition: number;
  /** Kafka offsets are 64-bit: kept as a decimal string. */
  offset: string;
  timestamp: string;
}

export type PublishResult =
  | { ok: true; published: PublishedMessage }
  /** `reason` (for metrics): too-large, timeout, unavailable or invalid. */
  | { ok: false; error: ProduceError; reason?: FailureReason };

export type FailureReason = 'too-large' | 'timeout' | 'unavailable' | 'invalid';

export interface MessagePublisher {
  readonly topic: string;
  /** One message; throws a ProduceError when it was not written. */
  publish(message: OutgoingMessage): Promise<PublishedMessage>;
  /** Several messages; each gets its own result, in order. */
  publishMany(messages: OutgoingMessage[]): Promise<PublishResult[]>;
  isReady(): boolean;
  /** connected, unreachable (no broker answers) or not connected (yet). */
  kafkaStatus?(): 'connected' | 'unreachable' | 'not connected';
  /** Counters shown in the readiness details. */
  stats?(): Record<string, number>;
}

export interface ProduceTuning {
  /** Wait this long for more records before a send (0: send whenever no send is in flight). */
  lingerMs: number;
  maxBatchRecords: number;
  maxBatchBytes: number;
  maxQueuedRecords: number;
  /** Compression of each Kafka send ('none' when unset). */
  compression?: Compression;
}

export interface PublisherMetrics {
  produced: { inc(value?: number): void };
  errors: { inc(labels: { reason: string }): void };
  sendSize: { observe(value: number): void };
}

export interface KafkaMessagePublisherOptions {
  metrics?: PublisherMetrics;
  kafka: Kafka;
  topic: TopicSpec;
  produceTimeoutMs: number;
  tuning: ProduceTuning;
  logger: Logger;
  /**
   * Whether any broker answers. While none does, requests are refused at once and records still
   * queued are withdrawn, instead of each waiting out the produce timeout.
   */
  reachability?: Pick<KafkaReachability, 'isReachable' | 'suspect' | 'on' | 'off'>;
}

interface QueuedRecord {
  key: string | Buffer | null;
  value: Buffer;
  headers: IHeaders;
  partition: number;
  timestamp: number;
}

const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);
/** Refusals that the same records would meet again. */
const PERMANENT = new Set(['INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TIMESTAMP']);
/** Bytes a record takes in a batch besides key, value and headers (an estimate, on the high side). */
const RECORD_OVERHEAD_BYTES = 70;

/** One idempotent producer for the life of the process, connected in the background. */
export class KafkaMessagePublisher implements MessagePublisher {
  readonly topic: string;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly batcher: ProduceBatcher<QueuedRecord>;
  private readonly choosePartition = Partitioners.DefaultPartitioner();
  private partitions: PartitionMetadata[] = [];
  private refreshing: Promise<void> | undefined;
  /** Set once the clients are being disconnected: nothing may use them again. */
  private closing = false;
  private connected = false;
  private stopped = false;
  private connecting: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private sends = 0;
  private recordsSent = 0;
  /** Aborted when Kafka becomes unreachable, then replaced. */
  private lostKafka = new AbortController();
  private readonly onReachability = (reachable: boolean) => {
    if (reachable) return;
    this.lostKafka.abort(new KafkaUnreachableError());
    this.lostKafka = new AbortController();
  };

  constructor(private readonly options: KafkaMessagePublisherOptions) {
    this.topic = options.topic.topic;
    this.admin = options.kafka.admin();
    this.producer = options.kafka.producer({
      idempotent: true,
      // Idempotence in KafkaJS allows one request in flight per broker; it keeps order on retry.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Partitions are chosen before the send (to know each record's offset), the same way.
      createPartitioner: Partitioners.DefaultPartitioner,
      // Bounded retries: during an outage a send gives up within seconds instead of holding its
      // messages in memory indefinitely. The callers have had their 503 by then; nothing
      // acknowledged is affected. (KafkaJS warns that this "may invalidate EoS guarantees"; the
      // line logged on connect says what it means here instead.)
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
    });
    // Not the CONNECT event: KafkaJS emits it before the idempotent producer has its producer id,
    // and a send in that window fails after writing (KafkaJS then releases a lock it never took).
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connected = false;
    });
    options.reachability?.on('change', this.onReachability);
    this.batcher = new ProduceBatcher<QueuedRecord>({
      ...options.tuning,
      send: (records) => this.send(records),
      sizeOf: recordBytes,
      isolate: isTooLarge,
    });
  }

  /**
   * Creates the topic if needed, learns its partitions and connects, retrying until it works or
   * stop() is called. Resolves at the first success; the HTTP server answers 503 until then.
   */
  start(): Promise<void> {
    this.connecting ??= retryUntilStopped(
      'connecting to Kafka',
      async () => {
        const { kafka, topic, logger } = this.options;
        await ensureTopic(kafka, topic, logger);
        await this.admin.connect();
        await this.refreshPartitions();
        await this.producer.connect();
        this.connected = true;
        logger.info(
          { topic: this.topic, partitions: this.partitions.length },
          'producer connected (idempotent, acks=all; a send that fails after its bounded retries is answered 503, never acknowledged, so the client may retry it)',
        );
      },
      { isStopped: () => this.stopped, logger: this.options.logger, kafka: this.options.kafka },
    );
    return this.connecting;
  }

  isReady(): boolean {
    return this.isConnected() && this.isReachable();
  }

  /** The producer is connected and knows the topic (whether or not a broker answers now). */
  isConnected(): boolean {
    return this.connected && !this.stopped && this.partitions.length > 0;
  }

  isReachable(): boolean {
    return this.options.reachability?.isReachable() ?? true;
  }

  kafkaStatus(): 'connected' | 'unreachable' | 'not connected' {
    if (!this.isConnected()) return 'not connected';
    return this.isReachable() ? 'connected' : 'unreachable';
  }

  /** The topic's partition count, once known. */
  partitionCount(): number | undefined {
    return this.partitions.length || undefined;
  }

  async publish(message: OutgoingMessage): Promise<PublishedMessage> {
    const [result] = await this.publishMany([message]);
    if (!result) throw new Error('no result for the message');
    if (!result.ok) throw result.error;
    return result.published;
  }

  async publishMany(messages: OutgoingMessage[]): Promise<PublishResult[]> {
    if (!this.isReady()) return refuseAll(messages, this.notReadyError());
    const timestamp = Date.now();
    const deadline = this.deadline();
    const timedOut = new Promise<'timeout'>((resolve) => {
      deadline.addEventListener('abort', () => resolve('timeout'), { once: true });
    });
    const prepared = messages.map((message) => this.toRecord(message, timestamp));
    // The deadline withdraws records still waiting in the queue (then they are certainly not
    // written); a record already sent is answered 503 at the deadline but may still land.
    return this.track(Promise.all(this.queue(prepared, timestamp, deadline, timedOut)));
  }

  /**
   * Queues the records together (so they can share one send) and gives, per prepared message, its
   * outcome: Kafka's answer for a record, the error for a message that could not be one.
   */
  private queue(
    prepared: (QueuedRecord | ProduceError)[],
    timestamp: number,
    deadline: AbortSignal,
    timedOut?: Promise<'timeout'>,
  ): Promise<PublishResult>[] {
    const records = prepared.filter((p): p is QueuedRecord => !(p instanceof ProduceError));
    const submitted = this.batcher.submitMany(records, deadline);
    // Every record of a request carries the same timestamp: its text is made once.
    const iso = new Date(timestamp).toISOString();
    let next = 0;
    return prepared.map((p) =>
      p instanceof ProduceError
        ? Promise.resolve({ ok: false, error: p })
        : this.outcomeOf(submitted[next++] as Promise<SendOutcome>, iso, deadline, timedOut),
    );
  }

  /** Aborts at the produce timeout, or as soon as no broker answers. */
  private deadline(): AbortSignal {
    return AbortSignal.any([
      AbortSignal.timeout(this.options.produceTimeoutMs),
      this.lostKafka.signal,
    ]);
  }

  private notReadyError(): ProduceError {
    return this.isConnected() && !this.isReachable()
      ? new ProduceError(
          'unreachable',
          'Kafka is unreachable: no broker answers. Nothing was written; try again shortly.',
        )
      : new ProduceError('not-connected', 'Not connected to Kafka; try again shortly.');
  }

  /** Keeps `work` among the sends stop() waits for, until it settles. */
  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  /** The record for a message, or the error that keeps it from being sent. */
  private toRecord(message: OutgoingMessage, timestamp: number): QueuedRecord | ProduceError {
    const count = this.partitions.length;
    if (message.partition !== undefined && message.partition >= count) {
      return new ProduceError(
        'no-such-partition',
        `Partition ${message.partition} does not exist: ${this.topic} has ${count} (0 to ${count - 1}).`,
      );
    }
    const key = message.key ?? null;
    const partition =
      message.partition ??
      this.choosePartition({
        topic: this.topic,
        partitionMetadata: this.partitions,
        message: { key, value: message.value },
      });
    return { key, value: message.value, headers: message.headers, partition, timestamp };
  }

  private async outcomeOf(
    submitted: Promise<SendOutcome>,
    /** The records' timestamp in ISO 8601. */
    timestamp: string,
    deadline: AbortSignal,
    /** When given, the answer is a 503 at this moment even if the record was already sent. */
    timedOut?: Promise<'timeout'>,
  ): Promise<PublishResult> {
    try {
      const outcome = timedOut ? await Promise.race([submitted, timedOut]) : await submitted;
      if (outcome === 'timeout') {
        submitted.catch(() => undefined);
        this.options.metrics?.errors.inc({ reason: 'timeout' });
        return { ok: false, error: this.timeoutError(true), reason: 'timeout' };
      }
      this.options.metrics?.produced.inc();
      return {
        ok: true,
        published: {
          topic: this.topic,
          partition: outcome.partition,
          offset: outcome.offset,
          timestamp,
        },
      };
    } catch (error) {
      const failed = this.toProduceError(error, deadline);
      const reason: FailureReason =
        failed.failure === 'too-large'
          ? 'too-large'
          : deadline.aborted &&
              error === deadline.reason &&
              !(error instanceof KafkaUnreachableError)
            ? 'timeout'
            : 'unavailable';
      this.options.metrics?.errors.inc({ reason });
      return { ok: false, error: failed, reason };
    }
  }

  /**
   * A message as the outbox stores it: the partition chosen now when the topic's partitions are
   * known (so a key maps as it would for a direct produce), else left to the send. A partition the
   * topic does not have is an error.
   */
  toStored(message: OutgoingMessage, timestamp: number): StoredMessage | ProduceError {
    const key = message.key == null ? null : Buffer.from(message.key);
    if (this.partitions.length === 0) {
      return {
        key,
        value: message.value,
        headers: message.headers,
        partition: message.partition ?? null,
        timestamp,
      };
    }
    const record = this.toRecord(message, timestamp);
    if (record instanceof ProduceError) return record;
    return {
      key,
      value: message.value,
      headers: message.headers,
      partition: record.partition,
      timestamp,
    };
  }

  /**
   * One Kafka send of stored messages, in their order, outside the produce queue (the outbox
   * drainer sends one batch at a time). Resolves once Kafka acknowledged all of them; a partition's
   * records are one batch, so for each partition they land all together or not at all.
   */
  async writeStored(messages: readonly StoredMessage[]): Promise<void> {
    if (!this.isReady()) throw new Error('Kafka is not reachable');
    await this.track(this.produce(messages));
    this.options.metrics?.produced.inc(messages.length);
  }

  /** Whether Kafka refused a send for good (too large, invalid): sending it again cannot help. */
  isPermanentFailure(error: unknown): boolean {
    return isTooLarge(error) || hasType(error, PERMANENT);
  }

  /** How many Kafka sends carried how many records (coalescing at work), and what waits. */
  stats(): { sends: number; recordsSent: number; queued: number } {
    return { sends: this.sends, recordsSent: this.recordsSent, queued: this.batcher.queued };
  }

  private async send(records: QueuedRecord[]): Promise<SendOutcome[]> {
    const metadata = await this.produce(records);
    // A partition's records form one batch: they get consecutive offsets from its base offset.
    const base = new Map(metadata.map((m) => [m.partition, BigInt(m.baseOffset ?? '-1')]));
    const next = new Map<number, bigint>();
    return records.map(({ partition }) => {
      const offset = next.get(partition) ?? base.get(partition) ?? -1n;
      if (offset < 0n) throw new Error(`Kafka acknowledged no offset for partition ${partition}`);
      next.set(partition, offset + 1n);
      return { partition, offset: offset.toString() };
    });
  }

  /** One Kafka send (acks=all); a record without a partition gets the partitioner's. */
  private async produce(
    records: readonly {
      key: Buffer | string | null;
      value: Buffer;
      headers: IHeaders;
      partition: number | null;
      timestamp: number;
    }[],
  ): Promise<RecordMetadata[]> {
    this.sends++;
    this.recordsSent += records.length;
    this.options.metrics?.sendSize.observe(records.length);
    try {
      return await this.producer.send({
        topic: this.topic,
        acks: -1,
        compression: compressionType(this.options.tuning.compression ?? 'none'),
        messages: records.map(({ key, value, headers, partition, timestamp }) => ({
          key,
          value,
          headers,
          partition: partition ?? undefined,
          timestamp: String(timestamp),
        })),
      });
    } catch (error) {
      // Leadership or partition count may have changed: look again before the next send. The
      // brokers may be gone: the reachability check looks at once rather than at its next round.
      void this.refreshPartitions().catch(() => undefined);
      this.options.reachability?.suspect();
      throw error;
    }
  }

  private refreshPartitions(): Promise<void> {
    if (this.closing) return Promise.resolve();
    this.refreshing ??= (async () => {
      try {
        const metadata = await this.admin.fetchTopicMetadata({ topics: [this.topic] });
        const partitions = metadata.topics[0]?.partitions ?? [];
        if (partitions.length > 0) {
          this.partitions = [...partitions].sort((a, b) => a.partitionId - b.partitionId);
        }
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private timeoutError(maybeWritten: boolean): ProduceError {
    return new ProduceError(
      'timeout',
      `Kafka did not acknowledge the message within ${this.options.produceTimeoutMs} ms; ${
        maybeWritten ? 'it may or may not have been written' : 'it was not written'
      }.`,
    );
  }

  private toProduceError(error: unknown, deadline: AbortSignal): ProduceError {
    if (error instanceof ProduceError) return error;
    if (error instanceof KafkaUnreachableError) {
      return new ProduceError(
        'unreachable',
        'Kafka became unreachable before the message was sent; it was not written.',
      );
    }
    if (deadline.aborted && error === deadline.reason) return this.timeoutError(false);
    if (error instanceof QueueFullError) {
      return new ProduceError(
        'queue-full',
        'Too many messages are waiting for Kafka; try again shortly.',
      );
    }
    if (isTooLarge(error)) {
      return new ProduceError(
        'too-large',
        'Kafka refused the message as too large for the topic.',
        { cause: error },
      );
    }
    this.options.logger.warn({ err: error }, 'produce failed');
    return new ProduceError('unavailable', 'Kafka could not take the message; try again shortly.', {
      cause: error,
    });
  }

  /** Lets sends still under way finish (up to `deadlineMs`), then disconnects. */
  async stop(deadlineMs = 10_000): Promise<void> {
    this.stopped = true;
    this.options.reachability?.off('change', this.onReachability);
    await this.connecting;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      // Queued records are sent at once, without lingering.
      Promise.allSettled([...this.inFlight, this.batcher.drain()]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, deadlineMs);
      }),
    ]);
    clearTimeout(timer);
    // A metadata refresh left running would reconnect the admin client after its disconnect.
    this.closing = true;
    await this.refreshing?.catch(() => undefined);
    await this.producer.disconnect();
    await this.admin.disconnect();
    this.connected = false;
  }
}

/** Withdraws records not yet sent when no broker answers. */
class KafkaUnreachableError extends Error {
  override name = 'KafkaUnreachableError';
}

function refuseAll(messages: OutgoingMessage[], error: ProduceError) {
  return messages.map(() => ({ ok: false as const, error }));
}

function recordBytes(record: QueuedRecord): number {
  let bytes = RECORD_OVERHEAD_BYTES + record.value.length + (record.key?.length ?? 0);
  for (const [name, value] of Object.entries(record.headers)) {
    bytes += name.length + String(value ?? '').length;
  }
  return bytes;
}

function isTooLarge(error: unknown): boolean {
  return hasType(error, TOO_LARGE);
}

/** Whether the error, or one it wraps, is a Kafka protocol error of one of `types`. */
function hasType(error: unknown, types: ReadonlySet<string>): boolean {
  for (
    let e = error as { type?: string; cause?: unknown; originalError?: unknown } | undefined;
    e;
  ) {
    if (e.type && types.has(e.type)) return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}
