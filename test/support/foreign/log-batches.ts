// The record batches of a partition as the broker stored them, read from its log segments with
// Kafka's own DumpLogSegments tool (one JVM for all the partitions asked about). Only for a broker
// whose data folder is on this machine, such as the suite's (KAFKA_TEST_DATA_DIR).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureKafkaInstalled } from '@kafka-http/local-kafka';

export interface StoredBatch {
  baseOffset: number;
  lastOffset: number;
  count: number;
  magic: number;
  compression: string;
  isTransactional: boolean;
  isControl: boolean;
  /** Bytes of the whole batch, header included. */
  size: number;
  producerId: number;
}

function partitionDir(dataDir: string, topic: string, partition: number): string {
  const name = `${topic}-${partition}`;
  const candidates = [
    path.join(dataDir, name),
    ...readdirSync(dataDir).map((d) => path.join(dataDir, d, name)),
  ];
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) throw new Error(`no log folder ${name} under ${dataDir}`);
  return found;
}

/** Batches per requested partition, in the order asked, each in offset order. */
export async function storedBatches(
  partitions: Array<{ topic: string; partition?: number }>,
  dataDir = process.env.KAFKA_TEST_DATA_DIR,
): Promise<StoredBatch[][]> {
  if (!dataDir) throw new Error('KAFKA_TEST_DATA_DIR is unset: run integration tests through jest');
  const segmentsOf = partitions.map(({ topic, partition = 0 }) => {
    const dir = partitionDir(dataDir, topic, partition);
    return readdirSync(dir)
      .filter((file) => file.endsWith('.log'))
      .sort()
      .map((file) => path.join(dir, file));
  });
  const { javaCommand, classpath } = ensureKafkaInstalled({ log: () => undefined });
  const files = segmentsOf.flat();
  const { stdout } = await promisify(execFile)(
    javaCommand,
    [
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      '-Xshare:auto',
      '-Dlog4j2.level=error',
      '-cp',
      classpath,
      'kafka.tools.DumpLogSegments',
      '--files',
      files.join(','),
    ],
    { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  const byFile = new Map<string, StoredBatch[]>();
  let current: StoredBatch[] | undefined;
  for (const line of stdout.split('\n')) {
    const dumping = /^Dumping (.+)$/.exec(line);
    if (dumping?.[1]) {
      current = [];
      byFile.set(path.resolve(dumping[1]), current);
      continue;
    }
    if (!line.startsWith('baseOffset:') || !current) continue;
    const field = (name: string): string => {
      const match = new RegExp(`(?:^| )${name}: (\\S+)`).exec(line);
      if (!match?.[1]) throw new Error(`no ${name} in DumpLogSegments line: ${line}`);
      return match[1];
    };
    current.push({
      baseOffset: Number(field('baseOffset')),
      lastOffset: Number(field('lastOffset')),
      count: Number(field('count')),
      magic: Number(field('magic')),
      compression: field('compresscodec'),
      isTransactional: field('isTransactional') === 'true',
      isControl: field('isControl') === 'true',
      size: Number(field('size')),
      producerId: Number(field('producerId')),
    });
  }
  return segmentsOf.map((segments) =>
    segments.flatMap((file) => {
      const batches = byFile.get(path.resolve(file));
      if (!batches) throw new Error(`DumpLogSegments printed nothing for ${file}`);
      return batches;
    }),
  );
}
