// Notices a consumer whose fetch loop stopped making progress without KafkaJS reporting a crash
// (a hung request, a wedged handler): a live process with a dead consumer is worse than a restart.

export interface StallWatchdogOptions {
  /** No progress for this long while armed counts as a stall. */
  timeoutMs: number;
  onStall: (idleMs: number) => void;
  now?: () => number;
  checkEveryMs?: number;
}

export class StallWatchdog {
  private lastProgress: number;
  private armed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: StallWatchdogOptions) {
    this.now = options.now ?? Date.now;
    this.lastProgress = this.now();
  }

  /** The loop moved (a fetch started, the group was joined). */
  progress(): void {
    this.lastProgress = this.now();
  }

  /** Watch from now on (the consumer is running). */
  arm(): void {
    this.armed = true;
    this.progress();
    if (!this.timer) {
      const every = this.options.checkEveryMs ?? Math.max(1000, this.options.timeoutMs / 10);
      this.timer = setInterval(() => this.check(), every);
      this.timer.unref();
    }
  }

  /** Stop watching (the consumer was stopped on purpose). */
  disarm(): void {
    this.armed = false;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reports a stall once; exposed for tests. */
  check(): boolean {
    if (!this.armed) return false;
    const idleMs = this.now() - this.lastProgress;
    if (idleMs < this.options.timeoutMs) return false;
    this.disarm();
    this.options.onStall(idleMs);
    return true;
  }
}
