// Durable shards: one append-only log per collection under the data directory.
//
// Each append is one framed record (CRC-checked) holding the batch's time,
// its updates and its resume metadata, so data and offsets survive a crash
// together or not at all. Concurrent appends are group-committed: one write
// and one fdatasync for everything queued. When the log has grown well past
// its live contents it is compacted: the consolidated contents are written to
// a new file that atomically replaces the old one.
//
// Everything file-specific sits behind the `Shard` interface of api.ts so an
// object-store implementation can replace it.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Shard, ShardWriteBatch } from './api.js';
import type { Update } from '../compute/api.js';
import { ByteReader, ByteWriter, readUpdates, readValue, writeUpdates, writeValue } from './codec.js';
import { FramedLog } from './framed-log.js';
import { consolidateUpdates } from './consolidate.js';

export interface ShardOptions {
  /** Compact once the log exceeds this many bytes and twice its size after the last compaction (default 64 MiB). */
  compactAfterBytes?: number;
}

const LOG_FILE = 'shard.log';
const RECORD_VERSION = 1;
/** Updates per record when writing compacted contents. */
const COMPACTED_CHUNK = 65536;

interface PendingAppend {
  payload: Buffer;
  meta: unknown;
  hasMeta: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export function encodeBatch(batch: ShardWriteBatch, w: ByteWriter = new ByteWriter()): Buffer {
  w.reset();
  w.u8(RECORD_VERSION);
  w.f64(batch.time);
  if (batch.meta === undefined) {
    w.u8(0);
  } else {
    w.u8(1);
    writeValue(w, batch.meta);
  }
  writeUpdates(w, batch.updates);
  return Buffer.from(w.bytes());
}

export function decodeBatch(payload: Buffer): ShardWriteBatch {
  const r = new ByteReader(payload);
  const version = r.u8();
  if (version !== RECORD_VERSION) throw new Error(`unsupported shard record version ${version}`);
  const time = r.f64();
  const hasMeta = r.u8() === 1;
  const meta = hasMeta ? readValue(r) : undefined;
  const updates = readUpdates(r);
  return hasMeta ? { time, updates, meta } : { time, updates };
}

class LocalFileShard implements Shard {
  private readonly writer = new ByteWriter();
  private queue: PendingAppend[] = [];
  private flushing: Promise<void> | null = null;
  private closed = false;
  private sizeAfterCompaction: number;

  constructor(
    private readonly dir: string,
    private readonly log: FramedLog,
    private meta: unknown,
    private readonly compactAfterBytes: number,
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

  /** Writes queued appends in groups until the queue is empty. */
  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
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
        if (this.log.bytes > this.compactAfterBytes && this.log.bytes > 2 * this.sizeAfterCompaction) {
          await this.compact().catch(() => undefined);
        }
      }
    } finally {
      this.flushing = null;
    }
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

  /** Rewrites the log as its consolidated contents (one time, the latest meta). */
  async compact(): Promise<void> {
    const batches = (await this.log.readRecords()).map(decodeBatch);
    if (batches.length === 0) return;
    const all: Update[] = [];
    for (const b of batches) for (const u of b.updates) all.push(u);
    const consolidated = consolidateUpdates(all);
    const time = batches[batches.length - 1]!.time;
    const payloads: Buffer[] = [];
    for (let i = 0; i < consolidated.length || i === 0; i += COMPACTED_CHUNK) {
      const isLast = i + COMPACTED_CHUNK >= consolidated.length;
      const chunk = consolidated.slice(i, i + COMPACTED_CHUNK);
      payloads.push(encodeBatch(isLast && this.meta !== undefined ? { time, updates: chunk, meta: this.meta } : { time, updates: chunk }, this.writer));
    }
    await FramedLog.writeAtomically(this.log.path, payloads);
    await this.log.reopen();
    this.sizeAfterCompaction = this.log.bytes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.idle();
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
  await FramedLog.removeLeftovers(path);
  const { log, records } = await FramedLog.open(path);
  // The latest metadata is the one of the last record carrying any.
  let meta: unknown = undefined;
  for (let i = records.length - 1; i >= 0; i--) {
    const batch = decodeBatch(records[i]!);
    if (batch.meta !== undefined) {
      meta = batch.meta;
      break;
    }
  }
  return new LocalFileShard(dir, log, meta, options.compactAfterBytes ?? 64 * 1024 * 1024);
}
