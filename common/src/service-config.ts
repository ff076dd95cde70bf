// The settings both services read the same way: where Kafka is, which topic, how to log and listen.
import type { Express } from 'express';
import { warnIfExposed } from './http-security';
import { startHttpServer, type RunningServer } from './http-server';
import type { Logger } from './logger';
import { brokerList, integer, list, oneOf, text, TOPIC_NAME } from './config';
import { LOG_LEVELS } from './logger';
import { DEFAULT_AVRO_SCHEMAS_DIR } from './avro';
import { readCaFile } from './kafka-client';
import { schemaRegistrySettings } from './schema-registry/registry-config';

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
    /** The folder of Avro schemas (`*.avsc`) records may be written with. */
    AVRO_SCHEMAS_DIR: text(DEFAULT_AVRO_SCHEMAS_DIR),
    PORT: integer(port, { min: 0, max: 65_535 }),
    HOST: text('127.0.0.1'),
    LOG_LEVEL: oneOf('info', LOG_LEVELS),
    // Kafka client security, for managed clusters (TLS, SASL PLAIN or SCRAM).
    KAFKA_SSL: oneOf('false', ['true', 'false']),
    /** A PEM file of the CA that signed the brokers' certificates (else the system's CAs). */
    KAFKA_SSL_CA_FILE: text(''),
    KAFKA_SSL_REJECT_UNAUTHORIZED: oneOf('true', ['true', 'false']),
    KAFKA_SASL_MECHANISM: oneOf('none', ['none', 'plain', 'scram-sha-256', 'scram-sha-512']),
    KAFKA_SASL_USERNAME: text(''),
    KAFKA_SASL_PASSWORD: text(''),
    // HTTP security.
    /** Comma-separated API keys; when set, every API call needs one (health stays open). */
    API_KEYS: list({
      pattern: /^[\x21-\x7e]{16,256}$/,
      hint: 'each key must be 16 to 256 visible ASCII characters without spaces or commas',
    }),
    /** Comma-separated origins allowed to call the API from a browser (`*` for any); off when empty. */
    CORS_ORIGINS: list({
      pattern: /^(\*|https?:\/\/[^\s/]+)$/,
      hint: 'origins look like https://host[:port] or *',
    }),
    /** Longest accepted request header section, in bytes. */
    MAX_HEADER_BYTES: integer(16_384, { min: 1024, max: 1_048_576 }),
    /** Longest accepted query string, in bytes (414 beyond). */
    MAX_QUERY_BYTES: integer(4096, { min: 64, max: 65_536 }),
    /**
     * Sent back as the `Service-Instance-Id` header of every response when set, so a supervisor or
     * load balancer can tell which process answered (`npm start` uses it to probe its own children).
     */
    SERVICE_INSTANCE_ID: text('', {
      pattern: /^[\w.-]{0,128}$/,
      hint: 'letters, digits, ".", "_" or "-", at most 128',
    }),
    ...schemaRegistrySettings,
  };
}

/**
 * Refuses a security configuration that cannot work, with every problem named: SASL without its
 * credentials, or TLS with a CA file that cannot be read or holds no certificate.
 */
export function checkKafkaSecurity(config: {
  KAFKA_SSL?: string;
  KAFKA_SSL_CA_FILE?: string;
  KAFKA_SASL_MECHANISM: string;
  KAFKA_SASL_USERNAME: string;
  KAFKA_SASL_PASSWORD: string;
}): string[] {
  const problems: string[] = [];
  if (config.KAFKA_SSL === 'true' && config.KAFKA_SSL_CA_FILE) {
    const read = readCaFile(config.KAFKA_SSL_CA_FILE);
    if ('problem' in read) problems.push(read.problem);
  }
  if (config.KAFKA_SASL_MECHANISM === 'none') return problems;
  if (!config.KAFKA_SASL_USERNAME)
    problems.push('KAFKA_SASL_USERNAME: required with KAFKA_SASL_MECHANISM');
  if (!config.KAFKA_SASL_PASSWORD)
    problems.push('KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM');
  return problems;
}

/** The HTTP options of the shared app shell, from the shared settings. */
export function httpOptionsFrom(config: {
  API_KEYS: string[];
  CORS_ORIGINS: string[];
  MAX_QUERY_BYTES: number;
  SERVICE_INSTANCE_ID?: string;
}) {
  return {
    apiKeys: config.API_KEYS,
    corsOrigins: config.CORS_ORIGINS,
    maxQueryBytes: config.MAX_QUERY_BYTES,
    instanceId: config.SERVICE_INSTANCE_ID ?? '',
  };
}

/** Listens as the shared settings say, warns when exposed without API keys, logs where. */
export async function listenAsConfigured(
  app: Express,
  config: { PORT: number; HOST: string; MAX_HEADER_BYTES: number; API_KEYS: string[] },
  logger: Logger,
  name: string,
): Promise<RunningServer> {
  const http = await startHttpServer(app, {
    port: config.PORT,
    host: config.HOST,
    maxHeaderBytes: config.MAX_HEADER_BYTES,
  });
  warnIfExposed(config.HOST, config.API_KEYS, logger);
  logger.info({ url: http.url, swagger: `${http.url}/swagger` }, `${name} listening`);
  return http;
}
