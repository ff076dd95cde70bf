// The one place that builds a KafkaJS client, so both services connect, retry and log the same way.
import { readFileSync } from 'node:fs';
import { ConfigResourceTypes, Kafka, type Admin, type SASLOptions } from 'kafkajs';
import { registerCompressionCodecs } from './compression';
import { ConfigError } from './config';
import { KafkaReachability } from './kafka-reachability';
import { kafkaLogCreator, kafkaLogLevel, type Logger, type LogLevel } from './logger';

export interface KafkaClientOptions {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
  logLevel: LogLevel;
  /** How long to wait for a TCP connection to a broker. */
  connectionTimeoutMs?: number;
  /** How long to wait for a broker to answer a request. */
  requestTimeoutMs?: number;
  /** `ca` is PEM text; `caFile`, where it was read from, is named in certificate errors. */
  ssl?: { ca?: string; caFile?: string; rejectUnauthorized: boolean } | false;
  sasl?: SASLOptions;
}

/** What certificate errors say about a client's TLS settings (see retryUntilStopped). */
const tlsSettings = new WeakMap<Kafka, { caFile?: string }>();

export function createKafkaClient({
  brokers,
  clientId,
  logger,
  logLevel,
  connectionTimeoutMs = 3000,
  requestTimeoutMs = 30000,
  ssl = false,
  sasl,
}: KafkaClientOptions): Kafka {
  // Records from other producers may use any codec; KafkaJS itself only reads gzip.
  registerCompressionCodecs();
  const kafka = new Kafka({
    ssl:
      ssl === false
        ? false
        : { rejectUnauthorized: ssl.rejectUnauthorized, ...(ssl.ca ? { ca: [ssl.ca] } : {}) },
    sasl,
    brokers: [...brokers],
    clientId,
    connectionTimeout: connectionTimeoutMs,
    requestTimeout: requestTimeoutMs,
    logLevel: kafkaLogLevel(logLevel),
    logCreator: kafkaLogCreator(logger),
    // Client-level retries cover connecting and metadata; producers and consumers set their own.
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 10000 },
  });
  if (ssl !== false) tlsSettings.set(kafka, { caFile: ssl.caFile });
  return kafka;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor: number;
  /**
   * The largest value the services accept (MAX_MESSAGE_BYTES). A topic created here takes records
   * of that value plus RECORD_HEADROOM_BYTES; an existing topic that takes less is logged.
   */
  maxValueBytes?: number;
}

/**
 * Room for what a record carries besides its value (key, headers, record and batch framing): a
 * key is at most a query parameter, headers at most the request's header block (16 KiB in Node).
 */
export const RECORD_HEADROOM_BYTES = 64 * 1024;

/**
 * Creates the topic when it is missing. Another process creating it at the same moment is fine;
 * a topic that exists with other settings is left alone (its owner decides them) and logged.
 */
export async function ensureTopic(kafka: Kafka, spec: TopicSpec, logger: Logger): Promise<void> {
  const { topic, partitions, replicationFactor, maxValueBytes } = spec;
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    // Look first: creating a topic that exists makes KafkaJS log an error.
    if ((await admin.listTopics()).includes(topic)) {
      await warnOnPartitionMismatch(admin, { topic, partitions }, logger);
      await warnOnRecordLimit(admin, spec, logger);
      return;
    }
    const configEntries =
      maxValueBytes === undefined
        ? []
        : [{ name: 'max.message.bytes', value: String(maxValueBytes + RECORD_HEADROOM_BYTES) }];
    const created = await admin
      .createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions: partitions, replicationFactor, configEntries }],
      })
      .catch((error: unknown) => {
        if (isTopicExistsError(error)) return false;
        throw error;
      });
    if (created) {
      logger.info({ topic, partitions, replicationFactor }, 'created topic');
      return;
    }
    await warnOnPartitionMismatch(admin, { topic, partitions }, logger);
  } finally {
    await admin.disconnect();
  }
}

async function warnOnPartitionMismatch(
  admin: Admin,
  { topic, partitions }: { topic: string; partitions: number },
  logger: Logger,
): Promise<void> {
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const existing = metadata.topics[0]?.partitions.length ?? 0;
  if (existing !== partitions) {
    logger.warn(
      { topic, partitions: existing, configured: partitions },
      'topic already exists with a different partition count; using it as it is',
    );
  }
}

/**
 * A topic made elsewhere may take smaller records than MAX_MESSAGE_BYTES allows: Kafka then refuses
 * the largest values (service-a answers 413). Said once at start, with the fix, instead of left
 * for the first large POST to find. Best effort: a cluster that hides its configs is not an error.
 */
