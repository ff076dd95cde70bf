// GET /api/messages and GET /api/messages/batch: the next buffered message(s), waiting up to
// waitMs for one to arrive (long polling: answered the moment a message is offered).
import { Router, type Response } from 'express';
import {
  methodNotAllowed,
  preferredResponseType,
  problems,
  RAW_MESSAGE_RESPONSE_TYPES,
  requireAcceptable,
  validateQuery,
  validTraceparent,
  type AvroSchemaRegistry,
  type SchemaResolver,
  type KafkaReachabilityView,
  type QueryProperty,
  type QuerySchema,
  type ApiDocPart,
  problemResponse,
  openApiQueryParameters,
  otherServiceHint,
  type PeerService,
} from '@kafka-http/common';
import type { AckRegistry } from '../delivery/ack-registry';
import type { DeliveryBuffer, Lease } from '../delivery/delivery-buffer';
import { rawRecord } from '../messages/raw-view';
import { headerText, recordText, writeRecordJson } from '../messages/record-view';
import { JsonWriter } from '../messages/json-writer';
import { messageSchemas } from '../messages/message-schema';
import { MAX_VISIBILITY_MS, MAX_WAIT_MS } from '../config';
import { deliverWith, sendBody, type AckMode } from './delivery';

export interface ConsumeLimits {
  defaultWaitMs: number;
  defaultVisibilityMs: number;
  batchMaxMessages: number;
  maxValueBytes: number;
}

function sharedParameters(limits: ConsumeLimits): Record<string, QueryProperty> {
  return {
    waitMs: {
      type: 'integer',
      minimum: 0,
      maximum: MAX_WAIT_MS,
      default: limits.defaultWaitMs,
      description: `How long to wait for a message when none is buffered, in milliseconds (0 to ${MAX_WAIT_MS}). The answer comes the moment one arrives; 204 if none did.`,
      example: limits.defaultWaitMs,
    },
    ack: {
      type: 'string',
      enum: ['auto', 'manual'],
      default: 'auto',
      description:
        '`auto`: a message counts as delivered once its response was written. `manual`: each message comes with a `receipt` and stays invisible until `visibleUntil`; POST the receipt to /api/messages/ack (or /nack), or it is delivered again after the deadline.',
    },
    visibilityMs: {
      type: 'integer',
      minimum: 1000,
      maximum: MAX_VISIBILITY_MS,
      default: limits.defaultVisibilityMs,
      description: 'With ack=manual: how long the client has to acknowledge, in milliseconds.',
    },
  };
}

export function singleQuerySchema(limits: ConsumeLimits): QuerySchema {
  return { type: 'object', properties: sharedParameters(limits) };
}

export function batchQuerySchema(limits: ConsumeLimits): QuerySchema {
  return {
    type: 'object',
    properties: {
      max: {
        type: 'integer',
        minimum: 1,
        maximum: limits.batchMaxMessages,
        default: Math.min(100, limits.batchMaxMessages),
        description: `Most messages to return (1 to ${limits.batchMaxMessages}). The answer comes as soon as at least one is available.`,
        example: 10,
      },
      ...sharedParameters(limits),
    },
  };
}

const UNREACHABLE_RETRY_AFTER_SECONDS = 5;

interface ConsumeQuery {
  waitMs: number;
  ack: AckMode;
  visibilityMs: number;
  max?: number;
}

/** Takes up to `max` messages for this request, waiting `waitMs`; undefined: answer without any. */
async function takeForRequest(
  res: Response,
  { max, waitMs }: { max: number; waitMs: number },
  { buffer, kafka }: { buffer: DeliveryBuffer; kafka?: KafkaReachabilityView },
): Promise<Lease[] | undefined> {
  // Under load most requests find messages waiting: those need no abort signal and no listener.
  let leases = buffer.takeBatchNow(max);
  if (leases.length === 0) {
    const clientGone = new AbortController();
    const onClose = () => clientGone.abort();
    res.once('close', onClose);
    leases = await buffer.takeBatch(max, waitMs, clientGone.signal);
    // Aborting creates an exception object: only a client that leaves while waiting needs it.
    res.off('close', onClose);
  }
  if (leases.length === 0) {
    if (buffer.isClosed) {
      throw problems.serviceUnavailable('The service is shutting down; try another instance.', 1);
    }
    // Nothing buffered means "no message" only while Kafka answers; otherwise, "cannot tell".
    if (kafka && !kafka.isReachable()) {
      throw problems.serviceUnavailable(
        'Kafka is unreachable: no broker answers, and no message is buffered here. Try again shortly.',
        UNREACHABLE_RETRY_AFTER_SECONDS,
      );
    }
    return undefined;
  }
  if (res.writableEnded || res.destroyed) {
    leases.forEach((lease) => lease.abandon());
    return undefined;
  }
  return leases;
}

