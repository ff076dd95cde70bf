// The codecs registered with KafkaJS, through KafkaJS's own record-batch encoder and decoder: each
// codec round-trips, and a batch that cannot be decompressed decodes as placeholder records at the
// batch's offsets instead of throwing (which would crash the consumer).
import { CompressionTypes } from 'kafkajs';
import { compressSync } from 'snappy';
import {
  compressionType,
  COMPRESSIONS,
  registerCompressionCodecs,
  undecodableBatch,
} from '../../src/compression';

const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (batch: object) => Promise<{ buffer: Buffer }>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: object) => object;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (
  decoder: object,
) => Promise<{ records: DecodedRecord[] }>;
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => object;

interface DecodedRecord {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, unknown>;
}

beforeAll(() => registerCompressionCodecs());

async function encodeBatch(compression: CompressionTypes, count: number, firstOffset = 100) {
  const records = Array.from({ length: count }, (_, i) =>
    Record({
      offsetDelta: i,
      key: Buffer.from(`key-${i}`),
      value: Buffer.from(`value ${i} `.repeat(50)),
      headers: { n: [Buffer.from('a'), Buffer.from('b')] },
    }),
  );
  const encoded = await RecordBatch({
    compression,
    firstOffset: BigInt(firstOffset).toString(),
    lastOffsetDelta: count - 1,
    records,
  });
  return Buffer.from(encoded.buffer);
}

/** Where the compressed records start in an encoded v2 batch. */
const RECORDS_AT = 61;

describe('compression codecs', () => {
  it.each(COMPRESSIONS.filter((c) => c !== 'none'))(
    'when a batch is written with %s, then KafkaJS reads every record back',
    async (name) => {
      const batch = await encodeBatch(compressionType(name), 20);
      const { records } = await decodeBatch(new Decoder(batch));
      expect(records.map((r) => r.offset)).toEqual(
        Array.from({ length: 20 }, (_, i) => String(100 + i)),
      );
      expect(records[7]?.value?.toString()).toBe('value 7 '.repeat(50));
      expect(records[7]?.headers.n).toEqual([Buffer.from('a'), Buffer.from('b')]);
      expect(records.some((r) => undecodableBatch(r))).toBe(false);
    },
  );

  it('when snappy arrives as a plain block (librdkafka) or in xerial frames (Java), then both decode', async () => {
    const framed = await encodeBatch(CompressionTypes.Snappy, 3);
    expect(framed.subarray(RECORDS_AT, RECORDS_AT + 8).toString('latin1')).toBe('\x82SNAPPY\x00');
    // Rebuild the same batch with the records as one plain snappy block.
    const { records: original } = await decodeBatch(new Decoder(framed));
    expect(original).toHaveLength(3);
    const plainRecords = Buffer.concat(
      [0, 1, 2].map((i) => {
        const encoder = Record({ offsetDelta: i, key: null, value: Buffer.from(`v${i}`) }) as {
          buffer: Buffer;
        };
        return encoder.buffer;
      }),
    );
    const header = Buffer.from(framed.subarray(0, RECORDS_AT));
    const block = compressSync(plainRecords);
    header.writeInt32BE(RECORDS_AT - 12 + block.length, 8);
    const { records } = await decodeBatch(new Decoder(Buffer.concat([header, block])));
    expect(records.map((r) => r.value?.toString())).toEqual(['v0', 'v1', 'v2']);
  });

  it.each([
    ['lz4', CompressionTypes.LZ4],
    ['zstd', CompressionTypes.ZSTD],
    ['snappy', CompressionTypes.Snappy],
    ['gzip', CompressionTypes.GZIP],
  ])(
    'when a %s batch is corrupt, then it decodes as placeholders at its offsets, the last at its last offset',
    async (name, type) => {
      const batch = await encodeBatch(type, 5);
      // Flip bytes in the middle of the compressed data.
      for (let i = RECORDS_AT + 20; i < batch.length - 4; i += 7) batch[i] = (batch[i] ?? 0) ^ 0x5a;
      const { records } = await decodeBatch(new Decoder(batch));
      expect(records.map((r) => r.offset)).toEqual(['100', '101', '102', '103', '104']);
      const about = records.map((r) => undecodableBatch(r));
      expect(about.every((a) => a !== undefined)).toBe(true);
      expect(about[0]).toMatchObject({ firstOffset: '100', lastOffset: '104', codec: name });
      expect(about[0]?.reason).toMatch(new RegExp(`^(the )?${name}`));
    },
  );

  it('when a batch names a codec id Kafka does not define, then it decodes as placeholders', async () => {
    const batch = await encodeBatch(CompressionTypes.GZIP, 2, 7);
    // Attributes sit at byte 21; set the codec bits to 6.
    batch.writeInt16BE((batch.readInt16BE(21) & ~0x07) | 6, 21);
    const { records } = await decodeBatch(new Decoder(batch));
    expect(records.map((r) => r.offset)).toEqual(['7', '8']);
    expect(undecodableBatch(records[1] as DecodedRecord)).toMatchObject({
      codec: 'unknown codec 6',
      lastOffset: '8',
    });
  });

  it('when a compacted batch keeps fewer records than its offset span, then the last placeholder still sits at its last offset', async () => {
    const batch = await encodeBatch(CompressionTypes.LZ4, 3, 0);
    batch.writeInt32BE(9, 23); // lastOffsetDelta: records 0, 1 and 9 of a compacted span
    batch[RECORDS_AT + 10] = (batch[RECORDS_AT + 10] ?? 0) ^ 0xff;
    const { records } = await decodeBatch(new Decoder(batch));
    expect(records.map((r) => r.offset)).toEqual(['0', '1', '9']);
  });

  it('when a record merely looks like a placeholder, then it is a real record', () => {
    expect(
      undecodableBatch({ key: Buffer.alloc(16), value: Buffer.from('{"reason":"x"}') }),
    ).toBeUndefined();
    expect(undecodableBatch({ key: null, value: null })).toBeUndefined();
  });
});
