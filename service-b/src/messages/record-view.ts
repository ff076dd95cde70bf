// How a Kafka record is shown to an HTTP client. The record's `content-type` header (written by
// service-a) says how to read the value (application/octet-stream: always base64); records from
// other producers are shown as text when they are valid UTF-8, else as base64 with an `encoding`
// field saying so. Pure: no I/O.
// Avro records (content-type application/avro) are decoded with the schema their headers name, when
// this service has it; otherwise they are delivered as base64 with a warning saying why.
// Keys and values in the Confluent wire format (a 0 byte, a schema id, the payload) are decoded with
// the schema registry's schema, fetched by the consumer before the record was buffered; when it
// could not be had, the bytes are delivered as base64 with a warning saying why.
import {
  AVRO_CONTENT_TYPE,
  AVRO_FINGERPRINT_HEADER,
  AVRO_SCHEMA_HEADER,
  type AvroSchemaRegistry,
  type FramedDecoded,
  type RegistryInfo,
  type SchemaResolver,
} from '@kafka-http/common';
import { isUtf8 } from 'node:buffer';
import type { BufferedMessage } from '../delivery/delivery-buffer';
import { JsonWriter } from './json-writer';

export const BINARY_CONTENT_TYPE = 'application/octet-stream';

/** The bytes as text when they are valid UTF-8 (a byte order mark is kept), else undefined. */
function asText(bytes: Buffer): string | undefined {
  // Validating first is much cheaper than a fatal TextDecoder throwing for every binary value.
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined;
}

/** The first value of a header as text; undefined when absent, null or not UTF-8. */
export function headerText(value: BufferedMessage['headers'][string]): string | undefined {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string') return first;
  return Buffer.isBuffer(first) ? asText(first) : undefined;
}

export type ValueKind = 'json' | 'text' | 'base64' | 'null' | 'omitted';

/**
 * How a record's value is shown: text given as its UTF-8 bytes (`utf8`, the common case, written
 * into the JSON without becoming a string), or as the text, JSON or base64 it was turned into.
 */
export type RecordValue = Utf8Value | ShownValue;

/** A value that is UTF-8 text (no content type says otherwise), as the record's own bytes. */
export interface Utf8Value {
  kind: 'utf8';
  bytes: Buffer;
}

export interface ShownValue {
  kind: ValueKind;
  /** For json: compact JSON text; for text: the text; for base64: the encoded bytes. */
  text: string;
  /** Set when the record said JSON but its bytes are not valid JSON. */
  warning?: string;
  /** Set when the value is not included because it is larger than the response limit. */
  error?: string;
  /** The Avro schema the record names, decoded or not. */
  schema?: string;
  /** Where a Confluent-framed value's schema is registered (just its id when it was not found). */
  registry?: RegistryInfo | { id: number };
}

export interface RenderOptions {
  /** Values larger than this are left out, with an `error` saying so (they are still delivered). */
  maxValueBytes?: number;
  /** Extra string fields, e.g. the receipt of a manually acknowledged message. */
  extras?: Record<string, string>;
  /** The Avro schemas this service can decode with. */
  avro?: AvroSchemaRegistry;
  /** The schema registry's schemas, for Confluent-framed keys and values. */
  schemas?: SchemaResolver;
}

/** Content types of a record that may hold a Confluent-framed value: none, or the registry's. */
function mayBeFramed(contentType: string | undefined): boolean {
  return contentType === undefined || contentType.startsWith('application/vnd.schemaregistry');
}

function registryValue(decoded: FramedDecoded, value: Buffer): ShownValue {
  if (decoded.ok) {
    return {
      kind: 'json',
      text: decoded.json,
      registry: decoded.registry,
      ...(decoded.name === undefined ? {} : { schema: decoded.name }),
    };
  }
  return {
    kind: 'base64',
    text: value.toString('base64'),
    warning: `The value is in the schema registry's wire format, but ${decoded.reason}; it is the raw bytes, base64.`,
    registry: { id: decoded.schemaId },
  };
}

function readAvro(message: BufferedMessage, value: Buffer, avro?: AvroSchemaRegistry): ShownValue {
  const schemaName = headerText(message.headers[AVRO_SCHEMA_HEADER]);
  const fingerprint = headerText(message.headers[AVRO_FINGERPRINT_HEADER]);
  const decoded = avro?.decode(value, schemaName, fingerprint) ?? {
    ok: false as const,
    schemaName,
    reason: 'This service reads no Avro schemas; the value is the raw Avro binary, base64.',
  };
  if (decoded.ok) return { kind: 'json', text: decoded.json, schema: decoded.schema.name };
  return {
    kind: 'base64',
    text: value.toString('base64'),
    warning: decoded.reason,
    ...(schemaName === undefined ? {} : { schema: schemaName }),
  };
}

