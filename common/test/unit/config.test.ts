// Configuration from environment variables: defaults, trimming, and every problem reported at once.
import path from 'node:path';
import {
  brokerList,
  ConfigError,
  integer,
  MIB,
  oneOf,
  readEnv,
  sharedSettings,
  text,
  TOPIC_NAME,
} from '@kafka-http/common';

/** Runs `fn`, expecting a ConfigError, and returns it. */
function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

describe('readEnv', () => {
  const schema = {
    PORT: integer(8080, { min: 0, max: 65_535 }),
    NAME: text('default-name'),
    LEVEL: oneOf('info', ['info', 'debug'] as const),
  };

  it('uses the defaults for missing and blank keys', () => {
    expect(readEnv(schema, {})).toEqual({ PORT: 8080, NAME: 'default-name', LEVEL: 'info' });
    expect(readEnv(schema, { PORT: '', NAME: '   ', LEVEL: '\t' })).toEqual({
      PORT: 8080,
      NAME: 'default-name',
      LEVEL: 'info',
    });
  });

  it('trims and parses the values given', () => {
    expect(readEnv(schema, { PORT: ' 9000 ', NAME: '  svc  ', LEVEL: ' debug\n' })).toEqual({
      PORT: 9000,
      NAME: 'svc',
      LEVEL: 'debug',
    });
  });

  it('ignores keys it does not know and returns a frozen object', () => {
    const config = readEnv(schema, { OTHER: 'x' });
    expect(config).not.toHaveProperty('OTHER');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every bad key at once', () => {
    const error = configErrorOf(() =>
      readEnv(schema, { PORT: 'eighty', NAME: 'fine', LEVEL: 'loud' }),
    );
    expect(error.problems).toHaveLength(2);
    expect(error.problems[0]).toMatch(/^PORT: .*"eighty"/);
    expect(error.problems[1]).toMatch(/^LEVEL: .*info, debug.*"loud"/);
    expect(error.message).toContain('PORT');
    expect(error.message).toContain('LEVEL');
    expect(error.name).toBe('ConfigError');
  });
});

describe('integer', () => {
  const setting = integer(5, { min: 1, max: 10 });

  it('accepts the bounds themselves', () => {
    expect(setting.parse('1')).toBe(1);
    expect(setting.parse('10')).toBe(10);
  });

  it.each(['0', '11', '-3'])('refuses %s outside the bounds', (raw) => {
    expect(() => setting.parse(raw)).toThrow(/from 1 to 10/);
  });

  it.each(['1.5', 'abc', '9007199254740993', 'NaN', 'Infinity'])('refuses %s', (raw) => {
    expect(() => setting.parse(raw)).toThrow(/integer/);
  });

  it('describes its default', () => {
    expect(setting.describeDefault).toBe('5');
    expect(setting.parse(undefined)).toBe(5);
  });
});

describe('brokerList', () => {
  const setting = brokerList('localhost:9092');

  it('uses the default when unset', () => {
    expect(setting.parse(undefined)).toEqual(['localhost:9092']);
    expect(setting.parse('  ')).toEqual(['localhost:9092']);
  });

  it('splits, trims and drops empty entries', () => {
    expect(setting.parse(' a:1 , b.example.com:9093,, 10.0.0.1:9094 ')).toEqual([
      'a:1',
      'b.example.com:9093',
      '10.0.0.1:9094',
    ]);
  });

  it('accepts IPv6 addresses in brackets', () => {
    expect(setting.parse('[::1]:9092,[fe80::1]:9093')).toEqual(['[::1]:9092', '[fe80::1]:9093']);
  });

  it.each(['localhost', 'http://x:1', 'host:', ':9092', 'host:port', '::1:9092', 'a b:1', ','])(
    'refuses %p',
    (raw) => {
      expect(() => setting.parse(raw)).toThrow(/host:port/);
    },
  );

  it('names the bad entry inside readEnv', () => {
    const error = configErrorOf(() =>
      readEnv({ KAFKA_BROKERS: setting }, { KAFKA_BROKERS: 'ok:1,localhost' }),
    );
    expect(error.problems).toEqual([
      'KAFKA_BROKERS: expected host:port with a port from 1 to 65535, got "localhost"',
    ]);
  });

  it('refuses a port above 65535', () => {
    expect(() => setting.parse('localhost:99999')).toThrow();
  });
});

