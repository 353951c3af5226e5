// The contract between storage (Kafka sources, formats, envelopes, durable
// shards) and the coordinator (adapter/).
//
// Data path of a source: the Kafka consumer reads messages; the format decodes
// key and value; the envelope turns messages into updates (append-only: +1;
// upsert: retract the key's previous row, insert the new one); a tick groups
// what was read into one SourceTick together with the offsets it advances to.
// The coordinator gives the tick a timestamp, appends it to the source's shard
// (data and offsets in one atomic write: the basis of exactly-once ingestion)
// and applies it to compute.

import type { RelationDesc, Row } from '../repr/types.js';
import type { ErrorUpdate, Timestamp, Update } from '../compute/api.js';

/** Status values as in Materialize's mz_internal.mz_source_statuses. */
export type SourceStatus = 'created' | 'starting' | 'running' | 'paused' | 'stalled' | 'failed' | 'dropped';

export interface SourceStatusUpdate {
  status: SourceStatus;
  error?: string;
  details?: Record<string, unknown>;
  at: Date;
}

/** Per-partition resume position: the next offset to read. */
export type PartitionOffsets = Map<number, bigint>;

export interface SourceTick {
  /** Updates to the source's main collection. */
  updates: Update[];
  /** Decode errors (and their retractions, for upsert). */
  errors: ErrorUpdate[];
  /** Where reading resumes after this tick, per partition (all known partitions). */
  offsets: PartitionOffsets;
}

export interface SourceStatistics {
  messagesReceived: number;
  bytesReceived: number;
  updatesStaged: number;
  updatesCommitted: number;
  recordsIndexed: number;
  offsetKnown: bigint | null;
  offsetCommitted: bigint | null;
  snapshotCommitted: boolean;
}

/** What the coordinator gives a running source. */
export interface SourceSink {
  /**
   * Delivers a tick. The promise resolves once the tick is durable and
   * applied; the source does not deliver the next tick before that (backpressure).
   */
  tick(tick: SourceTick): Promise<Timestamp>;
  status(update: SourceStatusUpdate): void;
}

export interface RunningSource {
  readonly desc: RelationDesc;
  statistics(): SourceStatistics;
  /** Stops reading; resolves when the consumer has disconnected. */
  stop(): Promise<void>;
}

/** A durable, append-only log of timestamped updates with resume metadata (one per table / source). */
export interface ShardWriteBatch {
  time: Timestamp;
  updates: Update[];
  /** Opaque resume metadata written atomically with the data (e.g. Kafka offsets). */
  meta?: unknown;
  /**
   * A second collection stored with the data, consolidated like it (a
   * source's decode errors as rows, with their retractions): durable data,
   * kept exactly by compaction, unlike `meta` of which only the latest is kept.
   */
  errors?: Update[];
}

export interface Shard {
  /** Appends a batch durably (fsync'd) and atomically: all of it or none of it survives a crash. */
  append(batch: ShardWriteBatch): Promise<void>;
  /** Reads back all batches in order (consolidation left to the caller). */
  readAll(): Promise<ShardWriteBatch[]>;
  /** Latest resume metadata written, if any. */
  lastMeta(): unknown;
  close(): Promise<void>;
  /** Deletes the shard's files (DROP). */
  destroy(): Promise<void>;
}

export type { Row };
