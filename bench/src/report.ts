// The results as JSON and as markdown tables: the ratios and their targets first, then the numbers
// behind them, then any peers, then the machine and settings.
import type { ConsumeResult } from './consume';
import type { LatencyResult } from './latency';
import type { LoadResult } from './load';

export interface PeerResults {
  name: string;
  url: string;
  singlePost: LoadResult;
  batchPost: LoadResult;
  /** Committing after every response, as service-b does. */
  get: ConsumeResult & { recordsPerResponse: number };
  /** With the consumer's own auto-commit instead (no such guarantee). */
  getAutoCommit: ConsumeResult & { recordsPerResponse: number };
  endToEnd: LatencyResult;
}

export interface BenchSettings {
  durationSec: number;
  connections: number;
  batchConnections: number;
  consumeConnections: number;
  partitions: number;
  backlog: number;
  memoryBacklog: number;
  valueBytes: number;
  processes: number;
  e2eRate: number;
  e2eSec: number;
}

export interface BenchResults {
  date: string;
  smoke: boolean;
  machine: Record<string, string | number>;
  settings: BenchSettings;
  singlePost: { service: LoadResult; noopCeiling: LoadResult };
  /** `?async=true`: accepted into the outbox, and accepted-and-sent over load plus drain. */
  asyncOutbox: { accepted: LoadResult; sentPerSec: number; drainSec: number };
  batchPost: { service: LoadResult; rawKafkaJs: { messagesPerSec: number } };
  get: {
    batch100: ConsumeResult;
    batch500: ConsumeResult;
    /** `settings.processes` service-b processes in one group. */
    processes: ConsumeResult;
    single: ConsumeResult;
    sse: ConsumeResult;
    rawKafkaJs: { messagesPerSec: number };
    /** consume-ceiling.ts: KafkaJS and one Express route, the same guarantee, nothing else. */
    ceiling100: ConsumeResult;
    ceiling500: ConsumeResult;
  };
  endToEnd: {
    service: LatencyResult;
    /** KafkaJS's default consumer: auto-commit after every batch. */
    rawKafkaJs: LatencyResult;
    /** A consumer that commits nothing. */
    rawKafkaJsNoCommit: LatencyResult;
  };
  memory: {
    backlog: number;
    idleMb: number;
    /** Peak while serving batch GETs of 100 from that backlog. */
    servingMb: number;
    servingMessagesPerSec: number;
    /** Peak during the batch GET measurement on the larger backlog. */
    servingBacklogMb: number;
  };
  peers: PeerResults[];
}

