// One pino logger per process, and the bridge that routes KafkaJS's own log lines into it.
import pino, { type Logger } from 'pino';
import { logLevel as KafkaLogLevel, type logCreator } from 'kafkajs';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function createLogger({ name, level }: { name: string; level: LogLevel }): Logger {
  return pino({
    name,
    level,
    // Never let a credential that slipped into a log object reach stdout.
    redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'sasl.password'],
  });
}

/** KafkaJS asks for a log level as a number; map the app's level so both filter the same way. */
export function kafkaLogLevel(level: LogLevel): KafkaLogLevel {
  switch (level) {
    case 'trace':
    case 'debug':
      return KafkaLogLevel.DEBUG;
    case 'info':
      return KafkaLogLevel.INFO;
    case 'warn':
      return KafkaLogLevel.WARN;
    case 'silent':
      return KafkaLogLevel.NOTHING;
    default:
      return KafkaLogLevel.ERROR;
  }
}

export function kafkaLogCreator(logger: Logger): logCreator {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }) => {
      const { message, timestamp: _timestamp, logger: _name, ...extra } = log;
      switch (level) {
        case KafkaLogLevel.ERROR:
          kafkaLogger.error(extra, message);
          break;
        case KafkaLogLevel.WARN:
          kafkaLogger.warn(extra, message);
          break;
        case KafkaLogLevel.INFO:
          kafkaLogger.info(extra, message);
          break;
        default:
          kafkaLogger.debug(extra, message);
      }
    };
}
