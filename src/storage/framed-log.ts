// An append-only file of framed records: [u32 length][u32 CRC32][payload].
//
// A crash can leave a torn or corrupt tail (a partial last write); opening the
// file keeps every record up to the first bad frame and truncates the rest, so
// a record is either entirely there or absent. Appends go through one write
// call and one fdatasync for any number of records (group commit).
import { open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';

const MAGIC = Buffer.from('FRSHLOG1', 'latin1');
const FRAME_HEADER = 8;
/** Upper bound on one record, so a corrupt length cannot make us allocate gigabytes. */
const MAX_RECORD = 1 << 30;

export interface OpenedLog {
  log: FramedLog;
  /** Payloads of every intact record, in order (views into one buffer). */
  records: Buffer[];
  /** Bytes cut off the end because they were torn or corrupt. */
  truncatedBytes: number;
}

/** Splits `data` (a whole log file after the magic) into intact payloads; returns where the intact part ends. */
export function scanFrames(data: Buffer, start: number): { records: Buffer[]; end: number } {
  const records: Buffer[] = [];
  let pos = start;
  while (pos + FRAME_HEADER <= data.length) {
    const len = data.readUInt32LE(pos);
    const expected = data.readUInt32LE(pos + 4);
    if (len > MAX_RECORD || pos + FRAME_HEADER + len > data.length) break;
    const payload = data.subarray(pos + FRAME_HEADER, pos + FRAME_HEADER + len);
    if (crc32(payload) !== expected) break;
    records.push(payload);
    pos += FRAME_HEADER + len;
  }
  return { records, end: pos };
}

/** The intact records of a whole log file's contents. */
export function scanFramesFromStart(data: Buffer): Buffer[] {
  if (data.length < MAGIC.length || !data.subarray(0, MAGIC.length).equals(MAGIC)) return [];
  return scanFrames(data, MAGIC.length).records;
}

/** Frames payloads into one buffer, ready for a single write. */
export function frame(payloads: readonly Buffer[]): Buffer {
  let total = 0;
  for (const p of payloads) total += FRAME_HEADER + p.length;
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  for (const p of payloads) {
    out.writeUInt32LE(p.length, pos);
    out.writeUInt32LE(crc32(p), pos + 4);
    p.copy(out, pos + FRAME_HEADER);
    pos += FRAME_HEADER + p.length;
  }
  return out;
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class FramedLog {
  private constructor(
    readonly path: string,
    private handle: FileHandle,
    private size: number,
  ) {}

  /** Opens or creates the log at `path`, truncating a torn tail. */
  static async open(path: string): Promise<OpenedLog> {
    const handle = await open(path, 'a+');
    try {
      const data = await handle.readFile();
      if (data.length < MAGIC.length || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
        if (data.length >= MAGIC.length) throw new Error(`${path} is not a Freshet shard log`);
        // New file, or a crash before the header reached the disk.
        await handle.truncate(0);
        await handle.write(MAGIC);
        await handle.datasync();
        await fsyncDir(dirname(path));
        return { log: new FramedLog(path, handle, MAGIC.length), records: [], truncatedBytes: data.length };
      }
      const { records, end } = scanFrames(data, MAGIC.length);
      if (end < data.length) {
        await handle.truncate(end);
        await handle.datasync();
      }
      return { log: new FramedLog(path, handle, end), records, truncatedBytes: data.length - end };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Writes a complete log file (e.g. compacted contents) and fsyncs it. */
  static async writeLogFile(path: string, payloads: readonly Buffer[]): Promise<void> {
    const handle = await open(path, 'w');
    try {
      await handle.write(MAGIC);
      // Chunked so one huge compaction does not need one huge buffer.
      for (let i = 0; i < payloads.length; i += 256) await handle.write(frame(payloads.slice(i, i + 256)));
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /**
   * Replaces this log with `replacement` (a complete log file holding the
   * equivalent of this log's bytes before `upTo`): copies the records written
   * since `upTo` onto it, fsyncs, atomically renames it over this log, and
   * continues appending to it.
   */
  async replaceWith(replacement: string, upTo: number): Promise<void> {
    const tail = Buffer.alloc(this.size - upTo);
    if (tail.length > 0) await this.handle.read(tail, 0, tail.length, upTo);
    const out = await open(replacement, 'a');
    try {
      if (tail.length > 0) await out.write(tail);
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(replacement, this.path);
    await fsyncDir(dirname(this.path));
    await this.handle.close();
    this.handle = await open(this.path, 'a+');
    this.size = (await this.handle.stat()).size;
  }

  /** Deletes a compaction output a crash left behind. */
  static async removeLeftovers(path: string): Promise<void> {
    await unlink(`${path}.compact`).catch(() => undefined);
  }

  get bytes(): number {
    return this.size;
  }

  /** Appends records durably: gathered writes (no concatenation copy), one fdatasync. */
  async append(payloads: readonly Buffer[]): Promise<void> {
    const pieces: Buffer[] = [];
    let bytes = 0;
    for (const p of payloads) {
      const header = Buffer.allocUnsafe(FRAME_HEADER);
      header.writeUInt32LE(p.length, 0);
      header.writeUInt32LE(crc32(p), 4);
      pieces.push(header, p);
      bytes += FRAME_HEADER + p.length;
    }
    // Bounded gathers: the kernel takes at most IOV_MAX (1024) pieces per call.
    for (let i = 0; i < pieces.length; i += 512) await this.writeAll(pieces.slice(i, i + 512));
    await this.handle.datasync();
    this.size += bytes;
  }

  private async writeAll(pieces: Buffer[]): Promise<void> {
    let rest = pieces;
    while (rest.length > 0) {
      let { bytesWritten } = await this.handle.writev(rest);
      // Short write: continue after what was written.
      let i = 0;
      while (i < rest.length && bytesWritten >= rest[i]!.length) bytesWritten -= rest[i++]!.length;
      rest = rest.slice(i);
      if (rest.length > 0 && bytesWritten > 0) rest[0] = rest[0]!.subarray(bytesWritten);
    }
  }

  /** Reads every record currently in the file. */
  async readRecords(): Promise<Buffer[]> {
    // By path: the handle's file position sits at the end after appends.
    const data = await readFile(this.path);
    return scanFrames(data, MAGIC.length).records;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
