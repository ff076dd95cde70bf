// Every compression codec a Kafka record batch can carry, registered with KafkaJS (which only knows
// gzip). Producers elsewhere set `compression.type`, so a consumer must read all of them, and
// service-a can write each (PRODUCE_COMPRESSION).
//
// Packages, all installed from the npm registry alone (no install script downloads anything):
// - snappy (napi-rs): prebuilt native binaries published as per-platform npm packages.
// - lz4-napi (napi-rs): the same, for the LZ4 frame format Kafka uses.
// - zstd: @bokuweb/zstd-wasm compresses (WebAssembly inside the package); fzstd, a pure-JS
//   streaming decoder, decompresses, because Java's and librdkafka's streaming encoders write
//   frames without a content size, which a one-shot WASM decoder cannot size its output for.
//
// A batch that cannot be decompressed (an unknown codec id, corrupt bytes, a codec failure) does
// not throw: KafkaJS would fail the whole fetch and crash the consumer for good, stopping every
// partition. Instead the batch decodes as placeholder records, one per record it holds, the last
// one at the batch's last offset (so KafkaJS never skips past the batch as "filtered out").
// `undecodableBatch(message)` recognises them; service-b holds that partition and says why.
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { compress as zstdCompress, init as zstdInit } from '@bokuweb/zstd-wasm';
import { decompress as zstdDecompress } from 'fzstd';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { compressFrame as lz4Compress, decompressFrame as lz4Decompress } from 'lz4-napi';
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappy';

export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** KafkaJS's enum value for a compression name. */
export function compressionType(name: Compression): CompressionTypes {
  switch (name) {
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'snappy':
      return CompressionTypes.Snappy;
    case 'lz4':
      return CompressionTypes.LZ4;
    case 'zstd':
      return CompressionTypes.ZSTD;
    default:
      return CompressionTypes.None;
  }
}