export function readValue(
  message: BufferedMessage,
  maxValueBytes = Infinity,
  avro?: AvroSchemaRegistry,
  schemas?: SchemaResolver,
): RecordValue {
  const { value } = message;
  if (value === null) return { kind: 'null', text: '' };
  if (value.length > maxValueBytes) {
    return {
      kind: 'omitted',
      text: '',
      error: `The value is ${value.length} bytes, more than the limit of ${maxValueBytes} (MAX_MESSAGE_BYTES); it is left out. Read it with a Kafka client at this offset.`,
    };
  }
  const contentType = headerText(message.headers['content-type'])
    ?.split(';')[0]
    ?.trim()
    .toLowerCase();
  if (contentType === AVRO_CONTENT_TYPE) return readAvro(message, value, avro);
  if (schemas && mayBeFramed(contentType)) {
    const decoded = schemas.decode(value, `${message.topic}-value`);
    if (decoded) return registryValue(decoded, value);
  }
  // A binary record (service-a writes application/octet-stream) is base64 even when its bytes
  // happen to be UTF-8: the client gets back bytes, never a guess at text.
  if (contentType === BINARY_CONTENT_TYPE || !isUtf8(value)) {
    return { kind: 'base64', text: value.toString('base64') };
  }
  if (contentType !== 'application/json') return { kind: 'utf8', bytes: value };
  const text = value.toString('utf8');
  try {
    JSON.parse(text);
    return { kind: 'json', text };
  } catch {
    return {
      kind: 'text',
      text,
      warning: 'The record says application/json but is not valid JSON.',
    };
  }
}

/**
 * A header's value on HTTP: text, null for a null value (legal in Kafka), or an array of those, in
 * record order, when the record repeats the name.
 */
export type HeaderValue = string | null | (string | null)[];

export interface HeaderView {
  headers: Record<string, HeaderValue>;
  /** Names whose values are not all UTF-8: every non-null value of such a name is base64. */
  base64: string[];
}

const NO_BASE64: string[] = [];
const NO_HEADERS = { json: '{}', base64: NO_BASE64 };

export function readHeaders(message: BufferedMessage): HeaderView {
  // No prototype: a header may be called `__proto__`.
  const headers = Object.create(null) as Record<string, HeaderValue>;
  const base64: string[] = [];
  for (const name in message.headers) {
    const raw = message.headers[name];
    const values: unknown[] = Array.isArray(raw) ? raw : [raw];
    const bytes = values.map((v) =>
      typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.isBuffer(v) ? v : null,
    );
    let texts = bytes.map((b) => (b === null ? null : asText(b)));
    if (texts.some((text) => text === undefined)) {
      base64.push(name);
      texts = bytes.map((b) => (b === null ? null : b.toString('base64')));
    }
    const shown = texts as (string | null)[];
    headers[name] = shown.length === 1 ? (shown[0] ?? null) : shown;
  }
  return { headers, base64: base64.length === 0 ? NO_BASE64 : base64 };
}

/** The `headers` member's JSON: most records carry none, or a few text ones. */
function headersJson(message: BufferedMessage): { json: string; base64: string[] } {
  // for..in is the cheapest way to find out that there are none.
  for (const _name in message.headers) {
    const { headers, base64 } = readHeaders(message);
    return { json: JSON.stringify(headers), base64 };
  }
  return NO_HEADERS;
}

/**
 * Writes the JSON of one record. A JSON value is spliced in as the text it was stored as, so large
 * numbers and key order come back exactly as they were sent. Never throws: a record that cannot
 * be shown as it asks is shown with its bytes as base64 and an `error` saying why.
 */
export function writeRecordJson(
  out: JsonWriter,
  message: BufferedMessage,
  options: RenderOptions = {},
): void {
  const start = out.length;
  try {
    renderRecordJson(out, message, options);
  } catch (error) {
    out.truncate(start);
    out.write(fallbackRecordJson(message, error, options.extras));
  }
}

/** The JSON of one record, as a string. */
export function recordJson(message: BufferedMessage, options: RenderOptions = {}): string {
  const out = new JsonWriter(256 + (message.value?.length ?? 0) * 2);
  writeRecordJson(out, message, options);
  return out.toString();
}

/** The plainest faithful form: key, value and headers as base64, nothing interpreted. */
function fallbackRecordJson(
  message: BufferedMessage,
  error: unknown,
  extras: Record<string, string> = {},
): string {
  const b64 = (bytes: unknown) => (Buffer.isBuffer(bytes) ? bytes.toString('base64') : null);
  const headers: Record<string, string | null | (string | null)[]> = Object.create(null);
  for (const [name, raw] of Object.entries(message.headers ?? {})) {
    headers[name] = Array.isArray(raw) ? raw.map(b64) : b64(raw);
  }
  return JSON.stringify({
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: b64(message.key),
    keyEncoding: 'base64',
    value: b64(message.value),
    encoding: 'base64',
    error: `This record could not be shown as it asks (${String((error as Error)?.message ?? error)}); its key, value and header values are given as base64.`,
    headers,
    base64Headers: Object.keys(headers),
    timestamp: isoTimestamp(message.timestamp),
    ...extras,
  });
}

