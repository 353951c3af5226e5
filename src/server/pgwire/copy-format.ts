// COPY TO STDOUT row encodings: PostgreSQL's text format (tab-separated,
// backslash escapes, \N for NULL), CSV and binary. Each row goes out as one
// CopyData message, as PostgreSQL sends it (clients of SUBSCRIBE rely on it).
import type { Row } from '../../repr/types.js';
import type { TextOptions } from '../../repr/text.js';
import { formatText } from '../../repr/text.js';
import type { ResultColumn } from '../../adapter/api.js';
import type { MessageWriter } from './message-writer.js';
import { Backend } from './protocol.js';
import { binaryValue } from './values.js';

export type CopyFormat = 'text' | 'csv' | 'binary';

const TAB = 0x09;
const NEWLINE = 0x0a;
const COMMA = 0x2c;

const TEXT_NEEDS_ESCAPE = /[\\\n\r\t\b\f\v]/;
const TEXT_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
  '\v': '\\v',
};
const TEXT_ESCAPE_ALL = /[\\\n\r\t\b\f\v]/g;

/** Escapes a value for COPY's text format. */
export function escapeCopyText(value: string): string {
  if (!TEXT_NEEDS_ESCAPE.test(value)) return value;
  return value.replace(TEXT_ESCAPE_ALL, (ch) => TEXT_ESCAPES[ch]);
}

const CSV_NEEDS_QUOTES = /[",\r\n]/;

/** Quotes a value for CSV when needed; an empty string is quoted so it differs from NULL. */
export function quoteCsv(value: string): string {
  if (value !== '' && value !== '\\.' && !CSV_NEEDS_QUOTES.test(value)) return value;
  return `"${value.replaceAll('"', '""')}"`;
}

/** 11-byte signature, int32 flags, int32 header extension length. */
const BINARY_HEADER = Buffer.from([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
]);
const BINARY_TRAILER = Buffer.from([0xff, 0xff]);

/** Writes what precedes the first row (binary format's header), if anything. */
export function writeCopyPrologue(writer: MessageWriter, format: CopyFormat): void {
  if (format === 'binary') writer.begin(Backend.copyData).bytes(BINARY_HEADER).end();
}

/** Writes what follows the last row (binary format's trailer), if anything. */
export function writeCopyEpilogue(writer: MessageWriter, format: CopyFormat): void {
  if (format === 'binary') writer.begin(Backend.copyData).bytes(BINARY_TRAILER).end();
}

/** Writes one row as one CopyData message. */
export function writeCopyRow(
  writer: MessageWriter,
  row: Row,
  columns: readonly ResultColumn[],
  format: CopyFormat,
  textOptions: TextOptions,
): void {
  writer.begin(Backend.copyData);
  try {
    if (format === 'binary') writeBinaryRow(writer, row, columns);
    else writeDelimitedRow(writer, row, columns, format === 'csv', textOptions);
  } catch (err) {
    writer.abandonMessage();
    throw err;
  }
  writer.end();
}

function writeDelimitedRow(
  writer: MessageWriter,
  row: Row,
  columns: readonly ResultColumn[],
  csv: boolean,
  textOptions: TextOptions,
): void {
  for (let i = 0; i < columns.length; i++) {
    if (i > 0) writer.byte(csv ? COMMA : TAB);
    const value = row[i];
    if (value === null || value === undefined) {
      if (!csv) writer.utf8('\\N');
      continue;
    }
    const text = formatText(value, columns[i].type, textOptions);
    writer.utf8(csv ? quoteCsv(text) : escapeCopyText(text));
  }
  writer.byte(NEWLINE);
}

function writeBinaryRow(writer: MessageWriter, row: Row, columns: readonly ResultColumn[]): void {
  writer.int16(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const value = row[i];
    if (value === null || value === undefined) writer.int32(-1);
    else writer.lengthPrefixedBytes(binaryValue(value, columns[i].type));
  }
}
