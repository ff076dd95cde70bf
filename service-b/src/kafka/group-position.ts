// Moving the consumer group's position (replay), from whichever replica was asked, for the whole
// group. The replica asked resolves the target offset of every affected partition, publishes one
// command on the control topic and waits until every partition was acknowledged by the replica that
// owns it (which dropped its buffer for it, seeked and committed the new offset). A group with no
// active member is moved directly with the admin client. Also answers the topic and lag queries.
//
// Rebalance races, and why the answer stays truthful:
// - A replica only applies a command to partitions it owns at that moment, and acknowledges a
//   partition only after Kafka accepted the commit of the new offset under its current generation;
//   a member that lost the partition meanwhile has its commit refused, so no acknowledgement.
// - A partition that changes owner after the commit: the new owner starts from the committed
//   offset, which is the new position, so the move sticks.
// - A partition without an owner when the command is read (mid-rebalance), or whose commit did not
//   land before the deadline: nobody acknowledges it and the originator reports it as not confirmed.
// - Commands are read in one order by every replica (one partition), so of two concurrent moves the
//   later one wins everywhere; the earlier one's waiting partitions are then not confirmed.
import { randomUUID } from 'node:crypto';
import type { Logger } from '@kafka-http/common';
import type { ControlMessage, MoveCommand, MovedAck } from './control-channel';
import {
  describeLag,
  describeTopic,
  fetchCommitted,
  fetchEnds,
  resolveTargets,
  type LagView,
  type MoveTarget,
  type PartitionLag,
  type ResolvedTarget,
  type TopicView,
} from './group-offsets';
import { KafkaUnavailableError, type SharedAdmin } from './shared-admin';

export interface AppliedBy {
  instance: string;
  memberId: string | null;
}

export interface MovedPartition {
  partition: number;
  /** The group's committed offset before the move, null when it had none. */
  from: string | null;
  to: string;
  clamped?: ResolvedTarget['clamped'];
  /** Who moved it; null when no owner confirmed it before the deadline. */
  appliedBy: AppliedBy | null;
}

export interface MoveOutcome {
  /** Every affected partition was moved and committed. */
  complete: boolean;
  /** `group`: through the replicas that own the partitions; `admin`: the group had no member. */
  method: 'group' | 'admin';
  partitions: MovedPartition[];
}

/** What the HTTP layer needs; the routes never see kafkajs. */
export interface GroupOperations {
  topic(): Promise<TopicView>;
  lag(): Promise<LagView>;
  move(target: MoveTarget): Promise<MoveOutcome>;
}

/** The part of the message source a replica needs to apply a command. */
export interface PositionOwner {
  owns(partition: number): boolean;
  movePosition(partition: number, offset: bigint, deadlineMs: number): Promise<boolean>;
  status(): {
    memberId: string | undefined;
    blocked: readonly (NonNullable<PartitionLag['blocked']> & { partition: number })[];
  };
}

export interface ControlPublisher {
  isListening(): boolean;
  whenListening(timeoutMs: number): Promise<boolean>;
  publish(message: ControlMessage): Promise<void>;
}

/** Gathers acknowledgements for one command until every target partition has one. */
export class AckCollector {
  private readonly appliedBy = new Map<number, AppliedBy>();
  private resolveDone!: () => void;
  readonly done = new Promise<void>((resolve) => {
    this.resolveDone = resolve;
  });

  constructor(private readonly targets: readonly number[]) {
    if (targets.length === 0) this.resolveDone();
  }

  add(ack: Pick<MovedAck, 'instance' | 'memberId' | 'partitions'>): void {
    for (const partition of ack.partitions) {
      if (!this.targets.includes(partition) || this.appliedBy.has(partition)) continue;
      this.appliedBy.set(partition, { instance: ack.instance, memberId: ack.memberId });
    }
    if (this.isComplete()) this.resolveDone();
  }

  isComplete(): boolean {
    return this.targets.every((partition) => this.appliedBy.has(partition));
  }

  applied(partition: number): AppliedBy | null {
    return this.appliedBy.get(partition) ?? null;
  }
}

export interface GroupPositionOptions {
  admin: SharedAdmin;
  source: PositionOwner;
  topic: string;
  groupId: string;
  instanceId: string;
  /** How long the replica asked waits for the owners' acknowledgements. */
  timeoutMs: number;
  logger: Logger;
  /** This replica moved and committed these partitions (for metrics). */
  onApplied?: (partitions: number) => void;
}

export class GroupPosition implements GroupOperations {
  private channel: ControlPublisher | undefined;
  private readonly waiting = new Map<string, AckCollector>();

  constructor(private readonly options: GroupPositionOptions) {}

  /** The control channel is created with handle() as its listener, then attached here. */
  attach(channel: ControlPublisher): void {
    this.channel = channel;
  }

  topic(): Promise<TopicView> {
    return this.options.admin.run('reading the topic metadata', (admin) =>
      describeTopic(admin, this.options.topic),
    );
  }

