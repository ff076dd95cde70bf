// The Confluent wire format and the codecs, checked against bytes written by hand from the
// specifications (Avro's zigzag varints, Protobuf's tags), never against our own encoder alone.
import {
  compileSchema,
  frame,
  framedSchemaId,
  readMessageIndexes,
  unframe,
  UnknownMessageError,
  writeMessageIndexes,
  type SchemaText,
} from '../../src';
import { READING_JSON_SCHEMA } from '@test-support/schema-fixtures';

const USER_AVRO: SchemaText = {
  format: 'AVRO',
  references: [],
  schema: JSON.stringify({
    type: 'record',
    name: 'User',
    namespace: 'example',
    fields: [
      { name: 'name', type: 'string' },
      { name: 'age', type: 'int' },
      { name: 'email', type: ['null', 'string'], default: null },
    ],
  }),
};

const SHOP_PROTO: SchemaText = {
  format: 'PROTOBUF',
  references: [],
  schema: `syntax = "proto3";
package shop;
message Order {
  string order_id = 1;
  int64 amount_cents = 2;
  Status status = 3;
  message Line { string sku = 1; int32 quantity = 2; }
  repeated Line lines = 4;
}
enum Status { NEW = 0; PAID = 1; }
message Refund { string order_id = 1; }
`,
};

describe('the wire format', () => {
  it('reads the magic byte, a big-endian schema id and the payload', () => {
    const bytes = Buffer.from([0, 0, 0, 1, 2, 0xaa, 0xbb]);
    expect(framedSchemaId(bytes)).toBe(258);
    expect(unframe(bytes)).toEqual({ schemaId: 258, payload: Buffer.from([0xaa, 0xbb]) });
    expect(frame(258, Buffer.from([0xaa, 0xbb]))).toEqual(bytes);
  });

  it('leaves alone what is not framed: other first bytes, fewer than five bytes, null', () => {
    expect(unframe(Buffer.from('{"a":1}'))).toBeUndefined();
    expect(unframe(Buffer.from([0, 0, 0, 1]))).toBeUndefined();
    expect(unframe(null)).toBeUndefined();
  });

  it('reads Protobuf message indexes, the single 0 byte standing for the first message', () => {
    expect(readMessageIndexes(Buffer.from([0, 0x0a]))).toEqual({
      indexes: [0],
      message: Buffer.from([0x0a]),
    });
    // Count 2 (zigzag 4), then 1 (zigzag 2) and 0: the first nested message of the second one.
    expect(readMessageIndexes(Buffer.from([4, 2, 0, 0x0a])).indexes).toEqual([1, 0]);
    expect(writeMessageIndexes([0])).toEqual(Buffer.from([0]));
    expect(writeMessageIndexes([1, 0])).toEqual(Buffer.from([4, 2, 0]));
    expect(() => readMessageIndexes(Buffer.from([4, 2]))).toThrow(RangeError);
  });
});

describe('Avro', () => {
  const codec = compileSchema(USER_AVRO);
  // "Ada" (length 3, zigzag 6), age 36 (zigzag 72), the union's branch 1 (zigzag 2) with "a@b".
  const hand = Buffer.from([6, 0x41, 0x64, 0x61, 72, 2, 6, 0x61, 0x40, 0x62]);

  it("decodes binary written by hand into Avro's JSON encoding", () => {
    expect(codec.name).toBe('example.User');
    expect(JSON.parse(codec.decode(hand).json)).toEqual({
      name: 'Ada',
      age: 36,
      email: { string: 'a@b' },
    });
  });

  it('encodes the same bytes, and lists each field that does not fit', () => {
    const value = { name: 'Ada', age: 36, email: { string: 'a@b' } };
    expect(codec.encode(value, JSON.stringify(value))).toEqual(hand);
    expect(codec.fieldErrors({ name: 1, extra: true })).toEqual(
      expect.arrayContaining([
        { pointer: '/name', detail: expect.stringContaining('string') },
        { pointer: '/age', detail: 'is required' },
        { pointer: '/extra', detail: expect.stringContaining('not a field') },
      ]),
    );
  });

  it('resolves a named type defined in a referenced schema', () => {
    const address: SchemaText = {
      format: 'AVRO',
      references: [],
      schema: JSON.stringify({
        type: 'record',
        name: 'Address',
        namespace: 'example',
        fields: [{ name: 'city', type: 'string' }],
      }),
    };
    const person = compileSchema(
      {
        format: 'AVRO',
        references: [{ name: 'example.Address', subject: 'address', version: 1 }],
        schema: JSON.stringify({
          type: 'record',
          name: 'Person',
          namespace: 'example',
          fields: [{ name: 'home', type: 'example.Address' }],
        }),
      },
      new Map([['example.Address', address]]),
    );
    expect(JSON.parse(person.decode(Buffer.from([4, 0x4f, 0x73])).json)).toEqual({
      home: { city: 'Os' },
    });
  });
});

