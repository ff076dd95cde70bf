// service-b's delivery guarantees on a real broker: order, no loss, no duplicates without a crash,
// a bounded buffer, commits only after the response, redelivery when the client went away.
import request from 'supertest';
import type { ServiceA } from '../../../service-a/src/service';
import { committedOffset, plainKafka, uniqueName, withAdmin } from '@test-support/kafka';
import { serviceFixture, startA, startB } from '@test-support/services';
import { waitFor } from '@test-support/wait';

async function produceTexts(topic: string, texts: string[]): Promise<void> {
  const producer = plainKafka().producer();
  await producer.connect();
  await producer.send({ topic, messages: texts.map((value) => ({ value })) });
  await producer.disconnect();
}

describe('service-b delivery on a real broker', () => {
  const serviceB = serviceFixture('each').b;

  it('delivers 200 POSTed messages once each, in order, within a bounded buffer, and commits them all', async () => {
    const topic = uniqueName('order');
    const group = uniqueName('order-group');
    const maxMessages = 20;
    const fetchBytes = 1024;
    const texts = Array.from({ length: 200 }, (_, i) => `m-${String(i).padStart(3, '0')}`);
    // POSTed one after the other through service-a, so their order is the order of the texts.
    const a: ServiceA = await startA({ KAFKA_TOPIC: topic });
    try {
      for (const text of texts) {
        await request(a.url).post('/api/messages').type('text/plain').send(text).expect(200);
      }
    } finally {
      await a.stop();
    }
    const b = await serviceB({
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: group,
      BUFFER_MAX_MESSAGES: String(maxMessages),
      // Fetches of a few records, so that the backlog takes many fetches.
      KAFKA_FETCH_MAX_BYTES: String(fetchBytes),
      KAFKA_MAX_BYTES_PER_PARTITION: String(fetchBytes),
    });

    const delivered: { offset: number; value: string }[] = [];
    let mostHeld = 0;
    const sample = () => {
      mostHeld = Math.max(mostHeld, b.buffer.stats().held);
    };
    // One client first: its messages must come in offset order.
    for (let i = 0; i < 50; i++) {
      const res = await request(b.url).get('/api/messages?waitMs=5000').expect(200);
      delivered.push({ offset: Number(res.body.offset), value: res.body.value });
      sample();
    }
    expect(delivered.map((d) => d.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(delivered.map((d) => d.value)).toEqual(texts.slice(0, 50));
    // Then eight clients at once for the rest.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (delivered.length < texts.length) {
          const res = await request(b.url).get('/api/messages?waitMs=1000');
          sample();
          if (res.status === 200)
            delivered.push({ offset: Number(res.body.offset), value: res.body.value });
          else expect(res.status).toBe(204);
        }
      }),
    );

    const byOffset = [...delivered].sort((x, y) => x.offset - y.offset);
    console.log(
      `delivered ${delivered.length}, distinct ${new Set(byOffset.map((d) => d.value)).size}, most held ${mostHeld}`,
    );
    // Each message exactly once, and offsets follow the order the messages were POSTed.
    expect(byOffset.map((d) => d.value)).toEqual(texts);
    expect(byOffset.map((d) => d.offset)).toEqual(texts.map((_, i) => i));
    // The consumer pauses instead of buffering the whole backlog: what one fetch brought is taken
    // whole, so the buffer passes its limit by at most one fetch (no record takes under 20 bytes).
    expect(mostHeld).toBeLessThanOrEqual(maxMessages + fetchBytes / 20);
    await waitFor('all 200 committed', async () => (await committedOffset(group, topic)) === 200);
    await request(b.url).get('/api/messages?waitMs=200').expect(204);
  });

  it('on shutdown answers waiting clients 503 and commits what it delivered; a new instance continues', async () => {
    const topic = uniqueName('shutdown');
    const group = uniqueName('shutdown-group');
    await withAdmin((admin) => admin.createTopics({ waitForLeaders: true, topics: [{ topic }] }));
    await produceTexts(topic, ['one', 'two', 'three']);
    const first = await startB({ KAFKA_TOPIC: topic, KAFKA_GROUP_ID: group });
    for (const expected of ['one', 'two']) {
      const res = await request(first.url).get('/api/messages?waitMs=5000').expect(200);
      expect(res.body.value).toBe(expected);
    }
    await first.stop();
    expect(await committedOffset(group, topic)).toBe(2);

    const second = await serviceB({ KAFKA_TOPIC: topic, KAFKA_GROUP_ID: group });
    const res = await request(second.url).get('/api/messages?waitMs=5000').expect(200);
    expect(res.body.value).toBe('three');
  });

  it('answers a client still waiting at shutdown with 503 problem+json', async () => {
    const topic = uniqueName('waiting');
    await withAdmin((admin) => admin.createTopics({ waitForLeaders: true, topics: [{ topic }] }));
    const b = await startB({ KAFKA_TOPIC: topic, KAFKA_GROUP_ID: uniqueName('waiting-group') });
    const waiting = request(b.url).get('/api/messages?waitMs=20000');
    const pending = waiting.then((res) => res);
    await waitFor('the client waiting', () => b.buffer.stats().buffered === 0);
    await new Promise((resolve) => setImmediate(resolve));
    const stopping = b.stop();
    const res = await pending;
    await stopping;
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.headers['retry-after']).toBeDefined();
  });
});
