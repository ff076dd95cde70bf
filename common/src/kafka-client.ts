// The one place that builds a KafkaJS client, so both services connect, retry and log the same way.
import { readFileSync } from 'node:fs';
import { Kafka, type Admin, type SASLOptions } from 'kafkajs';
import { registerCompressionCodecs } from './compression';
import { kafkaLogCreator, kafkaLogLevel, type Logger, type LogLevel } from './logger';

export interface KafkaClientOptions {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
  logLevel: LogLevel;
  /** How long to wait for a TCP connection to a broker. */
  connectionTimeoutMs?: number;
  /** How long to wait for a broker to answer a request. */
  requestTimeoutMs?: number;
  ssl?: { ca?: string; rejectUnauthorized: boolean } | false;
  sasl?: SASLOptions;
}

export function createKafkaClient({
  brokers,
  clientId,
  logger,
  logLevel,
  connectionTimeoutMs = 3000,
  requestTimeoutMs = 30000,
  ssl = false,
  sasl,
}: KafkaClientOptions): Kafka {
  // Records from other producers may use any codec; KafkaJS itself only reads gzip.
  registerCompressionCodecs();
  return new Kafka({
    ssl:
      ssl === false
        ? false
        : { rejectUnauthorized: ssl.rejectUnauthorized, ...(ssl.ca ? { ca: [ssl.ca] } : {}) },
    sasl,
    brokers: [...brokers],
    clientId,
    connectionTimeout: connectionTimeoutMs,
    requestTimeout: requestTimeoutMs,
    logLevel: kafkaLogLevel(logLevel),
    logCreator: kafkaLogCreator(logger),
    // Client-level retries cover connecting and metadata; producers and consumers set their own.
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 10000 },
  });
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor: number;
}

/**
 * Creates the topic when it is missing. Another process creating it at the same moment is fine;
 * a topic that exists with other settings is left alone (its owner decides them) and logged.
 */
export async function ensureTopic(
  kafka: Kafka,
  { topic, partitions, replicationFactor }: TopicSpec,
  logger: Logger,
): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    // Look first: creating a topic that exists makes KafkaJS log an error.
    if ((await admin.listTopics()).includes(topic)) {
      await warnOnPartitionMismatch(admin, { topic, partitions }, logger);
      return;
    }
    const created = await admin
      .createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions: partitions, replicationFactor }],
      })
      .catch((error: unknown) => {
        if (isTopicExistsError(error)) return false;
        throw error;
      });
    if (created) {
      logger.info({ topic, partitions, replicationFactor }, 'created topic');
      return;
    }
    await warnOnPartitionMismatch(admin, { topic, partitions }, logger);
  } finally {
    await admin.disconnect();
  }
}

async function warnOnPartitionMismatch(
  admin: Admin,
  { topic, partitions }: { topic: string; partitions: number },
  logger: Logger,
): Promise<void> {
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const existing = metadata.topics[0]?.partitions.length ?? 0;
  if (existing !== partitions) {
    logger.warn(
      { topic, partitions: existing, configured: partitions },
      'topic already exists with a different partition count; using it as it is',
    );
  }
}

function isTopicExistsError(error: unknown): boolean {
  const e = error as { type?: string; errors?: { type?: string }[] } | undefined;
  return (
    e?.type === 'TOPIC_ALREADY_EXISTS' ||
    (Array.isArray(e?.errors) && e.errors.every((inner) => inner.type === 'TOPIC_ALREADY_EXISTS'))
  );
}

/**
 * Runs `attempt` until it succeeds or `isStopped()` says to give up, backing off from half a second
 * to ten. Used to connect at start-up, so a service starts (and says it is not ready) while Kafka
 * is still unreachable, instead of crashing.
 */
export async function retryUntilStopped(
  what: string,
  attempt: () => Promise<void>,
  {
    isStopped,
    logger,
    onFailure,
  }: {
    isStopped: () => boolean;
    logger: Logger;
    onFailure?: () => Promise<void>;
  },
): Promise<void> {
  for (let tries = 1; !isStopped(); tries++) {
    try {
      await attempt();
      return;
    } catch (error) {
      // Wrong credentials do not get better by waiting: stop with a clear reason.
      if (isAuthenticationError(error)) {
        throw new KafkaAuthenticationError(
          `Kafka refused the credentials (KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD): ${(error as Error).message}`,
        );
      }
      const delayMs = Math.min(10_000, 500 * tries);
      logger.warn({ err: error, attempt: tries, delayMs }, `${what} failed; retrying`);
      await onFailure?.();
      await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
    }
  }
}

/** The client and topic settings both services read from their shared configuration. */
export function kafkaFromConfig(
  config: {
    KAFKA_BROKERS: readonly string[];
    KAFKA_CLIENT_ID: string;
    KAFKA_TOPIC: string;
    KAFKA_TOPIC_PARTITIONS: number;
    KAFKA_TOPIC_REPLICATION_FACTOR: number;
    LOG_LEVEL: LogLevel;
    KAFKA_SSL: 'true' | 'false';
    KAFKA_SSL_CA_FILE: string;
    KAFKA_SSL_REJECT_UNAUTHORIZED: 'true' | 'false';
    KAFKA_SASL_MECHANISM: 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512';
    KAFKA_SASL_USERNAME: string;
    KAFKA_SASL_PASSWORD: string;
  },
  logger: Logger,
): { kafka: Kafka; topic: TopicSpec } {
  const ca = config.KAFKA_SSL_CA_FILE ? readFileSync(config.KAFKA_SSL_CA_FILE, 'utf8') : undefined;
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username } = config;
  return {
    kafka: createKafkaClient({
      brokers: config.KAFKA_BROKERS,
      clientId: config.KAFKA_CLIENT_ID,
      logger,
      logLevel: config.LOG_LEVEL,
      ssl:
        config.KAFKA_SSL === 'true'
          ? { ca, rejectUnauthorized: config.KAFKA_SSL_REJECT_UNAUTHORIZED === 'true' }
          : false,
      sasl:
        mechanism === 'none'
          ? undefined
          : ({ mechanism, username, password: config.KAFKA_SASL_PASSWORD } as SASLOptions),
    }),
    topic: {
      topic: config.KAFKA_TOPIC,
      partitions: config.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: config.KAFKA_TOPIC_REPLICATION_FACTOR,
    },
  };
}

export class KafkaAuthenticationError extends Error {
  override name = 'KafkaAuthenticationError';
}

function isAuthenticationError(error: unknown): boolean {
  for (
    let e = error as
      { name?: string; type?: string; cause?: unknown; originalError?: unknown } | undefined;
    e;
  ) {
    if (e.name === 'KafkaJSSASLAuthenticationError' || e.type === 'SASL_AUTHENTICATION_FAILED')
      return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}
