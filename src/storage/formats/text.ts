// TEXT and BYTES formats: the whole payload as one text / bytea column.
import { isUtf8 } from 'node:buffer';
import type { Row } from '../../repr/types.js';
import type { Decoder, DecodeOutcome, FormatDesc, FormatImpl } from './format.js';
import { SHORT_ASCII_MAX, shortAscii } from '../short-ascii.js';

/**
 * Decodes UTF-8 bytes to a string; null if invalid. Decoding replaces invalid
 * sequences with U+FFFD, so only a result containing U+FFFD needs the
 * validation pass (measured: cheaper than validating every payload first).
 * Short ASCII payloads (typical keys) skip the native call.
 */
export function decodeUtf8(bytes: Buffer): string | null {
  if (bytes.length <= SHORT_ASCII_MAX) {
    const ascii = shortAscii(bytes, 0, bytes.length);
    if (ascii !== null) return ascii;
  }
  const text = bytes.toString('utf8');
  if (text.includes('\ufffd') && !isUtf8(bytes)) return null;
  return text;
}

const textDecoder: Decoder = {
  decode(bytes: Buffer, row: Row, at: number): DecodeOutcome {
    const text = decodeUtf8(bytes);
    if (text === null) return 'Text: Failed to decode UTF-8: invalid utf-8 sequence';
    row[at] = text;
    return undefined;
  },
};

const bytesDecoder: Decoder = {
  decode(bytes: Buffer, row: Row, at: number): DecodeOutcome {
    // A view, not a copy: the client allocates each message's buffer on its own.
    row[at] = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return undefined;
  },
};

/** FORMAT TEXT: the payload as one text column (Materialize: `text`). */
export const textFormat: FormatImpl = {
  kind: 'text',
  plan: (): FormatDesc => ({ kind: 'text' }),
  columns: () => [{ name: 'text', type: { kind: 'text' }, nullable: false }],
  newDecoder: () => textDecoder,
};

/** FORMAT BYTES: the payload as one bytea column (Materialize: `data`). */
export const bytesFormat: FormatImpl = {
  kind: 'bytes',
  plan: (): FormatDesc => ({ kind: 'bytes' }),
  columns: () => [{ name: 'data', type: { kind: 'bytea' }, nullable: false }],
  newDecoder: () => bytesDecoder,
};
