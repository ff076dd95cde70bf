// POST /api/messages/batch: many messages in one request, each with its own result. Values follow
// the single POST's rule (a JSON string is stored as its text, any other JSON value as JSON);
// `"encoding": "base64"` carries binary values, stored as the decoded bytes.
import express, { Router } from 'express';
import {
  AVRO_CONTENT_TYPE,
  HttpProblem,
  methodNotAllowed,
  problems,
  validateJsonBody,
  validateQuery,
  type QuerySchema,
  type SubjectSchema,
  otherServiceHint,
  type PeerService,
  type ApiDocPart,
  openApiQueryParameters,
  problemResponse,
} from '@kafka-http/common';
import type { IHeaders } from 'kafkajs';
import {
  BINARY_CONTENT_TYPE,
  checkMessageType,
  CONTENT_TYPE_HEADER,
  encodeAvro,
  JSON_CONTENT_TYPE,
  LONE_SURROGATE,
  RESERVED_HEADERS,
  TEXT_CONTENT_TYPE,
  type MessageFormats,
} from '../messages/message-codec';
import { TYPE_NAME } from '../messages/message-types';
import {
  encodeFramed,
  resolveSubject,
  type RegistryEncodeOptions,
} from '../messages/registry-codec';
import type { MessagePublisher, OutgoingMessage, PublishResult } from '../kafka/message-publisher';
import {
  asyncQueryParameter,
  queuedBody,
  type AcceptResult,
  type AsyncProducer,
} from './async-produce';
import { idempotencyKeyParameter, type IdempotencyStore, type Reply } from './idempotency';
import { problemOf } from './produce-problems';
import { MAX_KEY_LENGTH, messageTypeFor, NO_REGISTRY } from './messages-route';
import { jsonReply, produceAnswerSchemas, replyOnce } from './reply';

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
            type: {
              type: 'string',
              pattern: TYPE_NAME.source,
              description:
                'A registered message type the value must satisfy (422 for this message otherwise).',
            },
            schema: {
              type: 'string',
              minLength: 1,
              description:
                "An Avro schema name: the value (in Avro's JSON encoding) is stored as Avro binary.",
            },
            subject: {
              type: 'string',
              minLength: 1,
              description:
                'A schema registry subject: the value is encoded with its schema (the latest, or `version`) in the registry wire format, as with `Content-Type: application/vnd.schemaregistry+json; subject=...` on the single POST.',
            },
            version: {
              type: 'integer',
              minimum: 1,
              description: 'With `subject`: the version to write with (the latest when omitted).',
            },
            message: {
              type: 'string',
              minLength: 1,
              description:
                'With a Protobuf `subject`: the message of the file to write (the first when omitted).',
            },
          },
        },
      },
    },
    example: {
      messages: [
        { value: 'Hello, Kafka!' },
        { value: { greeting: 'Hello', n: 1 }, key: 'user-42', headers: { source: 'docs' } },
        {
          value: { id: 10042, name: 'Ada Lovelace', email: 'ada@example.com' },
          schema: 'example.User',
        },
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
  type?: string;
  schema?: string;
  subject?: string;
  version?: number;
  message?: string;
}

export interface BatchFormats {
  formats?: MessageFormats;
  topicType?: string;
  registry?: RegistryEncodeOptions;
}

/** The registry schemas a batch names, looked up once per subject and version. */
type SubjectSchemas = Map<string, SubjectSchema | HttpProblem>;

const subjectKey = (item: BatchItem) => `${item.subject}\u0000${item.version ?? 'latest'}`;

async function resolveSubjects(items: readonly BatchItem[], registry: RegistryEncodeOptions) {
  const found: SubjectSchemas = new Map();
  const named = items.filter((item) => item.subject !== undefined);
  await Promise.all(
    [...new Map(named.map((item) => [subjectKey(item), item])).entries()].map(
      async ([key, item]) => {
        const params = { subject: item.subject, version: item.version?.toString() };
        try {
          found.set(key, await resolveSubject(params, registry));
        } catch (error) {
          if (!(error instanceof HttpProblem)) throw error;
          found.set(key, error);
        }
      },
    ),
  );
  return found;
}

function encodeItem(
  item: BatchItem,
  { formats, topicType }: BatchFormats,
  subjects: SubjectSchemas,
) {
  const typed = messageTypeFor(item.type, { formats, topicType });
  if (item.subject !== undefined) {
    if (item.schema !== undefined || item.encoding !== undefined) {
      throw problems.badRequest(
        'A message names a registry "subject", or an Avro "schema", or base64 bytes: one of them.',
      );
    }
    const schema = subjects.get(subjectKey(item));
    if (schema === undefined || schema instanceof HttpProblem) {
      throw schema ?? new Error('the subject was not looked up');
    }
    const typeHeaders = checkMessageType(item.value, typed);
    const framed = encodeFramed(schema, item.value, JSON.stringify(item.value), item.message);
    return {
      value: framed.value,
      headers: { ...typeHeaders, [CONTENT_TYPE_HEADER]: framed.contentType },
    };
  }
  if (item.encoding === 'base64') {
    if (item.schema !== undefined) {
      throw problems.badRequest('A message is either Avro ("schema") or base64 bytes, not both.');
    }
    if (typed.typeName !== undefined) {
      throw problems.unsupportedMediaType(
        `Values of the message type ${typed.typeName} are JSON or text; base64 bytes cannot be checked against it.`,
      );
    }
    const bytes = typeof item.value === 'string' ? decodeBase64(item.value) : undefined;
    if (!bytes) {
      throw problems.badRequest(
        'With "encoding": "base64" the value must be a standard base64 string (A-Z, a-z, 0-9, +, /, with = padding).',
      );
    }
    return { value: bytes, headers: { [CONTENT_TYPE_HEADER]: BINARY_CONTENT_TYPE } };
  }
  const typeHeaders = checkMessageType(item.value, typed);
  if (item.schema !== undefined) {
    if (!formats) throw problems.unsupportedMediaType('Avro is not available here.');
    const avro = encodeAvro(formats.avro, item.schema, item.value);
    return {
      value: avro.value,
      headers: { ...typeHeaders, ...avro.headers, [CONTENT_TYPE_HEADER]: AVRO_CONTENT_TYPE },
    };
  }
  const isText = typeof item.value === 'string';
  if (isText && LONE_SURROGATE.test(item.value as string)) {
    throw problems.badRequest('The string holds an unpaired surrogate, which is not text.');
  }
  return {
    value: Buffer.from(isText ? (item.value as string) : JSON.stringify(item.value), 'utf8'),
    headers: {
      ...typeHeaders,
      [CONTENT_TYPE_HEADER]: isText ? TEXT_CONTENT_TYPE : JSON_CONTENT_TYPE,
    },
  };
}

function toOutgoing(
  item: BatchItem,
  maxMessageBytes: number,
  formats: BatchFormats,
  subjects: SubjectSchemas,
): OutgoingMessage | HttpProblem {
  const reserved = Object.keys(item.headers ?? {}).find((name) =>
    RESERVED_HEADERS.includes(name.toLowerCase()),
  );
  if (reserved !== undefined) {
    return problems.badRequest(`The ${reserved} record header is set by service-a.`);
  }
  let encoded: { value: Buffer; headers: Record<string, string> };
  try {
    encoded = encodeItem(item, formats, subjects);
  } catch (error) {
    if (error instanceof HttpProblem) return error;
    throw error;
  }
  const { value } = encoded;
  if (value.length > maxMessageBytes) {
    return new HttpProblem({
      status: 413,
      title: 'Content Too Large',
      detail: `The value is ${value.length} bytes, more than the limit of ${maxMessageBytes}.`,
    });
  }
  const headers: IHeaders = { ...item.headers, ...encoded.headers };
  return { key: item.key, value, headers, partition: item.partition };
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

type ItemResult<T> = Extract<T, { ok: true }> | { ok: false; problem: HttpProblem };

/**
 * Puts the results of the valid messages back between the problems of the invalid ones; a message
 * Kafka or the outbox did not take gets the problem its error stands for.
 */
function inPlace<T extends PublishResult | AcceptResult>(
  prepared: (OutgoingMessage | HttpProblem)[],
  results: T[],
): ItemResult<T>[] {
  let next = 0;
  return prepared.map((p): ItemResult<T> => {
    if (p instanceof HttpProblem) return { ok: false, problem: p };
    const result = results[next++] as T;
    return result.ok
      ? (result as Extract<T, { ok: true }>)
      : { ok: false, problem: problemOf(result.error) };
  });
}

function errorOf(problem: HttpProblem) {
  return {
    error: {
      status: problem.status,
      title: problem.title,
      detail: problem.detail,
      ...problem.extensions,
    },
  };
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
  formats = {},
  asyncProducer,
  peer,
}: {
  publisher: MessagePublisher;
  limits: BatchLimits;
  idempotency: IdempotencyStore;
  formats?: BatchFormats;
  asyncProducer: AsyncProducer;
  /** service-b, named when a client GETs here. */
  peer?: PeerService;
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
      await replyOnce(req, res, idempotency, fingerprint, async () => {
        const subjects = await resolveSubjects(items, formats.registry ?? NO_REGISTRY);
        const prepared = items.map((item) =>
          toOutgoing(item, limits.maxMessageBytes, formats, subjects),
        );
        const valid = prepared.filter((p): p is OutgoingMessage => !(p instanceof HttpProblem));
        if (queueOnly) {
          // All valid messages are stored together, or none is (503).
          const queued = await asyncProducer.accept(valid);
          const results = inPlace(prepared, queued).map((result) =>
            result.ok ? { ok: true as const, published: queuedBody(result.queued) } : result,
          );
          return batchReply(results, 202);
        }
        return batchReply(inPlace(prepared, await publisher.publishMany(valid)));
      });
    },
  );
  const readHere = { does: 'read from', method: 'GET', path: '/api/messages/batch' };
  router.get('/api/messages/batch', methodNotAllowed(['POST'], otherServiceHint(peer, readHere)));
  router.all('/api/messages/batch', methodNotAllowed(['POST']));
  return router;
}

