// The suite's shared broker, unique names per test, and plain KafkaJS clients for checking what
// the services wrote or for writing records the way other producers do.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin, type KafkaMessage } from 'kafkajs';

export function testBrokers(): string {
  const brokers = process.env.KAFKA_TEST_BROKERS;
  if (!brokers) throw new Error('KAFKA_TEST_BROKERS is unset: run integration tests through jest');
  return brokers;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function plainKafka(brokers = testBrokers()): Kafka {
  return new Kafka({ brokers: [brokers], clientId: 'test-client', logLevel: logLevel.NOTHING });
}

export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>, brokers?: string): Promise<T> {
  const admin = plainKafka(brokers).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Creates a topic; `config` sets topic configs, e.g. `{ 'max.message.bytes': '10000' }`. */
export async function createTopic(
  topic: string,
  partitions = 1,
  config: Record<string, string> = {},
): Promise<void> {
  const configEntries = Object.entries(config).map(([name, value]) => ({ name, value }));
  await withAdmin((admin) =>
    admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: partitions, configEntries }],
    }),
  );
}

/** A topic of the test's own: a unique name from `prefix`, created with `partitions`. */
export async function freshTopic(
  prefix: string,
  partitions = 1,
  config: Record<string, string> = {},
): Promise<string> {
  const topic = uniqueName(prefix);
  await createTopic(topic, partitions, config);
  return topic;
}

export type ReadRecord = KafkaMessage & { partition: number };

/** Reads every record of a topic from the beginning with a throwaway group. */
export async function readAll(
  topic: string,
  count: number,
  timeoutMs = 20_000,
): Promise<ReadRecord[]> {
  const consumer = plainKafka().consumer({ groupId: uniqueName('reader') });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${records.length} of ${count} records`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          records.push({ ...message, partition });
          if (records.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** The group's committed offset of partition 0 as a number (-1 when none). */
export async function committedOffset(
  groupId: string,
  topic: string,
  partition = 0,
): Promise<number> {
  const [entry] = await withAdmin((admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
  const found = entry?.partitions.find((p) => p.partition === partition);
  return Number(found?.offset ?? -1);
}
