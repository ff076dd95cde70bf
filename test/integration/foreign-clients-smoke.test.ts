// The foreign-client helpers against the suite's broker: records written by the official Java client
// and by kcat (librdkafka) with every compression codec, read back by the Java consumer with their
// exact bytes, header order, nulls and offsets; transactions; LogAppendTime topics.
import {
  compileForeignClient,
  javaProduce,
  startJavaConsumer,
  type Compression,
  type ConsumedRecord,
  type ForeignRecord,
  type JavaConsumer,
} from '@test-support/foreign/java-client';
import { kcatAvailable, kcatProduce, kcatRuns, type KcatRecord } from '@test-support/foreign/kcat';
import { committedOffset, createTopic, testBrokers, uniqueName } from '@test-support/kafka';
import { storedBatches } from '@test-support/foreign/log-batches';

const codecs: Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const hasKcat = kcatAvailable();
// Skipped without kcat, except in CI, where it must run (and fails on the missing tool).
const kcatTest = hasKcat || process.env.CI ? test : test.skip;

const run = uniqueName('foreign');
const javaTopic = (codec: Compression): string => `${run}-java-${codec}`;
const kcatTopic = (codec: Compression): string => `${run}-kcat-${codec}`;
const txnTopic = `${run}-txn`;
const appendTimeTopic = `${run}-append-time`;

let brokers: string;
let reader: JavaConsumer;
let committedReader: JavaConsumer;
const committedGroup = `${run}-read-committed`;

const binaryKey = Buffer.from([0x00, 0xff, 0x0a, 0x0d, 0x80, 0x7f, 0x00]);
const binaryValue = Buffer.from([0xde, 0xad, 0x0a, 0x00, 0xbe, 0xef, 0xc3, 0x28]);
const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

function recordsOf(consumer: JavaConsumer, topic: string): ConsumedRecord[] {
  return consumer.records.filter((r) => r.topic === topic).sort((a, b) => a.offset - b.offset);
}

async function readTopic(consumer: JavaConsumer, topic: string, count: number) {
  await consumer.waitFor((c) => recordsOf(c, topic).length >= count, 30_000);
  return recordsOf(consumer, topic);
}

beforeAll(async () => {
  brokers = testBrokers();
  const started = Date.now();
  await compileForeignClient();
  console.log(`ForeignClient.java ready in ${Date.now() - started} ms`);
  await Promise.all([
    ...codecs.flatMap((codec) => [createTopic(javaTopic(codec)), createTopic(kcatTopic(codec))]),
    createTopic(txnTopic),
    createTopic(appendTimeTopic, 1, { 'message.timestamp.type': 'LogAppendTime' }),
  ]);
  const allTopics = [
    ...codecs.flatMap((codec) => [javaTopic(codec), kcatTopic(codec)]),
    txnTopic,
    appendTimeTopic,
  ];
  [reader, committedReader] = await Promise.all([
    startJavaConsumer({ brokers, topic: allTopics, groupId: `${run}-reader` }),
    startJavaConsumer({
      brokers,
      topic: txnTopic,
      groupId: committedGroup,
      properties: { 'isolation.level': 'read_committed' },
    }),
  ]);
  await Promise.all([
    reader.waitFor((c) => c.assignment.length === allTopics.length),
    committedReader.waitFor((c) => c.assignment.length === 1),
  ]);
});

afterAll(async () => {
  await Promise.all([reader?.close(), committedReader?.close()]);
});

test('the Java consumer runs with the default group protocol and owns every partition', () => {
  expect(reader.events[0]).toEqual({ type: 'started', groupProtocol: 'classic (default)' });
  expect(reader.assignment.map((tp) => tp.topic).sort()).toEqual(
    [...codecs.flatMap((c) => [javaTopic(c), kcatTopic(c)]), txnTopic, appendTimeTopic].sort(),
  );
});

