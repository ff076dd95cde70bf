// One pino logger per process; KafkaJS's own lines reach it through kafka-log.ts.
import pino, { type Logger } from 'pino';
import { logLevel as KafkaLogLevel } from 'kafkajs';

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

export { kafkaLogCreator } from './kafka-log';
