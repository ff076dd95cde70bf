// The consume ceiling: the least an Express service can do to hand a Kafka backlog to HTTP clients
// with service-b's guarantee, so that the bench can tell what service-b's own code costs from what
// KafkaJS and Express cost whatever the code around them. One KafkaJS consumer fills an array (paused
// when it holds BUFFER records, resumed at half), one Express route answers GET
// /api/messages/batch?max=N with those records as minimal JSON, and a response that was written
// commits the offsets after its records (one commit in flight, later ones coalesced).
// It is a yardstick, not an alternative: it keeps no per-record state, so a response that fails
// while a later one succeeds would skip records, and it survives no rebalance.
// Like service-b, a request that finds nothing waits up to waitMs (100 ms) for records, and
// /health/ready answers 200 once the consumer joined its group.
// Run by the bench as a child process: KAFKA_BROKERS, KAFKA_TOPIC, KAFKA_GROUP_ID and PORT.
import express from 'express';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';

const BUFFER = 10_000;
const { KAFKA_BROKERS = '', KAFKA_TOPIC = '', KAFKA_GROUP_ID = '', PORT = '0' } = process.env;

interface Held {
  partition: number;
  message: KafkaMessage;
}

const kafka = new Kafka({
  brokers: [KAFKA_BROKERS],
  clientId: 'ceiling',
  logLevel: logLevel.NOTHING,
});
// service-b's defaults for the fetch: 25 ms wait, 2 MiB a fetch, 1 MiB a partition.
const consumer = kafka.consumer({
  groupId: KAFKA_GROUP_ID,
  maxWaitTimeInMs: 25,
  maxBytes: 2 * 1024 * 1024,
  maxBytesPerPartition: 1024 * 1024,
});
let held: Held[] = [];
let head = 0;
let paused = false;
/** Per partition, the offset after the last record written in a response. */
const written = new Map<number, number>();
/** Requests waiting for records, woken by the next batch. */
let waiting: (() => void)[] = [];
let joined = false;
let committing = false;
let commitAgain = false;

async function commit(): Promise<void> {
  if (committing) {
    commitAgain = true;
    return;
  }
  committing = true;
  do {
    commitAgain = false;
    const offsets = [...written].map(([partition, next]) => ({
      topic: KAFKA_TOPIC,
      partition,
      offset: String(next),
    }));
    await consumer.commitOffsets(offsets).catch(() => undefined);
  } while (commitAgain);
  committing = false;
}

function answer(res: express.Response, max: number): void {
  let body = '{"messages":[';
  let count = 0;
  while (count < max && head < held.length) {
    const { partition, message } = held[head] as Held;
    held[head++] = undefined as unknown as Held;
    if (count++ > 0) body += ',';
    body += `{"partition":${partition},"offset":"${message.offset}","value":${JSON.stringify(message.value?.toString() ?? null)},"timestamp":"${new Date(Number(message.timestamp)).toISOString()}"}`;
    written.set(partition, Number(message.offset) + 1);
  }
  if (head >= held.length) {
    held = [];
    head = 0;
  }
  if (paused && held.length - head <= BUFFER / 2) {
    paused = false;
    consumer.resume([{ topic: KAFKA_TOPIC }]);
  }
  res.once('finish', () => void commit());
  res.type('application/json').send(`${body}]}`);
}

const app = express();
app.get('/health/ready', (_req, res) => {
  res.status(joined ? 200 : 503).end();
});
app.get('/api/messages/batch', (req, res) => {
  const max = Number(req.query.max ?? 100);
  if (head < held.length) {
    answer(res, max);
    return;
  }
  const timer = setTimeout(wake, Number(req.query.waitMs ?? 100));
  function wake(): void {
    clearTimeout(timer);
    waiting = waiting.filter((w) => w !== wake);
    answer(res, max);
  }
  waiting.push(wake);
});

async function main(): Promise<void> {
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [KAFKA_TOPIC], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) held.push({ partition: batch.partition, message });
      for (const wake of waiting.splice(0)) wake();
      if (!paused && held.length - head >= BUFFER) {
        paused = true;
        consumer.pause([{ topic: KAFKA_TOPIC }]);
      }
    },
  });
  app.listen(Number(PORT), '127.0.0.1');
}

process.on('SIGTERM', () => {
  void consumer.disconnect().finally(() => process.exit(0));
});
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
