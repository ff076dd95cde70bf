// apiDocument puts the route modules' parts together and refuses the pieces a change can forget:
// a schema referred to but given by no part, an operation documented twice, one schema name for
// two different schemas.
import { apiDocument, type ApiDocPart } from '@kafka-http/common';

const info = { title: 't', version: '1', description: 'd' };
const ok = { '200': { description: 'ok' } };
const build = (...parts: ApiDocPart[]) => apiDocument({ info, tags: [], parts });

describe('apiDocument', () => {
  it('merges the parts with the routes every service serves', () => {
    const document = build(
      { paths: { '/a': { get: { responses: ok } } }, schemas: { A: { type: 'string' } } },
      { paths: { '/a': { post: { responses: ok } }, '/b': { get: { responses: ok } } } },
    ) as { paths: Record<string, object>; components: { schemas: Record<string, unknown> } };
    expect(Object.keys(document.paths['/a'] ?? {})).toEqual(['get', 'post']);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/a', '/b', '/health/ready', '/metrics', '/openapi.json']),
    );
    expect(document.components.schemas).toMatchObject({ A: { type: 'string' }, Problem: {} });
  });

  it('refuses a $ref to a schema no part gives', () => {
    const part = {
      paths: { '/a': { get: { responses: { '200': { $ref: '#/components/schemas/Gone' } } } } },
    };
    expect(() => build(part)).toThrow('refers to schemas no route module gives: Gone');
  });

  it('refuses an operation documented twice', () => {
    const part = { paths: { '/a': { get: { responses: ok } } } };
    expect(() => build(part, part)).toThrow('GET /a is documented twice');
  });

  it('takes one schema from two parts, and refuses two different ones under one name', () => {
    const a = { paths: {}, schemas: { S: { type: 'string' } } };
    expect(() => build(a, { paths: {}, schemas: { S: { type: 'string' } } })).not.toThrow();
    expect(() => build(a, { paths: {}, schemas: { S: { type: 'integer' } } })).toThrow(
      'Two different schemas are named S',
    );
  });
});
