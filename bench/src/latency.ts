// POST-to-GET latency at a fixed rate: a writer and a reader through Kafka, whichever API each side
// speaks. A warm-up message goes through first, so joining the group is not counted, then a short
// warm-up round at the same rate, so neither side is measured cold.
import { until } from './processes';

export interface Pair {
  send(value: string): Promise<unknown>;
  /** Starts reading; calls `onValue` with each value as it arrives. Resolves to a stop function. */
  receive(onValue: (value: string) => void): Promise<() => Promise<void>>;
}

export interface LatencyResult {
  p50Ms: number;
  p99Ms: number;
  count: number;
}

/** A reader that polls: `workers` loops calling `poll` until stopped. */
export function pollingReceiver(poll: () => Promise<string[]>, workers = 2): Pair['receive'] {
  return async (onValue) => {
    let running = true;
    const loops = Array.from({ length: workers }, async () => {
      while (running) {
        for (const value of await poll().catch(() => [])) onValue(value);
      }
    });
    return async () => {
      running = false;
      await Promise.all(loops);
    };
  };
}

export async function measureLatency(
  pair: Pair,
  {
    rate,
    durationSec,
    tag,
    warmUpSec = Math.min(2, durationSec),
  }: { rate: number; durationSec: number; tag: string; warmUpSec?: number },
): Promise<LatencyResult> {
  const sentAt = new Map<string, number>();
  let latencies: number[] = [];
  const warmUp = `${tag}-warm-up`;
  let warm = false;
  const stop = await pair.receive((value) => {
    if (value === warmUp) warm = true;
    const sent = sentAt.get(value);
    if (sent !== undefined) latencies.push(performance.now() - sent);
  });
  // At the given rate for a while: every message sent and received, or the deadline.
  const round = async (prefix: string, total: number) => {
    const start = performance.now();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      const wait = start + (i * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const value = `${prefix}-${i}`;
      sentAt.set(value, performance.now());
      sends.push(pair.send(value));
    }
    await Promise.all(sends);
    await until(`${prefix}: every message received`, () => latencies.length >= total, 30_000);
  };
  try {
    await pair.send(warmUp);
    await until(`${tag}: the warm-up message`, () => warm, 60_000);
    // Warm-up at the same rate (JIT, connections, the group settling), not counted.
    await round(`${tag}-warm`, Math.round(rate * warmUpSec));
    latencies = [];
    await round(tag, rate * durationSec);
  } finally {
    await stop();
  }
  latencies.sort((x, y) => x - y);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { p50Ms: at(0.5), p99Ms: at(0.99), count: latencies.length };
}
