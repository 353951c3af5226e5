// The connection's outgoing side: messages accumulate in a MessageWriter and
// go to the socket in batches; when the socket's buffer is full, flush()
// waits for 'drain' so a huge result never piles up in memory.
import type { Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { MessageWriter } from './message-writer.js';

/** Buffered output above which producers flush (and so feel backpressure). */
const FLUSH_ABOVE_BYTES = 64 * 1024;

export class Output {
  readonly writer = new MessageWriter();

  constructor(private socket: Socket) {}

  /** Writes to `socket` from now on (the TLS socket after an SSLRequest). */
  switchTo(socket: Socket): void {
    this.socket = socket;
  }

  /** Sends everything buffered; waits while the socket cannot take more. */
  async flush(): Promise<void> {
    if (this.writer.length === 0) return;
    const data = this.writer.take();
    if (this.socket.destroyed || !this.socket.writable) return;
    if (this.socket.write(data)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  /** Flushes only once enough output has accumulated (per-row callers). */
  async flushIfFull(): Promise<void> {
    if (this.writer.length >= FLUSH_ABOVE_BYTES) await this.flushAndYield();
  }

  /**
   * Flushes, then lets the event loop run: a socket that always accepts and a
   * producer that is always ready would otherwise starve every other connection.
   */
  async flushAndYield(): Promise<void> {
    await this.flush();
    await nextTurn();
  }
}