describe.each(codecs)('compression %s', (codec) => {
  test('Java writes binary keys, null and repeated headers and a tombstone, byte for byte', async () => {
    const records: ForeignRecord[] = [
      {
        key: binaryKey,
        value: binaryValue,
        timestamp: 1_700_000_000_123,
        headers: [
          { name: 'trace', value: null },
          { name: 'kind', value: bytes('first') },
        ],
      },
      {
        key: bytes('k2'),
        value: bytes(`two ${codec} `.repeat(20)),
        headers: [
          { name: 'dup', value: bytes('1') },
          { name: 'other', value: Buffer.from([0x00, 0x01, 0xff]) },
          { name: 'dup', value: bytes('2') },
          { name: 'dup', value: Buffer.alloc(0) },
        ],
      },
      { key: bytes('k3'), value: null },
    ];
    const started = Date.now();
    const acks = await javaProduce({
      brokers,
      topic: javaTopic(codec),
      compression: codec,
      records,
    });
    console.log(`javaProduce ${codec}: ${Date.now() - started} ms`);
    expect(acks.map(({ partition, offset }) => ({ partition, offset }))).toEqual([
      { partition: 0, offset: 0 },
      { partition: 0, offset: 1 },
      { partition: 0, offset: 2 },
    ]);

    const read = await readTopic(reader, javaTopic(codec), 3);
    expect(read).toEqual([
      {
        topic: javaTopic(codec),
        partition: 0,
        offset: 0,
        timestamp: 1_700_000_000_123,
        timestampType: 'CreateTime',
        key: binaryKey,
        value: binaryValue,
        headers: [
          { name: 'trace', value: null },
          { name: 'kind', value: bytes('first') },
        ],
      },
      expect.objectContaining({
        offset: 1,
        key: bytes('k2'),
        value: bytes(`two ${codec} `.repeat(20)),
        headers: [
          { name: 'dup', value: bytes('1') },
          { name: 'other', value: Buffer.from([0x00, 0x01, 0xff]) },
          { name: 'dup', value: bytes('2') },
          { name: 'dup', value: Buffer.alloc(0) },
        ],
      }),
      expect.objectContaining({ offset: 2, key: bytes('k3'), value: null, headers: [] }),
    ]);
    expect(read[1]?.timestamp).toBe(acks[1]?.timestamp);
  });

  kcatTest('kcat writes binary keys and values, a null key, a tombstone and headers', async () => {
    if (!hasKcat) throw new Error('CI is set, so this test must run, but kcat is not installed');
    const headers = [
      { name: 'h', value: null },
      { name: 'h', value: bytes('x=y') },
      { name: 'empty', value: Buffer.alloc(0) },
    ];
    const records: KcatRecord[] = [
      { key: binaryKey, value: binaryValue, headers },
      { key: null, value: bytes(`no key ${codec} `.repeat(20)), headers },
      { key: bytes('k3'), value: null, headers },
    ];
    expect(kcatRuns({ records })).toBe(1); // one kcat run: the records can share a batch
    const started = Date.now();
    const acks = await kcatProduce({
      brokers,
      topic: kcatTopic(codec),
      compression: codec,
      records,
    });
    console.log(`kcatProduce ${codec}: ${Date.now() - started} ms`);
    expect(acks).toEqual([
      { partition: 0, offset: 0 },
      { partition: 0, offset: 1 },
      { partition: 0, offset: 2 },
    ]);

    const read = await readTopic(reader, kcatTopic(codec), 3);
    expect(
      read.map(({ offset, key, value, headers: h }) => ({ offset, key, value, headers: h })),
    ).toEqual([
      { offset: 0, key: binaryKey, value: binaryValue, headers },
      { offset: 1, key: null, value: bytes(`no key ${codec} `.repeat(20)), headers },
      { offset: 2, key: bytes('k3'), value: null, headers },
    ]);
    expect(read.every((r) => r.timestampType === 'CreateTime')).toBe(true);
  });
});

test('a read_committed consumer sees the committed transaction and not the aborted one', async () => {
  const aborted = await javaProduce({
    brokers,
    topic: txnTopic,
    compression: 'lz4',
    transactional: 'abort',
    records: [0, 1, 2].map((i) => ({ key: bytes(`a${i}`), value: bytes(`aborted-${i}`) })),
  });
  const committed = await javaProduce({
    brokers,
    topic: txnTopic,
    compression: 'lz4',
    transactional: 'commit',
    records: [0, 1].map((i) => ({ key: bytes(`c${i}`), value: bytes(`committed-${i}`) })),
  });
  expect(aborted.map((a) => a.offset)).toEqual([0, 1, 2]);
  // Offset 3 holds the abort marker.
  expect(committed.map((a) => a.offset)).toEqual([4, 5]);

  // The aborted records come first, so once the committed ones are read they were passed over.
  const seen = await readTopic(committedReader, txnTopic, 2);
  expect(seen.map((r) => [r.offset, r.value?.toString()])).toEqual([
    [4, 'committed-0'],
    [5, 'committed-1'],
  ]);
  // The default isolation (read_uncommitted) reads the aborted records too.
  const all = await readTopic(reader, txnTopic, 5);
  expect(all.map((r) => r.value?.toString())).toEqual([
    'aborted-0',
    'aborted-1',
    'aborted-2',
    'committed-0',
    'committed-1',
  ]);

  // Every printed record is committed right after it was printed.
  await committedReader.waitFor((c) =>
    c.events.some((e) => e.type === 'committed' && e.offsets.some((o) => o.offset === 6)),
  );
  expect(await committedOffset(committedGroup, txnTopic)).toBe(6);
  await committedReader.close();
  expect(await committedOffset(committedGroup, txnTopic)).toBe(6);
});

test('on a LogAppendTime topic the broker replaces the producer timestamp', async () => {
  const before = Date.now();
  const acks = await javaProduce({
    brokers,
    topic: appendTimeTopic,
    compression: 'zstd',
    records: [0, 1].map((i) => ({ value: bytes(`at-${i}`), timestamp: 1_000_000_000_000 })),
  });
  const read = await readTopic(reader, appendTimeTopic, 2);
  for (const [i, record] of read.entries()) {
    expect(record.timestampType).toBe('LogAppendTime');
    expect(record.timestamp).not.toBe(1_000_000_000_000);
    expect(record.timestamp).toBeGreaterThanOrEqual(before - 1_000);
    expect(record.timestamp).toBe(acks[i]?.timestamp);
  }
});

test('each produce call above is one stored batch, compressed with its codec', async () => {
  const written = codecs.flatMap((codec) => [
    { codec, topic: javaTopic(codec) },
    ...(hasKcat ? [{ codec, topic: kcatTopic(codec) }] : []),
  ]);
  const [txn, ...batches] = await storedBatches([{ topic: txnTopic }, ...written]);
  written.forEach(({ codec, topic }, i) => {
    expect({ topic, batches: batches[i] }).toEqual({
      topic,
      batches: [
        expect.objectContaining({
          baseOffset: 0,
          lastOffset: 2,
          count: 3,
          magic: 2,
          compression: codec,
          isTransactional: false,
          isControl: false,
        }),
      ],
    });
  });
  console.log(
    written
      .map(({ topic }, i) => `${topic.slice(run.length + 1)}: ${batches[i]?.[0]?.size} bytes`)
      .join(', '),
  );
  // Aborted batch, abort marker, committed batch, commit marker.
  expect(txn?.map((b) => [b.baseOffset, b.lastOffset, b.isTransactional, b.isControl])).toEqual([
    [0, 2, true, false],
    [3, 3, true, true],
    [4, 5, true, false],
    [6, 6, true, true],
  ]);
});
