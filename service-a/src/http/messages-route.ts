// POST /api/messages: the body becomes one Kafka record; the answer says where it landed.
// The record key comes from `?key=` or a `Kafka-Key` header, record headers from
// `Kafka-Header-<name>` request headers.
import express, { Router, type Request } from 'express';
import {
  HttpProblem,
  methodNotAllowed,
  preferredResponseType,
  problems,
  requireAcceptable,
  validateQuery,
  validTraceparent,
  type QuerySchema,
  otherServiceHint,
  type PeerService,
  type ApiDocPart,
  openApiQueryParameters,
  problemResponse,
} from '@kafka-http/common';
import type { IHeaders } from 'kafkajs';
import {
  CONTENT_TYPE_HEADER,
  encodeRequestBody,
  parseMediaType,
  RESERVED_HEADERS,
  type EncodedValue,
  type EncodeOptions,
  type MessageFormats,
} from '../messages/message-codec';
import { TYPE_NAME } from '../messages/message-types';
import {
  encodeRegistryBody,
  REGISTRY_CONTENT_TYPES,
  type RegistryEncodeOptions,
} from '../messages/registry-codec';
import type {
  MessagePublisher,
  OutgoingMessage,
  PublishedMessage,
} from '../kafka/message-publisher';
import {
  asyncQueryParameter,
  queuedBody,
  type AsyncProducer,
  type QueuedMessage,
} from './async-produce';
import { idempotencyKeyParameter, type IdempotencyStore, type Reply } from './idempotency';
import { problemOf } from './produce-problems';
import { jsonReply, produceAnswerSchemas, replyOnce, textReply } from './reply';
import { formatDocs } from '../messages/format-docs';

export const NO_REGISTRY: RegistryEncodeOptions = { schemas: undefined, autoRegister: false };

export const KEY_HEADER = 'kafka-key';
export const RECORD_HEADER_PREFIX = 'kafka-header-';
export const MAX_KEY_LENGTH = 4096;

export const produceQuerySchema: QuerySchema = {
  type: 'object',
  properties: {
    key: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_KEY_LENGTH,
      description:
        'Record key (or send it in a `Kafka-Key` header), e.g. `user-42`. Records with the same key go to the same partition, so they keep their order.',
    },
    type: {
      type: 'string',
      pattern: TYPE_NAME.source,
      description:
        'A registered message type (a JSON Schema in the schemas folder), e.g. `order`. The value must satisfy it, or the answer is 422 listing each failing field; the record gets a `message-type` header.',
    },
    async: asyncQueryParameter,
  },
};

interface ProduceQuery {
  key?: string;
  type?: string;
  async?: boolean;
}

/**
 * The message type a request must satisfy: the one it names, or the one its topic is bound to.
 * 400 for a type that does not exist, 422 for one other than the topic's.
 */
export function messageTypeFor(
  requested: string | undefined,
  { formats, topicType }: { formats?: MessageFormats; topicType?: string },
): EncodeOptions {
  if (requested !== undefined && !formats?.types.get(requested)) {
    const known = formats?.types.names.join(', ') || 'none';
    throw problems.badRequest(`There is no message type ${requested}. Known types: ${known}.`);
  }
  if (requested !== undefined && topicType !== undefined && requested !== topicType) {
    throw new HttpProblem({
      status: 422,
      title: 'Unprocessable Content',
      detail: `This topic accepts only messages of type ${topicType}, not ${requested}.`,
    });
  }
  return { formats, typeName: requested ?? topicType };
}

/** The record key and headers a POST asks for, from its query string and request headers. */
export function recordMetadataOf(req: Request, queryKey: string | undefined) {
  const headerKey = req.get(KEY_HEADER);
  if (headerKey !== undefined && queryKey !== undefined && headerKey !== queryKey) {
    throw problems.badRequest(
      'The key is given twice (?key= and Kafka-Key) with different values.',
    );
  }
  const key = queryKey ?? headerKey;
  if (key !== undefined && (key.length === 0 || key.length > MAX_KEY_LENGTH)) {
    throw problems.badRequest(`The Kafka-Key header must be 1 to ${MAX_KEY_LENGTH} characters.`);
  }
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith(RECORD_HEADER_PREFIX) || value === undefined) continue;
    const recordHeader = name.slice(RECORD_HEADER_PREFIX.length);
    if (recordHeader === '' || RESERVED_HEADERS.includes(recordHeader)) {
      throw problems.badRequest(
        `Kafka-Header-${recordHeader || '<name>'} cannot be set: name a header other than ${RESERVED_HEADERS.join(', ')} (service-a sets those).`,
      );
    }
    headers[recordHeader] = Array.isArray(value) ? value.join(', ') : value;
  }
  Object.assign(headers, traceHeadersOf(req));
  return { key, headers };
}

