// The HTTP side of replay, topic metadata and lag, with a fake GroupOperations: request checks,
// problem+json for every refusal, 503 with Retry-After when Kafka is out of reach or a move was not
// confirmed, and the API key.
import request from 'supertest';
import { serviceBApp } from '@test-support/apps';
import { UnknownPartitionError, type MoveTarget } from '../../src/kafka/group-offsets';
import type { GroupOperations, MoveOutcome } from '../../src/kafka/group-position';
import { moveTargetFrom, parseTimestamp } from '../../src/http/group-route';
import { KafkaUnavailableError } from '../../src/kafka/shared-admin';

const KEY = 'k'.repeat(24);

function setup(group: Partial<GroupOperations>, { apiKeys = [] as string[] } = {}) {
  const onReplay = jest.fn();
  const { app } = serviceBApp({
    http: { apiKeys, corsOrigins: [], maxQueryBytes: 4096 },
    group: {
      topic: async () => ({ topic: 'message-topic', partitions: [] }),
      lag: async () => ({
        topic: 'message-topic',
        groupId: 'message-group',
        partitions: [],
        totalLag: '0',
      }),
      move: async () => moved([]),
      ...group,
    },
    onReplay,
  });
  return { app, onReplay };
}

function moved(partitions: number[], notConfirmed: number[] = []): MoveOutcome {
  return {
    complete: notConfirmed.length === 0,
    method: 'group',
    partitions: [...partitions, ...notConfirmed].map((partition) => ({
      partition,
      from: '7',
      to: '0',
      appliedBy: notConfirmed.includes(partition) ? null : { instance: 'b-1', memberId: 'm-1' },
    })),
  };
}

const post = (app: ReturnType<typeof setup>['app'], body: unknown) =>
  request(app)
    .post('/api/consumer/position')
    .send(body as object);

