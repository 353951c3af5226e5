// A LogFs (storage/framed-log.ts) that fails chosen operations, for
// fault-injection tests of durable storage: every file operation is counted
// in order; a failure can be armed for the n-th operation from now, or for
// every operation of some kinds until cleared (a full disk, a dying device).
// A failing write first writes part of its bytes for real, as a short write
// on a full disk does, so torn bytes are really on disk.
import { nodeLogFs, type LogFile, type LogFs } from '../../src/storage/framed-log.js';

export type FsOp = 'open' | 'readFile' | 'rename' | 'unlink' | 'syncDir' | 'mkdir' | 'readdir' | 'read' | 'writev' | 'datasync' | 'sync' | 'truncate' | 'stat' | 'close';

const MESSAGES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EIO: 'i/o error',
  EDQUOT: 'disk quota exceeded',
};

export function errnoError(code: string, op: string): Error {
  return Object.assign(new Error(`${code}: ${MESSAGES[code] ?? 'injected failure'}, ${op}`), { code });
}

export class FaultyFs implements LogFs {
  /** Operations performed so far (all of them, failed ones included). */
  count = 0;
  readonly trace: string[] = [];
  private oneShot: { at: number; code: string } | null = null;
  private persistent: { ops: ReadonlySet<FsOp>; code: string } | null = null;

  constructor(private readonly base: LogFs = nodeLogFs) {}

  /** Fails the operation `n` operations from now (1: the next one) with `code`. */
  failNth(n: number, code: string): void {
    this.oneShot = { at: this.count + n, code };
  }

  /** Fails every operation of these kinds with `code` until clear(). */
  failAll(ops: readonly FsOp[], code: string): void {
    this.persistent = { ops: new Set(ops), code };
  }

  clear(): void {
    this.oneShot = null;
    this.persistent = null;
  }

  /** Counts the operation; the error to fail it with, if it must fail. */
  private check(op: FsOp, path: string): Error | null {
    this.count++;
    this.trace.push(`${op} ${path}`);
    if (this.oneShot && this.oneShot.at === this.count) {
      const { code } = this.oneShot;
      this.oneShot = null;
      return errnoError(code, op);
    }
    if (this.persistent?.ops.has(op)) return errnoError(this.persistent.code, op);
    return null;
  }

  private async run<T>(op: FsOp, path: string, fn: () => Promise<T>): Promise<T> {
    const err = this.check(op, path);
    if (err) throw err;
    return fn();
  }

  async open(path: string, flags: 'r' | 'r+' | 'w' | 'wx'): Promise<LogFile> {
    const file = await this.run('open', path, () => this.base.open(path, flags));
    return this.wrap(file, path);
  }

  readFile(path: string): Promise<Buffer> {
    return this.run('readFile', path, () => this.base.readFile(path));
  }

  rename(from: string, to: string): Promise<void> {
    return this.run('rename', to, () => this.base.rename(from, to));
  }

  unlink(path: string): Promise<void> {
    return this.run('unlink', path, () => this.base.unlink(path));
  }

  syncDir(dir: string): Promise<void> {
    return this.run('syncDir', dir, () => this.base.syncDir(dir));
  }

  mkdir(dir: string): Promise<void> {
    return this.run('mkdir', dir, () => this.base.mkdir(dir));
  }

  readdir(dir: string): Promise<string[]> {
    return this.run('readdir', dir, () => this.base.readdir(dir));
  }

  private wrap(file: LogFile, path: string): LogFile {
    return {
      read: (buffer, offset, length, position) => this.run('read', path, () => file.read(buffer, offset, length, position)),
      writev: async (buffers, position) => {
        const err = this.check('writev', path);
        if (err) {
          // A short write before the failure: half of the first piece reaches the file.
          const first = buffers[0];
          if (first && first.length > 1) await file.writev([first.subarray(0, first.length >> 1)], position);
          throw err;
        }
        return file.writev(buffers, position);
      },
      datasync: () => this.run('datasync', path, () => file.datasync()),
      sync: () => this.run('sync', path, () => file.sync()),
      truncate: (length) => this.run('truncate', path, () => file.truncate(length)),
      stat: () => this.run('stat', path, () => file.stat()),
      // A close always releases the descriptor (as close(2) does even when it reports an error).
      close: async () => {
        const err = this.check('close', path);
        await file.close();
        if (err) throw err;
      },
    };
  }
}
