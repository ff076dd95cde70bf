// The commit of a moved position (replay), with a scripted KafkaJS consumer: a move is confirmed
// only by the commit of its own offset, never by a commit of the old position that was already
// under way when the move came.
import { EventEmitter } from 'node:events';
import type { Kafka } from 'kafkajs';
import { createLogger } from '@kafka-http/common';
import type { DeliveryBuffer } from '../../src/delivery/delivery-buffer';
import { KafkaMessageSource } from '../../src/kafka/message-source';

const TOPIC = 'moves';

const EVENTS = {
  FETCH_START: 'fetch_start',
  CONNECT: 'connect',
  DISCONNECT: 'disconnect',
  REBALANCING: 'rebalancing',
  GROUP_JOIN: 'group_join',
  COMMIT_OFFSETS: 'commit_offsets',
  STOP: 'stop',
  CRASH: 'crash',
} as const;

interface Commit {
  offsets: { partition: number; offset: string }[];
  land(): void;
}

/** A consumer whose commits wait until the test lands them (emitting COMMIT_OFFSETS, as KafkaJS does). */
class ScriptedConsumer extends EventEmitter {
  readonly events = EVENTS;
  readonly commits: Commit[] = [];
  readonly seeks: { partition: number; offset: string }[] = [];
  /** pause() and resume() calls, in order, as `pause 0,1` or `resume *` (the whole topic). */
  readonly flow: string[] = [];

  pause(topics: { partitions?: number[] }[]): void {
    this.flow.push(`pause ${topics[0]?.partitions?.join(',') ?? '*'}`);
  }

  resume(topics: { partitions?: number[] }[]): void {
    this.flow.push(`resume ${topics[0]?.partitions?.join(',') ?? '*'}`);
  }

  commitOffsets(offsets: { topic: string; partition: number; offset: string }[]): Promise<void> {
    return new Promise((resolve) => {
      this.commits.push({
        offsets: offsets.map(({ partition, offset }) => ({ partition, offset })),
        land: () => {
          this.emit(EVENTS.COMMIT_OFFSETS, {
            payload: { topics: [{ topic: TOPIC, partitions: offsets }] },
          });
          resolve();
        },
      });
    });
  }

  seek({ partition, offset }: { partition: number; offset: string }): void {
    this.seeks.push({ partition, offset });
  }
}

