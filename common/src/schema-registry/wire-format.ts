// The Confluent wire format, written by every Confluent-compatible serializer (Java, librdkafka,
// Go, .NET, Apicurio in its Confluent mode): a magic byte 0, the schema id as a 4-byte big-endian
// integer, then the payload. Protobuf payloads start with the path of the message type within its
// .proto file ("message indexes"), as zigzag varints: a count, then that many indexes, where the
// single byte 0 stands for [0], the first message of the file. Pure: no I/O.

export const MAGIC_BYTE = 0;
export const HEADER_BYTES = 5;

export interface Framed {
  schemaId: number;
  /** The bytes after the magic byte and the schema id. */
  payload: Buffer;
}

/** The schema id and payload of a framed value; undefined when the bytes are not framed. */
export function unframe(bytes: Buffer | null): Framed | undefined {
  if (bytes === null || bytes.length < HEADER_BYTES || bytes[0] !== MAGIC_BYTE) return undefined;
  return { schemaId: bytes.readUInt32BE(1), payload: bytes.subarray(HEADER_BYTES) };
}

/** Just the schema id, without slicing the payload (the consumer's scan of every batch). */
export function framedSchemaId(bytes: Buffer | null): number | undefined {
  if (bytes === null || bytes.length < HEADER_BYTES || bytes[0] !== MAGIC_BYTE) return undefined;
  return bytes.readUInt32BE(1);
}

export function frame(schemaId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(MAGIC_BYTE, 0);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, payload]);
}

function readZigzag(bytes: Buffer, start: number): { value: number; next: number } {
  let result = 0;
  let shift = 0;
  let at = start;
  for (;;) {
    if (at >= bytes.length) throw new RangeError('the message indexes end early');
    const byte = bytes[at++] as number;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
    if (shift > 28) throw new RangeError('a message index is too long');
  }
  // Zigzag: 0, -1, 1, -2, ... are written as 0, 1, 2, 3, ...
  return { value: result % 2 === 0 ? result / 2 : -(result + 1) / 2, next: at };
}

function writeZigzag(value: number, out: number[]): void {
  let n = value >= 0 ? value * 2 : -value * 2 - 1;
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

/** Splits a Protobuf payload into its message indexes and the Protobuf bytes of the message. */
export function readMessageIndexes(payload: Buffer): { indexes: number[]; message: Buffer } {
  const count = readZigzag(payload, 0);
  if (count.value === 0) return { indexes: [0], message: payload.subarray(count.next) };
  if (count.value < 0 || count.value > 100) throw new RangeError('bad message index count');
  const indexes: number[] = [];
  let at = count.next;
  for (let i = 0; i < count.value; i++) {
    const index = readZigzag(payload, at);
    if (index.value < 0) throw new RangeError('a negative message index');
    indexes.push(index.value);
    at = index.next;
  }
  return { indexes, message: payload.subarray(at) };
}

export function writeMessageIndexes(indexes: readonly number[]): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0]);
  const out: number[] = [];
  writeZigzag(indexes.length, out);
  for (const index of indexes) writeZigzag(index, out);
  return Buffer.from(out);
}
