// Durable shards: one append-only log per collection under the data directory.
//
// Each append is one framed record (CRC-checked) holding the batch's time,
// its updates and its resume metadata, so data and offsets survive a crash
// together or not at all. Concurrent appends are group-committed: one write
// and one fdatasync for everything queued. When the log has grown well past
// its live contents it is compacted in a worker thread (appends go on
// meanwhile): the consolidated contents plus the records appended since are
// written to a new file that atomically replaces the old one.
//
// A failed append (disk full, I/O error) rejects every append of its group
// and leaves nothing behind (FramedLog cuts the file back); later appends
// retry by themselves. Damage to acknowledged data found when opening or
// reading is a StorageError ('corrupt') naming the file.
//
// Everything file-specific sits behind the `Shard` interface of api.ts so an
// object-store implementation can replace it.
import { mkdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Shard, ShardWriteBatch } from './api.js';
import { ByteWriter } from './codec.js';
import { FramedLog, type LogFs } from './framed-log.js';
import { decodeBatch, encodeBatch } from './shard-record.js';
import type { CompactionRequest, CompactionResult } from './compaction-worker.js';

export { decodeBatch, encodeBatch } from './shard-record.js';

export interface ShardOptions {
  /** Compact once the log exceeds this many bytes and twice its size after the last compaction (default 64 MiB). */
  compactAfterBytes?: number;
  /** The shard was created before (its owner is in the catalog): a missing or emptied log is lost data, not a new shard. */
  mustExist?: boolean;
  /** File operations (tests inject failures here). */
  fs?: LogFs;
  /** How long after an append the acknowledged length is recorded (see FramedLog). */
  ackDelayMs?: number;
  /** Called when a compaction fails or cannot be swapped in (the shard goes on with its uncompacted log). */
  onCompactionError?: (err: unknown) => void;
}

const LOG_FILE = 'shard.log';

interface PendingAppend {
  payload: Buffer;
  meta: unknown;
  hasMeta: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Runs one compaction in a worker thread; resolves when the compacted file is written and fsync'd. */
function runCompactionWorker(request: CompactionRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./compaction-worker.js', import.meta.url), { workerData: request });
    let settled = false;
    worker.once('message', (result: CompactionResult) => {
      settled = true;
      if (result.ok) resolve();
      else reject(new Error(result.error));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`compaction worker exited with code ${code}`));
    });
  });
}

class LocalFileShard implements Shard {
  private readonly writer = new ByteWriter();
  private queue: PendingAppend[] = [];
  private flushing: Promise<void> | null = null;
  private closed = false;
  private sizeAfterCompaction: number;
  /** A running compaction: its output file and the log offset it covers. */
  private compaction: { done: Promise<void>; upTo: number; outPath: string; finished: boolean; failed: boolean } | null = null;

  constructor(
    private readonly dir: string,
    private readonly log: FramedLog,
    private meta: unknown,
    private readonly compactAfterBytes: number,
    private readonly onCompactionError: (err: unknown) => void,
  ) {
    this.sizeAfterCompaction = log.bytes;
  }

  append(batch: ShardWriteBatch): Promise<void> {
    if (this.closed) return Promise.reject(new Error('shard is closed'));
    let payload: Buffer;
    try {
      payload = encodeBatch(batch, this.writer);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ payload, meta: batch.meta, hasMeta: batch.meta !== undefined, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  /** Writes queued appends in groups, and swaps in finished compactions, one at a time. */
  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0 || this.compaction?.finished) {
        if (this.compaction?.finished) await this.swapInCompaction();
        if (this.queue.length === 0) continue;
        const group = this.queue;
        this.queue = [];
        try {
          await this.log.append(group.map((p) => p.payload));
        } catch (err) {
          for (const p of group) p.reject(err);
          continue;
        }
        for (const p of group) if (p.hasMeta) this.meta = p.meta;
        for (const p of group) p.resolve();
        if (!this.compaction && !this.closed && this.log.bytes > this.compactAfterBytes && this.log.bytes > 2 * this.sizeAfterCompaction) {
          this.startCompaction();
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  private startCompaction(): void {
    const outPath = `${this.log.path}.compact`;
    const upTo = this.log.bytes;
    const state = { upTo, outPath, finished: false, failed: false, done: Promise.resolve() };
    state.done = runCompactionWorker({ logPath: this.log.path, end: upTo, outPath }).then(
      () => undefined,
      (err: unknown) => {
        state.failed = true;
        this.onCompactionError(err);
      },
    ).then(() => {
      state.finished = true;
      // The swap happens in the flush loop, serialized with appends.
      this.flushing ??= this.flushLoop();
    });
    this.compaction = state;
  }

  private async swapInCompaction(): Promise<void> {
    const compaction = this.compaction!;
    this.compaction = null;
    if (compaction.failed || this.closed) {
      await unlink(compaction.outPath).catch(() => undefined);
      return;
    }
    try {
      await this.log.replaceWith(compaction.outPath, compaction.upTo);
    } catch (err) {
      // The log is unchanged (or, after the rename, recovers before the next append).
      this.onCompactionError(err);
    }
    this.sizeAfterCompaction = this.log.bytes;
  }

  private async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  async readAll(): Promise<ShardWriteBatch[]> {
    await this.idle();
    const records = await this.log.readRecords();
    return records.map(decodeBatch);
  }

  lastMeta(): unknown {
    return this.meta;
  }

  /** Compacts now (if anything was written) and waits until the compacted log is in place. */
  async compact(): Promise<void> {
    await this.idle();
    if (!this.compaction && this.log.bytes > this.sizeAfterCompaction) this.startCompaction();
    await this.compaction?.done;
    await this.idle();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.compaction?.done;
    await this.idle();
    this.closed = true;
    await this.log.close();
  }

  async destroy(): Promise<void> {
    await this.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Opens (creating if needed) the shard stored in directory `dir`. */
export async function openShard(dir: string, options: ShardOptions = {}): Promise<Shard> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOG_FILE);
  await FramedLog.removeLeftovers(path, options.fs);
  const { log, records } = await FramedLog.open(path, {
    ...(options.fs ? { fs: options.fs } : {}),
    ...(options.mustExist !== undefined ? { mustExist: options.mustExist } : {}),
    ...(options.ackDelayMs !== undefined ? { ackDelayMs: options.ackDelayMs } : {}),
  });
  // The latest metadata is the one of the last record carrying any.
  let meta: unknown = undefined;
  for (let i = records.length - 1; i >= 0; i--) {
    const batch = decodeBatch(records[i]!);
    if (batch.meta !== undefined) {
      meta = batch.meta;
      break;
    }
  }
  return new LocalFileShard(dir, log, meta, options.compactAfterBytes ?? 64 * 1024 * 1024, options.onCompactionError ?? (() => undefined));
}
