// The replay coordination without a broker: a fake admin client, a fake control topic that hands
// every published record to every replica, and fake owners of partitions. Real-broker proof is in
// test/integration/replay.test.ts.
import type { Admin } from 'kafkajs';
import { createLogger } from '@kafka-http/common';
import type { ControlMessage } from '../../src/kafka/control-channel';
import { AckCollector, GroupPosition, type PositionOwner } from '../../src/kafka/group-position';
import { KafkaUnavailableError, type SharedAdmin } from '../../src/kafka/shared-admin';

const logger = createLogger({ name: 'group-position-test', level: 'silent' });

function fakeAdmin({ members = 1 } = {}) {
  const admin = {
    fetchTopicOffsets: jest.fn(async () => [
      { partition: 0, offset: '10', low: '0', high: '10' },
      { partition: 1, offset: '8', low: '2', high: '8' },
    ]),
    fetchOffsets: jest.fn(async () => [
      {
        topic: 't',
        partitions: [
          { partition: 0, offset: '10', metadata: null },
          { partition: 1, offset: '-1', metadata: null },
        ],
      },
    ]),
    describeGroups: jest.fn(async () => ({
      groups: [{ groupId: 'g', members: Array.from({ length: members }, () => ({})) }],
    })),
    fetchTopicOffsetsByTimestamp: jest.fn(async () => [
      { partition: 0, offset: '3' },
      { partition: 1, offset: '8' },
    ]),
    setOffsets: jest.fn(async () => undefined),
  };
  const shared = {
    run: <T>(_what: string, fn: (a: Admin) => Promise<T>) => fn(admin as unknown as Admin),
  } as unknown as SharedAdmin;
  return { admin, shared };
}

/** A replica owning `owned`, whose moves succeed unless `fail` says otherwise. */
function owner(owned: number[], fail: number[] = []) {
  const moves: [number, bigint][] = [];
  const source: PositionOwner = {
    owns: (partition) => owned.includes(partition),
    movePosition: async (partition, offset) => {
      moves.push([partition, offset]);
      return !fail.includes(partition);
    },
    status: () => ({ memberId: `member-${owned.join('-')}`, blocked: [] }),
  };
  return { source, moves };
}

/** Replicas sharing one in-memory control topic: every record reaches every replica, in order. */
function replicas(sources: PositionOwner[], { members = 1, timeoutMs = 1000 } = {}) {
  const { admin, shared } = fakeAdmin({ members });
  const published: ControlMessage[] = [];
  const nodes: GroupPosition[] = [];
  sources.forEach((source, i) => {
    const node = new GroupPosition({
      admin: shared,
      source,
      topic: 't',
      groupId: 'g',
      instanceId: `b-${i}`,
      timeoutMs,
      logger,
    });
    node.attach({
      isListening: () => true,
      whenListening: async () => true,
      publish: async (message) => {
        published.push(message);
        // Delivered asynchronously, like a record read back from Kafka.
        setImmediate(() => nodes.forEach((n) => n.handle(message)));
      },
    });
    nodes.push(node);
  });
  const node = (i: number): GroupPosition => {
    const found = nodes[i];
    if (!found) throw new Error(`no replica ${i}`);
    return found;
  };
  return { node, admin, published };
}

describe('AckCollector', () => {
  it('when every target partition is acknowledged, is complete and names who moved each', async () => {
    const collector = new AckCollector([0, 1]);
    collector.add({ instance: 'b-1', memberId: 'm1', partitions: [0, 5] });
    expect(collector.isComplete()).toBe(false);
    collector.add({ instance: 'b-2', memberId: 'm2', partitions: [1] });
    await collector.done;
    expect(collector.applied(0)).toEqual({ instance: 'b-1', memberId: 'm1' });
    expect(collector.applied(1)).toEqual({ instance: 'b-2', memberId: 'm2' });
    expect(collector.applied(5)).toBeNull();
  });
});

describe('GroupPosition.move', () => {
  it('when two replicas own the partitions, each moves its own and the answer lists both', async () => {
    const a = owner([0]);
    const b = owner([1]);
    const { node } = replicas([a.source, b.source]);
    const outcome = await node(0).move({ to: 'beginning' });
    expect(outcome).toEqual({
      complete: true,
      method: 'group',
      partitions: [
        { partition: 0, from: '10', to: '0', appliedBy: { instance: 'b-0', memberId: 'member-0' } },
        { partition: 1, from: null, to: '2', appliedBy: { instance: 'b-1', memberId: 'member-1' } },
      ],
    });
    expect(a.moves).toEqual([[0, 0n]]);
    expect(b.moves).toEqual([[1, 2n]]);
  });

  it('when an owner cannot confirm its partition before the deadline, the outcome is incomplete and says which', async () => {
    const a = owner([0]);
    const b = owner([1], [1]);
    const { node } = replicas([a.source, b.source], { timeoutMs: 100 });
    const outcome = await node(1).move({ to: 'timestamp', timestamp: 5 });
    expect(outcome.complete).toBe(false);
    expect(
      outcome.partitions.map((p) => [p.partition, p.to, p.appliedBy?.instance ?? null]),
    ).toEqual([
      [0, '3', 'b-0'],
      [1, '8', null],
    ]);
  });

  it('when the group has no member, sets the offsets with the admin client', async () => {
    const { node, admin, published } = replicas([owner([]).source], { members: 0 });
    const outcome = await node(0).move({ to: 'offset', offset: 4n, partition: 0 });
    expect(admin.setOffsets).toHaveBeenCalledWith({
      groupId: 'g',
      topic: 't',
      partitions: [{ partition: 0, offset: '4' }],
    });
    expect(outcome).toMatchObject({
      complete: true,
      method: 'admin',
      partitions: [{ partition: 0, to: '4', appliedBy: { instance: 'admin' } }],
    });
    expect(published).toEqual([]);
  });

  it('when the control topic is not being read yet, refuses as unavailable', async () => {
    const { shared } = fakeAdmin();
    const node = new GroupPosition({
      admin: shared,
      source: owner([0]).source,
      topic: 't',
      groupId: 'g',
      instanceId: 'b-0',
      timeoutMs: 100,
      logger,
    });
    node.attach({
      isListening: () => false,
      whenListening: async () => false,
      publish: async () => undefined,
    });
    await expect(node.move({ to: 'end' })).rejects.toThrow(KafkaUnavailableError);
  });
});

describe('GroupPosition.handle', () => {
  it('when a command arrives after its deadline, or for another group, moves nothing', () => {
    const a = owner([0]);
    const { node } = replicas([a.source]);
    const base = {
      kind: 'move' as const,
      id: 'x',
      topic: 't',
      origin: 'b-9',
      targets: [{ partition: 0, offset: '1' }],
    };
    node(0).handle({ ...base, groupId: 'g', deadline: Date.now() - 1 });
    node(0).handle({ ...base, groupId: 'other', deadline: Date.now() + 10_000 });
    expect(a.moves).toEqual([]);
  });
});
