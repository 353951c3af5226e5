// A persist shard: a durable, definite collection of (row, time, diff)
// updates plus decode errors and resume metadata, with Materialize's
// frontiers:
//   upper  every time below it is complete (appends go at or above it);
//   since  times below it have been merged (reads are at or after it).
//
// State lives in consensus under `shard/<id>` as a sequence of entries: a
// rollup (the full state: epoch, frontiers, metadata, the list of parts)
// followed by diffs (appends, epoch changes). Parts are encoded batches
// (part.ts), inline in the entry when small, else in a blob.
//
// Writes are compare-and-append: an append names the upper it expects and is
// one compare-and-set on the shard's entries, so of two writers at most one
// wins. A writer registers an epoch when it opens the shard; a writer that
// finds a newer epoch is fenced (FencedError) and never writes again. Data and
// metadata (Kafka offsets) and decode errors go in one entry: atomically.
//
// `append` group-commits: batches queued while one compare-and-set is in
// flight go together in the next (one fsync / one PostgreSQL commit).
// Compaction merges parts in a worker thread, writes them to blobs and swaps
// them in with one compare-and-set of a new rollup, then truncates the
// entries before it and deletes the blobs it replaced.
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Timestamp, Update } from '../repr/update.js';
import { ByteReader, ByteWriter, readValue, writeValue } from '../storage/codec.js';
import { consolidateUpdates } from '../storage/consolidate.js';
import { FencedError, PersistCorruptionError, UpperMismatchError, type PersistLocation, type VersionedData } from './api.js';
import { decodePart, encodePart, mergeParts, type DecodedPart } from './part.js';
import type { MergeRequest, MergeResult } from './merge-worker.js';

export interface PersistBatch {
  time: Timestamp;
  updates: readonly Update[];
  /** A second collection of the shard, e.g. a source's decode errors (and their retractions). */
  errors?: readonly Update[];
  /** Resume metadata (e.g. Kafka offsets), durable atomically with the data. */
  meta?: unknown;
}

export interface ShardOptions {
  /** The writer's epoch: a newer epoch fences older writers out; an older one is refused. */
  epoch: number;
  /** Parts up to this many bytes go inline in consensus (default 4 MiB). */
  inlineThreshold?: number;
  /** Compact once parts written since the last rollup exceed this many bytes (default 16 MiB) ... */
  rollupAfterBytes?: number;
  /** ... or this many appends (default 2000). */
  rollupAfterEntries?: number;
  /** Called once when the shard finds it has been fenced out. */
  onFenced?: (err: FencedError) => void;
  /** The shard was created before (its owner is in the catalog): no stored state means lost data, not a new shard. */
  mustExist?: boolean;
}

interface PartRef {
  time: number;
  count: number;
  bytes: number;
  inline?: Uint8Array;
  blob?: string;
}

interface ShardState {
  epoch: number;
  upper: number;
  since: number;
  hasMeta: boolean;
  meta: unknown;
  parts: PartRef[];
  tombstone: boolean;
}

type Entry =
  | { k: 'rollup'; epoch: number; upper: number; since: number; hasMeta: boolean; meta: unknown; parts: PartRef[] }
  | { k: 'append'; upper: number; hasMeta: boolean; meta: unknown; parts: PartRef[] }
  | { k: 'epoch'; epoch: number }
  | { k: 'tombstone'; epoch: number };

const ENTRY_VERSION = 1;

function encodeEntry(entry: Entry): Uint8Array {
  const w = new ByteWriter(256);
  w.u8(ENTRY_VERSION);
  writeValue(w, entry);
  return Uint8Array.from(w.bytes());
}

