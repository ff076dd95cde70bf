// The one policy for background work a service cannot live without: a failure is logged as fatal
// once and ends the process through onFatal; success does nothing.
import { fatalIfItFails, type Logger } from '../../src';

function recorder() {
  const fatal: unknown[][] = [];
  const logger = { fatal: (...args: unknown[]) => fatal.push(args) } as unknown as Logger;
  const ended: unknown[] = [];
  return { logger, fatal, ended, onFatal: (error: unknown) => ended.push(error) };
}

async function settled(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe('fatalIfItFails', () => {
  it('logs the failure once as fatal, with its message, and calls onFatal with it', async () => {
    const { logger, fatal, ended, onFatal } = recorder();
    const error = new Error('SASL authentication failed');
    fatalIfItFails(Promise.reject(error), { logger, onFatal });
    await settled();
    expect(fatal).toEqual([[{ err: error }, 'SASL authentication failed']]);
    expect(ended).toEqual([error]);
  });

  it('does nothing when the work succeeds', async () => {
    const { logger, fatal, ended, onFatal } = recorder();
    fatalIfItFails(Promise.resolve('started'), { logger, onFatal });
    await settled();
    expect(fatal).toEqual([]);
    expect(ended).toEqual([]);
  });
});
