// Wires service-a together (config, logger, Kafka, HTTP) and stops it in order. main.ts runs it
// as a process; the integration tests run it in-process on free ports.
import {
  kafkaFromConfig,
  startHttpServer,
  type Logger,
  type RunningServer,
} from '@kafka-http/common';
import { createApp } from './app';
import type { ServiceAConfig } from './config';
import { KafkaMessagePublisher } from './kafka/message-publisher';

export interface ServiceA {
  url: string;
  port: number;
  publisher: KafkaMessagePublisher;
  /** Resolves when Kafka is reachable and the producer connected. */
  connected: Promise<void>;
  stop(reason?: string): Promise<void>;
}

export async function startServiceA(config: ServiceAConfig, logger: Logger): Promise<ServiceA> {
  const { kafka, topic } = kafkaFromConfig(config, logger);
  const publisher = new KafkaMessagePublisher({
    kafka,
    topic,
    produceTimeoutMs: config.PRODUCE_TIMEOUT_MS,
    tuning: {
      lingerMs: config.PRODUCE_LINGER_MS,
      maxBatchRecords: config.PRODUCE_BATCH_MAX_RECORDS,
      maxBatchBytes: config.PRODUCE_BATCH_MAX_BYTES,
      maxQueuedRecords: config.PRODUCE_QUEUE_MAX_RECORDS,
    },
    logger,
  });
  const connected = publisher.start();
  const app = createApp({
    publisher,
    maxMessageBytes: config.MAX_MESSAGE_BYTES,
    logger,
    batch: { maxMessages: config.POST_BATCH_MAX_MESSAGES, maxBytes: config.POST_BATCH_MAX_BYTES },
    idempotency: { ttlMs: config.IDEMPOTENCY_TTL_MS, maxKeys: config.IDEMPOTENCY_MAX_KEYS },
    benchNoopRoute: config.BENCH_NOOP_ROUTE === 'true',
  });
  const http: RunningServer = await startHttpServer(app, { port: config.PORT, host: config.HOST });
  logger.info({ url: http.url, swagger: `${http.url}/swagger` }, 'service-a listening');
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
