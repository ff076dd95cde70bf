// The one place that builds a KafkaJS client, so both services connect, retry and log the same way.
import { Kafka, type Admin } from 'kafkajs';
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
}

export function createKafkaClient({
  brokers,
  clientId,
  logger,
  logLevel,
  connectionTimeoutMs = 3000,
  requestTimeoutMs = 30000,
}: KafkaClientOptions): Kafka {
  return new Kafka({
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
  },
  logger: Logger,
): { kafka: Kafka; topic: TopicSpec } {
  return {
    kafka: createKafkaClient({
      brokers: config.KAFKA_BROKERS,
      clientId: config.KAFKA_CLIENT_ID,
      logger,
      logLevel: config.LOG_LEVEL,
    }),
    topic: {
      topic: config.KAFKA_TOPIC,
      partitions: config.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: config.KAFKA_TOPIC_REPLICATION_FACTOR,
    },
  };
}
