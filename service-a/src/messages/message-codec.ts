// Turns a POST body into the bytes of a Kafka record value, and names its format in a record
// header so a reader can give back exactly what was sent. Pure: no I/O, easy to test.
import path from 'node:path';
import {
  AvroSchemaRegistry,
  AVRO_CONTENT_TYPE,
  DEFAULT_AVRO_SCHEMAS_DIR,
  DEFAULT_SCHEMAS_DIR,
  AVRO_FINGERPRINT_HEADER,
  AVRO_SCHEMA_HEADER,
  avroFieldErrors,
  problems,
} from '@kafka-http/common';
import { invalidValue, MESSAGE_TYPE_HEADER, MessageTypes } from './message-types';

/** The record header that says how the value is encoded. */
export const CONTENT_TYPE_HEADER = 'content-type';
export const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';
export const JSON_CONTENT_TYPE = 'application/json';
/** Record headers service-a sets itself; a client cannot set them (they would misdescribe the value). */
export const RESERVED_HEADERS: readonly string[] = [
  CONTENT_TYPE_HEADER,
  MESSAGE_TYPE_HEADER,
  AVRO_SCHEMA_HEADER,
  AVRO_FINGERPRINT_HEADER,
];

/** POST this, with the schema's name, to have a JSON value (Avro's JSON encoding) stored as Avro. */
export const AVRO_JSON_CONTENT_TYPE = 'application/avro+json';
export const BINARY_CONTENT_TYPE = 'application/octet-stream';
export const ACCEPTED_CONTENT_TYPES = [
  'application/json',
  'text/plain',
  BINARY_CONTENT_TYPE,
  AVRO_JSON_CONTENT_TYPE,
] as const;

export interface EncodedValue {
  value: Buffer;
  contentType: string;
  /** The text of the value, for the tutorial's "Message '...' sent" sentence. */
  text: string;
  /** Further record headers: the Avro schema, or the message type the value was checked against. */
  headers?: Record<string, string>;
}

/** The schemas a value can be checked against or encoded with. */
export interface MessageFormats {
  avro: AvroSchemaRegistry;
  types: MessageTypes;
}

/** Reads the schema folders (by default the repository's `schemas/avro` and `schemas/json`). */
export function loadMessageFormats({
  avroDir = DEFAULT_AVRO_SCHEMAS_DIR,
  typesDir = path.join(DEFAULT_SCHEMAS_DIR, 'json'),
}: { avroDir?: string; typesDir?: string } = {}): MessageFormats {
  return {
    avro: AvroSchemaRegistry.fromDirectory(avroDir),
    types: MessageTypes.fromDirectory(typesDir),
  };
}

export interface EncodeOptions {
  formats?: MessageFormats;
  /** The message type the value must satisfy (named by the request, or bound to the topic). */
  typeName?: string;
}

interface MediaType {
  type: string;
  charset: string | undefined;
  /** The `schema` parameter, for application/avro+json. */
  schema: string | undefined;
  /** Every parameter, by lower-case name. */
  params: Record<string, string>;
}

export function parseMediaType(header: string | undefined): MediaType | undefined {
  if (!header) return undefined;
  const [type = '', ...params] = header.split(';');
  const found: Record<string, string> = {};
  for (const param of params) {
    const [name, value] = param.split('=').map((part) => part.trim());
    if (name && value) found[name.toLowerCase()] = value.replace(/^"(.*)"$/, '$1');
  }
  return {
    type: type.trim().toLowerCase(),
    charset: found.charset?.toLowerCase(),
    schema: found.schema,
    params: found,
  };
}

/** Checks a value against the message type, when there is one; the record then names the type. */
export function checkMessageType(
  value: unknown,
  { formats, typeName }: EncodeOptions,
): Record<string, string> {
  if (typeName === undefined || !formats) return {};
  formats.types.check(typeName, value);
  return { [MESSAGE_TYPE_HEADER]: typeName };
}

/**
 * Encodes a JSON value, written in Avro's JSON encoding, as Avro binary with the named schema.
 * 415 for a schema this service does not have, 422 listing each field that does not fit.
 */
export function encodeAvro(
  registry: AvroSchemaRegistry,
  schemaName: string | undefined,
  value: unknown,
): { value: Buffer; headers: Record<string, string> } {
  const known = registry.names.join(', ') || 'none (add .avsc files to the schemas folder)';
  if (!schemaName) {
    throw problems.unsupportedMediaType(
      `Name the Avro schema: ${AVRO_JSON_CONTENT_TYPE}; schema=<name>. Known schemas: ${known}.`,
    );
  }
  const schema = registry.find(schemaName);
  if (!schema) {
    throw problems.unsupportedMediaType(
      `There is no Avro schema ${schemaName}. Known schemas: ${known}.`,
    );
  }
  const errors = avroFieldErrors(schema.type, value);
  if (errors.length > 0) throw invalidValue(`the Avro schema ${schema.name}`, errors);
  return {
    value: schema.type.toBuffer(schema.type.fromString(JSON.stringify(value))),
    headers: {
      [AVRO_SCHEMA_HEADER]: schema.name,
      [AVRO_FINGERPRINT_HEADER]: schema.fingerprint,
    },
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw problems.badRequest('The request body is not valid UTF-8 text.');
  }
}

