// The `range` assigner that lets service-b share a group with Java and librdkafka consumers: Kafka's
// RangeAssignor rule, and the standard consumer-protocol encoding both ways (a Java member's
// version 3 subscription is read; the assignments written decode as version 0).
import { AssignerProtocol } from 'kafkajs';
import { RANGE_PROTOCOL, RangeAssigner, rangeAssignment } from '../../src/kafka/range-assigner';

/** A subscription as Java's consumer writes it (ConsumerProtocolSubscription v3). */
function javaSubscription(topics: string[], owned: Record<string, number[]> = {}): Buffer {
  const parts: Buffer[] = [];
  const int16 = (n: number) => {
    const b = Buffer.alloc(2);
    b.writeInt16BE(n);
    parts.push(b);
  };
  const int32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    parts.push(b);
  };
  const string = (s: string) => {
    int16(Buffer.byteLength(s));
    parts.push(Buffer.from(s));
  };
  int16(3);
  int32(topics.length);
  topics.forEach(string);
  int32(-1); // user data: null
  int32(Object.keys(owned).length);
  for (const [topic, partitions] of Object.entries(owned)) {
    string(topic);
    int32(partitions.length);
    partitions.forEach(int32);
  }
  int32(7); // generation id
  int16(-1); // rack id: null
  return Buffer.concat(parts);
}

describe('rangeAssignment', () => {
  it('gives each member a contiguous range, the first ones one more, like RangeAssignor', () => {
    const result = rangeAssignment(
      [
        { memberId: 'c', topics: ['t'] },
        { memberId: 'a', topics: ['t'] },
        { memberId: 'b', topics: ['t'] },
      ],
      () => [0, 1, 2, 3, 4, 5, 6],
    );
    expect(Object.fromEntries(result)).toEqual({
      a: { t: [0, 1, 2] },
      b: { t: [3, 4] },
      c: { t: [5, 6] },
    });
  });

  it('assigns each topic among its own subscribers, and leaves extra members empty', () => {
    const result = rangeAssignment(
      [
        { memberId: 'a', topics: ['t', 'u'] },
        { memberId: 'b', topics: ['t'] },
        { memberId: 'c', topics: ['t'] },
      ],
      (topic) => (topic === 't' ? [1, 0] : [0, 1, 2]),
    );
    expect(Object.fromEntries(result)).toEqual({
      a: { t: [0], u: [0, 1, 2] },
      b: { t: [1] },
      c: {},
    });
  });
});

describe('RangeAssigner', () => {
  const cluster = {
    findTopicPartitionMetadata: (topic: string) =>
      (topic === 'message-topic' ? [0, 1, 2, 3] : [0]).map((partitionId) => ({ partitionId })),
    addMultipleTargetTopics: jest.fn(async () => undefined),
  };
  const assigner = RangeAssigner({ cluster, groupId: 'g', logger: {} } as never);

  it('offers the protocol named range with version 0 standard metadata', () => {
    const { name, metadata } = assigner.protocol({ topics: ['message-topic'] });
    expect(name).toBe(RANGE_PROTOCOL);
    expect(AssignerProtocol.MemberMetadata.decode(metadata)).toEqual(
      expect.objectContaining({ version: 0, topics: ['message-topic'] }),
    );
  });

  it('when leader of a group with a Java member, then it reads the Java subscription and writes assignments every member decodes', async () => {
    const ours = assigner.protocol({ topics: ['message-topic'] }).metadata;
    const assignments = await assigner.assign({
      members: [
        { memberId: 'service-b-1', memberMetadata: ours },
        {
          memberId: 'consumer-java-1',
          memberMetadata: javaSubscription(['message-topic', 'other-topic'], {
            'message-topic': [0],
          }),
        },
      ],
      topics: ['message-topic'],
    });
    expect(cluster.addMultipleTargetTopics).toHaveBeenCalledWith(['other-topic']);
    const decoded = Object.fromEntries(
      assignments.map(({ memberId, memberAssignment }) => [
        memberId,
        AssignerProtocol.MemberAssignment.decode(memberAssignment)?.assignment,
      ]),
    );
    expect(decoded).toEqual({
      'consumer-java-1': { 'message-topic': [0, 1], 'other-topic': [0] },
      'service-b-1': { 'message-topic': [2, 3] },
    });
  });
});
