// The settings both services read the same way: where Kafka is, which topic, how to log and listen.
import { brokerList, integer, oneOf, text, TOPIC_NAME } from './config';
import { LOG_LEVELS } from './logger';

export const MIB = 1024 * 1024;

export function sharedSettings({ port, clientId }: { port: number; clientId: string }) {
  return {
    KAFKA_BROKERS: brokerList('localhost:9092'),
    KAFKA_TOPIC: text('message-topic', {
      pattern: TOPIC_NAME,
      hint: 'a Kafka topic name (letters, digits, ".", "_", "-"; at most 249)',
    }),
    KAFKA_CLIENT_ID: text(clientId, {
      pattern: /^[\w.-]{1,255}$/,
      hint: 'letters, digits, ".", "_" or "-"',
    }),
    KAFKA_TOPIC_PARTITIONS: integer(1, { min: 1, max: 10_000 }),
    KAFKA_TOPIC_REPLICATION_FACTOR: integer(1, { min: 1, max: 32 }),
    MAX_MESSAGE_BYTES: integer(MIB, { min: 1, max: 64 * MIB }),
    PORT: integer(port, { min: 0, max: 65_535 }),
    HOST: text('127.0.0.1'),
    LOG_LEVEL: oneOf('info', LOG_LEVELS),
  };
}