// A UTF-16 surrogate without its partner cannot be written as UTF-8 (JSON allows "\ud800").
export const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Removes the insignificant whitespace of valid JSON text without re-serialising it, so numbers
 * beyond double precision and every escape are kept exactly as the client wrote them.
 */
export function compactJson(json: string): string {
  let out = '';
  let inString = false;
  let runStart = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      out += json.slice(runStart, i);
      runStart = i + 1;
    }
  }
  return out + json.slice(runStart);
}

/**
 * Validates a request body and encodes it as a record value.
 * - `application/json`: any JSON value. A JSON string becomes its raw UTF-8 text (so
 *   `"Hello, Kafka!"` is stored as the 13 bytes `Hello, Kafka!`); anything else compact JSON.
 * - `text/plain`: the UTF-8 text as it is.
 * - `application/octet-stream`: the bytes exactly as sent; an empty body is a zero-length value.
 * Throws an HttpProblem (400 or 415) for anything else.
 */
export function encodeRequestBody(
  body: Buffer | undefined,
  contentTypeHeader: string | undefined,
  options: EncodeOptions = {},
): EncodedValue {
  const mediaType = parseMediaType(contentTypeHeader);
  if (!mediaType || !(ACCEPTED_CONTENT_TYPES as readonly string[]).includes(mediaType.type)) {
    throw problems.unsupportedMediaType(
      `Send the message as application/json, text/plain, ${BINARY_CONTENT_TYPE} or ${AVRO_JSON_CONTENT_TYPE}; schema=<name>${
        mediaType ? `, not ${mediaType.type}` : ' (the Content-Type header is missing)'
      }.`,
    );
  }
  if (mediaType.type === BINARY_CONTENT_TYPE) {
    if (options.typeName !== undefined) {
      throw problems.unsupportedMediaType(
        `Values of the message type ${options.typeName} are JSON or text; bytes cannot be checked against it.`,
      );
    }
    return encodeBinary(body);
  }
  if (
    mediaType.charset !== undefined &&
    mediaType.charset !== 'utf-8' &&
    mediaType.charset !== 'utf8'
  ) {
    throw problems.unsupportedMediaType(`Only UTF-8 text is accepted, not ${mediaType.charset}.`);
  }
  if (mediaType.type === 'text/plain') {
    const textBody = textOf(body);
    const headers = checkMessageType(textBody, options);
    return { value: body as Buffer, contentType: TEXT_CONTENT_TYPE, text: textBody, headers };
  }
  const { text: textBody, parsed } = parseJsonBody(body);
  const typeHeaders = checkMessageType(parsed, options);
  if (mediaType.type === AVRO_JSON_CONTENT_TYPE) {
    if (!options.formats) throw problems.unsupportedMediaType('Avro is not available here.');
    const avro = encodeAvro(options.formats.avro, mediaType.schema, parsed);
    return {
      value: avro.value,
      contentType: AVRO_CONTENT_TYPE,
      text: compactJson(textBody.trim()),
      headers: { ...typeHeaders, ...avro.headers },
    };
  }
  if (typeof parsed === 'string') {
    if (LONE_SURROGATE.test(parsed)) {
      throw problems.badRequest('The JSON string holds an unpaired surrogate, which is not text.');
    }
    return {
      value: Buffer.from(parsed, 'utf8'),
      contentType: TEXT_CONTENT_TYPE,
      text: parsed,
      headers: typeHeaders,
    };
  }
  const compact = compactJson(textBody.trim());
  return {
    value: Buffer.from(compact, 'utf8'),
    contentType: JSON_CONTENT_TYPE,
    text: compact,
    headers: typeHeaders,
  };
}

/** A non-empty UTF-8 body as text (400 otherwise). */
function textOf(body: Buffer | undefined): string {
  if (!body || body.length === 0) {
    throw problems.badRequest('The request body is empty; send the message as the body.');
  }
  return decodeUtf8(body);
}

/** A non-empty UTF-8 JSON body, as text and parsed (400 otherwise). */
export function parseJsonBody(body: Buffer | undefined): { text: string; parsed: unknown } {
  const text = textOf(body);
  try {
    return { text, parsed: JSON.parse(text) as unknown };
  } catch {
    throw problems.badRequest(`The request body is not valid JSON.${plainTextHint(text)}`);
  }
}

/** How JSON can begin; `true`, `false` and `null` begin with a letter, as plain text does. */
const JSON_START = /^\s*(?:[[{"\d-]|true\b|false\b|null\b)/;
const HINT_EXAMPLE_CHARS = 40;

/** For text sent as JSON without quotes (`Hello, Kafka!`): how to send it instead. */
function plainTextHint(text: string): string {
  if (JSON_START.test(text)) return '';
  const trimmed = text.trim();
  const example = trimmed.length <= HINT_EXAMPLE_CHARS ? JSON.stringify(trimmed) : '"your text"';
  return ` To send text, quote it as a JSON string (${example}) or send it with Content-Type: text/plain.`;
}

/** Bytes are stored untouched; `text` only names their size, for the tutorial's sentence. */
function encodeBinary(body: Buffer | undefined): EncodedValue {
  const value = body ?? Buffer.alloc(0);
  return { value, contentType: BINARY_CONTENT_TYPE, text: `<${value.length} bytes>` };
}
