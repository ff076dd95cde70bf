// One KafkaJS admin client per process for the metadata, lag and replay endpoints: connected on
// first use, dropped after any failure (so the next request connects afresh), and every call bounded
// by a deadline so an HTTP request never hangs on an unreachable cluster.
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from '@kafka-http/common';

/** Kafka did not answer in time or refused the connection: the caller answers 503. */
export class KafkaUnavailableError extends Error {
  override name = 'KafkaUnavailableError';
}

export class SharedAdmin {
  private admin: Admin | undefined;
  private connecting: Promise<Admin> | undefined;
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly logger: Logger,
    private readonly timeoutMs = 5000,
  ) {}

  /** Runs `fn` with a connected admin client; failures and timeouts become KafkaUnavailableError. */
  async run<T>(what: string, fn: (admin: Admin) => Promise<T>): Promise<T> {
    if (this.closed) throw new KafkaUnavailableError('the service is shutting down');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new KafkaUnavailableError(`${what}: no answer from Kafka within ${this.timeoutMs} ms`),
          ),
        this.timeoutMs,
      );
      timer.unref();
    });
    try {
      return await Promise.race([this.connected().then(fn), deadline]);
    } catch (error) {
      this.logger.warn({ err: error }, `${what} failed; the admin client reconnects on next use`);
      this.reset();
      throw error instanceof KafkaUnavailableError
        ? error
        : new KafkaUnavailableError(`${what}: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    // A connection still being made would otherwise open after the disconnect below.
    await this.connecting?.catch(() => undefined);
    const admin = this.admin;
    this.admin = undefined;
    this.connecting = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  private connected(): Promise<Admin> {
    this.connecting ??= (async () => {
      const admin = this.kafka.admin({
        // Few retries: an HTTP caller is waiting, and the deadline above bounds it anyway.
        retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
      });
      this.admin = admin;
      await admin.connect();
      return admin;
    })();
    return this.connecting;
  }

  private reset(): void {
    const admin = this.admin;
    this.admin = undefined;
    this.connecting = undefined;
    void admin?.disconnect().catch(() => undefined);
  }
}
