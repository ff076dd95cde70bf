// How a response settles the messages it carries. Auto acknowledgement (the default): committable
// once the whole response was handed to the operating system, back to the head of the queue when
// the client went away first. Manual: held with a receipt until acked, nacked or expired; a
// response that failed to reach the client gives its messages back at once.
import type { Writable } from 'node:stream';
import type { Response } from 'express';
import type { AckRegistry } from '../delivery/ack-registry';
import type { Lease } from '../delivery/delivery-buffer';

export type AckMode = 'auto' | 'manual';

/**
 * Calls `delivered` when a 2xx response with a body was fully written and `lost` otherwise: a
 * response cut short, or any other status (an exception while rendering becomes the error
 * handler's 500, which carries no message). Node emits 'finish' even when the socket failed under
 * a pending write, so the socket's error state decides, not the event alone.
 */
export function onResponseOutcome(res: Response, delivered: () => void, lost: () => void): void {
  const socket = res.socket;
  let settled = false;
  const settle = (ok: boolean) => {
    if (settled) return;
    settled = true;
    if (ok) delivered();
    else lost();
  };
  res.once('finish', () =>
    settle(Boolean(socket) && !socket?.errored && carriesBody(res.statusCode)),
  );
  res.once('close', () => {
    if (!res.writableFinished) settle(false);
  });
}

/** A 2xx that has a body: 204 and 205 cannot carry a message. */
function carriesBody(status: number): boolean {
  return status >= 200 && status < 300 && status !== 204 && status !== 205;
}

/**
 * The messages of a stream that were written but whose writes have not yet gone through. Each
 * becomes committable only once its write went through (the write's callback, without an error
 * and with the socket not failed); a failed write, or the client leaving first (`abandonAll`),
 * gives it back. Whichever comes first settles it; the other does nothing.
 */
export class StreamWrites {
  private readonly pending = new Set<Lease>();

  constructor(
    private readonly stream: Writable,
    /** The socket under the stream, whose failure a write's callback may not report. */
    private readonly socketFailed: () => boolean = () => false,
  ) {}

  /** Writes `chunk`, which carries `lease`'s message; false when the stream wants a drain. */
  write(chunk: string, lease: Lease): boolean {
    this.pending.add(lease);
    return this.stream.write(chunk, (error) => {
      if (!this.pending.delete(lease)) return;
      if (error || this.socketFailed()) lease.abandon();
      else lease.complete();
    });
  }

  /** The client went away: every message not yet through is given back. */
  abandonAll(): void {
    for (const lease of this.pending) lease.abandon();
    this.pending.clear();
  }
}

export interface Delivery {
  /** Extra fields for each message's JSON (receipt and deadline in manual mode; none in auto). */
  extras: (Record<string, string> | undefined)[];
}

/** Prepares the leases for a response and arranges how they settle with it. */
export function deliverWith(
  res: Response,
  leases: Lease[],
  mode: AckMode,
  { acks, visibilityMs }: { acks: AckRegistry; visibilityMs: number },
): Delivery {
  if (mode === 'auto') {
    onResponseOutcome(
      res,
      () => leases.forEach((lease) => lease.complete()),
      () => leases.forEach((lease) => lease.abandon()),
    );
    return { extras: [] };
  }
  const held = leases.map((lease) => acks.hold(lease, visibilityMs));
  onResponseOutcome(
    res,
    () => undefined,
    () => held.forEach(({ receipt }) => acks.nack(receipt)),
  );
  return {
    extras: held.map(({ receipt, visibleUntil }) => ({
      receipt,
      visibleUntil: visibleUntil.toISOString(),
    })),
  };
}

/**
 * Writes a body with a plain 200. Not res.send(): it answers a conditional GET (for example
 * `If-None-Match: *`) with a bodiless 304, and the messages taken for it would count as delivered.
 */
export function sendBody(res: Response, contentType: string, body: string | Buffer): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.status(200);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', bytes.length);
  res.setHeader('Cache-Control', 'no-store');
  res.end(bytes);
}
