// The bounded hand-over point between the Kafka consumer (which offers records) and HTTP clients
// (which take them). A taken message is leased: complete() once its response was written, which
// may advance the partition's commit position; abandon() when its client went away, which puts it
// back at the head of its partition. Pure logic, no I/O: the Kafka side is in ../kafka.
import { offsetNumber, PartitionTracker } from './partition-tracker';

export interface BufferedMessage {
  topic: string;
  partition: number;
  /** Kafka offset as a decimal string. */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** As KafkaJS decodes them: an array when a name repeats, null for a null value. */
  headers: Record<string, Buffer | string | null | (Buffer | string | null)[] | undefined>;
  /** Record timestamp in milliseconds since the epoch, as a decimal string. */
  timestamp: string;
}

export interface Lease {
  readonly message: BufferedMessage;
  /** The response carrying the message was fully written: it may now be committed. */
  complete(): void;
  /** The message was not delivered: make it available again, first in its partition. */
  abandon(): void;
}

export type BufferListeners = Pick<DeliveryBufferOptions, 'onCommittable' | 'onSpaceAvailable'>;

export interface DeliveryBufferOptions {
  maxMessages: number;
  maxBytes: number;
  /** Called when a partition's contiguous delivered run grows: `offset` is the next to read. */
  onCommittable?: (partition: number, offset: bigint) => void;
  /** Called when the buffer dropped below its low-water mark after having been full. */
  onSpaceAvailable?: () => void;
}

/**
 * One epoch of a partition: a revocation or a reset (the group's position was moved) replaces it
 * with a fresh state under a new epoch, and leases of an older epoch never commit.
 */
interface PartitionState {
  readonly epoch: number;
  readonly tracker: PartitionTracker;
  /** Messages waiting for a client, ascending by offset. */
  readonly queue: MessageQueue;
  /** Messages of this epoch handed out and not yet completed or abandoned. */
  leases: number;
}

interface Waiter {
  resolve(lease: Lease | undefined): void;
}

export function messageBytes(message: BufferedMessage): number {
  let bytes = 64 + (message.key?.length ?? 0) + (message.value?.length ?? 0);
  for (const name in message.headers) {
    const value = message.headers[name];
    bytes += name.length;
    for (const part of Array.isArray(value) ? value : [value]) bytes += part?.length ?? 0;
  }
  return bytes;
}

export class DeliveryBuffer {
  private readonly partitions = new Map<number, PartitionState>();
  private readonly waiters: Waiter[] = [];
  private queuedCount = 0;
  private leasedCount = 0;
  /** Leases of partitions since revoked: still in memory, never committed. */
  private staleLeases = 0;
  /** The sum of the trackers' sizes: kept as a count, as it is read for every record offered. */
  private tracked = 0;
  private bytes = 0;
  private lastServed = -1;
  private delivered = 0;
  private returned = 0;
  /** Partition ids in ascending order, for round robin. */
  private partitionOrder: number[] = [];
  private wasFull = false;
  private closed = false;
  private nextEpoch = 1;
  private listeners: BufferListeners;

  constructor(private readonly options: DeliveryBufferOptions) {
    this.listeners = {
      onCommittable: options.onCommittable,
      onSpaceAvailable: options.onSpaceAvailable,
    };
  }

  /** Who is told of commit positions and of room (the consumer, once it exists). */
  listen(listeners: BufferListeners): void {
    this.listeners = listeners;
  }

