// A record as a raw HTTP answer (GET with Accept: application/octet-stream): the value's bytes are
// the body, where it was read and its key travel in `Kafka-*` response headers. Pure: no I/O.
import type { BufferedMessage } from '../delivery/delivery-buffer';
import { headerText, isoTimestamp } from './record-view';

/** Text an HTTP header carries unchanged: visible ASCII and inner spaces (edges are trimmed). */
const HEADER_SAFE = /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/;
/** Longer keys are left out: many HTTP clients refuse response headers beyond 8 to 16 KiB. */
export const MAX_RAW_KEY_CHARS = 8192;

export interface RawRecord {
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * The body and response headers for one record. A value larger than `maxValueBytes` is left out
 * like in JSON (`Kafka-Value: omitted`, its size in `Kafka-Value-Bytes`); a record without a value
 * answers an empty body with `Kafka-Value: null`, so a zero-length value stays distinguishable.
 */
export function rawRecord(message: BufferedMessage, maxValueBytes = Infinity): RawRecord {
  const headers: Record<string, string> = {
    'Kafka-Topic': message.topic,
    'Kafka-Partition': String(message.partition),
    'Kafka-Offset': message.offset,
    ...keyHeaders(message.key),
  };
  const timestamp = isoTimestamp(message.timestamp);
  if (timestamp) headers['Kafka-Timestamp'] = timestamp;
  const { value } = message;
  if (value === null) return { headers: { ...headers, 'Kafka-Value': 'null' }, body: EMPTY };
  if (value.length > maxValueBytes) {
    return {
      headers: { ...headers, 'Kafka-Value': 'omitted', 'Kafka-Value-Bytes': String(value.length) },
      body: EMPTY,
    };
  }
  return { headers, body: value };
}

const EMPTY = Buffer.alloc(0);

function keyHeaders(key: Buffer | null): Record<string, string> {
  if (key === null) return {};
  const text = headerText(key);
  const [value, encoded] =
    text !== undefined && HEADER_SAFE.test(text) ? [text, false] : [key.toString('base64'), true];
  if (value.length > MAX_RAW_KEY_CHARS) return { 'Kafka-Key-Omitted': String(key.length) };
  return { 'Kafka-Key': value, ...(encoded ? { 'Kafka-Key-Encoding': 'base64' } : {}) };
}
