// Turns a POST body into the bytes of a Kafka record value, and names its format in a record
// header so a reader can give back exactly what was sent. Pure: no I/O, easy to test.
import { problems } from '@kafka-http/common';

/** The record header that says how the value is encoded. */
export const CONTENT_TYPE_HEADER = 'content-type';
export const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';
export const JSON_CONTENT_TYPE = 'application/json';
export const BINARY_CONTENT_TYPE = 'application/octet-stream';
export const ACCEPTED_CONTENT_TYPES = [
  'application/json',
  'text/plain',
  BINARY_CONTENT_TYPE,
] as const;

export interface EncodedValue {
  value: Buffer;
  contentType: typeof TEXT_CONTENT_TYPE | typeof JSON_CONTENT_TYPE | typeof BINARY_CONTENT_TYPE;
  /** The text of the value, for the tutorial's "Message '...' sent" sentence. */
  text: string;
}

interface MediaType {
  type: string;
  charset: string | undefined;
}

export function parseMediaType(header: string | undefined): MediaType | undefined {
  if (!header) return undefined;
  const [type = '', ...params] = header.split(';');
  let charset: string | undefined;
  for (const param of params) {
    const [name, value] = param.split('=').map((part) => part.trim());
    if (name?.toLowerCase() === 'charset' && value) {
      charset = value.replace(/^"(.*)"$/, '$1').toLowerCase();
    }
  }
  return { type: type.trim().toLowerCase(), charset };
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
): EncodedValue {
  const mediaType = parseMediaType(contentTypeHeader);
  if (!mediaType || !(ACCEPTED_CONTENT_TYPES as readonly string[]).includes(mediaType.type)) {
    throw problems.unsupportedMediaType(
      `Send the message as application/json, text/plain or application/octet-stream${
        mediaType ? `, not ${mediaType.type}` : ' (the Content-Type header is missing)'
      }.`,
    );
  }
  if (mediaType.type === BINARY_CONTENT_TYPE) return encodeBinary(body);
  if (
    mediaType.charset !== undefined &&
    mediaType.charset !== 'utf-8' &&
    mediaType.charset !== 'utf8'
  ) {
    throw problems.unsupportedMediaType(`Only UTF-8 text is accepted, not ${mediaType.charset}.`);
  }
  if (!body || body.length === 0) {
    throw problems.badRequest('The request body is empty; send the message as the body.');
  }
  const textBody = decodeUtf8(body);
  if (mediaType.type === 'text/plain') {
    return { value: body, contentType: TEXT_CONTENT_TYPE, text: textBody };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(textBody);
  } catch {
    throw problems.badRequest('The request body is not valid JSON.');
  }
  if (typeof parsed === 'string') {
    if (LONE_SURROGATE.test(parsed)) {
      throw problems.badRequest('The JSON string holds an unpaired surrogate, which is not text.');
    }
    return { value: Buffer.from(parsed, 'utf8'), contentType: TEXT_CONTENT_TYPE, text: parsed };
  }
  const compact = compactJson(textBody.trim());
  return { value: Buffer.from(compact, 'utf8'), contentType: JSON_CONTENT_TYPE, text: compact };
}

/** Bytes are stored untouched; `text` only names their size, for the tutorial's sentence. */
function encodeBinary(body: Buffer | undefined): EncodedValue {
  const value = body ?? Buffer.alloc(0);
  return { value, contentType: BINARY_CONTENT_TYPE, text: `<${value.length} bytes>` };
}
