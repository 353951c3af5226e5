// Datums <-> wire bytes, through repr's text and binary codecs.
import type { Datum, Row, SqlType } from '../../repr/types.js';
import { SqlError, SqlState } from '../../repr/errors.js';
import { formatText, parseText, type TextOptions } from '../../repr/text.js';
import { encodeBinary, decodeBinary } from '../../repr/binary.js';
import { typeName } from '../../repr/pgtypes.js';
import type { ResultColumn } from '../../adapter/api.js';
import type { MessageWriter } from './message-writer.js';
import { Backend, BINARY_FORMAT, type FormatCode } from './protocol.js';
import { decodeUtf8 } from './frontend.js';

/** Binary encoding of a non-null datum; SqlError if the type has no binary form. */
export function binaryValue(value: Datum, type: SqlType): Uint8Array {
  const bytes = encodeBinary(value, type);
  if (bytes === undefined) {
    throw new SqlError(SqlState.featureNotSupported, `no binary output function available for type ${typeName(type)}`);
  }
  return bytes;
}

/**
 * Writes one DataRow. `formats` holds one code per column (already expanded
 * from Bind's 0/1/n codes); null means all text.
 */
export function writeDataRow(
  writer: MessageWriter,
  row: Row,
  columns: readonly ResultColumn[],
  formats: readonly FormatCode[] | null,
  textOptions: TextOptions,
): void {
  writer.begin(Backend.dataRow).int16(columns.length);
  try {
    for (let i = 0; i < columns.length; i++) {
      const value = row[i];
      if (value === null || value === undefined) writer.int32(-1);
      else if (formats !== null && formats[i] === BINARY_FORMAT) writer.lengthPrefixedBytes(binaryValue(value, columns[i].type));
      else writer.lengthPrefixedUtf8(formatText(value, columns[i].type, textOptions));
    }
  } catch (err) {
    writer.abandonMessage();
    throw err;
  }
  writer.end();
}

/** Decodes a Bind parameter of the described type. */
export function decodeParameter(raw: Buffer | null, format: FormatCode, type: SqlType, textOptions: TextOptions): Datum {
  if (raw === null) return null;
  if (format === BINARY_FORMAT) return decodeBinary(raw, type);
  return parseText(decodeUtf8(raw), type, textOptions);
}

/**
 * Expands Bind's format codes (none = all text, one = all alike, else one
 * per item) to exactly `count` codes; null if `codes` has the wrong length.
 */
export function expandFormats(codes: readonly FormatCode[], count: number): FormatCode[] | null {
  if (codes.length === 0) return new Array<FormatCode>(count).fill(0);
  if (codes.length === 1) return new Array<FormatCode>(count).fill(codes[0]);
  if (codes.length === count) return [...codes];
  return null;
}
