// Folding of repeated log lines: during an outage the same warning comes from every reconnect
// attempt and every refused request; one line per window, with the count of the others, says the
// same without burying everything else.

export type Level = 'error' | 'warn' | 'info' | 'debug';

/**
 * Folds repeats: the same message (numbers aside) within a window is counted, not written. `T`
 * rides along to the writer (e.g. the request's logger).
 */
export class RepeatFolder<T = undefined> {
  private readonly windows = new Map<string, { until: number; folded: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly write: (
      level: Level,
      extra: Record<string, unknown>,
      message: string,
      context?: T,
    ) => void,
    private readonly now: () => number = Date.now,
  ) {}

  log(level: Level, extra: Record<string, unknown>, message: string, context?: T): void {
    if (level !== 'error' && level !== 'warn') return this.write(level, extra, message, context);
    const key = `${level}:${message}:${String(extra.error ?? '')}`.replace(/\d+/g, '#');
    const at = this.now();
    const open = this.windows.get(key);
    if (open && at < open.until) {
      open.folded += 1;
      return;
    }
    const folded = open?.folded ?? 0;
    this.windows.set(key, { until: at + this.windowMs, folded: 0 });
    // The count of the previous window rides on the next line; a window that ends quietly says
    // nothing more (the repeats stopped, which the next healthy line makes plain).
    this.write(
      level,
      folded > 0 ? { ...extra, repeatedSinceLastLine: folded } : extra,
      folded > 0 ? `${message} (and ${folded} more like it)` : message,
      context,
    );
    if (this.windows.size > 500) this.forgetClosed(at);
  }

  private forgetClosed(at: number): void {
    for (const [key, window] of this.windows) {
      if (window.until <= at && window.folded === 0) this.windows.delete(key);
    }
  }
}
