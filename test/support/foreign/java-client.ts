// Writing and reading records with the official Java client (kafka-clients), to check that what
// KafkaJS-based code writes or expects matches a client we did not write. ForeignClient.java is
// compiled with javac against the jars of the broker's lib folder (.cache/kafka/<version>/lib), once
// per source version, into .cache/foreign-client/<hash>/.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ensureKafkaInstalled } from '@kafka-http/local-kafka';
import { compileJava, QUICK_JVM_FLAGS, type CompiledJava } from './compile-java';

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface ForeignHeader {
  name: string;
  /** null is written as a header without a value (Java `new RecordHeader(name, (byte[]) null)`). */
  value: Buffer | null;
}

export interface ForeignRecord {
  partition?: number;
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: ForeignHeader[];
  /** CreateTime in ms; the producer's clock when omitted. */
  timestamp?: number;
}

export interface Ack {
  partition: number;
  offset: number;
  /** What the broker reported: the LogAppendTime on such topics, else the record's CreateTime. */
  timestamp: number;
}

export interface JavaProduceOptions {
  brokers: string;
  topic: string;
  compression: Compression;
  records: ForeignRecord[];
  /** Send everything in one transaction, then commit or abort it. */
  transactional?: 'commit' | 'abort';
  /** Default 1000: every record is handed to the producer before it flushes. */
  lingerMs?: number;
  /** Default 1 MiB, so one call's records share a batch per partition. */
  batchSize?: number;
  /** More producer configs. */
  properties?: Record<string, string | number>;
  timeoutMs?: number;
}

export interface ConsumedHeader {
  name: string;
  value: Buffer | null;
}

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CreateTime' | 'LogAppendTime' | 'NoTimestampType';
  key: Buffer | null;
  value: Buffer | null;
  headers: ConsumedHeader[];
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export type ConsumerEvent =
  | { type: 'started'; groupProtocol: string }
  | { type: 'assigned' | 'revoked' | 'lost'; partitions: TopicPartition[] }
  | {
      type: 'committed';
      when: 'poll' | 'revoke' | 'close';
      offsets: Array<TopicPartition & { offset: number }>;
    }
  | { type: 'commitFailed'; when: string; message: string }
  | { type: 'closed' };

export interface JavaConsumerOptions {
  brokers: string;
  topic: string | string[];
  groupId: string;
  /**
   * Consumer configs beyond the defaults, e.g. `{ 'isolation.level': 'read_committed' }`. Left
   * alone otherwise: default assignor and `group.protocol` (classic); the wrapper sets only
   * `auto.offset.reset=earliest` and `enable.auto.commit=false`.
   */
  properties?: Record<string, string | number>;
}

export interface JavaConsumer {
  /** Records printed so far, in the order the Java consumer returned them. */
  readonly records: ConsumedRecord[];
  /** Partitions currently assigned (after the last assigned/revoked/lost line). */
  readonly assignment: TopicPartition[];
  /** Every non-record line, in order. */
  readonly events: ConsumerEvent[];
  /** Resolves once `predicate` holds (checked on every line and every 25 ms); rejects at the deadline or if the JVM exits. */
  waitFor(predicate: (consumer: JavaConsumer) => boolean, timeoutMs?: number): Promise<void>;
  /** Commits what was printed, closes the consumer (leaving the group) and waits for the JVM to exit. */
  close(): Promise<void>;
  stderrTail(): string;
}

/** The client, and the SLF4J binding that sends its warnings and errors to stderr. */
const sources = ['ForeignClient.java', 'StaticLoggerBinder.java'].map((name) =>
  path.join(__dirname, name),
);

/** The kafka-clients runtime: the client, its compression codecs and the SLF4J 1.7 API. */
const clientJars = [
  /^kafka-clients-[\d.]+\.jar$/,
  /^zstd-jni-.*\.jar$/,
  /^lz4-java-.*\.jar$/,
  /^snappy-java-.*\.jar$/,
  /^slf4j-api-.*\.jar$/,
];

type Compiled = CompiledJava;

let compiled: Promise<Compiled> | undefined;

function clientClasspath(libDir: string): string[] {
  const names = readdirSync(libDir);
  return clientJars.map((pattern) => {
    const found = names.find((name) => pattern.test(name));
    if (!found) throw new Error(`no jar matching ${pattern} in ${libDir}`);
    return path.join(libDir, found);
  });
}

/**
 * Compiles ForeignClient.java (once per process; on disk once per source and jar set). Several
 * jest workers may compile at the same time: each compiles into its own folder and renames it into
 * place, and whoever loses the race uses the winner's classes.
 */
export function compileForeignClient(): Promise<Compiled> {
  compiled ??= (async () => {
    const installation = ensureKafkaInstalled({ log: () => undefined });
    return compileJava({
      name: 'foreign-client',
      sources,
      jars: clientClasspath(installation.libDir),
      mainClass: 'ForeignClient',
    });
  })();
  compiled.catch(() => {
    compiled = undefined;
  });
  return compiled;
}

async function spawnJava(args: string[]): Promise<ChildProcessWithoutNullStreams> {
  const { java, classpath, classesDir } = await compileForeignClient();
  return spawn(
    java,
    [
      ...QUICK_JVM_FLAGS,
      '-cp',
      `${classesDir}${path.delimiter}${classpath}`,
      'ForeignClient',
      ...args,
    ],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
}

/** The last lines a process wrote to stderr, for error messages. */
function tailKeeper(stream: NodeJS.ReadableStream, maxChars = 4000): () => string {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    text = (text + chunk).slice(-maxChars);
  });
  return () => text.trim();
}

