// Wires service-b together (config, logger, Kafka consumer, buffer, HTTP) and stops it in order.
// main.ts runs it as a process; the integration tests run it in-process on free ports.
import { randomBytes } from 'node:crypto';
import {
  AvroSchemaRegistry,
  createMetrics,
  schemaResolverFrom,
  httpOptionsFrom,
  kafkaFromConfig,
  listenAsConfigured,
  type Logger,
} from '@kafka-http/common';
import { createApp } from './app';
import { controlTopicOf, type ServiceBConfig } from './config';
import { AckRegistry } from './delivery/ack-registry';
import { DeliveryBuffer } from './delivery/delivery-buffer';
import { ControlChannel } from './kafka/control-channel';
import { GroupPosition } from './kafka/group-position';
import { fetchResumeOffset } from './kafka/group-offsets';
import { KafkaMessageSource } from './kafka/message-source';
import { SharedAdmin } from './kafka/shared-admin';

export interface ServiceB {
  url: string;
  port: number;
  buffer: DeliveryBuffer;
  source: KafkaMessageSource;
  acks: AckRegistry;
  control: ControlChannel;
  /** This process's id: it prefixes manual-ack receipts and names who applied a replay. */
  instanceId: string;
  stop(reason?: string): Promise<void>;
}

export async function startServiceB(
  config: ServiceBConfig,
  logger: Logger,
  { onFatal = () => process.exit(1) }: { onFatal?: (error: unknown) => void } = {},
): Promise<ServiceB> {
  // Read before any Kafka client starts: a broken schema file stops the start-up cleanly.
  const avro = AvroSchemaRegistry.fromDirectory(config.AVRO_SCHEMAS_DIR);
  const metrics = createMetrics('service-b');
  const schemas = schemaResolverFrom(config, metrics);
  const { kafka, topic, reachability } = kafkaFromConfig(config, logger);
  reachability.start();
  // The buffer and the source refer to each other through these two callbacks, which run only
  // once the consumer is fetching.
  const buffer = new DeliveryBuffer({
    maxMessages: config.BUFFER_MAX_MESSAGES,
    maxBytes: config.BUFFER_MAX_BYTES,
    onCommittable: () => source.requestCommit(),
    onSpaceAvailable: () => source.resume(),
  });
  const source = new KafkaMessageSource({
    kafka,
    topic,
    groupId: config.KAFKA_GROUP_ID,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    maxWaitTimeInMs: config.KAFKA_FETCH_MAX_WAIT_MS,
    tuning: {
      minBytes: config.KAFKA_FETCH_MIN_BYTES,
      maxBytes: config.KAFKA_FETCH_MAX_BYTES,
      maxBytesPerPartition: config.KAFKA_MAX_BYTES_PER_PARTITION,
      rebalanceTimeoutMs: config.KAFKA_REBALANCE_TIMEOUT_MS,
      heartbeatIntervalMs: config.KAFKA_HEARTBEAT_INTERVAL_MS || undefined,
    },
    stallTimeoutMs: config.CONSUMER_STALL_TIMEOUT_MS,
    startingOffset: (partition) =>
      admin.run('reading where the group resumes a partition', (a) =>
        fetchResumeOffset(a, config.KAFKA_GROUP_ID, topic.topic, partition),
      ),
    buffer,
    schemas,
    logger,
    onFatal,
  });
  source.start().catch((error: unknown) => {
    logger.fatal({ err: error }, (error as Error).message);
    onFatal(error);
  });
  const id = instanceId();
  const acks = new AckRegistry(id);
  const admin = new SharedAdmin(kafka, logger, config.KAFKA_ADMIN_TIMEOUT_MS);
  const replays = metrics.counter(
    'replays_total',
    'Replay requests answered by this instance, by outcome (moved, incomplete, refused, unavailable).',
    ['outcome'],
  );
  const movedPartitions = metrics.counter(
    'replay_partitions_moved_total',
    "Partitions this instance moved and committed for replay commands (its own or another replica's).",
  );
  const group = new GroupPosition({
    admin,
    source,
    topic: config.KAFKA_TOPIC,
    groupId: config.KAFKA_GROUP_ID,
    instanceId: id,
    timeoutMs: config.REPLAY_TIMEOUT_MS,
    logger,
    onApplied: (count) => movedPartitions.inc(count),
  });
  const control = new ControlChannel({
    kafka,
    controlTopic: controlTopicOf(config),
    replicationFactor: config.KAFKA_TOPIC_REPLICATION_FACTOR,
    instanceId: id,
    logger,
    onMessage: (message) => group.handle(message),
    onFatal,
  });
  group.attach(control);
  control.start().catch((error: unknown) => {
    logger.fatal({ err: error }, (error as Error).message);
    onFatal(error);
  });
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
  const app = createApp({
    buffer,
    acks,
    avro,
    schemas,
    topic: config.KAFKA_TOPIC,
    groupId: config.KAFKA_GROUP_ID,
    limits: {
      defaultWaitMs: config.DEFAULT_WAIT_MS,
      defaultVisibilityMs: config.DEFAULT_VISIBILITY_MS,
      batchMaxMessages: config.BATCH_MAX_MESSAGES,
      maxValueBytes: config.MAX_MESSAGE_BYTES,
    },
    logger,
    http: httpOptionsFrom(config),
    metrics,
    group,
    onReplay: (outcome) => replays.inc({ outcome }),
    kafka: reachability,
    peer: { name: 'service-a', url: config.SERVICE_A_URL },
    readiness: () => {
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
    },
  });
  const http = await listenAsConfigured(app, config, logger, 'service-b');
  return {
    url: http.url,
    port: http.port,
    buffer,
    source,
    acks,
    control,
    instanceId: id,
    async stop() {
      // Waiting clients get 503 at once and streams end; responses being written finish and
      // settle their messages; messages still awaiting a manual ack are given back (the next
      // owner delivers them); what was delivered is committed; the consumer leaves the group.
      buffer.close();
      await http.close();
      acks.releaseAll();
      try {
        await source.stop();
      } finally {
        await Promise.all([control.stop(), admin.close()]);
        reachability.stop();
        schemas?.close();
      }
    },
  };
}

/** A short random id for this process; it prefixes manual-ack receipts. */
function instanceId(): string {
  return `b-${randomBytes(3).toString('hex')}`;
}
