// Answers computed as values (so an Idempotency-Key can replay them) and written in one place.
import type { Request, Response } from 'express';
import { recordPositionProperties } from '@kafka-http/common';
import { fingerprintOf, idempotencyKeyOf, type IdempotencyStore, type Reply } from './idempotency';

/**
 * Runs `produce` under the request's Idempotency-Key, if any, and writes its reply. `forget`
 * lets go of the key later (an asynchronous produce that failed after its 202), so a retry
 * produces again.
 */
export async function replyOnce(
  req: Request,
  res: Response,
  store: IdempotencyStore,
  fingerprintExtra: string,
  produce: (idempotency: { forget(): void }) => Promise<Reply>,
): Promise<void> {
  const key = idempotencyKeyOf(req);
  let reply: Reply;
  let replayed = false;
  if (key) {
    const fingerprint = fingerprintOf(req, rawBody(req), fingerprintExtra);
    const forget = () => store.forget(key, fingerprint);
    ({ reply, replayed } = await store.run(key, fingerprint, () => produce({ forget })));
  } else {
    reply = await produce({ forget: () => undefined });
  }
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (replayed) res.setHeader('Idempotent-Replayed', 'true');
  res.status(reply.status).type(reply.contentType).send(reply.body);
}

function rawBody(req: Request): Buffer | undefined {
  return Buffer.isBuffer(req.body) ? req.body : undefined;
}

export function jsonReply(status: number, body: unknown, contentType = 'application/json'): Reply {
  return { status, contentType, body: JSON.stringify(body) };
}

/** A plain-text answer: one line, ended with a newline as terminals and `curl` expect. */
export function textReply(status: number, sentence: string): Reply {
  return { status, contentType: 'text/plain', body: `${sentence}\n` };
}

/** The OpenAPI schemas of the answers both produce routes give: written, or stored in the outbox. */
export function produceAnswerSchemas(topic: string): Record<string, unknown> {
  return {
    Queued: {
      type: 'object',
      required: ['status', 'topic'],
      properties: {
        status: { type: 'string', enum: ['queued'] },
        topic: { type: 'string', example: topic },
        partition: {
          type: 'integer',
          example: 0,
          description:
            'Chosen when stored (the key decides, or round robin); absent when service-a did not know the partitions yet (Kafka unreachable since it started): then chosen when sent, the same way.',
        },
      },
      example: { status: 'queued', topic, partition: 0 },
    },
    Published: {
      type: 'object',
      required: ['topic', 'partition', 'offset', 'timestamp'],
      properties: {
        ...recordPositionProperties(topic),
        timestamp: { type: 'string', format: 'date-time' },
      },
    },
  };
}
