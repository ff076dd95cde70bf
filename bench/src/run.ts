// `npm run bench`: one real local broker, the two services as production builds, and the same
// measurements next to raw KafkaJS and the HTTP ceiling, in one run. Writes
// bench/results/latest.json and latest.md. `--smoke` runs every step for about a second (CI).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KAFKA_VERSION, repoRoot, startLocalKafka } from '@kafka-http/local-kafka';
import { countMessages, load, type LoadResult } from './load';
import { residentMb, startService, until, type ServiceProcess } from './processes';
import { benchKafka, fill, rawConsume, rawSendBatch } from './raw-kafka';
import { renderMarkdown, type BenchResults } from './report';

const smoke = process.argv.includes('--smoke');
const outIndex = process.argv.indexOf('--out');
const outDir =
  outIndex >= 0
    ? path.resolve(process.argv[outIndex + 1] ?? '.')
    : path.join(repoRoot(__dirname), 'bench', 'results');

const settings = smoke
  ? {
      durationSec: 1,
      connections: 16,
      batchConnections: 4,
      backlog: 5_000,
      memoryBacklog: 20_000,
      e2eRate: 50,
      e2eSec: 1,
    }
  : {
      durationSec: 10,
      connections: 64,
      batchConnections: 16,
      backlog: 1_000_000,
      memoryBacklog: 1_000_000,
      e2eRate: 200,
      e2eSec: 10,
    };

const HELLO = '"Hello, Kafka!"';
const BATCH_BODY = JSON.stringify({
  messages: Array.from({ length: 100 }, () => ({ value: 'Hello, Kafka!' })),
});

function log(line: string): void {
  console.log(`[bench] ${line}`);
}

function machine() {
  // `java -version` prints to stderr.
  const javaVersion = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr ?? '';
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    kafka: KAFKA_VERSION,
    java: /version "([^"]+)"/.exec(javaVersion)?.[1] ?? 'unknown',
  };
}

