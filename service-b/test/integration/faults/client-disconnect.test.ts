// Fault 4: a client that disconnects mid-response. Its message was not delivered, so it is not
// committed and goes to the next client, first in its partition.
import { connect } from 'node:net';
import request from 'supertest';
import type { ServiceB } from '../../../src/service';
import { committedOffset, plainKafka, uniqueName, withAdmin } from '@test-support/kafka';
import { DeliveryLedger } from '@test-support/ledger';
import { startB } from '@test-support/services';
import { waitFor } from '@test-support/wait';

const MIB = 1024 * 1024;

describe('fault: a client disconnects mid-response', () => {
  let b: ServiceB | undefined;
  afterAll(async () => {
    await b?.stop();
  });

  it('delivers the message again, and commits it only once it was delivered', async () => {
    const topic = uniqueName('gone');
    const group = uniqueName('gone-group');
    const ledger = new DeliveryLedger();
    // A value far bigger than the loopback socket buffers (a few MB each way), so its response
    // cannot finish while the client does not read.
    const big = 'x'.repeat(48 * MIB);
    await withAdmin((admin) =>
      admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic, configEntries: [{ name: 'max.message.bytes', value: String(64 * MIB) }] },
        ],
      }),
    );
    const producer = plainKafka().producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: big }, { value: 'after' }] });
    await producer.disconnect();
    ledger.expect('big');
    ledger.expect('after');
    const service = await startB({
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: group,
      MAX_MESSAGE_BYTES: String(64 * MIB),
      BUFFER_MAX_BYTES: String(128 * MIB),
    });
    b = service;
    await waitFor('the big record buffered', () => service.buffer.stats().buffered >= 1);

    // A client that asks and never reads, then disconnects mid-response.
    const socket = connect(Number(new URL(service.url).port), '127.0.0.1');
    socket.pause();
    socket.write(`GET /api/messages HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    await waitFor('the response in flight', () => service.buffer.stats().inFlight === 1);
    socket.destroy();
    await waitFor('the message back in the buffer', () => service.buffer.stats().inFlight === 0);
    expect(await committedOffset(group, topic)).toBe(-1);

    const again = await request(service.url).get('/api/messages?waitMs=5000').expect(200);
    expect(again.body.offset).toBe('0');
    expect(again.body.value).toHaveLength(big.length);
    ledger.deliver('big');
    await waitFor('offset 0 committed', async () => (await committedOffset(group, topic)) === 1);
    const next = await request(service.url).get('/api/messages?waitMs=5000').expect(200);
    expect(next.body).toMatchObject({ offset: '1', value: 'after' });
    ledger.deliver('after');

    ledger.report('fault 4, client disconnects mid-response');
    expect(ledger.lost()).toEqual([]);
    expect(ledger.duplicates()).toBe(0);
  });
});
