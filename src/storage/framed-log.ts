// An append-only file of framed records: [u32 length][u32 CRC32][payload].
//
// What it guarantees:
// - An append resolves only once its records are written and fdatasync'd;
//   any number of records go in one write and one fdatasync (group commit).
// - A failed write or fsync (disk full, I/O error) never leaves bytes that a
//   later append lands behind: the file is cut back to the last acknowledged
//   length before anything else is written. After a failed fsync the kernel
//   may have dropped the dirty pages, so the log is reopened and its last
//   acknowledged record re-verified before the next append; if that fails
//   too the log stays failed and every append says why.
// - The length acknowledged so far is recorded in a small checksummed
//   sidecar `<log>.ack`, replaced atomically a moment after appends (and at
//   close and around compaction swaps). Opening the log tells a torn tail (a
//   crash during the last append: cut off) from damage (a bad record before
//   the acknowledged length, a bad record followed by intact ones, a file
//   shorter than acknowledged, truncated to zero or deleted): damage is an
//   error naming the file and what is wrong, never a silent prefix.
// - Every file operation goes through a `LogFs`, so tests inject failures at
//   every step without touching node:fs.
//
// Payloads must not be empty (a zero-filled region would otherwise read as
// valid empty records).
import { mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { errnoOf, fileFailure, StorageError } from './storage-error.js';
import { storageMetrics } from '../server/metrics.js';

const MAGIC = Buffer.from('FRSHLOG1', 'latin1');
const FRAME_HEADER = 8;
/** Upper bound on one record, so a corrupt length cannot make us allocate gigabytes. */
const MAX_RECORD = 1 << 30;
const ACK_MAGIC = Buffer.from('FRSHACK1', 'latin1');
const ACK_SIZE = 20;
/** Default delay between an append and the update of the acknowledged length it records. */
const DEFAULT_ACK_DELAY_MS = 500;

/** The file operations a log performs (node:fs's FileHandle has this shape). */
export interface LogFile {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  writev(buffers: Buffer[], position: number): Promise<{ bytesWritten: number }>;
  datasync(): Promise<void>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}

/** The file-system operations a log performs; replaced in tests to inject failures. */
export interface LogFs {
  /** 'r+': read/write an existing file; 'wx': create a new one; 'w': create or empty. */
  open(path: string, flags: 'r' | 'r+' | 'w' | 'wx'): Promise<LogFile>;
  readFile(path: string): Promise<Buffer>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** fsyncs a directory (after creating, renaming or deleting in it). */
  syncDir(dir: string): Promise<void>;
  /** Creates a directory and its parents (mode 0700) if missing. */
  mkdir(dir: string): Promise<void>;
  /** The names in a directory. */
  readdir(dir: string): Promise<string[]>;
}

export const nodeLogFs: LogFs = {
  open: (path, flags) => open(path, flags),
  readFile: (path) => readFile(path),
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  syncDir: fsyncDir,
  mkdir: async (dir) => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  },
  readdir: (dir) => readdir(dir),
};

export interface LogOptions {
  fs?: LogFs;
  /**
   * The log is known to exist (its owner was created earlier): a missing or
   * empty file is reported as lost data instead of starting a new log.
   */
  mustExist?: boolean;
  /** How long after an append the acknowledged length is recorded (default 500 ms). */
  ackDelayMs?: number;
}

export interface OpenedLog {
  log: FramedLog;
  /** Payloads of every intact record, in order (views into one buffer). */
  records: Buffer[];
  /** Bytes cut off the end because they were a torn tail (never acknowledged). */
  truncatedBytes: number;
}

/** Splits `data` (a whole log file after the magic) into intact payloads; returns where the intact part ends. */
export function scanFrames(data: Buffer, start: number): { records: Buffer[]; end: number } {
  const records: Buffer[] = [];
  let pos = start;
  for (;;) {
    const len = frameAt(data, pos);
    if (len < 0) break;
    records.push(data.subarray(pos + FRAME_HEADER, pos + FRAME_HEADER + len));
    pos += FRAME_HEADER + len;
  }
  return { records, end: pos };
}

