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
import type { IdempotencyStore, Reply } from './idempotency';
import { problemOf } from './produce-problems';
import { jsonReply, replyOnce, textReply } from './reply';

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
