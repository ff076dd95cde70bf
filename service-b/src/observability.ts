// What service-b tells the outside about itself: its Prometheus metrics and the details of its
// readiness. Read-only views of the parts startServiceB wires together.
import type { KafkaReachability, Metrics, Readiness } from '@kafka-http/common';
import type { AckRegistry } from './delivery/ack-registry';
import type { DeliveryBuffer } from './delivery/delivery-buffer';
import type { ControlChannel } from './kafka/control-channel';
import type { KafkaMessageSource } from './kafka/message-source';

interface Parts {
  buffer: DeliveryBuffer;
  acks: AckRegistry;
  source: KafkaMessageSource;
  reachability: Pick<KafkaReachability, 'isReachable'>;
}

/** The metrics of delivery, acknowledgement, the consumer and Kafka, read when scraped. */
export function registerMetrics(
  metrics: Metrics,
  { buffer, acks, source, reachability }: Parts,
): void {
  metrics.counterFrom(
    'messages_delivered_total',
    'Messages whose response was written.',
    () => buffer.totals().delivered,
  );
  metrics.counterFrom(
    'messages_returned_total',
    'Messages given back to be delivered again.',
    () => buffer.totals().returned,
  );
  metrics.counterFrom('messages_acked_total', 'Manual acknowledgements.', () => acks.totals.acked);
  metrics.counterFrom(
    'messages_ack_expired_total',
    'Manual acks that missed their deadline.',
    () => acks.totals.expired,
  );
  metrics.counterFrom(
    'kafka_messages_committed_total',
    'Messages whose offset was committed.',
    () => source.counters().committedMessages,
  );
  metrics.counterFrom(
    'kafka_rebalances_total',
    'Completed consumer group rebalances (every join, the first included).',
    () => source.counters().rebalances,
  );
  metrics.gauge('kafka_reachable', '1 while some Kafka broker answers, 0 while none does.', (set) =>
    set(reachability.isReachable() ? 1 : 0),
  );
  metrics.gauge(
    'buffer_messages',
    'Messages held in memory, by state.',
    (set) => {
      const stats = buffer.stats();
      set(stats.buffered, { state: 'waiting' });
      set(stats.inFlight, { state: 'in_flight' });
      set(acks.size, { state: 'awaiting_ack' });
      set(stats.held, { state: 'held' });
    },
    ['state'],
  );
  metrics.gauge('buffer_bytes', 'Message bytes held in memory.', (set) =>
    set(buffer.stats().bytes),
  );
  metrics.gauge(
    'kafka_consumer_lag',
    'Messages not yet committed, per partition.',
    (set) => {
      for (const [partition, lag] of source.lag()) set(lag, { partition });
    },
    ['partition'],
  );
  metrics.gauge(
    'kafka_consumer_blocked_partitions',
    'Partitions held at a record batch this instance cannot decode (see /health/ready).',
    (set) => set(source.status().blocked.length),
  );
  metrics.gauge(
    'kafka_consumer_blocked_offset',
    'Where each held partition stands: the offset of the batch it cannot decode.',
    (set) => {
      for (const { partition, offset } of source.status().blocked)
        set(Number(offset), { partition });
    },
    ['partition'],
  );
}

/** The counters of replays, which the replay code increments. */
export function replayMetrics(metrics: Metrics) {
  return {
    answered: metrics.counter(
      'replays_total',
      'Replay requests answered by this instance, by outcome (moved, incomplete, refused, unavailable).',
      ['outcome'],
    ),
    movedPartitions: metrics.counter(
      'replay_partitions_moved_total',
      "Partitions this instance moved and committed for replay commands (its own or another replica's).",
    ),
  };
}

/** Ready when the consumer is in its group and a broker answers; degraded while a partition is held. */
export function readinessOf({
  source,
  reachability,
  buffer,
  acks,
  control,
}: Parts & { control: Pick<ControlChannel, 'isListening'> }): Readiness {
  const status = source.status();
  return {
    ready: source.isReady() && reachability.isReachable(),
    degraded: status.blocked.length > 0,
    details: {
      kafka: !status.connected
        ? 'not connected'
        : reachability.isReachable()
          ? 'connected'
          : 'unreachable',
      group: status.rebalancing ? 'rebalancing' : status.joined ? 'joined' : 'not joined',
      assignedPartitions: status.assigned,
      paused: status.paused,
      ...buffer.stats(),
      awaitingAck: acks.size,
      committed: source.committedOffsets(),
      control: control.isListening() ? 'listening' : 'not listening',
      ...(status.blocked.length > 0 ? { blockedPartitions: status.blocked } : {}),
    },
  };
}