export function messagesRouter({
  buffer,
  acks,
  limits,
  avro,
  schemas,
  kafka,
  peer,
}: {
  buffer: DeliveryBuffer;
  acks: AckRegistry;
  limits: ConsumeLimits;
  avro?: AvroSchemaRegistry;
  schemas?: SchemaResolver;
  kafka?: KafkaReachabilityView;
  /** service-a, named when a client POSTs here. */
  peer?: PeerService;
}): Router {
  const router = Router();
  const render = { maxValueBytes: limits.maxValueBytes, avro, schemas };
  // Express would answer HEAD through the GET handler, taking messages and sending no body.
  router.head(['/api/messages', '/api/messages/batch'], methodNotAllowed(['GET']));

  router.get(
    '/api/messages',
    requireAcceptable(RAW_MESSAGE_RESPONSE_TYPES),
    validateQuery(singleQuerySchema(limits)),
    (req, res, next) => {
      // The receipt travels in the JSON body, or in headers beside raw bytes; a text answer
      // could carry neither.
      const manual = (res.locals.query as ConsumeQuery).ack === 'manual';
      const refuse =
        manual && preferredResponseType(req, RAW_MESSAGE_RESPONSE_TYPES) === 'text/plain';
      next(
        refuse
          ? problems.notAcceptable(['application/json or application/octet-stream (ack=manual)'])
          : undefined,
      );
    },
    async (req, res) => {
      const query = res.locals.query as ConsumeQuery;
      const leases = await takeForRequest(res, { max: 1, waitMs: query.waitMs }, { buffer, kafka });
      const [lease] = leases ?? [];
      if (!lease) {
        if (!res.headersSent) res.status(204).end();
        return;
      }
      const { extras } = deliverWith(res, [lease], query.ack, {
        acks,
        visibilityMs: query.visibilityMs,
      });
      // The trace the message was produced in continues in this response.
      const traceparent = validTraceparent(headerText(lease.message.headers.traceparent));
      if (traceparent) res.setHeader('traceparent', traceparent);
      const responseType = preferredResponseType(req, RAW_MESSAGE_RESPONSE_TYPES);
      if (responseType === 'text/plain') {
        // One line, ended with a newline as terminals and `curl` expect.
        sendBody(res, 'text/plain; charset=utf-8', `${recordText(lease.message, render)}\n`);
        return;
      }
      if (responseType === 'application/octet-stream') {
        const raw = rawRecord(lease.message, limits.maxValueBytes);
        const { receipt, visibleUntil } = extras[0] ?? {};
        if (receipt) raw.headers['Kafka-Receipt'] = receipt;
        if (visibleUntil) raw.headers['Kafka-Visible-Until'] = visibleUntil;
        for (const [name, value] of Object.entries(raw.headers)) res.setHeader(name, value);
        sendBody(res, 'application/octet-stream', raw.body);
        return;
      }
      const extra = extras[0];
      const body = new JsonWriter(512 + (lease.message.value?.length ?? 0) * 2);
      writeRecordJson(body, lease.message, extra ? { ...render, extras: extra } : render);
      sendBody(res, 'application/json; charset=utf-8', body.toBuffer());
    },
  );

  router.get(
    '/api/messages/batch',
    (req, _res, next) => {
      next(
        req.accepts('application/json') ? undefined : problems.notAcceptable(['application/json']),
      );
    },
    validateQuery(batchQuerySchema(limits)),
    async (req, res) => {
      const query = res.locals.query as Required<ConsumeQuery>;
      const leases = await takeForRequest(res, query, { buffer, kafka });
      if (!leases) {
        if (!res.headersSent) sendBody(res, 'application/json; charset=utf-8', '{"messages":[]}');
        return;
      }
      const { extras } = deliverWith(res, leases, query.ack, {
        acks,
        visibilityMs: query.visibilityMs,
      });
      // About 250 bytes a record, as a first guess; the writer grows when it is more.
      const body = new JsonWriter(leases.length * 256 + 64);
      body.write('{"messages":[');
      for (let i = 0; i < leases.length; i++) {
        const extra = extras[i];
        if (i > 0) body.write(',');
        writeRecordJson(
          body,
          (leases[i] as Lease).message,
          extra ? { ...render, extras: extra } : render,
        );
      }
      body.write(']}');
      sendBody(res, 'application/json; charset=utf-8', body.toBuffer());
    },
  );

  for (const path of ['/api/messages', '/api/messages/batch']) {
    const writeThere = { does: 'written through', method: 'POST', path };
    router.post(path, methodNotAllowed(['GET'], otherServiceHint(peer, writeThere)));
    router.all(path, methodNotAllowed(['GET']));
  }
  return router;
}

// The routes' part of the OpenAPI document.