describe('POST /api/consumer/position', () => {
  it('when every partition moved, answers 200 with each partition and counts the replay', async () => {
    const move = jest.fn(async (_target: MoveTarget) => moved([0, 1]));
    const { app, onReplay } = setup({ move });
    const res = await post(app, { to: 'beginning' }).expect(200);
    expect(move).toHaveBeenCalledWith({ to: 'beginning' });
    expect(res.body).toEqual({
      topic: 'message-topic',
      groupId: 'message-group',
      ...moved([0, 1]),
    });
    expect(onReplay).toHaveBeenCalledWith('moved');
  });

  it('when a partition was not confirmed, answers 503 problem+json with Retry-After and what did and did not move', async () => {
    const { app, onReplay } = setup({ move: async () => moved([0], [1]) });
    const res = await post(app, { to: 'end' }).expect(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toMatchObject({ status: 503, complete: false, notMoved: [1] });
    expect(res.body.partitions).toHaveLength(2);
    expect(onReplay).toHaveBeenCalledWith('incomplete');
  });

  it('when Kafka is out of reach, answers 503 with Retry-After', async () => {
    const { app, onReplay } = setup({
      move: async () => {
        throw new KafkaUnavailableError('no answer');
      },
    });
    const res = await post(app, { to: 'end' }).expect(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(onReplay).toHaveBeenCalledWith('unavailable');
  });

  it('when the partition does not exist, answers 422', async () => {
    const { app } = setup({
      move: async () => {
        throw new UnknownPartitionError(9, 2);
      },
    });
    const res = await post(app, { to: 'beginning', partition: 9 }).expect(422);
    expect(res.body).toMatchObject({ status: 422, partitions: 2 });
  });

  it.each([
    ['an unknown target', { to: 'middle' }],
    ['no target', { partition: 0 }],
    ['an extra field', { to: 'end', force: true }],
    ['a negative partition', { to: 'end', partition: -1 }],
    ['a negative offset', { to: 'offset', offset: -1 }],
    ['an offset that is not decimal', { to: 'offset', offset: '0x10' }],
    ['an offset without "to": "offset"', { to: 'end', offset: '3' }],
    ['"to": "offset" without an offset', { to: 'offset' }],
    ['"to": "timestamp" without a timestamp', { to: 'timestamp' }],
    ['a timestamp that is not ISO 8601', { to: 'timestamp', timestamp: 'yesterday' }],
    ['a local time without a zone', { to: 'timestamp', timestamp: '2026-11-23T18:00:00' }],
    ['a JSON array', []],
  ])('when the body has %s, answers 400 and moves nothing', async (_what, body) => {
    const move = jest.fn();
    const { app } = setup({ move });
    const res = await post(app, body).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors.length).toBeGreaterThan(0);
    expect(move).not.toHaveBeenCalled();
  });

  it('when the body is not JSON, answers 415 or 400, never 5xx', async () => {
    const { app } = setup({});
    await request(app)
      .post('/api/consumer/position')
      .type('text/plain')
      .send('beginning')
      .expect(415);
    await request(app)
      .post('/api/consumer/position')
      .type('application/json')
      .send('{"to":')
      .expect(400);
  });

  it('when API keys are configured, refuses a request without one and accepts one with it', async () => {
    const move = jest.fn(async () => moved([0]));
    const { app } = setup({ move }, { apiKeys: [KEY] });
    await post(app, { to: 'end' }).expect(401);
    expect(move).not.toHaveBeenCalled();
    await request(app)
      .post('/api/consumer/position')
      .set('Authorization', `Bearer ${KEY}`)
      .send({ to: 'end' })
      .expect(200);
    await request(app).get('/api/consumer/lag').expect(401);
    await request(app).get('/api/topic').set('X-API-Key', KEY).expect(200);
  });

  it('when the method is not POST, answers 405 with Allow', async () => {
    const { app } = setup({});
    const res = await request(app).get('/api/consumer/position').expect(405);
    expect(res.headers.allow).toBe('POST');
  });
});

describe('GET /api/topic and /api/consumer/lag', () => {
  it('when Kafka answers, passes its view through', async () => {
    const lag = {
      topic: 'message-topic',
      groupId: 'message-group',
      partitions: [{ partition: 0, committed: '3', earliest: '0', latest: '5', lag: '2' }],
      totalLag: '2',
    };
    const { app } = setup({ lag: async () => lag });
    expect((await request(app).get('/api/consumer/lag').expect(200)).body).toEqual(lag);
  });

  it('when Kafka is out of reach, answers 503 problem+json with Retry-After', async () => {
    const down = async () => {
      throw new KafkaUnavailableError('refused');
    };
    const { app } = setup({ topic: down, lag: down });
    for (const path of ['/api/topic', '/api/consumer/lag']) {
      const res = await request(app).get(path).expect(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });
});

describe('reading a replay target', () => {
  it('takes ISO 8601 with a zone, a date alone (UTC midnight) and epoch milliseconds', () => {
    expect(parseTimestamp('2026-11-23T18:00:00Z')).toBe(Date.UTC(2026, 10, 23, 18));
    expect(parseTimestamp('2026-11-23T19:00:00.5+01:00')).toBe(
      Date.UTC(2026, 10, 23, 18, 0, 0, 500),
    );
    expect(parseTimestamp('2026-11-23')).toBe(Date.UTC(2026, 10, 23));
    expect(parseTimestamp(1_700_000_000_000)).toBe(1_700_000_000_000);
    expect(parseTimestamp('1700000000000')).toBe(1_700_000_000_000);
    expect(parseTimestamp('2026-13-45T00:00:00Z')).toBeUndefined();
  });

  it('turns an offset given as a string or a number into the same 64-bit target', () => {
    expect(moveTargetFrom({ to: 'offset', offset: '9007199254740993', partition: 1 })).toEqual({
      target: { to: 'offset', offset: 9007199254740993n, partition: 1 },
    });
    expect(moveTargetFrom({ to: 'offset', offset: 12 })).toEqual({
      target: { to: 'offset', offset: 12n },
    });
  });
});

describe('the OpenAPI document', () => {
  it('describes the three endpoints, and every request example it shows is accepted', async () => {
    const move = jest.fn(async () => moved([0]));
    const { app } = setup({ move });
    const doc = (await request(app).get('/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.paths['/api/topic']?.get).toBeDefined();
    expect(doc.paths['/api/consumer/lag']?.get).toBeDefined();
    const post = doc.paths['/api/consumer/position']?.post as {
      requestBody: {
        content: { 'application/json': { examples: Record<string, { value: unknown }> } };
      };
    };
    const examples = Object.values(post.requestBody.content['application/json'].examples);
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const { value } of examples) {
      await request(app)
        .post('/api/consumer/position')
        .send(value as object)
        .expect(200);
    }
    expect(move).toHaveBeenCalledTimes(examples.length);
  });
});
