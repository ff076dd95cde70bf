// `node bench/dist/soak.js [--minutes N | --seconds N] [--rate R] [--out DIR]`: a soak test. One
// real local broker and both services as production builds (child processes); messages POSTed to
// service-a at a fixed rate and read back from service-b with long-polling batch GETs, for minutes.
// Every 5 s it samples each service's resident memory (/proc), heap, event-loop lag (the
// services' own /metrics) and the round trip of GET /health/live (a lag proxy seen from outside).
// At the end: a table of the samples, whether each series grows (mean of the last third against
// the first third after a warm-up, and a linear regression slope per minute), and how many
// messages were lost or delivered twice. Writes bench/results/soak-latest.md and soak-latest.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KAFKA_VERSION, repoRoot, startLocalKafka } from '@kafka-http/local-kafka';
import { residentMb, startService, until, type ServiceProcess } from './processes';
import { benchKafka } from './raw-kafka';

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function positive(name: string, fallback: number): number {
  const raw = option(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} needs a positive number`);
  return value;
}

const durationSec = option('--seconds') ? positive('--seconds', 60) : positive('--minutes', 5) * 60;
const rate = positive('--rate', 200);
const outDir = path.resolve(option('--out') ?? path.join(repoRoot(__dirname), 'bench', 'results'));

const SAMPLE_EVERY_MS = 5000;
/** Samples before this are left out of the verdicts: JIT, pools and buffers settling. */
const warmUpSec = Math.min(60, Math.max(10, durationSec * 0.1));
/** GETs reading at the same time (each a long-polling batch GET). */
const CONSUMERS = 2;
/** Most POSTs waiting for an answer; beyond it a message is not sent (the service is behind). */
const MAX_IN_FLIGHT = 5000;
/** After the last POST, how long the consumers may take to read the rest. */
const DRAIN_TIMEOUT_MS = 60_000;
/**
 * A series "grows" when its last third is above its first third by more than this share (or the
 * absolute floor, whichever is larger) AND the regression line rises by as much over the window.
 */
const TOLERANCE = {
  memory: { relative: 0.1, floor: 5 }, // MB
  time: { relative: 0.5, floor: 2 }, // ms
};

function log(line: string): void {
  console.log(`[soak] ${line}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ServiceSample {
  rssMb: number | null;
  heapUsedMb: number | null;
  /** p99 and max of the event-loop delay over the interval (prom-client's histogram). */
  lagP99Ms: number | null;
  lagMaxMs: number | null;
  /** Median of three GET /health/live round trips. */
  healthRttMs: number | null;
}

interface Sample {
  t: number;
  producedPerSec: number;
  consumedPerSec: number;
  /** Messages POSTed so far and not yet read from service-b (answers still coming included). */
  unread: number;
  postsInFlight: number;
  a: ServiceSample;
  b: ServiceSample;
}

/** The numbers in /metrics this soak reads, or null where a metric is missing. */
async function scrape(url: string): Promise<Record<string, number | null>> {
  const names = [
    'nodejs_eventloop_lag_p99_seconds',
    'nodejs_eventloop_lag_max_seconds',
    'nodejs_heap_size_used_bytes',
  ];
  const text = await fetch(`${url}/metrics`)
    .then((res) => res.text())
    .catch(() => '');
  const values: Record<string, number | null> = {};
  for (const name of names) {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
    values[name] = match?.[1] === undefined ? null : Number(match[1]);
  }
  return values;
}

async function healthRoundTrip(url: string): Promise<number | null> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const ok = await fetch(`${url}/health/live`)
      .then(async (res) => (await res.arrayBuffer(), res.ok))
      .catch(() => false);
    if (ok) times.push(performance.now() - started);
  }
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)] ?? null;
}

