// service-b's OpenAPI document, built from the same query schema that validates requests.
import {
  healthPaths,
  openApiQueryParameters,
  problemResponse,
  sharedOpenApiComponents,
} from '@kafka-http/common';
import { consumeQuerySchema } from './http/messages-route';

export function openApiDocument({
  topic,
  groupId,
  defaultWaitMs,
}: {
  topic: string;
  groupId: string;
  defaultWaitMs: number;
}): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: {
      title: 'service-b: consume messages from Kafka',
      version: '0.1.0',
      description: `Reads the Kafka topic \`${topic}\` in consumer group \`${groupId}\` and hands out one message per GET. A message's offset is committed only after the response carrying it was fully written, so a crash never loses a message (it may deliver one twice).`,
    },
    tags: [{ name: 'messages' }, { name: 'health' }],
    paths: {
      '/api/messages': {
        get: {
          tags: ['messages'],
          summary: 'Receive the next message',
          parameters: openApiQueryParameters(consumeQuerySchema(defaultWaitMs)),
          responses: {
            '200': {
              description: 'The next message, in partition order.',
              headers: { 'Cache-Control': { schema: { type: 'string', example: 'no-store' } } },
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/Message' } },
                'text/plain': {
                  schema: { type: 'string', example: 'Received message: Hello, Kafka!' },
                },
              },
            },
            '204': { description: 'No message arrived within waitMs.' },
            '400': problemResponse('A query parameter is invalid.'),
            '406': problemResponse(
              'The Accept header names no type this endpoint can answer with.',
            ),
            '503': problemResponse('The service is shutting down.'),
          },
        },
      },
      ...healthPaths,
    },
    components: {
      schemas: {
        ...sharedOpenApiComponents.schemas,
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
            value: {
              description:
                'The parsed value for JSON records, the text for text records, base64 for bytes that are not UTF-8 (then `encoding` is `base64`), null for a record without a value.',
              example: 'Hello, Kafka!',
            },
            encoding: { type: 'string', enum: ['base64'] },
            warning: {
              type: 'string',
              description: 'Set when the record claimed JSON but is not valid JSON.',
            },
            headers: {
              type: 'object',
              additionalProperties: { type: 'string' },
              example: { 'content-type': 'text/plain; charset=utf-8' },
            },
            base64Headers: { type: 'array', items: { type: 'string' } },
            timestamp: { type: 'string', format: 'date-time', nullable: true },
          },
        },
      },
    },
  };
}
