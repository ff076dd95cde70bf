// Records written by clients this project did not write, delivered by service-b on every read
// path. Apache Kafka's Java client and kcat (librdkafka) write with every codec; the records carry
// tombstones, empty values, binary keys and values, null, binary and repeated headers; a Java
// transaction is aborted and another committed; a 900 KB value; a LogAppendTime topic. Four
// service-b instances, each in its own group, read the same topic: batch GET, single GET, the SSE
// stream and raw octet-stream GET. Each must deliver every committed record exactly as written.
import request from 'supertest';
import type { ServiceB } from '../../../service-b/src/service';
import {
  compileForeignClient,
  javaProduce,
  startJavaConsumer,
  type Ack,
  type Compression,
  type ForeignHeader,
  type ForeignRecord,
} from '../foreign/java-client';
import { kcatAvailable, kcatProduce, type KcatRecord } from '../foreign/kcat';
import { storedBatches } from '../foreign/log-batches';
import { createTopic, testBrokers, uniqueName } from '../kafka';
import { rawBody } from '../raw-body';
import { readBatches, readSingles, readStream, type Wire } from '../read-paths';
import { startA, startB } from '../services';

const CODECS: Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const bytes = (text: string) => Buffer.from(text, 'utf8');
const NOT_UTF8 = Buffer.from([0xff, 0xfe, 0x00, 0x80]);
const h = (name: string, value: string | Buffer | null): ForeignHeader => ({
  name,
  value: typeof value === 'string' ? bytes(value) : value,
});

/** What the Java client writes in each codec: every shape a record can take. */
function javaRecords(codec: string, partition: number): ForeignRecord[] {
  return [
    {
      partition,
      key: bytes(`order-${codec}`),
      value: bytes(`{"codec":"${codec}","greeting":"Hello, Kafka!"}`),
      headers: [h('source', 'java'), h('trace', null), h('tag', 'one'), h('tag', 'two')],
    },
    {
      partition,
      key: Buffer.from([0x00, 0xff, 0x10]),
      value: Buffer.concat([NOT_UTF8, bytes(codec)]),
      headers: [h('bin', NOT_UTF8), h('bin', 'text')],
    },
    { partition, key: bytes(`order-${codec}`), value: null },
    { partition, key: null, value: Buffer.alloc(0), headers: [] },
    {
      partition,
      key: bytes('k'),
      value: bytes(`plain text ✓ ${codec}`),
      headers: [h('tag', 'x'), h('other', 'y'), h('tag', null)],
    },
  ];
}

/** What kcat writes: it cannot give headers per record nor write binary headers. */
function kcatRecords(codec: string, partition: number): KcatRecord[] {
  return [
    {
      partition,
      key: bytes(`kcat-${codec}`),
      value: bytes(`from librdkafka ${codec}`),
      headers: [h('source', 'kcat'), h('dup', 'a'), h('dup', 'b'), h('nothing', null)],
    },
    { partition, key: Buffer.from([0xfe, 0x01]), value: Buffer.concat([NOT_UTF8, bytes(codec)]) },
    { partition, key: bytes(`kcat-${codec}`), value: null },
  ];
}

interface Written {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: ForeignHeader[];
  timestamp?: number;
}

function written(records: (ForeignRecord | KcatRecord)[], acks: Omit<Ack, 'timestamp'>[]) {
  expect(acks).toHaveLength(records.length);
  return records.map((record, i) => ({
    partition: acks[i]?.partition ?? -1,
    offset: String(acks[i]?.offset),
    key: record.key ?? null,
    value: record.value ?? null,
    headers: record.headers ?? [],
  }));
}

const asText = (b: Buffer) => {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return undefined;
  }
};

/** The JSON service-b documents for a record: the shape checked on every JSON read path. */
function expectedJson(record: Written): Record<string, unknown> {
  const key = record.key === null ? null : asText(record.key);
  const value = record.value === null ? null : asText(record.value);
  const byName = new Map<string, (Buffer | null)[]>();
  for (const { name, value: v } of record.headers)
    byName.set(name, [...(byName.get(name) ?? []), v]);
  const headers: Record<string, unknown> = {};
  const base64Headers: string[] = [];
  for (const [name, values] of byName) {
    const binary = values.some((v) => v !== null && asText(v) === undefined);
    if (binary) base64Headers.push(name);
    const shown = values.map((v) =>
      v === null ? null : binary ? v.toString('base64') : (asText(v) as string),
    );
    headers[name] = shown.length === 1 ? shown[0] : shown;
  }
  return {
    partition: record.partition,
    offset: record.offset,
    key: record.key === null ? null : (key ?? record.key.toString('base64')),
    ...(record.key !== null && key === undefined ? { keyEncoding: 'base64' } : {}),
    value: record.value === null ? null : (value ?? record.value.toString('base64')),
    ...(record.value !== null && value === undefined ? { encoding: 'base64' } : {}),
    headers,
    ...(base64Headers.length > 0 ? { base64Headers } : {}),
  };
}

