// The check the integration suite runs on every response (test/support/check-responses.ts): it
// must catch an undocumented status, an undocumented content type and a body its schema refuses,
// and leave alone what the document does not describe.
import { ResponseContract, type ObservedResponse } from '@test-support/response-contract';

const contract = new ResponseContract({
  paths: {
    '/items/{id}': {
      get: {
        responses: {
          '200': {
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/Item' } },
              'text/plain': { schema: { type: 'string' } },
            },
          },
          '204': {},
          '404': { content: { 'application/problem+json': { schema: { type: 'object' } } } },
        },
      },
    },
  },
  components: {
    schemas: {
      Item: {
        type: 'object',
        required: ['id', 'note'],
        properties: { id: { type: 'integer' }, note: { type: 'string', nullable: true } },
      },
    },
  },
});

const json = (body: unknown): Partial<ObservedResponse> => ({
  contentType: 'application/json; charset=utf-8',
  body: Buffer.from(JSON.stringify(body)),
});
const check = (response: Partial<ObservedResponse>) =>
  contract.check({
    method: 'GET',
    url: '/items/7?x=1',
    status: 200,
    contentType: undefined,
    body: undefined,
    ...response,
  });

describe('ResponseContract', () => {
  it('accepts what the document says', () => {
    expect(check(json({ id: 7, note: null }))).toEqual([]);
    expect(check({ contentType: 'text/plain', body: Buffer.from('seven\n') })).toEqual([]);
    expect(check({ status: 204 })).toEqual([]);
  });

  it('refuses a status the operation does not document', () => {
    expect(check({ status: 500, ...json({}) })).toEqual([
      'GET /items/7 answered 500, a status the document does not give (it gives 200, 204, 404)',
    ]);
  });

  it('refuses a content type the status does not document', () => {
    expect(check({ status: 404, ...json({}) })).toEqual([
      'GET /items/7 answered 404 with application/json, which the document does not give (it gives application/problem+json)',
    ]);
    expect(check({ body: Buffer.from('x') })).toEqual([
      'GET /items/7 answered 200 without a Content-Type',
    ]);
  });

  it('refuses a JSON body its schema refuses, following $ref', () => {
    const [problem] = check(json({ id: '7' }));
    expect(problem).toContain('a body the schema refuses');
    expect(problem).toContain('/id must be integer');
    expect(problem).toContain("must have required property 'note'");
    expect(check({ ...json({}), body: Buffer.from('{') })[0]).toContain('a body that is not JSON');
  });

  it('leaves alone paths and methods the document does not list', () => {
    expect(check({ url: '/elsewhere', status: 404 })).toEqual([]);
    expect(check({ method: 'DELETE', status: 405 })).toEqual([]);
    expect(check({ url: '/items/7/more', status: 404 })).toEqual([]);
  });
});
