// Where the topic's partitions are, what offsets they hold, how far the group is behind, and which
// offset a replay request means for each partition. The admin queries are thin; the arithmetic is
// pure so it is unit-tested without a broker.
import type { Admin } from 'kafkajs';

export interface PartitionEnds {
  partition: number;
  /** The first offset still in the log. */
  earliest: bigint;
  /** The offset the next record will get (the end of the log). */
  latest: bigint;
}

export interface PartitionView {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  earliest: string;
  latest: string;
  /** Records currently in the log: latest minus earliest (fewer with compaction). */
  records: string;
}

export interface TopicView {
  topic: string;
  partitions: PartitionView[];
}

export interface PartitionLag {
  partition: number;
  /** The group's committed offset (the next to deliver), null when it has none. */
  committed: string | null;
  earliest: string;
  latest: string;
  /** Records not yet committed: latest minus committed (minus earliest without a commit). */
  lag: string;
  /** Set when the instance answering holds this partition at a batch it cannot decode. */
  blocked?: { offset: string; batchLastOffset: string; codec: string; reason: string };
}

export interface LagView {
  topic: string;
  groupId: string;
  partitions: PartitionLag[];
  totalLag: string;
}

/** A replay request, validated. `partition` undefined means every partition. */
export type MoveTarget =
  | { to: 'beginning' | 'end'; partition?: number }
  | { to: 'offset'; offset: bigint; partition?: number }
  | { to: 'timestamp'; timestamp: number; partition?: number };

export interface ResolvedTarget {
  partition: number;
  offset: bigint;
  /** Set when the requested offset lay outside [earliest, latest] and was moved to the nearest end. */
  clamped?: { requested: string; reason: 'before-earliest' | 'after-latest' };
}

/** The request named a partition the topic does not have: a client mistake (422). */
export class UnknownPartitionError extends Error {
  override name = 'UnknownPartitionError';
  constructor(
    readonly partition: number,
    readonly partitions: number,
  ) {
    super(
      `The topic has ${partitions} partition(s) (0 to ${partitions - 1}); there is no partition ${partition}.`,
    );
  }
}

export async function fetchEnds(admin: Admin, topic: string): Promise<PartitionEnds[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets
    .map(({ partition, low, high }) => ({
      partition,
      earliest: BigInt(low),
      latest: BigInt(high),
    }))
    .sort((a, b) => a.partition - b.partition);
}

/** The group's committed offset per partition; partitions without a commit are left out. */
export async function fetchCommitted(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<Map<number, bigint>> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committed = new Map<number, bigint>();
  for (const { partition, offset } of entry?.partitions ?? []) {
    if (BigInt(offset) >= 0n) committed.set(partition, BigInt(offset));
  }
  return committed;
}

/**
 * Where the group resumes a partition: its committed offset, or the earliest one when it has no
 * commit or the commit lies before the log's start (records deleted by retention).
 */
export async function fetchResumeOffset(
  admin: Admin,
  groupId: string,
  topic: string,
  partition: number,
): Promise<bigint> {
  const [ends, committed] = await Promise.all([
    fetchEnds(admin, topic),
    fetchCommitted(admin, groupId, topic),
  ]);
  const end = ends.find((e) => e.partition === partition);
  if (!end) throw new UnknownPartitionError(partition, ends.length);
  const position = committed.get(partition);
  return position === undefined || position < end.earliest ? end.earliest : position;
}

export async function describeTopic(admin: Admin, topic: string): Promise<TopicView> {
  const [metadata, ends] = await Promise.all([
    admin.fetchTopicMetadata({ topics: [topic] }),
    fetchEnds(admin, topic),
  ]);
  const partitions = metadata.topics.find((t) => t.name === topic)?.partitions ?? [];
  return {
    topic,
    partitions: [...partitions]
      .sort((a, b) => a.partitionId - b.partitionId)
      .map((p) => {
        const end = ends.find((e) => e.partition === p.partitionId);
        const earliest = end?.earliest ?? 0n;
        const latest = end?.latest ?? 0n;
        return {
          partition: p.partitionId,
          leader: p.leader,
          replicas: p.replicas,
          isr: p.isr,
          offlineReplicas: p.offlineReplicas ?? [],
          earliest: earliest.toString(),
          latest: latest.toString(),
          records: (latest - earliest).toString(),
        };
      }),
  };
}

export async function describeLag(admin: Admin, groupId: string, topic: string): Promise<LagView> {
  const [ends, committed] = await Promise.all([
    fetchEnds(admin, topic),
    fetchCommitted(admin, groupId, topic),
  ]);
  return { topic, groupId, ...computeLag(ends, committed) };
}

/**
 * Lag per partition: from the committed offset to the end of the log. Without a commit the group
 * starts at the earliest offset (service-b subscribes from the beginning), so everything is lag.
 * A committed offset below the earliest (records deleted by retention) counts from the earliest.
 */
export function computeLag(
  ends: readonly PartitionEnds[],
  committed: ReadonlyMap<number, bigint>,
): { partitions: PartitionLag[]; totalLag: string } {
  let total = 0n;
  const partitions = ends.map(({ partition, earliest, latest }) => {
    const position = committed.get(partition);
    const from = position === undefined || position < earliest ? earliest : position;
    const lag = latest > from ? latest - from : 0n;
    total += lag;
    return {
      partition,
      committed: position === undefined ? null : position.toString(),
      earliest: earliest.toString(),
      latest: latest.toString(),
      lag: lag.toString(),
    };
  });
  return { partitions, totalLag: total.toString() };
}

/**
 * The offset each affected partition moves to. `byTimestamp` is Kafka's answer for a timestamp
 * request: the first offset whose record timestamp is at or after it (the end of the log when
 * there is none). A given offset outside [earliest, latest] is clamped to the nearest end and the
 * result says so.
 */
export function resolveTargets(
  target: MoveTarget,
  ends: readonly PartitionEnds[],
  byTimestamp?: ReadonlyMap<number, bigint>,
): ResolvedTarget[] {
  const affected =
    target.partition === undefined
      ? ends
      : ends.filter((end) => end.partition === target.partition);
  if (target.partition !== undefined && affected.length === 0) {
    throw new UnknownPartitionError(target.partition, ends.length);
  }
  return affected.map(({ partition, earliest, latest }): ResolvedTarget => {
    switch (target.to) {
      case 'beginning':
        return { partition, offset: earliest };
      case 'end':
        return { partition, offset: latest };
      case 'timestamp':
        return clamp(partition, byTimestamp?.get(partition) ?? latest, earliest, latest, false);
      case 'offset':
        return clamp(partition, target.offset, earliest, latest, true);
    }
  });
}

function clamp(
  partition: number,
  offset: bigint,
  earliest: bigint,
  latest: bigint,
  report: boolean,
): ResolvedTarget {
  if (offset < earliest) {
    return {
      partition,
      offset: earliest,
      ...(report ? { clamped: { requested: offset.toString(), reason: 'before-earliest' } } : {}),
    };
  }
  if (offset > latest) {
    return {
      partition,
      offset: latest,
      ...(report ? { clamped: { requested: offset.toString(), reason: 'after-latest' } } : {}),
    };
  }
  return { partition, offset };
}
