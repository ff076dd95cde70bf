// Coalesces concurrent produce requests into one Kafka send. KafkaJS's idempotent producer keeps
// one request in flight per broker, so sending each HTTP request on its own tops out at one
// round trip per message; here, whatever arrives while a send is in flight (or within the linger
// window) goes out together in the next one. Every caller still gets its own result or its own
// error, and only after Kafka acknowledged its record. Pure logic: the send itself is injected.

export interface SendOutcome {
  partition: number;
  offset: string;
}

export interface BatcherOptions<R> {
  /** Sends records in order; resolves one outcome per record, in the same order. */
  send: (records: R[]) => Promise<SendOutcome[]>;
  sizeOf: (record: R) => number;
  /** Wait this long for more records before sending (0: send as soon as nothing is in flight). */
  lingerMs: number;
  maxBatchRecords: number;
  maxBatchBytes: number;
  /** Records waiting beyond this are refused at once (memory stays bounded). */
  maxQueuedRecords: number;
  /** Whether a failed multi-record send should be retried record by record (e.g. one too large). */
  isolate?: (error: unknown) => boolean;
}

export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

interface Pending<R> {
  record: R;
  bytes: number;
  resolve(outcome: SendOutcome): void;
  reject(error: unknown): void;
}

export class ProduceBatcher<R> {
  private queue: Pending<R>[] = [];
  private sending = false;
  private lingerTimer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  /** Set by drain(): no more lingering, every send goes out as soon as the previous one is done. */
  private draining = false;

  constructor(private readonly options: BatcherOptions<R>) {}

  get queued(): number {
    return this.queue.length;
  }

  /** Resolves once nothing is queued or being sent. */
  idle(): Promise<void> {
    if (!this.sending && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Whether `count` more records fit in the queue now (submitting them would not be refused). */
  hasRoomFor(count: number): boolean {
    return this.queue.length + count <= this.options.maxQueuedRecords;
  }

  /** Sends everything queued without lingering; resolves once nothing is queued or being sent. */
  drain(): Promise<void> {
    this.draining = true;
    this.flush();
    return this.idle();
  }

  /**
   * Queues a record. If `signal` aborts while the record is still queued, it is withdrawn and
   * never sent (the promise rejects with the abort reason); once sent, it can no longer be.
   */
  submit(record: R, signal?: AbortSignal): Promise<SendOutcome> {
    return this.submitMany([record], signal)[0] as Promise<SendOutcome>;
  }

  /** Queues several records at once (they can share a send); one promise per record, in order. */
  submitMany(records: R[], signal?: AbortSignal): Promise<SendOutcome>[] {
    if (signal?.aborted) return records.map(() => Promise.reject(signal.reason));
    if (!this.hasRoomFor(records.length)) {
      const full = new QueueFullError('too many messages waiting to be sent');
      return records.map(() => Promise.reject(full));
    }
    const group: Pending<R>[] = [];
    const promises = records.map(
      (record) =>
        new Promise<SendOutcome>((resolve, reject) => {
          group.push({ record, bytes: this.options.sizeOf(record), resolve, reject });
        }),
    );
    if (signal) {
      // One listener for the group: withdraws whichever of its records are still queued.
      const members = new Set(group);
      signal.addEventListener(
        'abort',
        () => {
          const withdrawn = this.queue.filter((pending) => members.has(pending));
          if (withdrawn.length === 0) return;
          this.queue = this.queue.filter((pending) => !members.has(pending));
          for (const pending of withdrawn) pending.reject(signal.reason);
          if (this.queue.length === 0) this.flush();
        },
        { once: true },
      );
    }
    this.queue.push(...group);
    this.schedule();
    return promises;
  }

  private schedule(): void {
    if (this.sending) return; // the in-flight send's completion flushes the queue
    if (this.options.lingerMs <= 0 || this.draining || this.batchIsFull()) {
      this.flush();
      return;
    }
    this.lingerTimer ??= setTimeout(() => this.flush(), this.options.lingerMs);
  }

  private batchIsFull(): boolean {
    if (this.queue.length >= this.options.maxBatchRecords) return true;
    let bytes = 0;
    for (const pending of this.queue) bytes += pending.bytes;
    return bytes >= this.options.maxBatchBytes;
  }

  private takeBatch(): Pending<R>[] {
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && count < this.options.maxBatchRecords) {
      const next = this.queue[count] as Pending<R>;
      // Always at least one record, however large; stop before the batch would overflow.
      if (count > 0 && bytes + next.bytes > this.options.maxBatchBytes) break;
      bytes += next.bytes;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private flush(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    if (this.sending) return;
    if (this.queue.length === 0) {
      // Every lingering record was withdrawn: nothing is left to wait for.
      for (const resolve of this.idleWaiters.splice(0)) resolve();
      return;
    }
    const batch = this.takeBatch();
    this.sending = true;
    void this.sendBatch(batch).finally(() => {
      this.sending = false;
      if (this.queue.length > 0) this.schedule();
      else for (const resolve of this.idleWaiters.splice(0)) resolve();
    });
  }

  private async sendBatch(batch: Pending<R>[]): Promise<void> {
    try {
      const outcomes = await this.options.send(batch.map((pending) => pending.record));
      batch.forEach((pending, i) => {
        const outcome = outcomes[i];
        if (outcome) pending.resolve(outcome);
        else pending.reject(new Error('Kafka acknowledged the batch without this record'));
      });
    } catch (error) {
      if (batch.length > 1 && this.options.isolate?.(error)) {
        // One bad record must not fail the others: send each on its own.
        for (const pending of batch) await this.sendBatch([pending]);
        return;
      }
      for (const pending of batch) pending.reject(error);
    }
  }
}
