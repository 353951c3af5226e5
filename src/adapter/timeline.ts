// The coordinator's single logical clock (milliseconds since the epoch, like
// Materialize's mz_timestamp) and the lock that serializes everything that
// writes at a timestamp: each write takes the next timestamp, makes its data
// durable and applies it to compute before the next write starts, so compute
// always sees times in order.
import type { Timestamp } from '../compute/api.js';
import { SerialQueue } from './serial-queue.js';

export class Timeline {
  private last: Timestamp;
  private readonly writes = new SerialQueue();

  constructor(start: Timestamp) {
    this.last = start;
  }

  /** The next timestamp: wall-clock time, but always after the previous one. */
  next(): Timestamp {
    this.last = Math.max(Date.now(), this.last + 1);
    return this.last;
  }

  /** The latest timestamp handed out. */
  current(): Timestamp {
    return this.last;
  }

  /** Moves the clock past `time` (e.g. the newest timestamp found in storage at boot). */
  advancePast(time: Timestamp): void {
    this.last = Math.max(this.last, time);
  }

  /** True while some write holds or waits for the lock. */
  busy(): boolean {
    return this.writes.busy();
  }

  /** Runs `fn` after every earlier exclusive call has finished. */
  exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.writes.exclusive(fn);
  }
}
