// Asynchronous produce (`?async=true`): the answer is 202 once the messages are stored in the
// outbox (on this instance's disk, or in the shared PostgreSQL table), before Kafka saw them; the
// outbox sends them when Kafka takes them (see ../outbox/outbox.ts).
import type { QueryProperty } from '@kafka-http/common';
import type { OutgoingMessage } from '../kafka/message-publisher';
import type { Outbox, OutboxSnapshot } from '../outbox/outbox';
import type { StoredMessage } from '../outbox/outbox-store';
import { ProduceError } from '../produce-error';

export const asyncQueryParameter: QueryProperty = {
  type: 'boolean',
  default: false,
  description:
    "`true`: answer 202 once the message is stored in service-a's outbox, before Kafka has it; the outbox sends it when Kafka takes it, also after an outage or a restart of service-a. At least once: a crash between a send and its removal from the outbox sends it again. A full outbox answers 503.",
};

/** A message taken into the outbox, not yet sent. */
export interface QueuedMessage {
  topic: string;
  /** Chosen when accepted (the client's, or from the key); absent when Kafka's partitions were not known yet. */
  partition?: number;
}

export type AcceptResult = { ok: true; queued: QueuedMessage } | { ok: false; error: ProduceError };

export interface AsyncProducer {
  /**
   * Stores the valid messages together and answers for each, in order: queued, or the error that
   * keeps it from ever being sent (a partition the topic lacks). Throws a ProduceError when
   * nothing could be stored: the outbox is full, stopping, or its store failed.
   */
  accept(messages: OutgoingMessage[]): Promise<AcceptResult[]>;
  status?(): OutboxSnapshot;
}

/** The outbox behind `?async=true`, with the publisher choosing partitions as a direct produce would. */
export function outboxProducer(
  publisher: {
    readonly topic: string;
    toStored(message: OutgoingMessage, timestamp: number): StoredMessage | ProduceError;
  },
  outbox: Outbox,
): AsyncProducer {
  return {
    async accept(messages) {
      const timestamp = Date.now();
      const stored = messages.map((m) => publisher.toStored(m, timestamp));
      const valid = stored.filter((s): s is StoredMessage => !(s instanceof ProduceError));
      if (valid.length > 0) await outbox.accept(valid);
      return stored.map((s) =>
        s instanceof ProduceError
          ? { ok: false as const, error: s }
          : {
              ok: true as const,
              queued: { topic: publisher.topic, partition: s.partition ?? undefined },
            },
      );
    },
    status: () => outbox.status(),
  };
}

/** The body of a 202 (or of one queued message in a batch's results). */
export function queuedBody(queued: QueuedMessage) {
  return {
    status: 'queued' as const,
    topic: queued.topic,
    ...(queued.partition === undefined ? {} : { partition: queued.partition }),
  };
}