async function warnOnRecordLimit(admin: Admin, spec: TopicSpec, logger: Logger): Promise<void> {
  if (spec.maxValueBytes === undefined) return;
  const described = await admin
    .describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: spec.topic, configNames: ['max.message.bytes'] },
      ],
    })
    .catch(() => undefined);
  const entry = described?.resources[0]?.configEntries.find(
    (e) => e.configName === 'max.message.bytes',
  );
  const limit = Number(entry?.configValue);
  const needed = spec.maxValueBytes + RECORD_HEADROOM_BYTES;
  if (Number.isFinite(limit) && limit < needed) {
    logger.warn(
      { topic: spec.topic, maxMessageBytes: spec.maxValueBytes, topicMaxMessageBytes: limit },
      `the topic takes records of at most ${limit} bytes, less than MAX_MESSAGE_BYTES plus ${RECORD_HEADROOM_BYTES} for key, headers and framing: the largest values will be refused with 413 (raise the topic's max.message.bytes to ${needed}, or lower MAX_MESSAGE_BYTES)`,
    );
  }
}

function isTopicExistsError(error: unknown): boolean {
  const e = error as { type?: string; errors?: { type?: string }[] } | undefined;
  return (
    e?.type === 'TOPIC_ALREADY_EXISTS' ||
    (Array.isArray(e?.errors) && e.errors.every((inner) => inner.type === 'TOPIC_ALREADY_EXISTS'))
  );
}

/**
 * Runs `attempt` until it succeeds or `isStopped()` says to give up, backing off from half a second
 * to ten. Used to connect at start-up, so a service starts (and says it is not ready) while Kafka
 * is still unreachable, instead of crashing. Wrong credentials (KafkaAuthenticationError) and a
 * broker certificate the client rejects (KafkaTlsError) end it at once: waiting cannot fix them.
 * `kafka`, the client `attempt` uses, lets a certificate error name its CA file.
 */
export async function retryUntilStopped(
  what: string,
  attempt: () => Promise<void>,
  {
    isStopped,
    logger,
    onFailure,
    kafka,
  }: {
    isStopped: () => boolean;
    logger: Logger;
    onFailure?: () => Promise<void>;
    kafka?: Kafka;
  },
): Promise<void> {
  for (let tries = 1; !isStopped(); tries++) {
    try {
      await attempt();
      return;
    } catch (error) {
      // Wrong credentials do not get better by waiting: stop with a clear reason.
      if (isAuthenticationError(error)) {
        throw new KafkaAuthenticationError(
          `Kafka refused the credentials (KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD): ${(error as Error).message}`,
        );
      }
      const tlsError = kafkaTlsError(error, kafka ? tlsSettings.get(kafka) : undefined);
      if (tlsError) throw tlsError;
      const delayMs = Math.min(10_000, 500 * tries);
      logger.warn({ err: error, attempt: tries, delayMs }, `${what} failed; retrying`);
      await onFailure?.();
      await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
    }
  }
}

/** The client and topic settings both services read from their shared configuration. */
export function kafkaFromConfig(
  config: {
    KAFKA_BROKERS: readonly string[];
    KAFKA_CLIENT_ID: string;
    KAFKA_TOPIC: string;
    KAFKA_TOPIC_PARTITIONS: number;
    KAFKA_TOPIC_REPLICATION_FACTOR: number;
    MAX_MESSAGE_BYTES: number;
    LOG_LEVEL: LogLevel;
    KAFKA_SSL: 'true' | 'false';
    KAFKA_SSL_CA_FILE: string;
    KAFKA_SSL_REJECT_UNAUTHORIZED: 'true' | 'false';
    KAFKA_SASL_MECHANISM: 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512';
    KAFKA_SASL_USERNAME: string;
    KAFKA_SASL_PASSWORD: string;
  },
  logger: Logger,
): { kafka: Kafka; topic: TopicSpec; reachability: KafkaReachability } {
  const caFile = config.KAFKA_SSL_CA_FILE || undefined;
  let ca: string | undefined;
  if (caFile && config.KAFKA_SSL === 'true') {
    const read = readCaFile(caFile);
    if ('problem' in read) throw new ConfigError([read.problem]);
    ca = read.pem;
  }
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username } = config;
  const ssl =
    config.KAFKA_SSL === 'true'
      ? { ca, caFile, rejectUnauthorized: config.KAFKA_SSL_REJECT_UNAUTHORIZED === 'true' }
      : false;
  const kafka = createKafkaClient({
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID,
    logger,
    logLevel: config.LOG_LEVEL,
    ssl,
    sasl:
      mechanism === 'none'
        ? undefined
        : ({ mechanism, username, password: config.KAFKA_SASL_PASSWORD } as SASLOptions),
  });
  return {
    kafka,
    // Not started: the service starts it, and lets it learn the cluster's other brokers.
    reachability: new KafkaReachability({
      brokers: config.KAFKA_BROKERS,
      ssl,
      clientId: config.KAFKA_CLIENT_ID,
      logger,
      discover: () => discoverBrokers(kafka),
    }),
    topic: {
      topic: config.KAFKA_TOPIC,
      partitions: config.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: config.KAFKA_TOPIC_REPLICATION_FACTOR,
      maxValueBytes: config.MAX_MESSAGE_BYTES,
    },
  };
}

