// The OpenAPI schema of a message as record-view.ts renders it (JSON, in single and batch
// answers and in every stream event).

import { recordPositionProperties } from '@kafka-http/common';

/** The schemas a message refers to, with the topic as the example. */
export function messageSchemas(topic: string): Record<string, unknown> {
  return {
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
    Message: {
      type: 'object',
      required: ['topic', 'partition', 'offset', 'key', 'value', 'headers', 'timestamp'],
      properties: {
        ...recordPositionProperties(topic),
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
  };
}
