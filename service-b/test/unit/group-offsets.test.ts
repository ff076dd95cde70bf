// The arithmetic behind the lag endpoint and replay targets: lag from committed offsets, clamping,
// timestamps without a record, and partitions the topic does not have.
import {
  computeLag,
  resolveTargets,
  UnknownPartitionError,
  type PartitionEnds,
} from '../../src/kafka/group-offsets';

const ends: PartitionEnds[] = [
  { partition: 0, earliest: 0n, latest: 10n },
  { partition: 1, earliest: 4n, latest: 9n },
];

describe('computeLag', () => {
  it('when the group committed, lag is latest minus committed, summed over partitions', () => {
    const view = computeLag(
      ends,
      new Map([
        [0, 7n],
        [1, 9n],
      ]),
    );
    expect(view.partitions.map((p) => [p.partition, p.committed, p.lag])).toEqual([
      [0, '7', '3'],
      [1, '9', '0'],
    ]);
    expect(view.totalLag).toBe('3');
  });

  it('when a partition has no commit, everything from the earliest offset is lag', () => {
    const view = computeLag(ends, new Map([[0, 10n]]));
    expect(view.partitions[1]).toEqual({
      partition: 1,
      committed: null,
      earliest: '4',
      latest: '9',
      lag: '5',
    });
  });

  it('when retention deleted records below the committed offset, lag counts from the earliest', () => {
    const view = computeLag([{ partition: 0, earliest: 50n, latest: 60n }], new Map([[0, 20n]]));
    expect(view.partitions[0]).toMatchObject({ committed: '20', lag: '10' });
  });
});

describe('resolveTargets', () => {
  it("when moving to the beginning or the end, uses each partition's earliest or latest offset", () => {
    expect(resolveTargets({ to: 'beginning' }, ends)).toEqual([
      { partition: 0, offset: 0n },
      { partition: 1, offset: 4n },
    ]);
    expect(resolveTargets({ to: 'end', partition: 1 }, ends)).toEqual([
      { partition: 1, offset: 9n },
    ]);
  });

  it('when an offset lies outside [earliest, latest], clamps it to the nearest end and says so', () => {
    expect(resolveTargets({ to: 'offset', offset: 2n }, ends)).toEqual([
      { partition: 0, offset: 2n },
      { partition: 1, offset: 4n, clamped: { requested: '2', reason: 'before-earliest' } },
    ]);
    expect(resolveTargets({ to: 'offset', offset: 99n, partition: 0 }, ends)).toEqual([
      { partition: 0, offset: 10n, clamped: { requested: '99', reason: 'after-latest' } },
    ]);
  });

  it("when moving to a timestamp, uses Kafka's offset for it, or the end when it had none", () => {
    const byTimestamp = new Map([[0, 6n]]);
    expect(resolveTargets({ to: 'timestamp', timestamp: 1 }, ends, byTimestamp)).toEqual([
      { partition: 0, offset: 6n },
      { partition: 1, offset: 9n },
    ]);
  });

  it('when the partition does not exist, refuses with the partition count', () => {
    expect(() => resolveTargets({ to: 'beginning', partition: 2 }, ends)).toThrow(
      UnknownPartitionError,
    );
    expect(() => resolveTargets({ to: 'beginning', partition: 2 }, ends)).toThrow(
      /has 2 partition\(s\) \(0 to 1\); there is no partition 2/,
    );
  });
});
