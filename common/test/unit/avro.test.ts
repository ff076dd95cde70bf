// The Avro schema registry: reading schemas, the field errors of a JSON value, and decoding.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AvroSchemaRegistry, avroFieldErrors, parseAvroSchema } from '../../src/avro';

const repoSchemas = () => AvroSchemaRegistry.fromDirectory();

const order = parseAvroSchema(
  JSON.stringify({
    type: 'record',
    name: 'Order',
    namespace: 'shop',
    fields: [
      { name: 'id', type: 'long' },
      { name: 'note', type: ['null', 'string'], default: null },
      { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'] } },
      {
        name: 'lines',
        type: {
          type: 'array',
          items: {
            type: 'record',
            name: 'Line',
            fields: [
              { name: 'sku', type: 'string' },
              { name: 'qty', type: 'int' },
            ],
          },
        },
      },
      { name: 'tags', type: { type: 'map', values: 'string' }, default: {} },
    ],
  }),
  'order.avsc',
);

describe('AvroSchemaRegistry', () => {
  it("reads the repository's schemas, by full name and by unambiguous short name", () => {
    const registry = repoSchemas();
    expect(registry.names).toContain('example.User');
    expect(registry.find('User')).toBe(registry.find('example.User'));
    expect(registry.find('example.user')).toBeUndefined();
  });

  it('is empty for a missing folder, and refuses a schema defined twice', () => {
    expect(AvroSchemaRegistry.fromDirectory('/nonexistent/schemas').names).toEqual([]);
    expect(() => new AvroSchemaRegistry([order, order])).toThrow(/defined twice/);
  });

  it('names the file of a schema that is not JSON or not Avro', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'avsc-'));
    writeFileSync(path.join(dir, 'broken.avsc'), '{"type": "record", "name": "X"}');
    expect(() => AvroSchemaRegistry.fromDirectory(dir)).toThrow(
      /broken\.avsc is not an Avro schema/,
    );
    expect(() => parseAvroSchema('{', 'b.avsc')).toThrow(/b\.avsc is not JSON/);
    expect(() => parseAvroSchema('"string"', 's.avsc')).toThrow(/must be named/);
  });

  it('decodes a record written with a known schema to Avro JSON', () => {
    const registry = new AvroSchemaRegistry([order]);
    const value = { id: 7, note: { string: 'hi' }, status: 'PAID', lines: [], tags: { a: 'b' } };
    const bytes = order.type.toBuffer(order.type.fromString(JSON.stringify(value)));
    const decoded = registry.decode(bytes, 'shop.Order', order.fingerprint);
    expect(decoded).toMatchObject({ ok: true, json: JSON.stringify(value) });
  });

  it.each([
    ['no schema header', undefined, undefined, /no avro-schema header/],
    ['an unknown schema', 'shop.Other', undefined, /not known/],
    ['another version of the schema', 'shop.Order', 'ab'.repeat(32), /another version/],
  ])('gives a reason instead of a value for %s', (_what, name, fingerprint, reason) => {
    const decoded = new AvroSchemaRegistry([order]).decode(Buffer.from([2]), name, fingerprint);
    expect(decoded).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });
  });

  it('gives a reason for bytes that do not decode (truncated or trailing)', () => {
    const registry = new AvroSchemaRegistry([order]);
    expect(registry.decode(Buffer.from([0x02]), 'shop.Order', undefined)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/does not decode/),
    });
  });
});

describe('avroFieldErrors', () => {
  it('accepts a value in Avro JSON encoding, with defaults left out', () => {
    expect(avroFieldErrors(order.type, { id: 1, status: 'NEW', lines: [] })).toEqual([]);
  });

  it('names every failing field by JSON Pointer', () => {
    const errors = avroFieldErrors(order.type, {
      id: 1.5,
      note: 'plain',
      status: 'LOST',
      lines: [{ sku: 'a', qty: 1 }, { qty: 'two' }],
      tags: { x: 1 },
      extra: true,
    });
    expect(errors).toEqual([
      { pointer: '/id', detail: 'must be an integer' },
      { pointer: '/note', detail: 'must be one of null, {"string": ...} (an Avro union)' },
      { pointer: '/status', detail: 'must be one of NEW, PAID' },
      { pointer: '/lines/1/sku', detail: 'is required' },
      { pointer: '/lines/1/qty', detail: 'must be a 32-bit integer' },
      { pointer: '/tags/x', detail: 'must be a string' },
      { pointer: '/extra', detail: 'is not a field of shop.Order' },
    ]);
  });

  it('refuses a value that is not an object at all', () => {
    expect(avroFieldErrors(order.type, 'Hello')).toEqual([
      { pointer: '', detail: 'must be an object (Avro record shop.Order)' },
    ]);
  });
});
