// Writing records with kcat (librdkafka's command-line client, Debian package `kcat`), a producer
// that shares no code with KafkaJS or the Java client.
//
// What kcat -P can write, and how this wrapper maps records onto it:
// - Records come on stdin, split by a message delimiter (-D) and, within a record, key and value
//   split by a key delimiter (-K) at its first occurrence. Both delimiters are random strings
//   checked not to occur in the data, so keys and values may hold any bytes.
// - A record without the key delimiter has a null key. With -Z an empty key or value is sent as
//   null; without -Z it is sent empty. So a run with -Z cannot write an empty key or value, and a
//   null key with an empty value cannot be written at all (kcat skips an empty input record).
//   Records needing -Z and records needing empty bytes go to separate kcat runs.
// - Headers (-H) are set per run, not per record: consecutive records with the same headers share a
//   run. `-H name` without `=` writes a header with a null value; order and repeated names are
//   kept. Header names cannot hold `=`, and header values are command-line arguments, so they must
//   be UTF-8 without NUL bytes.
// - The partition (-p) is set per run too; records without one go to `partition` (default 0), so
//   that acknowledgements can be matched to records in order. kcat cannot set a record timestamp.
// - Acknowledgement: kcat -P waits, after reading all input, until librdkafka's queue is empty,
//   i.e. every record got its delivery report, and exits 1 if any report was a failure. With -v -v
//   it prints each report ("Message delivered to partition P (offset O)"), read here as the acks.
//   acks=all and idempotence are set explicitly (librdkafka 2.0 leaves idempotence off).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Ack, Compression, ForeignHeader } from './java-client';

export interface KcatRecord {
  partition?: number;
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: ForeignHeader[];
}

export interface KcatProduceOptions {
  brokers: string;
  topic: string;
  compression: Compression;
  records: KcatRecord[];
  /** Partition for records that name none. Default 0. */
  partition?: number;
  /** librdkafka's linger.ms; default 100, so one run's records share a batch. */
  lingerMs?: number;
  /** More librdkafka configs (-X name=value). */
  properties?: Record<string, string | number>;
  /** Per kcat run. */
  timeoutMs?: number;
}

export type KcatAck = Omit<Ack, 'timestamp'>;

export const kcatCommand = process.env.KCAT_PATH ?? 'kcat';

/** Whether kcat runs here (its version line, or undefined). */
export function kcatVersion(): string | undefined {
  const probe = spawnSync(kcatCommand, ['-V'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return undefined;
  return /Version [^\n]*/.exec(probe.stdout)?.[0] ?? probe.stdout.trim();
}

export function kcatAvailable(): boolean {
  return kcatVersion() !== undefined;
}

type NullMode = 'null' | 'empty' | 'either';

interface Run {
  partition: number;
  headers: ForeignHeader[];
  headersKey: string;
  mode: NullMode;
  records: Array<{ key: Buffer | null; value: Buffer | null }>;
}

function headersKey(headers: ForeignHeader[]): string {
  return JSON.stringify(headers.map((h) => [h.name, h.value?.toString('base64') ?? null]));
}

function headerArgument({ name, value }: ForeignHeader): string {
  if (!name || name.includes('=') || name.includes('\0')) {
    throw new Error(`kcat cannot write a header named ${JSON.stringify(name)}`);
  }
  if (value === null) return name;
  const text = value.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(value) || text.includes('\0')) {
    throw new Error(`kcat cannot write header ${name}: its value is not UTF-8 without NUL bytes`);
  }
  return `${name}=${text}`;
}

/** Whether the record needs -Z (a null value), needs it off (empty bytes), or works either way. */
function nullMode(key: Buffer | null, value: Buffer | null, index: number): NullMode {
  if (key === null && value !== null && value.length === 0) {
    throw new Error(`kcat cannot write record ${index}: a null key with an empty value`);
  }
  if (value === null) return 'null';
  if (key !== null && (key.length === 0 || value.length === 0)) return 'empty';
  return 'either';
}

function plan(options: KcatProduceOptions): Run[] {
  const runs: Run[] = [];
  options.records.forEach((record, index) => {
    const key = record.key ?? null;
    const value = record.value ?? null;
    const headers = record.headers ?? [];
    headers.forEach(headerArgument); // validates early
    const partition = record.partition ?? options.partition ?? 0;
    const mode = nullMode(key, value, index);
    const hk = headersKey(headers);
    const last = runs.at(-1);
    const fits =
      last &&
      last.partition === partition &&
      last.headersKey === hk &&
      (mode === 'either' || last.mode === 'either' || last.mode === mode);
    if (last && fits) {
      if (last.mode === 'either') last.mode = mode;
      last.records.push({ key, value });
    } else {
      runs.push({ partition, headers, headersKey: hk, mode, records: [{ key, value }] });
    }
  });
  return runs;
}

/** Every index where `needle` starts in `haystack`, overlapping ones included. */
function occurrences(haystack: Buffer, needle: Buffer): number[] {
  const found: number[] = [];
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    found.push(at);
  }
  return found;
}

