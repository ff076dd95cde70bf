// A record as a raw answer (Accept: application/octet-stream): value bytes and Kafka-* headers.
import type { BufferedMessage } from '../../src/delivery/delivery-buffer';
import { MAX_RAW_KEY_CHARS, rawRecord } from '../../src/messages/raw-view';

const VALUE = Buffer.from([0x00, 0xff, 0xc3, 0x28, 0x41]);

function record(overrides: Partial<BufferedMessage> = {}): BufferedMessage {
  return {
    topic: 'message-topic',
    partition: 2,
    offset: '9007199254740993',
    key: Buffer.from('user-42'),
    value: VALUE,
    headers: { 'content-type': Buffer.from('application/octet-stream') },
    timestamp: '1700000000123',
    ...overrides,
  };
}

describe('rawRecord', () => {
  it('answers the value bytes with where the record was read and its key as headers', () => {
    expect(rawRecord(record())).toEqual({
      body: VALUE,
      headers: {
        'Kafka-Topic': 'message-topic',
        'Kafka-Partition': '2',
        'Kafka-Offset': '9007199254740993',
        'Kafka-Key': 'user-42',
        'Kafka-Timestamp': '2023-11-14T22:13:20.123Z',
      },
    });
  });

  it('leaves Kafka-Key out for a record without a key, and the timestamp when there is none', () => {
    const { headers } = rawRecord(record({ key: null, timestamp: '-1' }));
    expect(headers).not.toHaveProperty('Kafka-Key');
    expect(headers).not.toHaveProperty('Kafka-Timestamp');
  });

  it.each([
    ['not UTF-8', Buffer.from([0xff, 0x00])],
    ['UTF-8 beyond ASCII', Buffer.from('clé', 'utf8')],
    ['a line break', Buffer.from('a\r\nInjected: yes')],
    ['a leading space', Buffer.from(' padded')],
  ])('gives a key that is %s as base64 with Kafka-Key-Encoding', (_what, key) => {
    const { headers } = rawRecord(record({ key }));
    expect(headers['Kafka-Key']).toBe(key.toString('base64'));
    expect(headers['Kafka-Key-Encoding']).toBe('base64');
  });

  it('leaves out a key too long for an HTTP header, saying how long it was', () => {
    const { headers } = rawRecord(record({ key: Buffer.alloc(MAX_RAW_KEY_CHARS + 1, 'k') }));
    expect(headers).not.toHaveProperty('Kafka-Key');
    expect(headers['Kafka-Key-Omitted']).toBe(String(MAX_RAW_KEY_CHARS + 1));
  });

  it('marks a record without a value (empty body) apart from a zero-length value', () => {
    const tombstone = rawRecord(record({ value: null }));
    expect(tombstone.body).toHaveLength(0);
    expect(tombstone.headers['Kafka-Value']).toBe('null');
    const empty = rawRecord(record({ value: Buffer.alloc(0) }));
    expect(empty.body).toHaveLength(0);
    expect(empty.headers).not.toHaveProperty('Kafka-Value');
  });

  it('leaves out a value over the limit, with its size', () => {
    const { body, headers } = rawRecord(record(), 4);
    expect(body).toHaveLength(0);
    expect(headers).toEqual(
      expect.objectContaining({ 'Kafka-Value': 'omitted', 'Kafka-Value-Bytes': '5' }),
    );
  });
});
