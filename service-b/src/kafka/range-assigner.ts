// A KafkaJS partition assigner under the protocol name `range`, so service-b can share a consumer
// group with Java and librdkafka consumers on their default settings. A classic-protocol group
// needs one protocol name every member offers: Java offers `range` and `cooperative-sticky` by
// default, librdkafka `range,roundrobin`, KafkaJS only its own `RoundRobinAssigner`. The member
// metadata and assignments use Kafka's standard consumer-protocol encoding (version 0), which
// every client reads; newer versions from Java members carry extra fields after it, ignored here.
//
// The assignment is Kafka's RangeAssignor: per topic, the members subscribed to it sorted by
// member id, each given a contiguous range, the first `partitions % members` one more.
import { AssignerProtocol, type Assigner, type PartitionAssigner } from 'kafkajs';

export const RANGE_PROTOCOL = 'range';

export interface Subscription {
  memberId: string;
  topics: string[];
}

/** member id → topic → partitions. Pure: the rule alone, for tests. */
export function rangeAssignment(
  subscriptions: readonly Subscription[],
  partitionsOf: (topic: string) => readonly number[],
): Map<string, Record<string, number[]>> {
  const result = new Map<string, Record<string, number[]>>();
  for (const { memberId } of subscriptions) result.set(memberId, {});
  const topics = [...new Set(subscriptions.flatMap((s) => s.topics))].sort();
  for (const topic of topics) {
    const members = subscriptions
      .filter((s) => s.topics.includes(topic))
      .map((s) => s.memberId)
      .sort();
    const partitions = [...partitionsOf(topic)].sort((a, b) => a - b);
    const each = Math.floor(partitions.length / members.length);
    const extra = partitions.length % members.length;
    members.forEach((memberId, i) => {
      const start = i * each + Math.min(i, extra);
      const length = each + (i < extra ? 1 : 0);
      if (length === 0) return;
      const assignment = result.get(memberId) ?? {};
      assignment[topic] = partitions.slice(start, start + length);
      result.set(memberId, assignment);
    });
  }
  return result;
}

interface ClusterView {
  findTopicPartitionMetadata(topic: string): { partitionId: number }[];
  addMultipleTargetTopics?(topics: string[]): Promise<void>;
}

/** The assigner factory for KafkaJS's `partitionAssigners` option. */
export const RangeAssigner: PartitionAssigner = ({ cluster }) => {
  const view = cluster as unknown as ClusterView;
  const assigner: Assigner = {
    name: RANGE_PROTOCOL,
    version: 0,
    protocol({ topics }) {
      return {
        name: RANGE_PROTOCOL,
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: 0,
          topics,
          userData: Buffer.alloc(0),
        }),
      };
    },
    async assign({ members, topics }) {
      const subscriptions = members.map(({ memberId, memberMetadata }) => ({
        memberId,
        topics: AssignerProtocol.MemberMetadata.decode(memberMetadata)?.topics ?? [],
      }));
      // Other members may subscribe to topics this consumer does not; learn their partitions.
      const extra = [...new Set(subscriptions.flatMap((s) => s.topics))].filter(
        (topic) => !topics.includes(topic),
      );
      if (extra.length > 0) await view.addMultipleTargetTopics?.(extra);
      const assignment = rangeAssignment(subscriptions, (topic) =>
        view.findTopicPartitionMetadata(topic).map((p) => p.partitionId),
      );
      return [...assignment].map(([memberId, byTopic]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment: byTopic,
          userData: Buffer.alloc(0),
        }),
      }));
    },
  };
  return assigner;
};
