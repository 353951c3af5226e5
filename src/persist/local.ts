// Local-disk consensus and blob: the embedded default, under --data-dir/persist.
//
// Consensus: ONE framed, checksummed log (storage/framed-log.ts) for every
// key, so concurrent compare-and-sets on different keys (several tables and
// sources) share one write and one fdatasync (group commit). Each record is
// an entry (key, seqNo, data) or a truncation mark (key, seqNo); an index in
// memory maps each key to its entries' positions in the file (data is read
// back by position and its frame's CRC checked). When the file has grown well
// past its live entries it is rewritten with only those and swapped in
// atomically.
//
// Blob: one file per blob, written to a temporary name, fsync'd, renamed and
// the directory fsync'd.
//
// One process at a time: a LOCK file names the owning process; a second
// server on the same directory is refused (on PostgreSQL storage a second
// server fences the first instead).
import { mkdir, open, readFile, readdir, rename, rm, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { FramedLog, fsyncDir } from '../storage/framed-log.js';
import { PersistCorruptionError, type Blob, type CasResult, type Consensus, type PersistLocation, type VersionedData } from './api.js';
import { checkNext } from './memory.js';

const LOG_MAGIC_BYTES = 8;
const FRAME_HEADER = 8;
const ENTRY = 1;
const TRUNCATE = 2;
/** Heads up to this size stay in memory (head() without a read). */
const CACHED_HEAD_BYTES = 64 * 1024;
/** Rewrite the log once it exceeds this and twice its live bytes. */
const REWRITE_AFTER_BYTES = 16 * 1024 * 1024;

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

  private constructor(
    private log: FramedLog,
    private reader: FileHandle,
  ) {}

  static async open(dir: string): Promise<LocalConsensus> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, 'consensus.log');
    await FramedLog.removeLeftovers(path);
    const { log, records } = await FramedLog.open(path);
    const consensus = new LocalConsensus(log, await open(path, 'r'));
    let pos = LOG_MAGIC_BYTES;
    for (const payload of records) {
      consensus.indexRecord(payload, pos);
      pos += FRAME_HEADER + payload.length;
    }
    if (pos !== log.bytes) throw new PersistCorruptionError(path, `unexpected log layout (${pos} != ${log.bytes})`);
    return consensus;
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

  private async readEntry(pos: EntryPos): Promise<Uint8Array> {
    const frame = Buffer.allocUnsafe(FRAME_HEADER + pos.length);
    const { bytesRead } = await this.reader.read(frame, 0, frame.length, pos.frame);
    const payload = frame.subarray(FRAME_HEADER);
    if (bytesRead !== frame.length || frame.readUInt32LE(0) !== pos.length || frame.readUInt32LE(4) !== crc32(payload)) {
      throw new PersistCorruptionError(this.log.path, `entry at byte ${pos.frame} fails its checksum`);
    }
    return payload.subarray(pos.dataOffset);
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
        if (this.log.bytes > REWRITE_AFTER_BYTES && this.log.bytes > 2 * this.liveBytes) await this.rewrite();
      }
    } finally {
      this.flushing = null;
    }
  }

  /** Rewrites the log with only the live entries (serialized with appends by the flush loop). */
  private async rewrite(): Promise<void> {
    const payloads: Buffer[] = [];
    const moves: { ki: KeyIndex; entry: EntryPos }[] = [];
    for (const [key, ki] of this.index) {
      for (const entry of ki.entries) {
        const data = await this.readEntry(entry);
        payloads.push(encodeRecord(ENTRY, key, entry.seqNo, data).payload);
        moves.push({ ki, entry });
      }
    }
    const tmp = `${this.log.path}.compact`;
    await FramedLog.writeLogFile(tmp, payloads);
    await this.log.replaceWith(tmp, this.log.bytes);
    await this.reader.close();
    this.reader = await open(this.log.path, 'r');
    let pos = LOG_MAGIC_BYTES;
    this.liveBytes = 0;
    for (let i = 0; i < payloads.length; i++) {
      moves[i]!.entry.frame = pos;
      pos += FRAME_HEADER + payloads[i]!.length;
      this.liveBytes += FRAME_HEADER + payloads[i]!.length;
    }
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.closed) return;
    this.closed = true;
    await this.reader.close();
    await this.log.close();
  }
}

export class LocalBlob implements Blob {
  constructor(private readonly dir: string) {}

  private path(key: string): string {
    return join(this.dir, encodeURIComponent(key));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const target = this.path(key);
    const tmp = `${target}.${process.pid}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      let written = 0;
      while (written < value.length) written += (await handle.write(value, written)).bytesWritten;
      await handle.datasync();
    } catch (err) {
      await handle.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await handle.close();
    await rename(tmp, target);
    await fsyncDir(this.dir);
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .filter((n) => !n.endsWith('.tmp'))
      .map((n) => decodeURIComponent(n))
      .filter((k) => k.startsWith(prefix))
      .sort();
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
async function lockDirectory(dir: string): Promise<() => Promise<void>> {
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
  await writeFile(path, `${process.pid}\n`);
  return () => unlink(path).catch(() => undefined);
}

/** Consensus and blobs under `dir` (created if missing). */
export async function localLocation(dir: string): Promise<PersistLocation> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const unlock = await lockDirectory(dir);
  try {
    const consensus = await LocalConsensus.open(dir);
    const blob = new LocalBlob(join(dir, 'blob'));
    return {
      consensus,
      blob,
      description: `local ${dir}`,
      close: async () => {
        await consensus.close();
        await unlock();
      },
    };
  } catch (err) {
    await unlock();
    throw err;
  }
}