/** The payload length of the intact frame at `pos`, or -1 if there is none. */
function frameAt(data: Buffer, pos: number): number {
  if (pos + FRAME_HEADER > data.length) return -1;
  const len = data.readUInt32LE(pos);
  if (len === 0 || len > MAX_RECORD || pos + FRAME_HEADER + len > data.length) return -1;
  if (crc32(data.subarray(pos + FRAME_HEADER, pos + FRAME_HEADER + len)) !== data.readUInt32LE(pos + 4)) return -1;
  return len;
}

/** How many intact frames run from `pos` exactly to the end of `data` (0: they do not). */
function chainToEnd(data: Buffer, pos: number): number {
  let count = 0;
  while (pos < data.length) {
    const len = frameAt(data, pos);
    if (len < 0) return 0;
    pos += FRAME_HEADER + len;
    count++;
  }
  return count;
}

/**
 * After a bad frame at `bad`: the number of intact records that follow it up
 * to the end of the file (0: the rest is a torn tail). Tries where the bad
 * frame's length says the next one starts, then every byte.
 */
function intactAfter(data: Buffer, bad: number): number {
  if (bad + FRAME_HEADER <= data.length) {
    const next = bad + FRAME_HEADER + data.readUInt32LE(bad);
    if (next > bad && next < data.length) {
      const n = chainToEnd(data, next);
      if (n > 0) return n;
    }
  }
  for (let q = bad + 1; q + FRAME_HEADER < data.length; q++) {
    if (frameAt(data, q) < 0) continue;
    const n = chainToEnd(data, q);
    if (n > 0) return n;
  }
  return 0;
}

function frameHeader(payload: Buffer): Buffer {
  if (payload.length === 0) throw new Error('a log record must not be empty');
  const header = Buffer.allocUnsafe(FRAME_HEADER);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32(payload), 4);
  return header;
}

/** Frames payloads into one buffer, ready for a single write. */
export function frame(payloads: readonly Buffer[]): Buffer {
  const pieces: Buffer[] = [];
  for (const p of payloads) pieces.push(frameHeader(p), p);
  return Buffer.concat(pieces);
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes all of `pieces` at `position`, continuing after short writes. */
async function writeAllAt(file: LogFile, pieces: Buffer[], position: number): Promise<void> {
  let rest = pieces;
  let at = position;
  while (rest.length > 0) {
    let { bytesWritten } = await file.writev(rest, at);
    if (bytesWritten <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    at += bytesWritten;
    let i = 0;
    while (i < rest.length && bytesWritten >= rest[i]!.length) bytesWritten -= rest[i++]!.length;
    rest = rest.slice(i);
    if (rest.length > 0 && bytesWritten > 0) rest[0] = rest[0]!.subarray(bytesWritten);
  }
}

/** Writes a whole file at once (write, fsync, close); removes it again on failure. */
export async function writeWholeFile(fs: LogFs, path: string, pieces: Buffer[]): Promise<void> {
  let file: LogFile | undefined;
  try {
    file = await fs.open(path, 'w');
    await writeAllAt(file, pieces, 0);
    await file.sync();
    await file.close();
    file = undefined;
  } catch (err) {
    await file?.close().catch(() => undefined);
    await fs.unlink(path).catch(() => undefined);
    throw fileFailure(err, 'writing', path);
  }
}

// ------------------------------------------------------------ ack sidecar

function ackPath(path: string): string {
  return `${path}.ack`;
}

function encodeAck(length: number): Buffer {
  const out = Buffer.alloc(ACK_SIZE);
  ACK_MAGIC.copy(out, 0);
  out.writeBigUInt64LE(BigInt(length), 8);
  out.writeUInt32LE(crc32(out.subarray(0, 16)), 16);
  return out;
}

/** The acknowledged length recorded for the log at `path`; undefined when none is recorded. */
async function readAck(fs: LogFs, path: string): Promise<number | undefined> {
  const file = ackPath(path);
  let data: Buffer;
  try {
    data = await fs.readFile(file);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw fileFailure(err, 'reading', file);
  }
  if (data.length !== ACK_SIZE || !data.subarray(0, 8).equals(ACK_MAGIC) || crc32(data.subarray(0, 16)) !== data.readUInt32LE(16)) {
    throw new StorageError('corrupt', `${file} (the acknowledged length of ${path}) is damaged: ${data.length === 0 ? 'empty' : 'checksum mismatch'}`, file);
  }
  return Number(data.readBigUInt64LE(8));
}

/** Records `length` as acknowledged: a new sidecar, fsync'd, renamed over the old one. */
async function writeAck(fs: LogFs, path: string, length: number): Promise<void> {
  const file = ackPath(path);
  const tmp = `${file}.tmp`;
  await writeWholeFile(fs, tmp, [encodeAck(length)]);
  try {
    await fs.rename(tmp, file);
    await fs.syncDir(dirname(path));
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined);
    throw fileFailure(err, 'replacing', file);
  }
}

function damaged(path: string, what: string): StorageError {
  return new StorageError('corrupt', `${path} is damaged: ${what}`, path);
}

/** Reads the whole file, or undefined when it does not exist. */
async function readIfExists(fs: LogFs, path: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(path);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw fileFailure(err, 'reading', path);
  }
}

