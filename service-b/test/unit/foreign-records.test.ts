// Records as other Kafka clients write them (null and repeated headers, bytes that are not UTF-8),
// and the delivery rule: a message counts as delivered only when a 2xx response carrying it was
// written in full. A rendering failure or any other status gives the message back.
import request from 'supertest';
import { allowUndocumentedStatus } from '@test-support/check-responses';
import { serviceBApp } from '@test-support/apps';
import { type BufferedMessage } from '../../src/delivery/delivery-buffer';
import * as recordView from '../../src/messages/record-view';

const NOT_UTF8 = Buffer.from([0xff, 0xfe, 0x80]);

function message(
  offset: number,
  headers: BufferedMessage['headers'] = {},
  value: Buffer | null = Buffer.from('v'),
): BufferedMessage {
  return {
    topic: 'message-topic',
    partition: 0,
    offset: String(offset),
    key: null,
    value,
    headers,
    timestamp: '1700000000123',
  };
}

function setup() {
  const { buffer, app } = serviceBApp();
  return { buffer, app };
}

afterEach(() => jest.restoreAllMocks());

describe('headers as Kafka has them', () => {
  it('keeps the simple form for single text values, null for a null value, an array for a repeated name', () => {
    const { headers, base64 } = recordView.readHeaders(
      message(0, {
        'content-type': Buffer.from('text/plain'),
        empty: null,
        gone: undefined,
        tag: [Buffer.from('a'), null, Buffer.from('b')],
      }),
    );
    expect({ ...headers }).toEqual({
      'content-type': 'text/plain',
      empty: null,
      gone: null,
      tag: ['a', null, 'b'],
    });
    expect(base64).toEqual([]);
  });

  it('gives every value of a name as base64 when one of them is not UTF-8, and names it', () => {
    const { headers, base64 } = recordView.readHeaders(
      message(0, { bin: [Buffer.from('text'), NOT_UTF8], one: NOT_UTF8 }),
    );
    expect({ ...headers }).toEqual({
      bin: [Buffer.from('text').toString('base64'), NOT_UTF8.toString('base64')],
      one: NOT_UTF8.toString('base64'),
    });
    expect(base64).toEqual(['bin', 'one']);
  });

  it('shows a header named __proto__ as a header', () => {
    const json = recordView.recordJson(message(0, { ['__proto__']: Buffer.from('x') }));
    expect(json).toContain('"headers":{"__proto__":"x"}');
  });

  it('when a record has a null header value, then GET answers 200 and the message is delivered', async () => {
    const { buffer, app } = setup();
    buffer.offer(message(0, { nothing: null, traceparent: null, 'content-type': null }));
    const res = await request(app).get('/api/messages');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ value: 'v', headers: { nothing: null, traceparent: null } });
    expect(buffer.commitPositions()).toEqual(new Map([[0, 1n]]));
  });

  it('when a batch holds records with null and repeated headers, then every record is delivered', async () => {
    const { buffer, app } = setup();
    buffer.offer(message(0, { a: null }));
    buffer.offer(message(1, { a: [Buffer.from('1'), Buffer.from('2')] }));
    buffer.offer(message(2, {}, null));
    const res = await request(app).get('/api/messages/batch?max=10');
    expect(res.status).toBe(200);
    const messages = (res.body as { messages: { headers: unknown }[] }).messages;
    expect(messages.map((m) => m.headers)).toEqual([{ a: null }, { a: ['1', '2'] }, {}]);
    expect(buffer.commitPositions()).toEqual(new Map([[0, 3n]]));
  });
});

describe('the delivery rule', () => {
  it('when rendering a record fails, then it is delivered with base64 bytes and an error field, never a 500', () => {
    const avro = {
      decode: () => {
        throw new Error('decoder exploded');
      },
    } as unknown as recordView.RenderOptions['avro'];
    const json = recordView.recordJson(
      message(3, { 'content-type': Buffer.from('application/avro') }, NOT_UTF8),
      { avro },
    );
    const parsed = JSON.parse(json) as Record<string, unknown>;
    expect(parsed).toMatchObject({
      offset: '3',
      value: NOT_UTF8.toString('base64'),
      encoding: 'base64',
      headers: { 'content-type': Buffer.from('application/avro').toString('base64') },
    });
    expect(parsed.error).toMatch(/could not be shown as it asks \(decoder exploded\)/);
  });

  it.each([
    ['GET /api/messages', '/api/messages'],
    ['GET /api/messages/batch', '/api/messages/batch'],
  ])(
    'when %s fails after taking messages, then the 500 gives them back and nothing is committable',
    async (_what, path) => {
      const { buffer, app } = setup();
      allowUndocumentedStatus(500);
      buffer.offer(message(0));
      buffer.offer(message(1));
      jest.spyOn(recordView, 'writeRecordJson').mockImplementation(() => {
        throw new Error('rendering failed');
      });
      const res = await request(app).get(path);
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.text).not.toMatch(/rendering failed|at .*\.ts/);
      expect(buffer.commitPositions().size).toBe(0);
      expect(buffer.stats()).toMatchObject({ buffered: 2, inFlight: 0 });
      jest.restoreAllMocks();
      // The service keeps serving, and the same messages come next.
      const again = await request(app).get('/api/messages/batch?max=10');
      expect(again.status).toBe(200);
      expect(
        (again.body as { messages: { offset: string }[] }).messages.map((m) => m.offset),
      ).toEqual(['0', '1']);
      expect(buffer.commitPositions()).toEqual(new Map([[0, 2n]]));
    },
  );

  it('when the client asked for manual acks and the response failed, then the receipt is not held', async () => {
    const { buffer, app } = setup();
    allowUndocumentedStatus(500);
    buffer.offer(message(0));
    jest.spyOn(recordView, 'writeRecordJson').mockImplementation(() => {
      throw new Error('rendering failed');
    });
    const res = await request(app).get('/api/messages?ack=manual');
    expect(res.status).toBe(500);
    expect(buffer.stats()).toMatchObject({ buffered: 1, inFlight: 0 });
  });
});
