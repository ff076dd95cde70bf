// The baselines: plain KafkaJS in this process, with the same producer settings as service-a
// (idempotent, acks=all), and a plain consumer group reading the same backlog.
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { Pair } from './latency';

export function benchKafka(brokers: string): Kafka {
  return new Kafka({ brokers: [brokers], clientId: 'bench', logLevel: logLevel.NOTHING });
}

/** Writes `total` records of `value`, spread evenly over `partitions` (setup, not measured). */
export async function fill(
  kafka: Kafka,
  topic: string,
  { total, value, partitions }: { total: number; value: string; partitions: number },
): Promise<void> {
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const chunkSize = 5000;
  const inFlight: Promise<unknown>[] = [];
  for (let sent = 0; sent < total; sent += chunkSize) {
    const size = Math.min(chunkSize, total - sent);
    inFlight.push(
      producer.send({
        topic,
        acks: 1,
        messages: Array.from({ length: size }, (_, i) => ({
          value,
          partition: (sent + i) % partitions,
        })),
      }),
    );
    if (inFlight.length >= 8) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
  await producer.disconnect();
}

/** Raw KafkaJS send of batches of `batchSize`, `concurrency` sends at a time, for a while. */
export async function rawSendBatch(
  kafka: Kafka,
  topic: string,
  {
    batchSize,
    concurrency,
    durationSec,
  }: { batchSize: number; concurrency: number; durationSec: number },
): Promise<{ messagesPerSec: number }> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const messages = Array.from({ length: batchSize }, () => ({ value: 'Hello, Kafka!' }));
  let sent = 0;
  const started = Date.now();
  const end = started + durationSec * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        await producer.send({ topic, acks: -1, messages });
        sent += batchSize;
      }
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  await producer.disconnect();
  return { messagesPerSec: sent / elapsed };
}

/** A raw KafkaJS consumer group reading a backlog from the beginning, for a while. */
export async function rawConsume(
  kafka: Kafka,
  topic: string,
  groupId: string,
  durationSec: number,
): Promise<{ messagesPerSec: number }> {
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let count = 0;
  let started = 0;
  let last = 0;
  let stop: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    stop = resolve;
  });
  // The clock starts when the group is joined: from there on, fetching is what is measured.
  consumer.on(consumer.events.GROUP_JOIN, () => {
    started = Date.now();
    setTimeout(stop, durationSec * 1000);
  });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      count += batch.messages.length;
      last = Date.now();
    },
  });
  await done;
  // Up to the last batch: if the backlog ran out before the time did, idle time is not counted.
  const elapsed = (Math.min(last, started + durationSec * 1000) - started) / 1000;
  const measured = count;
  await consumer.disconnect();
  return { messagesPerSec: measured / elapsed };
}

/**
 * A raw KafkaJS idempotent producer (acks=all, one send per message) and a consumer group, with
 * service-b's fetch wait (`maxWaitTimeMs`; KafkaJS's default is 5 s). `commits: 'auto'` is
 * KafkaJS's default consumer, which commits after every batch and waits for it before the next
 * fetch (with 8 partitions that alone puts its p50 near 50 ms); `'none'` commits nothing, the
 * lowest latency KafkaJS gives, with no guarantee at all.
 */
export function rawPair(
  kafka: Kafka,
  topic: string,
  groupId: string,
  { maxWaitTimeMs, commits }: { maxWaitTimeMs: number; commits: 'auto' | 'none' },
): Pair {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const connected = producer.connect();
  return {
    async send(value) {
      await connected;
      return producer.send({ topic, acks: -1, messages: [{ value }] });
    },
    async receive(onValue) {
      const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: maxWaitTimeMs });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: commits === 'auto',
        eachMessage: async ({ message }) => onValue(message.value?.toString() ?? ''),
      });
      return async () => {
        await consumer.disconnect();
        await connected;
        await producer.disconnect();
      };
    },
  };
}
