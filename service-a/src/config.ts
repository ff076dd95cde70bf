// service-a's configuration: the shared settings plus how produce requests are batched and bounded.
import path from 'node:path';
import {
  checkKafkaSecurity,
  checkSchemaRegistry,
  COMPRESSIONS,
  DEFAULT_SCHEMAS_DIR,
  text,
  integer,
  MIB,
  oneOf,
  readEnv,
  sharedSettings,
  type ConfigOf,
  type Env,
} from '@kafka-http/common';
import { OUTBOX_TABLE_NAME } from './outbox/postgres-outbox';

/** `.data/outbox` at the top of the repository (git-ignored). */
export const DEFAULT_OUTBOX_DIR = path.resolve(__dirname, '../../.data/outbox');

export const serviceASettings = {
  ...sharedSettings({ port: 5101, clientId: 'service-a' }),
  /** Where people reach service-b: linked from the API docs, and named when a client GETs messages here. */
  SERVICE_B_URL: text('http://127.0.0.1:5102', {
    pattern: /^https?:\/\/[^\s/]+(\/[^\s]*[^\s/])?$/,
    hint: 'an http(s) URL without a trailing slash',
  }),
  /** Longest a POST waits for Kafka's acknowledgement before answering 503. */
  PRODUCE_TIMEOUT_MS: integer(5000, { min: 100, max: 120_000 }),
  /**
   * How long to wait for more messages before a Kafka send. 0 sends as soon as the previous send
   * was acknowledged; messages arriving meanwhile still share the next send.
   */
  PRODUCE_LINGER_MS: integer(0, { min: 0, max: 1000 }),
  /** Most records in one Kafka send. */
  PRODUCE_BATCH_MAX_RECORDS: integer(1000, { min: 1, max: 100_000 }),
  /** Most bytes in one Kafka send (keep below the broker's message.max.bytes, about 1 MiB). */
  PRODUCE_BATCH_MAX_BYTES: integer(900_000, { min: 1024, max: 64 * MIB }),
  /** Most records waiting for a send; beyond this a POST is refused with 503 at once. */
  PRODUCE_QUEUE_MAX_RECORDS: integer(20_000, { min: 1, max: 1_000_000 }),
  /** Compression of the record batches service-a writes (common/src/compression.ts has the codecs). */
  PRODUCE_COMPRESSION: oneOf('none', COMPRESSIONS),
  /** Most messages in one POST /api/messages/batch. */
  POST_BATCH_MAX_MESSAGES: integer(1000, { min: 1, max: 100_000 }),
  /** Largest body of one POST /api/messages/batch. */
  POST_BATCH_MAX_BYTES: integer(10 * MIB, { min: 1024, max: 256 * MIB }),
  /** How long a POST with an Idempotency-Key is remembered (its retries answer the same). */
  IDEMPOTENCY_TTL_MS: integer(300_000, { min: 1000, max: 86_400_000 }),
  /** Most Idempotency-Keys remembered at once (the oldest are forgotten first). */
  IDEMPOTENCY_MAX_KEYS: integer(100_000, { min: 1, max: 10_000_000 }),
  /** The folder of message types: JSON Schemas named `<type>.schema.json`. */
  MESSAGE_TYPES_DIR: text(path.join(DEFAULT_SCHEMAS_DIR, 'json')),
  /** A message type every value produced to the topic must satisfy (empty: any value). */
  TOPIC_MESSAGE_TYPE: text('', { pattern: /^$|^[a-z0-9][a-z0-9._-]{0,63}$/, hint: 'a type name' }),
  /** Runs the worker that publishes a generated Avro user every AVRO_WORKER_INTERVAL_MS. */
  AVRO_WORKER_ENABLED: oneOf('false', ['true', 'false']),
  AVRO_WORKER_INTERVAL_MS: integer(10_000, { min: 50, max: 86_400_000 }),
  /**
   * The folder of the embedded outbox (SQLite) that `?async=true` stores messages in before its
   * 202; one folder per instance. Unused when OUTBOX_URL is set.
   */
  OUTBOX_DIR: text(DEFAULT_OUTBOX_DIR),
  /** `full`: a 202 survives power loss (a disk sync per commit); `normal`: a process crash only. */
  OUTBOX_SYNC: oneOf('full', ['full', 'normal']),
  /** A PostgreSQL URL: the outbox is then a table every replica adds to and any replica drains. */
  OUTBOX_URL: text(''),
  /** The PostgreSQL outbox's table (created when missing). */
  OUTBOX_TABLE: text('kafka_outbox', { pattern: OUTBOX_TABLE_NAME, hint: 'a lower-case SQL name' }),
  /** Most messages waiting in the outbox; beyond this `?async=true` answers 503. */
  OUTBOX_MAX_MESSAGES: integer(100_000, { min: 1, max: 100_000_000 }),
  /** Most bytes waiting in the outbox; beyond this `?async=true` answers 503. */
  OUTBOX_MAX_BYTES: integer(256 * MIB, { min: 1024, max: 1024 * 1024 * MIB }),
  /**
   * Registers the repository's Avro schema named by `schema=` under the subject a POST names when
   * the subject has no version yet. Off: an unknown subject is refused.
   */
  SCHEMA_REGISTRY_AUTO_REGISTER: oneOf('false', ['true', 'false']),
  /** Serves POST /api/bench/noop: the same request handling without Kafka, for the benchmark. */
  BENCH_NOOP_ROUTE: oneOf('false', ['true', 'false']),
};

export type ServiceAConfig = ConfigOf<typeof serviceASettings>;

export function loadConfig(env: Env = process.env): ServiceAConfig {
  return readEnv(serviceASettings, env, (config) => [
    ...checkKafkaSecurity(config),
    ...checkSchemaRegistry(config),
  ]);
}