const id = (m: { partition: number; offset: string }) => `${m.partition}@${m.offset}`;

interface RawRead {
  partition: number;
  offset: string;
  key: string | undefined;
  keyEncoding: string | undefined;
  valueState: string | undefined;
  body: Buffer;
}

async function readRaw(service: ServiceB, count: number): Promise<RawRead[]> {
  const got: RawRead[] = [];
  while (got.length < count) {
    const res = await request(service.url)
      .get('/api/messages?waitMs=5000')
      .set('Accept', 'application/octet-stream')
      .buffer(true)
      .parse(rawBody);
    if (res.status === 204) break;
    expect(res.status).toBe(200);
    got.push({
      partition: Number(res.headers['kafka-partition']),
      offset: String(res.headers['kafka-offset']),
      key: res.headers['kafka-key'] as string | undefined,
      keyEncoding: res.headers['kafka-key-encoding'] as string | undefined,
      valueState: res.headers['kafka-value'] as string | undefined,
      body: res.body as Buffer,
    });
  }
  return got;
}

/** Each expected record delivered once, with its documented JSON form, and nothing else. */
function expectDeliveredAsJson(got: Wire[], expected: Written[]) {
  expect(got.map(id).sort()).toEqual(expected.map(id).sort());
  const byId = new Map(got.map((m) => [id(m), m]));
  for (const record of expected) {
    expect({ at: id(record), ...byId.get(id(record)) }).toMatchObject({
      at: id(record),
      ...expectedJson(record),
    });
  }
}

