// Manual acknowledgement: a message handed out with a receipt stays leased (its offset cannot be
// committed, and the commit watermark cannot pass it) until the client acks it, nacks it, or its
// visibility deadline passes; then it is committed, or made available again. Pure logic plus timers.
import { randomBytes } from 'node:crypto';
import type { Lease } from './delivery-buffer';

export type AckOutcome = 'acked' | 'nacked' | 'expired' | 'unknown' | 'other-instance';

interface Held {
  lease: Lease;
  timer: NodeJS.Timeout;
}

/** How many expired receipts are remembered, to tell "expired" from "never issued". */
const REMEMBERED_EXPIRIES = 10_000;

export class AckRegistry {
  private readonly held = new Map<string, Held>();
  private readonly expired = new Set<string>();
  /** Running totals by outcome. */
  readonly totals = { acked: 0, nacked: 0, expired: 0 };

  /** `instanceId` prefixes every receipt, so another instance can say whose receipt it is. */
  constructor(private readonly instanceId: string) {}

  get size(): number {
    return this.held.size;
  }

  /** Holds a lease until ack, nack or the deadline; returns its receipt and deadline. */
  hold(lease: Lease, visibilityMs: number): { receipt: string; visibleUntil: Date } {
    const receipt = `${this.instanceId}.${randomBytes(12).toString('base64url')}`;
    const timer = setTimeout(() => this.expire(receipt), visibilityMs);
    timer.unref();
    this.held.set(receipt, { lease, timer });
    return { receipt, visibleUntil: new Date(Date.now() + visibilityMs) };
  }

  /** The client has the message: it may be committed. */
  ack(receipt: string): AckOutcome {
    return this.settle(receipt, 'acked', (lease) => lease.complete());
  }

  /** The client gives the message back: it is delivered again, first in its partition. */
  nack(receipt: string): AckOutcome {
    return this.settle(receipt, 'nacked', (lease) => lease.abandon());
  }

  /** Makes every held message available again (at shutdown; another instance delivers them). */
  releaseAll(): void {
    for (const receipt of [...this.held.keys()]) this.nack(receipt);
  }

  private settle(receipt: string, outcome: AckOutcome, action: (lease: Lease) => void): AckOutcome {
    const held = this.held.get(receipt);
    if (!held) {
      if (this.expired.has(receipt)) return 'expired';
      return receipt.startsWith(`${this.instanceId}.`) ? 'unknown' : 'other-instance';
    }
    clearTimeout(held.timer);
    this.held.delete(receipt);
    action(held.lease);
    if (outcome === 'acked') this.totals.acked++;
    else this.totals.nacked++;
    return outcome;
  }

  private expire(receipt: string): void {
    const held = this.held.get(receipt);
    if (!held) return;
    this.held.delete(receipt);
    held.lease.abandon();
    this.totals.expired++;
    this.expired.add(receipt);
    if (this.expired.size > REMEMBERED_EXPIRIES) {
      const oldest = this.expired.values().next().value;
      if (oldest !== undefined) this.expired.delete(oldest);
    }
  }
}