async function sampleService(service: ServiceProcess): Promise<ServiceSample> {
  const [metrics, healthRttMs] = [await scrape(service.url), await healthRoundTrip(service.url)];
  const seconds = (name: string) => {
    const value = metrics[name];
    return value === null || value === undefined ? null : value * 1000;
  };
  const heap = metrics.nodejs_heap_size_used_bytes;
  return {
    rssMb: residentMb(service.child.pid) ?? null,
    heapUsedMb: heap === null || heap === undefined ? null : heap / 2 ** 20,
    lagP99Ms: seconds('nodejs_eventloop_lag_p99_seconds'),
    lagMaxMs: seconds('nodejs_eventloop_lag_max_seconds'),
    healthRttMs,
  };
}

// ---------------------------------------------------------------------------------------------
// Verdicts
// ---------------------------------------------------------------------------------------------

interface Verdict {
  series: string;
  unit: 'MB' | 'ms';
  samples: number;
  firstThirdMean: number;
  lastThirdMean: number;
  change: number;
  slopePerMin: number;
  verdict: 'grows' | 'stable' | 'falls' | 'too few samples';
}

const mean = (xs: number[]) => xs.reduce((sum, x) => sum + x, 0) / xs.length;

/** Least-squares slope of y over x (per unit of x); 0 when x does not vary. */
function slope(points: [number, number][]): number {
  const mx = mean(points.map(([x]) => x));
  const my = mean(points.map(([, y]) => y));
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function verdictOf(series: string, unit: 'MB' | 'ms', points: [number, number | null][]): Verdict {
  const kept = points.filter((p): p is [number, number] => p[1] !== null && p[0] >= warmUpSec);
  const base = { series, unit, samples: kept.length };
  if (kept.length < 6) {
    return {
      ...base,
      firstThirdMean: NaN,
      lastThirdMean: NaN,
      change: NaN,
      slopePerMin: NaN,
      verdict: 'too few samples',
    };
  }
  const third = Math.floor(kept.length / 3);
  const first = mean(kept.slice(0, third).map(([, y]) => y));
  const last = mean(kept.slice(-third).map(([, y]) => y));
  const perMin = slope(kept) * 60;
  const windowMin = ((kept.at(-1)?.[0] ?? 0) - (kept[0]?.[0] ?? 0)) / 60;
  const { relative, floor } = unit === 'MB' ? TOLERANCE.memory : TOLERANCE.time;
  const allowed = Math.max(floor, Math.abs(first) * relative);
  const change = last - first;
  const rise = perMin * windowMin;
  let verdict: Verdict['verdict'] = 'stable';
  if (change > allowed && rise > allowed) verdict = 'grows';
  else if (change < -allowed && rise < -allowed) verdict = 'falls';
  return {
    ...base,
    firstThirdMean: first,
    lastThirdMean: last,
    change,
    slopePerMin: perMin,
    verdict,
  };
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kafka-soak-'));
  log(`starting Kafka ${KAFKA_VERSION} (data in ${dataDir})`);
  const broker = await startLocalKafka({ dataDir });
  const topic = 'soak';
  const admin = benchKafka(broker.brokers).admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();
  const running: ServiceProcess[] = [];
  let stopRequested = false;
  process.once('SIGINT', () => {
    log('SIGINT: stopping early, draining and reporting');
    stopRequested = true;
  });
  try {
    const env = { KAFKA_BROKERS: broker.brokers, KAFKA_TOPIC: topic };
    const a = await startService('service-a', env);
    running.push(a);
    const b = await startService('service-b', { ...env, KAFKA_GROUP_ID: 'soak-group' });
    running.push(b);
    log(`producing ${rate} messages/s for ${durationSec} s; a sample every 5 s`);

    // The ledger: when each message was sent, whether service-a acknowledged it, how often it came.
    const sentAt: number[] = [];
    const acked = new Set<number>();
    const received = new Map<number, number>();
    const postLatencies: number[] = [];
    const endToEnd: number[] = [];
    const postFailures = new Map<string, number>();
    let notSent = 0;
    let sent = 0;
    let inFlight = 0;
    let ackedCount = 0;
    let receivedCount = 0;
    const fail = (reason: string) => postFailures.set(reason, (postFailures.get(reason) ?? 0) + 1);

    const postOne = async (seq: number) => {
      inFlight++;
      const started = performance.now();
      sentAt[seq] = started;
      try {
        const res = await fetch(`${a.url}/api/messages`, {
          method: 'POST',
          headers: { 'Content-Type': 'text/plain' },
          body: `soak-${seq}`,
        });
        await res.arrayBuffer();
        if (res.status === 200) {
          acked.add(seq);
          ackedCount++;
          postLatencies.push(performance.now() - started);
        } else {
          fail(`HTTP ${res.status}`);
        }
      } catch (error) {
        fail((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
      } finally {
        inFlight--;
      }
    };

    let consuming = true;
    const consumers = Array.from({ length: CONSUMERS }, async () => {
      while (consuming) {
        try {
          const res = await fetch(`${b.url}/api/messages/batch?max=500&waitMs=1000`);
          const { messages } = (await res.json()) as { messages?: { value: unknown }[] };
          const now = performance.now();
          for (const { value } of messages ?? []) {
            const seq = typeof value === 'string' ? Number(/^soak-(\d+)$/.exec(value)?.[1]) : NaN;
            if (!Number.isInteger(seq)) continue;
            receivedCount++;
            received.set(seq, (received.get(seq) ?? 0) + 1);
            const sent = sentAt[seq];
            if (sent !== undefined) endToEnd.push(now - sent);
          }
        } catch {
          await sleep(100); // service-b unreachable for a moment: try again
        }
      }
    });

    const samples: Sample[] = [];
    const started = performance.now();
    let lastSample = { at: started, acked: 0, received: 0 };
    let sampling = Promise.resolve();
    const takeSample = () => {
      sampling = sampling.then(async () => {
        const now = performance.now();
        const seconds = (now - lastSample.at) / 1000;
        const [sa, sb] = [await sampleService(a), await sampleService(b)];
        const sample: Sample = {
          t: Math.round((now - started) / 1000),
          producedPerSec: (ackedCount - lastSample.acked) / seconds,
          consumedPerSec: (receivedCount - lastSample.received) / seconds,
          unread: sent - received.size,
          postsInFlight: inFlight,
          a: sa,
          b: sb,
        };
        lastSample = { at: now, acked: ackedCount, received: receivedCount };
        samples.push(sample);
        const f = (n: number | null) => (n === null ? '-' : n.toFixed(1));
        log(
          `t=${sample.t}s produced ${sample.producedPerSec.toFixed(0)}/s consumed ${sample.consumedPerSec.toFixed(0)}/s unread ${sample.unread} | a ${f(sa.rssMb)} MB lag ${f(sa.lagP99Ms)} ms rtt ${f(sa.healthRttMs)} ms | b ${f(sb.rssMb)} MB lag ${f(sb.lagP99Ms)} ms rtt ${f(sb.healthRttMs)} ms`,
        );
      });
    };
    const sampler = setInterval(takeSample, SAMPLE_EVERY_MS);

    // A fixed rate: message i is due at start + i/rate, whatever the answers' speed.
    const posts = new Set<Promise<void>>();
    let seq = 0;
    while (!stopRequested) {
      const elapsed = performance.now() - started;
      if (elapsed >= durationSec * 1000) break;
      const due = Math.floor((elapsed * rate) / 1000) + 1;
      for (; seq < due; seq++) {
        if (inFlight >= MAX_IN_FLIGHT) {
          notSent++;
          continue;
        }
        sent++;
        const post = postOne(seq);
        posts.add(post);
        void post.finally(() => posts.delete(post));
      }
      await sleep(Math.max(1, started + (seq * 1000) / rate - performance.now()));
    }
    const runSec = (performance.now() - started) / 1000;
    clearInterval(sampler);
    // The last interval, unless a sample was just taken.
    if (performance.now() - lastSample.at > SAMPLE_EVERY_MS / 2) takeSample();
    await sampling;
    log(`sent ${sent} messages in ${runSec.toFixed(0)} s; waiting for the last answers`);
    await Promise.all(posts);
    log('waiting for service-b to deliver the rest');
    const drained = await until(
      'every acknowledged message read',
      () => [...acked].every((s) => received.has(s)),
      DRAIN_TIMEOUT_MS,
    ).then(
      () => true,
      () => false,
    );
    consuming = false;
    await Promise.all(consumers);

    const lost = [...acked].filter((s) => !received.has(s));
    const duplicates = [...received.values()].reduce((sum, n) => sum + n - 1, 0);
    const unacknowledgedButDelivered = [...received.keys()].filter((s) => !acked.has(s)).length;
    postLatencies.sort((x, y) => x - y);
    endToEnd.sort((x, y) => x - y);
    const series: [string, Verdict['unit'], (s: ServiceSample) => number | null][] = [
      ['resident memory', 'MB', (s) => s.rssMb],
      ['heap used', 'MB', (s) => s.heapUsedMb],
      ['event-loop lag p99', 'ms', (s) => s.lagP99Ms],
      ['/health/live round trip', 'ms', (s) => s.healthRttMs],
    ];
    const verdicts = (['a', 'b'] as const).flatMap((name) =>
      series.map(([label, unit, pick]) =>
        verdictOf(
          `service-${name} ${label}`,
          unit,
          samples.map((s) => [s.t, pick(s[name])]),
        ),
      ),
    );
    const results = {
      date: new Date().toISOString(),
      settings: {
        durationSec,
        runSec: Math.round(runSec),
        rate,
        sampleEverySec: SAMPLE_EVERY_MS / 1000,
        warmUpSec,
        consumers: CONSUMERS,
        tolerance: TOLERANCE,
      },
      machine: {
        cpu: os.cpus()[0]?.model ?? 'unknown',
        cores: os.cpus().length,
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        kafka: KAFKA_VERSION,
      },
      messages: {
        sent,
        notSentInFlightCap: notSent,
        acknowledged: acked.size,
        postFailures: Object.fromEntries(postFailures),
        receivedDistinct: received.size,
        received: receivedCount,
        lost: lost.length,
        lostExamples: lost.slice(0, 20),
        duplicates,
        unacknowledgedButDelivered,
        drained,
        postP50Ms: quantile(postLatencies, 0.5),
        postP99Ms: quantile(postLatencies, 0.99),
        endToEndP50Ms: quantile(endToEnd, 0.5),
        endToEndP99Ms: quantile(endToEnd, 0.99),
      },
      verdicts,
      samples,
    };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'soak-latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    const markdown = renderMarkdown(results);
    writeFileSync(path.join(outDir, 'soak-latest.md'), markdown);
    console.log(`\n${markdown}`);
    if (lost.length > 0 || !drained) process.exitCode = 1;
  } finally {
    await Promise.all(running.map((service) => service.stop()));
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type Results = {
  date: string;
  settings: { durationSec: number; runSec: number; rate: number; warmUpSec: number };
  machine: { cpu: string; cores: number; memoryGb: number; node: string; kafka: string };
  messages: {
    sent: number;
    notSentInFlightCap: number;
    acknowledged: number;
    postFailures: Record<string, number>;
    receivedDistinct: number;
    lost: number;
    duplicates: number;
    unacknowledgedButDelivered: number;
    drained: boolean;
    postP50Ms: number;
    postP99Ms: number;
    endToEndP50Ms: number;
    endToEndP99Ms: number;
  };
  verdicts: Verdict[];
  samples: Sample[];
};

function renderMarkdown(r: Results): string {
  const n = (x: number | null, digits = 1) =>
    x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits);
  const signed = (x: number, digits = 1) => (Number.isFinite(x) && x > 0 ? '+' : '') + n(x, digits);
  const m = r.messages;
  const failures = Object.entries(m.postFailures).map(([why, count]) => `${count} × ${why}`);
  const short = r.settings.runSec < 300;
  const lines = [
    `## Soak: ${r.settings.rate} messages/s for ${r.settings.runSec} s`,
    '',
    ...(short
      ? [
          `A short run: ${r.settings.runSec} s cannot tell a slow leak from warm-up (memory settles over the first minutes); run \`--minutes 30\` or more for a verdict that means something.`,
          '',
        ]
      : []),
    '| Series | First third | Last third | Change | Slope per minute | Verdict |',
    '| --- | --- | --- | --- | --- | --- |',
    ...r.verdicts.map(
      (v) =>
        `| ${v.series} | ${n(v.firstThirdMean)} ${v.unit} | ${n(v.lastThirdMean)} ${v.unit} | ${signed(v.change)} ${v.unit} | ${signed(v.slopePerMin, 2)} ${v.unit} | ${v.verdict} |`,
    ),
    '',
    '| Messages | |',
    '| --- | --- |',
    `| sent (POST) | ${m.sent}${m.notSentInFlightCap ? ` (${m.notSentInFlightCap} not sent: ${MAX_IN_FLIGHT} POSTs were waiting)` : ''} |`,
    `| acknowledged by service-a (200) | ${m.acknowledged} |`,
    `| POSTs not acknowledged | ${failures.length ? failures.join(', ') : '0'} |`,
    `| read from service-b (distinct) | ${m.receivedDistinct} |`,
    `| **lost** (acknowledged, never read) | **${m.lost}**${m.drained ? '' : ' (drain timed out)'} |`,
    `| **duplicates** (read more than once) | **${m.duplicates}** |`,
    `| read though not acknowledged | ${m.unacknowledgedButDelivered} |`,
    `| POST latency p50 / p99 | ${n(m.postP50Ms)} / ${n(m.postP99Ms)} ms |`,
    `| POST to GET latency p50 / p99 | ${n(m.endToEndP50Ms)} / ${n(m.endToEndP99Ms)} ms |`,
    '',
    '| t (s) | produced/s | read/s | unread | a RSS MB | a heap MB | a lag p99 ms | a lag max ms | a /health ms | b RSS MB | b heap MB | b lag p99 ms | b lag max ms | b /health ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.samples.map(
      (s) =>
        `| ${s.t}${s.t < r.settings.warmUpSec ? ' (warm-up)' : ''} | ${n(s.producedPerSec, 0)} | ${n(s.consumedPerSec, 0)} | ${s.unread} | ${n(s.a.rssMb)} | ${n(s.a.heapUsedMb)} | ${n(s.a.lagP99Ms)} | ${n(s.a.lagMaxMs)} | ${n(s.a.healthRttMs, 2)} | ${n(s.b.rssMb)} | ${n(s.b.heapUsedMb)} | ${n(s.b.lagP99Ms)} | ${n(s.b.lagMaxMs)} | ${n(s.b.healthRttMs, 2)} |`,
    ),
    '',
    `How to read it: resident memory from /proc/<pid>/status (VmRSS); heap used and event-loop lag from each service's own /metrics (prom-client: \`nodejs_heap_size_used_bytes\`, and \`nodejs_eventloop_lag_p99_seconds\` / \`_max_seconds\`, a monitorEventLoopDelay histogram over the 5 s since the previous scrape; it samples every 10 ms, so an idle loop reads about 10 ms). "/health" is the median of three GET /health/live round trips from this process: the lag as a client sees it, HTTP included. Verdicts leave out the first ${r.settings.warmUpSec} s (warm-up); a series grows when the mean of its last third exceeds the first third's by more than ${TOLERANCE.memory.relative * 100}% (memory, at least ${TOLERANCE.memory.floor} MB) or ${TOLERANCE.time.relative * 100}% (times, at least ${TOLERANCE.time.floor} ms) and the regression line rises as much over the same window.`,
    '',
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGb} GiB; Node ${r.machine.node}, Kafka ${r.machine.kafka} (single local broker, one partition; broker, services and this load generator share the machine). Run ${r.date}.`,
    '',
  ];
  return lines.join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
