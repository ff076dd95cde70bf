// Routes KafkaJS's own log lines into the service's logger, at the level they deserve here:
// - errors KafkaJS retries by itself (a coordinator that is still loading, a leader that moved) are
//   debug: the request succeeds a moment later, and a real outage is reported by the reachability
//   monitor (kafka-reachability.ts) in one line;
// - a consumer restart after such an error is info, a restart after a lost connection a warning;
// - a broker that does not answer is a warning without a stack trace (it is not a fault here);
// - KafkaJS's warning about bounded retries of an idempotent producer is debug: the publisher says
//   in its own words what bounded retries mean for the client (message-publisher.ts);
// - a warning or error that repeats (every reconnect attempt during an outage) is written once,
//   then at most once every `windowMs` with the count of the lines folded into it.
import { createRequire } from 'node:module';
import { logLevel as KafkaLogLevel, type logCreator } from 'kafkajs';
import type { Logger } from './logger';
import { RepeatFolder, type Level } from './repeat-folder';

/** The messages of Kafka protocol errors KafkaJS treats as transient and retries. */
const RETRIABLE_PROTOCOL_ERRORS: ReadonlySet<string> = (() => {
  try {
    // Not part of KafkaJS's typed API; without it only the restart lines below are reclassified.
    const { errorCodes } = createRequire(__filename)('kafkajs/src/protocol/error') as {
      errorCodes: { retriable: boolean; message: string }[];
    };
    return new Set(errorCodes.filter((e) => e.retriable).map((e) => e.message));
  } catch {
    return new Set<string>();
  }
})();

/** Coordinator errors that any consumer meets while a group or the broker is just starting. */
const COORDINATOR_WARMING_UP =
  /coordinator is (loading|not available)|not the correct coordinator|group is rebalancing/i;

/** A broker that does not answer: an outage, reported as a warning, never with a stack trace. */
const CONNECTION_TROUBLE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|Connection (error|timeout)|Closed connection|Failed to connect/i;

const LEVEL_OF: Record<number, Level> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
};

/** The level a KafkaJS line is written at; exported for its unit test. */
export function levelFor(
  kafkaLevel: number,
  message: string,
  extra: Record<string, unknown>,
): Level {
  const level = LEVEL_OF[kafkaLevel] ?? 'debug';
  if (level === 'debug' || level === 'info') return level;
  const error = typeof extra.error === 'string' ? extra.error : '';
  if (message.startsWith('Response ') && RETRIABLE_PROTOCOL_ERRORS.has(error)) return 'debug';
  if (message.startsWith('Limiting retries for the idempotent producer')) return 'debug';
  if (message.startsWith('Crash: ') || message.startsWith('Restarting the consumer')) {
    if (COORDINATOR_WARMING_UP.test(message)) return 'info';
    return message.startsWith('Restarting') ? 'info' : 'warn';
  }
  if (CONNECTION_TROUBLE.test(message) || CONNECTION_TROUBLE.test(error)) return 'warn';
  return level;
}

export function kafkaLogCreator(
  logger: Logger,
  { repeatWindowMs = 10_000, now = Date.now }: { repeatWindowMs?: number; now?: () => number } = {},
): logCreator {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  const folder = new RepeatFolder(
    repeatWindowMs,
    (level, extra, message) => kafkaLogger[level](extra, message),
    now,
  );
  return () =>
    ({ level, log }) => {
      const { message, timestamp: _timestamp, logger: _name, stack, ...extra } = log;
      const chosen = levelFor(level, message, extra);
      // A stack trace belongs to a fault of this code, not to a network error KafkaJS reports.
      const withStack = chosen === 'error' || chosen === 'debug' ? { ...extra, stack } : extra;
      folder.log(chosen, stack === undefined ? extra : withStack, message);
    };
}