function exitDescription(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with ${code}`;
}

const b64 = (bytes: Buffer | null | undefined): string | null =>
  bytes === null || bytes === undefined ? null : bytes.toString('base64');
const unb64 = (text: string | null): Buffer | null =>
  text === null ? null : Buffer.from(text, 'base64');

/**
 * Produces `records` with a Java KafkaProducer (acks=all, idempotence on by default, byte arrays
 * as they are) and resolves with each record's acknowledged partition and offset, in order.
 */
export async function javaProduce(options: JavaProduceOptions): Promise<Ack[]> {
  const request = {
    brokers: options.brokers,
    topic: options.topic,
    compression: options.compression,
    transactional: options.transactional ?? null,
    lingerMs: options.lingerMs ?? null,
    batchSize: options.batchSize ?? null,
    properties: options.properties ?? null,
    records: options.records.map((record) => ({
      partition: record.partition ?? null,
      timestamp: record.timestamp ?? null,
      key: b64(record.key),
      value: b64(record.value),
      headers: (record.headers ?? []).map((header) => ({
        name: header.name,
        value: b64(header.value),
      })),
    })),
  };
  const child = await spawnJava(['produce']);
  const stderr = tailKeeper(child.stderr);
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise<Ack[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Java produce to ${options.topic} took over ${timeoutMs} ms\n${stderr()}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('{"type":"acks"'));
      if (code !== 0 || !line) {
        reject(
          new Error(
            `Java produce to ${options.topic} ${exitDescription(code, signal)}${line ? '' : ' without acks'}:\n${stderr()}`,
          ),
        );
        return;
      }
      const { records } = JSON.parse(line) as { records: Ack[] };
      resolve(records);
    });
    child.stdin.on('error', () => undefined); // an early exit is reported through 'close'
    child.stdin.end(JSON.stringify(request));
  });
}

interface RecordLine {
  type: 'record';
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: ConsumedRecord['timestampType'];
  key: string | null;
  value: string | null;
  headers: Array<{ name: string; value: string | null }>;
}

/**
 * Starts a Java KafkaConsumer subscribed to `topic` and resolves once its JVM is running (not yet
 * assigned: wait for that with `waitFor(c => c.assignment.length > 0)`). It commits synchronously
 * after printing each poll's records, and on revocation. If this process dies, the JVM sees stdin
 * close and shuts down.
 */
export async function startJavaConsumer(options: JavaConsumerOptions): Promise<JavaConsumer> {
  const topics = Array.isArray(options.topic) ? options.topic : [options.topic];
  const extra = Object.entries(options.properties ?? {}).map(([name, value]) => `${name}=${value}`);
  const child = await spawnJava([
    'consume',
    options.brokers,
    options.groupId,
    topics.join(','),
    ...extra,
  ]);
  const stderrTail = tailKeeper(child.stderr);
  const records: ConsumedRecord[] = [];
  const events: ConsumerEvent[] = [];
  let assignment: TopicPartition[] = [];
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const listeners = new Set<() => void>();
  const notify = (): void => listeners.forEach((listener) => listener());

  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (!line.startsWith('{')) return;
    const parsed = JSON.parse(line) as RecordLine | ConsumerEvent;
    if (parsed.type === 'record') {
      records.push({
        topic: parsed.topic,
        partition: parsed.partition,
        offset: parsed.offset,
        timestamp: parsed.timestamp,
        timestampType: parsed.timestampType,
        key: unb64(parsed.key),
        value: unb64(parsed.value),
        headers: parsed.headers.map((h) => ({ name: h.name, value: unb64(h.value) })),
      });
    } else {
      events.push(parsed);
      const same = (a: TopicPartition) => (b: TopicPartition) =>
        a.topic === b.topic && a.partition === b.partition;
      if (parsed.type === 'assigned') assignment = [...assignment, ...parsed.partitions];
      if (parsed.type === 'revoked' || parsed.type === 'lost') {
        assignment = assignment.filter((tp) => !parsed.partitions.some(same(tp)));
      }
    }
    notify();
  });
  const exited = new Promise<void>((resolve) => {
    child.on('error', (error) => {
      spawnError = error;
      notify();
    });
    child.on('close', (code, signal) => {
      exit = { code, signal };
      notify();
      resolve();
    });
  });
  child.stdin.on('error', () => undefined);

  const consumer: JavaConsumer = {
    records,
    events,
    get assignment() {
      return assignment;
    },
    stderrTail,
    waitFor(predicate, timeoutMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          let done = false;
          try {
            done = predicate(consumer);
          } catch (error) {
            finish(error as Error);
            return;
          }
          if (done) finish();
          else if (spawnError) finish(spawnError);
          else if (exit) {
            finish(
              new Error(
                `the Java consumer ${exitDescription(exit.code, exit.signal)} before the condition held:\n${stderrTail()}`,
              ),
            );
          }
        };
        const finish = (error?: Error): void => {
          clearTimeout(timer);
          clearInterval(ticker);
          listeners.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const timer = setTimeout(
          () =>
            finish(
              new Error(
                `timed out after ${timeoutMs} ms waiting on the Java consumer (${records.length} records, assignment ${JSON.stringify(assignment)}):\n${stderrTail()}`,
              ),
            ),
          timeoutMs,
        );
        const ticker = setInterval(check, 25);
        listeners.add(check);
        check();
      });
    },
    async close() {
      if (!exit) {
        child.stdin.end('close\n');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }
      const last = events.at(-1);
      if (exit?.code !== 0 || last?.type !== 'closed') {
        throw new Error(
          `the Java consumer ${exitDescription(exit?.code ?? null, exit?.signal ?? null)} without closing cleanly:\n${stderrTail()}`,
        );
      }
    },
  };
  return consumer;
}
