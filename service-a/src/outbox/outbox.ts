// The outbox behind `?async=true`: accept() stores messages durably (the 202 is sent after it),
// and a drain loop sends them to Kafka oldest first, one Kafka send at a time, removing each batch
// once Kafka acknowledged it. A send that fails is tried again with backoff, so messages wait out
// an outage of any length and stay in order per partition. At least once: a crash (or a lost
// acknowledgement) between a send and its removal sends those messages again.
import type { Logger, Metrics } from '@kafka-http/common';
import { ProduceError } from '../produce-error';
import {
  storedBytes,
  type OutboxEntry,
  type OutboxStore,
  type StoredMessage,
} from './outbox-store';

/** What the drainer needs of Kafka (the message publisher). */
export interface OutboxWriter {
  isReady(): boolean;
  writeStored(messages: readonly StoredMessage[]): Promise<void>;
  isPermanentFailure(error: unknown): boolean;
}

export interface OutboxOptions {
  store: OutboxStore;
  writer: OutboxWriter;
  logger: Logger;
  metrics: Metrics;
  /** A full outbox refuses new messages (503) until the drainer made room. */
  maxMessages: number;
  maxBytes: number;
  /** How often to look for messages other replicas stored (PostgreSQL); local adds wake at once. */
  pollMs?: number;
  /** The most one Kafka send carries. */
  sendMaxRecords?: number;
  sendMaxBytes?: number;
}

export interface OutboxSnapshot {
  store: 'sqlite' | 'postgres';
  depth: number;
  bytes: number;
  oldestAgeSeconds: number;
  /** Whether this instance is the one sending (always, for SQLite). */
  draining: boolean;
}

const MAX_BACKOFF_MS = 5000;

export class Outbox {
  private readonly store: OutboxStore;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Messages being stored right now, counted against the limits with what is stored. */
  private pending = { messages: 0, bytes: 0 };
  private snapshot: Omit<OutboxSnapshot, 'oldestAgeSeconds'>;
  private oldestTimestamp: number | null = null;
  /** Ids of messages whose last send failed or was not answered: sent again, maybe twice. */
  private unsure = new Set<number>();
  private readonly counters;

  constructor(private readonly options: OutboxOptions) {
    this.store = options.store;
    this.snapshot = {
      store: options.store.kind,
      depth: 0,
      bytes: 0,
      draining: false,
    };
    const { metrics } = options;
    this.counters = {
      accepted: metrics.counter(
        'async_produce_queued_total',
        'Messages accepted with 202 (?async=true): stored in the outbox.',
      ),
      sent: metrics.counter('outbox_sent_total', 'Outbox messages Kafka acknowledged.'),
      resent: metrics.counter(
        'outbox_resent_total',
        'Outbox messages sent again after a send that failed or was not answered (Kafka may hold them twice).',
      ),
      failures: metrics.counter(
        'outbox_send_failures_total',
        'Outbox sends that failed and will be tried again.',
      ),
      dropped: metrics.counter(
        'outbox_dropped_total',
        'Outbox messages Kafka refused for good (too large, invalid), by reason; logged at error level.',
        ['reason'],
      ),
    };
    metrics.gauge('outbox_depth', 'Messages in the outbox waiting for Kafka.', (set) =>
      set(this.snapshot.depth),
    );
    metrics.gauge('outbox_bytes', 'Bytes of the messages in the outbox.', (set) =>
      set(this.snapshot.bytes),
    );
    metrics.gauge(
      'outbox_oldest_age_seconds',
      'Age of the oldest message in the outbox (0 when empty).',
      (set) => set(this.currentAgeSeconds()),
    );
  }

  /** Starts the drain loop. */
  async start(): Promise<void> {
    await this.refreshSnapshot();
    if (this.snapshot.depth > 0) {
      this.options.logger.info(
        { depth: this.snapshot.depth, store: this.store.kind },
        'the outbox holds messages from before; they are sent once Kafka takes them',
      );
    }
    this.loop = this.run();
  }

  /** What /health shows. */
  status(): OutboxSnapshot {
    return { ...this.snapshot, oldestAgeSeconds: this.currentAgeSeconds() };
  }