  async lag(): Promise<LagView> {
    const { admin, groupId, topic, source } = this.options;
    const view = await admin.run('reading the group lag', (a) => describeLag(a, groupId, topic));
    // Only the owner knows a partition is held; other replicas' partitions show no such field.
    const blocked = new Map(source.status().blocked.map((b) => [b.partition, b]));
    for (const entry of view.partitions) {
      const held = blocked.get(entry.partition);
      if (held) {
        const { offset, batchLastOffset, codec, reason } = held;
        entry.blocked = { offset, batchLastOffset, codec, reason };
      }
    }
    return view;
  }

  async move(target: MoveTarget): Promise<MoveOutcome> {
    const { admin, topic, groupId, timeoutMs, logger } = this.options;
    const channel = this.channel;
    // Just started: give the control consumer a moment to join before refusing.
    if (!channel || !(await channel.whenListening(Math.min(timeoutMs, 5000)))) {
      throw new KafkaUnavailableError('this replica is not yet reading the control topic');
    }
    const facts = await admin.run('resolving the replay target', async (a) => {
      const [ends, committed, groups, byTimestamp] = await Promise.all([
        fetchEnds(a, topic),
        fetchCommitted(a, groupId, topic),
        a.describeGroups([groupId]),
        target.to === 'timestamp'
          ? a.fetchTopicOffsetsByTimestamp(topic, target.timestamp)
          : Promise.resolve([]),
      ]);
      const members = groups.groups.find((g) => g.groupId === groupId)?.members.length ?? 0;
      return {
        ends,
        committed,
        members,
        byTimestamp: new Map(byTimestamp.map((p) => [p.partition, BigInt(p.offset)])),
      };
    });
    // Throws UnknownPartitionError for a partition the topic does not have (a 422).
    const targets = resolveTargets(target, facts.ends, facts.byTimestamp);
    const outcome = (collector: AckCollector, method: MoveOutcome['method']): MoveOutcome => ({
      complete: collector.isComplete(),
      method,
      partitions: targets.map(({ partition, offset, clamped }) => ({
        partition,
        from: facts.committed.get(partition)?.toString() ?? null,
        to: offset.toString(),
        ...(clamped ? { clamped } : {}),
        appliedBy: collector.applied(partition),
      })),
    });
    const collector = new AckCollector(targets.map((t) => t.partition));

    if (facts.members === 0) {
      // Nobody consumes: Kafka accepts offsets set from outside the group. Should a replica join
      // in the meantime, Kafka refuses, and the answer says nothing moved.
      try {
        await admin.run('setting the group offsets', (a) =>
          a.setOffsets({
            groupId,
            topic,
            partitions: targets.map((t) => ({
              partition: t.partition,
              offset: t.offset.toString(),
            })),
          }),
        );
        collector.add({
          instance: 'admin',
          memberId: null,
          partitions: targets.map((t) => t.partition),
        });
      } catch (error) {
        logger.warn({ err: error }, 'setting the offsets of the empty group failed');
      }
      return outcome(collector, 'admin');
    }

    const command: MoveCommand = {
      kind: 'move',
      id: randomUUID(),
      groupId,
      topic,
      origin: this.options.instanceId,
      deadline: Date.now() + timeoutMs,
      targets: targets.map((t) => ({ partition: t.partition, offset: t.offset.toString() })),
    };
    this.waiting.set(command.id, collector);
    let timer: NodeJS.Timeout | undefined;
    try {
      await channel.publish(command).catch((error: unknown) => {
        throw new KafkaUnavailableError(
          `publishing the replay command: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      });
      await Promise.race([
        collector.done,
        new Promise((resolve) => {
          timer = setTimeout(resolve, Math.max(0, command.deadline - Date.now()));
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.waiting.delete(command.id);
    }
    const result = outcome(collector, 'group');
    logger.info({ id: command.id, target, complete: result.complete }, 'replay requested');
    return result;
  }

  /** Every control message this replica reads. */
  handle(message: ControlMessage): void {
    const { groupId, topic } = this.options;
    if (message.groupId !== groupId || message.topic !== topic) return;
    if (message.kind === 'moved') {
      this.waiting.get(message.id)?.add(message);
      return;
    }
    this.apply(message);
  }

  private apply(command: MoveCommand): void {
    const { source, logger } = this.options;
    const remainingMs = command.deadline - Date.now();
    // The originator stopped waiting: applying now would move partitions it reported as not moved.
    if (remainingMs <= 0) {
      logger.warn({ id: command.id }, 'ignored a replay command that arrived after its deadline');
      return;
    }
    const mine = command.targets.filter((t) => source.owns(t.partition));
    if (mine.length === 0) return;
    void Promise.all(
      mine.map(async ({ partition, offset }) =>
        (await source.movePosition(partition, BigInt(offset), remainingMs)) ? [partition] : [],
      ),
    )
      .then(async (results) => {
        const partitions = results.flat();
        if (partitions.length === 0) return;
        this.options.onApplied?.(partitions.length);
        await this.channel?.publish({
          kind: 'moved',
          id: command.id,
          groupId: command.groupId,
          topic: command.topic,
          instance: this.options.instanceId,
          memberId: source.status().memberId ?? null,
          partitions,
        });
      })
      .catch((error: unknown) => {
        // The originator then reports these partitions as not confirmed.
        logger.warn({ err: error, id: command.id }, 'could not acknowledge a replay command');
      });
  }
}
