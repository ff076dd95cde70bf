// service-b's configuration: the shared settings plus the group and the delivery buffer's limits.
import {
  checkKafkaSecurity,
  checkSchemaRegistry,
  integer,
  MIB,
  readEnv,
  sharedSettings,
  text,
  TOPIC_NAME,
  type ConfigOf,
  type Env,
} from '@kafka-http/common';

export const MAX_WAIT_MS = 30_000;
export const MAX_VISIBILITY_MS = 3_600_000;

export const serviceBSettings = {
  ...sharedSettings({ port: 5102, clientId: 'service-b' }),
  /** Where people reach service-a: linked from the API docs, and named when a client POSTs messages here. */
  SERVICE_A_URL: text('http://127.0.0.1:5101', {
    pattern: /^https?:\/\/[^\s/]+(\/[^\s]*[^\s/])?$/,
    hint: 'an http(s) URL without a trailing slash',
  }),
  KAFKA_GROUP_ID: text('message-group', {
    pattern: /^[\w.-]{1,255}$/,
    hint: 'letters, digits, ".", "_" or "-"',
  }),
  /**
   * How long the group waits for a silent member before giving its partitions to others: after a
   * crash, those partitions are delivered again only after this time.
   */
  KAFKA_SESSION_TIMEOUT_MS: integer(30_000, { min: 6000, max: 300_000 }),
  /**
   * Longest a fetch waits on the broker when nothing is new (a new message still arrives at once);
   * also how soon fetching resumes after the buffer was full: with every partition paused KafkaJS
   * sleeps this long between checks, so at 100 ms a fast reader found the buffer empty.
   */
  KAFKA_FETCH_MAX_WAIT_MS: integer(25, { min: 10, max: 10_000 }),
  // Consumer tuning: KafkaJS consumer options.
  /** Least data the broker gathers before answering a fetch (it answers after the max wait anyway). */
  KAFKA_FETCH_MIN_BYTES: integer(1, { min: 1, max: 64 * MIB }),
  /**
   * Most data one fetch returns, over all partitions (KafkaJS's default is 10 MiB). The buffer may
   * pass its limits by one fetch, and every record of it is a live object until delivered, so this
   * bounds memory as much as the buffer's own limits do.
   */
  KAFKA_FETCH_MAX_BYTES: integer(2 * MIB, { min: 1024, max: 1024 * MIB }),
  /** Most data one fetch returns per partition; keep it above the largest record. */
  KAFKA_MAX_BYTES_PER_PARTITION: integer(MIB, { min: 1024, max: 1024 * MIB }),
  /** How long the group waits for every member to rejoin during a rebalance. */
  KAFKA_REBALANCE_TIMEOUT_MS: integer(60_000, { min: 1000, max: 600_000 }),
  /**
   * How often the consumer heartbeats (while fetching); below the session timeout, a third of it
   * ideally. 0: a third of the session timeout, at most 3 s.
   */
  KAFKA_HEARTBEAT_INTERVAL_MS: integer(0, { min: 0, max: 100_000 }),
  /** Most messages held in memory (waiting, being sent, or delivered but not yet committed). */
  BUFFER_MAX_MESSAGES: integer(10_000, { min: 1, max: 1_000_000 }),
  /** Most bytes of message data held in memory. */
  BUFFER_MAX_BYTES: integer(16 * MIB, { min: 1024, max: 1024 * MIB }),
  /** How long GET /api/messages waits for a message when the request does not say. */
  DEFAULT_WAIT_MS: integer(2000, { min: 0, max: MAX_WAIT_MS }),
  /** Most messages one batch GET returns (its `max` parameter is capped at this). */
  BATCH_MAX_MESSAGES: integer(500, { min: 1, max: 10_000 }),
  /** How long a manually acknowledged message stays invisible when the GET does not say. */
  DEFAULT_VISIBILITY_MS: integer(30_000, { min: 1000, max: MAX_VISIBILITY_MS }),
  /**
   * The consumer counts as stalled when its fetch loop made no progress for this long while it
   * should be running; the process then exits non-zero so a supervisor restarts it.
   */
  CONSUMER_STALL_TIMEOUT_MS: integer(120_000, { min: 10_000, max: 3_600_000 }),
  /**
   * The internal topic replicas of the group use to move the group's position together (one
   * partition, created when missing). Empty: `<KAFKA_GROUP_ID>.control`.
   */
  KAFKA_CONTROL_TOPIC: text('', {
    pattern: /^$|^(?!\.{1,2}$)[a-zA-Z0-9._-]{1,249}$/,
    hint: 'a Kafka topic name (letters, digits, ".", "_", "-"; at most 249)',
  }),
  /** How long a replay request waits for the replicas owning the partitions to confirm the move. */
  REPLAY_TIMEOUT_MS: integer(10_000, { min: 1000, max: 120_000 }),
  /** Longest a metadata, lag or replay request waits for an answer from Kafka's admin API. */
  KAFKA_ADMIN_TIMEOUT_MS: integer(5000, { min: 500, max: 60_000 }),
};

export type ServiceBConfig = ConfigOf<typeof serviceBSettings>;

export function loadConfig(env: Env = process.env): ServiceBConfig {
  return readEnv(serviceBSettings, env, (config) => [
    ...checkKafkaSecurity(config),
    ...checkSchemaRegistry(config),
    ...checkConsumerTuning(config),
    ...(TOPIC_NAME.test(controlTopicOf(config))
      ? []
      : [
          'KAFKA_CONTROL_TOPIC: KAFKA_GROUP_ID is too long to name the control topic after it; set KAFKA_CONTROL_TOPIC',
        ]),
  ]);
}

/** The control topic's name: KAFKA_CONTROL_TOPIC, or `<KAFKA_GROUP_ID>.control`. */
export function controlTopicOf(config: {
  KAFKA_CONTROL_TOPIC: string;
  KAFKA_GROUP_ID: string;
}): string {
  return config.KAFKA_CONTROL_TOPIC || `${config.KAFKA_GROUP_ID}.control`;
}
/** Combinations the broker or KafkaJS would refuse, or that could never fetch anything. */
function checkConsumerTuning(config: ServiceBConfig): string[] {
  const problems: string[] = [];
  if (
    config.KAFKA_HEARTBEAT_INTERVAL_MS !== 0 &&
    config.KAFKA_HEARTBEAT_INTERVAL_MS >= config.KAFKA_SESSION_TIMEOUT_MS
  ) {
    problems.push(
      `KAFKA_HEARTBEAT_INTERVAL_MS: must be below KAFKA_SESSION_TIMEOUT_MS (${config.KAFKA_SESSION_TIMEOUT_MS}), got ${config.KAFKA_HEARTBEAT_INTERVAL_MS}`,
    );
  }
  if (config.KAFKA_FETCH_MIN_BYTES > config.KAFKA_FETCH_MAX_BYTES) {
    problems.push(
      `KAFKA_FETCH_MIN_BYTES: must not exceed KAFKA_FETCH_MAX_BYTES (${config.KAFKA_FETCH_MAX_BYTES}), got ${config.KAFKA_FETCH_MIN_BYTES}`,
    );
  }
  return problems;
}
