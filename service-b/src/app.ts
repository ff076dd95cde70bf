// Builds service-b's Express app from its parts. No I/O here: tests pass a buffer they fill.
import type { Express } from 'express';
import {
  AvroSchemaRegistry,
  type SchemaResolver,
  createMetrics,
  createServiceApp,
  type HttpOptions,
  type KafkaReachabilityView,
  type Logger,
  type Metrics,
  type PeerService,
  type Readiness,
} from '@kafka-http/common';
import type { AckRegistry } from './delivery/ack-registry';
import type { DeliveryBuffer } from './delivery/delivery-buffer';
import { ackRouter } from './http/ack-route';
import { groupRouter } from './http/group-route';
import type { GroupOperations } from './kafka/group-position';
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
  /** The Avro schemas records can be decoded with (the repository's by default). */
  avro?: AvroSchemaRegistry;
  /** The schema registry, for Confluent-framed keys and values (none: they are shown raw). */
  schemas?: SchemaResolver;
  /** How often an idle stream gets a keep-alive comment. */
  streamKeepAliveMs?: number;
  http?: HttpOptions;
  metrics?: Metrics;
  /** Topic metadata, lag and replay; without it those endpoints are absent (404). */
  group?: GroupOperations;
  onReplay?: (outcome: 'moved' | 'incomplete' | 'refused' | 'unavailable') => void;
  /** Whether any broker answers; a GET that finds nothing then says 503 instead of 204. */
  kafka?: KafkaReachabilityView;
  /** service-a: linked from the API docs, and named when a client POSTs messages here. */
  peer?: PeerService;
}

export function createApp(deps: AppDeps): Express {
  const { buffer, acks, readiness, topic, groupId, limits, logger } = deps;
  const metrics = deps.metrics ?? createMetrics('service-b');
  const avro = deps.avro ?? AvroSchemaRegistry.fromDirectory();
  const app = createServiceApp(
    {
      logger,
      metrics,
      http: deps.http,
      readiness,
      openApi: openApiDocument({ topic, groupId, limits, peer: deps.peer }),
    },
    (routes) => {
      // A GET's body is never used, but left unread it keeps Node from noticing that the client
      // left, and a message would then be written to a dead connection: read and discard it.
      routes.use((req, _res, next) => {
        if (req.method === 'GET') req.resume();
        next();
      });
      routes.use(
        messagesRouter({
          buffer,
          acks,
          limits,
          avro,
          schemas: deps.schemas,
          kafka: deps.kafka,
          peer: deps.peer,
        }),
      );
      routes.use(ackRouter({ acks }));
      if (deps.group) {
        routes.use(groupRouter({ group: deps.group, topic, groupId, onReplay: deps.onReplay }));
      }
      routes.use(
        streamRouter({
          buffer,
          maxValueBytes: limits.maxValueBytes,
          avro,
          schemas: deps.schemas,
          keepAliveMs: deps.streamKeepAliveMs,
        }),
      );
    },
  );
  // A message is taken from the buffer by the request itself: a 304 for a conditional GET would
  // count a message as delivered whose body was never sent, so responses carry no ETag.
  app.set('etag', false);
  return app;
}