/** A valid `traceparent` (and its `tracestate`) travels with the record, so consumers continue the trace. */
export function traceHeadersOf(req: Request): Record<string, string> {
  const traceparent = validTraceparent(req.get('traceparent'));
  if (!traceparent) return {};
  const tracestate = req.get('tracestate');
  return { traceparent, ...(tracestate ? { tracestate } : {}) };
}

export function tutorialSentence(text: string, published: PublishedMessage): string {
  return `Message '${text}' sent to ${published.topic} [[${published.partition}]] @${published.offset}`;
}

export function queuedSentence(text: string, queued: QueuedMessage): string {
  const where = queued.partition === undefined ? '' : ` [[${queued.partition}]]`;
  return `Message '${text}' stored for ${queued.topic}${where}; it is sent when Kafka takes it`;
}

/** Stores one message in the outbox and answers 202: it is sent when Kafka takes it. */
async function acceptOne(
  producer: AsyncProducer,
  message: OutgoingMessage,
  text: string | undefined,
): Promise<Reply> {
  const [result] = await producer.accept([message]);
  if (!result) throw new Error('no result for the message');
  if (!result.ok) throw problemOf(result.error);
  return text === undefined
    ? jsonReply(202, queuedBody(result.queued))
    : textReply(202, queuedSentence(text, result.queued));
}

export function messagesRouter({
  publisher,
  maxMessageBytes,
  idempotency,
  formats,
  topicType,
  asyncProducer,
  benchNoopRoute = false,
  registry,
  peer,
}: {
  publisher: MessagePublisher;
  maxMessageBytes: number;
  idempotency: IdempotencyStore;
  formats?: MessageFormats;
  topicType?: string;
  asyncProducer: AsyncProducer;
  benchNoopRoute?: boolean;
  registry?: RegistryEncodeOptions;
  /** service-b, named when a client GETs here. */
  peer?: PeerService;
}): Router {
  const router = Router();
  const readRequest = [
    // Refuse an unanswerable Accept before anything is written to Kafka.
    requireAcceptable(),
    validateQuery(produceQuerySchema),
    // Every content type is read as bytes; the codec decides what is acceptable.
    express.raw({ type: () => true, limit: maxMessageBytes }),
  ];

  router.post('/api/messages', ...readRequest, async (req, res) => {
    const query = res.locals.query as ProduceQuery;
    const typeOptions = messageTypeFor(query.type, { formats, topicType });
    const mediaType = parseMediaType(req.get('content-type'));
    let encoded: EncodedValue;
    if (mediaType && (REGISTRY_CONTENT_TYPES as readonly string[]).includes(mediaType.type)) {
      const body = req.body as Buffer | undefined;
      const options = registry ?? NO_REGISTRY;
      encoded = await encodeRegistryBody(body, mediaType.params, options, typeOptions);
    } else {
      encoded = encodeRequestBody(
        req.body as Buffer | undefined,
        req.get('content-type'),
        typeOptions,
      );
    }
    const { key, headers } = recordMetadataOf(req, query.key);
    const asText = preferredResponseType(req) === 'text/plain';
    await replyOnce(req, res, idempotency, JSON.stringify({ key, headers }), async () => {
      const message: OutgoingMessage = {
        key,
        value: encoded.value,
        headers: { ...headers, ...encoded.headers, [CONTENT_TYPE_HEADER]: encoded.contentType },
      };
      if (query.async) return acceptOne(asyncProducer, message, asText ? encoded.text : undefined);
      const published = await publisher.publish(message);
      return asText
        ? textReply(200, tutorialSentence(encoded.text, published))
        : jsonReply(200, published);
    });
  });
  const readHere = { does: 'read from', method: 'GET', path: '/api/messages' };
  router.get('/api/messages', methodNotAllowed(['POST'], otherServiceHint(peer, readHere)));
  router.all('/api/messages', methodNotAllowed(['POST']));

  if (benchNoopRoute) {
    // The same reading, validation and encoding as POST /api/messages, and no Kafka: the
    // benchmark's measure of what HTTP handling alone costs on this machine.
    router.post('/api/bench/noop', ...readRequest, (req, res) => {
      const encoded = encodeRequestBody(req.body as Buffer | undefined, req.get('content-type'));
      recordMetadataOf(req, (res.locals.query as { key?: string }).key);
      res.json({
        topic: publisher.topic,
        partition: 0,
        offset: String(encoded.value.length),
        timestamp: new Date().toISOString(),
      });
    });
  }
  return router;
}

// The route's part of the OpenAPI document.

const headerParameters = [
  {
    name: 'Kafka-Key',
    in: 'header',
    required: false,
    description: 'Record key, as an alternative to `?key=`.',
    schema: { type: 'string' },
  },
  {
    name: 'Kafka-Header-Source',
    in: 'header',
    required: false,
    description:
      'Every `Kafka-Header-<name>` request header becomes the record header `<name>` (lower case; ASCII values). This one is an example.',
    schema: { type: 'string' },
  },
];

