// When a response counts as delivered: only a 2xx whose 'finish' came on a socket that did not
// fail. Node emits 'finish' even when the socket failed under a pending write, and 'close' may
// come without any 'finish' (the client left first).
import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { onResponseOutcome } from '../../src/http/delivery';

/** The parts of a response onResponseOutcome looks at, driven by hand. */
function fakeResponse({ status = 200, errored = false, socket = true } = {}) {
  const res = new EventEmitter() as EventEmitter & {
    statusCode: number;
    writableFinished: boolean;
    socket: { errored: Error | null } | null;
  };
  res.statusCode = status;
  res.writableFinished = false;
  res.socket = socket ? { errored: errored ? new Error('EPIPE') : null } : null;
  const outcome: string[] = [];
  onResponseOutcome(
    res as unknown as Response,
    () => outcome.push('delivered'),
    () => outcome.push('lost'),
  );
  const finish = () => {
    res.writableFinished = true;
    res.emit('finish');
  };
  return { res, outcome, finish };
}

describe('onResponseOutcome', () => {
  it('counts a 2xx written in full as delivered, once, even when close follows', () => {
    const { res, outcome, finish } = fakeResponse();
    finish();
    res.emit('close');
    expect(outcome).toEqual(['delivered']);
  });

  it('counts a close before finish (the client left) as lost', () => {
    const { res, outcome } = fakeResponse();
    res.emit('close');
    expect(outcome).toEqual(['lost']);
  });

  it('counts a finish on a socket that failed under the write as lost', () => {
    const { res, outcome, finish } = fakeResponse({ errored: true });
    finish();
    res.emit('close');
    expect(outcome).toEqual(['lost']);
  });

  it('counts a finish without a socket as lost', () => {
    const { outcome, finish } = fakeResponse({ socket: false });
    finish();
    expect(outcome).toEqual(['lost']);
  });

  it.each([204, 205, 304, 500, 503])('counts a %i as lost: it carries no message', (status) => {
    const { outcome, finish } = fakeResponse({ status });
    finish();
    expect(outcome).toEqual(['lost']);
  });
});
