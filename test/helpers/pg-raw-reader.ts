// A PostgreSQL protocol client that reads only when told to: the socket is
// paused and resumed by the test, so the server meets a slow reader (its
// writes back up and it must stop producing). It parses messages just far
// enough to count rows and see errors, without keeping them.
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';

export class SlowPgReader {
  private pending: Buffer = Buffer.alloc(0);
  /** Messages seen by type ('d' CopyData, 'D' DataRow, 'C', 'E', 'Z', ...). */
  readonly counts = new Map<string, number>();
  /** Text of the last ErrorResponse: fields by code ('C' SQLSTATE, 'M' message). */
  lastError: Map<string, string> | undefined;
  processId = 0;
  secretKey = 0;
  bytesRead = 0;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.bytesRead += chunk.length;
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      this.parse();
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number): Promise<SlowPgReader> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const reader = new SlowPgReader(socket);
    const params = Buffer.from('user\0materialize\0database\0materialize\0\0');
    const startup = Buffer.alloc(8 + params.length);
    startup.writeInt32BE(startup.length, 0);
    startup.writeInt32BE(196608, 4);
    params.copy(startup, 8);
    socket.write(startup);
    await reader.until(() => reader.count('Z') >= 1, 10_000);
    return reader;
  }

  count(type: string): number {
    return this.counts.get(type) ?? 0;
  }

  query(sql: string): void {
    const body = Buffer.from(sql + '\0');
    const message = Buffer.alloc(5 + body.length);
    message.write('Q', 0);
    message.writeInt32BE(4 + body.length, 1);
    body.copy(message, 5);
    this.socket.write(message);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Waits until `done()` holds (checked as data arrives), or fails after `timeoutMs`. */
  async until(done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error('SlowPgReader: timed out');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private parse(): void {
    let at = 0;
    const buf = this.pending;
    while (buf.length - at >= 5) {
      const type = String.fromCharCode(buf[at]!);
      const length = buf.readInt32BE(at + 1);
      if (buf.length - at < 1 + length) break;
      const body = buf.subarray(at + 5, at + 1 + length);
      this.counts.set(type, (this.counts.get(type) ?? 0) + 1);
      if (type === 'K') {
        this.processId = body.readInt32BE(0);
        this.secretKey = body.readInt32BE(4);
      } else if (type === 'E') {
        const fields = new Map<string, string>();
        let p = 0;
        while (p < body.length && body[p] !== 0) {
          const code = String.fromCharCode(body[p]!);
          const end = body.indexOf(0, p + 1);
          fields.set(code, body.toString('utf8', p + 1, end));
          p = end + 1;
        }
        this.lastError = fields;
      }
      at += 1 + length;
    }
    this.pending = at === buf.length ? Buffer.alloc(0) : buf.subarray(at);
  }
}

/** Sends a CancelRequest for the session with this backend key, as a client's second connection does. */
export async function sendCancelRequest(port: number, processId: number, secretKey: number): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(80877102, 4);
  packet.writeInt32BE(processId, 8);
  packet.writeInt32BE(secretKey, 12);
  socket.end(packet);
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}
