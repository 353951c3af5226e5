// Local-disk consensus and blob: the embedded default storage, under
// --data-dir/persist.
//
// Consensus: ONE framed, checksummed log (storage/framed-log.ts) for every
// key, so concurrent compare-and-sets on different keys (several tables and
// sources) share one write and one fdatasync (group commit). Each record is
// an entry (key, seqNo, data) or a truncation mark (key, seqNo); an index in
// memory maps each key to its entries' positions in the file (data is read
// back by position and its frame's CRC checked). When the file has grown well
// past its live entries it is rewritten with only those and swapped in
// atomically. The log brings FramedLog's guarantees: a failed write or fsync
// leaves nothing a later append lands behind, and a torn tail is told from
// damage (the `.ack` sidecar), which is an error naming the file.
//
// Blob: one file per blob, written to a temporary name, fsync'd, renamed and
// the directory fsync'd. A blob is checksummed by its contents (part.ts).
//
// Every file operation goes through a LogFs, so tests inject failures at
// every step of an append, a compaction and a log rewrite.
//
// One process at a time: a LOCK file names the owning process; a second
// server on the same directory is refused (on PostgreSQL storage a second
// server fences the first instead).
import { readFileSync, writeFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { FramedLog, nodeLogFs, writeWholeFile, type LogFile, type LogFs } from '../storage/framed-log.js';
import { errnoOf, fileFailure, StorageError } from '../storage/storage-error.js';
import { PersistCorruptionError, type Blob, type CasResult, type Consensus, type PersistLocation, type VersionedData } from './api.js';
import { checkNext } from './memory.js';

export interface LocalOptions {
  /** File operations (tests inject failures here). */
  fs?: LogFs;
  /** How long after an append the consensus log's acknowledged length is recorded (see FramedLog). */
  ackDelayMs?: number;
  /** Rewrite the consensus log once it exceeds this many bytes and twice its live bytes (default 16 MiB). */
  rewriteAfterBytes?: number;
}

const LOG_MAGIC_BYTES = 8;
const FRAME_HEADER = 8;
const ENTRY = 1;
const TRUNCATE = 2;
/** Heads up to this size stay in memory (head() without a read). */
const CACHED_HEAD_BYTES = 64 * 1024;
/** Rewrite the log once it exceeds this and twice its live bytes. */
const REWRITE_AFTER_BYTES = 16 * 1024 * 1024;

/** A read handle on the log file; replaced after a rewrite, closed once its last read is done. */
interface Reader {
  file: LogFile;
  users: number;
  retired: boolean;
}

interface EntryPos {
  seqNo: number;
  /** Offset of the record's frame header in the file. */
  frame: number;
  /** Frame payload length. */
  length: number;
  /** Offset of the entry data within the payload. */
  dataOffset: number;
}

interface KeyIndex {
  entries: EntryPos[];
  head: Uint8Array | undefined;
  /** A compare-and-set of this key being made durable. */
  busy: Promise<void> | undefined;
}

interface Pending {
  payload: Buffer;
  apply: (frame: number) => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function encodeRecord(type: number, key: string, seqNo: number, data?: Uint8Array): { payload: Buffer; dataOffset: number } {
  const keyBytes = Buffer.from(key, 'utf8');
  const dataOffset = 1 + 2 + keyBytes.length + 8;
  const payload = Buffer.allocUnsafe(dataOffset + (data?.length ?? 0));
  payload.writeUInt8(type, 0);
  payload.writeUInt16LE(keyBytes.length, 1);
  keyBytes.copy(payload, 3);
  payload.writeDoubleLE(seqNo, 3 + keyBytes.length);
  if (data) payload.set(data, dataOffset);
  return { payload, dataOffset };
}

function decodeRecord(payload: Buffer): { type: number; key: string; seqNo: number; dataOffset: number } {
  const type = payload.readUInt8(0);
  const keyLength = payload.readUInt16LE(1);
  const key = payload.toString('utf8', 3, 3 + keyLength);
  const seqNo = payload.readDoubleLE(3 + keyLength);
  return { type, key, seqNo, dataOffset: 3 + keyLength + 8 };
}

export class LocalConsensus implements Consensus {
  private readonly index = new Map<string, KeyIndex>();
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private liveBytes = 0;
  private closed = false;
  private reader: Reader | null = null;
  private opening: Promise<void> | null = null;
  /** Bumped by every swap of the log file (a reader opened before it reads the old file). */
  private generation = 0;
  /** After a failed rewrite, the next one waits until the log has grown past this. */
  private nextRewriteAt: number;

  private constructor(
    private readonly log: FramedLog,
    private readonly fs: LogFs,
    private readonly rewriteAfterBytes: number,
  ) {
    this.nextRewriteAt = rewriteAfterBytes;
  }

  static async open(dir: string, options: LocalOptions = {}): Promise<LocalConsensus> {
    const fs = options.fs ?? nodeLogFs;
    await fs.mkdir(dir).catch((err: unknown) => {
      throw fileFailure(err, 'creating', dir);
    });
    const path = join(dir, 'consensus.log');
    await FramedLog.removeLeftovers(path, fs);
    const { log, records } = await FramedLog.open(path, { fs, ...(options.ackDelayMs !== undefined ? { ackDelayMs: options.ackDelayMs } : {}) });
    const consensus = new LocalConsensus(log, fs, options.rewriteAfterBytes ?? REWRITE_AFTER_BYTES);
    let pos = LOG_MAGIC_BYTES;
    try {
      for (const payload of records) {
        consensus.indexRecord(payload, pos);
        pos += FRAME_HEADER + payload.length;
      }
    } catch (err) {
      await log.close().catch(() => undefined);
      throw new StorageError('corrupt', `${path} is damaged: the record at byte ${pos} is not a consensus record (${err instanceof Error ? err.message : String(err)})`, path);
    }
    if (pos !== log.bytes) {
      await log.close().catch(() => undefined);
      throw new StorageError('corrupt', `${path} is damaged: unexpected log layout (${pos} != ${log.bytes})`, path);
    }
    return consensus;
  }

  /** The log file (for messages). */
  get path(): string {
    return this.log.path;
  }

  private key(key: string): KeyIndex {
    let ki = this.index.get(key);
    if (!ki) {
      ki = { entries: [], head: undefined, busy: undefined };
      this.index.set(key, ki);
    }
    return ki;
  }

  /** Applies one record (at frame offset `frame`) to the index. */
  private indexRecord(payload: Buffer, frame: number): void {
    const { type, key, seqNo, dataOffset } = decodeRecord(payload);
    const ki = this.key(key);
    if (type === ENTRY) {
      ki.entries.push({ seqNo, frame, length: payload.length, dataOffset });
      ki.head = payload.length - dataOffset <= CACHED_HEAD_BYTES ? Uint8Array.from(payload.subarray(dataOffset)) : undefined;
      this.liveBytes += FRAME_HEADER + payload.length;
    } else if (type === TRUNCATE) {
      this.dropBefore(ki, seqNo);
    }
  }

  private dropBefore(ki: KeyIndex, seqNo: number): number {
    let n = 0;
    while (ki.entries.length > 1 && ki.entries[0]!.seqNo < seqNo) {
      const gone = ki.entries.shift()!;
      this.liveBytes -= FRAME_HEADER + gone.length;
      n++;
    }
    return n;
  }

  /** Opens a read handle on the current log file (unless a swap happened meanwhile: then again). */
  private openReader(): Promise<void> {
    this.opening ??= (async () => {
      try {
        for (;;) {
          const generation = this.generation;
          let file: LogFile;
          try {
            file = await this.fs.open(this.log.path, 'r');
          } catch (err) {
            throw fileFailure(err, 'opening', this.log.path);
          }
          if (generation === this.generation) {
            this.reader = { file, users: 0, retired: false };
            return;
          }
          await file.close().catch(() => undefined);
        }
      } finally {
        this.opening = null;
      }
    })();
    return this.opening;
  }

  private retireReader(): void {
    const r = this.reader;
    this.reader = null;
    this.generation++;
    if (!r) return;
    r.retired = true;
    if (r.users === 0) void r.file.close().catch(() => undefined);
  }

  private async readEntry(pos: EntryPos): Promise<Uint8Array> {
    while (this.reader === null) await this.openReader();
    // The reader and the entry's position are taken together, synchronously: a rewrite swaps both at once.
    const r = this.reader;
    const at = pos.frame;
    r.users++;
    try {
      const frame = Buffer.allocUnsafe(FRAME_HEADER + pos.length);
      let bytesRead: number;
      try {
        ({ bytesRead } = await r.file.read(frame, 0, frame.length, at));
      } catch (err) {
        throw fileFailure(err, 'reading', this.log.path);
      }
      const payload = frame.subarray(FRAME_HEADER);
      if (bytesRead !== frame.length || frame.readUInt32LE(0) !== pos.length || frame.readUInt32LE(4) !== crc32(payload)) {
        throw new StorageError('corrupt', `${this.log.path} is damaged: the entry at byte ${at} fails its checksum`, this.log.path);
      }
      return payload.subarray(pos.dataOffset);
    } finally {
      r.users--;
      if (r.retired && r.users === 0) void r.file.close().catch(() => undefined);
    }
  }

  async head(key: string): Promise<VersionedData | undefined> {
    const ki = this.index.get(key);
    const last = ki?.entries[ki.entries.length - 1];
    if (!ki || !last) return undefined;
    return { seqNo: last.seqNo, data: ki.head ?? (await this.readEntry(last)) };
  }

  async compareAndSet(key: string, expected: number | undefined, next: VersionedData): Promise<CasResult> {
    checkNext(expected, next);
    if (this.closed) throw new Error('consensus is closed');
    const ki = this.key(key);
    while (ki.busy) await ki.busy;
    const last = ki.entries[ki.entries.length - 1];
    if (last?.seqNo !== expected) return { ok: false, current: await this.head(key) };
    const { payload, dataOffset } = encodeRecord(ENTRY, key, next.seqNo, next.data);
    const done = this.enqueue(payload, (frame) => {
      ki.entries.push({ seqNo: next.seqNo, frame, length: payload.length, dataOffset });
      ki.head = next.data.length <= CACHED_HEAD_BYTES ? Uint8Array.from(next.data) : undefined;
      this.liveBytes += FRAME_HEADER + payload.length;
    });
    const busy = done.then(
      () => undefined,
      () => undefined,
    );
    ki.busy = busy;
    try {
      await done;
    } finally {
      if (ki.busy === busy) ki.busy = undefined;
    }
    return { ok: true };
  }

  async scan(key: string, from: number, limit = Number.MAX_SAFE_INTEGER): Promise<VersionedData[]> {
    const ki = this.index.get(key);
    if (!ki) return [];
    while (ki.busy) await ki.busy;
    const out: VersionedData[] = [];
    for (const e of ki.entries.filter((p) => p.seqNo >= from).slice(0, limit)) out.push({ seqNo: e.seqNo, data: await this.readEntry(e) });
    return out;
  }

  async truncate(key: string, seqNo: number): Promise<number> {
    const ki = this.index.get(key);
    if (!ki) return 0;
    while (ki.busy) await ki.busy;
    const n = ki.entries.filter((e, i) => e.seqNo < seqNo && i < ki.entries.length - 1).length;
    if (n === 0) return 0;
    const { payload } = encodeRecord(TRUNCATE, key, seqNo);
    await this.enqueue(payload, () => this.dropBefore(ki, seqNo));
    return n;
  }

  private enqueue(payload: Buffer, apply: (frame: number) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ payload, apply, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  /** Writes everything queued with one write and one fdatasync (group commit). */
  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue;
        this.queue = [];
        const start = this.log.bytes;
        try {
          await this.log.append(group.map((p) => p.payload));
        } catch (err) {
          for (const p of group) p.reject(err);
          continue;
        }
        let pos = start;
        for (const p of group) {
          p.apply(pos);
          pos += FRAME_HEADER + p.payload.length;
        }
        if (pos !== this.log.bytes) {
          const err = new PersistCorruptionError(this.log.path, `unexpected log layout after append (${pos} != ${this.log.bytes})`);
          for (const p of group) p.reject(err);
          continue;
        }
        for (const p of group) p.resolve();
        if (this.log.bytes > this.nextRewriteAt && this.log.bytes > 2 * this.liveBytes) {
          try {
            await this.rewrite();
            this.nextRewriteAt = this.rewriteAfterBytes;
          } catch {
            // The log is unchanged (or already swapped and recovering): it goes on unrewritten and is rewritten later.
            this.nextRewriteAt = Math.max(this.rewriteAfterBytes, Math.ceil(this.log.bytes * 1.5));
          }
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  /** Rewrites the log with only the live entries (serialized with appends by the flush loop). */
  private async rewrite(): Promise<void> {
    const payloads: Buffer[] = [];
    const moves: EntryPos[] = [];
    for (const [key, ki] of this.index) {
      for (const entry of ki.entries) {
        const data = await this.readEntry(entry);
        payloads.push(encodeRecord(ENTRY, key, entry.seqNo, data).payload);
        moves.push(entry);
      }
    }
    const tmp = `${this.log.path}.compact`;
    await FramedLog.writeLogFile(tmp, payloads, this.fs);
    // Throws only when the log is unchanged; once it returns the new file is the log.
    await this.log.replaceWith(tmp, this.log.bytes);
    let pos = LOG_MAGIC_BYTES;
    this.liveBytes = 0;
    for (let i = 0; i < payloads.length; i++) {
      moves[i]!.frame = pos;
      pos += FRAME_HEADER + payloads[i]!.length;
      this.liveBytes += FRAME_HEADER + payloads[i]!.length;
    }
    this.retireReader();
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.closed) return;
    this.closed = true;
    while (this.opening) await this.opening.catch(() => undefined);
    this.retireReader();
    await this.log.close();
  }
}

export class LocalBlob implements Blob {
  constructor(
    private readonly dir: string,
    private readonly fs: LogFs = nodeLogFs,
  ) {}

  private path(key: string): string {
    return join(this.dir, encodeURIComponent(key));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const path = this.path(key);
    try {
      return await this.fs.readFile(path);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return undefined;
      throw fileFailure(err, 'reading', path);
    }
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    try {
      await this.fs.mkdir(this.dir);
    } catch (err) {
      throw fileFailure(err, 'creating', this.dir);
    }
    const target = this.path(key);
    const tmp = `${target}.${process.pid}.tmp`;
    await writeWholeFile(this.fs, tmp, [Buffer.from(value.buffer, value.byteOffset, value.byteLength)]);
    try {
      await this.fs.rename(tmp, target);
    } catch (err) {
      await this.fs.unlink(tmp).catch(() => undefined);
      throw fileFailure(err, 'renaming', target);
    }
    try {
      await this.fs.syncDir(this.dir);
    } catch (err) {
      throw fileFailure(err, 'syncing the directory of', target);
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.path(key);
    try {
      await this.fs.unlink(path);
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') throw fileFailure(err, 'deleting', path);
    }
  }

  private async names(): Promise<string[]> {
    try {
      return await this.fs.readdir(this.dir);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return [];
      throw fileFailure(err, 'listing', this.dir);
    }
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.names())
      .filter((n) => !n.endsWith('.tmp'))
      .map((n) => decodeURIComponent(n))
      .filter((k) => k.startsWith(prefix))
      .sort();
  }

  /** Deletes temporary files a crash left behind (only this process uses the directory: see LOCK). */
  async removeLeftovers(): Promise<void> {
    for (const name of await this.names()) if (name.endsWith('.tmp')) await this.fs.unlink(join(this.dir, name)).catch(() => undefined);
  }

  async close(): Promise<void> {}
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the directory's LOCK file; refuses when another live process holds it. */
function lockDirectory(dir: string): () => void {
  const path = join(dir, 'LOCK');
  let owner: number | undefined;
  try {
    owner = Number(readFileSync(path, 'utf8').trim());
  } catch {
    owner = undefined;
  }
  if (owner !== undefined && Number.isInteger(owner) && owner !== process.pid && processAlive(owner)) {
    throw new Error(`${dir} is in use by another Freshet server (process ${owner}); local storage serves one server at a time`);
  }
  try {
    writeFileSync(path, `${process.pid}\n`);
  } catch (err) {
    throw fileFailure(err, 'writing', path);
  }
  return () => {
    try {
      unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
}

/** Consensus and blobs under `dir` (created if missing). */
export async function localLocation(dir: string, options: LocalOptions = {}): Promise<PersistLocation> {
  const fs = options.fs ?? nodeLogFs;
  try {
    await fs.mkdir(dir);
  } catch (err) {
    throw fileFailure(err, 'creating', dir);
  }
  const unlock = lockDirectory(dir);
  try {
    let consensus: LocalConsensus;
    try {
      consensus = await LocalConsensus.open(dir, options);
    } catch (err) {
      if (err instanceof StorageError && err.kind === 'corrupt') {
        throw new StorageError(
          'corrupt',
          `the storage in ${dir} cannot be opened: ${err.message}. It holds the catalog, the secrets and the state of every table and source, so nothing is loaded and nothing is changed; restore the data directory from a backup (see docs/operations.md, "Damaged files")`,
          err.path,
        );
      }
      throw err;
    }
    const blob = new LocalBlob(join(dir, 'blob'), fs);
    // Best effort: a leftover only takes space (it is never listed).
    await blob.removeLeftovers().catch(() => undefined);
    return {
      consensus,
      blob,
      description: `local ${dir}`,
      close: async () => {
        await consensus.close();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}