/** The tests, against the broker in KAFKA_TEST_BROKERS (`label` names it). */
export function foreignProducerSuite(label: string): void {
  describe(label, () => {
    describe('records from the Java client and kcat, on every read path', () => {
      const topic = uniqueName('foreign-producers');
      const services: ServiceB[] = [];
      let expected: Written[] = [];
      let aborted: Written[] = [];
      const brokers = () => testBrokers();

      beforeAll(async () => {
        expect(kcatAvailable()).toBe(true);
        await Promise.all([compileForeignClient(), createTopic(topic, 2)]);
        const writes: Written[] = [];
        // Sequentially: each call is its own batch (several records, one codec).
        for (const [i, compression] of CODECS.entries()) {
          const records = javaRecords(compression, i % 2);
          const acks = await javaProduce({ brokers: brokers(), topic, compression, records });
          writes.push(...written(records, acks));
          const kcat = kcatRecords(compression, (i + 1) % 2);
          const kcatAcks = await kcatProduce({
            brokers: brokers(),
            topic,
            compression,
            records: kcat,
          });
          writes.push(...written(kcat, kcatAcks));
        }
        // A transaction aborted, one committed, then a plain record behind the markers.
        const abortedRecords = [0, 1, 2].map((i) => ({
          partition: 0,
          value: bytes(`aborted ${i}`),
        }));
        const abortAcks = await javaProduce({
          brokers: brokers(),
          topic,
          compression: 'lz4',
          records: abortedRecords,
          transactional: 'abort',
        });
        aborted = written(abortedRecords, abortAcks);
        const committed = [0, 1, 2].map((i) => ({
          partition: i % 2,
          value: bytes(`committed ${i}`),
        }));
        writes.push(
          ...written(
            committed,
            await javaProduce({
              brokers: brokers(),
              topic,
              compression: 'zstd',
              records: committed,
              transactional: 'commit',
            }),
          ),
        );
        const large = [
          { partition: 1, key: bytes('large'), value: Buffer.alloc(900 * 1024, 'x') },
          { partition: 0, value: bytes('after the transactions') },
        ];
        writes.push(
          ...written(
            large,
            await javaProduce({ brokers: brokers(), topic, compression: 'snappy', records: large }),
          ),
        );
        expected = writes;
        for (let i = 0; i < 4; i++) {
          services.push(
            await startB({
              KAFKA_TOPIC: topic,
              KAFKA_GROUP_ID: uniqueName(`foreign-reader-${i}`),
              KAFKA_TOPIC_PARTITIONS: '2',
            }),
          );
        }
      });
      afterAll(async () => {
        await Promise.all(services.map((service) => service.stop()));
      });

      it('delivers every committed record on batch GET, exactly as written, and no aborted one', async () => {
        const [service] = services;
        const got = await readBatches(service as ServiceB, expected.length);
        expectDeliveredAsJson(got, expected);
        const values = got.map((m) => m.value);
        for (const record of aborted) expect(values).not.toContain(record.value?.toString());
        // The large value is delivered whole.
        const large = got.find((m) => m.key === 'large');
        expect((large?.value as string).length).toBe(900 * 1024);
      });

      it('delivers the same on single GET', async () => {
        expectDeliveredAsJson(
          await readSingles(services[1] as ServiceB, expected.length),
          expected,
        );
      });

      it('delivers the same on the SSE stream', async () => {
        expectDeliveredAsJson(await readStream(services[2] as ServiceB, expected.length), expected);
      });

      it('delivers the bytes themselves on octet-stream GET, tombstones marked null', async () => {
        const got = await readRaw(services[3] as ServiceB, expected.length);
        expect(got.map(id).sort()).toEqual(expected.map(id).sort());
        const byId = new Map(got.map((m) => [id(m), m]));
        for (const record of expected) {
          const raw = byId.get(id(record));
          expect(raw?.body).toEqual(record.value ?? Buffer.alloc(0));
          expect(raw?.valueState).toBe(record.value === null ? 'null' : undefined);
          if (record.key === null) {
            expect(raw?.key).toBeUndefined();
          } else {
            const key =
              raw?.keyEncoding === 'base64'
                ? Buffer.from(raw.key ?? '', 'base64')
                : bytes(raw?.key ?? '');
            expect(key).toEqual(record.key);
          }
        }
      });
    });

    describe('a LogAppendTime topic written by the Java client', () => {
      it("shows the broker's append time, not the producer's", async () => {
        const topic = uniqueName('append-time');
        await Promise.all([
          compileForeignClient(),
          createTopic(topic, 1, { 'message.timestamp.type': 'LogAppendTime' }),
        ]);
        const records = [0, 1].map((i) => ({ value: bytes(`stamped ${i}`), timestamp: 1_000 + i }));
        const acks = await javaProduce({
          brokers: testBrokers(),
          topic,
          compression: 'gzip',
          records,
        });
        const service = await startB({ KAFKA_TOPIC: topic, KAFKA_GROUP_ID: uniqueName('append') });
        try {
          const got = await readBatches(service, 2);
          expect(got.map((m) => m.timestamp)).toEqual(
            acks.map((ack) => new Date(ack.timestamp).toISOString()),
          );
          expect(acks.every((ack) => ack.timestamp > 1_000_000)).toBe(true);
        } finally {
          await service.stop();
        }
      });
    });

    describe('service-a writing with every codec', () => {
      it.each(CODECS)(
        'with PRODUCE_COMPRESSION=%s, the broker stores that codec and the Java consumer reads every record',
        async (compression) => {
          const topic = uniqueName(`service-a-${compression}`);
          const a = await startA({ KAFKA_TOPIC: topic, PRODUCE_COMPRESSION: compression });
          try {
            const values = [0, 1, 2, 3, 4].map((i) => `{"n":${i},"codec":"${compression}"}`);
            const res = await request(a.url)
              .post('/api/messages/batch')
              .send({ messages: values.map((v) => ({ value: JSON.parse(v) as unknown })) });
            expect(res.status).toBe(200);
            await compileForeignClient();
            const java = await startJavaConsumer({
              brokers: testBrokers(),
              topic,
              groupId: uniqueName('java-reader'),
            });
            try {
              await java.waitFor((c) => c.records.length >= values.length, 30_000);
              expect(java.records.map((r) => r.value?.toString())).toEqual(values);
            } finally {
              await java.close();
            }
            if (process.env.KAFKA_TEST_DATA_DIR) {
              const [batches] = await storedBatches([{ topic }]);
              expect(batches?.map((b) => [b.compression, b.count])).toEqual([
                [compression === 'none' ? 'none' : compression, 5],
              ]);
            }
          } finally {
            await a.stop();
          }
        },
      );
    });
  });
}