  /**
   * Accepts a fetched record. Returns false when it duplicates one already received (re-fetched
   * after a rebalance), which is then ignored. Accepting never blocks; check isFull() afterwards.
   */
  offer(message: BufferedMessage): boolean {
    const state = this.stateOf(message.partition);
    if (!state.tracker.receive(offsetNumber(message.offset))) return false;
    this.tracked++;
    this.bytes += messageBytes(message);
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.resolve(this.lease(state, message));
    } else {
      state.queue.push(message);
      this.queuedCount++;
    }
    if (this.isFull()) this.wasFull = true;
    return true;
  }

  /** Messages held in memory: waiting, leased, or delivered behind an undelivered one. */
  get heldCount(): number {
    return this.tracked + this.staleLeases;
  }

  isFull(): boolean {
    return this.heldCount >= this.options.maxMessages || this.bytes >= this.options.maxBytes;
  }

  /** At or below half of both limits: the consumer may fetch again. */
  hasRoom(): boolean {
    return (
      this.heldCount <= this.options.maxMessages / 2 && this.bytes <= this.options.maxBytes / 2
    );
  }

  /** Running totals: messages whose delivery completed, and messages given back. */
  totals(): { delivered: number; returned: number } {
    return { delivered: this.delivered, returned: this.returned };
  }

  stats(): {
    buffered: number;
    inFlight: number;
    held: number;
    bytes: number;
    partitions: number[];
  } {
    return {
      buffered: this.queuedCount,
      inFlight: this.leasedCount,
      held: this.heldCount,
      bytes: this.bytes,
      partitions: [...this.partitions.keys()].sort((a, b) => a - b),
    };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * The next message, waiting up to `waitMs` for one to arrive. Resolves undefined on timeout,
   * when `signal` aborts (the client went away) or when the buffer closes.
   */
  take(waitMs: number, signal?: AbortSignal): Promise<Lease | undefined> {
    const ready = this.takeNow();
    if (ready || this.closed || waitMs <= 0 || signal?.aborted) return Promise.resolve(ready);
    return new Promise((resolve) => {
      const finish = (lease: Lease | undefined) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(lease);
      };
      const waiter: Waiter = { resolve: finish };
      const cancel = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        finish(undefined);
      };
      const onAbort = () => cancel();
      const timer = setTimeout(cancel, waitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /**
   * Up to `max` messages: waits like take() for the first, then adds whatever else is buffered
   * right now, round robin across partitions. Resolves [] on timeout, abort or close.
   */
  async takeBatch(max: number, waitMs: number, signal?: AbortSignal): Promise<Lease[]> {
    const first = await this.take(waitMs, signal);
    if (!first) return [];
    const leases = [first];
    return max > 1 ? this.takeBatchNow(max, leases) : leases;
  }

  /** Up to `max` messages buffered right now (added to `leases`), round robin across partitions. */
  takeBatchNow(max: number, leases: Lease[] = []): Lease[] {
    while (leases.length < max) {
      const next = this.takeNow();
      if (!next) break;
      leases.push(next);
    }
    return leases;
  }

  /**
   * The consumer's partitions changed. Messages of partitions no longer assigned are dropped (their
   * new owner delivers them) and their leases will never commit.
   */
  setAssignment(assigned: readonly number[]): void {
    const keep = new Set(assigned);
    for (const partition of [...this.partitions.keys()]) {
      if (!keep.has(partition)) this.dropPartition(partition);
    }
    for (const partition of keep) this.stateOf(partition);
    this.checkRoom();
  }

  /**
   * The group's position of `partition` was moved: everything buffered for it is dropped, leases
   * still out (responses being written, manual-ack receipts) become stale and will never commit,
   * and records are accepted again from whatever offset comes next. Returns the new epoch, or
   * undefined when the partition is not assigned here.
   */
  resetPartition(partition: number): number | undefined {
    if (!this.partitions.has(partition)) return undefined;
    this.dropPartition(partition);
    const state = this.stateOf(partition);
    this.checkRoom();
    return state.epoch;
  }

  /** The current epoch of an assigned partition (for logs and tests). */
  epochOf(partition: number): number | undefined {
    return this.partitions.get(partition)?.epoch;
  }

  private dropPartition(partition: number): void {
    const state = this.partitions.get(partition);
    if (!state) return;
    this.partitions.delete(partition);
    this.partitionOrder = this.partitionOrder.filter((id) => id !== partition);
    for (const message of state.queue.items()) this.bytes -= messageBytes(message);
    this.queuedCount -= state.queue.length;
    this.tracked -= state.tracker.size;
    // Leased messages of the old epoch stay in memory until their response or receipt ends.
    this.staleLeases += state.leases;
  }

  /** The commit position of every assigned partition that has one. */
  commitPositions(): Map<number, bigint> {
    const positions = new Map<number, bigint>();
    for (const [partition, state] of this.partitions) {
      const position = state.tracker.commitPosition();
      if (position !== undefined) positions.set(partition, position);
    }
    return positions;
  }

  isAssigned(partition: number): boolean {
    return this.partitions.has(partition);
  }

  /** Answers every waiting client with nothing; later takes resolve at once. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter.resolve(undefined);
  }

  private stateOf(partition: number): PartitionState {
    let state = this.partitions.get(partition);
    if (!state) {
      state = {
        epoch: this.nextEpoch++,
        tracker: new PartitionTracker(),
        queue: new MessageQueue(),
        leases: 0,
      };
      this.partitions.set(partition, state);
      this.partitionOrder = [...this.partitions.keys()].sort((a, b) => a - b);
    }
    return state;
  }

  private takeNow(): Lease | undefined {
    if (this.queuedCount === 0) return undefined;
    // Round robin over partitions, starting after the one served last, so none starves.
    const ids = this.partitionOrder;
    const start = ids.findIndex((id) => id > this.lastServed);
    for (let i = 0; i < ids.length; i++) {
      const partition = ids[(Math.max(start, 0) + i) % ids.length] as number;
      const state = this.partitions.get(partition);
      const message = state?.queue.shift();
      if (state && message) {
        this.queuedCount--;
        this.lastServed = partition;
        return this.lease(state, message);
      }
    }
    return undefined;
  }

  private lease(state: PartitionState, message: BufferedMessage): Lease {
    this.leasedCount++;
    state.leases++;
    return new BufferLease(this, state, message);
  }

  /** A lease ended, whichever way. */
  private settle(state: PartitionState): void {
    this.leasedCount--;
    state.leases--;
  }

  private isCurrent(state: PartitionState, message: BufferedMessage): boolean {
    return this.partitions.get(message.partition)?.epoch === state.epoch;
  }

  /** @internal The response carrying a leased message was written. */
  completeLease(state: PartitionState, message: BufferedMessage): void {
    this.settle(state);
    this.delivered++;
    this.bytes -= messageBytes(message);
    if (this.isCurrent(state, message)) {
      const { tracker } = state;
      const before = tracker.size;
      const position = tracker.markDelivered(Number(message.offset));
      if (position !== undefined) {
        this.tracked -= before - tracker.size;
        this.listeners.onCommittable?.(message.partition, BigInt(position));
      }
    } else {
      this.staleLeases--;
    }
    this.checkRoom();
  }

  /** @internal A leased message was not delivered. */
  abandonLease(state: PartitionState, message: BufferedMessage): void {
    this.settle(state);
    this.returned++;
    if (!this.isCurrent(state, message)) {
      this.staleLeases--;
      this.bytes -= messageBytes(message);
      this.checkRoom();
      return;
    }
    const waiter = this.closed ? undefined : this.waiters.shift();
    if (waiter) {
      waiter.resolve(this.lease(state, message));
      return;
    }
    state.queue.insertInOrder(message);
    this.queuedCount++;
  }

  private checkRoom(): void {
    if (this.wasFull && this.hasRoom()) {
      this.wasFull = false;
      this.listeners.onSpaceAvailable?.();
    }
  }
}

/** One message handed out; a class rather than closures, as there is one per message delivered. */
class BufferLease implements Lease {
  private settled = false;

  constructor(
    private readonly buffer: DeliveryBuffer,
    private readonly state: PartitionState,
    readonly message: BufferedMessage,
  ) {}

  complete(): void {
    if (this.settled) return;
    this.settled = true;
    this.buffer.completeLease(this.state, this.message);
  }

  abandon(): void {
    if (this.settled) return;
    this.settled = true;
    this.buffer.abandonLease(this.state, this.message);
  }
}

/** A FIFO of one partition's waiting messages, ascending by offset; shift() is O(1). */
class MessageQueue {
  private list: BufferedMessage[] = [];
  private head = 0;

  get length(): number {
    return this.list.length - this.head;
  }

  push(message: BufferedMessage): void {
    this.list.push(message);
  }

  shift(): BufferedMessage | undefined {
    if (this.head >= this.list.length) return undefined;
    const message = this.list[this.head];
    this.list[this.head] = undefined as unknown as BufferedMessage; // let it be collected
    this.head++;
    if (this.head >= 1024 && this.head * 2 >= this.list.length) {
      this.list = this.list.slice(this.head);
      this.head = 0;
    }
    return message;
  }

  /** Puts a message back where its offset belongs (a message given back is usually first). */
  insertInOrder(message: BufferedMessage): void {
    const offset = Number(message.offset);
    let index = this.head;
    while (
      index < this.list.length &&
      Number((this.list[index] as BufferedMessage).offset) < offset
    ) {
      index++;
    }
    if (index === this.head && this.head > 0) {
      this.head--;
      this.list[this.head] = message;
      return;
    }
    this.list.splice(index, 0, message);
  }

  items(): BufferedMessage[] {
    return this.list.slice(this.head);
  }
}
