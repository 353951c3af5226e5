// The contract between the coordinator (adapter/) and the incremental engine
// (compute/). The adapter owns time: it gives every write (a table INSERT, a
// source tick) a timestamp and hands the updates to compute, which propagates
// them through every installed dataflow synchronously before returning. Reads
// between two `applyUpdates` calls therefore see every collection as of the same
// timestamp: no read ever observes half of an update.

import type { Datum, RelationDesc, Row } from '../repr/types.js';
import type { SqlError } from '../repr/errors.js';
import type { GlobalId, RelExpr, ScalarExpr } from '../plan/mir.js';

import type { Timestamp, Update } from '../repr/update.js';

// The vocabulary of changes lives in repr/update.ts (below storage and compute).
export type { Timestamp, Update };

/**
 * A collection's error stream (Materialize: "errors are data"). An error with
 * positive multiplicity makes every read of the collection, and of everything
 * computed from it, fail with that error until it is retracted.
 */
export interface ErrorUpdate {
  error: SqlError;
  /** Stable identity of the error (e.g. "partition 0 offset 17"), used to retract it. */
  key: string;
  diff: number;
  /** The message that could not be decoded, for a source's dead-letter relation. */
  deadLetter?: DeadLetter;
}

/** An undecodable Kafka message as it arrived. */
export interface DeadLetter {
  partition: number;
  offset: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
}

export interface InputChanges {
  id: GlobalId;
  updates: Update[];
  errors?: ErrorUpdate[];
}

/** Changes delivered to a subscriber for one timestamp. */
export interface SubscribeBatch {
  time: Timestamp;
  /** Consolidated updates at `time` (may be empty when only progress is reported). */
  updates: Update[];
}

export interface SubscribeOptions {
  /** Emit the current contents first, at the current time (default true). */
  snapshot: boolean;
}

export interface Subscription {
  /** Stop delivering changes and release the dataflow. */
  close(): void;
}

/**
 * Batches of result rows produced on demand: each `next()` does a slice of
 * work (a few milliseconds) between yields to the event loop until a batch
 * is ready, so nothing is computed ahead of the consumer.
 */
export interface RowBatchStream {
  /** The next rows (at least one), or null at the end; a thrown error ends the stream. */
  next(): Promise<Row[] | null>;
  /** Stops early and releases what the stream holds. */
  close(): void;
}

export interface PeekStreamOptions {
  /** Aborts the evaluation between slices (the reason, a SqlError, is thrown). */
  signal?: AbortSignal;
  /** Rows per batch (default 2048). */
  batchRows?: number;
  /** Milliseconds of work before yielding to the event loop (default 4). */
  sliceMs?: number;
  /** A result larger than this (in Materialize's row byte sizes) fails with `resultTooLarge()`. */
  maxResultBytes?: number;
  resultTooLarge?: () => SqlError;
}

export interface ComputeController {
  /** Registers a base collection (table, source, progress subsource) that `applyUpdates` feeds. */
  createInput(id: GlobalId, desc: RelationDesc): void;

  /**
   * Installs a maintained dataflow computing `plan` (whose `get`s name existing
   * collections) as collection `id`: a materialized view, or an index when
   * `arrangeBy` gives key expressions over the plan's columns. The dataflow is
   * hydrated from the inputs' current contents before this returns.
   */
  createMaintained(id: GlobalId, plan: RelExpr, options?: { arrangeBy?: ScalarExpr[] }): void;

  /** Removes a collection and its dataflow. */
  drop(id: GlobalId): void;

  /**
   * Applies input changes at `time` (which must not go backwards) and
   * propagates them through every dataflow before returning.
   */
  applyUpdates(changes: InputChanges[], time: Timestamp): void;

  /** Advances logical time with no data: temporal filters (mz_now()) fire. */
  advanceTo(time: Timestamp): void;

  /** The current time: every collection is complete up to and including it. */
  currentTime(): Timestamp;

  /**
   * Evaluates `plan` once over the current contents of the collections it reads
   * (the same operators, fed one snapshot batch). Throws the first error of any
   * collection it reads, or an evaluation error.
   */
  peek(plan: RelExpr): Row[];

  /**
   * Like `peek`, as a stream: the inputs' contents are captured now (the
   * read's timestamp), evaluation runs in slices as batches are pulled.
   * Throws at once (not from `next`) for an error of a collection it reads.
   */
  peekStream(plan: RelExpr, options: PeekStreamOptions): RowBatchStream;

  /**
   * Current contents of a collection as (row, multiplicity) pairs. Throws the
   * collection's first error unless `ignoreErrors` (for internal uses such as
   * handing a source its own state back, where errors travel separately).
   */
  snapshot(id: GlobalId, options?: { ignoreErrors?: boolean }): Update[];

  /** Streams the changes of `plan` from now on (after an optional snapshot). */
  subscribe(plan: RelExpr, options: SubscribeOptions, onBatch: (batch: SubscribeBatch) => void, onError: (err: SqlError) => void): Subscription;

  /** Ids of maintained collections (views, indexes) whose dataflow reads `id`; `drop(id)` refuses while there are any. */
  dependents?(id: GlobalId): GlobalId[];

  /** Rows of index `id` (created with arrangeBy) whose key equals `key`, one datum per key expression. */
  lookupIndex?(id: GlobalId, key: Datum[]): Update[];

  /** Monitoring counters of a collection (metrics, the console); undefined for an unknown id. */
  collectionStats?(id: GlobalId): CollectionStats | undefined;
}

/** What monitoring sees of a collection, counted as changes are applied. */
export interface CollectionStats {
  /** Rows, counted with multiplicity (what count(*) returns). */
  rows: number;
  /** Updates applied so far (each (row, diff) pair, including hydration). */
  updates: number;
  /** Wall-clock milliseconds of the last applied change (0: none yet). */
  lastChangeMs: number;
}