interface Codec {
  name: string;
  compress(data: Buffer): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

const gzip = promisify(zlib.gzip);
const unzip = promisify(zlib.unzip);

// Snappy inside Kafka: Java producers (snappy-java) write the "xerial" stream: a 16-byte header,
// then blocks each prefixed by its 4-byte length. librdkafka writes a plain snappy block. Both are
// read; the xerial form is written, since every Kafka client reads it.
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
const XERIAL_BLOCK_BYTES = 32 * 1024;

async function snappyFrom(data: Buffer): Promise<Buffer> {
  if (data.length < XERIAL_HEADER_BYTES || !data.subarray(0, 8).equals(XERIAL_MAGIC)) {
    return (await snappyUncompress(data)) as Buffer;
  }
  const blocks: Buffer[] = [];
  for (let at = XERIAL_HEADER_BYTES; at < data.length;) {
    if (at + 4 > data.length) throw new Error('truncated xerial snappy block length');
    const length = data.readInt32BE(at);
    at += 4;
    if (length < 0 || at + length > data.length) throw new Error('truncated xerial snappy block');
    blocks.push((await snappyUncompress(data.subarray(at, at + length))) as Buffer);
    at += length;
  }
  return Buffer.concat(blocks);
}

async function snappyTo(data: Buffer): Promise<Buffer> {
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header);
  header.writeInt32BE(1, 8); // version
  header.writeInt32BE(1, 12); // oldest compatible version
  const parts: Buffer[] = [header];
  for (let at = 0; at < data.length; at += XERIAL_BLOCK_BYTES) {
    const block = await snappyCompress(data.subarray(at, at + XERIAL_BLOCK_BYTES));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

let zstdReady: Promise<void> | undefined;

const CODECS: Record<number, Codec> = {
  [CompressionTypes.GZIP]: { name: 'gzip', compress: (d) => gzip(d), decompress: (d) => unzip(d) },
  [CompressionTypes.Snappy]: { name: 'snappy', compress: snappyTo, decompress: snappyFrom },
  [CompressionTypes.LZ4]: {
    name: 'lz4',
    compress: (d) => lz4Compress(d),
    decompress: (d) => lz4Decompress(d),
  },
  [CompressionTypes.ZSTD]: {
    name: 'zstd',
    async compress(data) {
      zstdReady ??= zstdInit();
      await zstdReady;
      return Buffer.from(zstdCompress(data, 3));
    },
    decompress: async (data) => {
      const out = zstdDecompress(data);
      return Buffer.from(out.buffer, out.byteOffset, out.length);
    },
  },
};

/** Codec ids 5 to 7 are unassigned in Kafka today; a batch carrying one is held, not a crash. */
const UNKNOWN_CODEC_IDS = [5, 6, 7];

// Placeholder records carry this process's random token as their key: no record from a producer can
// be taken for one.
const TOKEN = randomBytes(16);

export interface UndecodableBatch {
  /** First and last offset the batch covers (moving to lastOffset + 1 skips it). */
  firstOffset: string;
  lastOffset: string;
  codec: string;
  reason: string;
}

/** The batch a placeholder record stands for, or undefined for a real record. */
export function undecodableBatch(message: {
  key: Buffer | null;
  value: Buffer | null;
}): UndecodableBatch | undefined {
  const { key, value } = message;
  if (key === null || value === null || key.length !== TOKEN.length || !key.equals(TOKEN)) {
    return undefined;
  }
  return JSON.parse(value.toString('utf8')) as UndecodableBatch;
}

// A v2 record batch header, in bytes: baseOffset 8, length 4, leaderEpoch 4, magic 1, crc 4,
// attributes 2, lastOffsetDelta 4, timestamps 16, producer id and epoch 10, base sequence 4,
// record count 4. KafkaJS hands a codec the bytes after it, as a view into the fetch response.
const BATCH_HEADER_BYTES = 61;

interface BatchHeader {
  firstOffset: bigint;
  lastOffsetDelta: number;
  count: number;
}

/** Reads the header of the batch `compressed` belongs to; undefined when it is not where expected. */
function batchHeaderOf(compressed: Buffer, codecId: number): BatchHeader | undefined {
  if (compressed.byteOffset < BATCH_HEADER_BYTES) return undefined;
  const header = Buffer.from(
    compressed.buffer,
    compressed.byteOffset - BATCH_HEADER_BYTES,
    BATCH_HEADER_BYTES,
  );
  const length = header.readInt32BE(8);
  const magic = header.readInt8(16);
  const attributes = header.readInt16BE(21);
  if (magic !== 2 || (attributes & 0x07) !== codecId) return undefined;
  if (length !== BATCH_HEADER_BYTES - 12 + compressed.length) return undefined;
  return {
    firstOffset: header.readBigInt64BE(0),
    lastOffsetDelta: header.readInt32BE(23),
    count: header.readInt32BE(57),
  };
}

function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = zigzag(value);
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** `count` placeholder records in Kafka's record format, the last at the batch's last offset. */
function placeholderRecords(header: BatchHeader, about: UndecodableBatch): Buffer {
  const value = Buffer.from(JSON.stringify(about), 'utf8');
  const records: Buffer[] = [];
  for (let i = 0; i < header.count; i++) {
    const offsetDelta = i === header.count - 1 ? header.lastOffsetDelta : i;
    const body = Buffer.concat([
      Buffer.from([0]), // attributes
      varint(0), // timestamp delta
      varint(offsetDelta),
      varint(TOKEN.length),
      TOKEN,
      varint(value.length),
      value,
      varint(0), // no headers
    ]);
    records.push(varint(body.length), body);
  }
  return Buffer.concat(records);
}

function readVarint(data: Buffer, at: number): [number, number] | undefined {
  let result = 0;
  let scale = 1;
  for (let i = at; i < data.length && i < at + 5; i++) {
    const byte = data[i] ?? 0;
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) return [result % 2 === 0 ? result / 2 : -(result + 1) / 2, i + 1];
    scale *= 0x80;
  }
  return undefined;
}

/** Whether `data` holds `count` length-prefixed records and nothing else. */
function holdsRecords(data: Buffer, count: number): boolean {
  let at = 0;
  for (let i = 0; i < count; i++) {
    const length = readVarint(data, at);
    if (!length || length[0] < 0) return false;
    at = length[1] + length[0];
    if (at > data.length) return false;
  }
  return at === data.length;
}

/** The KafkaJS codec for one codec id: real codecs decode, any failure becomes placeholders. */
function kafkajsCodec(codecId: number, codec: Codec | undefined) {
  const name = codec?.name ?? `unknown codec ${codecId}`;
  return {
    async compress(encoder: { buffer: Buffer }): Promise<Buffer> {
      if (!codec) throw new Error(`cannot compress with ${name}`);
      return codec.compress(encoder.buffer);
    },
    async decompress(compressed: Buffer): Promise<Buffer> {
      const header = batchHeaderOf(compressed, codecId);
      let reason: string;
      try {
        if (!codec) throw new Error(`compression codec id ${codecId} is not one Kafka defines`);
        const records = await codec.decompress(compressed);
        if (!header || holdsRecords(records, header.count)) return records;
        reason = `the ${name} data decompressed but does not hold the ${header.count} records the batch announces`;
      } catch (error) {
        // Not a batch as expected: let KafkaJS report the error as before.
        if (!header) throw error;
        reason = `${name}: ${(error as Error).message}`;
      }
      const lastOffset = header.firstOffset + BigInt(header.lastOffsetDelta);
      return placeholderRecords(header, {
        firstOffset: header.firstOffset.toString(),
        lastOffset: lastOffset.toString(),
        codec: name,
        reason,
      });
    },
  };
}

let registered = false;

/** Registers every codec with KafkaJS; call before the first fetch or send. Idempotent. */
export function registerCompressionCodecs(): void {
  if (registered) return;
  registered = true;
  const codecs = CompressionCodecs as Record<number, () => ReturnType<typeof kafkajsCodec>>;
  for (const id of [1, 2, 3, 4, ...UNKNOWN_CODEC_IDS]) {
    const codec = kafkajsCodec(id, CODECS[id]);
    codecs[id] = () => codec;
  }
}