// This runs for every record delivered: at full speed the garbage of intermediate strings, arrays
// and objects costs more than the rendering, so text keys and values go from the record's bytes
// straight into the body, and the rest is written in as few pieces as it can be.
function renderRecordJson(out: JsonWriter, message: BufferedMessage, options: RenderOptions): void {
  const value = readValue(message, options.maxValueBytes, options.avro, options.schemas);
  // An offset is a decimal string: nothing in it needs escaping.
  const start = `{"topic":${topicJson(message.topic)},"partition":${message.partition},"offset":"${message.offset}","key":`;
  const { key } = message;
  const framedKey = options.schemas?.decode(key, `${message.topic}-key`);
  if (key === null) {
    out.write(`${start}null,"value":`);
  } else if (framedKey?.ok) {
    out.write(start);
    out.write(`${framedKey.json},"keyRegistry":${JSON.stringify(framedKey.registry)}`);
  } else if (framedKey) {
    out.write(start);
    out.write(
      `${JSON.stringify(key.toString('base64'))},"keyEncoding":"base64","keyRegistry":{"id":${framedKey.schemaId}},"keyWarning":${JSON.stringify(`The key is in the schema registry's wire format, but ${framedKey.reason}; it is the raw bytes, base64.`)}`,
    );
  } else if (isUtf8(key)) {
    out.write(start);
    out.writeJsonString(key);
  } else {
    out.write(`${start}${JSON.stringify(key.toString('base64'))},"keyEncoding":"base64"`);
  }
  if (key !== null) out.write(',"value":');
  if (value.kind === 'utf8') {
    out.writeJsonString(value.bytes);
  } else {
    writeShownValue(out, message, value);
  }
  const headers = headersJson(message);
  const timestamp = isoTimestamp(message.timestamp);
  // ISO 8601 text needs no escaping.
  let end = `,"headers":${headers.json}${headers.base64.length > 0 ? `,"base64Headers":${JSON.stringify(headers.base64)}` : ''}${timestamp === null ? ',"timestamp":null' : `,"timestamp":"${timestamp}"`}`;
  const { extras } = options;
  if (extras) {
    for (const name in extras) end += `,${JSON.stringify(name)}:${JSON.stringify(extras[name])}`;
  }
  out.write(`${end}}`);
}

/** A value that is not plain text, with what is said about it. */
function writeShownValue(out: JsonWriter, message: BufferedMessage, value: ShownValue): void {
  let json: string;
  switch (value.kind) {
    case 'json':
      json = value.text;
      break;
    case 'null':
    case 'omitted':
      json = 'null';
      break;
    case 'base64':
      json = `${JSON.stringify(value.text)},"encoding":"base64"`;
      break;
    default:
      json = JSON.stringify(value.text);
  }
  if (value.schema !== undefined) json += `,"valueSchema":${JSON.stringify(value.schema)}`;
  if (value.registry !== undefined) json += `,"valueRegistry":${JSON.stringify(value.registry)}`;
  if (value.warning) json += `,"warning":${JSON.stringify(value.warning)}`;
  if (value.error) {
    json += `,"error":${JSON.stringify(value.error)},"valueBytes":${message.value?.length ?? 0}`;
  }
  out.write(json);
}

let lastTopic = '';
let lastTopicJson = '""';

/** A topic's name as JSON; one service reads one topic, so the last one is kept. */
function topicJson(topic: string): string {
  if (topic !== lastTopic) {
    lastTopicJson = JSON.stringify(topic);
    lastTopic = topic;
  }
  return lastTopicJson;
}

/** The tutorial's plain-text answer (base64 of the value when it cannot be read). */
export function recordText(message: BufferedMessage, options: RenderOptions = {}): string {
  try {
    const value = readValue(message, options.maxValueBytes, options.avro, options.schemas);
    const text = value.kind === 'utf8' ? value.bytes.toString('utf8') : (value.error ?? value.text);
    return `Received message: ${text}`;
  } catch {
    return `Received message (base64): ${message.value?.toString('base64') ?? ''}`;
  }
}

// The ISO text up to the seconds, per second: batches interleave partitions whose records were
// written seconds apart, so one cached second would miss at almost every record.
const secondPrefixes = new Map<number, string>();

/** A record timestamp (milliseconds, as a string) in ISO 8601; null for Kafka's -1 (none). */
export function isoTimestamp(ms: string): string | null {
  const value = Number(ms);
  if (!Number.isFinite(value) || value < 0) return null;
  if (!Number.isInteger(value) || value > 8.64e15) return new Date(value).toISOString();
  // One Date per second of timestamps instead of one per record: the text up to the seconds is
  // kept, and the milliseconds are appended.
  const second = Math.floor(value / 1000);
  let prefix = secondPrefixes.get(second);
  if (prefix === undefined) {
    if (secondPrefixes.size >= 1024) secondPrefixes.clear();
    prefix = new Date(second * 1000).toISOString().slice(0, -4);
    secondPrefixes.set(second, prefix);
  }
  const milli = value - second * 1000;
  return `${prefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
