// Asynchronous produce (`?async=true`): the answer is 202 as soon as the messages are queued in
// this process, before Kafka acknowledged them. What becomes of them is followed here: a failure
// is logged with the request's id and counted, since no client is waiting to be told.
import type { Logger, Metrics, QueryProperty } from '@kafka-http/common';
import type { QueuedMessage, QueueResult } from '../kafka/message-publisher';

export const asyncQueryParameter: QueryProperty = {
  type: 'boolean',
  default: false,
  description:
    '`true`: answer 202 as soon as the message is queued in service-a, before Kafka acknowledged it. Faster, but a message can then be lost without the client knowing (service-a crashing before the send, Kafka refusing it after retries, a produce timeout); failures are only logged and counted in `async_produce_failures_total`.',
};

export interface AsyncProduceMetrics {
  queued: { inc(value?: number): void };
  failures: { inc(labels: { reason: string }): void };
}

export function asyncProduceMetrics(metrics: Metrics): AsyncProduceMetrics {
  return {
    queued: metrics.counter(
      'async_produce_queued_total',
      'Messages accepted with 202 (?async=true), before Kafka acknowledged them.',
    ),
    failures: metrics.counter(
      'async_produce_failures_total',
      'Messages accepted with 202 that were not written, by reason.',
      ['reason'],
    ),
  };
}

/** The body of a 202 (or of one queued message in a batch's results). */
export function queuedBody(queued: QueuedMessage) {
  return { status: 'queued' as const, topic: queued.topic, partition: queued.partition };
}

/**
 * Counts the queued messages and follows each to Kafka's answer: a failure is logged (the logger
 * carries the request id), counted by reason, and reported once through `onFailure`.
 */
export function followQueued(
  results: QueueResult[],
  { log, metrics, onFailure }: { log: Logger; metrics: AsyncProduceMetrics; onFailure: () => void },
): void {
  let failed = false;
  for (const result of results) {
    if (!result.ok) continue;
    metrics.queued.inc();
    void result.written.then((outcome) => {
      if (outcome.ok) return;
      const reason = outcome.reason ?? 'unavailable';
      metrics.failures.inc({ reason });
      log.error(
        {
          topic: result.queued.topic,
          partition: result.queued.partition,
          reason,
          status: outcome.problem.status,
          detail: outcome.problem.detail,
        },
        'async produce failed after its 202 answer',
      );
      if (!failed) {
        failed = true;
        onFailure();
      }
    });
  }
}
