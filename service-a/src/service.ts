// Wires service-a together (config, logger, Kafka, HTTP) and stops it in order. main.ts runs it
// as a process; the integration tests run it in-process on free ports.
import {
  fatalIfItFails,
  ConfigError,
  createMetrics,
  schemaResolverFrom,
  httpOptionsFrom,
  kafkaFromConfig,
  listenAsConfigured,
  type Logger,
} from '@kafka-http/common';
import { createApp } from './app';
import type { ServiceAConfig } from './config';
import { KafkaMessagePublisher } from './kafka/message-publisher';
import { loadMessageFormats } from './messages/message-codec';
import { UserWorker } from './workers/user-worker';
import { outboxProducer } from './http/async-produce';
import { Outbox } from './outbox/outbox';
import type { OutboxStore } from './outbox/outbox-store';
import { PostgresOutbox } from './outbox/postgres-outbox';
import { SqliteOutbox } from './outbox/sqlite-outbox';

/** PostgreSQL when OUTBOX_URL is set (shared by replicas), else SQLite in OUTBOX_DIR. */
async function openOutboxStore(config: ServiceAConfig): Promise<OutboxStore> {
  if (config.OUTBOX_URL) {
    return PostgresOutbox.open({ url: config.OUTBOX_URL, table: config.OUTBOX_TABLE });
  }
  return new SqliteOutbox({ dir: config.OUTBOX_DIR, sync: config.OUTBOX_SYNC });
}

export interface ServiceA {
  url: string;
  port: number;
  publisher: KafkaMessagePublisher;
  outbox: Outbox;
  /** The Avro user worker, when AVRO_WORKER_ENABLED=true. */
  worker: UserWorker | undefined;
  /** Resolves when Kafka is reachable and the producer connected. */
  connected: Promise<void>;
  stop(reason?: string): Promise<void>;
}

export async function startServiceA(
  config: ServiceAConfig,
  logger: Logger,
  { onFatal = () => process.exit(1) }: { onFatal?: (error: unknown) => void } = {},
): Promise<ServiceA> {
  const formats = loadMessageFormats({
    avroDir: config.AVRO_SCHEMAS_DIR,
    typesDir: config.MESSAGE_TYPES_DIR,
  });
  const topicType = config.TOPIC_MESSAGE_TYPE || undefined;
  if (topicType !== undefined && !formats.types.get(topicType)) {
    throw new ConfigError([
      `TOPIC_MESSAGE_TYPE: there is no message type ${topicType} in ${config.MESSAGE_TYPES_DIR} (known: ${formats.types.names.join(', ') || 'none'})`,
    ]);
  }
  const { kafka, topic, reachability } = kafkaFromConfig(config, logger);
  reachability.start();
  const metrics = createMetrics('service-a');
  const schemas = schemaResolverFrom(config, metrics);
  metrics.gauge('kafka_reachable', '1 while some Kafka broker answers, 0 while none does.', (set) =>
    set(reachability.isReachable() ? 1 : 0),
  );
  const publisher = new KafkaMessagePublisher({
    kafka,
    topic,
    produceTimeoutMs: config.PRODUCE_TIMEOUT_MS,
    reachability,
    tuning: {
      lingerMs: config.PRODUCE_LINGER_MS,
      maxBatchRecords: config.PRODUCE_BATCH_MAX_RECORDS,
      maxBatchBytes: config.PRODUCE_BATCH_MAX_BYTES,
      maxQueuedRecords: config.PRODUCE_QUEUE_MAX_RECORDS,
      compression: config.PRODUCE_COMPRESSION,
    },
    logger,
    metrics: {
      produced: metrics.counter('kafka_messages_produced_total', 'Messages Kafka acknowledged.'),
      errors: metrics.counter('kafka_produce_errors_total', 'Messages not written, by reason.', [
        'reason',
      ]),
      sendSize: metrics.histogram(
        'kafka_send_records',
        'Records per Kafka send (concurrent requests share sends).',
        [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      ),
    },
  });
  metrics.gauge('kafka_produce_queue_records', 'Records waiting for a Kafka send.', (set) =>
    set(publisher.stats().queued),
  );
  const outbox = new Outbox({
    store: await openOutboxStore(config),
    writer: publisher,
    logger: logger.child({ component: 'outbox' }),
    metrics,
    maxMessages: config.OUTBOX_MAX_MESSAGES,
    maxBytes: config.OUTBOX_MAX_BYTES,
  });
  await outbox.start();
  const connected = publisher.start();
  // Only wrong credentials or a rejected broker certificate end the start-up loop: a running
  // service that can never connect is worse than a clear exit.
  fatalIfItFails(connected, { logger, onFatal });
  const app = createApp({
    publisher,
    asyncProducer: outboxProducer(publisher, outbox),
    maxMessageBytes: config.MAX_MESSAGE_BYTES,
    logger,
    batch: { maxMessages: config.POST_BATCH_MAX_MESSAGES, maxBytes: config.POST_BATCH_MAX_BYTES },
    idempotency: { ttlMs: config.IDEMPOTENCY_TTL_MS, maxKeys: config.IDEMPOTENCY_MAX_KEYS },
    benchNoopRoute: config.BENCH_NOOP_ROUTE === 'true',
    formats,
    topicType,
    schemas,
    autoRegister: config.SCHEMA_REGISTRY_AUTO_REGISTER === 'true',
    http: httpOptionsFrom(config),
    metrics,
    peer: { name: 'service-b', url: config.SERVICE_B_URL },
  });
  const http = await listenAsConfigured(app, config, logger, 'service-a');
  const worker =
    config.AVRO_WORKER_ENABLED === 'true'
      ? new UserWorker({
          publisher,
          formats,
          intervalMs: config.AVRO_WORKER_INTERVAL_MS,
          logger: logger.child({ worker: 'avro-user' }),
          metrics: {
            sent: metrics.counter('avro_worker_sent_total', 'Generated users the worker sent.'),
            failed: metrics.counter(
              'avro_worker_failures_total',
              'Worker sends that failed (retried at the next tick).',
            ),
          },
        })
      : undefined;
  // The first user goes out once the producer is connected; later failures are the worker's to retry.
  void connected.then(
    () => worker?.start(),
    () => undefined,
  );
  return {
    url: http.url,
    port: http.port,
    publisher,
    outbox,
    worker,
    connected,
    async stop() {
      // Stop the worker and taking requests, let in-flight sends finish, then close the producer.
      await worker?.stop();
      await http.close();
      // The send under way finishes and is removed from the outbox; the rest waits on disk.
      await outbox.stop();
      await publisher.stop();
      reachability.stop();
      schemas?.close();
    },
  };
}
