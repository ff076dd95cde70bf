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
