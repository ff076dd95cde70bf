// POST /api/messages/batch: many messages in one request, each with its own result. Values follow
// the single POST's rule (a JSON string is stored as its text, any other JSON value as JSON);
// `"encoding": "base64"` carries binary values, stored as the decoded bytes.
import express, { Router } from 'express';
import {
  HttpProblem,
  methodNotAllowed,
  problems,
  requestLogger,
  validateJsonBody,
  validateQuery,
  type Logger,
  type QuerySchema,
} from '@kafka-http/common';
import type { IHeaders } from 'kafkajs';
import {
  BINARY_CONTENT_TYPE,
  CONTENT_TYPE_HEADER,
  JSON_CONTENT_TYPE,
  LONE_SURROGATE,
  TEXT_CONTENT_TYPE,
} from '../messages/message-codec';
import type {
  MessagePublisher,
  OutgoingMessage,
  PublishResult,
  QueueResult,
} from '../kafka/message-publisher';
import {
  asyncQueryParameter,
  followQueued,
  queuedBody,
  type AsyncProduceMetrics,
} from './async-produce';
import type { IdempotencyStore, Reply } from './idempotency';
import { MAX_KEY_LENGTH } from './messages-route';
import { jsonReply, replyOnce } from './reply';

export interface BatchLimits {
  maxMessages: number;
  maxBytes: number;
  maxMessageBytes: number;
}

export function batchBodySchema(limits: BatchLimits) {
  return {
    type: 'object',
    required: ['messages'],
    additionalProperties: false,
    properties: {
      messages: {
        type: 'array',
        minItems: 1,
        maxItems: limits.maxMessages,
        items: {
          type: 'object',
          required: ['value'],
          additionalProperties: false,
          properties: {
            value: {
              description:
                'Any JSON value. A string is stored as its text; anything else as compact JSON. With `encoding: "base64"`, a base64 string whose bytes are stored as they are.',
            },
            encoding: {
              type: 'string',
              enum: ['base64'],
              description:
                'Set to `base64` for a binary value: `value` is then standard base64 (with padding) and the decoded bytes are written, with the record header content-type application/octet-stream.',
            },
            key: { type: 'string', minLength: 1, maxLength: MAX_KEY_LENGTH },
            headers: {
              type: 'object',
              additionalProperties: { type: 'string' },
              description: 'Record headers (not content-type, which service-a sets).',
            },
            partition: { type: 'integer', minimum: 0 },
          },
        },
      },
    },
    example: {
      messages: [
        { value: 'Hello, Kafka!' },
        { value: { greeting: 'Hello', n: 1 }, key: 'user-42', headers: { source: 'docs' } },
        { value: 'AAEC/w==', encoding: 'base64' },
      ],
    },
  } as const;
}

interface BatchItem {
  value: unknown;
  encoding?: 'base64';
  key?: string;
  headers?: Record<string, string>;
  partition?: number;
}

function toOutgoing(item: BatchItem, maxMessageBytes: number): OutgoingMessage | HttpProblem {
  if (
    item.headers &&
    Object.keys(item.headers).some((name) => name.toLowerCase() === CONTENT_TYPE_HEADER)
  ) {
    return problems.badRequest('The content-type record header is set by service-a.');
  }
  const encoded = encodeItemValue(item);
  if (encoded instanceof HttpProblem) return encoded;
  const { value, contentType } = encoded;
  if (value.length > maxMessageBytes) {
    return new HttpProblem({
      status: 413,
      title: 'Content Too Large',
      detail: `The value is ${value.length} bytes, more than the limit of ${maxMessageBytes}.`,
    });
  }
  const headers: IHeaders = {
    ...item.headers,
    [CONTENT_TYPE_HEADER]: contentType,
  };
  return { key: item.key, value, headers, partition: item.partition };
}

