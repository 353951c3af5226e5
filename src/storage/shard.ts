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
import { ByteReader, ByteWriter, readUpdates, readValue, skipRow, writeUpdates, writeValue } from './codec.js';
import { FramedLog } from './framed-log.js';

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

function writeHeader(w: ByteWriter, time: number, meta: unknown): void {
  w.u8(RECORD_VERSION);
  w.f64(time);
  if (meta === undefined) {
    w.u8(0);
  } else {
    w.u8(1);
    writeValue(w, meta);
  }
}

export function encodeBatch(batch: ShardWriteBatch, w: ByteWriter = new ByteWriter()): Buffer {
  w.reset();
  writeHeader(w, batch.time, batch.meta);
  writeUpdates(w, batch.updates);
  return Buffer.from(w.bytes());
}

/** Reads a record's header; the reader is left at its updates. */
function readHeader(payload: Buffer): { time: number; hasMeta: boolean; meta: unknown; reader: ByteReader } {
  const reader = new ByteReader(payload);
  const version = reader.u8();
  if (version !== RECORD_VERSION) throw new Error(`unsupported shard record version ${version}`);
  const time = reader.f64();
  const hasMeta = reader.u8() === 1;
  const meta = hasMeta ? readValue(reader) : undefined;
  return { time, hasMeta, meta, reader };
}

export function decodeBatch(payload: Buffer): ShardWriteBatch {
  const { time, hasMeta, meta, reader } = readHeader(payload);
  const updates = readUpdates(reader);
  return hasMeta ? { time, updates, meta } : { time, updates };
}

/**
 * Consolidates records without decoding their rows: equal rows have equal
 * encodings, so diffs are summed per row encoding and the bytes copied over.
 */
function consolidateRecords(records: readonly Buffer[]): { rows: Buffer[]; diffs: number[]; time: number } {
  const byRow = new Map<string, number>();
  const rows: Buffer[] = [];
  const diffs: number[] = [];
  let time = 0;
  for (const payload of records) {
    const header = readHeader(payload);
    time = header.time;
    const r = header.reader;
    const n = r.uvarint();
    for (let i = 0; i < n; i++) {
      const start = r.pos;
      skipRow(r);
      const end = r.pos;
      const diff = r.svarint();
      const key = payload.toString('latin1', start, end);
      const at = byRow.get(key);
      if (at === undefined) {
        byRow.set(key, rows.length);
        rows.push(payload.subarray(start, end));
        diffs.push(diff);
      } else {
        diffs[at]! += diff;
      }
    }
  }
  return { rows, diffs, time };
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
    const records = await this.log.readRecords();
    if (records.length === 0) return;
    const { rows, diffs, time } = consolidateRecords(records);
    const live: number[] = [];
    for (let i = 0; i < rows.length; i++) if (diffs[i] !== 0) live.push(i);
    const payloads: Buffer[] = [];
    const w = this.writer;
    for (let start = 0; start < live.length || start === 0; start += COMPACTED_CHUNK) {
      const end = Math.min(live.length, start + COMPACTED_CHUNK);
      w.reset();
      // The latest metadata goes with the last chunk: a reader sees it only once all data is there.
      writeHeader(w, time, end === live.length ? this.meta : undefined);
      w.uvarint(end - start);
      for (let i = start; i < end; i++) {
        w.raw(rows[live[i]!]!);
        w.svarint(diffs[live[i]!]!);
      }
      payloads.push(Buffer.from(w.bytes()));
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
