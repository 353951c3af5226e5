// Crash-safe file replacement: write a temporary file, fsync it, rename it
// over the target, fsync the directory. A reader sees either the old or the
// new contents, never a torn mix.
import { mkdirSync, openSync, writeSync, fsyncSync, closeSync, renameSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';

export function writeFileAtomic(path: string, contents: string, mode = 0o644): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, contents);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
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

/** Reads a document written by writeChecksummedJson; undefined when the file does not exist. */
export function readChecksummedJson(path: string): unknown {
  if (!existsSync(path)) return undefined;
  const doc = JSON.parse(readFileSync(path, 'utf8')) as ChecksummedDocument;
  if (typeof doc.body !== 'string' || doc.checksum !== checksumOf(doc.body)) {
    throw new Error(`${path} is corrupted (checksum mismatch)`);
  }
  return JSON.parse(doc.body) as unknown;
}
