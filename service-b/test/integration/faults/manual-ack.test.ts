// Fault 5: manual acknowledgement on a real broker. A message taken and never acked comes back
// after its deadline; an acked one never does, not even to a new instance of the group.
import request from 'supertest';
import { committedOffset, plainKafka, uniqueName, withAdmin } from '@test-support/kafka';
import { DeliveryLedger } from '@test-support/ledger';
import { serviceFixture } from '@test-support/services';
import { waitFor } from '@test-support/wait';

describe('fault: manual acknowledgement', () => {
  const services = serviceFixture('all');

  it('redelivers an unacked message after its deadline and never an acked one', async () => {
    const topic = uniqueName('ack');
    const group = uniqueName('ack-group');
    const ledger = new DeliveryLedger();
    await withAdmin((admin) => admin.createTopics({ waitForLeaders: true, topics: [{ topic }] }));
    const producer = plainKafka().producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'forgotten' }, { value: 'acked' }] });
    await producer.disconnect();
    ['forgotten', 'acked'].forEach((value) => ledger.expect(value));
    const b = await services.b({ KAFKA_TOPIC: topic, KAFKA_GROUP_ID: group });
    const take = () => request(b.url).get('/api/messages?ack=manual&visibilityMs=1500&waitMs=5000');

    const forgotten = await take().expect(200);
    const acked = await take().expect(200);
    expect([forgotten.body.value, acked.body.value]).toEqual(['forgotten', 'acked']);
    expect(Date.parse(forgotten.body.visibleUntil)).toBeGreaterThan(Date.now());
    [forgotten, acked].forEach((res) => ledger.deliver(res.body.value));
    const ack = await request(b.url)
      .post('/api/messages/ack')
      .send({ receipts: [acked.body.receipt] })
      .expect(200);
    expect(ack.body.results).toEqual([{ receipt: acked.body.receipt, outcome: 'acked' }]);
    // Offset 1 is acked but 0 is not: nothing may be committed yet.
    expect(await committedOffset(group, topic)).toBe(-1);

    // After its deadline the forgotten message comes back; acking its old receipt is refused.
    const again = await take().expect(200);
    expect(again.body).toMatchObject({ offset: '0', value: 'forgotten' });
    ledger.deliver(again.body.value);
    const late = await request(b.url)
      .post('/api/messages/ack')
      .send({ receipts: [forgotten.body.receipt] })
      .expect(200);
    expect(late.body.results[0].outcome).toBe('expired');
    await request(b.url)
      .post('/api/messages/ack')
      .send({ receipts: [again.body.receipt] })
      .expect(200);
    await waitFor('both committed', async () => (await committedOffset(group, topic)) === 2);

    // Neither this instance nor a new one delivers anything again.
    await request(b.url).get('/api/messages?waitMs=500').expect(204);
    const fresh = await services.b({ KAFKA_TOPIC: topic, KAFKA_GROUP_ID: group });
    await request(fresh.url).get('/api/messages?waitMs=1000').expect(204);

    ledger.report('fault 5, manual ack');
    expect(ledger.lost()).toEqual([]);
    expect(ledger.duplicates()).toBe(1); // only the forgotten one, by design
  });
});
