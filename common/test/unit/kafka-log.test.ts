// The KafkaJS log bridge: transient errors KafkaJS retries are debug, outages are warnings without
// stack traces, and a line that repeats is written once per window with the count of the others.
import { logLevel } from 'kafkajs';
import { levelFor } from '../../src/kafka-log';
import { RepeatFolder } from '../../src/repeat-folder';

describe('levelFor', () => {
  it('puts retried coordinator answers at debug', () => {
    expect(
      levelFor(logLevel.ERROR, 'Response GroupCoordinator(key: 10, version: 2)', {
        error: 'The group coordinator is not available',
      }),
    ).toBe('debug');
    expect(
      levelFor(logLevel.ERROR, 'Response InitProducerId(key: 22, version: 1)', {
        error: "The coordinator is loading and hence can't process requests for this group",
      }),
    ).toBe('debug');
  });

  it('keeps a response error KafkaJS does not retry at error', () => {
    expect(
      levelFor(logLevel.ERROR, 'Response Produce(key: 0, version: 7)', {
        error:
          'The request included a message larger than the max message size the server will accept',
      }),
    ).toBe('error');
  });

  it('replaces the bounded-retries warning of the idempotent producer', () => {
    expect(
      levelFor(
        logLevel.WARN,
        'Limiting retries for the idempotent producer may invalidate EoS guarantees',
        {},
      ),
    ).toBe('debug');
  });

  it('makes a restart after a coordinator error info, after a lost connection a warning', () => {
    expect(
      levelFor(
        logLevel.ERROR,
        'Crash: KafkaJSProtocolError: The coordinator is loading and hence cannot process requests',
        {},
      ),
    ).toBe('info');
    expect(
      levelFor(
        logLevel.ERROR,
        'Crash: KafkaJSNonRetriableError: Connection error: connect ECONNREFUSED 127.0.0.1:9092',
        {},
      ),
    ).toBe('warn');
    expect(levelFor(logLevel.ERROR, 'Restarting the consumer in 300ms', {})).toBe('info');
  });

  it('makes a broker that does not answer a warning', () => {
    expect(
      levelFor(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092', {}),
    ).toBe('warn');
    expect(
      levelFor(
        logLevel.ERROR,
        'Failed to connect to seed broker, trying another broker from the list: x',
        {},
      ),
    ).toBe('warn');
  });

  it('leaves info and debug lines alone', () => {
    expect(levelFor(logLevel.INFO, 'Consumer has joined the group', {})).toBe('info');
    expect(levelFor(logLevel.DEBUG, 'Request Metadata', {})).toBe('debug');
  });
});

describe('RepeatFolder', () => {
  function folder(windowMs = 10_000) {
    let clock = 0;
    const written: { level: string; message: string; extra: Record<string, unknown> }[] = [];
    const f = new RepeatFolder(
      windowMs,
      (level, extra, message) => written.push({ level, extra, message }),
      () => clock,
    );
    return { f, written, advance: (ms: number) => (clock += ms) };
  }

  it('writes a repeating warning once per window, with the count of the folded ones', () => {
    const { f, written, advance } = folder();
    for (let i = 0; i < 50; i += 1) {
      f.log(
        'error',
        { broker: '127.0.0.1:9092' },
        `Connection error: connect ECONNREFUSED 127.0.0.1:${9000 + i}`,
      );
      advance(500); // 25 s in all: one line at 0 s, 10 s and 20 s
    }
    expect(written).toHaveLength(3);
    expect(written[0]?.message).toBe('Connection error: connect ECONNREFUSED 127.0.0.1:9000');
    expect(written[1]?.message).toMatch(/\(and 19 more like it\)$/);
    expect(written[1]?.extra.repeatedSinceLastLine).toBe(19);
    expect(written[2]?.extra.repeatedSinceLastLine).toBe(19);
  });

  it('does not fold different messages into each other, nor info lines at all', () => {
    const { f, written } = folder();
    f.log('warn', {}, 'Kafka is unreachable');
    f.log('warn', {}, 'Crash: something else');
    f.log('info', {}, 'Starting');
    f.log('info', {}, 'Starting');
    expect(written.map((w) => w.message)).toEqual([
      'Kafka is unreachable',
      'Crash: something else',
      'Starting',
      'Starting',
    ]);
  });

  it('writes a line that comes back after a quiet window without a count', () => {
    const { f, written, advance } = folder(1000);
    f.log('warn', {}, 'Connection timeout');
    advance(5000);
    f.log('warn', {}, 'Connection timeout');
    expect(written).toHaveLength(2);
    expect(written[1]?.extra.repeatedSinceLastLine).toBeUndefined();
  });
});
