// Crash-safe file replacement: write a temporary file, fsync it, rename it
// over the target, fsync the directory. A reader sees either the old or the
// new contents, never a torn mix.
import { mkdirSync, openSync, writeSync, fsyncSync, closeSync, renameSync, readFileSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';

export function writeFileAtomic(path: string, contents: string, mode = 0o644): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = openSync(tmp, 'w', mode);
    try {
      const bytes = Buffer.from(contents, 'utf8');
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    // A failed write (disk full) must not leave a half-written temporary behind, taking space.
    try {
      unlinkSync(tmp);
    } catch {
      // Never created, or already renamed.
    }
    throw err;
  }
  syncDirectory(dir);
}

function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A JSON document with a checksum, so a corrupted file is detected instead of half-read. */
interface ChecksummedDocument {
  checksum: string;
  body: string;
}

function checksumOf(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

export function writeChecksummedJson(path: string, value: unknown, mode?: number): void {
  const body = JSON.stringify(value);
  const doc: ChecksummedDocument = { checksum: checksumOf(body), body };
  writeFileAtomic(path, JSON.stringify(doc), mode);
}

/**
 * Reads a document written by writeChecksummedJson; undefined when the file
 * does not exist. A damaged file is an error naming it (`what`: "catalog",
 * "secrets") and saying what is wrong, so the server refuses to start with
 * a message an operator can act on.
 */
export function readChecksummedJson(path: string, what = 'data'): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOENT') return undefined;
    throw new Error(`cannot read the ${what} file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const broken = (why: string): Error =>
    new Error(`the ${what} file ${path} is damaged: ${why}; restore it from a backup of the data directory (see docs/operations.md)`);
  if (text.length === 0) throw broken('it is empty (truncated to zero bytes)');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw broken(`it is not a complete checksummed document (${text.length} bytes; truncated or overwritten)`);
  }
  if (typeof doc !== 'object' || doc === null || !('body' in doc) || !('checksum' in doc) || typeof doc.body !== 'string' || typeof doc.checksum !== 'string') {
    throw broken('it is not a checksummed document');
  }
  if (doc.checksum !== checksumOf(doc.body)) throw broken('checksum mismatch (its contents changed after they were written)');
  try {
    return JSON.parse(doc.body) as unknown;
  } catch {
    throw broken('its checksum matches but its contents are not JSON');
  }
}
