// A background worker that publishes a generated user every few seconds, encoded as Avro binary
// with the repository's `example.User` schema. Off unless AVRO_WORKER_ENABLED=true. A send that
// fails (Kafka away, timeout) is logged and counted, and the next tick tries again; nothing here
// ends the process. Ticks never overlap: the next one is scheduled when a send has settled.
import { EventEmitter } from 'node:events';
import { faker } from '@faker-js/faker';
import { AVRO_CONTENT_TYPE, type AvroSchema, type Logger } from '@kafka-http/common';
import type { MessagePublisher, PublishedMessage } from '../kafka/message-publisher';
import { CONTENT_TYPE_HEADER, encodeAvro, type MessageFormats } from '../messages/message-codec';

export const USER_SCHEMA = 'example.User';

export interface GeneratedUser {
  id: number;
  name: string;
  email: string;
}

/** A realistic fake user: five-digit id, full name, and an e-mail address made from that name. */
export function generateUser(): GeneratedUser {
  const firstName = faker.person.firstName();
  const lastName = faker.person.lastName();
  return {
    id: faker.number.int({ min: 10_000, max: 99_999 }),
    name: `${firstName} ${lastName}`,
    email: faker.internet.email({ firstName, lastName }).toLowerCase(),
  };
}

export interface UserWorkerOptions {
  publisher: MessagePublisher;
  formats: MessageFormats;
  intervalMs: number;
  logger: Logger;
  generate?: () => GeneratedUser;
  metrics?: { sent: { inc(): void }; failed: { inc(): void } };
}

export interface UserWorkerEvents {
  sent: [{ user: GeneratedUser; published: PublishedMessage }];
  failed: [{ user: GeneratedUser; error: unknown }];
}

export class UserWorker extends EventEmitter<UserWorkerEvents> {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private running = false;
  private stopped = false;
  readonly schema: AvroSchema;

  constructor(private readonly options: UserWorkerOptions) {
    super();
    const schema = options.formats.avro.find(USER_SCHEMA);
    if (!schema) {
      throw new Error(
        `AVRO_WORKER_ENABLED needs the Avro schema ${USER_SCHEMA} (schemas/avro/user.avsc) in AVRO_SCHEMAS_DIR`,
      );
    }
    this.schema = schema;
  }

  /** Sends the first user at once (call it once Kafka is connected), then one every intervalMs. */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.options.logger.info(
      { schema: this.schema.name, intervalMs: this.options.intervalMs },
      'Avro user worker started',
    );
    this.tick();
  }

  private tick(): void {
    this.timer = undefined;
    if (!this.running) return;
    this.inFlight = this.sendOne().finally(() => {
      this.inFlight = undefined;
      if (this.running) this.timer = setTimeout(() => this.tick(), this.options.intervalMs);
    });
  }

  private async sendOne(): Promise<void> {
    const { publisher, formats, logger, metrics } = this.options;
    const user = (this.options.generate ?? generateUser)();
    try {
      const encoded = encodeAvro(formats.avro, this.schema.name, user);
      const published = await publisher.publish({
        key: String(user.id),
        value: encoded.value,
        headers: { ...encoded.headers, [CONTENT_TYPE_HEADER]: AVRO_CONTENT_TYPE },
      });
      metrics?.sent.inc();
      logger.info(
        {
          topic: published.topic,
          partition: published.partition,
          offset: published.offset,
          userId: user.id,
        },
        `Avro user ${user.id} sent to ${published.topic} [${published.partition}] @${published.offset}`,
      );
      this.emit('sent', { user, published });
    } catch (error) {
      metrics?.failed.inc();
      logger.warn(
        { err: error, userId: user.id, retryInMs: this.options.intervalMs },
        'Avro user not sent; the worker tries again at its next tick',
      );
      this.emit('failed', { user, error });
    }
  }

  /** Stops the schedule and waits for a send in progress, so it is not cut off by shutdown. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
    this.options.logger.info('Avro user worker stopped');
  }
}
