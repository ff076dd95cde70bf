// The consumer's stall watchdog, with a clock the test moves by hand.
import { StallWatchdog, type StallWatchdogOptions } from '../../src/kafka/stall-watchdog';

function setup(options: Partial<StallWatchdogOptions> = {}) {
  let clock = 1_000_000;
  const onStall = jest.fn((_idleMs: number): void => undefined);
  const watchdog = new StallWatchdog({
    timeoutMs: 10_000,
    onStall,
    now: () => clock,
    ...options,
  });
  const advance = (ms: number) => {
    clock += ms;
  };
  return { watchdog, onStall, advance };
}

afterEach(() => {
  jest.useRealTimers();
});

describe('StallWatchdog.check', () => {
  it('never reports a stall while not armed, however long nothing happens', () => {
    const { watchdog, onStall, advance } = setup();
    advance(1_000_000);
    expect(watchdog.check()).toBe(false);
    advance(1_000_000);
    expect(watchdog.check()).toBe(false);
    expect(onStall).not.toHaveBeenCalled();
  });

  it('reports no stall while progress keeps coming within the timeout', () => {
    const { watchdog, onStall, advance } = setup();
    watchdog.arm();
    try {
      for (let i = 0; i < 20; i++) {
        advance(9_999);
        expect(watchdog.check()).toBe(false);
        watchdog.progress();
      }
      expect(onStall).not.toHaveBeenCalled();
    } finally {
      watchdog.disarm();
    }
  });

  it('counts idle time from arming, not from construction', () => {
    const { watchdog, onStall, advance } = setup();
    advance(60_000);
    watchdog.arm();
    try {
      advance(5_000);
      expect(watchdog.check()).toBe(false);
      expect(onStall).not.toHaveBeenCalled();
    } finally {
      watchdog.disarm();
    }
  });

  it('reports a stall once, with the idle time, when no progress came within the timeout', () => {
    const { watchdog, onStall, advance } = setup();
    watchdog.arm();
    advance(4_000);
    watchdog.progress();
    advance(12_345);
    expect(watchdog.check()).toBe(true);
    expect(onStall).toHaveBeenCalledTimes(1);
    expect(onStall).toHaveBeenCalledWith(12_345);
    // Disarmed by the stall: no second report.
    advance(100_000);
    expect(watchdog.check()).toBe(false);
    expect(onStall).toHaveBeenCalledTimes(1);
  });

  it('reports a stall at exactly the timeout', () => {
    const { watchdog, onStall, advance } = setup();
    watchdog.arm();
    advance(10_000);
    expect(watchdog.check()).toBe(true);
    expect(onStall).toHaveBeenCalledWith(10_000);
  });

  it('stops checking once disarmed', () => {
    const { watchdog, onStall, advance } = setup();
    watchdog.arm();
    advance(5_000);
    watchdog.disarm();
    advance(100_000);
    expect(watchdog.check()).toBe(false);
    expect(onStall).not.toHaveBeenCalled();
  });

  it('watches again after being re-armed, from the moment of arming', () => {
    const { watchdog, onStall, advance } = setup();
    watchdog.arm();
    watchdog.disarm();
    advance(100_000);
    watchdog.arm();
    try {
      expect(watchdog.check()).toBe(false);
      advance(10_000);
      expect(watchdog.check()).toBe(true);
      expect(onStall).toHaveBeenCalledWith(10_000);
    } finally {
      watchdog.disarm();
    }
  });
});

describe('StallWatchdog timer', () => {
  it('checks on its own every checkEveryMs while armed', () => {
    jest.useFakeTimers();
    const { watchdog, onStall, advance } = setup({ timeoutMs: 10_000, checkEveryMs: 1000 });
    const check = jest.spyOn(watchdog, 'check');
    watchdog.arm();
    jest.advanceTimersByTime(999);
    expect(check).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(check).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(3000);
    expect(check).toHaveBeenCalledTimes(4);
    expect(onStall).not.toHaveBeenCalled();

    // The injected clock says 10 s passed without progress: the next tick reports it.
    advance(10_000);
    jest.advanceTimersByTime(1000);
    expect(onStall).toHaveBeenCalledTimes(1);
    expect(onStall).toHaveBeenCalledWith(10_000);
    // The stall disarmed it: the interval is gone.
    const calls = check.mock.calls.length;
    advance(100_000);
    jest.advanceTimersByTime(10_000);
    expect(check).toHaveBeenCalledTimes(calls);
    expect(onStall).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('checks every tenth of the timeout, at least every second, by default', () => {
    jest.useFakeTimers();
    const long = setup({ timeoutMs: 60_000 });
    const longCheck = jest.spyOn(long.watchdog, 'check');
    long.watchdog.arm();
    jest.advanceTimersByTime(5_999);
    expect(longCheck).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(longCheck).toHaveBeenCalledTimes(1);
    long.watchdog.disarm();

    const short = setup({ timeoutMs: 2_000 });
    const shortCheck = jest.spyOn(short.watchdog, 'check');
    short.watchdog.arm();
    jest.advanceTimersByTime(999);
    expect(shortCheck).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(shortCheck).toHaveBeenCalledTimes(1);
    short.watchdog.disarm();
  });

  it('clears its interval on disarm and does not stack intervals when armed twice', () => {
    jest.useFakeTimers();
    const { watchdog } = setup({ checkEveryMs: 1000 });
    const check = jest.spyOn(watchdog, 'check');
    watchdog.arm();
    watchdog.arm();
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(1000);
    expect(check).toHaveBeenCalledTimes(1);
    watchdog.disarm();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(10_000);
    expect(check).toHaveBeenCalledTimes(1);
  });

  it('does not keep the process alive', () => {
    jest.useFakeTimers();
    const setIntervalSpy = jest.spyOn(global, 'setInterval');
    const { watchdog } = setup();
    watchdog.arm();
    try {
      const timer = setIntervalSpy.mock.results[0]?.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
    } finally {
      watchdog.disarm();
      setIntervalSpy.mockRestore();
    }
  });
});
