// Builds service-b's Express app from its parts. No I/O here: tests pass a buffer they fill.
import express, { type Express } from 'express';
import {
  apiDocsRouter,
  healthRouter,
  notFoundHandler,
  problemHandler,
  type Logger,
  type Readiness,
} from '@kafka-http/common';
import type { AckRegistry } from './delivery/ack-registry';
import type { DeliveryBuffer } from './delivery/delivery-buffer';
import { ackRouter } from './http/ack-route';
import { messagesRouter, type ConsumeLimits } from './http/messages-route';
import { streamRouter } from './http/stream-route';
import { openApiDocument } from './openapi';

export interface AppDeps {
  buffer: DeliveryBuffer;
  acks: AckRegistry;
  readiness: () => Readiness;
  topic: string;
  groupId: string;
  limits: ConsumeLimits;
  logger: Logger;
  /** How often an idle stream gets a keep-alive comment. */
  streamKeepAliveMs?: number;
}

export function createApp(deps: AppDeps): Express {
  const { buffer, acks, readiness, topic, groupId, limits, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // A message is taken from the buffer by the request itself: a 304 for a conditional GET would
  // count a message as delivered whose body was never sent, so responses carry no ETag.
  app.set('etag', false);
  app.use(healthRouter(readiness));
  app.use(apiDocsRouter(openApiDocument({ topic, groupId, limits })));
  app.use(messagesRouter({ buffer, acks, limits }));
  app.use(ackRouter({ acks }));
  app.use(
    streamRouter({
      buffer,
      maxValueBytes: limits.maxValueBytes,
      keepAliveMs: deps.streamKeepAliveMs,
    }),
  );
  app.use(notFoundHandler());
  app.use(problemHandler(logger));
  return app;
}