describe('TOPIC_NAME', () => {
  it.each(['message-topic', 'a', 'A.b_c-1', '...', 'x'.repeat(249)])('accepts %p', (name) => {
    expect(TOPIC_NAME.test(name)).toBe(true);
  });

  it.each(['.', '..', 'x'.repeat(250), 'has space', '', 'slash/topic', 'ünicode'])(
    'refuses %p',
    (name) => {
      expect(TOPIC_NAME.test(name)).toBe(false);
    },
  );
});

describe('sharedSettings', () => {
  it('has the documented defaults', () => {
    const config = readEnv(sharedSettings({ port: 5101, clientId: 'service-a' }), {});
    expect(config).toEqual({
      KAFKA_BROKERS: ['localhost:9092'],
      KAFKA_TOPIC: 'message-topic',
      KAFKA_CLIENT_ID: 'service-a',
      KAFKA_TOPIC_PARTITIONS: 1,
      KAFKA_TOPIC_REPLICATION_FACTOR: 1,
      MAX_MESSAGE_BYTES: MIB,
      AVRO_SCHEMAS_DIR: path.resolve(__dirname, '../../../schemas/avro'),
      PORT: 5101,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      KAFKA_SSL: 'false',
      KAFKA_SSL_CA_FILE: '',
      KAFKA_SSL_REJECT_UNAUTHORIZED: 'true',
      KAFKA_SASL_MECHANISM: 'none',
      KAFKA_SASL_USERNAME: '',
      KAFKA_SASL_PASSWORD: '',
      API_KEYS: [],
      CORS_ORIGINS: [],
      MAX_HEADER_BYTES: 16_384,
      MAX_QUERY_BYTES: 4096,
      SERVICE_INSTANCE_ID: '',
      SCHEMA_REGISTRY_URL: '',
      SCHEMA_REGISTRY_USERNAME: '',
      SCHEMA_REGISTRY_PASSWORD: '',
      SCHEMA_REGISTRY_CA_FILE: '',
      SCHEMA_REGISTRY_REJECT_UNAUTHORIZED: 'true',
      SCHEMA_REGISTRY_TIMEOUT_MS: 2000,
      SCHEMA_REGISTRY_CACHE_MS: 30_000,
    });
  });

  it('takes its port and client id from the service', () => {
    const config = readEnv(sharedSettings({ port: 5102, clientId: 'service-b' }), {});
    expect(config.PORT).toBe(5102);
    expect(config.KAFKA_CLIENT_ID).toBe('service-b');
  });

  it('refuses bad topic names and reports every bad key at once', () => {
    const settings = sharedSettings({ port: 5101, clientId: 'service-a' });
    const error = configErrorOf(() =>
      readEnv(settings, {
        KAFKA_TOPIC: 'has space',
        PORT: '70000',
        LOG_LEVEL: 'chatty',
        KAFKA_BROKERS: 'localhost',
      }),
    );
    expect(error.problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'KAFKA_BROKERS',
      'KAFKA_TOPIC',
      'LOG_LEVEL',
      'PORT',
    ]);
    expect(configErrorOf(() => readEnv(settings, { KAFKA_TOPIC: '..' })).problems).toHaveLength(1);
    expect(
      configErrorOf(() => readEnv(settings, { KAFKA_TOPIC: 't'.repeat(250) })).problems[0],
    ).toMatch(/^KAFKA_TOPIC: /);
  });

  it('trims the topic name', () => {
    const config = readEnv(sharedSettings({ port: 1, clientId: 'c' }), { KAFKA_TOPIC: ' orders ' });
    expect(config.KAFKA_TOPIC).toBe('orders');
  });
});
