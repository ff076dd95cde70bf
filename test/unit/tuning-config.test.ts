// Producer and consumer tuning from the environment: defaults, ranges, impossible combinations,
// and the compressions service-a can write. Both services' loadConfig, no broker.
import { ConfigError, type Env } from '@kafka-http/common';
import { loadConfig as loadConfigA } from '../../service-a/src/config';
import { loadConfig as loadConfigB } from '../../service-b/src/config';

function problemsOf(loadConfig: (env: Env) => unknown, env: Env): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('service-a producer tuning', () => {
  it('when nothing is set, then batches are written uncompressed', () => {
    const config = loadConfigA({});
    expect(config.PRODUCE_COMPRESSION).toBe('none');
  });

  it.each(['gzip', 'snappy', 'lz4', 'zstd'])(
    'when PRODUCE_COMPRESSION=%s, then it is used',
    (codec) => {
      expect(loadConfigA({ PRODUCE_COMPRESSION: ` ${codec} ` }).PRODUCE_COMPRESSION).toBe(codec);
    },
  );

  it('when PRODUCE_COMPRESSION is unknown, then the choices are named', () => {
    expect(problemsOf(loadConfigA, { PRODUCE_COMPRESSION: 'brotli' })[0]).toMatch(
      /^PRODUCE_COMPRESSION: expected one of none, gzip, snappy, lz4, zstd, got "brotli"$/,
    );
  });
});

describe('service-b consumer tuning', () => {
  it('when nothing is set, then fetches are sized for a bounded buffer and resume quickly', () => {
    expect(loadConfigB({})).toMatchObject({
      KAFKA_FETCH_MIN_BYTES: 1,
      KAFKA_FETCH_MAX_BYTES: 2 * 1024 * 1024,
      KAFKA_MAX_BYTES_PER_PARTITION: 1024 * 1024,
      KAFKA_FETCH_MAX_WAIT_MS: 25,
      KAFKA_SESSION_TIMEOUT_MS: 30_000,
      KAFKA_REBALANCE_TIMEOUT_MS: 60_000,
      KAFKA_HEARTBEAT_INTERVAL_MS: 0,
    });
  });

  it('when values are given, then they are read', () => {
    expect(
      loadConfigB({
        KAFKA_FETCH_MIN_BYTES: '1024',
        KAFKA_FETCH_MAX_BYTES: '4194304',
        KAFKA_MAX_BYTES_PER_PARTITION: '2097152',
        KAFKA_REBALANCE_TIMEOUT_MS: '20000',
        KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
        KAFKA_SESSION_TIMEOUT_MS: '10000',
      }),
    ).toMatchObject({
      KAFKA_FETCH_MIN_BYTES: 1024,
      KAFKA_FETCH_MAX_BYTES: 4194304,
      KAFKA_MAX_BYTES_PER_PARTITION: 2097152,
      KAFKA_REBALANCE_TIMEOUT_MS: 20_000,
      KAFKA_HEARTBEAT_INTERVAL_MS: 1000,
      KAFKA_SESSION_TIMEOUT_MS: 10_000,
    });
  });

  it('when a heartbeat interval is not below the session timeout, then start-up fails', () => {
    expect(
      problemsOf(loadConfigB, {
        KAFKA_HEARTBEAT_INTERVAL_MS: '10000',
        KAFKA_SESSION_TIMEOUT_MS: '10000',
      }),
    ).toEqual([
      'KAFKA_HEARTBEAT_INTERVAL_MS: must be below KAFKA_SESSION_TIMEOUT_MS (10000), got 10000',
    ]);
  });

  it('when the minimum fetch is larger than the maximum, then start-up fails', () => {
    expect(
      problemsOf(loadConfigB, { KAFKA_FETCH_MIN_BYTES: '4096', KAFKA_FETCH_MAX_BYTES: '2048' }),
    ).toEqual(['KAFKA_FETCH_MIN_BYTES: must not exceed KAFKA_FETCH_MAX_BYTES (2048), got 4096']);
  });

  it.each([
    ['KAFKA_FETCH_MAX_BYTES', '10'],
    ['KAFKA_MAX_BYTES_PER_PARTITION', 'lots'],
    ['KAFKA_REBALANCE_TIMEOUT_MS', '0'],
    ['KAFKA_HEARTBEAT_INTERVAL_MS', '-1'],
  ])('when %s=%s, then start-up fails naming it', (name, value) => {
    const problems = problemsOf(loadConfigB, { [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: expected an integer`));
  });
});
