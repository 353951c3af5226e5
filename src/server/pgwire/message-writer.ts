// Builds outgoing protocol messages into one growable buffer, so that a whole
// batch of responses (or thousands of DataRows) goes to the socket in one write.

const INITIAL_CAPACITY = 16 * 1024;

export class MessageWriter {
  private buffer: Buffer = Buffer.allocUnsafe(INITIAL_CAPACITY);
  private used = 0;
  /** Where the length word of the message being built sits. */
  private messageStart = -1;

  /** Bytes buffered and not yet taken. */
  get length(): number {
    return this.used;
  }

  /** Starts a message of `type`; its length is filled in by end(). */
  begin(type: number): this {
    this.reserve(5);
    this.buffer[this.used++] = type;
    this.messageStart = this.used;
    this.used += 4;
    return this;
  }

  end(): void {
    this.buffer.writeInt32BE(this.used - this.messageStart, this.messageStart);
    this.messageStart = -1;
  }

  /** A message with no body. */
  empty(type: number): void {
    this.begin(type).end();
  }

  byte(value: number): this {
    this.reserve(1);
    this.buffer[this.used++] = value;
    return this;
  }

  int16(value: number): this {
    this.reserve(2);
    this.buffer.writeInt16BE(value, this.used);
    this.used += 2;
    return this;
  }

  int32(value: number): this {
    this.reserve(4);
    // `| 0` lets unsigned 32-bit values (secret keys, OIDs) through as their bit pattern.
    this.buffer.writeInt32BE(value | 0, this.used);
    this.used += 4;
    return this;
  }

  bytes(value: Uint8Array): this {
    this.reserve(value.length);
    this.buffer.set(value, this.used);
    this.used += value.length;
    return this;
  }

  /** UTF-8 text without terminator or length. */
  utf8(value: string): this {
    // At most 3 bytes per UTF-16 unit: reserving that avoids measuring the string first.
    this.reserve(value.length * 3);
    this.used += this.buffer.write(value, this.used, 'utf8');
    return this;
  }

  /** NUL-terminated UTF-8 string. */
  cstring(value: string): this {
    // An embedded NUL would end the string early and desynchronize the client.
    this.utf8(value.includes('\0') ? value.replaceAll('\0', '') : value);
    return this.byte(0);
  }

  /** A DataRow/CopyData field: int32 byte length then the UTF-8 text. */
  lengthPrefixedUtf8(value: string): this {
    this.reserve(4);
    const lengthAt = this.used;
    this.used += 4;
    this.utf8(value);
    this.buffer.writeInt32BE(this.used - lengthAt - 4, lengthAt);
    return this;
  }

  /** A DataRow/CopyData field: int32 byte length then the bytes. */
  lengthPrefixedBytes(value: Uint8Array): this {
    return this.int32(value.length).bytes(value);
  }

  /** Hands over everything complete so far; the writer starts afresh. */
  take(): Buffer {
    if (this.messageStart !== -1) throw new Error('MessageWriter.take() inside an unfinished message');
    const out = this.buffer.subarray(0, this.used);
    // The socket keeps `out` until it is written, so the writer cannot reuse it.
    this.buffer = Buffer.allocUnsafe(INITIAL_CAPACITY);
    this.used = 0;
    return out;
  }

  /** Drops a half-built message (its encoding failed part way). */
  abandonMessage(): void {
    if (this.messageStart === -1) return;
    this.used = this.messageStart - 1;
    this.messageStart = -1;
  }

  private reserve(extra: number): void {
    const needed = this.used + extra;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.used);
    this.buffer = grown;
  }
}
