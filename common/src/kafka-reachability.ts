// Knows whether any Kafka broker answers, independently of the producer or consumer, whose own
// state says little: KafkaJS keeps a client "connected" long after its brokers died. Every
// interval it asks each known broker for its API versions (the one request a broker answers
// before authentication) on a fresh connection; Kafka is reachable while any broker answers.
// Several rounds in a row without an answer make it unreachable; one answer makes it reachable.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from './logger';

export interface ReachabilityOptions {
  /** host:port of the seed brokers; brokers found by `discover` are probed too. */
  brokers: readonly string[];
  ssl?: { ca?: string; rejectUnauthorized: boolean } | false;
  clientId?: string;
  logger: Logger;
  /** Time between probe rounds. */
  intervalMs?: number;
  /** How long a broker has to answer. */
  timeoutMs?: number;
  /** Rounds in a row without any answer before Kafka counts as unreachable. */
  failedRoundsBeforeUnreachable?: number;
  /** The brokers of the cluster as its metadata names them (asked now and then). */
  discover?: () => Promise<readonly string[]>;
  discoverEveryMs?: number;
}

export interface ReachabilityStatus {
  /** undefined until the first round finished. */
  reachable: boolean | undefined;
  /** Since when the current state holds (ms since the epoch). */
  since: number;
  /** Why the last round failed, when it did. */
  lastError?: string;
  brokers: string[];
}

/** The minimal readiness view the HTTP layer needs. */
export interface KafkaReachabilityView {
  isReachable(): boolean;
}

const API_VERSIONS_KEY = 18;

export class KafkaReachability extends EventEmitter implements KafkaReachabilityView {
  private readonly known: Set<string>;
  private reachable: boolean | undefined;
  private since = Date.now();
  private failedRounds = 0;
  private lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<boolean> | undefined;
  private stopped = false;
  private lastDiscovery = 0;
  private correlationId = 0;

  constructor(private readonly options: ReachabilityOptions) {
    super();
    this.known = new Set(options.brokers);
  }

  start(): this {
    void this.probeNow();
    return this;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  isReachable(): boolean {
    return this.reachable === true;
  }

  status(): ReachabilityStatus {
    return {
      reachable: this.reachable,
      since: this.since,
      ...(this.lastError && this.reachable !== true ? { lastError: this.lastError } : {}),
      brokers: [...this.known],
    };
  }

  /**
   * Runs a round now (or joins the one under way) and resolves with its answer. A client that
   * just saw a connection error calls this instead of waiting for the next interval.
   */
  probeNow(): Promise<boolean> {
    if (this.stopped) return Promise.resolve(this.isReachable());
    this.round ??= this.runRound().finally(() => {
      this.round = undefined;
      this.schedule();
    });
    return this.round;
  }

  /** A client saw Kafka fail: look again at once, sooner than the next interval. */
  suspect(): void {
    void this.probeNow();
  }

  private schedule(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.probeNow(), this.options.intervalMs ?? 1000);
    this.timer.unref();
  }

  private async runRound(): Promise<boolean> {
    const brokers = [...this.known];
    const answered = await Promise.any(brokers.map((broker) => this.probe(broker))).then(
      () => true,
      (error: AggregateError) => {
        this.lastError = describeFailures(brokers, error.errors);
        return false;
      },
    );
    if (this.stopped) return answered;
    if (answered) {
      this.failedRounds = 0;
      this.set(true);
      await this.discoverBrokers();
    } else {
      this.failedRounds++;
      const threshold = this.options.failedRoundsBeforeUnreachable ?? 2;
      // Before the first answer there is nothing to be patient about.
      if (this.failedRounds >= threshold || this.reachable === undefined) this.set(false);
    }
    return answered;
  }

  private set(reachable: boolean): void {
    if (this.reachable === reachable) return;
    const before = this.reachable;
    const downForMs = Date.now() - this.since;
    this.reachable = reachable;
    this.since = Date.now();
    const { logger } = this.options;
    if (reachable && before === false) {
      logger.info({ downForMs }, 'Kafka is reachable again');
    } else if (!reachable) {
      logger.warn(
        { brokers: [...this.known], reason: this.lastError },
        before === undefined
          ? 'Kafka is not reachable yet'
          : 'Kafka is unreachable: no broker answers',
      );
    }
    this.emit('change', reachable);
  }

  private async discoverBrokers(): Promise<void> {
    const { discover, discoverEveryMs = 30_000 } = this.options;
    if (!discover || Date.now() - this.lastDiscovery < discoverEveryMs) return;
    this.lastDiscovery = Date.now();
    try {
      for (const broker of await discover()) this.known.add(broker);
    } catch {
      // The seed brokers are still probed; the next round tries again.
      this.lastDiscovery = 0;
    }
  }

  /** Resolves when `broker` answers an ApiVersions request; rejects on any failure or timeout. */
  private probe(broker: string): Promise<void> {
    const { host, port } = splitHostPort(broker);
    const { ssl, timeoutMs = 2000, clientId = 'kafka-reachability' } = this.options;
    const correlationId = (this.correlationId = (this.correlationId + 1) % 0x7fffffff);
    return new Promise<void>((resolve, reject) => {
      const socket =
        ssl === undefined || ssl === false
          ? net.connect({ host, port })
          : tls.connect({
              host,
              port,
              servername: net.isIP(host) ? undefined : host,
              rejectUnauthorized: ssl.rejectUnauthorized,
              ...(ssl.ca ? { ca: [ssl.ca] } : {}),
            });
      const done = (error?: Error) => {
        clearTimeout(timer);
        socket.destroy();
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () => done(new Error(`${broker}: no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.once(ssl ? 'secureConnect' : 'connect', () => {
        socket.write(apiVersionsRequest(correlationId, clientId));
      });
      let received = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        // Size (4 bytes), then the correlation id the broker echoes.
        if (received.length < 8) return;
        if (received.readInt32BE(4) === correlationId) done();
        else done(new Error(`${broker}: answered with another correlation id`));
      });
      socket.once('error', (error: NodeJS.ErrnoException) =>
        done(new Error(`${broker}: ${error.code ?? error.message}`)),
      );
      socket.once('close', () => done(new Error(`${broker}: connection closed`)));
    });
  }
}

/** ApiVersions v0: size, api key, api version, correlation id, client id; no body. */
function apiVersionsRequest(correlationId: number, clientId: string): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const message = Buffer.alloc(2 + 2 + 4 + 2 + id.length);
  message.writeInt16BE(API_VERSIONS_KEY, 0);
  message.writeInt16BE(0, 2);
  message.writeInt32BE(correlationId, 4);
  message.writeInt16BE(id.length, 8);
  id.copy(message, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(message.length, 0);
  return Buffer.concat([size, message]);
}

function splitHostPort(broker: string): { host: string; port: number } {
  const at = broker.lastIndexOf(':');
  const host = broker.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(broker.slice(at + 1)) };
}

function describeFailures(brokers: string[], errors: unknown[]): string {
  if (brokers.length === 0) return 'no broker is known';
  return errors.map((e) => (e as Error).message).join('; ');
}
