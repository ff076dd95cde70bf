// `npm run bench`: one real local broker, the two services as production builds, raw KafkaJS and
// any HTTP peer given with `--peer name=url`, measured with the same loads in one run. Writes
// bench/results/latest.json and latest.md. `--smoke` runs every step for about a second (CI).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KAFKA_VERSION, repoRoot, startLocalKafka } from '@kafka-http/local-kafka';
import { batchGets, singleGets, sseStreams } from './consume';
import { measureLatency, pollingReceiver } from './latency';
import { load, type LoadResult } from './load';
import {
  bridgeConsume,
  bridgeProduce,
  bridgePair,
  parsePeers,
  type Peer,
} from './peers/strimzi-bridge';
import {
  residentMb,
  startConsumeCeiling,
  startService,
  until,
  type ServiceProcess,
} from './processes';
import { benchKafka, fill, rawConsume, rawPair, rawSendBatch } from './raw-kafka';
import { renderMarkdown, type BenchResults, type BenchSettings, type PeerResults } from './report';

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const outIndex = argv.indexOf('--out');
const outDir =
  outIndex >= 0
    ? path.resolve(argv[outIndex + 1] ?? '.')
    : path.join(repoRoot(__dirname), 'bench', 'results');
const peers = parsePeers(argv);
// `--brokers host:port`: measure on a broker that is already running (one a peer also talks to)
// instead of starting one; topics and groups get this run's suffix and the topics are deleted after.
const brokersIndex = argv.indexOf('--brokers');
const externalBrokers = brokersIndex >= 0 ? argv[brokersIndex + 1] : undefined;
const runId = Date.now().toString(36);

const settings: BenchSettings = smoke
  ? {
      durationSec: 1,
      connections: 16,
      batchConnections: 4,
      consumeConnections: 4,
      partitions: 8,
      backlog: 20_000,
      memoryBacklog: 20_000,
      valueBytes: 100,
      processes: 2,
      e2eRate: 50,
      e2eSec: 1,
    }
  : {
      durationSec: 10,
      connections: 64,
      batchConnections: 16,
      consumeConnections: 8,
      partitions: 8,
      backlog: 3_000_000,
      memoryBacklog: 1_000_000,
      valueBytes: 100,
      processes: os.cpus().length,
      e2eRate: 200,
      e2eSec: 10,
    };

const HELLO = '"Hello, Kafka!"';
/** service-b's default KAFKA_FETCH_MAX_WAIT_MS, given to the raw consumer of the latency pair. */
const SERVICE_B_FETCH_WAIT_MS = 25;
const BATCH = 100;
const BATCH_BODY = JSON.stringify({
  messages: Array.from({ length: BATCH }, () => ({ value: 'Hello, Kafka!' })),
});
// A JSON string of valueBytes bytes: every JSON-speaking peer can read it (the Strimzi bridge's
// json format refuses a value that is not JSON).
const VALUE = JSON.stringify('x'.repeat(settings.valueBytes - 2));

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