// The route's part of the OpenAPI document.

/** One message's result: written, stored in the outbox (async), or why it was not. */
const batchResultSchema = {
  oneOf: [
    { $ref: '#/components/schemas/Published' },
    { $ref: '#/components/schemas/Queued' },
    {
      type: 'object',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['status', 'title'],
          properties: {
            status: { type: 'integer' },
            title: { type: 'string' },
            detail: { type: 'string' },
          },
        },
      },
    },
  ],
};

/** A problem for the whole batch that may list every message's error in `results`. */
function everyMessageFailed(description: string) {
  return {
    description,
    content: {
      'application/problem+json': { schema: { $ref: '#/components/schemas/BatchFailure' } },
    },
  };
}

export function batchApiDocs({
  topic,
  batchLimits,
}: {
  topic: string;
  batchLimits: BatchLimits;
}): ApiDocPart {
  const { example: batchExample, ...batchSchema } = batchBodySchema(batchLimits);
  return {
    paths: {
      '/api/messages/batch': {
        post: {
          tags: ['messages'],
          summary: 'Produce many messages',
          description: `Up to ${batchLimits.maxMessages} messages, at most ${batchLimits.maxBytes} bytes of JSON. Each value follows the single POST's rule (a string is stored as its text, any other JSON value as compact JSON; send numbers beyond double precision as strings). A binary value is a base64 string with \`"encoding": "base64"\`, stored as the decoded bytes (record content-type application/octet-stream). Each message gets its own result, in order: where it landed (or, with \`?async=true\`, that it was stored in the outbox), or its error.`,
          parameters: [...openApiQueryParameters(batchQuerySchema), idempotencyKeyParameter],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: batchSchema, example: batchExample } },
          },
          responses: {
            '200': {
              description: 'Every message was written.',
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/BatchResults' } },
              },
            },
            '202': {
              description:
                'With `?async=true`: every message was stored in the outbox together (each result is `{ status: "queued", topic, partition }`), none sent yet.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['results'],
                    properties: {
                      results: { type: 'array', items: { $ref: '#/components/schemas/Queued' } },
                    },
                  },
                },
              },
            },
            '207': {
              description:
                'Some messages were written (or, with async, stored); each result says which (an `error` member marks a failure).',
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/BatchResults' } },
              },
            },
            '400': everyMessageFailed(
              'The body is not a valid batch, or every message was refused for the same reason (a value that is not valid base64, say; then `results` lists each).',
            ),
            '406': problemResponse('The client does not accept application/json.'),
            '413': everyMessageFailed(
              'The body is too large, or every value is larger than MAX_MESSAGE_BYTES (`results` lists each).',
            ),
            '415': everyMessageFailed(
              'The body is not application/json, or no message could be encoded as its subject or content type asks (`results` lists each).',
            ),
            '422': everyMessageFailed(
              'No message satisfies its message type or schema, or names a partition that exists; `results` lists each.',
            ),
            '503': everyMessageFailed(
              'No message was written: Kafka is unreachable or too slow (with Retry-After); `results` lists each.',
            ),
          },
        },
      },
    },
    schemas: {
      ...produceAnswerSchemas(topic),
      BatchResults: {
        type: 'object',
        required: ['results'],
        properties: { results: { type: 'array', items: batchResultSchema } },
      },
      BatchFailure: {
        allOf: [
          { $ref: '#/components/schemas/Problem' },
          {
            type: 'object',
            properties: { results: { type: 'array', items: batchResultSchema } },
          },
        ],
      },
    },
  };
}
