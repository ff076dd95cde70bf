// Wires service-b together (config, logger, Kafka consumer, buffer, HTTP) and stops it in order.
// main.ts runs it as a process; the integration tests run it in-process on free ports.
import { randomBytes } from 'node:crypto';
import {
  AvroSchemaRegistry,
  fatalIfItFails,
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
import { readinessOf, registerMetrics, replayMetrics } from './observability';

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
  const admin = new SharedAdmin(kafka, logger, config.KAFKA_ADMIN_TIMEOUT_MS);
  // The source listens to the buffer: deliveries become commits, room resumes fetching.
  const buffer = new DeliveryBuffer({
    maxMessages: config.BUFFER_MAX_MESSAGES,
    maxBytes: config.BUFFER_MAX_BYTES,
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
  fatalIfItFails(source.start(), { logger, onFatal });
  const id = instanceId();
  const acks = new AckRegistry(id);
  const replays = replayMetrics(metrics);
  const group = new GroupPosition({
    admin,
    source,
    topic: config.KAFKA_TOPIC,
    groupId: config.KAFKA_GROUP_ID,
    instanceId: id,
    timeoutMs: config.REPLAY_TIMEOUT_MS,
    logger,
    onApplied: (count) => replays.movedPartitions.inc(count),
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
  fatalIfItFails(control.start(), { logger, onFatal });
  registerMetrics(metrics, { buffer, acks, source, reachability });
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
    onReplay: (outcome) => replays.answered.inc({ outcome }),
    kafka: reachability,
    peer: { name: 'service-a', url: config.SERVICE_A_URL },
    readiness: () => readinessOf({ source, reachability, buffer, acks, control }),
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
