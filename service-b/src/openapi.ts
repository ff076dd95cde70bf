// service-b's OpenAPI document, built from the same query schema that validates requests.
import {
  healthPaths,
  describeWithLinks,
  operationalPaths,
  type PeerService,
  openApiQueryParameters,
  problemResponse,
  sharedOpenApiComponents,
} from '@kafka-http/common';
import { receiptsBodySchema } from './http/ack-route';
import { positionBodySchema } from './http/group-route';
import { batchQuerySchema, singleQuerySchema, type ConsumeLimits } from './http/messages-route';

const { example: receiptsExample, ...receiptsSchema } = receiptsBodySchema;
const { example: positionExample, ...positionSchema } = positionBodySchema;

const unavailable = problemResponse(
  'Kafka could not be asked (unreachable, or no answer within KAFKA_ADMIN_TIMEOUT_MS). Comes with `Retry-After`.',
);

const offsetsSchema = {
  earliest: { type: 'string', description: 'The first offset still in the log.', example: '0' },
  latest: {
    type: 'string',
    description: 'The end of the log: the offset the next record will get.',
    example: '120',
  },
} as const;

/** An answer naming the topic (and more) with one object per partition. */
function perPartitionView(
  topLevel: Record<string, unknown>,
  partition: Record<string, unknown>,
): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      topic: { type: 'string' },
      ...topLevel,
      partitions: {
        type: 'array',
        items: { type: 'object', properties: { partition: { type: 'integer' }, ...partition } },
      },
    },
  };
}

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

const settleOperation = (summary: string, description: string) => ({
  tags: ['acknowledgement'],
  summary,
  description,
  requestBody: {
    required: true,
    content: { 'application/json': { schema: receiptsSchema, example: receiptsExample } },
  },
  responses: {
    '200': {
      description:
        'One result per receipt: `acked` / `nacked`, `expired` (its deadline passed; the message is delivered again), `unknown` (never issued here or already settled) or `other-instance` (issued by another service-b instance: settle it there).',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/SettleResults' } } },
    },
    '400': problemResponse('The body is not `{ "receipts": [...] }`.'),
    '415': problemResponse('The body is not application/json.'),
  },
});