function encodeItemValue(item: BatchItem): { value: Buffer; contentType: string } | HttpProblem {
  if (item.encoding === 'base64') {
    const bytes = typeof item.value === 'string' ? decodeBase64(item.value) : undefined;
    if (!bytes) {
      return problems.badRequest(
        'With "encoding": "base64" the value must be a standard base64 string (A-Z, a-z, 0-9, +, /, with = padding).',
      );
    }
    return { value: bytes, contentType: BINARY_CONTENT_TYPE };
  }
  if (typeof item.value === 'string') {
    if (LONE_SURROGATE.test(item.value)) {
      return problems.badRequest('The string holds an unpaired surrogate, which is not text.');
    }
    return { value: Buffer.from(item.value, 'utf8'), contentType: TEXT_CONTENT_TYPE };
  }
  return { value: Buffer.from(JSON.stringify(item.value), 'utf8'), contentType: JSON_CONTENT_TYPE };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The bytes of canonical base64, or undefined. Node's decoder skips what it does not understand,
 * so the text is checked first and must encode back to itself (no stray bits in the padding).
 */
export function decodeBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** Puts the results of the valid messages back between the problems of the invalid ones. */
function inPlace<T extends PublishResult | QueueResult>(
  prepared: (OutgoingMessage | HttpProblem)[],
  results: T[],
): (T | { ok: false; problem: HttpProblem })[] {
  let next = 0;
  return prepared.map((p) =>
    p instanceof HttpProblem ? { ok: false, problem: p } : (results[next++] as T),
  );
}

function errorOf(problem: HttpProblem) {
  return { error: { status: problem.status, title: problem.title, detail: problem.detail } };
}

export const batchQuerySchema: QuerySchema = {
  type: 'object',
  properties: { async: asyncQueryParameter },
};

/**
 * `successStatus` (200 written, 202 queued) when every message succeeded, 207 when some did, the
 * common status when none did.
 */
export function batchReply(
  results: ({ ok: true; published: unknown } | { ok: false; problem: HttpProblem })[],
  successStatus = 200,
): Reply {
  const body = results.map((result) => (result.ok ? result.published : errorOf(result.problem)));
  const failures = results.flatMap((result) => (result.ok ? [] : [result.problem]));
  if (failures.length === 0) return jsonReply(successStatus, { results: body });
  const [first] = failures;
  if (
    first &&
    failures.length === results.length &&
    failures.every((p) => p.status === first.status)
  ) {
    const reply = jsonReply(
      first.status,
      {
        type: 'about:blank',
        title: first.title,
        status: first.status,
        detail: `No message was ${successStatus === 202 ? 'queued' : 'written'}: ${first.detail ?? first.title}`,
        results: body,
      },
      'application/problem+json',
    );
    return { ...reply, headers: first.headers };
  }
  return jsonReply(207, { results: body });
}

export function batchRouter({
  publisher,
  limits,
  idempotency,
  asyncMetrics,
  logger,
}: {
  publisher: MessagePublisher;
  limits: BatchLimits;
  idempotency: IdempotencyStore;
  asyncMetrics: AsyncProduceMetrics;
  logger: Logger;
}): Router {
  const router = Router();
  router.post(
    '/api/messages/batch',
    (req, _res, next) => {
      next(
        req.accepts('application/json') ? undefined : problems.notAcceptable(['application/json']),
      );
    },
    validateQuery(batchQuerySchema),
    express.json({ limit: limits.maxBytes, strict: true }),
    validateJsonBody(batchBodySchema(limits)),
    async (req, res) => {
      const items = (req.body as { messages: BatchItem[] }).messages;
      let fingerprint: string;
      try {
        fingerprint = JSON.stringify(req.body);
      } catch {
        // JSON.stringify recurses: a value nested thousands of levels deep overflows the stack.
        throw problems.badRequest('A message value is nested too deeply.');
      }
      const queueOnly = (res.locals.query as { async?: boolean }).async === true;
      await replyOnce(req, res, idempotency, fingerprint, async ({ forget }) => {
        const prepared = items.map((item) => toOutgoing(item, limits.maxMessageBytes));
        const valid = prepared.filter((p): p is OutgoingMessage => !(p instanceof HttpProblem));
        if (queueOnly) {
          const queued = publisher.enqueueMany(valid);
          followQueued(queued, {
            log: requestLogger(req, logger),
            metrics: asyncMetrics,
            onFailure: forget,
          });
          const results = inPlace(prepared, queued).map((result) =>
            result.ok ? { ok: true as const, published: queuedBody(result.queued) } : result,
          );
          return batchReply(results, 202);
        }
        return batchReply(inPlace(prepared, await publisher.publishMany(valid)));
      });
    },
  );
  router.all('/api/messages/batch', methodNotAllowed(['POST']));
  return router;
}
