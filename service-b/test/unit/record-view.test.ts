// How service-b shows a Kafka record to an HTTP client, as JSON or as the tutorial's text line.
import { AvroSchemaRegistry } from '@kafka-http/common';
import type { BufferedMessage } from '../../src/delivery/delivery-buffer';
import { readValue, recordJson, recordText } from '../../src/messages/record-view';

const TIMESTAMP_MS = '1700000000123';
const TIMESTAMP_ISO = '2023-11-14T22:13:20.123Z';
const NOT_UTF8 = Buffer.from([0xff, 0xfe, 0x00, 0x80]);

function record(overrides: Partial<BufferedMessage> = {}): BufferedMessage {
  return {
    topic: 'message-topic',
    partition: 0,
    offset: '7',
    key: null,
    value: Buffer.from('Hello, Kafka!', 'utf8'),
    headers: { 'content-type': Buffer.from('text/plain; charset=utf-8') },
    timestamp: TIMESTAMP_MS,
    ...overrides,
  };
}

function jsonRecord(json: string, overrides: Partial<BufferedMessage> = {}): BufferedMessage {
  return record({
    value: Buffer.from(json, 'utf8'),
    headers: { 'content-type': Buffer.from('application/json') },
    ...overrides,
  });
}

describe('recordJson', () => {
  it('shows a text record with its text, headers and ISO timestamp', () => {
    const json = recordJson(record());
    expect(JSON.parse(json)).toEqual({
      topic: 'message-topic',
      partition: 0,
      offset: '7',
      key: null,
      value: 'Hello, Kafka!',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      timestamp: TIMESTAMP_ISO,
    });
  });

  it('splices a JSON value in exactly as stored, big numbers and key order included', () => {
    const stored = '{"z":1,"big":12345678901234567890,"a":[true,null,"x"]}';
    const json = recordJson(jsonRecord(stored));
    expect(json).toContain(`"value":${stored},`);
    const parsed = JSON.parse(json) as Record<string, unknown>;
    expect(Object.keys(parsed.value as object)).toEqual(['z', 'big', 'a']);
    expect(parsed).not.toHaveProperty('warning');
    expect(parsed).not.toHaveProperty('encoding');
  });

  it.each(['42', 'null', '"a string"', '[]'])('splices the JSON value %s as is', (stored) => {
    const json = recordJson(jsonRecord(stored));
    expect(json).toContain(`"value":${stored},`);
    expect(JSON.parse(json)).toEqual(expect.objectContaining({ value: JSON.parse(stored) }));
  });

  it('reads the content type case-insensitively and ignores its parameters', () => {
    const json = recordJson(
      jsonRecord('{"a":1}', { headers: { 'content-type': 'Application/JSON; charset=utf-8' } }),
    );
    expect(json).toContain('"value":{"a":1},');
  });

  it('shows invalid JSON under application/json as text with a warning', () => {
    const parsed = JSON.parse(recordJson(jsonRecord('{"a":'))) as Record<string, unknown>;
    expect(parsed.value).toBe('{"a":');
    expect(parsed.warning).toEqual(expect.stringContaining('not valid JSON'));
  });

  it('does not parse JSON-looking text of a text record', () => {
    const parsed = JSON.parse(recordJson(record({ value: Buffer.from('{"a":1}') }))) as Record<
      string,
      unknown
    >;
    expect(parsed.value).toBe('{"a":1}');
  });

  it('shows a value that is not UTF-8 as base64 with an encoding field', () => {
    const parsed = JSON.parse(recordJson(record({ value: NOT_UTF8 }))) as Record<string, unknown>;
    expect(parsed.value).toBe(NOT_UTF8.toString('base64'));
    expect(parsed.encoding).toBe('base64');
    expect(Buffer.from(parsed.value as string, 'base64')).toEqual(NOT_UTF8);
  });

  it('shows a record without a value as null', () => {
    const json = recordJson(record({ value: null }));
    expect(json).toContain('"value":null');
    expect(JSON.parse(json)).toEqual(expect.objectContaining({ value: null }));
    expect(readValue(record({ value: null })).kind).toBe('null');
  });

  it('shows a text key as text', () => {
    const parsed = JSON.parse(recordJson(record({ key: Buffer.from('user-42') }))) as Record<
      string,
      unknown
    >;
    expect(parsed.key).toBe('user-42');
    expect(parsed).not.toHaveProperty('keyEncoding');
  });

  it('shows a binary key as base64 with keyEncoding', () => {
    const parsed = JSON.parse(recordJson(record({ key: NOT_UTF8 }))) as Record<string, unknown>;
    expect(parsed.key).toBe(NOT_UTF8.toString('base64'));
    expect(parsed.keyEncoding).toBe('base64');
  });

  it('shows headers as strings (arrays when repeated, null when null) and lists the ones given as base64', () => {
    const parsed = JSON.parse(
      recordJson(
        record({
          headers: {
            'content-type': Buffer.from('text/plain; charset=utf-8'),
            'trace-id': 'abc-123',
            binary: NOT_UTF8,
            repeated: [Buffer.from('first'), Buffer.from('second')],
            missing: undefined,
          },
        }),
      ),
    ) as Record<string, unknown>;
    expect(parsed.headers).toEqual({
      'content-type': 'text/plain; charset=utf-8',
      'trace-id': 'abc-123',
      binary: NOT_UTF8.toString('base64'),
      repeated: ['first', 'second'],
      missing: null,
    });
    expect(parsed.base64Headers).toEqual(['binary']);
  });

  it('leaves base64Headers out when every header is text', () => {
    expect(JSON.parse(recordJson(record()))).not.toHaveProperty('base64Headers');
  });

  it('shows a record without a content-type header as text when it is UTF-8', () => {
    const parsed = JSON.parse(recordJson(record({ headers: {} }))) as Record<string, unknown>;
    expect(parsed.value).toBe('Hello, Kafka!');
    expect(parsed.headers).toEqual({});
  });

  it('shows an invalid timestamp as null', () => {
    expect(JSON.parse(recordJson(record({ timestamp: 'not-a-number' })))).toEqual(
      expect.objectContaining({ timestamp: null }),
    );
  });

  it('escapes the text of a text value so the body stays valid JSON', () => {
    const text = 'quote " backslash \\ newline \n end';
    const parsed = JSON.parse(recordJson(record({ value: Buffer.from(text) }))) as Record<
      string,
      unknown
    >;
    expect(parsed.value).toBe(text);
  });
});

