// The embedded outbox: one SQLite file in OUTBOX_DIR, written in WAL mode. An add is committed
// (and, with OUTBOX_SYNC=full, synced to disk) before its 202 is sent; concurrent adds share a
// commit. The file is locked for this process alone: a second service-a on the same folder
// refuses to start rather than send the same messages twice.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
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

export class OutboxInUseError extends Error {}

export class SqliteOutbox implements OutboxStore {
  readonly kind = 'sqlite';
  readonly file: string;
  private readonly db: Database.Database;
  private readonly commits: GroupCommit<StoredMessage>;
  private depth: number;
  private bytes: number;
  private closed = false;

  constructor({ dir, sync = 'full' }: { dir: string; sync?: 'full' | 'normal' }) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'outbox.sqlite');
    this.db = new Database(this.file, { timeout: 0 });
    try {
      this.db.pragma('journal_mode = WAL');
      // FULL: a commit survives power loss; NORMAL: it survives a crash of the process (not of the
      // machine), and commits are several times cheaper.
      this.db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
      // Held from the first write until the process ends, even if it is killed.
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.exec(`BEGIN EXCLUSIVE; COMMIT;`);
    } catch (error) {
      this.db.close();
      if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
        throw new OutboxInUseError(
          `the outbox ${this.file} is in use by another process (another service-a on the same OUTBOX_DIR?); give each instance its own folder`,
        );
      }
      throw error;
    }
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key BLOB,
        value BLOB NOT NULL,
        headers TEXT NOT NULL,
        partition INTEGER,
        timestamp INTEGER NOT NULL,
        bytes INTEGER NOT NULL
      )`);
    const totals = this.db
      .prepare('SELECT count(*) AS depth, coalesce(sum(bytes), 0) AS bytes FROM outbox')
      .get() as { depth: number; bytes: number };
    this.depth = totals.depth;
    this.bytes = totals.bytes;
    const insert = this.db.prepare(
      'INSERT INTO outbox (key, value, headers, partition, timestamp, bytes) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const insertAll = this.db.transaction((messages: StoredMessage[]) => {
      let bytes = 0;
      for (const m of messages) {
        const headers = encodeHeaders(m.headers);
        const size = storedBytes(m, headers);
        insert.run(m.key, m.value, headers, m.partition, m.timestamp, size);
        bytes += size;
      }
      return bytes;
    });
    this.commits = new GroupCommit(async (messages) => {
      if (this.closed) throw new Error('the outbox is closed');
      this.bytes += insertAll(messages);
      this.depth += messages.length;
    });
  }

  add(messages: readonly StoredMessage[]): Promise<void> {
    return this.commits.add(messages);
  }

  async oldest({
    maxRecords,
    maxBytes,
  }: {
    maxRecords: number;
    maxBytes: number;
  }): Promise<OutboxEntry[]> {
    const rows = this.db
      .prepare('SELECT * FROM outbox ORDER BY id LIMIT ?')
      .all(maxRecords) as OutboxRow[];
    return entriesWithin(rows, maxBytes);
  }

  async remove(ids: readonly number[]): Promise<void> {
    const removed = this.db
      .prepare('DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?)) RETURNING bytes')
      .all(JSON.stringify(ids)) as { bytes: number }[];
    this.depth -= removed.length;
    this.bytes -= removed.reduce((sum, r) => sum + r.bytes, 0);
  }

  async stats(): Promise<OutboxStats> {
    const oldest = this.db.prepare('SELECT timestamp FROM outbox ORDER BY id LIMIT 1').get() as
      { timestamp: number } | undefined;
    return { depth: this.depth, bytes: this.bytes, oldestTimestamp: oldest?.timestamp ?? null };
  }

  async mayDrain(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
