// The control topic's records: what a replica publishes decodes to the same thing, and anything
// malformed or of an unknown kind is ignored instead of crashing the control consumer; a crash
// the consumer does not restart from is fatal.
import { EventEmitter } from 'node:events';
import type { Kafka } from 'kafkajs';
import { createLogger } from '@kafka-http/common';
import {
  ControlChannel,
  decodeControl,
  encodeControl,
  type MoveCommand,
  type MovedAck,
} from '../../src/kafka/control-channel';

const command: MoveCommand = {
  kind: 'move',
  id: 'c-1',
  groupId: 'message-group',
  topic: 'message-topic',
  origin: 'b-aaaaaa',
  deadline: 1_800_000_000_000,
  targets: [{ partition: 0, offset: '42' }],
};
const ack: MovedAck = {
  kind: 'moved',
  id: 'c-1',
  groupId: 'message-group',
  topic: 'message-topic',
  instance: 'b-bbbbbb',
  memberId: 'service-b-1234',
  partitions: [0],
};

describe('control records', () => {
  it('when a command or an acknowledgement is encoded, decoding gives it back', () => {
    for (const message of [command, ack]) {
      expect(decodeControl(Buffer.from(encodeControl(message)))).toEqual(message);
    }
  });

  it.each([
    ['no value', null],
    ['not JSON', Buffer.from('{')],
    ['a JSON array', Buffer.from('[]')],
    ['an unknown kind', Buffer.from(JSON.stringify({ ...command, kind: 'delete' }))],
    [
      'a negative partition',
      Buffer.from(JSON.stringify({ ...command, targets: [{ partition: -1, offset: '1' }] })),
    ],
    [
      'an offset that is not decimal',
      Buffer.from(JSON.stringify({ ...command, targets: [{ partition: 0, offset: '-1' }] })),
    ],
    ['no group', Buffer.from(JSON.stringify({ ...ack, groupId: '' }))],
    ['partitions that are not a list', Buffer.from(JSON.stringify({ ...ack, partitions: 0 }))],
  ])('when a record has %s, it is ignored', (_what, value) => {
    expect(decodeControl(value)).toBeUndefined();
  });
});

describe('ControlChannel crashes', () => {
  function channelWithConsumer() {
    const consumer = Object.assign(new EventEmitter(), {
      events: {
        GROUP_JOIN: 'join',
        FETCH: 'fetch',
        STOP: 'stop',
        DISCONNECT: 'dc',
        CRASH: 'crash',
      },
      disconnect: async () => undefined,
    });
    const producer = { disconnect: async () => undefined };
    const kafka = { consumer: () => consumer, producer: () => producer } as unknown as Kafka;
    const fatal: unknown[] = [];
    const channel = new ControlChannel({
      kafka,
      controlTopic: 'g.control',
      replicationFactor: 1,
      instanceId: 'b-1',
      logger: createLogger({ name: 'control-test', level: 'silent' }),
      onMessage: () => undefined,
      onFatal: (error) => fatal.push(error),
    });
    return { consumer, channel, fatal };
  }

  it('is fatal for a crash KafkaJS does not restart from, and only then', async () => {
    const { consumer, channel, fatal } = channelWithConsumer();
    consumer.emit('crash', { payload: { error: new Error('retriable'), restart: true } });
    expect(fatal).toEqual([]);
    const error = new Error('not authorised');
    consumer.emit('crash', { payload: { error, restart: false } });
    expect(fatal).toEqual([error]);
    await channel.stop();
    consumer.emit('crash', { payload: { error, restart: false } });
    expect(fatal).toHaveLength(1);
  });
});
