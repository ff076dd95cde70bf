// service-a's OpenAPI document, built from the same query schema that validates requests.
import {
  healthPaths,
  describeWithLinks,
  operationalPaths,
  type PeerService,
  openApiQueryParameters,
  problemResponse,
  sharedOpenApiComponents,
} from '@kafka-http/common';
import { batchBodySchema, batchQuerySchema, type BatchLimits } from './http/batch-route';
import { produceQuerySchema } from './http/messages-route';
import type { MessageFormats } from './messages/message-codec';
import { formatDocs } from './messages/format-docs';

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

const idempotencyParameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'A retry with the same key (and the same request) within IDEMPOTENCY_TTL_MS gets the first answer again, with `Idempotent-Replayed: true`, instead of producing twice. Only successful answers are remembered.',
  schema: { type: 'string', maxLength: 255 },
};

export function openApiDocument({
  topic,
  maxMessageBytes,
  batchLimits,
  formats,
  topicType,
  peer,
}: {
  topic: string;
  maxMessageBytes: number;
  batchLimits: BatchLimits;
  formats: MessageFormats;
  topicType?: string;
  /** service-b, linked from the description. */
  peer?: PeerService;
}): Record<string, unknown> {
  const { example: batchExample, ...batchSchema } = batchBodySchema(batchLimits);
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
    openapi: '3.0.3',
    info: {
      title: 'service-a: produce messages to Kafka',
      version: '0.1.0',
      description: describeWithLinks(
        `POST a message and it is written to the Kafka topic \`${topic}\`. The answer comes only after Kafka acknowledged the write (acks=all), and says where the message landed; with \`?async=true\` it comes (202) once the message is stored in service-a's outbox (on its disk, or in a shared PostgreSQL table), before Kafka has it; the outbox sends it when Kafka takes it, also after an outage or a restart (at least once).`,
        peer,
      ),
    },
    tags: [{ name: 'messages' }, { name: 'health' }, { name: 'docs' }],
    paths: {
      '/api/messages': {
        post: {
          tags: ['messages'],
          summary: 'Produce one message',
          description: `The body is the message value, at most ${maxMessageBytes} bytes. With \`application/json\` any JSON value is accepted: a JSON string is stored as its text (\`"Hello, Kafka!"\` becomes \`Hello, Kafka!\`), anything else as compact JSON. With \`text/plain\` the text is stored as it is. With \`application/octet-stream\` the bytes are stored exactly as sent (an empty body is a zero-length value). A \`content-type\` record header says which, so service-b returns exactly what was sent.\n\n${docs.summary} A value that does not satisfy its type or Avro schema gets 422 with an \`errors\` list (a JSON Pointer and a reason per failing field), and nothing is produced.`,
          parameters: [...queryParameters, ...headerParameters, idempotencyParameter],
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
      '/api/messages/batch': {
        post: {
          tags: ['messages'],
          summary: 'Produce many messages',
          description: `Up to ${batchLimits.maxMessages} messages, at most ${batchLimits.maxBytes} bytes of JSON. Each value follows the single POST's rule (a string is stored as its text, any other JSON value as compact JSON; send numbers beyond double precision as strings). A binary value is a base64 string with \`"encoding": "base64"\`, stored as the decoded bytes (record content-type application/octet-stream). Each message gets its own result, in order: where it landed (or, with \`?async=true\`, that it was stored in the outbox), or its error.`,
          parameters: [...openApiQueryParameters(batchQuerySchema), idempotencyParameter],
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
            '400': problemResponse('The body is not a valid batch.'),
            '413': problemResponse('The body is too large.'),
            '415': problemResponse('The body is not application/json.'),
            '503': problemResponse(
              'No message was written: Kafka is unreachable or too slow (with Retry-After); `results` lists each.',
            ),
          },
        },
      },
      ...healthPaths,
      ...operationalPaths,
    },
    components: {
      schemas: {
        ...sharedOpenApiComponents.schemas,
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
        BatchResults: {
          type: 'object',
          properties: {
            results: {
              type: 'array',
              items: {
                oneOf: [
                  { $ref: '#/components/schemas/Published' },
                  {
                    type: 'object',
                    properties: {
                      error: {
                        type: 'object',
                        properties: {
                          status: { type: 'integer' },
                          title: { type: 'string' },
                          detail: { type: 'string' },
                        },
                      },
                    },
                  },
                ],
              },
            },
          },
        },
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
            topic: { type: 'string', example: topic },
            partition: { type: 'integer', example: 0 },
            offset: {
              type: 'string',
              description: 'A 64-bit offset, as a decimal string.',
              example: '0',
            },
            timestamp: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
  };
}
