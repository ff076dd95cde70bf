// The results as JSON and as a markdown table: ratios first, then the numbers behind them, then
// the machine and settings.
import type { LoadResult } from './load';

export interface BenchResults {
  date: string;
  smoke: boolean;
  machine: Record<string, string | number>;
  settings: Record<string, number>;
  singlePost: { service: LoadResult; noopCeiling: LoadResult; bridge: LoadResult | null };
  /** `?async=true`: accepted into the outbox, and accepted-and-sent over load plus drain. */
  asyncOutbox?: { accepted: LoadResult; sentPerSec: number; drainSec: number };
  batchPost: {
    service: LoadResult;
    rawKafkaJs: { messagesPerSec: number };
    bridge: LoadResult | null;
  };
  get: {
    single: LoadResult;
    batch: LoadResult;
    rawKafkaJs: { messagesPerSec: number };
    bridge: LoadResult | null;
  };
  endToEnd: { p50Ms: number; p99Ms: number; count: number };
  memory: { backlog: number; serviceBRssMb: number };
  bridgeNote: string;
}

const number = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(1)} ms` : 'n/a');
const ratio = (x: number, y: number) => (y > 0 ? (x / y).toFixed(2) : 'n/a');
const verdict = (value: number, target: number, atLeast = true) =>
  (atLeast ? value >= target : value <= target) ? 'met' : 'missed';

export function renderMarkdown(r: BenchResults): string {
  const singleVsNoop =
    r.singlePost.service.messagesPerSec / r.singlePost.noopCeiling.messagesPerSec;
  const batchVsRaw = r.batchPost.service.messagesPerSec / r.batchPost.rawKafkaJs.messagesPerSec;
  const getVsRaw = r.get.batch.messagesPerSec / r.get.rawKafkaJs.messagesPerSec;
  const lines = [
    `## Benchmark${r.smoke ? ' (smoke run: seconds-long, not representative)' : ''}`,
    '',
    '| Ratio (same run, same broker) | Value | Target | |',
    '| --- | --- | --- | --- |',
    `| single POST / no-op POST ceiling | ${ratio(r.singlePost.service.messagesPerSec, r.singlePost.noopCeiling.messagesPerSec)} | ≥ 0.8 | ${verdict(singleVsNoop, 0.8)} |`,
    `| batch POST (100) / raw KafkaJS send (100) | ${ratio(r.batchPost.service.messagesPerSec, r.batchPost.rawKafkaJs.messagesPerSec)} | ≥ 0.5 | ${verdict(batchVsRaw, 0.5)} |`,
    `| batch GET (100) / raw KafkaJS consumer | ${ratio(r.get.batch.messagesPerSec, r.get.rawKafkaJs.messagesPerSec)} | ≥ 0.5 | ${verdict(getVsRaw, 0.5)} |`,
    `| service-b resident memory, ${number(r.memory.backlog)}-message backlog | ${r.memory.serviceBRssMb.toFixed(0)} MB | < 150 MB | ${verdict(r.memory.serviceBRssMb, 150, false)} |`,
    '| single POST / Strimzi bridge, batch GET / Strimzi bridge | not measured | ≥ 1.5 | see note |',
    '',
    '| Measurement | messages/s | p50 | p99 | non-2xx |',
    '| --- | --- | --- | --- | --- |',
    row('1. single POST (service-a)', r.singlePost.service),
    row('1. no-op POST, same app (HTTP ceiling)', r.singlePost.noopCeiling),
    ...(r.asyncOutbox
      ? [
          row('1b. single POST ?async=true (into the outbox)', r.asyncOutbox.accepted),
          `| 1b. the same, accepted and sent to Kafka (drain ${r.asyncOutbox.drainSec.toFixed(1)} s after the load) | ${number(r.asyncOutbox.sentPerSec)} | | | |`,
        ]
      : []),
    row('2. batch POST of 100 (service-a)', r.batchPost.service),
    `| 2. raw KafkaJS send of 100, in-process | ${number(r.batchPost.rawKafkaJs.messagesPerSec)} | | | |`,
    row('3. single GET (service-b)', r.get.single),
    row('3. batch GET of 100 (service-b)', r.get.batch),
    `| 3. raw KafkaJS consumer, in-process | ${number(r.get.rawKafkaJs.messagesPerSec)} | | | |`,
    `| 4. POST to GET, ${r.settings.e2eRate} messages/s for ${r.settings.e2eSec} s | ${number(r.endToEnd.count)} received | ${ms(r.endToEnd.p50Ms)} | ${ms(r.endToEnd.p99Ms)} | |`,
    '',
    `Note: ${r.bridgeNote}`,
    '',
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGb} GiB, ${r.machine.os}; Node ${r.machine.node}, Java ${r.machine.java}, Kafka ${r.machine.kafka} (single local KRaft broker, one partition per topic). Everything (broker, services, load generator) shares these cores.`,
    '',
    `Settings: ${r.settings.durationSec} s per measurement; ${r.settings.connections} connections for single requests, ${r.settings.batchConnections} for batches and for raw KafkaJS concurrent sends; backlog ${number(r.settings.backlog ?? 0)} messages of 13 bytes ("Hello, Kafka!"). Run ${r.date}.`,
    '',
  ];
  return lines.join('\n');
}

function row(name: string, result: LoadResult): string {
  return `| ${name} | ${number(result.messagesPerSec)} | ${ms(result.p50Ms)} | ${ms(result.p99Ms)} | ${result.non2xx} |`;
}
