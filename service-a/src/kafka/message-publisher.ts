// Writes records to Kafka and reports where they landed, only after the broker acknowledged them
// (acks=all, idempotent producer). The HTTP layer sees this interface, never KafkaJS.
import {
  Partitioners,
  type IHeaders,
  type Kafka,
  type Producer,
  type RecordMetadata,
} from 'kafkajs';
import {
  ensureTopic,
  HttpProblem,
  problems,
  retryUntilStopped,
  type Logger,
  type TopicSpec,
} from '@kafka-http/common';

export interface OutgoingMessage {
  key?: string;
  value: Buffer;
  headers: IHeaders;
}

export interface PublishedMessage {
  topic: string;
  partition: number;
  /** Kafka offsets are 64-bit: kept as a decimal string. */
  offset: string;
  timestamp: string;
}

export interface MessagePublisher {
  readonly topic: string;
  publish(message: OutgoingMessage): Promise<PublishedMessage>;
  isReady(): boolean;
}

export interface KafkaMessagePublisherOptions {
  kafka: Kafka;
  topic: TopicSpec;
  produceTimeoutMs: number;
  logger: Logger;
}

const RETRY_AFTER_SECONDS = 5;
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/** One idempotent producer for the life of the process, connected in the background. */
export class KafkaMessagePublisher implements MessagePublisher {
  readonly topic: string;
  private readonly producer: Producer;
  private connected = false;
  private stopped = false;
  private connecting: Promise<void> | undefined;
  private readonly sending = new Set<Promise<unknown>>();

  constructor(private readonly options: KafkaMessagePublisherOptions) {
    this.topic = options.topic.topic;
    this.producer = options.kafka.producer({
      idempotent: true,
      // Idempotence in KafkaJS allows one request in flight per broker; it keeps order on retry.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Bounded retries (KafkaJS warns about this for idempotent producers): during an outage a
      // send gives up within seconds instead of holding its message in memory indefinitely. The
      // caller has had its 503 by then; nothing acknowledged is affected.
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
    });
    this.producer.on(this.producer.events.CONNECT, () => {
      this.connected = true;
    });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connected = false;
    });
  }

  /**
   * Creates the topic if needed and connects, retrying until it works or stop() is called.
   * Resolves at the first success; the HTTP server answers 503 until then.
   */
  start(): Promise<void> {
    this.connecting ??= this.connectUntilStopped();
    return this.connecting;
  }

  private connectUntilStopped(): Promise<void> {
    const { kafka, topic, logger } = this.options;
    return retryUntilStopped(
      'connecting to Kafka',
      async () => {
        await ensureTopic(kafka, topic, logger);
        await this.producer.connect();
        logger.info({ topic: this.topic }, 'producer connected');
      },
      { isStopped: () => this.stopped, logger },
    );
  }

  isReady(): boolean {
    return this.connected && !this.stopped;
  }

  async publish({ key, value, headers }: OutgoingMessage): Promise<PublishedMessage> {
    if (!this.connected) {
      throw problems.serviceUnavailable(
        'Not connected to Kafka; try again shortly.',
        RETRY_AFTER_SECONDS,
      );
    }
    const timestamp = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            problems.serviceUnavailable(
              `Kafka did not acknowledge the message within ${this.options.produceTimeoutMs} ms; it may or may not have been written.`,
              RETRY_AFTER_SECONDS,
            ),
          ),
        this.options.produceTimeoutMs,
      );
    });
    try {
      const send = this.producer.send({
        topic: this.topic,
        acks: -1,
        messages: [{ key: key ?? null, value, headers, timestamp: String(timestamp) }],
      });
      // A send that outlives its request's timeout keeps retrying; stop() waits for it.
      this.sending.add(send);
      void send.then(
        () => this.sending.delete(send),
        () => this.sending.delete(send),
      );
      const [metadata] = await Promise.race([send, timeout]);
      return toPublished(this.topic, metadata, timestamp);
    } catch (error) {
      throw this.toProblem(error);
    } finally {
      clearTimeout(timer);
    }
  }

  private toProblem(error: unknown): HttpProblem {
    if (error instanceof HttpProblem) return error;
    if (isTooLarge(error)) {
      return new HttpProblem({
        status: 413,
        title: 'Content Too Large',
        detail: 'Kafka refused the message as too large for the topic.',
        cause: error,
      });
    }
    this.options.logger.warn({ err: error }, 'produce failed');
    return problems.serviceUnavailable(
      'Kafka could not take the message; try again shortly.',
      RETRY_AFTER_SECONDS,
    );
  }

  /** Lets sends still retrying finish (up to `deadlineMs`), then disconnects. */
  async stop(deadlineMs = 10_000): Promise<void> {
    this.stopped = true;
    await this.connecting;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(this.sending),
      new Promise((resolve) => {
        timer = setTimeout(resolve, deadlineMs);
      }),
    ]);
    clearTimeout(timer);
    await this.producer.disconnect();
    this.connected = false;
  }
}

function isTooLarge(error: unknown): boolean {
  for (
    let e = error as { type?: string; cause?: unknown; originalError?: unknown } | undefined;
    e;
  ) {
    if (e.type && TOO_LARGE.has(e.type)) return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}

function toPublished(
  topic: string,
  metadata: RecordMetadata | undefined,
  timestamp: number,
): PublishedMessage {
  if (!metadata?.baseOffset) throw new Error('Kafka acknowledged the write without an offset');
  return {
    topic,
    partition: metadata.partition,
    offset: metadata.baseOffset,
    timestamp: new Date(timestamp).toISOString(),
  };
}
