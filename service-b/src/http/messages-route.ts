// GET /api/messages: the next buffered message. Its offset becomes committable only once the
// response carrying it has been fully written; a client that goes away first puts it back.
import { Router, type Response } from 'express';
import { methodNotAllowed, problems, validateQuery, type QuerySchema } from '@kafka-http/common';
import type { DeliveryBuffer, Lease } from '../delivery/delivery-buffer';
import { recordJson, recordText } from '../messages/record-view';
import { MAX_WAIT_MS } from '../config';

export const RESPONSE_TYPES = ['application/json', 'text/plain'] as const;

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

export function messagesRouter({
  buffer,
  defaultWaitMs,
}: {
  buffer: DeliveryBuffer;
  defaultWaitMs: number;
}): Router {
  const router = Router();
  router.get(
    '/api/messages',
    (req, _res, next) => {
      next(req.accepts([...RESPONSE_TYPES]) ? undefined : problems.notAcceptable(RESPONSE_TYPES));
    },
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
      res.setHeader('Cache-Control', 'no-store');
      if (req.accepts([...RESPONSE_TYPES]) === 'text/plain') {
        res.type('text/plain').send(recordText(lease.message));
        return;
      }
      res.type('application/json').send(recordJson(lease.message));
    },
  );
  router.all('/api/messages', methodNotAllowed(['GET']));
  return router;
}
