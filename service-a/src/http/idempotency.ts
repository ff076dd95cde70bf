// Idempotency-Key support: a POST retried with the same key within the TTL gets the first answer
// again instead of producing a second time. Only successful answers are remembered (a failed POST
// may be retried and produce); a retry that arrives while the first is still running waits for
// it. The memory used is bounded by the number of keys and their age. No I/O.
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { HttpProblem, problems } from '@kafka-http/common';

export interface Reply {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

interface Entry {
  fingerprint: string;
  reply: Promise<Reply>;
  expiresAt: number;
}

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: { ttlMs: number; maxKeys: number; now?: () => number }) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Runs `produce` once per key: a repeat with the same fingerprint gets the same reply (and
   * `replayed`), one with a different request is refused with 422.
   */
  async run(
    key: string,
    fingerprint: string,
    produce: () => Promise<Reply>,
  ): Promise<{ reply: Reply; replayed: boolean }> {
    this.forgetExpired();
    const existing = this.entries.get(key);
    if (existing && existing.expiresAt > this.now()) {
      if (existing.fingerprint !== fingerprint) {
        throw new HttpProblem({
          status: 422,
          title: 'Unprocessable Content',
          detail: `The ${IDEMPOTENCY_HEADER} was already used for a different request.`,
        });
      }
      return { reply: await existing.reply, replayed: true };
    }
    const reply = produce();
    const entry: Entry = { fingerprint, reply, expiresAt: this.now() + this.options.ttlMs };
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.options.maxKeys) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    const forget = () => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    };
    try {
      const result = await reply;
      if (result.status < 200 || result.status >= 300) forget();
      return { reply: result, replayed: false };
    } catch (error) {
      forget();
      throw error;
    }
  }

  /** Forgets `key` if it still stands for the request with this fingerprint. */
  forget(key: string, fingerprint: string): void {
    if (this.entries.get(key)?.fingerprint === fingerprint) this.entries.delete(key);
  }

  /** Entries are kept in insertion order and share one TTL, so the expired ones come first. */
  private forgetExpired(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) break;
      this.entries.delete(key);
    }
  }
}

/** The request's Idempotency-Key, validated; undefined when it has none. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get(IDEMPOTENCY_HEADER);
  if (key === undefined) return undefined;
  if (!KEY_PATTERN.test(key)) {
    throw problems.badRequest(
      `${IDEMPOTENCY_HEADER} must be 1 to 255 visible ASCII characters without spaces.`,
    );
  }
  return key;
}

/** What makes two requests "the same" for an Idempotency-Key. */
export function fingerprintOf(req: Request, body: Buffer | undefined, extra = ''): string {
  return createHash('sha256')
    .update(
      `${req.method} ${req.path}?${new URLSearchParams(req.query as Record<string, string>)}\n`,
    )
    .update(`${req.get('content-type') ?? ''}\n${req.get('accept') ?? ''}\n${extra}\n`)
    .update(body ?? Buffer.alloc(0))
    .digest('base64url');
}

/** The Idempotency-Key request header, as the API document describes it. */
export const idempotencyKeyParameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'A retry with the same key (and the same request) within IDEMPOTENCY_TTL_MS gets the first answer again, with `Idempotent-Replayed: true`, instead of producing twice. Only successful answers are remembered.',
  schema: { type: 'string', maxLength: 255 },
};