const rawHeader = (description: string, example?: string) => ({
  description: `With Accept: application/octet-stream only. ${description}`,
  schema: { type: 'string', ...(example === undefined ? {} : { example }) },
});

/** The response headers of a raw (application/octet-stream) answer. */
const rawMessageHeaders = {
  'Kafka-Topic': rawHeader('The topic it was read from.', 'message-topic'),
  'Kafka-Partition': rawHeader('Its partition.', '0'),
  'Kafka-Offset': rawHeader('Its offset (64-bit, decimal).', '0'),
  'Kafka-Key': rawHeader(
    'The record key; absent without one. Base64 when `Kafka-Key-Encoding: base64` (a key that is not printable ASCII).',
    'user-42',
  ),
  'Kafka-Key-Encoding': rawHeader('`base64` when Kafka-Key is base64.'),
  'Kafka-Key-Omitted': rawHeader(
    'Instead of Kafka-Key, for a key too long for a header: its size in bytes.',
  ),
  'Kafka-Timestamp': rawHeader('The record timestamp, ISO 8601.', '2026-11-23T18:44:33.868Z'),
  'Kafka-Value': rawHeader(
    '`null` for a record without a value, `omitted` for a value larger than MAX_MESSAGE_BYTES (its size in Kafka-Value-Bytes); the body is then empty. Absent when the body is the value (an empty body is then a zero-length value).',
  ),
  'Kafka-Value-Bytes': rawHeader('The size of an omitted value.'),
  'Kafka-Receipt': rawHeader('With ack=manual: acknowledge with this.'),
  'Kafka-Visible-Until': rawHeader(
    'With ack=manual: delivered again after this unless acknowledged.',
  ),
};

export function messagesApiDocs({
  topic,
  limits,
}: {
  topic: string;
  limits: ConsumeLimits;
}): ApiDocPart {
  return {
    paths: {
      '/api/messages': {
        get: {
          tags: ['messages'],
          summary: 'Receive the next message',
          description:
            'As JSON (the default), as the tutorial sentence (`Accept: text/plain`), or as the raw value bytes (`Accept: application/octet-stream`), with where it was read and its key in `Kafka-*` response headers. Binary values (record content-type application/octet-stream, or bytes that are not UTF-8) come as base64 in JSON, with `"encoding": "base64"`.',
          parameters: openApiQueryParameters(singleQuerySchema(limits)),
          responses: {
            '200': {
              description: 'The next message, in partition order.',
              headers: {
                'Cache-Control': { schema: { type: 'string', example: 'no-store' } },
                ...rawMessageHeaders,
              },
              content: {
                'application/json': {
                  schema: { $ref: '#/components/schemas/Message' },
                  examples: {
                    text: {
                      summary: 'A text message',
                      value: {
                        topic,
                        partition: 0,
                        offset: '0',
                        key: null,
                        value: 'Hello, Kafka!',
                        headers: { 'content-type': 'text/plain; charset=utf-8' },
                        timestamp: '2026-11-23T18:44:33.868Z',
                      },
                    },
                    binary: {
                      summary: 'A binary message (base64)',
                      value: {
                        topic,
                        partition: 0,
                        offset: '1',
                        key: 'device-7',
                        value: 'AMMo/4AA',
                        encoding: 'base64',
                        headers: { 'content-type': 'application/octet-stream' },
                        timestamp: '2026-11-23T18:44:34.102Z',
                      },
                    },
                  },
                },
                'text/plain': {
                  schema: { type: 'string', example: 'Received message: Hello, Kafka!' },
                },
                'application/octet-stream': {
                  schema: {
                    type: 'string',
                    format: 'binary',
                    description: 'The value bytes exactly as stored.',
                  },
                },
              },
            },
            '204': { description: 'No message arrived within waitMs.' },
            '400': problemResponse('A query parameter is invalid.'),
            '406': problemResponse(
              'The Accept header names no type this endpoint can answer with (application/json, text/plain, application/octet-stream), or text/plain with ack=manual.',
            ),
            '503': problemResponse('The service is shutting down.'),
          },
        },
      },
      '/api/messages/batch': {
        get: {
          tags: ['messages'],
          summary: 'Receive up to `max` messages',
          description:
            'Answers as soon as at least one message is available (with whatever else is buffered at that moment, up to `max`), or with an empty list after `waitMs`.',
          parameters: openApiQueryParameters(batchQuerySchema(limits)),
          responses: {
            '200': {
              description: 'The messages, in partition order, round robin across partitions.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['messages'],
                    properties: {
                      messages: { type: 'array', items: { $ref: '#/components/schemas/Message' } },
                    },
                  },
                },
              },
            },
            '400': problemResponse('A query parameter is invalid.'),
            '406': problemResponse('The client does not accept application/json.'),
            '503': problemResponse('The service is shutting down.'),
          },
        },
      },
    },
    schemas: messageSchemas(topic),
  };
}
