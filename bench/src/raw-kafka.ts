// The baselines: plain KafkaJS in this process, with the same producer settings as service-a
// (idempotent, acks=all), and a plain consumer group reading the same backlog.
import { Kafka, logLevel, Partitioners } from 'kafkajs';

export function benchKafka(brokers: string): Kafka {
  return new Kafka({ brokers: [brokers], clientId: 'bench', logLevel: logLevel.NOTHING });
}

/** Writes `total` records of `value` as fast as possible (setup, not measured). */
export async function fill(
  kafka: Kafka,
  topic: string,
  total: number,
  value: string,
): Promise<void> {
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const chunk = Array.from({ length: 5000 }, () => ({ value }));
  const inFlight: Promise<unknown>[] = [];
  for (let sent = 0; sent < total; sent += chunk.length) {
    inFlight.push(
      producer.send({
        topic,
        acks: 1,
        messages: chunk.slice(0, Math.min(chunk.length, total - sent)),
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