/** Runs `measure` while sampling the resident memory of `pids`; returns the result and the peak. */
async function withPeakMemory<T>(
  pids: (number | undefined)[],
  measure: () => Promise<T>,
): Promise<{ result: T; peakMb: number }> {
  let peakMb = 0;
  const sample = () => {
    for (const pid of pids) peakMb = Math.max(peakMb, residentMb(pid) ?? 0);
  };
  const timer = setInterval(sample, 100);
  try {
    const result = await measure();
    sample();
    return { result, peakMb };
  } finally {
    clearInterval(timer);
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kafka-bench-'));
  let broker: { brokers: string; stop(): Promise<void> };
  if (externalBrokers) {
    log(`using the running broker at ${externalBrokers}`);
    broker = { brokers: externalBrokers, stop: async () => undefined };
  } else {
    log(`starting Kafka ${KAFKA_VERSION} (data in ${dataDir})`);
    broker = await startLocalKafka({ dataDir, heapMb: 1024 });
  }
  const kafka = benchKafka(broker.brokers);
  const names = [
    'produce',
    'raw-produce',
    'peer-produce',
    'consume',
    'memory',
    'e2e-raw',
    'e2e-peer',
  ] as const;
  const topic = Object.fromEntries(names.map((name) => [name, `bench-${name}-${runId}`])) as Record<
    (typeof names)[number],
    string
  >;
  const groupOf = (name: string) => `bench-${name}-${runId}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: Object.values(topic).map((name) => ({
      topic: name,
      numPartitions: settings.partitions,
    })),
  });
  const running: ServiceProcess[] = [];
  const common = { KAFKA_BROKERS: broker.brokers };
  const consumerB = (topic: string, group: string) =>
    startService('service-b', { ...common, KAFKA_TOPIC: topic, KAFKA_GROUP_ID: group });
  try {
    const a = await startService('service-a', {
      ...common,
      KAFKA_TOPIC: topic['produce'],
      BENCH_NOOP_ROUTE: 'true',
    });
    running.push(a);

    // First, while service-a's topic is still empty.
    log('4. POST-to-GET latency at a fixed rate, and a raw KafkaJS producer and consumer');
    const e2eB = await consumerB(topic['produce'], groupOf('e2e'));
    const e2e = await measureLatency(
      {
        send: (value) =>
          fetch(`${a.url}/api/messages`, {
            method: 'POST',
            headers: { 'content-type': 'text/plain' },
            body: value,
          }),
        receive: pollingReceiver(async () => {
          const res = await fetch(`${e2eB.url}/api/messages/batch?max=100&waitMs=500`);
          const { messages } = (await res.json()) as { messages: { value: string }[] };
          return messages.map((m) => m.value);
        }),
      },
      { rate: settings.e2eRate, durationSec: settings.e2eSec, tag: 'service' },
    );
    await e2eB.stop();
    const rawLatency = (commits: 'auto' | 'none') =>
      measureLatency(
        rawPair(kafka, topic['e2e-raw'], groupOf(`e2e-raw-${commits}`), {
          maxWaitTimeMs: SERVICE_B_FETCH_WAIT_MS,
          commits,
        }),
        { rate: settings.e2eRate, durationSec: settings.e2eSec, tag: `raw-${commits}` },
      );
    const e2eRaw = await rawLatency('auto');
    const e2eRawNoCommit = await rawLatency('none');

    log('1. single-message POST, and the no-op POST ceiling');
    const post = (url: string, body: string, connections = settings.connections) =>
      load({
        url,
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
        connections,
        durationSec: settings.durationSec,
      });
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

    log(`2. batch POST of ${BATCH}, and raw KafkaJS sends of ${BATCH}`);
    const batchLoad = await post(
      `${a.url}/api/messages/batch`,
      BATCH_BODY,
      settings.batchConnections,
    );
    const batch: LoadResult = { ...batchLoad, messagesPerSec: batchLoad.requestsPerSec * BATCH };
    const rawBatch = await rawSendBatch(kafka, topic['raw-produce'], {
      batchSize: BATCH,
      concurrency: settings.batchConnections,
      durationSec: settings.durationSec,
    });

    log(
      `filling ${topic.consume} with ${settings.backlog} records of ${settings.valueBytes} bytes`,
    );
    await fill(kafka, topic['consume'], {
      total: settings.backlog,
      value: VALUE,
      partitions: settings.partitions,
    });
    const consumeLoad = {
      connections: settings.consumeConnections,
      durationSec: settings.durationSec,
    };
    log('3. a raw KafkaJS consumer, then service-b: batch GETs of 100 and 500, single GETs, SSE');
    const rawGet = await rawConsume(
      kafka,
      topic['consume'],
      groupOf('raw-consumer'),
      settings.durationSec,
    );
    const batchB = await consumerB(topic['consume'], groupOf('get-batch-100'));
    const batch100 = await withPeakMemory([batchB.child.pid], () =>
      batchGets([batchB.url], { ...consumeLoad, max: 100 }),
    );
    await batchB.stop();
    const batch500B = await consumerB(topic['consume'], groupOf('get-batch-500'));
    const batch500 = await batchGets([batch500B.url], { ...consumeLoad, max: 500 });
    await batch500B.stop();
    log('3. the consume ceiling: KafkaJS and one Express route, batches of 100 and 500');
    const ceiling = async (max: number) => {
      const yardstick = await startConsumeCeiling({
        ...common,
        KAFKA_TOPIC: topic['consume'],
        KAFKA_GROUP_ID: groupOf(`ceiling-${max}`),
      });
      try {
        return await batchGets([yardstick.url], { ...consumeLoad, max });
      } finally {
        await yardstick.stop();
      }
    };
    const ceiling100 = await ceiling(100);
    const ceiling500 = await ceiling(500);
    const singleB = await consumerB(topic['consume'], groupOf('get-single'));
    const singleGet = await singleGets(singleB.url, {
      connections: settings.connections,
      durationSec: settings.durationSec,
    });
    await singleB.stop();
    const sseB = await consumerB(topic['consume'], groupOf('get-sse'));
    const sse = await sseStreams(sseB.url, {
      streams: settings.consumeConnections,
      durationSec: settings.durationSec,
    });
    await sseB.stop();

    log(`3b. ${settings.processes} service-b processes in one group, batch GETs of 100`);
    const group: ServiceProcess[] = [];
    for (let i = 0; i < settings.processes; i++) {
      group.push(await consumerB(topic['consume'], groupOf('get-processes')));
    }
    running.push(...group);
    // Every member has joined and holds its share before the clock starts.
    await until('every process holding messages', async () => {
      const states = await Promise.all(group.map((b) => b.readiness()));
      return states.every((state) => ((state as { held?: number }).held ?? 0) > 0);
    });
    const processes = await batchGets(
      group.map((b) => b.url),
      { ...consumeLoad, max: 100 },
    );
    await Promise.all(group.map((b) => b.stop()));

    log(`5. service-b resident memory, idle with a backlog of ${settings.memoryBacklog}`);
    await fill(kafka, topic['memory'], {
      total: settings.memoryBacklog,
      value: VALUE,
      partitions: settings.partitions,
    });
    const idle = await consumerB(topic['memory'], groupOf('memory'));
    running.push(idle);
    await until('service-b holding a full buffer', async () => {
      const { paused, held } = (await idle.readiness()) as { paused?: boolean; held?: number };
      return paused === true && (held ?? 0) > 0;
    });
    let idleMb = 0;
    for (let i = 0; i < 10; i++) {
      idleMb = Math.max(idleMb, residentMb(idle.child.pid) ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Half the usual time: at full speed the backlog would run out before the end.
    const serving = await withPeakMemory([idle.child.pid], () =>
      batchGets([idle.url], { ...consumeLoad, max: 100, durationSec: settings.durationSec / 2 }),
    );
    await idle.stop();

    const peerResults: PeerResults[] = [];
    for (const peer of peers) {
      peerResults.push(await measurePeer(peer, consumeLoad));
    }

    const results: BenchResults = {
      date: new Date().toISOString(),
      smoke,
      machine: machine(),
      settings,
      singlePost: { service: single, noopCeiling: noop },
      asyncOutbox,
      batchPost: { service: batch, rawKafkaJs: rawBatch },
      get: {
        batch100: batch100.result,
        batch500,
        processes,
        single: singleGet,
        sse,
        rawKafkaJs: rawGet,
        ceiling100,
        ceiling500,
      },
      endToEnd: { service: e2e, rawKafkaJs: e2eRaw, rawKafkaJsNoCommit: e2eRawNoCommit },
      memory: {
        backlog: settings.memoryBacklog,
        idleMb,
        servingMb: serving.peakMb,
        servingMessagesPerSec: serving.result.messagesPerSec,
        servingBacklogMb: batch100.peakMb,
      },
      peers: peerResults,
    };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    const markdown = renderMarkdown(results);
    writeFileSync(path.join(outDir, 'latest.md'), markdown);
    console.log(`\n${markdown}`);
  } finally {
    await Promise.all(running.map((service) => service.stop()));
    if (externalBrokers) await admin.deleteTopics({ topics: Object.values(topic) });
    await admin.disconnect();
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  async function measurePeer(
    peer: Peer,
    consumeLoad: { connections: number; durationSec: number },
  ): Promise<PeerResults> {
    log(`peer ${peer.name} (${peer.url}): single POST, batch POST of ${BATCH}`);
    const produce = (records: number, connections: number) =>
      bridgeProduce(peer, topic['peer-produce'], {
        records,
        value: 'Hello, Kafka!',
        connections,
        durationSec: settings.durationSec,
      });
    // Warm-up: the bridge opens a Kafka producer per connection on its first request.
    await produce(1, settings.connections);
    const singlePost = await produce(1, settings.connections);
    const batchPost = await produce(BATCH, settings.batchConnections);
    log(`peer ${peer.name}: batch GETs from ${consumeLoad.connections} consumer instances`);
    const get = await bridgeConsume(peer, topic['consume'], {
      ...consumeLoad,
      group: groupOf(`peer-${peer.name}`),
    });
    const getAutoCommit = await bridgeConsume(peer, topic['consume'], {
      ...consumeLoad,
      group: groupOf(`peer-${peer.name}-auto-commit`),
      autoCommit: true,
    });
    log(`peer ${peer.name}: POST-to-GET latency`);
    const endToEnd = await measureLatency(
      bridgePair(peer, topic['e2e-peer'], groupOf(`peer-e2e-${peer.name}`)),
      { rate: settings.e2eRate, durationSec: settings.e2eSec, tag: peer.name },
    );
    return { name: peer.name, url: peer.url, singlePost, batchPost, get, getAutoCommit, endToEnd };
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
