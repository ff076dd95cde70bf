// The internal control topic through which service-b replicas of one group tell each other to move
// the group's position (Kafka refuses offset changes from outside an active group, and a consumer
// can only seek partitions it owns). Every replica reads it with a consumer group of its own,
// starting at the end, so each sees every command published while it runs; nothing is committed.
// The topic has one partition, so all replicas see commands in the same order.
import { Partitioners, type Consumer, type Kafka, type Producer } from 'kafkajs';
import { ensureTopic, retryUntilStopped, type Logger } from '@kafka-http/common';

/** Move these partitions of `topic` in `groupId` to these offsets (sent by the replica asked). */
export interface MoveCommand {
  kind: 'move';
  id: string;
  groupId: string;
  topic: string;
  origin: string;
  /** Epoch ms after which the originator no longer waits: replicas then ignore the command. */
  deadline: number;
  targets: { partition: number; offset: string }[];
}

/** A replica moved and committed these partitions for command `id`. */
export interface MovedAck {
  kind: 'moved';
  id: string;
  groupId: string;
  topic: string;
  instance: string;
  memberId: string | null;
  partitions: number[];
}

export type ControlMessage = MoveCommand | MovedAck;

export function encodeControl(message: ControlMessage): string {
  return JSON.stringify(message);
}

const isInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Parses a control record; anything malformed or foreign gives undefined (and is ignored). */
export function decodeControl(value: Buffer | null): ControlMessage | undefined {
  if (!value) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  const m = parsed as Record<string, unknown>;
  if (typeof m !== 'object' || m === null) return undefined;
  if (!isText(m.id) || !isText(m.groupId) || !isText(m.topic)) return undefined;
  if (m.kind === 'move') {
    const targets = m.targets;
    const valid =
      isText(m.origin) &&
      isInt(m.deadline) &&
      Array.isArray(targets) &&
      targets.every(
        (t: { partition?: unknown; offset?: unknown }) =>
          isInt(t?.partition) && typeof t.offset === 'string' && /^\d{1,19}$/.test(t.offset),
      );
    return valid ? (m as unknown as MoveCommand) : undefined;
  }
  if (m.kind === 'moved') {
    const valid =
      isText(m.instance) &&
      (m.memberId === null || typeof m.memberId === 'string') &&
      Array.isArray(m.partitions) &&
      m.partitions.every(isInt);
    return valid ? (m as unknown as MovedAck) : undefined;
  }
  return undefined;
}

export interface ControlChannelOptions {
  kafka: Kafka;
  controlTopic: string;
  replicationFactor: number;
  /** This replica's id; its consumer group is `<controlTopic>.<instanceId>`. */
  instanceId: string;
  logger: Logger;
  onMessage: (message: ControlMessage) => void;
  /** The control consumer died for good (a crash KafkaJS does not restart from). */
  onFatal?: (error: unknown) => void;
}

export class ControlChannel {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private joined = false;
  private listening = false;
  private stopped = false;
  private starting: Promise<void> | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly options: ControlChannelOptions) {
    const { kafka, controlTopic, instanceId } = options;
    this.consumer = kafka.consumer({
      groupId: `${controlTopic}.${instanceId}`,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 200,
      retry: {
        retries: 8,
        initialRetryTime: 300,
        maxRetryTime: 10_000,
        // KafkaJS schedules a restart after a crash even when stop() came during the crash; the
        // restarted consumer would then reconnect forever after the service stopped.
        restartOnFailure: async () => !this.stopped,
      },
    });
    this.producer = kafka.producer({
      allowAutoTopicCreation: false,
      // Chosen explicitly (KafkaJS's own default since 2.0), which also spares its migration notice.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    const { events } = this.consumer;
    this.consumer.on(events.GROUP_JOIN, () => {
      this.joined = true;
    });
    // The start offset (the end of the topic) is resolved by the first fetch after the join.
    this.consumer.on(events.FETCH, () => {
      if (!this.joined || this.listening) return;
      this.listening = true;
      for (const listener of this.listeners) listener();
    });
    for (const event of [events.STOP, events.DISCONNECT, events.CRASH]) {
      this.consumer.on(event, () => {
        this.joined = false;
        this.listening = false;
      });
    }
    // Like the main consumer: a replica that can no longer hear replay commands is not left
    // running half-deaf; the process exits and its supervisor restarts it.
    this.consumer.on(events.CRASH, ({ payload }) => {
      if (payload.restart || this.stopped) return;
      options.logger.fatal(
        { err: payload.error },
        'the control consumer crashed and will not restart',
      );
      options.onFatal?.(payload.error);
    });
  }

  /** Joined and reading: commands published from now on reach this replica. */
  isListening(): boolean {
    return this.listening && !this.stopped;
  }

  /** Resolves true once listening, false when `timeoutMs` passed first (during start-up). */
  whenListening(timeoutMs: number): Promise<boolean> {
    if (this.isListening()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (listening: boolean) => {
        clearTimeout(timer);
        this.listeners.delete(onListening);
        resolve(listening);
      };
      const onListening = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      timer.unref();
      this.listeners.add(onListening);
    });
  }

  start(): Promise<void> {
    this.starting ??= retryUntilStopped(
      'starting the control channel',
      async () => {
        const { kafka, controlTopic, replicationFactor, logger } = this.options;
        await ensureTopic(kafka, { topic: controlTopic, partitions: 1, replicationFactor }, logger);
        await this.producer.connect();
        await this.consumer.connect();
        // From the end: commands older than this replica are not for it.
        await this.consumer.subscribe({ topics: [controlTopic], fromBeginning: false });
        await this.consumer.run({
          autoCommit: false,
          eachMessage: async ({ message }) => {
            const decoded = decodeControl(message.value);
            if (decoded) this.options.onMessage(decoded);
          },
        });
      },
      {
        isStopped: () => this.stopped,
        logger: this.options.logger,
        kafka: this.options.kafka,
        onFailure: async () => {
          await this.consumer.disconnect().catch(() => undefined);
          await this.producer.disconnect().catch(() => undefined);
        },
      },
    );
    return this.starting;
  }

  async publish(message: ControlMessage): Promise<void> {
    await this.producer.send({
      topic: this.options.controlTopic,
      acks: -1,
      messages: [{ key: message.groupId, value: encodeControl(message) }],
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting?.catch(() => undefined);
    await Promise.all([
      this.consumer.disconnect().catch(() => undefined),
      this.producer.disconnect().catch(() => undefined),
    ]);
  }
}
