// The coordinator's single logical clock (milliseconds since the epoch, like
// Materialize's mz_timestamp) and the lock that orders everything that writes
// at a timestamp, so compute always sees times in order.
//
// Writes (table INSERTs, source ticks) hold the lock only to take their
// timestamp and start their durable appends (`write`): making them durable
// (the fsync, the PostgreSQL commit) happens outside it, so writes that come
// meanwhile stage too and share the same fsync (group commit in the shards).
// Each becomes visible once durable, in timestamp order: after every write
// staged before it. Other sections (`exclusive`) first wait for the writes
// staged before them to be applied.
import type { Timestamp } from '../compute/api.js';
import { SerialQueue } from './serial-queue.js';

export class Timeline {
  private last: Timestamp;
  private readonly writes = new SerialQueue();
  /** Settles when every write staged so far has been applied (or failed). */
  private applied: Promise<void> = Promise.resolve();
  /** Writes staged and not yet applied. */
  private inFlight = 0;

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

  /** True while some write holds or waits for the lock, or is on its way to being applied. */
  busy(): boolean {
    return this.writes.busy() || this.inFlight > 0;
  }

  /** Runs `fn` after every earlier exclusive call has finished and every earlier write has been applied. */
  exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.writes.exclusive(async () => {
      await this.applied;
      return fn();
    });
  }

  /**
   * A timestamped write: under the lock, `stage(time)` gets the next
   * timestamp and starts making the write durable (the promise it returns);
   * the lock is then released. Once durable, and after every write staged
   * before it has been applied, `apply(time)` makes it visible. Resolves
   * with what `apply` returns; rejects with a staging failure (then `apply`
   * is not called).
   */
  write<T>(stage: (time: Timestamp) => Promise<void>, apply: (time: Timestamp) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.writes
        .exclusive(() => {
          const time = this.next();
          let durable: Promise<void>;
          try {
            durable = stage(time);
          } catch (err) {
            durable = Promise.reject(err);
          }
          const prior = this.applied;
          this.inFlight++;
          const done = (async (): Promise<T> => {
            try {
              await durable;
            } finally {
              await prior;
            }
            return apply(time);
          })();
          this.applied = done.then(
            () => undefined,
            () => undefined,
          );
          done
            .finally(() => {
              this.inFlight--;
            })
            .then(resolve, reject);
        })
        .catch(reject);
    });
  }
}
