// The schema registry settings both services share, and the resolver they describe.
import { readFileSync } from 'node:fs';
import { integer, oneOf, text } from '../config';
import type { Metrics } from '../metrics';
import { SchemaRegistryClient } from './registry-client';
import { SchemaResolver, type LookupOutcome } from './schema-resolver';
import type { Counter } from 'prom-client';

export const schemaRegistrySettings = {
  /**
   * A Confluent-compatible schema registry (Confluent, Apicurio's /apis/ccompat/v7, Karapace,
   * Redpanda). Empty: framed records are delivered raw, and service-a accepts no registry content type.
   */
  SCHEMA_REGISTRY_URL: text('', {
    pattern: /^$|^https?:\/\/[^\s]+$/,
    hint: 'an http:// or https:// URL',
  }),
  /** Basic auth to the registry (an API key and secret on Confluent Cloud). */
  SCHEMA_REGISTRY_USERNAME: text(''),
  SCHEMA_REGISTRY_PASSWORD: text(''),
  /** A PEM file of the CA that signed the registry's certificate (else the system's CAs). */
  SCHEMA_REGISTRY_CA_FILE: text(''),
  SCHEMA_REGISTRY_REJECT_UNAUTHORIZED: oneOf('true', ['true', 'false']),
  /** Longest one registry request may take. */
  SCHEMA_REGISTRY_TIMEOUT_MS: integer(2000, { min: 100, max: 60_000 }),
  /** How long a subject's latest version is trusted before the registry is asked again. */
  SCHEMA_REGISTRY_CACHE_MS: integer(30_000, { min: 0, max: 86_400_000 }),
};

export interface SchemaRegistryConfig {
  SCHEMA_REGISTRY_URL: string;
  SCHEMA_REGISTRY_USERNAME: string;
  SCHEMA_REGISTRY_PASSWORD: string;
  SCHEMA_REGISTRY_CA_FILE: string;
  SCHEMA_REGISTRY_REJECT_UNAUTHORIZED: string;
  SCHEMA_REGISTRY_TIMEOUT_MS: number;
  SCHEMA_REGISTRY_CACHE_MS: number;
}

/** Settings that cannot work together, each named. */
export function checkSchemaRegistry(config: SchemaRegistryConfig): string[] {
  const problems: string[] = [];
  if (config.SCHEMA_REGISTRY_PASSWORD && !config.SCHEMA_REGISTRY_USERNAME) {
    problems.push('SCHEMA_REGISTRY_USERNAME: required with SCHEMA_REGISTRY_PASSWORD');
  }
  if (config.SCHEMA_REGISTRY_CA_FILE) {
    try {
      if (!readFileSync(config.SCHEMA_REGISTRY_CA_FILE, 'utf8').includes('BEGIN CERTIFICATE')) {
        problems.push(
          `SCHEMA_REGISTRY_CA_FILE: ${config.SCHEMA_REGISTRY_CA_FILE} holds no PEM certificate`,
        );
      }
    } catch (error) {
      problems.push(
        `SCHEMA_REGISTRY_CA_FILE: cannot read ${config.SCHEMA_REGISTRY_CA_FILE} (${(error as Error).message})`,
      );
    }
  }
  return problems;
}

/** One child per outcome, bound once: a decode counts a lookup for every framed record. */
function countLookup(lookups: Counter): (outcome: LookupOutcome) => void {
  const children = {
    hit: lookups.labels({ outcome: 'hit' }),
    miss: lookups.labels({ outcome: 'miss' }),
    error: lookups.labels({ outcome: 'error' }),
  };
  return (outcome) => children[outcome].inc();
}

/** The resolver the settings describe, with its lookups counted; undefined without a URL. */
export function schemaResolverFrom(
  config: SchemaRegistryConfig,
  metrics?: Metrics,
): SchemaResolver | undefined {
  if (!config.SCHEMA_REGISTRY_URL) return undefined;
  const lookups = metrics?.counter(
    'schema_registry_lookups_total',
    'Schema lookups by outcome: hit (cache), miss (fetched from the registry), error.',
    ['outcome'],
  );
  return new SchemaResolver({
    client: new SchemaRegistryClient({
      url: config.SCHEMA_REGISTRY_URL,
      username: config.SCHEMA_REGISTRY_USERNAME || undefined,
      password: config.SCHEMA_REGISTRY_PASSWORD || undefined,
      ca: config.SCHEMA_REGISTRY_CA_FILE
        ? readFileSync(config.SCHEMA_REGISTRY_CA_FILE, 'utf8')
        : undefined,
      rejectUnauthorized: config.SCHEMA_REGISTRY_REJECT_UNAUTHORIZED === 'true',
      timeoutMs: config.SCHEMA_REGISTRY_TIMEOUT_MS,
    }),
    latestTtlMs: config.SCHEMA_REGISTRY_CACHE_MS,
    onLookup: lookups ? countLookup(lookups) : undefined,
  });
}