export class FramedLog {
  /** Where the last acknowledged record starts (re-verified after a failed fsync). */
  private lastFrameStart: number;
  /** Set after a failed fsync or a failed cut-back: reopen and re-verify before the next append. */
  private needsRecovery = false;
  /** A permanent failure (the log's acknowledged contents are damaged): every append fails with it. */
  private failure: StorageError | null = null;
  private ackRecorded: number;
  private ackTimer: NodeJS.Timeout | null = null;
  /** Serializes updates of the ack sidecar (and compaction swaps, which change the length it may claim). */
  private ackChain: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly path: string,
    private file: LogFile | null,
    private size: number,
    private readonly fs: LogFs,
    private readonly ackDelayMs: number,
    ackRecorded: number,
    lastFrameStart: number,
  ) {
    this.ackRecorded = ackRecorded;
    this.lastFrameStart = lastFrameStart;
  }

  /**
   * Opens or creates the log at `path`. A torn tail after the acknowledged
   * length is cut off; damage to acknowledged data is a StorageError
   * ('corrupt') naming the file and what is wrong.
   */
  static async open(path: string, options: LogOptions = {}): Promise<OpenedLog> {
    const fs = options.fs ?? nodeLogFs;
    const ackDelayMs = options.ackDelayMs ?? DEFAULT_ACK_DELAY_MS;
    const acked = await readAck(fs, path);
    const data = await readIfExists(fs, path);
    if (data === undefined || data.length < MAGIC.length) {
      if (acked !== undefined && acked > 0) {
        throw damaged(path, data === undefined ? `the file is missing (deleted), but ${acked} bytes of it were acknowledged` : `the file is ${data.length} bytes long (truncated), but ${acked} bytes of it were acknowledged`);
      }
      if (options.mustExist) {
        throw damaged(path, data === undefined ? 'the file is missing (deleted), but it held acknowledged data' : `the file is ${data.length} bytes long (truncated), but it held acknowledged data`);
      }
      // A new log, or a crash before its header reached the disk.
      await writeWholeFile(fs, path, [MAGIC]);
      try {
        await fs.syncDir(dirname(path));
      } catch (err) {
        throw fileFailure(err, 'syncing the directory of', path);
      }
      await writeAck(fs, path, MAGIC.length);
      const file = await openFile(fs, path);
      return { log: new FramedLog(path, file, MAGIC.length, fs, ackDelayMs, MAGIC.length, MAGIC.length), records: [], truncatedBytes: data?.length ?? 0 };
    }
    if (!data.subarray(0, MAGIC.length).equals(MAGIC)) throw damaged(path, 'it does not start with a Freshet log header');
    const { records, end } = scanFrames(data, MAGIC.length);
    if (acked !== undefined && data.length < acked) {
      throw damaged(path, `the file is ${data.length} bytes long, shorter than the ${acked} bytes acknowledged (truncated)`);
    }
    if (acked !== undefined && end < acked) {
      throw damaged(path, `the record at byte ${end} fails its checksum, before the end of the ${acked} bytes acknowledged (${records.length} intact records before it)`);
    }
    if (end < data.length) {
      const after = intactAfter(data, end);
      if (after > 0) {
        throw damaged(path, `the record at byte ${end} fails its checksum, but ${after} intact records follow it (${records.length} intact records before it)`);
      }
    }
    const file = await openFile(fs, path);
    try {
      if (end < data.length) {
        // A torn tail: the last append never completed (or never was acknowledged).
        await file.truncate(end);
        await file.datasync();
      }
    } catch (err) {
      await file.close().catch(() => undefined);
      throw fileFailure(err, 'cutting the torn tail of', path);
    }
    let lastFrameStart = MAGIC.length;
    if (records.length > 0) {
      const last = records[records.length - 1]!;
      lastFrameStart = last.byteOffset - data.byteOffset - FRAME_HEADER;
    }
    const log = new FramedLog(path, file, end, fs, ackDelayMs, acked ?? 0, lastFrameStart);
    if (acked === undefined) {
      // A log written before acknowledged lengths were recorded.
      await writeAck(fs, path, end).then(() => (log.ackRecorded = end), () => undefined);
    } else if (acked < end) {
      log.scheduleAck();
    }
    return { log, records, truncatedBytes: data.length - end };
  }

  /** Writes a complete log file (e.g. compacted contents) and fsyncs it. */
  static async writeLogFile(path: string, payloads: readonly Buffer[], fs: LogFs = nodeLogFs): Promise<void> {
    const pieces: Buffer[] = [MAGIC];
    for (const p of payloads) pieces.push(frameHeader(p), p);
    // Bounded gathers: the kernel takes at most IOV_MAX (1024) pieces per call.
    let file: LogFile | undefined;
    try {
      file = await fs.open(path, 'w');
      let at = 0;
      for (let i = 0; i < pieces.length; i += 512) {
        const chunk = pieces.slice(i, i + 512);
        await writeAllAt(file, chunk, at);
        for (const p of chunk) at += p.length;
      }
      await file.sync();
      await file.close();
      file = undefined;
    } catch (err) {
      await file?.close().catch(() => undefined);
      await fs.unlink(path).catch(() => undefined);
      throw fileFailure(err, 'writing', path);
    }
  }

  /**
   * Replaces this log with `replacement` (a complete log file holding the
   * equivalent of this log's bytes before `upTo`): copies the records written
   * since `upTo` onto it, fsyncs, atomically renames it over this log, and
   * continues appending to it. Must not run concurrently with append(). On
   * failure before the rename this log is unchanged and the replacement is
   * deleted.
   */
  async replaceWith(replacement: string, upTo: number): Promise<void> {
    await this.ensureUsable();
    const file = this.file!;
    let newSize: number;
    try {
      const tail = Buffer.alloc(this.size - upTo);
      if (tail.length > 0) await readFully(file, tail, upTo);
      const out = await this.fs.open(replacement, 'r+');
      try {
        const base = (await out.stat()).size;
        if (tail.length > 0) await writeAllAt(out, [tail], base);
        await out.sync();
        newSize = base + tail.length;
      } finally {
        await out.close();
      }
    } catch (err) {
      await this.fs.unlink(replacement).catch(() => undefined);
      throw fileFailure(err, 'writing', replacement);
    }
    await this.serializeAck(async () => {
      try {
        // The recorded length must hold for both files until the rename is durable.
        await writeAck(this.fs, this.path, Math.min(newSize, this.size));
        this.ackRecorded = Math.min(newSize, this.size);
        await this.fs.rename(replacement, this.path);
      } catch (err) {
        await this.fs.unlink(replacement).catch(() => undefined);
        throw fileFailure(err, 'replacing', this.path);
      }
      // From here on the replacement is the log.
      await file.close().catch(() => undefined);
      this.file = null;
      this.size = newSize;
      this.lastFrameStart = MAGIC.length;
      this.needsRecovery = true;
      await this.fs.syncDir(dirname(this.path)).catch(() => undefined);
      await writeAck(this.fs, this.path, newSize).then(() => (this.ackRecorded = newSize), () => undefined);
    });
    await this.recover().catch(() => undefined);
  }

  /** Deletes a compaction output or sidecar temporary a crash left behind. */
  static async removeLeftovers(path: string, fs: LogFs = nodeLogFs): Promise<void> {
    await fs.unlink(`${path}.compact`).catch(() => undefined);
    await fs.unlink(`${ackPath(path)}.tmp`).catch(() => undefined);
  }

  /** Bytes acknowledged (durable and verified). */
  get bytes(): number {
    return this.size;
  }

  /** The permanent failure of this log, if its acknowledged data was found damaged. */
  get failed(): StorageError | null {
    return this.failure;
  }

  /**
   * Appends records durably: gathered writes, one fdatasync. On failure
   * (StorageError 'disk-full' or 'io') nothing of these records counts; the
   * file is cut back before any later append, which retries the recovery
   * itself, so appends succeed again by themselves once the cause is gone.
   */
  async append(payloads: readonly Buffer[]): Promise<void> {
    if (this.closed) throw new Error(`log ${this.path} is closed`);
    if (payloads.length === 0) return;
    const pieces: Buffer[] = [];
    let bytes = 0;
    let lastStart = 0;
    for (const p of payloads) {
      lastStart = bytes;
      pieces.push(frameHeader(p), p);
      bytes += FRAME_HEADER + p.length;
    }
    await this.ensureUsable();
    const file = this.file!;
    let step = 'writing to';
    try {
      let at = this.size;
      // Bounded gathers: the kernel takes at most IOV_MAX (1024) pieces per call.
      for (let i = 0; i < pieces.length; i += 512) {
        const chunk = pieces.slice(i, i + 512);
        await writeAllAt(file, chunk, at);
        for (const p of chunk) at += p.length;
      }
      step = 'fsync of';
      const syncStart = performance.now();
      await file.datasync();
      storageMetrics.recordAppend(bytes, (performance.now() - syncStart) / 1000);
    } catch (err) {
      storageMetrics.recordAppendFailure();
      const failure = fileFailure(err, step, this.path);
      await this.cutBack(step === 'fsync of');
      throw failure;
    }
    this.lastFrameStart = this.size + lastStart;
    this.size += bytes;
    this.scheduleAck();
  }

  /** After a failed append: cut the file back to the acknowledged length. */
  private async cutBack(fsyncFailed: boolean): Promise<void> {
    // After a failed fsync the page cache cannot be trusted: reopen before the next append.
    this.needsRecovery = true;
    if (fsyncFailed) {
      await this.recover().catch(() => undefined);
      return;
    }
    try {
      await this.file!.truncate(this.size);
      await this.file!.datasync();
      this.needsRecovery = false;
    } catch {
      // Retried (with a reopen) before the next append.
    }
  }

  private async ensureUsable(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.needsRecovery || this.file === null) await this.recover();
  }

  /**
   * Reopens the file, checks that everything acknowledged is still there
   * (the last acknowledged record intact where it should be) and cuts off
   * whatever a failed append left after it.
   */
  private async recover(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.file) {
      await this.file.close().catch(() => undefined);
      this.file = null;
    }
    let file: LogFile;
    try {
      file = await this.fs.open(this.path, 'r+');
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') this.failure = damaged(this.path, 'the file disappeared while in use');
      throw this.failure ?? fileFailure(err, 'reopening', this.path);
    }
    try {
      const { size } = await file.stat();
      if (size < this.size) {
        this.failure = damaged(this.path, `the file is ${size} bytes long, shorter than the ${this.size} bytes acknowledged`);
        throw this.failure;
      }
      const header = Buffer.alloc(MAGIC.length);
      await readFully(file, header, 0);
      const last = Buffer.alloc(this.size - this.lastFrameStart);
      if (last.length > 0) await readFully(file, last, this.lastFrameStart);
      if (!header.equals(MAGIC) || scanFrames(last, 0).end !== last.length) {
        this.failure = damaged(this.path, `the last acknowledged record (at byte ${this.lastFrameStart}) no longer matches its checksum`);
        throw this.failure;
      }
      if (size > this.size) {
        await file.truncate(this.size);
      }
      await file.datasync();
    } catch (err) {
      await file.close().catch(() => undefined);
      throw err instanceof StorageError ? err : fileFailure(err, 'recovering', this.path);
    }
    this.file = file;
    this.needsRecovery = false;
  }

  private scheduleAck(): void {
    if (this.ackTimer !== null || this.closed) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = null;
      void this.recordAck();
    }, this.ackDelayMs);
    this.ackTimer.unref();
  }

  private serializeAck(fn: () => Promise<void>): Promise<void> {
    const run = this.ackChain.then(fn);
    this.ackChain = run.catch(() => undefined);
    return run;
  }

  /** Records the current acknowledged length in the sidecar now (a failure leaves the older, smaller one). */
  recordAck(): Promise<void> {
    return this.serializeAck(async () => {
      const length = this.size;
      if (length === this.ackRecorded || this.failure) return;
      try {
        await writeAck(this.fs, this.path, length);
        this.ackRecorded = length;
      } catch {
        // The older record is still a true lower bound; tried again after the next append.
      }
    });
  }

  /** Reads every record currently in the file; damage to acknowledged data is an error, never a prefix. */
  async readRecords(): Promise<Buffer[]> {
    if (this.failure) throw this.failure;
    let data: Buffer;
    try {
      data = await this.fs.readFile(this.path);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') throw damaged(this.path, 'the file disappeared while in use');
      throw fileFailure(err, 'reading', this.path);
    }
    if (data.length < this.size) throw damaged(this.path, `the file is ${data.length} bytes long, shorter than the ${this.size} bytes acknowledged`);
    const { records, end } = scanFrames(data.subarray(0, this.size), MAGIC.length);
    if (end !== this.size) throw damaged(this.path, `the record at byte ${end} fails its checksum, before the end of the ${this.size} bytes acknowledged`);
    return records;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ackTimer !== null) clearTimeout(this.ackTimer);
    this.ackTimer = null;
    // Leave nothing of a failed append behind if the file can be cut back now.
    if (this.needsRecovery && this.failure === null) await this.recover().catch(() => undefined);
    if (!this.needsRecovery) await this.recordAck();
    else await this.ackChain;
    await this.file?.close();
    this.file = null;
  }
}

async function openFile(fs: LogFs, path: string): Promise<LogFile> {
  try {
    return await fs.open(path, 'r+');
  } catch (err) {
    throw fileFailure(err, 'opening', path);
  }
}

async function readFully(file: LogFile, into: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await file.read(into, done, into.length - done, position + done);
    if (bytesRead <= 0) throw Object.assign(new Error(`unexpected end of file at byte ${position + done}`), { code: 'EIO' });
    done += bytesRead;
  }
}
