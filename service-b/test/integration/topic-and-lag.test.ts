// GET /api/topic and GET /api/consumer/lag on a real broker: after N records produced and M
// delivered, the offsets and the lag are Kafka's own, per partition and in total.
import request from 'supertest';
import type { ServiceB } from '../../src/service';
import { plainKafka, uniqueName, withAdmin } from '@test-support/kafka';
import { startB } from '@test-support/services';
import { waitFor } from '@test-support/wait';

describe('topic metadata and group lag on a real broker', () => {
  let b: ServiceB | undefined;
  afterEach(async () => {
    await b?.stop();
    b = undefined;
  });

  it('shows each partition with its leader, replicas, offsets and the group lag after N produced and M delivered', async () => {
    const topic = uniqueName('lag');
    const group = uniqueName('lag-group');
    b = await startB({ KAFKA_TOPIC: topic, KAFKA_GROUP_ID: group, KAFKA_TOPIC_PARTITIONS: '2' });
    const service = b;
    const perPartition = [7, 4];
    const producer = plainKafka().producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: perPartition.flatMap((count, partition) =>
        Array.from({ length: count }, (_, i) => ({ value: `p${partition}-${i}`, partition })),
      ),
    });
    await producer.disconnect();

    // Deliver M = 5 messages; which partitions they come from is up to the round robin.
    const delivered = [0, 0];
    for (let i = 0; i < 5; i++) {
      const res = await request(service.url).get('/api/messages?waitMs=5000').expect(200);
      const partition = res.body.partition as 0 | 1;
      delivered[partition] = (delivered[partition] ?? 0) + 1;
    }
    const [broker] = await withAdmin(async (admin) => (await admin.describeCluster()).brokers);

    const topicView = await request(service.url).get('/api/topic').expect(200);
    expect(topicView.body).toEqual({
      topic,
      partitions: perPartition.map((count, partition) => ({
        partition,
        leader: broker?.nodeId,
        replicas: [broker?.nodeId],
        isr: [broker?.nodeId],
        offlineReplicas: [],
        earliest: '0',
        latest: String(count),
        records: String(count),
      })),
    });

    // Commits follow the responses; wait until both partitions show them.
    const expected = {
      topic,
      groupId: group,
      partitions: perPartition.map((count, partition) => ({
        partition,
        committed: delivered[partition] === 0 ? null : String(delivered[partition]),
        earliest: '0',
        latest: String(count),
        lag: String(count - (delivered[partition] ?? 0)),
      })),
      totalLag: String(11 - 5),
    };
    const lag = await waitFor('the lag after the commits', async () => {
      const res = await request(service.url).get('/api/consumer/lag').expect(200);
      return JSON.stringify(res.body) === JSON.stringify(expected) ? res.body : undefined;
    });
    expect(lag).toEqual(expected);
  });

  it('answers 503 problem+json with Retry-After when Kafka cannot be reached', async () => {
    // A port nothing listens on: the admin client's connection is refused.
    b = await startB(
      {
        KAFKA_BROKERS: '127.0.0.1:1',
        KAFKA_TOPIC: uniqueName('unreachable'),
        KAFKA_GROUP_ID: uniqueName('unreachable-group'),
        KAFKA_ADMIN_TIMEOUT_MS: '1000',
      },
      { waitUntilReady: false },
    );
    for (const path of ['/api/topic', '/api/consumer/lag']) {
      const res = await request(b.url).get(path).expect(503);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toMatchObject({ status: 503, title: 'Service Unavailable' });
    }
    const replay = await request(b.url)
      .post('/api/consumer/position')
      .send({ to: 'end' })
      .expect(503);
    expect(replay.headers['retry-after']).toBe('5');
  });
});
