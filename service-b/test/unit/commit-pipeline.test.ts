// The commit pipeline on its own: one commit at a time, requests coalesced, failures retried,
// nothing counted until KafkaJS confirms it, and moved positions committed below the committed
// offset and confirmed only by their own commit.
import { createLogger } from '@kafka-http/common';
import { CommitPipeline, type CommitOffset } from '../../src/kafka/commit-pipeline';

function setup({ retryMs = 20 } = {}) {
  const positions = new Map<number, bigint>();
  let assigned = [0, 1];
  const sent: CommitOffset[][] = [];
  const pendingSends: { resolve(): void; reject(error: Error): void }[] = [];
  const pipeline = new CommitPipeline({
    topic: 't',
    commit: (offsets) =>
      new Promise<void>((resolve, reject) => {
        sent.push(offsets);
        pendingSends.push({ resolve, reject });
      }),
    positions: () => positions,
    assigned: () => assigned,
    logger: createLogger({ name: 'commit-pipeline-test', level: 'silent' }),
    retryMs,
  });
  /** KafkaJS answers the oldest send; with `confirm`, its COMMIT_OFFSETS event comes first. */
  const answer = async (confirm = true) => {
    const send = pendingSends.shift();
    if (!send) throw new Error('no send in flight');
    const offsets = sent[sent.length - pendingSends.length - 1] ?? [];
    if (confirm) for (const o of offsets) pipeline.confirmed(o.partition, BigInt(o.offset));
    send.resolve();
    await flush();
  };
  return {
    pipeline,
    positions,
    sent,
    pendingSends,
    answer,
    assign: (partitions: number[]) => (assigned = partitions),
  };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('CommitPipeline', () => {
  it('sends one commit at a time and coalesces what is asked meanwhile into the next', async () => {
    const { pipeline, positions, sent, answer } = setup();
    positions.set(0, 5n);
    pipeline.request();
    positions.set(0, 9n);
    positions.set(1, 3n);
    pipeline.request();
    pipeline.request();
    expect(sent).toEqual([[{ topic: 't', partition: 0, offset: '5' }]]);
    await answer();
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual([
      { topic: 't', partition: 0, offset: '9' },
      { topic: 't', partition: 1, offset: '3' },
    ]);
    await answer();
    expect(pipeline.committedOffsets()).toEqual({ 0: '9', 1: '3' });
    expect(pipeline.hasPending()).toBe(false);
  });

  it('counts nothing KafkaJS did not confirm, and sends it again after a failure', async () => {
    const { pipeline, positions, sent, pendingSends } = setup();
    positions.set(0, 4n);
    pipeline.request();
    pendingSends.shift()?.reject(new Error('coordinator moved'));
    await flush();
    expect(pipeline.committedOffsets()).toEqual({});
    expect(pipeline.hasPending()).toBe(true);
    // Retried after retryMs without being asked again.
    const deadline = Date.now() + 2000;
    while (sent.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual([{ topic: 't', partition: 0, offset: '4' }]);
    pipeline.stop();
  });

  it('skips partitions no longer assigned and positions already committed', async () => {
    const { pipeline, positions, sent, answer, assign } = setup();
    positions.set(0, 2n);
    positions.set(1, 7n);
    pipeline.confirmed(1, 7n);
    assign([0]);
    pipeline.request();
    expect(sent).toEqual([[{ topic: 't', partition: 0, offset: '2' }]]);
    await answer();
    expect(pipeline.hasPending()).toBe(false);
  });

  it('commits a moved position below the committed offset, confirmed only by its own commit', async () => {
    const { pipeline, positions, sent, answer } = setup();
    positions.set(0, 50n);
    pipeline.request();
    // The move comes while the old position's commit is in flight.
    const moved = pipeline.force(0, 10n, 5000);
    positions.delete(0); // the buffer dropped the partition's state
    await answer(); // the old commit lands: it must not confirm the move
    expect(sent[1]).toEqual([{ topic: 't', partition: 0, offset: '10' }]);
    let settled: boolean | undefined;
    void moved.then((ok) => (settled = ok));
    await flush();
    expect(settled).toBeUndefined();
    await answer();
    await expect(moved).resolves.toBe(true);
    expect(pipeline.committedOffsets()).toEqual({ 0: '10' });
  });

  it('does not confirm a move when the group was joined again first, nor one replaced by a later move', async () => {
    const { pipeline } = setup();
    const first = pipeline.force(0, 10n, 5000);
    const second = pipeline.force(0, 20n, 5000);
    await expect(first).resolves.toBe(false);
    pipeline.joined([0, 1], false);
    await expect(second).resolves.toBe(false);
  });

  it('forgets what it knew of the group when it rejoined as a new member', () => {
    const { pipeline } = setup();
    pipeline.confirmed(0, 8n);
    pipeline.confirmed(1, 4n);
    pipeline.joined([0, 1], false);
    expect(pipeline.committedOffsets()).toEqual({ 0: '8', 1: '4' });
    pipeline.joined([1], false);
    expect(pipeline.committedOffsets()).toEqual({ 1: '4' });
    pipeline.joined([0, 1], true);
    expect(pipeline.committedOffsets()).toEqual({});
  });
});