describe('Protobuf', () => {
  const codec = compileSchema(SHOP_PROTO);
  // Order: field 1 "A1" (tag 0x0a), field 2 = 250 (tag 0x10, varint fa 01), field 3 PAID (0x18 01),
  // field 4 a Line {sku "x", quantity 2} (tag 0x22, length 5: 0a 01 78 10 02).
  const order = Buffer.from([
    0x0a, 2, 0x41, 0x31, 0x10, 0xfa, 0x01, 0x18, 1, 0x22, 5, 0x0a, 1, 0x78, 0x10, 2,
  ]);

  it("decodes the first message to Protobuf's JSON mapping", () => {
    expect(codec.name).toBe('shop.Order');
    const decoded = codec.decode(Buffer.concat([Buffer.from([0]), order]));
    expect(decoded.name).toBe('shop.Order');
    expect(JSON.parse(decoded.json)).toEqual({
      orderId: 'A1',
      amountCents: '250',
      status: 'PAID',
      lines: [{ sku: 'x', quantity: 2 }],
    });
  });

  it('finds other messages by their indexes: a later one, a nested one', () => {
    // Count 1 (zigzag 2), index 1 (zigzag 2): Refund, the second message of the file.
    const refund = codec.decode(Buffer.from([2, 2, 0x0a, 2, 0x41, 0x31]));
    expect(refund).toEqual({ json: '{"orderId":"A1"}', name: 'shop.Refund' });
    // Count 2, indexes 0 and 0: Order.Line.
    const line = codec.decode(Buffer.from([4, 0, 0, 0x0a, 1, 0x78]));
    expect(line).toEqual({ json: '{"sku":"x"}', name: 'shop.Order.Line' });
  });

  it('encodes a JSON value back to the same bytes, with the message indexes first', () => {
    const value = {
      orderId: 'A1',
      amountCents: '250',
      status: 'PAID',
      lines: [{ sku: 'x', quantity: 2 }],
    };
    expect(codec.encode(value, JSON.stringify(value))).toEqual(
      Buffer.concat([Buffer.from([0]), order]),
    );
    const refund = codec.encode({ orderId: 'A1' }, '', 'shop.Refund');
    expect(refund).toEqual(Buffer.from([2, 2, 0x0a, 2, 0x41, 0x31]));
  });

  it('lists each field that does not fit, and refuses a message the file does not declare', () => {
    expect(
      codec.fieldErrors({ orderId: 5, status: 'LOST', lines: [{ quantity: 'two' }], x: 1 }),
    ).toEqual([
      { pointer: '/orderId', detail: 'must be a string' },
      { pointer: '/status', detail: 'must be one of NEW, PAID' },
      { pointer: '/lines/0/quantity', detail: expect.stringContaining('integer') },
      { pointer: '/x', detail: 'is not a field of shop.Order' },
    ]);
    expect(() => codec.fieldErrors({}, 'shop.Missing')).toThrow(UnknownMessageError);
  });

  it('reads a schema that imports a referenced file and a well-known type', () => {
    const money: SchemaText = {
      format: 'PROTOBUF',
      references: [],
      schema: 'syntax = "proto3"; package common; message Money { int64 cents = 1; }',
    };
    const payment = compileSchema(
      {
        format: 'PROTOBUF',
        references: [{ name: 'common/money.proto', subject: 'money', version: 1 }],
        schema: `syntax = "proto3"; package pay;
import "common/money.proto";
import "google/protobuf/timestamp.proto";
message Payment { common.Money amount = 1; google.protobuf.Timestamp at = 2; }`,
      },
      new Map([['common/money.proto', money]]),
    );
    // amount {cents 7} (0a 02 08 07), at {seconds 1} (12 02 08 01).
    const decoded = payment.decode(Buffer.from([0, 0x0a, 2, 8, 7, 0x12, 2, 8, 1]));
    expect(decoded.name).toBe('pay.Payment');
    expect(JSON.parse(decoded.json).amount).toEqual({ cents: '7' });
  });
});

describe('JSON Schema', () => {
  const codec = compileSchema({
    format: 'JSON',
    references: [],
    schema: JSON.stringify(READING_JSON_SCHEMA),
  });

  it('decodes the JSON text as it was written, and refuses bytes that are not JSON', () => {
    const text = '{"sensor":"t1","celsius":21.50}';
    expect(codec.decode(Buffer.from(text))).toEqual({ json: text, name: 'Reading' });
    expect(() => codec.decode(Buffer.from([0xff, 0x00]))).toThrow();
  });

  it('validates with the draft the schema names', () => {
    expect(codec.fieldErrors({ sensor: 't1' })).toEqual([]);
    expect(codec.fieldErrors({ celsius: 'hot', other: 1 })).toEqual(
      expect.arrayContaining([
        { pointer: '/sensor', detail: 'is required' },
        { pointer: '/other', detail: 'is not allowed by the schema' },
        { pointer: '/celsius', detail: 'must be number' },
      ]),
    );
    expect(codec.encode({}, '{"sensor":"t1"}')).toEqual(Buffer.from('{"sensor":"t1"}'));
  });
});
