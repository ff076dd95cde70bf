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
import type { DeliveryBuffer } from './delivery/delivery-buffer';
import { messagesRouter } from './http/messages-route';
import { openApiDocument } from './openapi';

export interface AppDeps {
  buffer: DeliveryBuffer;
  readiness: () => Readiness;
  topic: string;
  groupId: string;
  defaultWaitMs: number;
  logger: Logger;
}

export function createApp({
  buffer,
  readiness,
  topic,
  groupId,
  defaultWaitMs,
  logger,
}: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // A message is taken from the buffer by the request itself: a 304 for a conditional GET would
  // commit a message whose body was never sent, so responses carry no ETag.
  app.set('etag', false);
  app.use(healthRouter(readiness));
  app.use(apiDocsRouter(openApiDocument({ topic, groupId, defaultWaitMs })));
  app.use(messagesRouter({ buffer, defaultWaitMs }));
  app.use(notFoundHandler());
  app.use(problemHandler(logger));
  return app;
}
