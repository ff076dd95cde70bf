// The Avro user worker with a fake publisher: what it generates and encodes, how it survives
// failed sends, that its sends never overlap, and that stop() waits for a send in progress.
import { once } from 'node:events';
import { createLogger } from '@kafka-http/common';
import { ProduceError } from '../../src/produce-error';
import type {
  MessagePublisher,
  OutgoingMessage,
  PublishedMessage,
  PublishResult,
} from '../../src/kafka/message-publisher';
import { loadMessageFormats } from '../../src/messages/message-codec';
import { generateUser, UserWorker } from '../../src/workers/user-worker';

/** Answers each publish with the next scripted outcome; counts sends in flight. */
class ScriptedPublisher implements MessagePublisher {
  readonly topic = 'message-topic';
  readonly messages: OutgoingMessage[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly outcomes: (() => Promise<PublishedMessage>)[]) {}

  isReady(): boolean {
    return true;
  }

  async publish(message: OutgoingMessage): Promise<PublishedMessage> {
    this.messages.push(message);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const next = this.outcomes.shift();
      return next ? await next() : landed(this.messages.length - 1);
    } finally {
      this.inFlight--;
    }
  }

  async publishMany(): Promise<PublishResult[]> {
    throw new Error('not used by the worker');
  }
}

const landed = (offset: number): PublishedMessage => ({
  topic: 'message-topic',
  partition: 0,
  offset: String(offset),
  timestamp: '2025-01-02T03:04:05.678Z',
});

const formats = loadMessageFormats();
const logger = createLogger({ name: 'worker-test', level: 'silent' });

function worker(publisher: MessagePublisher, intervalMs = 5) {
  let sent = 0;
  let failed = 0;
  const w = new UserWorker({
    publisher,
    formats,
    intervalMs,
    logger,
    metrics: { sent: { inc: () => sent++ }, failed: { inc: () => failed++ } },
  });
  return { w, counts: () => ({ sent, failed }) };
}

describe('generateUser', () => {
  it('makes a five-digit id, a full name and an e-mail address', () => {
    for (let i = 0; i < 50; i++) {
      const user = generateUser();
      expect(user.id).toBeGreaterThanOrEqual(10_000);
      expect(user.id).toBeLessThanOrEqual(99_999);
      expect(user.name).toMatch(/^\S+( \S+)+$/);
      expect(user.email).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/);
    }
  });
});

describe('UserWorker', () => {
  it('publishes Avro binary of the generated user, keyed by id, naming the schema', async () => {
    const publisher = new ScriptedPublisher([]);
    const { w } = worker(publisher);
    w.start();
    const [{ user }] = await once(w, 'sent');
    await w.stop();
    const [message] = publisher.messages;
    expect(message?.key).toBe(String(user.id));
    expect(message?.headers).toMatchObject({
      'content-type': 'application/avro',
      'avro-schema': 'example.User',
    });
    expect(w.schema.type.fromBuffer(message?.value as Buffer)).toEqual(user);
  });

  it('logs and counts a failed send, then tries again at the next tick', async () => {
    const publisher = new ScriptedPublisher([
      () => Promise.reject(new ProduceError('not-connected', 'Not connected to Kafka.')),
      () => Promise.reject(new Error('timeout')),
    ]);
    const { w, counts } = worker(publisher);
    const failures: unknown[] = [];
    w.on('failed', ({ error }) => failures.push(error));
    w.start();
    await once(w, 'sent');
    await w.stop();
    expect(failures).toHaveLength(2);
    expect(counts()).toEqual({ sent: 1, failed: 2 });
    expect(publisher.messages.length).toBe(3);
  });

  it('never overlaps sends, and stop() waits for the one in progress', async () => {
    let release: (() => void) | undefined;
    const publisher = new ScriptedPublisher([
      () =>
        new Promise<PublishedMessage>((resolve) => {
          release = () => resolve(landed(0));
        }),
    ]);
    const { w, counts } = worker(publisher, 1);
    w.start();
    expect(publisher.inFlight).toBe(1);
    // Twenty intervals pass while the send hangs: a timer-driven worker would have sent again.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(publisher.messages).toHaveLength(1);
    let stopped = false;
    const stopping = w.stop().then(() => {
      stopped = true;
    });
    await Promise.resolve();
    expect(stopped).toBe(false);
    release?.();
    await stopping;
    expect(counts()).toEqual({ sent: 1, failed: 0 });
    expect(publisher.maxInFlight).toBe(1);
    // Stopped for good: no further tick, and start() does not revive it.
    w.start();
    expect(publisher.messages).toHaveLength(1);
  });

  it('refuses to run without the example.User schema', () => {
    expect(
      () =>
        new UserWorker({
          publisher: new ScriptedPublisher([]),
          formats: loadMessageFormats({ avroDir: '/nonexistent' }),
          intervalMs: 10,
          logger,
        }),
    ).toThrow(/example\.User/);
  });
});
