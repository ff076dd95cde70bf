// Fault 6: poison records (invalid JSON under a JSON content type, bytes that are not UTF-8, a
// record bigger than the response limit) are each delivered in a documented form and never block
// the records behind them.
import request from 'supertest';
import type { ServiceB } from '../../../src/service';
import { committedOffset, plainKafka, uniqueName, withAdmin } from '@test-support/kafka';
import { DeliveryLedger } from '@test-support/ledger';
import { startB } from '@test-support/services';
import { waitFor } from '@test-support/wait';

describe('fault: poison records', () => {
  let b: ServiceB | undefined;
  afterAll(async () => {
    await b?.stop();
  });

  it('delivers each poison record in a documented form, and the records after them', async () => {
    const topic = uniqueName('poison');
    const group = uniqueName('poison-group');
    const ledger = new DeliveryLedger();
    await withAdmin((admin) => admin.createTopics({ waitForLeaders: true, topics: [{ topic }] }));
    const producer = plainKafka().producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { value: '{"unterminated": ', headers: { 'content-type': 'application/json' } },
        { value: Buffer.from([0xc3, 0x28, 0xff]) },
        { value: 'y'.repeat(4096) },
        { value: 'healthy' },
      ],
    });
    await producer.disconnect();
    ['invalid-json', 'bytes', 'too-large', 'healthy'].forEach((name) => ledger.expect(name));
    const service = await startB({
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: group,
      MAX_MESSAGE_BYTES: '1024',
    });
    b = service;
    const next = () => request(service.url).get('/api/messages?waitMs=5000').expect(200);

    const invalidJson = await next();
    expect(invalidJson.body).toMatchObject({ offset: '0', value: '{"unterminated": ' });
    expect(invalidJson.body.warning).toMatch(/not valid JSON/);
    ledger.deliver('invalid-json');
    const bytes = await next();
    expect(bytes.body).toMatchObject({ offset: '1', value: 'wyj/', encoding: 'base64' });
    ledger.deliver('bytes');
    const tooLarge = await next();
    expect(tooLarge.body).toMatchObject({ offset: '2', value: null, valueBytes: 4096 });
    expect(tooLarge.body.error).toMatch(/MAX_MESSAGE_BYTES/);
    ledger.deliver('too-large');
    const healthy = await next();
    expect(healthy.body).toMatchObject({ offset: '3', value: 'healthy' });
    ledger.deliver('healthy');
    await waitFor('all four committed', async () => (await committedOffset(group, topic)) === 4);

    ledger.report('fault 6, poison records');
    expect(ledger.lost()).toEqual([]);
    expect(ledger.duplicates()).toBe(0);
  });
});
