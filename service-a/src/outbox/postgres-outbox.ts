// The shared outbox: one PostgreSQL table (OUTBOX_URL, OUTBOX_TABLE) that every service-a replica
// adds to, and that one replica at a time drains: the one holding a session advisory lock on its
// own connection. When that replica dies, its connection closes, PostgreSQL releases the lock and
// another replica takes over, so the messages a dead replica accepted are still sent.
import pg from 'pg';
import {
  encodeHeaders,
  entriesWithin,
  storedBytes,
  GroupCommit,
  type OutboxEntry,
  type OutboxRow,
  type OutboxStats,
  type OutboxStore,
  type StoredMessage,
} from './outbox-store';

export const OUTBOX_TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export class PostgresOutbox implements OutboxStore {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;
  private readonly commits: GroupCommit<StoredMessage>;
  private lockClient: pg.Client | undefined;
  private lockAttempt = 0;
  private closed = false;
  private cached: { at: number; stats: OutboxStats } | undefined;

  private constructor(
    private readonly url: string,
    private readonly table: string,
    private readonly lockRetryMs: number,
  ) {
    if (!OUTBOX_TABLE_NAME.test(table)) throw new Error(`not a valid table name: ${table}`);
    this.pool = new pg.Pool({ connectionString: url, max: 4 });
    // An idle connection that breaks is replaced on the next query; it must not crash the process.
    this.pool.on('error', () => undefined);
    this.commits = new GroupCommit((messages) => this.insert(messages));
  }

  /** Connects and creates the table when missing. */
  static async open({
    url,
    table = 'kafka_outbox',
    lockRetryMs = 1000,
  }: {
    url: string;
    table?: string;
    lockRetryMs?: number;
  }): Promise<PostgresOutbox> {
    const outbox = new PostgresOutbox(url, table, lockRetryMs);
    // Replicas starting together may race to create the table: the loser finds it made.
    const create = () =>
      outbox.pool.query(`
        CREATE TABLE IF NOT EXISTS ${table} (
          id BIGSERIAL PRIMARY KEY,
          key BYTEA,
          value BYTEA NOT NULL,
          headers TEXT NOT NULL,
          partition INTEGER,
          timestamp BIGINT NOT NULL,
          bytes INTEGER NOT NULL
        )`);
    try {
      await create().catch((error: { code?: string }) => {
        if (error.code === '23505' || error.code === '42P07') return create();
        throw error;
      });
    } catch (error) {
      await outbox.pool.end().catch(() => undefined);
      throw new Error(
        `the PostgreSQL outbox (OUTBOX_URL) is not usable: ${(error as Error).message}`,
      );
    }
    return outbox;
  }

  add(messages: readonly StoredMessage[]): Promise<void> {
    return this.commits.add(messages);
  }

  private async insert(messages: StoredMessage[]): Promise<void> {
    const headers = messages.map((m) => encodeHeaders(m.headers));
    const bytes = messages.map((m, i) => storedBytes(m, headers[i]));
    // One statement for the whole group: its commit is the durability point of every 202 in it.
    await this.pool.query(
      `INSERT INTO ${this.table} (key, value, headers, partition, timestamp, bytes)
       SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::text[], $4::int[], $5::bigint[], $6::int[])`,
      [
        messages.map((m) => m.key),
        messages.map((m) => m.value),
        headers,
        messages.map((m) => m.partition),
        messages.map((m) => m.timestamp),
        bytes,
      ],
    );
    if (this.cached) {
      this.cached.stats.depth += messages.length;
      this.cached.stats.bytes += bytes.reduce((a, b) => a + b, 0);
    }
  }

  async oldest({
    maxRecords,
    maxBytes,
  }: {
    maxRecords: number;
    maxBytes: number;
  }): Promise<OutboxEntry[]> {
    const { rows } = await this.pool.query<OutboxRow>(
      `SELECT id, key, value, headers, partition, timestamp, bytes FROM ${this.table} ORDER BY id LIMIT $1`,
      [maxRecords],
    );
    return entriesWithin(rows, maxBytes);
  }

  async remove(ids: readonly number[]): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.table} WHERE id = ANY($1::bigint[])`, [ids]);
    this.cached = undefined;
  }

  /** Shared by every replica, so counted in the table; cached for a second (scrapes, capacity). */
  async stats(): Promise<OutboxStats> {
    if (this.cached && Date.now() - this.cached.at < 1000) return { ...this.cached.stats };
    const { rows } = await this.pool.query<{ depth: string; bytes: string; oldest: string | null }>(
      `SELECT count(*) AS depth, coalesce(sum(bytes), 0) AS bytes, min(timestamp) AS oldest FROM ${this.table}`,
    );
    const row = rows[0];
    const stats: OutboxStats = {
      depth: Number(row?.depth ?? 0),
      bytes: Number(row?.bytes ?? 0),
      oldestTimestamp: row?.oldest == null ? null : Number(row.oldest),
    };
    this.cached = { at: Date.now(), stats };
    return { ...stats };
  }

  /** True while this replica holds the drain lock; tries to take it at most once a second. */
  async mayDrain(): Promise<boolean> {
    if (this.lockClient) return true;
    if (this.closed || Date.now() - this.lockAttempt < this.lockRetryMs) return false;
    this.lockAttempt = Date.now();
    const client = new pg.Client({ connectionString: this.url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
        [`kafka-http outbox ${this.table}`],
      );
      if (!rows[0]?.locked) {
        await client.end();
        return false;
      }
    } catch {
      await client.end().catch(() => undefined);
      return false;
    }
    // A lost connection loses the lock with it: stop draining until it is taken again.
    client.once('end', () => {
      if (this.lockClient === client) this.lockClient = undefined;
    });
    this.lockClient = client;
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const lock = this.lockClient;
    this.lockClient = undefined;
    await lock?.end().catch(() => undefined);
    await this.pool.end();
  }
}
