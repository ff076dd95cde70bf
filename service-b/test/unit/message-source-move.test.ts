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
  } as unknown as DeliveryBuffer;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function joinedSource(positions: Map<number, bigint>) {
  const consumer = new ScriptedConsumer();
  const kafka = { consumer: () => consumer } as unknown as Kafka;
  const source = new KafkaMessageSource({
    kafka,
    topic: { topic: TOPIC, partitions: 1, replicationFactor: 1 },
    groupId: 'g',
    buffer: scriptedBuffer(positions),
    logger: createLogger({ name: 'move-test', level: 'silent' }),
    onFatal: () => undefined,
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
});
