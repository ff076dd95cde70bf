// GET /api/messages/stream: Server-Sent Events, one `message` event per record. Each message is
// committable once its event was handed to the operating system; the next one is taken only when
// the socket has room (backpressure), so a slow client never makes the service buffer for it.
import { once } from 'node:events';
import { Router } from 'express';
import {
  methodNotAllowed,
  problems,
  type AvroSchemaRegistry,
  type SchemaResolver,
  type ApiDocPart,
  problemResponse,
} from '@kafka-http/common';
import type { DeliveryBuffer } from '../delivery/delivery-buffer';
import { recordJson } from '../messages/record-view';
import { StreamWrites } from './delivery';

/** A comment line this often keeps proxies from closing an idle stream. */
export const KEEP_ALIVE_MS = 15_000;

export function streamRouter({
  buffer,
  maxValueBytes,
  avro,
  schemas,
  keepAliveMs = KEEP_ALIVE_MS,
}: {
  buffer: DeliveryBuffer;
  maxValueBytes: number;
  avro?: AvroSchemaRegistry;
  schemas?: SchemaResolver;
  keepAliveMs?: number;
}): Router {
  const router = Router();
  router.head('/api/messages/stream', methodNotAllowed(['GET']));
  router.get(
    '/api/messages/stream',
    (req, _res, next) => {
      next(
        req.accepts('text/event-stream')
          ? undefined
          : problems.notAcceptable(['text/event-stream']),
      );
    },
    async (_req, res) => {
      if (buffer.isClosed) {
        throw problems.serviceUnavailable('The service is shutting down; try another instance.', 1);
      }
      const socket = res.socket;
      res.status(200);
      res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('X-Accel-Buffering', 'no');
      res.flushHeaders();
      const gone = new AbortController();
      // Messages written but not yet through; given back if the client goes away.
      const writes = new StreamWrites(res, () => Boolean(socket?.errored));
      res.once('close', () => {
        gone.abort();
        writes.abandonAll();
      });
      while (!gone.signal.aborted && !buffer.isClosed) {
        const lease = await buffer.take(keepAliveMs, gone.signal);
        if (gone.signal.aborted) {
          lease?.abandon();
          break;
        }
        if (!lease) {
          if (!buffer.isClosed) res.write(': keep-alive\n\n');
          continue;
        }
        const { partition, offset } = lease.message;
        // A JSON value from another producer may hold line breaks between its tokens (never inside
        // its strings, where JSON escapes them); a line break would end the event's data line.
        const data = recordJson(lease.message, { maxValueBytes, avro, schemas }).replace(
          /\r\n|\r|\n/g,
          ' ',
        );
        const event = `id: ${partition}-${offset}\nevent: message\ndata: ${data}\n\n`;
        const hasRoom = writes.write(event, lease);
        if (!hasRoom && !gone.signal.aborted) {
          // Ends early (and removes its listener) when the client goes away.
          await once(res, 'drain', { signal: gone.signal }).catch(() => undefined);
        }
      }
      if (!res.writableEnded) res.end();
    },
  );
  router.all('/api/messages/stream', methodNotAllowed(['GET']));
  return router;
}

/** The route's part of the OpenAPI document. */
export const streamApiDocs: ApiDocPart = {
  paths: {
    '/api/messages/stream': {
      get: {
        tags: ['messages'],
        summary: 'Receive messages as Server-Sent Events',
        description:
          'One `message` event per record (`id` is `<partition>-<offset>`, `data` the message JSON). A message counts as delivered once its event was written to the socket; the next is taken only when the socket has room. An idle stream gets a keep-alive comment every 15 s. Swagger UI cannot show a stream: use `curl -N`.',
        responses: {
          '200': {
            description: 'An endless event stream.',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          '406': problemResponse('The client does not accept text/event-stream.'),
        },
      },
    },
  },
};