/** The stdin of one run, with delimiters that occur nowhere but where they were put. */
function encode(run: Run): { input: Buffer; delimiter: string; keyDelimiter: string } {
  for (;;) {
    const delimiter = `D${randomBytes(9).toString('hex')}`;
    const keyDelimiter = `K${randomBytes(9).toString('hex')}`;
    const d = Buffer.from(delimiter);
    const k = Buffer.from(keyDelimiter);
    let clash = false;
    const parts: Buffer[] = [];
    const delimiterAt: number[] = [];
    let length = 0;
    for (const { key, value } of run.records) {
      // No key delimiter: a null key. With -Z, an empty key or value is null, so a record with
      // neither is the key delimiter alone (an empty input record would be skipped).
      const record =
        key === null && value === null
          ? k
          : key === null
            ? (value as Buffer)
            : Buffer.concat([key, k, value ?? Buffer.alloc(0)]);
      // kcat splits at the first key delimiter of a record; one inside the value is harmless.
      if (record.indexOf(k) !== (key === null ? (value === null ? 0 : -1) : key.length)) {
        clash = true;
      }
      parts.push(record, d);
      length += record.length;
      delimiterAt.push(length);
      length += d.length;
    }
    const input = Buffer.concat(parts);
    const found = occurrences(input, d);
    if (
      clash ||
      found.length !== delimiterAt.length ||
      found.some((at, i) => at !== delimiterAt[i])
    ) {
      continue; // the data holds a delimiter: draw new ones
    }
    return { input, delimiter, keyDelimiter };
  }
}

function runKcat(
  options: KcatProduceOptions,
  run: Run,
): Promise<{ acks: KcatAck[]; stderr: string }> {
  const { input, delimiter, keyDelimiter } = encode(run);
  const properties: Record<string, string | number> = {
    acks: 'all',
    'enable.idempotence': 'true',
    'linger.ms': options.lingerMs ?? 100,
    'compression.codec': options.compression,
    'message.timeout.ms': 30_000,
    ...options.properties,
  };
  const args = [
    '-P',
    '-b',
    options.brokers,
    '-t',
    options.topic,
    '-p',
    String(run.partition),
    '-D',
    delimiter,
    '-K',
    keyDelimiter,
    '-m',
    '10',
    '-v',
    '-v',
    ...(run.mode === 'null' ? ['-Z'] : []),
    ...run.headers.flatMap((header) => ['-H', headerArgument(header)]),
    ...Object.entries(properties).flatMap(([name, value]) => ['-X', `${name}=${value}`]),
  ];
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(kcatCommand, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? new Error(
              `${kcatCommand} not found: install it (apt-get install kcat) or set KCAT_PATH`,
            )
          : error,
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const acks = [
        ...stderr.matchAll(/Message delivered to partition (-?\d+) \(offset (-?\d+)\)/g),
      ].map((m) => ({ partition: Number(m[1]), offset: Number(m[2]) }));
      const tail = stderr.trim().split('\n').slice(-20).join('\n');
      if (code !== 0 || acks.length !== run.records.length) {
        reject(
          new Error(
            `kcat -P to ${options.topic} ${signal ? `was killed by ${signal}` : `exited with ${code}`} after ${acks.length} of ${run.records.length} delivery reports:\n${tail}`,
          ),
        );
        return;
      }
      resolve({ acks, stderr });
    });
    child.stdin.on('error', () => undefined); // an early exit is reported through 'close'
    child.stdin.end(input);
  });
}

/**
 * Produces `records` with kcat, one kcat run per group of consecutive records sharing partition,
 * headers and null handling (see the top of this file), and resolves with each record's
 * acknowledged partition and offset, in order.
 */
export async function kcatProduce(options: KcatProduceOptions): Promise<KcatAck[]> {
  const acks: KcatAck[] = [];
  for (const run of plan(options)) acks.push(...(await runKcat(options, run)).acks);
  return acks;
}

/** How many kcat runs (hence at least how many batches) `kcatProduce` would use for `records`. */
export function kcatRuns(options: Pick<KcatProduceOptions, 'records' | 'partition'>): number {
  return plan({ ...options, brokers: '', topic: '', compression: 'none' }).length;
}
