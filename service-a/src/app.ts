// Builds service-a's Express app from its parts. No I/O here: tests pass a fake publisher.
import express, { type Express } from 'express';
import {
  apiDocsRouter,
  healthRouter,
  notFoundHandler,
  problemHandler,
  type Logger,
} from '@kafka-http/common';
import { messagesRouter } from './http/messages-route';
import { openApiDocument } from './openapi';
import type { MessagePublisher } from './kafka/message-publisher';

export interface AppDeps {
  publisher: MessagePublisher;
  maxMessageBytes: number;
  logger: Logger;
}

export function createApp({ publisher, maxMessageBytes, logger }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(
    healthRouter(() => ({
      ready: publisher.isReady(),
      details: {
        kafka: publisher.isReady() ? 'connected' : 'not connected',
        topic: publisher.topic,
      },
    })),
  );
  app.use(apiDocsRouter(openApiDocument({ topic: publisher.topic, maxMessageBytes })));
  app.use(messagesRouter({ publisher, maxMessageBytes }));
  app.use(notFoundHandler());
  app.use(problemHandler(logger));
  return app;
}
