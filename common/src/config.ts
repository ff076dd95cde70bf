// Typed, validated configuration read from environment variables. Every key has a default;
// every problem is collected and reported at once so a bad deployment fails fast and clearly.

export type Env = Readonly<Record<string, string | undefined>>;

export interface Setting<T> {
  /** Human-readable default, shown in errors and docs. */
  readonly describeDefault: string;
  parse(raw: string | undefined): T;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function integer(
  defaultValue: number,
  { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = {},
): Setting<number> {
  return {
    describeDefault: String(defaultValue),
    parse(raw) {
      if (raw === undefined || raw.trim() === '') return defaultValue;
      const value = Number(raw.trim());
      if (!Number.isSafeInteger(value)) throw new Error(`expected an integer, got "${raw}"`);
      if (value < min || value > max) {
        throw new Error(`expected an integer from ${min} to ${max}, got ${value}`);
      }
      return value;
    },
  };
}

export function text(
  defaultValue: string,
  { pattern, hint }: { pattern?: RegExp; hint?: string } = {},
): Setting<string> {
  return {
    describeDefault: defaultValue,
    parse(raw) {
      const value = raw === undefined || raw.trim() === '' ? defaultValue : raw.trim();
      if (pattern && !pattern.test(value)) {
        throw new Error(`${hint ?? `must match ${pattern}`}, got "${value}"`);
      }
      return value;
    },
  };
}

export function oneOf<const T extends string>(defaultValue: T, choices: readonly T[]): Setting<T> {
  return {
    describeDefault: defaultValue,
    parse(raw) {
      const value = raw === undefined || raw.trim() === '' ? defaultValue : raw.trim();
      if (!(choices as readonly string[]).includes(value)) {
        throw new Error(`expected one of ${choices.join(', ')}, got "${value}"`);
      }
      return value as T;
    },
  };
}

/** A comma-separated list of `host:port` addresses. */
export function brokerList(defaultValue: string): Setting<string[]> {
  return {
    describeDefault: defaultValue,
    parse(raw) {
      const value = raw === undefined || raw.trim() === '' ? defaultValue : raw;
      const brokers = value
        .split(',')
        .map((b) => b.trim())
        .filter((b) => b.length > 0);
      if (brokers.length === 0) throw new Error('expected at least one host:port');
      for (const broker of brokers) {
        const match = /^(?:[^\s:/[\]]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(broker);
        const port = Number(match?.[1]);
        if (!match || port < 1 || port > 65_535) {
          throw new Error(`expected host:port with a port from 1 to 65535, got "${broker}"`);
        }
      }
      return brokers;
    },
  };
}

/** A comma-separated list; empty by default. */
export function list({ pattern, hint }: { pattern?: RegExp; hint?: string } = {}): Setting<
  string[]
> {
  return {
    describeDefault: '(empty)',
    parse(raw) {
      const items = (raw ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0);
      for (const item of items) {
        if (pattern && !pattern.test(item)) {
          // Never echo the value: lists hold API keys.
          throw new Error(hint ?? `an entry does not match ${pattern}`);
        }
      }
      return items;
    },
  };
}

export type Schema = Record<string, Setting<unknown>>;
export type ConfigOf<S extends Schema> = { readonly [K in keyof S]: ReturnType<S[K]['parse']> };

/** Reads every key of `schema` from `env`; throws one ConfigError naming every bad key. */
export function readEnv<S extends Schema>(
  schema: S,
  env: Env,
  check: (config: ConfigOf<S>) => string[] = () => [],
): ConfigOf<S> {
  const problems: string[] = [];
  const result: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(schema)) {
    try {
      result[key] = setting.parse(env[key]);
    } catch (error) {
      problems.push(`${key}: ${(error as Error).message}`);
    }
  }
  if (problems.length === 0) problems.push(...check(result as ConfigOf<S>));
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(result) as ConfigOf<S>;
}

/** Valid Kafka topic name: at most 249 of [a-zA-Z0-9._-], not "." or "..". */
export const TOPIC_NAME = /^(?!\.{1,2}$)[a-zA-Z0-9._-]{1,249}$/;
