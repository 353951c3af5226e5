// Decodes the bodies of messages the client sends. Any malformation is a
// ProtocolViolation: the stream can no longer be trusted.
import { ProtocolViolation, invalidUtf8 } from './errors.js';
import type { FormatCode } from './protocol.js';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Sequential reader over one message body. */
export class BodyReader {
  private position = 0;

  constructor(private readonly body: Buffer) {}

  byte(): number {
    this.need(1);
    return this.body[this.position++];
  }

  int16(): number {
    this.need(2);
    const value = this.body.readInt16BE(this.position);
    this.position += 2;
    return value;
  }

  int32(): number {
    this.need(4);
    const value = this.body.readInt32BE(this.position);
    this.position += 4;
    return value;
  }

  bytes(count: number): Buffer {
    this.need(count);
    const value = this.body.subarray(this.position, this.position + count);
    this.position += count;
    return value;
  }

  /** A NUL-terminated UTF-8 string. */
  cstring(): string {
    const end = this.body.indexOf(0, this.position);
    if (end === -1) throw new ProtocolViolation('invalid string in message');
    const raw = this.body.subarray(this.position, end);
    this.position = end + 1;
    return decodeUtf8(raw);
  }

  /** Checks the whole body was consumed (PostgreSQL's pq_getmsgend). */
  end(): void {
    if (this.position !== this.body.length) throw new ProtocolViolation('invalid message format');
  }

  atEnd(): boolean {
    return this.position >= this.body.length;
  }

  private need(count: number): void {
    if (count < 0 || this.position + count > this.body.length) {
      throw new ProtocolViolation('insufficient data left in message');
    }
  }
}

export function decodeUtf8(raw: Uint8Array): string {
  try {
    return utf8Decoder.decode(raw);
  } catch {
    throw invalidUtf8();
  }
}

export interface ParseMessage {
  statementName: string;
  query: string;
  /** 0 = unspecified. */
  paramTypeOids: number[];
}

export interface BindMessage {
  portalName: string;
  statementName: string;
  paramFormats: FormatCode[];
  /** null = SQL NULL. */
  paramValues: (Buffer | null)[];
  resultFormats: FormatCode[];
}

export interface DescribeMessage {
  target: 'statement' | 'portal';
  name: string;
}

export interface ExecuteMessage {
  portalName: string;
  /** 0 = no limit. */
  maxRows: number;
}

export type CloseMessage = DescribeMessage;

export function decodeQuery(body: Buffer): string {
  const reader = new BodyReader(body);
  const query = reader.cstring();
  reader.end();
  return query;
}

export function decodeParse(body: Buffer): ParseMessage {
  const reader = new BodyReader(body);
  const statementName = reader.cstring();
  const query = reader.cstring();
  const count = reader.int16();
  if (count < 0) throw new ProtocolViolation('invalid parameter count in Parse message');
  const paramTypeOids: number[] = [];
  for (let i = 0; i < count; i++) paramTypeOids.push(reader.int32() >>> 0);
  reader.end();
  return { statementName, query, paramTypeOids };
}

export function decodeBind(body: Buffer): BindMessage {
  const reader = new BodyReader(body);
  const portalName = reader.cstring();
  const statementName = reader.cstring();
  const paramFormats = readFormatCodes(reader);
  const paramCount = reader.int16();
  if (paramCount < 0) throw new ProtocolViolation('invalid parameter count in Bind message');
  const paramValues: (Buffer | null)[] = [];
  for (let i = 0; i < paramCount; i++) {
    const length = reader.int32();
    if (length < -1) throw new ProtocolViolation(`invalid length ${length} of Bind parameter`);
    paramValues.push(length === -1 ? null : reader.bytes(length));
  }
  const resultFormats = readFormatCodes(reader);
  reader.end();
  return { portalName, statementName, paramFormats, paramValues, resultFormats };
}

export function decodeDescribe(body: Buffer): DescribeMessage {
  const reader = new BodyReader(body);
  const kind = reader.byte();
  const name = reader.cstring();
  reader.end();
  if (kind === 0x53) return { target: 'statement', name };
  if (kind === 0x50) return { target: 'portal', name };
  throw new ProtocolViolation(`invalid DESCRIBE/CLOSE message subtype ${kind}`);
}

export const decodeClose = decodeDescribe;

export function decodeExecute(body: Buffer): ExecuteMessage {
  const reader = new BodyReader(body);
  const portalName = reader.cstring();
  const maxRows = reader.int32();
  reader.end();
  return { portalName, maxRows: maxRows > 0 ? maxRows : 0 };
}

/** CopyFail's message and PasswordMessage's password: one string. */
export const decodeSingleString = decodeQuery;

function readFormatCodes(reader: BodyReader): FormatCode[] {
  const count = reader.int16();
  if (count < 0) throw new ProtocolViolation('invalid format code count');
  const codes: FormatCode[] = [];
  for (let i = 0; i < count; i++) {
    const code = reader.int16();
    if (code !== 0 && code !== 1) throw new ProtocolViolation(`unsupported format code: ${code}`);
    codes.push(code);
  }
  return codes;
}
