// V8 lets the old generation grow to several times what is live before it collects it. service-b
// turns over short-lived records at a high rate (every buffered message is promoted, then dies),
// so with V8's defaults its resident memory settles at two to three times the data it holds. A
// growing factor of 1.5 keeps it near the buffer's bound at a small cost in throughput (see the
// benchmark). The factor is read at every collection, so setting it here, before anything is
// loaded, takes effect; a --heap-growing-percent given on the command line or in NODE_OPTIONS wins.
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 50;

export function tuneHeap(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): boolean {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].some((arg) =>
    /^--heap[-_]growing[-_]percent\b/.test(arg),
  );
  if (given) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
