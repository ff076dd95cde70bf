// service-a's OpenAPI document, built from the same query schema that validates requests.
import {
  healthPaths,
  openApiQueryParameters,
  problemResponse,
  sharedOpenApiComponents,
} from '@kafka-http/common';
import { produceQuerySchema } from './http/messages-route';

export function openApiDocument({
  topic,
  maxMessageBytes,
}: {
  topic: string;
  maxMessageBytes: number;
}): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: {
      title: 'service-a: produce messages to Kafka',
      version: '0.1.0',
      description: `POST a message and it is written to the Kafka topic \`${topic}\`. The answer comes only after Kafka acknowledged the write (acks=all), and says where the message landed.`,
    },
    tags: [{ name: 'messages' }, { name: 'health' }],
    paths: {
      '/api/messages': {
        post: {
          tags: ['messages'],
          summary: 'Produce one message',
          description: `The body is the message value, at most ${maxMessageBytes} bytes. With \`application/json\` any JSON value is accepted: a JSON string is stored as its text (\`"Hello, Kafka!"\` becomes \`Hello, Kafka!\`), anything else as compact JSON. With \`text/plain\` the text is stored as it is. A \`content-type\` record header says which, so service-b returns exactly what was sent.`,
          parameters: openApiQueryParameters(produceQuerySchema),
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {},
                examples: {
                  tutorial: { summary: 'The tutorial message', value: 'Hello, Kafka!' },
                  object: { summary: 'Any JSON value', value: { greeting: 'Hello', n: 1 } },
                },
              },
              'text/plain': { schema: { type: 'string', example: 'Hello, Kafka!' } },
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
            '400': problemResponse(
              'The body is empty, not valid JSON or not UTF-8, or a query parameter is invalid.',
            ),
            '406': problemResponse(
              'The Accept header names no type this endpoint can answer with.',
            ),
            '413': problemResponse(`The body is larger than ${maxMessageBytes} bytes.`),
            '415': problemResponse(
              'The Content-Type is neither application/json nor text/plain (UTF-8).',
            ),
            '503': problemResponse(
              'Kafka is unreachable or did not acknowledge in time; retry after the Retry-After seconds.',
            ),
          },
        },
      },
      ...healthPaths,
    },
    components: {
      schemas: {
        ...sharedOpenApiComponents.schemas,
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