/** The brokers the cluster's metadata names, as host:port (through a short-lived admin client). */
async function discoverBrokers(kafka: Kafka): Promise<string[]> {
  const admin = kafka.admin({ retry: { retries: 0 } });
  await admin.connect();
  try {
    const { brokers } = await admin.describeCluster();
    return brokers.map(({ host, port }) => `${host}:${port}`);
  } finally {
    await admin.disconnect();
  }
}

export class KafkaAuthenticationError extends Error {
  override name = 'KafkaAuthenticationError';
}

function isAuthenticationError(error: unknown): boolean {
  for (
    let e = error as
      { name?: string; type?: string; cause?: unknown; originalError?: unknown } | undefined;
    e;
  ) {
    if (e.name === 'KafkaJSSASLAuthenticationError' || e.type === 'SASL_AUTHENTICATION_FAILED')
      return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}

/**
 * The CA file's PEM text, or the one problem that keeps it from being used: unreadable, or no PEM
 * certificate in it (Node would otherwise ignore it and trust no broker).
 */
export function readCaFile(file: string): { pem: string } | { problem: string } {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a folder'
            : message;
    return {
      problem: `KAFKA_SSL_CA_FILE: cannot read ${file} (${why}); it must be a readable PEM file of the CA that signed the brokers' certificates`,
    };
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    return {
      problem: `KAFKA_SSL_CA_FILE: ${file} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line); it must be the CA that signed the brokers' certificates`,
    };
  }
  return { pem };
}

export class KafkaTlsError extends Error {
  override name = 'KafkaTlsError';
  constructor(
    message: string,
    /** Node's TLS error code, e.g. CERT_HAS_EXPIRED. */
    readonly code: string,
  ) {
    super(message);
  }
}

/** Node's certificate verification codes that mean "not signed by a CA the client trusts". */
const UNTRUSTED_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

/**
 * The KafkaTlsError for an error whose cause is the broker's certificate failing verification,
 * else undefined. KafkaJS reports the socket's error as a KafkaJSConnectionError carrying Node's
 * `code` and `Connection error: <Node's message>`, often wrapped in a
 * KafkaJSNumberOfRetriesExceeded (`cause`) or another KafkaJS error (`originalError`).
 */
export function kafkaTlsError(
  error: unknown,
  settings: { caFile?: string } = {},
): KafkaTlsError | undefined {
  for (
    let e = error as
      | {
          code?: unknown;
          message?: string;
          broker?: string;
          cause?: unknown;
          originalError?: unknown;
        }
      | undefined;
    e;
  ) {
    const code = typeof e.code === 'string' ? e.code : undefined;
    const problem = code === undefined ? undefined : tlsProblem(code, settings);
    if (code !== undefined && problem !== undefined) {
      const reason = (e.message ?? '').replace(/^Connection error: /, '');
      const where = e.broker ? `, broker ${e.broker}` : '';
      return new KafkaTlsError(`${problem}: ${reason} (${code}${where})`, code);
    }
    const next = (e.originalError ?? e.cause) as typeof e;
    if (next === e) break;
    e = next;
  }
  return undefined;
}

function tlsProblem(code: string, { caFile }: { caFile?: string }): string | undefined {
  if (UNTRUSTED_CODES.has(code)) {
    return caFile
      ? `Kafka's TLS certificate is not signed by the CA in KAFKA_SSL_CA_FILE (${caFile})`
      : "Kafka's TLS certificate is not signed by a CA this system trusts (set KAFKA_SSL_CA_FILE to the PEM file of the CA that signed it)";
  }
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return "Kafka's TLS certificate has expired (the brokers in KAFKA_BROKERS need a renewed certificate)";
    case 'CERT_NOT_YET_VALID':
      return "Kafka's TLS certificate is not valid yet (check the clocks of this machine and of the brokers)";
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return "Kafka's TLS certificate does not name the host in KAFKA_BROKERS (use a host name or address the certificate lists)";
    default:
      return undefined;
  }
}
