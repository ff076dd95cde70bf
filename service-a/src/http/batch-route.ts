// POST /api/messages/batch: many messages in one request, each with its own result. Values follow
// the single POST's rule (a JSON string is stored as its text, any other JSON value as JSON).
import express, { Router } from 'express';
import { HttpProblem, methodNotAllowed, problems, validateJsonBody } from '@kafka-http/common';
import type { IHeaders } from 'kafkajs';
import {
  CONTENT_TYPE_HEADER,
  JSON_CONTENT_TYPE,
  LONE_SURROGATE,
  TEXT_CONTENT_TYPE,
} from '../messages/message-codec';
import type { MessagePublisher, OutgoingMessage, PublishResult } from '../kafka/message-publisher';
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
                'Any JSON value. A string is stored as its text; anything else as compact JSON.',
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
      ],
    },
  } as const;
}

interface BatchItem {
  value: unknown;
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
  const isText = typeof item.value === 'string';
  if (isText && LONE_SURROGATE.test(item.value as string)) {
    return problems.badRequest('The string holds an unpaired surrogate, which is not text.');
  }
  const value = Buffer.from(isText ? (item.value as string) : JSON.stringify(item.value), 'utf8');
  if (value.length > maxMessageBytes) {
    return new HttpProblem({
      status: 413,
      title: 'Content Too Large',
      detail: `The value is ${value.length} bytes, more than the limit of ${maxMessageBytes}.`,
    });
  }
  const headers: IHeaders = {
    ...item.headers,
    [CONTENT_TYPE_HEADER]: isText ? TEXT_CONTENT_TYPE : JSON_CONTENT_TYPE,
  };
  return { key: item.key, value, headers, partition: item.partition };
}

function errorOf(problem: HttpProblem) {
  return { error: { status: problem.status, title: problem.title, detail: problem.detail } };
}

/** 200 when every message was written, 207 when some were, the common status when none was. */
export function batchReply(results: PublishResult[]): Reply {
  const body = results.map((result) => (result.ok ? result.published : errorOf(result.problem)));
  const failures = results.flatMap((result) => (result.ok ? [] : [result.problem]));
  if (failures.length === 0) return jsonReply(200, { results: body });
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
        detail: `No message was written: ${first.detail ?? first.title}`,
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
}: {
  publisher: MessagePublisher;
  limits: BatchLimits;
  idempotency: IdempotencyStore;
}): Router {
  const router = Router();
  router.post(
    '/api/messages/batch',
    (req, _res, next) => {
      next(
        req.accepts('application/json') ? undefined : problems.notAcceptable(['application/json']),
      );
    },
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
      await replyOnce(req, res, idempotency, fingerprint, async () => {
        const prepared = items.map((item) => toOutgoing(item, limits.maxMessageBytes));
        const valid = prepared.filter((p): p is OutgoingMessage => !(p instanceof HttpProblem));
        const published = await publisher.publishMany(valid);
        let next = 0;
        const results = prepared.map((p): PublishResult =>
          p instanceof HttpProblem
            ? { ok: false, problem: p }
            : (published[next++] as PublishResult),
        );
        return batchReply(results);
      });
    },
  );
  router.all('/api/messages/batch', methodNotAllowed(['POST']));
  return router;
}
