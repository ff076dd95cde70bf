// Builds service-a's Express app from its parts. No I/O here: tests pass a fake publisher.
import express, { type Express } from 'express';
import {
  apiDocsRouter,
  healthRouter,
  notFoundHandler,
  problemHandler,
  type Logger,
} from '@kafka-http/common';
import { batchRouter, type BatchLimits } from './http/batch-route';
import { IdempotencyStore } from './http/idempotency';
import { messagesRouter } from './http/messages-route';
import { openApiDocument } from './openapi';
import type { MessagePublisher } from './kafka/message-publisher';

export interface AppDeps {
  publisher: MessagePublisher;
  maxMessageBytes: number;
  logger: Logger;
  batch?: Partial<Omit<BatchLimits, 'maxMessageBytes'>>;
  idempotency?: { ttlMs: number; maxKeys: number };
  benchNoopRoute?: boolean;
}

export function createApp({
  publisher,
  maxMessageBytes,
  logger,
  batch = {},
  idempotency = { ttlMs: 300_000, maxKeys: 100_000 },
  benchNoopRoute = false,
}: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const batchLimits: BatchLimits = {
    maxMessages: batch.maxMessages ?? 1000,
    maxBytes: batch.maxBytes ?? 10 * 1024 * 1024,
    maxMessageBytes,
  };
  const store = new IdempotencyStore(idempotency);
  app.use(
    healthRouter(() => ({
      ready: publisher.isReady(),
      details: {
        kafka: publisher.isReady() ? 'connected' : 'not connected',
        topic: publisher.topic,
        ...publisher.stats?.(),
      },
    })),
  );
  app.use(apiDocsRouter(openApiDocument({ topic: publisher.topic, maxMessageBytes, batchLimits })));
  app.use(batchRouter({ publisher, limits: batchLimits, idempotency: store }));
  app.use(messagesRouter({ publisher, maxMessageBytes, idempotency: store, benchNoopRoute }));
  app.use(notFoundHandler());
  app.use(problemHandler(logger));
  return app;
}
