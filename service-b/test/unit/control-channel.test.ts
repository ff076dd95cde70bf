// The control topic's records: what a replica publishes decodes to the same thing, and anything
// malformed or of an unknown kind is ignored instead of crashing the control consumer.
import {
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
