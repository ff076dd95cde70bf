// Wires service-a together (config, logger, Kafka, HTTP) and stops it in order. main.ts runs it
// as a process; the integration tests run it in-process on free ports.
import {
  createMetrics,
  httpOptionsFrom,
  kafkaFromConfig,
  listenAsConfigured,
  type Logger,
} from '@kafka-http/common';
import { createApp } from './app';
import { produceCompression, type ServiceAConfig } from './config';
import { KafkaMessagePublisher } from './kafka/message-publisher';

export interface ServiceA {
  url: string;
  port: number;
  publisher: KafkaMessagePublisher;
  /** Resolves when Kafka is reachable and the producer connected. */
  connected: Promise<void>;
  stop(reason?: string): Promise<void>;
}

export async function startServiceA(
  config: ServiceAConfig,
  logger: Logger,
  { onFatal = () => process.exit(1) }: { onFatal?: (error: unknown) => void } = {},
): Promise<ServiceA> {
  const { kafka, topic } = kafkaFromConfig(config, logger);
  const metrics = createMetrics('service-a');
  const publisher = new KafkaMessagePublisher({
    kafka,
    topic,
    produceTimeoutMs: config.PRODUCE_TIMEOUT_MS,
    tuning: {
      lingerMs: config.PRODUCE_LINGER_MS,
      maxBatchRecords: config.PRODUCE_BATCH_MAX_RECORDS,
      maxBatchBytes: config.PRODUCE_BATCH_MAX_BYTES,
      maxQueuedRecords: config.PRODUCE_QUEUE_MAX_RECORDS,
      compression: produceCompression(config),
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
  const connected = publisher.start();
  // Only wrong credentials end the start-up loop: a running service that can never connect is
  // worse than a clear exit.
  connected.catch((error: unknown) => {
    logger.fatal({ err: error }, (error as Error).message);
    onFatal(error);
  });
  const app = createApp({
    publisher,
    maxMessageBytes: config.MAX_MESSAGE_BYTES,
    logger,
    batch: { maxMessages: config.POST_BATCH_MAX_MESSAGES, maxBytes: config.POST_BATCH_MAX_BYTES },
    idempotency: { ttlMs: config.IDEMPOTENCY_TTL_MS, maxKeys: config.IDEMPOTENCY_MAX_KEYS },
    benchNoopRoute: config.BENCH_NOOP_ROUTE === 'true',
    http: httpOptionsFrom(config),
    metrics,
  });
  const http = await listenAsConfigured(app, config, logger, 'service-a');
  return {
    url: http.url,
    port: http.port,
    publisher,
    connected,
    async stop() {
      // Stop taking requests and let in-flight ones finish, then close the producer.
      await http.close();
      await publisher.stop();
    },
  };
}