const number = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(1)} ms` : 'n/a');
const mb = (n: number) => `${n.toFixed(0)} MB`;

/** A ratio that explains others (a yardstick): no target of its own. */
function yardstickRow(name: string, value: number): string {
  return `| ${name} | ${Number.isFinite(value) ? value.toFixed(2) : 'n/a'} | (yardstick) | |`;
}

function ratioRow(name: string, value: number, target: number, atLeast = true): string {
  const shown = Number.isFinite(value) ? value.toFixed(2) : 'n/a';
  const met = atLeast ? value >= target : value <= target;
  return `| ${name} | ${shown} | ${atLeast ? '≥' : '≤'} ${target} | ${met ? 'met' : 'missed'} |`;
}

export function renderMarkdown(r: BenchResults): string {
  const s = r.settings;
  const raw = r.get.rawKafkaJs.messagesPerSec;
  const lines = [
    `## Benchmark${r.smoke ? ' (smoke run: seconds-long, not representative)' : ''}`,
    '',
    '| Ratio (same run, same broker) | Value | Target | |',
    '| --- | --- | --- | --- |',
    ratioRow(
      'single POST / no-op POST ceiling',
      r.singlePost.service.messagesPerSec / r.singlePost.noopCeiling.messagesPerSec,
      0.8,
    ),
    ratioRow(
      `batch POST (100) / raw KafkaJS send (100), ${s.batchConnections} at a time`,
      r.batchPost.service.messagesPerSec / r.batchPost.rawKafkaJs.messagesPerSec,
      0.75,
    ),
    ratioRow(
      'batch GET (100), one service-b / raw KafkaJS consumer',
      r.get.batch100.messagesPerSec / raw,
      0.5,
    ),
    ratioRow(
      'batch GET (500), one service-b / raw KafkaJS consumer',
      r.get.batch500.messagesPerSec / raw,
      0.5,
    ),
    yardstickRow(
      'consume ceiling (100) / raw KafkaJS consumer: the most KafkaJS behind Express reaches',
      r.get.ceiling100.messagesPerSec / raw,
    ),
    yardstickRow(
      'consume ceiling (500) / raw KafkaJS consumer',
      r.get.ceiling500.messagesPerSec / raw,
    ),
    yardstickRow(
      'batch GET (100), one service-b / consume ceiling (100)',
      r.get.batch100.messagesPerSec / r.get.ceiling100.messagesPerSec,
    ),
    yardstickRow(
      'batch GET (500), one service-b / consume ceiling (500)',
      r.get.batch500.messagesPerSec / r.get.ceiling500.messagesPerSec,
    ),
    ratioRow(
      `batch GET (100), ${s.processes} service-b processes / raw KafkaJS consumer`,
      r.get.processes.messagesPerSec / raw,
      1,
    ),
    ratioRow(
      'POST-to-GET p50 / raw KafkaJS pair p50 (KafkaJS defaults: auto-commit)',
      r.endToEnd.service.p50Ms / r.endToEnd.rawKafkaJs.p50Ms,
      1.5,
      false,
    ),
    ratioRow(
      'POST-to-GET p50 / raw KafkaJS pair p50 (no commits at all)',
      r.endToEnd.service.p50Ms / r.endToEnd.rawKafkaJsNoCommit.p50Ms,
      1.5,
      false,
    ),
    `| service-b resident memory, ${number(r.memory.backlog)}-record backlog: idle / serving | ${mb(r.memory.idleMb)} / ${mb(r.memory.servingMb)} | < 150 MB | ${Math.max(r.memory.idleMb, r.memory.servingMb) < 150 ? 'met' : 'missed'} |`,
    ...r.peers.flatMap((peer) => [
      ratioRow(
        `single POST / ${peer.name}`,
        r.singlePost.service.messagesPerSec / peer.singlePost.messagesPerSec,
        2,
      ),
      ratioRow(
        `batch POST (100) / ${peer.name}`,
        r.batchPost.service.messagesPerSec / peer.batchPost.messagesPerSec,
        1,
      ),
      ratioRow(
        `batch GET (100), one service-b / ${peer.name}`,
        r.get.batch100.messagesPerSec / peer.get.messagesPerSec,
        1,
      ),
      ratioRow(
        `batch GET (100), ${s.processes} service-b processes / ${peer.name}`,
        r.get.processes.messagesPerSec / peer.get.messagesPerSec,
        1,
      ),
    ]),
    '',
    '| Measurement | messages/s | p50 | p99 | failed |',
    '| --- | --- | --- | --- | --- |',
    loadRow(`1. single POST (service-a), ${s.connections} connections`, r.singlePost.service),
    loadRow('1. no-op POST, same app (HTTP ceiling)', r.singlePost.noopCeiling),
    loadRow('1b. single POST ?async=true (into the outbox)', r.asyncOutbox.accepted),
    `| 1b. the same, accepted and sent to Kafka (drain ${r.asyncOutbox.drainSec.toFixed(1)} s after the load) | ${number(r.asyncOutbox.sentPerSec)} | | | |`,
    loadRow(
      `2. batch POST of 100 (service-a), ${s.batchConnections} connections`,
      r.batchPost.service,
    ),
    `| 2. raw KafkaJS idempotent send of 100, ${s.batchConnections} at a time | ${number(r.batchPost.rawKafkaJs.messagesPerSec)} | | | |`,
    `| 3. raw KafkaJS consumer, in-process (KafkaJS defaults) | ${number(raw)} | | | |`,
    consumeRow(`3. batch GET of 100, ${s.consumeConnections} connections`, r.get.batch100),
    consumeRow(`3. batch GET of 500, ${s.consumeConnections} connections`, r.get.batch500),
    consumeRow(
      '3. consume ceiling: KafkaJS and one Express route (minimal JSON, a commit after each response), 100 a response',
      r.get.ceiling100,
    ),
    consumeRow('3. consume ceiling, 500 a response', r.get.ceiling500),
    consumeRow(
      `3. batch GET of 100, ${s.processes} service-b processes in one group`,
      r.get.processes,
    ),
    consumeRow(`3. single GET, ${s.connections} connections`, r.get.single),
    consumeRow(`3. SSE, ${s.consumeConnections} streams`, r.get.sse),
    latencyRow(`4. POST to GET, ${s.e2eRate} messages/s for ${s.e2eSec} s`, r.endToEnd.service),
    latencyRow(
      '4. raw KafkaJS producer to consumer, same rate, KafkaJS defaults (auto-commit after every batch)',
      r.endToEnd.rawKafkaJs,
    ),
    latencyRow('4. the same, committing nothing', r.endToEnd.rawKafkaJsNoCommit),
    `| 5. batch GETs of 100 from the ${number(r.memory.backlog)}-record backlog, for the memory peak (${mb(r.memory.servingMb)}; ${mb(r.memory.servingBacklogMb)} during row 3's first line) | ${number(r.memory.servingMessagesPerSec)} | | | |`,
    ...r.peers.flatMap((peer) => [
      loadRow(`${peer.name}: single POST, ${s.connections} connections`, peer.singlePost),
      loadRow(
        `${peer.name}: POST of 100 records, ${s.batchConnections} connections`,
        peer.batchPost,
      ),
      consumeRow(
        `${peer.name}: ${s.consumeConnections} consumer instances, poll and commit (${peer.get.recordsPerResponse.toFixed(0)} records a response)`,
        peer.get,
      ),
      consumeRow(
        `${peer.name}: the same with auto-commit, no commit per response (a crash can lose records)`,
        peer.getAutoCommit,
      ),
      latencyRow(`${peer.name}: POST to GET, same rate`, peer.endToEnd),
    ]),
    '',
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGb} GiB, ${r.machine.os}; Node ${r.machine.node}, Java ${r.machine.java}, Kafka ${r.machine.kafka} (single local KRaft broker, ${s.partitions} partitions per topic). Everything (broker, services, peers, load generator) shares these cores.`,
    '',
    `Settings: ${s.durationSec} s per measurement; consumption from a backlog of ${number(s.backlog)} records of ${s.valueBytes} bytes, each measurement in a new consumer group, after a warm-up (the group joined, a first record read). Run ${r.date}.`,
    ...r.peers.map((peer) => `\nPeer ${peer.name}: ${peer.url}.`),
    '',
  ];
  return lines.join('\n');
}

function loadRow(name: string, result: LoadResult): string {
  return `| ${name} | ${number(result.messagesPerSec)} | ${ms(result.p50Ms)} | ${ms(result.p99Ms)} | ${result.non2xx + result.errors} |`;
}

function consumeRow(name: string, result: ConsumeResult): string {
  return `| ${name} | ${number(result.messagesPerSec)} | | | ${result.failures} |`;
}

function latencyRow(name: string, result: LatencyResult): string {
  return `| ${name} | ${number(result.count)} received | ${ms(result.p50Ms)} | ${ms(result.p99Ms)} | |`;
}
