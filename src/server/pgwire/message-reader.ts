// Frames the client's byte stream into protocol messages, with backpressure:
// the socket is paused while too much unread input is buffered. Memory held
// for input is bounded: a message's declared length is checked against the
// limit before any of its body is read (larger: 08P01, nothing buffered), and
// a large message's body is read into one buffer of its exact size only once
// the server-wide input budget grants that much (InputBudget); meanwhile its
// socket stays paused, so unfinished messages cannot add up without bound.
// Everything is released when the message is handed over or the connection
// ends.
import type { Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ProtocolViolation } from './errors.js';

export interface FrontendMessage {
  type: number;
  body: Buffer;
}

/** Unread input above which the socket is paused until the connection catches up. */
const PAUSE_ABOVE_BYTES = 1024 * 1024;
/** Messages above this size are read against the server-wide input budget. */
const LARGE_MESSAGE_BYTES = 256 * 1024;

/**
 * Bytes of large messages being received, across all connections. A
 * connection that would go over waits (its socket paused) until others
 * finish or leave; a single message is always admitted when nothing else
 * is held, so the limit can never deadlock one client.
 */
export class InputBudget {
  private held = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly limitBytes: number) {}

  get heldBytes(): number {
    return this.held;
  }

  tryReserve(bytes: number): boolean {
    if (this.held > 0 && this.held + bytes > this.limitBytes) return false;
    this.held += bytes;
    return true;
  }

  release(bytes: number): void {
    this.held -= bytes;
    const waiters = this.waiters.splice(0);
    for (const wake of waiters) wake();
  }

  /** Resolves when some budget was released (the caller tries again). */
  waitForRelease(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Wakes every waiter (a waiting connection closed and must notice). */
  wakeAll(): void {
    const waiters = this.waiters.splice(0);
    for (const wake of waiters) wake();
  }
}

/**
 * A full garbage collection, when the runtime allows one to be asked for.
 * An abandoned large message leaves its buffer (tens of MiB, outside V8's
 * heap) to the collector, which an idle server may not run for a long time;
 * asking once, shortly after, returns that memory to the system.
 */
const collectGarbage: (() => void) | undefined = (() => {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
})();

let collectTimer: NodeJS.Timeout | undefined;

function collectSoon(): void {
  if (collectGarbage === undefined || collectTimer !== undefined) return;
  collectTimer = setTimeout(() => {
    collectTimer = undefined;
    collectGarbage();
  }, 500);
  collectTimer.unref();
}

export class MessageReader {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private wake: (() => void) | null = null;
  private socket: Socket;
  private readonly onData = (chunk: Buffer): void => {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered > PAUSE_ABOVE_BYTES) this.socket.pause();
    this.notify();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
    this.budget.wakeAll();
  };

  constructor(
    socket: Socket,
    private maxMessageBytes: number,
    private readonly budget: InputBudget = new InputBudget(Number.MAX_SAFE_INTEGER),
  ) {
    this.socket = socket;
    this.attach(socket);
  }

  private attach(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
  }

  /** The largest message accepted from now on (small during authentication, larger after). */
  setMaxMessageBytes(bytes: number): void {
    this.maxMessageBytes = bytes;
  }

  /** Bytes received and not yet consumed. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Stops reading `from` and reads `to` instead (the TLS socket wrapping it).
   * Nothing may be buffered: bytes that came before the TLS handshake would
   * otherwise be taken as if they had been encrypted.
   */
  switchTo(to: Socket): void {
    if (this.buffered > 0) throw new ProtocolViolation('received unencrypted data after SSL request');
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket = to;
    this.attach(to);
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
    if (1 + length > LARGE_MESSAGE_BYTES && this.buffered < 1 + length) {
      const body = await this.readLarge(length - 4);
      return body === null ? null : { type, body };
    }
    if (!(await this.fill(1 + length))) return null;
    const message = this.take(1 + length);
    return { type, body: message.subarray(5) };
  }

  /** Reads a large body (after its 5-byte header) into one buffer, within the input budget. */
  private async readLarge(bodyBytes: number): Promise<Buffer | null> {
    while (!this.budget.tryReserve(bodyBytes)) {
      if (this.ended) return null;
      // Over budget: read nothing more from this client until others finish.
      this.socket.pause();
      await this.budget.waitForRelease();
    }
    let complete = false;
    try {
      this.take(5);
      const body = Buffer.allocUnsafeSlow(bodyBytes);
      let filled = 0;
      for (;;) {
        while (filled < bodyBytes && this.chunks.length > 0) {
          const chunk = this.chunks[0]!;
          const n = Math.min(chunk.length, bodyBytes - filled);
          chunk.copy(body, filled, 0, n);
          filled += n;
          this.buffered -= n;
          if (n === chunk.length) this.chunks.shift();
          else this.chunks[0] = chunk.subarray(n);
        }
        if (filled === bodyBytes) break;
        if (this.ended) return null;
        this.socket.resume();
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
      if (this.buffered <= PAUSE_ABOVE_BYTES && this.socket.isPaused()) this.socket.resume();
      complete = true;
      return body;
    } finally {
      this.budget.release(bodyBytes);
      if (!complete) collectSoon();
    }
  }

  /** Drops everything buffered (the connection is closing). */
  discard(): void {
    this.chunks.length = 0;
    this.buffered = 0;
    this.ended = true;
    this.notify();
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
    const first = this.chunks[0]!;
    if (first.length >= count) {
      out = first.subarray(0, count);
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
    } else {
      out = Buffer.allocUnsafe(count);
      let copied = 0;
      while (copied < count) {
        const chunk = this.chunks[0]!;
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
      if (skip < chunk.length) return chunk[skip]!;
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
