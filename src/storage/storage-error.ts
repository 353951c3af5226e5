// Failures of durable storage, classified so that the coordinator can answer
// with the right SQLSTATE and a message that says what happened and to what:
//   disk-full  the file system has no room (ENOSPC, EDQUOT): 53100, retryable;
//   io         any other failed read, write or fsync (EIO, ...): 58030;
//   corrupt    a file's contents are damaged or shorter than what was
//              acknowledged (checksum mismatch, truncation, deletion): XX001.
import { SqlError } from '../repr/errors.js';

export type StorageFailureKind = 'disk-full' | 'io' | 'corrupt';

/** SQLSTATEs of storage failures (PostgreSQL's codes). */
export const StorageSqlState = {
  diskFull: '53100',
  ioError: '58030',
  dataCorrupted: 'XX001',
} as const;

export class StorageError extends Error {
  constructor(
    readonly kind: StorageFailureKind,
    message: string,
    /** The file concerned. */
    readonly path: string,
    /** The errno code of the underlying failure (ENOSPC, EIO, ...), if any. */
    readonly errno?: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

/** The errno code of a Node.js system error (ENOSPC, EIO, ENOENT, ...). */
export function errnoOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/** True for the errno codes that mean "no space left": the operation can succeed later. */
export function isDiskFull(err: unknown): boolean {
  if (err instanceof StorageError) return err.kind === 'disk-full';
  const code = errnoOf(err);
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** Wraps a failed file operation (`what`: "writing", "fsync of", ...) as a StorageError. */
export function fileFailure(err: unknown, what: string, path: string): StorageError {
  if (err instanceof StorageError) return err;
  const errno = errnoOf(err);
  const reason = err instanceof Error ? err.message : String(err);
  const failed = path === '' ? reason : `${what} ${path} failed: ${reason}`;
  if (isDiskFull(err)) return new StorageError('disk-full', `disk full: ${failed}`, path, errno);
  return new StorageError('io', `I/O error: ${failed}`, path, errno);
}

/**
 * The SqlError a client sees when storing `object` (e.g. `table "t"`, `the
 * catalog`) failed. Errors that are not storage failures are returned as is
 * (they are not ours to classify).
 */
export function storageSqlError(err: unknown, object: string): unknown {
  if (err instanceof SqlError) return err;
  const failure = err instanceof StorageError ? err : errnoOf(err) !== undefined ? fileFailure(err, 'accessing', '') : undefined;
  if (failure === undefined) return err;
  switch (failure.kind) {
    case 'disk-full':
      return new SqlError(StorageSqlState.diskFull, `could not store ${object}: ${failure.message}`, {
        hint: 'Free space on the file system of the data directory; writes and sources resume by themselves once there is room. Nothing acknowledged was lost.',
      });
    case 'io':
      return new SqlError(StorageSqlState.ioError, `could not store ${object}: ${failure.message}`);
    case 'corrupt':
      return new SqlError(StorageSqlState.dataCorrupted, `${object} is damaged: ${failure.message}`);
  }
}
