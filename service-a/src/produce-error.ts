// Why a message was not written to Kafka, or not taken into the outbox, in the service's own
// terms. The Kafka layer and the outbox throw and return these and know nothing of HTTP;
// http/produce-problems.ts is the one place that turns them into statuses and Retry-After.
export type ProduceFailure =
  /** The client named a partition the topic does not have: its mistake. */
  | 'no-such-partition'
  /** Kafka refused the record as too large for the topic. */
  | 'too-large'
  /** The producer has not connected yet. */
  | 'not-connected'
  /** No broker answers (now, or since the message was queued); nothing was written. */
  | 'unreachable'
  /** No acknowledgement within the produce timeout; the message may or may not be written. */
  | 'timeout'
  /** Too many messages are waiting for a Kafka send. */
  | 'queue-full'
  /** The outbox holds as much as it may. */
  | 'outbox-full'
  /** The service is shutting down. */
  | 'stopping'
  /** Anything else Kafka or the outbox's store refused. */
  | 'unavailable';

export class ProduceError extends Error {
  override name = 'ProduceError';

  constructor(
    readonly failure: ProduceFailure,
    /** A sentence for the client: what happened to the message, and what to do. */
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
