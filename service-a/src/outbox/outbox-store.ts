// What an outbox store keeps and how: messages accepted with `?async=true`, durable before their
// 202, read back oldest first by the drainer and removed once Kafka acknowledged them. Two stores
// implement it: SQLite in a local folder (sqlite-outbox.ts) and PostgreSQL shared by replicas
// (postgres-outbox.ts).
import type { IHeaders } from 'kafkajs';

/** A message as the outbox keeps it: the bytes Kafka will get, and where they go. */
export interface StoredMessage {
  key: Buffer | null;
  value: Buffer;
  headers: IHeaders;
  /** Chosen when accepted (the client's, or from the key); null: chosen when sent. */
  partition: number | null;
  /** When it was accepted (ms since the epoch): the record's timestamp in Kafka. */
  timestamp: number;
}

export interface OutboxEntry extends StoredMessage {
  /** Increasing in the order the messages were accepted. */
  id: number;
}

export interface OutboxStats {
  depth: number;
  bytes: number;
  /** The accept time of the oldest message waiting, or null when none waits. */
  oldestTimestamp: number | null;
}

export interface OutboxStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Durable once resolved (committed, and synced to disk as the store is configured). */
  add(messages: readonly StoredMessage[]): Promise<void>;
  /** The oldest waiting entries, in accept order: at most `maxRecords`, about `maxBytes`. */
  oldest(limits: { maxRecords: number; maxBytes: number }): Promise<OutboxEntry[]>;
  remove(ids: readonly number[]): Promise<void>;
  stats(): Promise<OutboxStats>;
  /**
   * Whether this instance is the one that sends now. SQLite: always (the folder is its own).
   * PostgreSQL: the replica that holds the drain lock, so replicas never send the same rows.
   */
  mayDrain(): Promise<boolean>;
  close(): Promise<void>;
}

/** A stored row as read back: the message, its id and its size. */
export interface OutboxRow {
  id: number | string;
  key: Buffer | null;
  value: Buffer;
  headers: string;
  partition: number | null;
  timestamp: number | string;
  bytes: number;
}

/** The oldest rows (already in id order) as entries, stopping before `maxBytes` (always one). */
export function entriesWithin(rows: readonly OutboxRow[], maxBytes: number): OutboxEntry[] {
  const entries: OutboxEntry[] = [];
  let total = 0;
  for (const row of rows) {
    total += row.bytes;
    if (entries.length > 0 && total > maxBytes) break;
    entries.push({
      id: Number(row.id),
      key: row.key,
      value: row.value,
      headers: decodeHeaders(row.headers),
      partition: row.partition,
      timestamp: Number(row.timestamp),
    });
  }
  return entries;
}

/** The bytes a message takes in the outbox, counted against OUTBOX_MAX_BYTES. */
export function storedBytes(
  message: StoredMessage,
  encodedHeaders = encodeHeaders(message.headers),
) {
  return message.value.length + (message.key?.length ?? 0) + encodedHeaders.length;
}

/**
 * Headers as JSON text: every value as base64 of its bytes (Kafka header values are bytes; a
 * string is sent as its UTF-8), a repeated header as an array.
 */
export function encodeHeaders(headers: IHeaders): string {
  const out: Record<string, string | string[]> = {};
  const b64 = (v: string | Buffer) => (Buffer.isBuffer(v) ? v : Buffer.from(v)).toString('base64');
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map(b64) : b64(value);
  }
  return JSON.stringify(out);
}

export function decodeHeaders(text: string): IHeaders {
  const parsed = JSON.parse(text) as Record<string, string | string[]>;
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(parsed)) {
    headers[name] = Array.isArray(value)
      ? value.map((v) => Buffer.from(v, 'base64'))
      : Buffer.from(value, 'base64');
  }
  return headers;
}

/**
 * Group commit: adds that arrive while a commit is being written wait for the next one and share
 * it, so a burst of requests costs a few disk syncs instead of one each.
 */
export class GroupCommit<T> {
  private waiting: { items: readonly T[]; done: (error?: unknown) => void }[] = [];
  private writing = false;

  constructor(private readonly commit: (items: T[]) => Promise<void>) {}

  add(items: readonly T[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ items, done: (error) => (error ? reject(error) : resolve()) });
      if (!this.writing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.writing = true;
    // One turn of the event loop gathers what concurrent requests add at the same moment.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.waiting.length > 0) {
      const group = this.waiting;
      this.waiting = [];
      try {
        await this.commit(group.flatMap((g) => g.items));
        for (const g of group) g.done();
      } catch (error) {
        for (const g of group) g.done(error ?? new Error('outbox commit failed'));
      }
    }
    this.writing = false;
  }
}
