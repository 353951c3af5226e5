// The persist contract (Materialize's persist, simplified). Everything durable
// in Freshet — tables, sources (data, Kafka offsets and decode errors), the
// catalog and secrets — is kept through two tiny backends:
//
// - Consensus: a linearizable compare-and-set log per key. Each key holds a
//   sequence of versioned entries; `compareAndSet` appends the entry numbered
//   `expected + 1` only if the key's newest entry is still number `expected`.
//   A shard's state (its batches, upper, since, writer epoch) is a small
//   sequence of such entries.
// - Blob: an immutable key/value store of encoded batches.
//
// Implementations: memory.ts (tests), local.ts (files under --data-dir, the
// embedded default) and postgres.ts (both in a PostgreSQL database). One
// contract test suite (test/persist/contract.test.ts) runs over all three.

/** One entry of a consensus key. */
export interface VersionedData {
  seqNo: number;
  data: Uint8Array;
}

export type CasResult = { ok: true } | { ok: false; current: VersionedData | undefined };

export interface Consensus {
  /** The newest entry of `key`, or undefined when the key has none. */
  head(key: string): Promise<VersionedData | undefined>;
  /**
   * Appends `next` to `key` iff the key's newest entry has sequence number
   * `expected` (undefined: the key has no entry). `next.seqNo` must be
   * `expected + 1` (0 for a new key). Linearizable: of two calls expecting
   * the same entry, at most one succeeds.
   */
  compareAndSet(key: string, expected: number | undefined, next: VersionedData): Promise<CasResult>;
  /** Entries with seqNo >= `from`, oldest first, at most `limit`. */
  scan(key: string, from: number, limit?: number): Promise<VersionedData[]>;
  /** Deletes the entries older than `seqNo` (never the newest); returns how many went. */
  truncate(key: string, seqNo: number): Promise<number>;
  close(): Promise<void>;
}

export interface Blob {
  get(key: string): Promise<Uint8Array | undefined>;
  /** Stores `value` durably under `key` (blobs are written once, never changed). */
  set(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys starting with `prefix`. */
  list(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Where everything durable lives: one consensus and one blob store. */
export interface PersistLocation {
  readonly consensus: Consensus;
  readonly blob: Blob;
  /** For logs and messages: "local /path" or "postgres host:port/db". */
  readonly description: string;
  close(): Promise<void>;
}

/** compareAndAppend's expected upper was not the shard's upper: another write moved it. */
export class UpperMismatchError extends Error {
  constructor(
    readonly shard: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`shard ${shard}: upper mismatch (expected ${expected}, found ${actual}): another writer appended`);
    this.name = 'UpperMismatchError';
  }
}

/** A newer writer (another server on the same storage) took over: this one must stop writing. */
export class FencedError extends Error {
  constructor(
    readonly what: string,
    readonly ourEpoch: number,
    readonly theirEpoch: number,
  ) {
    super(`${what}: fenced out by a newer server on the same storage (epoch ${theirEpoch} > ours ${ourEpoch}); this server stops writing`);
    this.name = 'FencedError';
  }
}

/** Stored bytes that fail their checksum or do not decode. */
export class PersistCorruptionError extends Error {
  constructor(
    readonly object: string,
    reason: string,
  ) {
    super(`${object} is corrupted: ${reason}`);
    this.name = 'PersistCorruptionError';
  }
}

export function isFenced(err: unknown): err is FencedError {
  return err instanceof FencedError;
}
