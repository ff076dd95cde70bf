// service-b's OpenAPI document: each route module gives its own part; this puts them together.
import { apiDocument, describeWithLinks, type PeerService } from '@kafka-http/common';
import { ackApiDocs } from './http/ack-route';
import { groupApiDocs } from './http/group-route';
import { messagesApiDocs, type ConsumeLimits } from './http/messages-route';
import { streamApiDocs } from './http/stream-route';

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
  return apiDocument({
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
    parts: [
      messagesApiDocs({ topic, limits }),
      streamApiDocs,
      ackApiDocs,
      groupApiDocs({ topic, groupId }),
    ],
  });
}
