// The outbox's own logic on its real SQLite store (a temporary folder), with a fake Kafka writer:
// durable before accept() resolves, sent oldest first one batch at a time, kept and retried while
// sends fail, bounded, refused for good only by a permanent error, and there again after a reopen.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, createMetrics } from '@kafka-http/common';
import { problemOf } from '../../src/http/produce-problems';
import { Outbox, type OutboxWriter } from '../../src/outbox/outbox';
import { decodeHeaders, encodeHeaders, type StoredMessage } from '../../src/outbox/outbox-store';
import { OutboxInUseError, SqliteOutbox } from '../../src/outbox/sqlite-outbox';
import { ProduceError } from '../../src/produce-error';

class FakeWriter implements OutboxWriter {
  ready = true;
  /** Every send attempted, successful or not. */
  readonly sends: StoredMessage[][] = [];
  failNext = 0;
  permanent = (_m: StoredMessage) => false;

  isReady() {
    return this.ready;
  }

  async writeStored(messages: readonly StoredMessage[]) {
    this.sends.push([...messages]);
    if (messages.some((m) => this.permanent(m)))
      throw Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' });
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('broker gone');
    }
  }

  isPermanentFailure(error: unknown) {
    return (error as { type?: string }).type === 'MESSAGE_TOO_LARGE';
  }

  /** Values of the sends that succeeded, in order. */
  written(): string[] {
    return this.sends
      .filter((batch) => !batch.some((m) => this.permanent(m)))
      .flatMap((batch) => batch.map((m) => m.value.toString()));
  }
}

const message = (value: string, key: string | null = null): StoredMessage => ({
  key: key === null ? null : Buffer.from(key),
  value: Buffer.from(value),
  headers: { 'content-type': 'text/plain', tags: ['a', Buffer.from([0xff])] },
  partition: null,
  timestamp: 1_700_000_000_000,
});

async function until(what: string, check: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('Outbox on SQLite', () => {
  const dirs: string[] = [];
  const open: Outbox[] = [];
  afterEach(async () => {
    for (const outbox of open.splice(0)) await outbox.stop();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  function make(
    writer: OutboxWriter,
    { dir = newDir(), maxMessages = 1000, maxBytes = 1 << 20, sendMaxRecords = 500 } = {},
  ) {
    const metrics = createMetrics('service-a');
    const outbox = new Outbox({
      store: new SqliteOutbox({ dir }),
      writer,
      logger: createLogger({ name: 'outbox-test', level: 'silent' }),
      metrics,
      maxMessages,
      maxBytes,
      pollMs: 10,
      sendMaxRecords,
    });
    open.push(outbox);
    return { outbox, dir, metrics };
  }
  function newDir() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'outbox-unit-'));
    dirs.push(dir);
    return dir;
  }

  it('keeps header bytes exactly, repeated headers as arrays', () => {
    const headers = decodeHeaders(
      encodeHeaders({ a: 'x', b: [Buffer.from([0, 255]), 'y'], c: undefined }),
    );
    expect(headers).toEqual({ a: Buffer.from('x'), b: [Buffer.from([0, 255]), Buffer.from('y')] });
  });

  it('sends what it accepted, oldest first, and ends empty', async () => {
    const writer = new FakeWriter();
    const { outbox } = make(writer, { sendMaxRecords: 3 });
    await outbox.start();
    for (let i = 0; i < 10; i++) await outbox.accept([message(`m${i}`, `k${i % 2}`)]);
    await until('all sent', () => outbox.status().depth === 0 && writer.written().length === 10);
    expect(writer.written()).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(Math.max(...writer.sends.map((s) => s.length))).toBeLessThanOrEqual(3);
    expect(writer.sends[0]?.[0]?.headers).toEqual({
      'content-type': Buffer.from('text/plain'),
      tags: [Buffer.from('a'), Buffer.from([0xff])],
    });
  });

  it('holds messages while Kafka is not ready, and sends them in order after', async () => {
    const writer = new FakeWriter();
    writer.ready = false;
    const { outbox } = make(writer);
    await outbox.start();
    await outbox.accept([message('a'), message('b')]);
    await outbox.accept([message('c')]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(writer.sends).toHaveLength(0);
    expect(outbox.status().depth).toBe(3);
    writer.ready = true;
    await until('sent', () => outbox.status().depth === 0);
    expect(writer.written()).toEqual(['a', 'b', 'c']);
  });

  it('sends a failed batch again, as it was, and counts the resent messages', async () => {
    const writer = new FakeWriter();
    writer.failNext = 2;
    const { outbox, metrics } = make(writer);
    await outbox.accept([message('a'), message('b')]);
    await outbox.start();
    await until('sent', () => outbox.status().depth === 0);
    expect(writer.sends.map((s) => s.map((m) => m.value.toString()))).toEqual([
      ['a', 'b'],
      ['a', 'b'],
      ['a', 'b'],
    ]);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/outbox_resent_total\{service="service-a"\} 2/);
    expect(text).toMatch(/outbox_send_failures_total\{service="service-a"\} 2/);
  });

  it('removes only a message Kafka refuses for good, and sends the others', async () => {
    const writer = new FakeWriter();
    writer.permanent = (m) => m.value.toString() === 'huge';
    const { outbox, metrics } = make(writer);
    await outbox.accept([message('a'), message('huge'), message('c')]);
    await outbox.start();
    await until('done', () => outbox.status().depth === 0);
    expect(writer.written()).toEqual(['a', 'c']);
    expect(await metrics.registry.metrics()).toMatch(
      /outbox_dropped_total\{reason="too-large",service="service-a"\} 1/,
    );
  });

  it('refuses when full, by count and by bytes (503 with Retry-After on HTTP)', async () => {
    const writer = new FakeWriter();
    writer.ready = false;
    const { outbox } = make(writer, { maxMessages: 3, maxBytes: 4096 });
    await outbox.start();
    await outbox.accept([message('a'), message('b')]);
    const full = await outbox.accept([message('c'), message('d')]).catch((e: unknown) => e);
    expect(full).toBeInstanceOf(ProduceError);
    expect((full as ProduceError).failure).toBe('outbox-full');
    const problem = problemOf(full as ProduceError);
    expect(problem.status).toBe(503);
    expect(problem.headers).toEqual({ 'Retry-After': '5' });
    await outbox.accept([message('c')]);
    const tooBig = await outbox.accept([message('x'.repeat(8000))]).catch((e: unknown) => e);
    expect((tooBig as ProduceError).failure).toBe('outbox-full');
    expect(outbox.status().depth).toBe(3);
  });

  it('keeps what it accepted across a close and reopen, and locks its folder', async () => {
    const writer = new FakeWriter();
    writer.ready = false;
    const first = make(writer);
    await first.outbox.start();
    await first.outbox.accept([message('kept-1'), message('kept-2')]);
    expect(() => new SqliteOutbox({ dir: first.dir })).toThrow(OutboxInUseError);
    await first.outbox.stop();
    open.splice(open.indexOf(first.outbox), 1);

    const again = new FakeWriter();
    const second = make(again, { dir: first.dir });
    await second.outbox.start();
    await until('sent after reopen', () => second.outbox.status().depth === 0);
    expect(again.written()).toEqual(['kept-1', 'kept-2']);
  });
});