describe('recordText', () => {
  it("gives the tutorial's sentence for a text record", () => {
    expect(recordText(record())).toBe('Received message: Hello, Kafka!');
  });

  it('gives the stored JSON text for a JSON record', () => {
    expect(recordText(jsonRecord('{"n":12345678901234567890}'))).toBe(
      'Received message: {"n":12345678901234567890}',
    );
  });

  it('gives base64 for a value that is not UTF-8', () => {
    expect(recordText(record({ value: NOT_UTF8 }))).toBe(
      `Received message: ${NOT_UTF8.toString('base64')}`,
    );
  });
});

describe('binary records (content-type application/octet-stream)', () => {
  it('gives the value as base64 even when its bytes happen to be UTF-8', () => {
    const parsed = JSON.parse(
      recordJson(
        record({
          value: Buffer.from('plain'),
          headers: { 'content-type': Buffer.from('application/octet-stream') },
        }),
      ),
    ) as Record<string, unknown>;
    expect(parsed.value).toBe(Buffer.from('plain').toString('base64'));
    expect(parsed.encoding).toBe('base64');
  });

  it('gives a zero-length value as an empty base64 string, not null', () => {
    const parsed = JSON.parse(
      recordJson(
        record({
          value: Buffer.alloc(0),
          headers: { 'content-type': Buffer.from('application/octet-stream') },
        }),
      ),
    ) as Record<string, unknown>;
    expect(parsed).toEqual(expect.objectContaining({ value: '', encoding: 'base64' }));
  });
});

describe('Avro records', () => {
  const registry = AvroSchemaRegistry.fromDirectory();
  const schema = registry.find('example.User');
  const user = { id: 10042, name: 'Ada Lovelace', email: 'ada@example.com' };
  const avroRecord = (headers: Record<string, string> = {}) =>
    record({
      value: schema?.type.toBuffer(user) ?? null,
      headers: {
        'content-type': Buffer.from('application/avro'),
        'avro-schema': Buffer.from('example.User'),
        'avro-schema-fingerprint': Buffer.from(schema?.fingerprint ?? ''),
        ...headers,
      },
    });

  it('decodes a record with a known schema to JSON and names the schema', () => {
    const json = JSON.parse(recordJson(avroRecord(), { avro: registry }));
    expect(json).toMatchObject({ value: user, valueSchema: 'example.User' });
    expect(json.encoding).toBeUndefined();
    expect(recordText(avroRecord(), { avro: registry })).toBe(
      `Received message: ${JSON.stringify(user)}`,
    );
  });

  it.each([
    ['unknown to this service', {}, new AvroSchemaRegistry([]), /not known/],
    [
      'of another schema version',
      { 'avro-schema-fingerprint': '00' },
      undefined,
      /another version/,
    ],
    ['read without any schemas', {}, null, /reads no Avro schemas/],
  ])('delivers a record %s as base64 with a warning', (_what, headers, avro, reason) => {
    const message = avroRecord(headers);
    const json = JSON.parse(
      recordJson(message, { avro: avro === null ? undefined : (avro ?? registry) }),
    );
    expect(json).toMatchObject({
      value: message.value?.toString('base64'),
      encoding: 'base64',
      valueSchema: 'example.User',
      warning: expect.stringMatching(reason),
    });
  });
});