async function endToEnd(
  a: ServiceProcess,
  b: ServiceProcess,
): Promise<{ p50Ms: number; p99Ms: number; count: number }> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const total = settings.e2eRate * settings.e2eSec;
  let receiving = true;
  const receivers = Array.from({ length: 2 }, async () => {
    while (receiving) {
      const res = await fetch(`${b.url}/api/messages/batch?max=100&waitMs=500`);
      const { messages } = (await res.json()) as { messages: { value: string }[] };
      const now = performance.now();
      for (const { value } of messages) {
        const sent = sentAt.get(value);
        if (sent !== undefined) latencies.push(now - sent);
      }
    }
  });
  const start = performance.now();
  const posts: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / settings.e2eRate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const value = `e2e-${i}`;
    sentAt.set(value, performance.now());
    posts.push(
      fetch(`${a.url}/api/messages`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: value,
      }),
    );
  }
  await Promise.all(posts);
  await until('every end-to-end message received', () => latencies.length >= total, 30_000);
  receiving = false;
  await Promise.all(receivers);
  latencies.sort((x, y) => x - y);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { p50Ms: at(0.5), p99Ms: at(0.99), count: latencies.length };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kafka-bench-'));
  log(`starting Kafka ${KAFKA_VERSION} (data in ${dataDir})`);
  const broker = await startLocalKafka({ dataDir, heapMb: 1024 });
  const kafka = benchKafka(broker.brokers);
  const admin = kafka.admin();
  await admin.connect();
  const topics = ['bench-produce', 'bench-raw-produce', 'bench-consume'];
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((topic) => ({ topic, numPartitions: 1 })),
  });
  await admin.disconnect();
  const running: ServiceProcess[] = [];
  try {
    const common = { KAFKA_BROKERS: broker.brokers };
    const a = await startService('service-a', {
      ...common,
      KAFKA_TOPIC: 'bench-produce',
      BENCH_NOOP_ROUTE: 'true',
    });
    running.push(a);

    log('4. end-to-end latency at a fixed rate');
    const e2eB = await startService('service-b', {
      ...common,
      KAFKA_TOPIC: 'bench-produce',
      KAFKA_GROUP_ID: 'bench-e2e',
    });
    const e2e = await endToEnd(a, e2eB);
    await e2eB.stop();

    const post = (
      url: string,
      body: string,
      contentType = 'application/json',
      connections = settings.connections,
    ) =>
      load({
        url,
        method: 'POST',
        body,
        headers: { 'content-type': contentType },
        connections,
        durationSec: settings.durationSec,
      });
    log('1. single-message POST, and the no-op POST ceiling');
    const noop = await post(`${a.url}/api/bench/noop`, HELLO);
    const single = await post(`${a.url}/api/messages`, HELLO);
    log('1b. single POST ?async=true through the outbox (SQLite, synced), and its drain');
    const asyncSingle = await post(`${a.url}/api/messages?async=true`, HELLO);
    const drainStarted = Date.now();
    const outboxDepth = async () =>
      ((await a.readiness()) as { outbox?: { depth?: number } }).outbox?.depth ?? 0;
    await until('the outbox drained', async () => (await outboxDepth()) === 0, 300_000);
    const drainSec = (Date.now() - drainStarted) / 1000;
    const accepted = asyncSingle.messagesPerSec * settings.durationSec;
    const asyncOutbox = {
      accepted: asyncSingle,
      // Accepted and sent to Kafka, over the load and the drain after it.
      sentPerSec: accepted / (settings.durationSec + drainSec),
      drainSec,
    };
    log('2. batch POST of 100, and raw KafkaJS sends of 100');
    const batchLoad = await post(
      `${a.url}/api/messages/batch`,
      BATCH_BODY,
      'application/json',
      settings.batchConnections,
    );
    const batch: LoadResult = { ...batchLoad, messagesPerSec: batchLoad.requestsPerSec * 100 };
    const rawBatch = await rawSendBatch(kafka, 'bench-raw-produce', {
      batchSize: 100,
      concurrency: settings.batchConnections,
      durationSec: settings.durationSec,
    });

    log(`filling bench-consume with ${settings.backlog} messages (setup)`);
    await fill(kafka, 'bench-consume', settings.backlog, 'Hello, Kafka!');
    log('3. single and batch GET, and a raw KafkaJS consumer');
    const consumer = (group: string) =>
      startService('service-b', { ...common, KAFKA_TOPIC: 'bench-consume', KAFKA_GROUP_ID: group });
    const singleB = await consumer('bench-get-single');
    const singleGet = await load({
      url: `${singleB.url}/api/messages?waitMs=0`,
      connections: settings.connections,
      durationSec: settings.durationSec,
    });
    await singleB.stop();
    const batchB = await consumer('bench-get-batch');
    const batchGet = await load({
      url: `${batchB.url}/api/messages/batch?max=100&waitMs=0`,
      connections: settings.batchConnections,
      durationSec: settings.durationSec,
      messagesIn: countMessages,
    });
    await batchB.stop();
    const rawGet = await rawConsume(
      kafka,
      'bench-consume',
      'bench-raw-consumer',
      settings.durationSec,
    );

    log(`5. service-b resident memory with a backlog of ${settings.memoryBacklog} messages`);
    if (settings.memoryBacklog > settings.backlog) {
      await fill(
        kafka,
        'bench-consume',
        settings.memoryBacklog - settings.backlog,
        'Hello, Kafka!',
      );
    }
    const idle = await consumer('bench-memory');
    running.push(idle);
    await until('service-b holding a full buffer', async () => {
      const { paused, held } = (await idle.readiness()) as { paused?: boolean; held?: number };
      return paused === true && (held ?? 0) > 0;
    });
    let rssMb = 0;
    for (let i = 0; i < 10; i++) {
      rssMb = Math.max(rssMb, residentMb(idle.child.pid) ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const results: BenchResults = {
      date: new Date().toISOString(),
      smoke,
      machine: machine(),
      settings,
      singlePost: { service: single, noopCeiling: noop, bridge: null },
      asyncOutbox,
      batchPost: { service: batch, rawKafkaJs: rawBatch, bridge: null },
      get: { single: singleGet, batch: batchGet, rawKafkaJs: rawGet, bridge: null },
      endToEnd: e2e,
      memory: { backlog: settings.memoryBacklog, serviceBRssMb: rssMb },
      bridgeNote:
        'The Strimzi Kafka Bridge was not run: io.strimzi:kafka-bridge is not published on Maven Central (every version from 0.20.0 to 1.0.0 answers 404) and its GitHub release downloads are not reachable from this machine.',
    };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    const markdown = renderMarkdown(results);
    writeFileSync(path.join(outDir, 'latest.md'), markdown);
    console.log(`\n${markdown}`);
  } finally {
    await Promise.all(running.map((service) => service.stop()));
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
