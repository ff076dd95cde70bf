// GET /api/messages: the next buffered message. Its offset becomes committable only once the
// response carrying it has been fully written; a client that goes away first puts it back.
import { Router, type Response } from 'express';
import {
  methodNotAllowed,
  preferredResponseType,
  problems,
  requireAcceptable,
  validateQuery,
  type QuerySchema,
} from '@kafka-http/common';
import type { DeliveryBuffer, Lease } from '../delivery/delivery-buffer';
import { recordJson, recordText } from '../messages/record-view';
import { MAX_WAIT_MS } from '../config';

export function consumeQuerySchema(defaultWaitMs: number): QuerySchema {
  return {
    type: 'object',
    properties: {
      waitMs: {
        type: 'integer',
        minimum: 0,
        maximum: MAX_WAIT_MS,
        default: defaultWaitMs,
        description: `How long to wait for a message when none is buffered, in milliseconds (0 to ${MAX_WAIT_MS}). The answer comes as soon as one arrives; 204 if none did.`,
        example: defaultWaitMs,
      },
    },
  };
}

/**
 * Ties a lease to the response: complete once the whole response was handed to the operating
 * system, abandon when the client went away first. Node emits 'finish' even when the socket failed
 * under a pending write, so the socket's error state decides, not the event alone.
 */
export function settleWithResponse(res: Response, lease: Lease): void {
  const socket = res.socket;
  res.once('finish', () => {
    if (socket && !socket.errored) lease.complete();
    else lease.abandon();
  });
  res.once('close', () => {
    if (!res.writableFinished) lease.abandon();
  });
}

/**
 * Writes a message with a plain 200. Not res.send(): it answers a conditional GET (for example
 * `If-None-Match: *`) with a bodiless 304, and the message taken for it would be committed unsent.
 */
function sendMessageBody(res: Response, contentType: string, body: string): void {
  const bytes = Buffer.from(body, 'utf8');
  res.status(200);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', bytes.length);
  res.setHeader('Cache-Control', 'no-store');
  res.end(bytes);
}

export function messagesRouter({
  buffer,
  defaultWaitMs,
}: {
  buffer: DeliveryBuffer;
  defaultWaitMs: number;
}): Router {
  const router = Router();
  // Express would answer HEAD through the GET handler, taking a message and sending no body.
  router.head('/api/messages', methodNotAllowed(['GET']));
  router.get(
    '/api/messages',
    requireAcceptable(),
    validateQuery(consumeQuerySchema(defaultWaitMs)),
    async (req, res) => {
      const { waitMs } = res.locals.query as { waitMs: number };
      const clientGone = new AbortController();
      res.once('close', () => clientGone.abort());
      const lease = await buffer.take(waitMs, clientGone.signal);
      if (!lease) {
        if (buffer.isClosed) {
          throw problems.serviceUnavailable(
            'The service is shutting down; try another instance.',
            1,
          );
        }
        res.status(204).end();
        return;
      }
      if (res.writableEnded || res.destroyed) {
        lease.abandon();
        return;
      }
      settleWithResponse(res, lease);
      const asText = preferredResponseType(req) === 'text/plain';
      sendMessageBody(
        res,
        asText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
        asText ? recordText(lease.message) : recordJson(lease.message),
      );
    },
  );
  router.all('/api/messages', methodNotAllowed(['GET']));
  return router;
}
