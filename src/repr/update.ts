// The basic vocabulary of changes, below both storage (persist) and compute:
// a collection is a stream of updates `(row, diff)` at logical timestamps.
import type { Row } from './types.js';

/** Logical time: milliseconds since the Unix epoch, like Materialize's mz_timestamp. */
export type Timestamp = number;

/** One change to a collection: `diff` copies of `row` inserted (diff > 0) or deleted (diff < 0). */
export interface Update {
  row: Row;
  diff: number;
}

export type { Row };