  /**
   * Stores the messages together, or refuses all of them with a ProduceError when the outbox is
   * full or cannot store. Resolved means durable: the 202 may be sent.
   */
  async accept(messages: readonly StoredMessage[]): Promise<void> {
    if (this.stopping) throw new ProduceError('stopping', 'service-a is stopping.');
    const bytes = messages.reduce((sum, m) => sum + storedBytes(m), 0);
    const { depth, bytes: stored } = this.snapshot;
    if (
      depth + this.pending.messages + messages.length > this.options.maxMessages ||
      stored + this.pending.bytes + bytes > this.options.maxBytes
    ) {
      throw new ProduceError(
        'outbox-full',
        `The outbox is full (${depth} messages wait for Kafka); nothing was accepted. Try again later.`,
      );
    }
    this.pending.messages += messages.length;
    this.pending.bytes += bytes;
    try {
      await this.store.add(messages);
      this.snapshot.depth += messages.length;
      this.snapshot.bytes += bytes;
      this.oldestTimestamp ??= messages[0]?.timestamp ?? null;
    } catch (error) {
      this.options.logger.error({ err: error, store: this.store.kind }, 'outbox store failed');
      throw new ProduceError(
        'unavailable',
        'The outbox could not store the message; nothing was accepted. Try again shortly.',
        { cause: error },
      );
    } finally {
      this.pending.messages -= messages.length;
      this.pending.bytes -= bytes;
    }
    this.counters.accepted.inc(messages.length);
    this.wake?.();
  }

  /** Stops sending (the send under way finishes and is removed), then closes the store. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    await this.store.close();
  }

  private currentAgeSeconds(): number {
    return this.oldestTimestamp === null
      ? 0
      : Math.max(0, (Date.now() - this.oldestTimestamp) / 1000);
  }

  private async refreshSnapshot(): Promise<void> {
    const stats = await this.store.stats();
    this.oldestTimestamp = stats.oldestTimestamp;
    this.snapshot = {
      ...this.snapshot,
      depth: stats.depth,
      bytes: stats.bytes,
    };
  }

  private async run(): Promise<void> {
    const { pollMs = 250 } = this.options;
    let backoffMs = 0;
    while (!this.stopping) {
      let idleMs = pollMs;
      try {
        const mayDrain = this.options.writer.isReady() && (await this.store.mayDrain());
        this.snapshot.draining = mayDrain;
        if (mayDrain) {
          const batch = await this.store.oldest({
            maxRecords: this.options.sendMaxRecords ?? 500,
            maxBytes: this.options.sendMaxBytes ?? 1024 * 1024,
          });
          if (batch.length > 0) {
            await this.send(batch);
            backoffMs = 0;
            idleMs = 0;
          }
        }
        await this.refreshSnapshot();
      } catch (error) {
        this.counters.failures.inc();
        backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(100, backoffMs * 2));
        idleMs = backoffMs;
        this.options.logger.warn(
          { err: (error as Error).message, retryInMs: backoffMs },
          'outbox send failed; trying again',
        );
      }
      if (idleMs > 0 && !this.stopping) await this.idle(idleMs);
    }
  }

  /** Sends a batch and removes it; a message Kafka refuses for good is logged and removed. */
  private async send(batch: OutboxEntry[]): Promise<void> {
    const ids = batch.map((e) => e.id);
    try {
      await this.options.writer.writeStored(batch);
    } catch (error) {
      if (!this.options.writer.isPermanentFailure(error)) {
        for (const id of ids) this.unsure.add(id);
        throw error;
      }
      // One of them is refused for good: find it by sending each alone.
      if (batch.length > 1) {
        for (const entry of batch) await this.send([entry]);
        return;
      }
      const [entry] = batch as [OutboxEntry];
      const reason = /TOO_LARGE/.test(String((error as { type?: string }).type))
        ? 'too-large'
        : 'invalid';
      this.counters.dropped.inc({ reason });
      this.options.logger.error(
        { err: error, id: entry.id, partition: entry.partition, bytes: entry.value.length, reason },
        'Kafka refused an outbox message for good; it is removed without being written',
      );
      await this.store.remove(ids);
      this.unsure.delete(entry.id);
      return;
    }
    await this.store.remove(ids);
    const resent = ids.filter((id) => this.unsure.delete(id)).length;
    if (resent > 0) this.counters.resent.inc(resent);
    this.counters.sent.inc(batch.length);
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