export function openApiDocument({
  topic,
  groupId,
  limits,
  peer,
}: {
  topic: string;
  groupId: string;
  limits: ConsumeLimits;
  /** service-a, linked from the description. */
  peer?: PeerService;
}): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: {
      title: 'service-b: consume messages from Kafka',
      version: '0.1.0',
      description: describeWithLinks(
        `Reads the Kafka topic \`${topic}\` in consumer group \`${groupId}\` and hands out one message per GET. A message's offset is committed only after the response carrying it was fully written, so a crash never loses a message (it may deliver one twice).`,
        peer,
      ),
    },
    tags: [
      { name: 'messages' },
      { name: 'acknowledgement' },
      { name: 'consumer group', description: 'Topic metadata, lag, and replay.' },
      { name: 'health' },
      { name: 'docs' },
    ],
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
      '/api/messages/ack': {
        post: settleOperation(
          'Acknowledge messages taken with ack=manual',
          'Each acknowledged message may be committed (the commit still waits for earlier messages of its partition).',
        ),
      },
      '/api/messages/nack': {
        post: settleOperation(
          'Give messages back',
          'Each message is made available again, first in its partition.',
        ),
      },
      '/api/topic': {
        get: {
          tags: ['consumer group'],
          summary: 'The topic: partitions, leaders, replicas and offsets',
          responses: {
            '200': {
              description: "Every partition, from Kafka's admin API.",
              content: {
                'application/json': {
                  schema: { $ref: '#/components/schemas/TopicView' },
                  example: {
                    topic,
                    partitions: [
                      {
                        partition: 0,
                        leader: 1,
                        replicas: [1],
                        isr: [1],
                        offlineReplicas: [],
                        earliest: '0',
                        latest: '120',
                        records: '120',
                      },
                    ],
                  },
                },
              },
            },
            '503': unavailable,
          },
        },
      },
      '/api/consumer/lag': {
        get: {
          tags: ['consumer group'],
          summary: 'How far the group is behind, per partition',
          description:
            "The group's committed offset (the next to deliver) against the end of each partition. Without a commit, everything from the earliest offset counts as lag (the group starts at the beginning).",
          responses: {
            '200': {
              description: 'Lag per partition and in total.',
              content: {
                'application/json': {
                  schema: { $ref: '#/components/schemas/LagView' },
                  example: {
                    topic,
                    groupId,
                    partitions: [
                      { partition: 0, committed: '100', earliest: '0', latest: '120', lag: '20' },
                    ],
                    totalLag: '20',
                  },
                },
              },
            },
            '503': unavailable,
          },
        },
      },
      '/api/consumer/position': {
        post: {
          tags: ['consumer group'],
          summary: "Move the group's position (replay or skip)",
          description: `Moves consumer group \`${groupId}\` to the beginning, the end, an offset, or the first record at or after a timestamp, for one partition or all, whichever replica of the group is asked. Messages of the affected partitions that are buffered, being sent or awaiting a manual ack are dropped (acking them later commits nothing), delivery continues from the new position, and the new position is committed before the answer, so a restart keeps it. The answer lists each partition with its previous committed offset (\`from\`), the new one (\`to\`) and the replica that moved it (\`appliedBy\`).`,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: positionSchema,
                examples: {
                  beginning: {
                    summary: 'Replay everything, every partition',
                    value: { to: 'beginning' },
                  },
                  end: {
                    summary: 'Skip the backlog of partition 0',
                    value: { to: 'end', partition: 0 },
                  },
                  offset: {
                    summary: 'Partition 0 from offset 42',
                    value: { to: 'offset', offset: '42', partition: 0 },
                  },
                  timestamp: { summary: 'Everything since a moment', value: positionExample },
                  epochMs: {
                    summary: 'A moment as epoch milliseconds',
                    value: { to: 'timestamp', timestamp: 1795456800000 },
                  },
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'Every affected partition was moved and its new position committed.',
              content: {
                'application/json': {
                  schema: { $ref: '#/components/schemas/MoveOutcome' },
                  example: {
                    topic,
                    groupId,
                    complete: true,
                    method: 'group',
                    partitions: [
                      {
                        partition: 0,
                        from: '120',
                        to: '0',
                        appliedBy: { instance: 'b-3f9c1a', memberId: 'service-b-6a1f...' },
                      },
                    ],
                  },
                },
              },
            },
            '400': problemResponse(
              'The body is not valid (the `errors` member lists why): an unknown `to`, a missing or superfluous `offset` / `timestamp`, a timestamp that is neither ISO 8601 with a zone nor epoch milliseconds.',
            ),
            '415': problemResponse('The body is not application/json.'),
            '422': problemResponse('The topic has no such partition.'),
            '503': problemResponse(
              'Kafka could not be asked, this replica is not yet reading the control topic, or some partitions were not confirmed moved before REPLAY_TIMEOUT_MS (a rebalance): the problem lists `partitions` (with `appliedBy` for those that did move) and `notMoved`, which may or may not have moved. Send the same request again after `Retry-After`.',
            ),
          },
        },
      },
      ...healthPaths,
      ...operationalPaths,
    },
    components: {
      schemas: {
        RegistrySchema: {
          type: 'object',
          description:
            'Where the schema of a key or value in the schema registry wire format is registered (only `id` when the registry did not give it).',
          required: ['id'],
          properties: {
            id: { type: 'integer', example: 7 },
            format: { type: 'string', enum: ['AVRO', 'PROTOBUF', 'JSON'] },
            subject: { type: 'string', example: 'message-topic-value' },
            version: { type: 'integer', example: 2 },
          },
        },
        ...sharedOpenApiComponents.schemas,
        TopicView: perPartitionView(
          {},
          {
            leader: { type: 'integer', description: 'Node id of the leader broker.' },
            replicas: { type: 'array', items: { type: 'integer' } },
            isr: { type: 'array', items: { type: 'integer' }, description: 'In-sync replicas.' },
            offlineReplicas: { type: 'array', items: { type: 'integer' } },
            ...offsetsSchema,
            records: {
              type: 'string',
              description: 'latest minus earliest (fewer with compaction).',
            },
          },
        ),
        LagView: perPartitionView(
          { groupId: { type: 'string' }, totalLag: { type: 'string' } },
          {
            committed: {
              type: 'string',
              nullable: true,
              description: 'The committed offset (next to deliver); null without a commit.',
            },
            ...offsetsSchema,
            lag: { type: 'string', description: 'Records not yet committed.' },
            blocked: {
              type: 'object',
              description:
                'Present when the instance answering holds this partition at a record batch it cannot decode: move it past `batchLastOffset` with POST /api/consumer/position.',
              properties: {
                offset: { type: 'string' },
                batchLastOffset: { type: 'string' },
                codec: { type: 'string' },
                reason: { type: 'string' },
              },
            },
          },
        ),
        MoveOutcome: {
          type: 'object',
          properties: {
            topic: { type: 'string' },
            groupId: { type: 'string' },
            complete: { type: 'boolean' },
            method: {
              type: 'string',
              enum: ['group', 'admin'],
              description:
                '`group`: moved by the replicas owning the partitions; `admin`: the group had no active member and its offsets were set directly.',
            },
            partitions: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  partition: { type: 'integer' },
                  from: {
                    type: 'string',
                    nullable: true,
                    description: 'The committed offset before the move; null without one.',
                  },
                  to: {
                    type: 'string',
                    description: 'The new position: the next offset delivered.',
                  },
                  clamped: {
                    type: 'object',
                    description:
                      'Set when the requested offset lay outside [earliest, latest] and the nearest end was used.',
                    properties: {
                      requested: { type: 'string' },
                      reason: { type: 'string', enum: ['before-earliest', 'after-latest'] },
                    },
                  },
                  appliedBy: {
                    type: 'object',
                    nullable: true,
                    properties: {
                      instance: {
                        type: 'string',
                        description: 'The service-b instance id (or `admin`).',
                      },
                      memberId: { type: 'string', nullable: true },
                    },
                  },
                },
              },
            },
          },
        },
        SettleResults: {
          type: 'object',
          properties: {
            results: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  receipt: { type: 'string' },
                  outcome: {
                    type: 'string',
                    enum: ['acked', 'nacked', 'expired', 'unknown', 'other-instance'],
                  },
                },
              },
            },
          },
        },
        Message: {
          type: 'object',
          required: ['topic', 'partition', 'offset', 'key', 'value', 'headers', 'timestamp'],
          properties: {
            topic: { type: 'string', example: topic },
            partition: { type: 'integer', example: 0 },
            offset: {
              type: 'string',
              description: 'A 64-bit offset, as a decimal string.',
              example: '0',
            },
            key: {
              type: 'string',
              nullable: true,
              description: 'The record key as text, or base64 when `keyEncoding` says so.',
            },
            keyEncoding: { type: 'string', enum: ['base64'] },
            keyRegistry: { $ref: '#/components/schemas/RegistrySchema' },
            keyWarning: {
              type: 'string',
              description:
                'Set when the key is in the schema registry wire format but its schema could not be had (the key is then base64).',
            },
            value: {
              description:
                "The parsed value for JSON records, the text for text records, base64 for binary records (content-type application/octet-stream) and bytes that are not UTF-8 (then `encoding` is `base64`), null for a record without a value. An Avro record (content-type application/avro) comes in Avro's JSON encoding when service-b has its schema (named in `valueSchema`), else as base64 with a `warning` saying why. A value in the schema registry wire format (a 0 byte and a 4-byte schema id first, as Confluent-compatible serializers write) comes decoded with the registry's schema (`valueRegistry` says which): Avro in Avro's JSON encoding, Protobuf in its JSON mapping, JSON Schema values as written; when the schema cannot be had (an id the registry does not know, the registry unreachable) it comes as base64 with a `warning`.",
              example: 'Hello, Kafka!',
            },
            encoding: { type: 'string', enum: ['base64'] },
            valueSchema: {
              type: 'string',
              description:
                "The type a value was written with: the Avro schema's full name, the Protobuf message, a JSON Schema's title.",
              example: 'example.User',
            },
            valueRegistry: { $ref: '#/components/schemas/RegistrySchema' },
            warning: {
              type: 'string',
              description:
                'Set when the record claimed JSON but is not valid JSON, is Avro that service-b cannot decode (unknown schema, another schema version, bad bytes), or is in the schema registry wire format and its schema could not be had.',
            },
            headers: {
              type: 'object',
              description:
                'The record headers by name: a string for one value, null for a null value, and an array (in record order) when the record repeats a name.',
              additionalProperties: {
                oneOf: [
                  { type: 'string', nullable: true },
                  { type: 'array', items: { type: 'string', nullable: true } },
                ],
              },
              example: {
                'content-type': 'text/plain; charset=utf-8',
                trace: null,
                tag: ['a', 'b'],
              },
            },
            base64Headers: {
              type: 'array',
              items: { type: 'string' },
              description:
                'Names whose values are not all UTF-8: each non-null value of such a header is base64.',
            },
            error: {
              type: 'string',
              description:
                'Set when the value is larger than MAX_MESSAGE_BYTES and left out (`value` is null, `valueBytes` its size), or when the record could not be shown as it asks (then key, value and every header value are base64).',
            },
            valueBytes: { type: 'integer' },
            receipt: { type: 'string', description: 'With ack=manual: acknowledge with this.' },
            visibleUntil: {
              type: 'string',
              format: 'date-time',
              description: 'With ack=manual: delivered again after this unless acknowledged.',
            },
            timestamp: { type: 'string', format: 'date-time', nullable: true },
          },
        },
      },
    },
  };
}