function decodeEntry(data: Uint8Array, object: string): Entry {
  try {
    const r = new ByteReader(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    const version = r.u8();
    if (version !== ENTRY_VERSION) throw new Error(`unknown entry version ${version}`);
    const entry = readValue(r) as Entry;
    if (typeof entry !== 'object' || entry === null || typeof entry.k !== 'string') throw new Error('not a shard entry');
    return entry;
  } catch (err) {
    throw new PersistCorruptionError(object, err instanceof Error ? err.message : String(err));
  }
}

const emptyState = (epoch: number): ShardState => ({ epoch, upper: 0, since: 0, hasMeta: false, meta: undefined, parts: [], tombstone: false });

function applyEntry(state: ShardState, entry: Entry): ShardState {
  switch (entry.k) {
    case 'rollup':
      return { epoch: entry.epoch, upper: entry.upper, since: entry.since, hasMeta: entry.hasMeta, meta: entry.meta, parts: [...entry.parts], tombstone: false };
    case 'append':
      return {
        ...state,
        upper: entry.upper,
        hasMeta: state.hasMeta || entry.hasMeta,
        meta: entry.hasMeta ? entry.meta : state.meta,
        parts: [...state.parts, ...entry.parts],
      };
    case 'epoch':
      return { ...state, epoch: entry.epoch };
    case 'tombstone':
      return { ...emptyState(entry.epoch), tombstone: true };
  }
}

const bytesOf = (parts: readonly PartRef[]): number => parts.reduce((n, p) => n + (p.inline ? p.bytes : 0), 0);

function runMergeWorker(request: MergeRequest): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./merge-worker.js', import.meta.url), { workerData: request });
    let settled = false;
    worker.once('message', (result: MergeResult) => {
      settled = true;
      if (result.ok) resolve(result.parts);
      else reject(new Error(result.error));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`merge worker exited with code ${code}`));
    });
  });
}

