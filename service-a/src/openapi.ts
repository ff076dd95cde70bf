// service-a's OpenAPI document: each route module gives its own part; this puts them together.
import { apiDocument, describeWithLinks, type PeerService } from '@kafka-http/common';
import { batchApiDocs, type BatchLimits } from './http/batch-route';
import { messagesApiDocs } from './http/messages-route';
import type { MessageFormats } from './messages/message-codec';

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
  return apiDocument({
    info: {
      title: 'service-a: produce messages to Kafka',
      version: '0.1.0',
      description: describeWithLinks(
        `POST a message and it is written to the Kafka topic \`${topic}\`. The answer comes only after Kafka acknowledged the write (acks=all), and says where the message landed; with \`?async=true\` it comes (202) once the message is stored in service-a's outbox (on its disk, or in a shared PostgreSQL table), before Kafka has it; the outbox sends it when Kafka takes it, also after an outage or a restart (at least once).`,
        peer,
      ),
    },
    tags: [{ name: 'messages' }, { name: 'health' }, { name: 'docs' }],
    parts: [
      messagesApiDocs({ topic, maxMessageBytes, formats, topicType }),
      batchApiDocs({ topic, batchLimits }),
    ],
  });
}