export function messagesApiDocs({
  topic,
  maxMessageBytes,
  formats,
  topicType,
}: {
  topic: string;
  maxMessageBytes: number;
  formats: MessageFormats;
  topicType?: string;
}): ApiDocPart {
  const docs = formatDocs(formats, topicType);
  const typeParameter = produceQuerySchema.properties.type;
  const queryParameters = openApiQueryParameters(
    typeParameter && formats.types.names.length > 0
      ? {
          ...produceQuerySchema,
          properties: {
            ...produceQuerySchema.properties,
            type: { ...typeParameter, enum: formats.types.names },
          },
        }
      : produceQuerySchema,
  );
  return {
    paths: {
      '/api/messages': {
        post: {
          tags: ['messages'],
          summary: 'Produce one message',
          description: `The body is the message value, at most ${maxMessageBytes} bytes. With \`application/json\` any JSON value is accepted: a JSON string is stored as its text (\`"Hello, Kafka!"\` becomes \`Hello, Kafka!\`), anything else as compact JSON. With \`text/plain\` the text is stored as it is. With \`application/octet-stream\` the bytes are stored exactly as sent (an empty body is a zero-length value). A \`content-type\` record header says which, so service-b returns exactly what was sent.\n\n${docs.summary} A value that does not satisfy its type or Avro schema gets 422 with an \`errors\` list (a JSON Pointer and a reason per failing field), and nothing is produced.`,
          parameters: [...queryParameters, ...headerParameters, idempotencyKeyParameter],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {},
                examples: {
                  tutorial: { summary: 'The tutorial message', value: 'Hello, Kafka!' },
                  object: { summary: 'Any JSON value', value: { greeting: 'Hello', n: 1 } },
                  ...docs.jsonExamples,
                },
              },
              'text/plain': { schema: { type: 'string', example: 'Hello, Kafka!' } },
              'application/octet-stream': {
                schema: { type: 'string', format: 'binary' },
                example: 'any bytes',
              },
              ...docs.avroContent,
              [`application/vnd.schemaregistry+json; subject=${topic}-value`]: {
                schema: {
                  description:
                    "The value as JSON (Avro's JSON encoding, Protobuf's JSON mapping, or JSON for a JSON Schema), encoded with the subject's schema from the schema registry (SCHEMA_REGISTRY_URL) and written in the registry wire format. Parameters: `subject` (required), `version` (a number; the latest when omitted), `message` (Protobuf: which message of the file; the first when omitted), `schema` (with SCHEMA_REGISTRY_AUTO_REGISTER=true: a repository Avro schema to register when the subject has none). 415 for a subject or version the registry does not have, 422 per field that does not fit, 503 while the registry cannot be asked.",
                },
                example: { name: 'Ada' },
              },
            },
          },
          responses: {
            '200': {
              description: 'Kafka acknowledged the message.',
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/Published' } },
                'text/plain': {
                  schema: {
                    type: 'string',
                    example: `Message 'Hello, Kafka!' sent to ${topic} [[0]] @0`,
                  },
                },
              },
            },
            '202': {
              description:
                'With `?async=true`: the message is stored in the outbox and will be sent when Kafka takes it (at least once; `outbox_depth` on /metrics shows what waits). Only a message Kafka refuses for good (too large) is then dropped, logged and counted in `outbox_dropped_total`.',
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/Queued' } },
                'text/plain': {
                  schema: {
                    type: 'string',
                    example: `Message 'Hello, Kafka!' stored for ${topic} [[0]]; it is sent when Kafka takes it`,
                  },
                },
              },
            },
            '400': problemResponse(
              'The body is empty (JSON, text), not valid JSON or not UTF-8, or a query parameter is invalid.',
            ),
            '406': problemResponse(
              'The Accept header names no type this endpoint can answer with.',
            ),
            '413': problemResponse(`The body is larger than ${maxMessageBytes} bytes.`),
            '415': problemResponse(
              'The Content-Type is not application/json, text/plain (UTF-8), application/octet-stream or application/avro+json with a known schema; or bytes were sent where a message type applies.',
            ),
            '422': {
              description:
                'The value does not satisfy its message type or Avro schema (`errors` lists each failing field), or the Idempotency-Key was already used for a different request.',
              content: {
                'application/problem+json': {
                  schema: { $ref: '#/components/schemas/InvalidValue' },
                },
              },
            },
            '503': problemResponse(
              'Kafka is unreachable or did not acknowledge in time, or (with async) the outbox is full or cannot store, and nothing was accepted; retry after the Retry-After seconds.',
            ),
          },
        },
      },
    },
    schemas: {
      ...produceAnswerSchemas(topic),
      ...docs.schemas,
      InvalidValue: {
        allOf: [
          { $ref: '#/components/schemas/Problem' },
          {
            type: 'object',
            properties: {
              errors: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    pointer: {
                      type: 'string',
                      description: 'A JSON Pointer (RFC 6901) into the value.',
                      example: '/items/0/quantity',
                    },
                    detail: { type: 'string', example: 'must be >= 1' },
                  },
                },
              },
            },
          },
        ],
      },
    },
  };
}