/** The buffer's commit positions, set by the test. */
function scriptedBuffer(positions: Map<number, bigint>) {
  let epoch = 1;
  return {
    commitPositions: () => positions,
    setAssignment: () => undefined,
    resetPartition: (partition: number) => {
      positions.delete(partition);
      epoch++;
    },
    epochOf: () => epoch,
    isFull: () => false,
    stats: () => ({}),
    listen: () => undefined,
  } as unknown as DeliveryBuffer;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function joinedSource(
  positions: Map<number, bigint>,
  startingOffset?: (partition: number) => Promise<bigint>,
) {
  const consumer = new ScriptedConsumer();
  const kafka = { consumer: () => consumer } as unknown as Kafka;
  const source = new KafkaMessageSource({
    kafka,
    topic: { topic: TOPIC, partitions: 1, replicationFactor: 1 },
    groupId: 'g',
    buffer: scriptedBuffer(positions),
    logger: createLogger({ name: 'move-test', level: 'silent' }),
    onFatal: () => undefined,
    startingOffset,
  });
  consumer.emit(EVENTS.CONNECT, {});
  consumer.emit(EVENTS.GROUP_JOIN, {
    payload: { memberId: 'm-1', memberAssignment: { [TOPIC]: [0] } },
  });
  return { consumer, source };
}

describe('KafkaMessageSource.movePosition', () => {
  it('is not confirmed by a commit of the old position that lands after the move', async () => {
    const positions = new Map([[0, 501n]]);
    const { consumer, source } = joinedSource(positions);
    // Joining commits what was delivered: 501, held in flight.
    await settle();
    expect(consumer.commits.map((c) => c.offsets)).toEqual([[{ partition: 0, offset: '501' }]]);

    let moved: boolean | undefined;
    void source.movePosition(0, 37n, 10_000).then((result) => {
      moved = result;
    });
    expect(consumer.seeks).toEqual([{ partition: 0, offset: '37' }]);

    consumer.commits[0]?.land();
    await settle();
    expect(moved).toBeUndefined();
    // The move's own commit follows, even though it is below the committed offset.
    expect(consumer.commits[1]?.offsets).toEqual([{ partition: 0, offset: '37' }]);

    consumer.commits[1]?.land();
    await settle();
    expect(moved).toBe(true);
    expect(source.committedOffsets()).toEqual({ 0: '37' });
  });

  it('commits deliveries made since the move together with it', async () => {
    const positions = new Map<number, bigint>();
    const { consumer, source } = joinedSource(positions);
    await settle();
    let moved: boolean | undefined;
    void source.movePosition(0, 10n, 10_000).then((result) => {
      moved = result;
    });
    await settle();
    // Three messages of the new position were delivered before the move's commit went out.
    positions.set(0, 13n);
    source.requestCommit(); // what the buffer asks for when a delivery completes
    consumer.commits[0]?.land();
    await settle();
    expect(consumer.commits[0]?.offsets).toEqual([{ partition: 0, offset: '10' }]);
    expect(moved).toBe(true);
    expect(consumer.commits[1]?.offsets).toEqual([{ partition: 0, offset: '13' }]);
  });

  it('replaces a seek KafkaJS had not applied when the group rebalances, holding the partition meanwhile', async () => {
    let answer: ((offset: bigint) => void) | undefined;
    const asked: number[] = [];
    const { consumer, source } = joinedSource(new Map(), (partition) => {
      asked.push(partition);
      return new Promise((resolve) => {
        answer = resolve;
      });
    });
    await settle();
    void source.movePosition(0, 200n, 10_000);
    // A rebalance before any fetch applied the seek: the move is not confirmed, and KafkaJS still
    // holds the seek to 200. The partition is paused before fetching, then sought to where the
    // group resumes it, then resumed.
    consumer.emit(EVENTS.GROUP_JOIN, {
      payload: { memberId: 'm-1', memberAssignment: { [TOPIC]: [0] } },
    });
    expect(consumer.flow).toEqual(['pause 0']);
    expect(asked).toEqual([0]);
    // Meanwhile the buffer had room again: resuming the topic must not release the held partition.
    (source as unknown as { paused: boolean }).paused = true;
    source.resume();
    expect(consumer.flow).toEqual(['pause 0', 'resume *', 'pause 0']);
    answer?.(120n);
    await settle();
    expect(consumer.seeks).toEqual([
      { partition: 0, offset: '200' },
      { partition: 0, offset: '120' },
    ]);
    expect(consumer.flow.at(-1)).toBe('resume 0');
    // Done: the next rebalance leaves the partition alone.
    consumer.emit(EVENTS.GROUP_JOIN, {
      payload: { memberId: 'm-1', memberAssignment: { [TOPIC]: [0] } },
    });
    expect(consumer.flow.at(-1)).toBe('resume 0');
  });

  it('keeps the flag for a partition assigned elsewhere, and rewinds it when it comes back', async () => {
    const { consumer, source } = joinedSource(new Map(), async () => 7n);
    await settle();
    void source.movePosition(0, 50n, 10_000);
    consumer.emit(EVENTS.GROUP_JOIN, {
      payload: { memberId: 'm-1', memberAssignment: { [TOPIC]: [] } },
    });
    expect(consumer.flow).toEqual([]);
    consumer.emit(EVENTS.GROUP_JOIN, {
      payload: { memberId: 'm-1', memberAssignment: { [TOPIC]: [0] } },
    });
    await settle();
    expect(consumer.flow).toEqual(['pause 0', 'resume 0']);
    expect(consumer.seeks.at(-1)).toEqual({ partition: 0, offset: '7' });
  });
});

describe('KafkaMessageSource after an eviction', () => {
  it('restarts its partitions from the committed offsets when it rejoins as a new member', async () => {
    const positions = new Map([[0, 40n]]);
    const consumer = new ScriptedConsumer();
    const buffer = scriptedBuffer(positions);
    const source = new KafkaMessageSource({
      kafka: { consumer: () => consumer } as unknown as Kafka,
      topic: { topic: TOPIC, partitions: 1, replicationFactor: 1 },
      groupId: 'g',
      buffer,
      logger: createLogger({ name: 'evict-test', level: 'silent' }),
      onFatal: () => undefined,
    });
    const join = (memberId: string) =>
      consumer.emit(EVENTS.GROUP_JOIN, {
        payload: { memberId, memberAssignment: { [TOPIC]: [0] } },
      });
    consumer.emit(EVENTS.CONNECT, {});
    join('m-1');
    join('m-1'); // an ordinary rebalance: the same member keeps what it holds
    expect(buffer.epochOf(0)).toBe(1);
    expect(positions.get(0)).toBe(40n);
    join('m-2'); // evicted meanwhile, joined afresh
    expect(buffer.epochOf(0)).toBe(2);
    expect(positions.has(0)).toBe(false);
    expect(source.committedOffsets()).toEqual({});
  });
});
