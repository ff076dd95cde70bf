// Builds service-a's Express app from its parts. No I/O here: tests pass a fake publisher.
import type { Express } from 'express';
import {
  createMetrics,
  createServiceApp,
  problems,
  type HttpOptions,
  type Logger,
  type Metrics,
  type PeerService,
  type SchemaResolver,
} from '@kafka-http/common';
import type { AsyncProducer } from './http/async-produce';
import { batchRouter, type BatchLimits } from './http/batch-route';
import { IdempotencyStore } from './http/idempotency';
import { messagesRouter } from './http/messages-route';
import { produceProblems } from './http/produce-problems';
import { openApiDocument } from './openapi';
import type { MessagePublisher } from './kafka/message-publisher';
import { loadMessageFormats, type MessageFormats } from './messages/message-codec';

const NO_OUTBOX: AsyncProducer = {
  accept() {
    return Promise.reject(
      problems.serviceUnavailable('Asynchronous produce is not available here.', 60),
    );
  },
};

export interface AppDeps {
  publisher: MessagePublisher;
  /** The outbox behind `?async=true`; without one, such requests are refused with 503. */
  asyncProducer?: AsyncProducer;
  maxMessageBytes: number;
  logger: Logger;
  batch?: Partial<Omit<BatchLimits, 'maxMessageBytes'>>;
  idempotency?: { ttlMs: number; maxKeys: number };
  benchNoopRoute?: boolean;
  /** Avro schemas and message types (the repository's by default). */
  formats?: MessageFormats;
  /** The message type every value must satisfy, if any. */
  topicType?: string;
  /** The schema registry, for application/vnd.schemaregistry+json (absent: 415). */
  schemas?: SchemaResolver;
  /** Register a repository Avro schema under a subject that has none (SCHEMA_REGISTRY_AUTO_REGISTER). */
  autoRegister?: boolean;
  http?: HttpOptions;
  metrics?: Metrics;
  /** service-b: linked from the API docs, and named when a client GETs messages here. */
  peer?: PeerService;
}

export function createApp({
  publisher,
  asyncProducer = NO_OUTBOX,
  maxMessageBytes,
  logger,
  batch = {},
  idempotency = { ttlMs: 300_000, maxKeys: 100_000 },
  benchNoopRoute = false,
  formats = loadMessageFormats(),
  topicType,
  schemas,
  autoRegister = false,
  http,
  metrics = createMetrics('service-a'),
  peer,
}: AppDeps): Express {
  const batchLimits: BatchLimits = {
    maxMessages: batch.maxMessages ?? 1000,
    maxBytes: batch.maxBytes ?? 10 * 1024 * 1024,
    maxMessageBytes,
  };
  const store = new IdempotencyStore(idempotency);
  metrics.gauge('idempotency_keys', 'Idempotency-Keys remembered.', (set) => set(store.size));
  return createServiceApp(
    {
      logger,
      metrics,
      http,
      openApi: openApiDocument({
        topic: publisher.topic,
        maxMessageBytes,
        batchLimits,
        formats,
        topicType,
        peer,
      }),
      readiness: () => ({
        ready: publisher.isReady(),
        details: {
          kafka: publisher.kafkaStatus?.() ?? (publisher.isReady() ? 'connected' : 'not connected'),
          topic: publisher.topic,
          ...publisher.stats?.(),
          ...(asyncProducer.status ? { outbox: asyncProducer.status() } : {}),
        },
      }),
    },
    (app) => {
      const shared = { publisher, idempotency: store, asyncProducer, peer };
      const registry = { schemas, autoRegister, avro: formats.avro };
      app.use(
        batchRouter({ ...shared, limits: batchLimits, formats: { formats, topicType, registry } }),
      );
      app.use(
        messagesRouter({
          ...shared,
          maxMessageBytes,
          formats,
          topicType,
          benchNoopRoute,
          registry,
        }),
      );
      // A ProduceError from Kafka or the outbox becomes its problem+json here, in one place.
      app.use(produceProblems());
    },
  );
}
