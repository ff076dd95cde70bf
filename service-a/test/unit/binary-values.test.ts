// Binary values: an application/octet-stream body stored byte for byte, and batch values with
// "encoding": "base64" stored as the decoded bytes.
import request from 'supertest';
import { expectProblem } from '@test-support/problem';
import { postBatch, setup } from '@test-support/produce-harness';

describe('binary values', () => {
  const BYTES = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x41, 0x00]);

  it('stores an application/octet-stream body exactly, with that content-type header', async () => {
    const { app, publisher } = setup();
    await request(app)
      .post('/api/messages')
      .set('Content-Type', 'application/octet-stream')
      .send(BYTES)
      .expect(200);
    expect(publisher.messages[0]?.value).toEqual(BYTES);
    expect(publisher.messages[0]?.headers['content-type']).toBe('application/octet-stream');
  });

  it('stores an empty application/octet-stream body as a zero-length value', async () => {
    const { app, publisher } = setup();
    await request(app)
      .post('/api/messages')
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.alloc(0))
      .expect(200);
    expect(publisher.messages[0]?.value).toEqual(Buffer.alloc(0));
  });

  it('stores a batch value with "encoding": "base64" as the decoded bytes', async () => {
    const { app, publisher } = setup();
    await postBatch(app, {
      messages: [{ value: BYTES.toString('base64'), encoding: 'base64', key: 'bin' }],
    }).expect(200);
    expect(publisher.messages[0]?.value).toEqual(BYTES);
    expect(publisher.messages[0]?.headers['content-type']).toBe('application/octet-stream');
    expect(publisher.messages[0]?.key).toBe('bin');
  });

  it.each([
    ['not base64', 'no spaces allowed'],
    ['missing padding', 'AAE'],
    ['stray bits in the padding', 'AB=='],
    ['a number', 42],
  ])('refuses a base64 batch value that is %s with 400', async (_what, value) => {
    const { app, publisher } = setup();
    const res = await postBatch(app, { messages: [{ value, encoding: 'base64' }] });
    expect(expectProblem(res, 400).detail).toMatch(/base64/);
    expect(publisher.messages).toHaveLength(0);
  });

  it('refuses an encoding other than base64 with 400', async () => {
    const { app } = setup();
    expectProblem(await postBatch(app, { messages: [{ value: 'x', encoding: 'hex' }] }), 400);
  });
});