interface PendingAppend {
  batch: PersistBatch;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class PersistShard {
  private queue: PendingAppend[] = [];
  private flushing: Promise<void> | null = null;
  /** Serializes compare-and-sets of this handle (appends, rollups, destroy). */
  private lock: Promise<void> = Promise.resolve();
  private fenced: FencedError | undefined;
  private closed = false;
  private sinceRollup: { bytes: number; entries: number };
  private rollup: Promise<void> | null = null;
  private readonly writer = new ByteWriter();
  private readonly inlineThreshold: number;
  private readonly rollupAfterBytes: number;
  private readonly rollupAfterEntries: number;

  private constructor(
    private readonly location: PersistLocation,
    readonly id: string,
    private readonly options: ShardOptions,
    private state: ShardState,
    private seqNo: number,
    entriesSinceRollup: number,
  ) {
    this.inlineThreshold = options.inlineThreshold ?? 4 * 1024 * 1024;
    this.rollupAfterBytes = options.rollupAfterBytes ?? 16 * 1024 * 1024;
    this.rollupAfterEntries = options.rollupAfterEntries ?? 2000;
    this.sinceRollup = { bytes: bytesOf(state.parts), entries: entriesSinceRollup };
  }

  private static key(id: string): string {
    return `shard/${id}`;
  }

  private get key(): string {
    return PersistShard.key(this.id);
  }

  private get blobPrefix(): string {
    return `shard/${this.id}/`;
  }

  /** Opens (creating if needed) shard `id` as a writer at `options.epoch`. */
  static async open(location: PersistLocation, id: string, options: ShardOptions): Promise<PersistShard> {
    const key = PersistShard.key(id);
    const { consensus } = location;
    for (;;) {
      const entries = await consensus.scan(key, 0);
      if (entries.length === 0) {
        if (options.mustExist) throw new PersistCorruptionError(`shard ${id}`, 'missing: its state is not in storage');
        const res = await consensus.compareAndSet(key, undefined, { seqNo: 0, data: encodeEntry(rollupEntry(emptyState(options.epoch))) });
        if (res.ok) return new PersistShard(location, id, options, emptyState(options.epoch), 0, 0);
        continue;
      }
      const { state, seqNo, sinceRollup } = reconstruct(entries, key);
      if (state.epoch > options.epoch) throw new FencedError(`shard ${id}`, options.epoch, state.epoch);
      if (state.tombstone) {
        // A dropped shard opened again: it starts empty.
        const fresh = emptyState(options.epoch);
        const res = await consensus.compareAndSet(key, seqNo, { seqNo: seqNo + 1, data: encodeEntry(rollupEntry(fresh)) });
        if (res.ok) return new PersistShard(location, id, options, fresh, seqNo + 1, 0);
        continue;
      }
      if (state.epoch === options.epoch) return new PersistShard(location, id, options, state, seqNo, sinceRollup);
      const res = await consensus.compareAndSet(key, seqNo, { seqNo: seqNo + 1, data: encodeEntry({ k: 'epoch', epoch: options.epoch }) });
      if (!res.ok) continue;
      const shard = new PersistShard(location, id, options, { ...state, epoch: options.epoch }, seqNo + 1, sinceRollup + 1);
      await shard.collectGarbage();
      return shard;
    }
  }

  get upper(): number {
    return this.state.upper;
  }

  get since(): number {
    return this.state.since;
  }

  get epoch(): number {
    return this.state.epoch;
  }

  /** The newest resume metadata appended (undefined if none). */
  get meta(): unknown {
    return this.state.meta;
  }

  /** Parts in the state: how many batches a read will decode. */
  get partCount(): number {
    return this.state.parts.length;
  }

  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private fence(err: FencedError): FencedError {
    if (!this.fenced) {
      this.fenced = err;
      this.options.onFenced?.(err);
    }
    return this.fenced;
  }

  /**
   * Appends `batches` (times in [expectedUpper, newUpper)) and moves the upper
   * to `newUpper`, iff the shard's upper is `expectedUpper`: one atomic
   * compare-and-set. Throws UpperMismatchError when another write moved the
   * upper, FencedError when a newer writer took over.
   */
  compareAndAppend(batches: readonly PersistBatch[], expectedUpper: number, newUpper: number): Promise<void> {
    return this.withLock(() => this.appendNow(batches, expectedUpper, newUpper));
  }

  /**
   * Appends one batch at `batch.time` (>= the upper) durably; batches queued
   * meanwhile share one compare-and-set (group commit). Resolves when durable.
   */
  append(batch: PersistBatch): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`shard ${this.id} is closed`));
    if (this.fenced) return Promise.reject(this.fenced);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue;
        this.queue = [];
        try {
          const expected = this.state.upper;
          const newUpper = Math.max(expected, ...group.map((p) => p.batch.time + 1));
          await this.withLock(() => this.appendNow(group.map((p) => p.batch), expected, newUpper));
        } catch (err) {
          for (const p of group) p.reject(err);
          continue;
        }
        for (const p of group) p.resolve();
        this.maybeRollup();
      }
    } finally {
      this.flushing = null;
    }
  }

  private async appendNow(batches: readonly PersistBatch[], expectedUpper: number, newUpper: number): Promise<void> {
    if (this.fenced) throw this.fenced;
    if (this.closed) throw new Error(`shard ${this.id} is closed`);
    if (newUpper < expectedUpper) throw new RangeError(`shard ${this.id}: new upper ${newUpper} is below the expected upper ${expectedUpper}`);
    for (const b of batches) {
      if (b.time < expectedUpper || b.time >= newUpper) {
        throw new RangeError(`shard ${this.id}: batch time ${b.time} is outside [${expectedUpper}, ${newUpper})`);
      }
    }
    if (expectedUpper !== this.state.upper) {
      await this.refresh();
      if (expectedUpper !== this.state.upper) throw new UpperMismatchError(this.id, expectedUpper, this.state.upper);
    }
    const parts: PartRef[] = [];
    const written: string[] = [];
    let hasMeta = false;
    let meta: unknown = undefined;
    for (const b of batches) {
      if (b.meta !== undefined) {
        hasMeta = true;
        meta = b.meta;
      }
      if (b.updates.length === 0 && (b.errors?.length ?? 0) === 0) continue;
      const bytes = encodePart(b.time, b.updates, b.errors ?? [], this.writer);
      const count = b.updates.length + (b.errors?.length ?? 0);
      if (bytes.length <= this.inlineThreshold) {
        parts.push({ time: b.time, count, bytes: bytes.length, inline: bytes });
      } else {
        const blob = `${this.blobPrefix}${randomUUID()}`;
        await this.location.blob.set(blob, bytes);
        written.push(blob);
        parts.push({ time: b.time, count, bytes: bytes.length, blob });
      }
    }
    const entry: Entry = { k: 'append', upper: newUpper, hasMeta, meta, parts };
    try {
      for (;;) {
        const next = this.seqNo + 1;
        const res = await this.location.consensus.compareAndSet(this.key, this.seqNo, { seqNo: next, data: encodeEntry(entry) });
        if (res.ok) {
          this.seqNo = next;
          this.state = applyEntry(this.state, entry);
          this.sinceRollup.bytes += bytesOf(parts);
          this.sinceRollup.entries++;
          return;
        }
        await this.refresh();
        if (this.state.upper !== expectedUpper) throw new UpperMismatchError(this.id, expectedUpper, this.state.upper);
      }
    } catch (err) {
      for (const blob of written) await this.location.blob.delete(blob).catch(() => undefined);
      throw err;
    }
  }

  /** Catches up with entries other writers added; fenced if one has a newer epoch. */
  private async refresh(): Promise<void> {
    const entries = await this.location.consensus.scan(this.key, this.seqNo + 1);
    if (entries.length > 0) {
      const first = decodeEntry(entries[0]!.data, this.key);
      if (entries[0]!.seqNo === this.seqNo + 1 || first.k === 'rollup') {
        let state = this.state;
        for (const e of entries) state = applyEntry(state, decodeEntry(e.data, this.key));
        this.state = state;
        this.seqNo = entries[entries.length - 1]!.seqNo;
      } else {
        const all = reconstruct(await this.location.consensus.scan(this.key, 0), this.key);
        this.state = all.state;
        this.seqNo = all.seqNo;
      }
    }
    if (this.state.epoch > this.options.epoch) throw this.fence(new FencedError(`shard ${this.id}`, this.options.epoch, this.state.epoch));
  }

  private async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.lock;
  }

  /** The parts' decoded contents, oldest first (times as written, or forwarded to the since). */
  async parts(): Promise<DecodedPart[]> {
    await this.idle();
    const out: DecodedPart[] = [];
    for (const part of this.state.parts) out.push(decodePart(await this.partBytes(part), this.partName(part)));
    return out;
  }

  private partName(part: PartRef): string {
    return part.blob !== undefined ? `blob ${part.blob}` : `an inline batch of shard ${this.id} at time ${part.time}`;
  }

  private async partBytes(part: PartRef): Promise<Uint8Array> {
    if (part.inline) return part.inline;
    const bytes = await this.location.blob.get(part.blob!);
    if (bytes === undefined) throw new PersistCorruptionError(`blob ${part.blob} of shard ${this.id}`, 'missing');
    return bytes;
  }

  /**
   * The consolidated contents as of `asOf` (default: the newest complete
   * time, upper - 1), which must lie in [since, upper).
   */
  async snapshot(asOf?: number): Promise<{ updates: Update[]; errors: Update[] }> {
    await this.idle();
    const t = asOf ?? this.state.upper - 1;
    if (asOf !== undefined && (asOf < this.state.since || asOf >= this.state.upper)) {
      throw new RangeError(`shard ${this.id}: as_of ${asOf} is outside [since ${this.state.since}, upper ${this.state.upper})`);
    }
    const updates: Update[] = [];
    const errors: Update[] = [];
    for (const part of this.state.parts) {
      if (part.time > t) continue;
      const decoded = decodePart(await this.partBytes(part), this.partName(part));
      for (const u of decoded.updates) updates.push(u);
      for (const e of decoded.errors) errors.push(e);
    }
    return { updates: consolidateUpdates(updates), errors: consolidateUpdates(errors) };
  }

  private maybeRollup(): void {
    if (this.rollup || this.closed || this.fenced) return;
    if (this.sinceRollup.bytes < this.rollupAfterBytes && this.sinceRollup.entries < this.rollupAfterEntries) return;
    this.rollup = this.compactTo(this.state.upper - 1)
      .catch(() => undefined)
      .finally(() => {
        this.rollup = null;
      });
  }

  /**
   * Merges every part at or before `since` (default upper - 1) into
   * consolidated parts at `since` and makes that the shard's since: written
   * to blobs, swapped in with one compare-and-set.
   */
  async compact(since?: number): Promise<void> {
    while (this.rollup) await this.rollup;
    await this.idle();
    const target = since ?? this.state.upper - 1;
    if (target < this.state.since) throw new RangeError(`shard ${this.id}: cannot compact to ${target}, before the since ${this.state.since}`);
    if (this.state.upper > 0 && target >= this.state.upper) throw new RangeError(`shard ${this.id}: cannot compact to ${target}, at or past the upper ${this.state.upper}`);
    await this.compactTo(target);
  }

  private async compactTo(target: number): Promise<void> {
    if (target < this.state.since) return;
    const base = this.state.parts.filter((p) => p.time <= target);
    let end = 0;
    while (end < this.state.parts.length && this.state.parts[end]!.time <= target) end++;
    const prefix = this.state.parts.slice(0, end);
    if (prefix.length !== base.length) return; // parts out of time order: nothing to do safely
    const inputs: { bytes: Uint8Array; object: string }[] = [];
    for (const part of prefix) inputs.push({ bytes: await this.partBytes(part), object: this.partName(part) });
    const total = inputs.reduce((n, p) => n + p.bytes.length, 0);
    const merged = total > 1024 * 1024 ? await runMergeWorker({ parts: inputs, time: target }) : mergeParts(inputs, target);
    const refs: PartRef[] = [];
    const written: string[] = [];
    try {
      for (const bytes of merged) {
        const blob = `${this.blobPrefix}${randomUUID()}`;
        await this.location.blob.set(blob, bytes);
        written.push(blob);
        refs.push({ time: target, count: 0, bytes: bytes.length, blob });
      }
    } catch (err) {
      for (const blob of written) await this.location.blob.delete(blob).catch(() => undefined);
      throw err;
    }
    const swapped = await this.withLock(async () => {
      if (this.fenced || this.closed) return false;
      // The parts merged must still be the state's first parts (appends only add after them).
      if (prefix.some((p, i) => this.state.parts[i] !== p)) return false;
      const next: ShardState = { ...this.state, since: Math.max(this.state.since, target), parts: [...refs, ...this.state.parts.slice(prefix.length)] };
      const seqNo = this.seqNo + 1;
      const res = await this.location.consensus.compareAndSet(this.key, this.seqNo, { seqNo, data: encodeEntry(rollupEntry(next)) });
      if (!res.ok) {
        await this.refresh();
        return false;
      }
      this.seqNo = seqNo;
      this.state = next;
      this.sinceRollup = { bytes: bytesOf(next.parts), entries: 0 };
      await this.location.consensus.truncate(this.key, seqNo);
      return true;
    });
    if (!swapped) {
      for (const blob of written) await this.location.blob.delete(blob).catch(() => undefined);
      return;
    }
    for (const part of prefix) if (part.blob !== undefined) await this.location.blob.delete(part.blob).catch(() => undefined);
  }

  /** Deletes blobs of this shard that no state references (left by a crash or a failed write). */
  private async collectGarbage(): Promise<void> {
    const live = new Set(this.state.parts.map((p) => p.blob).filter((b) => b !== undefined));
    for (const key of await this.location.blob.list(this.blobPrefix)) {
      if (!live.has(key)) await this.location.blob.delete(key).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    while (this.rollup) await this.rollup;
    await this.idle();
    this.closed = true;
  }

  /** Deletes the shard (DROP): a tombstone entry, then its blobs. */
  async destroy(): Promise<void> {
    while (this.rollup) await this.rollup;
    await this.idle();
    await this.withLock(async () => {
      if (this.fenced) throw this.fenced;
      const seqNo = this.seqNo + 1;
      const res = await this.location.consensus.compareAndSet(this.key, this.seqNo, { seqNo, data: encodeEntry({ k: 'tombstone', epoch: this.state.epoch }) });
      if (!res.ok) {
        await this.refresh();
        throw new UpperMismatchError(this.id, this.state.upper, this.state.upper);
      }
      this.seqNo = seqNo;
      await this.location.consensus.truncate(this.key, seqNo);
    });
    this.closed = true;
    for (const key of await this.location.blob.list(this.blobPrefix)) await this.location.blob.delete(key).catch(() => undefined);
  }
}

function rollupEntry(state: ShardState): Entry {
  return { k: 'rollup', epoch: state.epoch, upper: state.upper, since: state.since, hasMeta: state.hasMeta, meta: state.meta, parts: state.parts };
}

/** The state after `entries` (a shard's retained entries, oldest first): the last rollup plus the diffs after it. */
function reconstruct(entries: readonly VersionedData[], key: string): { state: ShardState; seqNo: number; sinceRollup: number } {
  const decoded = entries.map((e) => decodeEntry(e.data, `${key} entry ${e.seqNo}`));
  let start = -1;
  for (let i = decoded.length - 1; i >= 0; i--) {
    if (decoded[i]!.k === 'rollup' || decoded[i]!.k === 'tombstone') {
      start = i;
      break;
    }
  }
  if (start < 0) throw new PersistCorruptionError(key, 'no rollup entry among its entries');
  let state = emptyState(0);
  for (let i = start; i < decoded.length; i++) state = applyEntry(state, decoded[i]!);
  return { state, seqNo: entries[entries.length - 1]!.seqNo, sinceRollup: decoded.length - 1 - start };
}
