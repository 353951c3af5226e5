// Frames the client's byte stream into protocol messages, with backpressure:
// the socket is paused while too much unread input is buffered.
import type { Socket } from 'node:net';
import { ProtocolViolation } from './errors.js';

export interface FrontendMessage {
  type: number;
  body: Buffer;
}

/** Unread input above which the socket is paused until the connection catches up. */
const PAUSE_ABOVE_BYTES = 1024 * 1024;

export class MessageReader {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly maxMessageBytes: number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered > PAUSE_ABOVE_BYTES) socket.pause();
      this.notify();
    });
    const finish = (): void => {
      this.ended = true;
      this.notify();
    };
    socket.on('end', finish);
    socket.on('close', finish);
  }

  /** True when a whole message is already buffered (so replies can wait to be flushed together). */
  hasBufferedMessage(): boolean {
    if (this.buffered < 5) return false;
    const length = this.peekInt32(1);
    return this.buffered >= 1 + length;
  }

  /**
   * Reads a startup-phase packet (no type byte): the body after the length
   * word, or null if the client closed the connection first.
   */
  async readStartupPacket(maxBytes: number): Promise<Buffer | null> {
    if (!(await this.fill(4))) return null;
    const length = this.peekInt32(0);
    if (length < 8 || length > maxBytes) throw new ProtocolViolation('invalid length of startup packet');
    if (!(await this.fill(length))) return null;
    return this.take(length).subarray(4);
  }

  /** Reads the next message, or null at the end of the stream. */
  async readMessage(): Promise<FrontendMessage | null> {
    if (!(await this.fill(5))) return null;
    const type = this.peekByte(0);
    const length = this.peekInt32(1);
    if (length < 4) throw new ProtocolViolation(`invalid message length ${length}`);
    if (length > this.maxMessageBytes) {
      throw new ProtocolViolation(`message of ${length} bytes exceeds the limit of ${this.maxMessageBytes} bytes`);
    }
    if (!(await this.fill(1 + length))) return null;
    const message = this.take(1 + length);
    return { type, body: message.subarray(5) };
  }

  /** Waits until `count` bytes are buffered; false if the stream ended first. */
  private async fill(count: number): Promise<boolean> {
    while (this.buffered < count) {
      if (this.ended) return false;
      // A message larger than the pause threshold still has to arrive whole.
      this.socket.resume();
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    return true;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private take(count: number): Buffer {
    let out: Buffer;
    const first = this.chunks[0];
    if (first.length >= count) {
      out = first.subarray(0, count);
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
    } else {
      out = Buffer.allocUnsafe(count);
      let copied = 0;
      while (copied < count) {
        const chunk = this.chunks[0];
        const n = Math.min(chunk.length, count - copied);
        chunk.copy(out, copied, 0, n);
        copied += n;
        if (n === chunk.length) this.chunks.shift();
        else this.chunks[0] = chunk.subarray(n);
      }
    }
    this.buffered -= count;
    if (this.buffered <= PAUSE_ABOVE_BYTES && this.socket.isPaused()) this.socket.resume();
    return out;
  }

  private peekByte(offset: number): number {
    let skip = offset;
    for (const chunk of this.chunks) {
      if (skip < chunk.length) return chunk[skip];
      skip -= chunk.length;
    }
    throw new Error('peek past buffered input');
  }

  private peekInt32(offset: number): number {
    return (
      ((this.peekByte(offset) << 24) |
        (this.peekByte(offset + 1) << 16) |
        (this.peekByte(offset + 2) << 8) |
        this.peekByte(offset + 3)) |
      0
    );
  }
}
