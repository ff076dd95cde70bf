// The seek guard on its own: a partition whose replay seek KafkaJS may not have applied is held
// when it is assigned again, sought to where the group resumes it, and let go; a seek KafkaJS
// applied (a fresh batch came) needs no guard; a later join or a lost partition ends the attempt.
import { createLogger } from '@kafka-http/common';
import { SeekGuard } from '../../src/kafka/seek-guard';

function setup({ resumeAt = 42n, mayResume = true } = {}) {
  const calls: string[] = [];
  let current = true;
  let fail = 0;
  const guard = new SeekGuard({
    topic: 't',
    consumer: {
      pause: (topics) => void calls.push(`pause ${JSON.stringify(topics[0]?.partitions)}`),
      resume: (topics) => void calls.push(`resume ${JSON.stringify(topics[0]?.partitions)}`),
      seek: ({ partition, offset }) => void calls.push(`seek ${partition}@${offset}`),
    },
    startingOffset: async () => {
      if (fail > 0) {
        fail--;
        throw new Error('coordinator not available');
      }
      return resumeAt;
    },
    isCurrent: () => current,
    mayResume: () => mayResume,
    logger: createLogger({ name: 'seek-guard-test', level: 'silent' }),
    retryMs: 5,
  });
  return {
    guard,
    calls,
    end: () => (current = false),
    failTimes: (n: number) => (fail = n),
  };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('SeekGuard', () => {
  it('holds an assigned partition with an unapplied seek, rewinds it, and lets it go', async () => {
    const { guard, calls } = setup();
    guard.sought(3);
    guard.joined([3, 4], 1);
    expect(guard.isHeld(3)).toBe(true);
    expect(guard.heldPartitions()).toEqual([3]);
    await until(() => !guard.isHeld(3));
    expect(calls).toEqual(['pause [3]', 'seek 3@42', 'resume [3]']);
    // Done: a later join does not hold it again.
    guard.joined([3, 4], 2);
    expect(guard.isHeld(3)).toBe(false);
  });

  it('leaves alone a seek KafkaJS applied, and partitions not assigned here', () => {
    const { guard, calls } = setup();
    guard.sought(1);
    guard.fetched(1);
    guard.sought(2);
    guard.joined([1], 1);
    expect(calls).toEqual([]);
    expect(guard.heldPartitions()).toEqual([]);
  });

  it('retries reading where the group resumes, and keeps a partition paused that must stay so', async () => {
    const { guard, calls, failTimes } = setup({ mayResume: false });
    failTimes(2);
    guard.sought(0);
    guard.joined([0], 1);
    await until(() => !guard.isHeld(0));
    expect(calls).toEqual(['pause [0]', 'seek 0@42']);
  });

  it('gives up when the hold is no longer current (a later join or a stop), seeking nothing', async () => {
    const { guard, calls, end, failTimes } = setup();
    failTimes(1);
    guard.sought(5);
    guard.joined([5], 1);
    end();
    await until(() => !guard.isHeld(5));
    expect(calls).toEqual(['pause [5]']);
  });
});
