// CSV format: each message is one record of a fixed number of text columns.
// With a header, the first message of each partition (offset 0) must name the
// expected columns and produces no row.
import type { Row } from '../../repr/types.js';
import { SqlError, SqlState } from '../../repr/errors.js';
import { SKIP_MESSAGE, type Decoder, type DecodeOutcome, type FormatDesc, type FormatImpl } from './format.js';
import { decodeUtf8 } from './text.js';

const QUOTE = '"';

/** Splits one CSV record (RFC 4180 quoting, optional trailing newline) into fields; null if malformed. */
export function splitCsvRecord(line: string, delimiter: string): string[] | null {
  let end = line.length;
  if (end > 0 && line[end - 1] === '\n') end--;
  if (end > 0 && line[end - 1] === '\r') end--;
  const fields: string[] = [];
  let pos = 0;
  for (;;) {
    if (line[pos] === QUOTE) {
      let value = '';
      let chunk = pos + 1;
      pos++;
      for (;;) {
        const q = line.indexOf(QUOTE, pos);
        if (q < 0 || q >= end) return null;
        if (line[q + 1] === QUOTE && q + 1 < end) {
          value += line.slice(chunk, q + 1);
          pos = q + 2;
          chunk = pos;
          continue;
        }
        value += line.slice(chunk, q);
        pos = q + 1;
        break;
      }
      fields.push(value);
      if (pos === end) return fields;
      if (!line.startsWith(delimiter, pos)) return null;
      pos += delimiter.length;
    } else {
      const next = line.indexOf(delimiter, pos);
      if (next < 0 || next >= end) {
        fields.push(line.slice(pos, end));
        return fields;
      }
      fields.push(line.slice(pos, next));
      pos = next + delimiter.length;
    }
  }
}

class CsvDecoder implements Decoder {
  constructor(
    private readonly columnCount: number,
    private readonly delimiter: string,
    private readonly header: readonly string[] | undefined,
  ) {}

  decode(bytes: Buffer, row: Row, at: number, _partition: number, offset: number): DecodeOutcome {
    const text = decodeUtf8(bytes);
    if (text === null) return 'Text: Failed to decode UTF-8: invalid utf-8 sequence';
    const fields = splitCsvRecord(text, this.delimiter);
    if (fields === null) return `Text: CSV error: malformed record: ${text}`;
    if (this.header && offset === 0) {
      if (fields.length !== this.header.length || fields.some((f, i) => f !== this.header![i])) {
        return `Text: CSV error: source file contains incorrect columns '${fields.join(',')}', first line of file should be '${this.header.join(',')}'`;
      }
      return SKIP_MESSAGE;
    }
    if (fields.length !== this.columnCount) {
      return `Text: CSV error: expected ${this.columnCount} columns, got ${fields.length}`;
    }
    for (let i = 0; i < fields.length; i++) row[at + i] = fields[i]!;
    return undefined;
  }
}

/** The planned CSV format: the column count, the expected header (if any) and the delimiter. */
export interface CsvFormatDesc extends FormatDesc {
  kind: 'csv';
  columns: number;
  header?: string[];
  delimiter: string;
}

function columnNames(desc: CsvFormatDesc): readonly string[] {
  return desc.header && desc.header.length > 0 ? desc.header : Array.from({ length: desc.columns }, (_, i) => `column${i + 1}`);
}

/** FORMAT CSV WITH n COLUMNS | WITH HEADER (a, b, ...) [DELIMITED BY 'c']: text columns. */
export const csvFormat: FormatImpl<CsvFormatDesc> = {
  kind: 'csv',
  plan(spec, ctx): CsvFormatDesc {
    if (spec.kind !== 'csv') throw new Error('csv format planned from a non-CSV spec');
    const invalid = (message: string, code: string = SqlState.invalidObjectDefinition): SqlError => new SqlError(code, message, { position: ctx.pos + 1 });
    const header = spec.header;
    if (header !== undefined && header.length === 0) {
      throw invalid('CSV WITH HEADER on a Kafka source needs the column names: WITH HEADER (a, b, ...)', SqlState.featureNotSupported);
    }
    if (header && spec.columnCount !== undefined && spec.columnCount !== header.length) {
      throw invalid(`CSV WITH ${spec.columnCount} COLUMNS does not match the ${header.length} header columns`);
    }
    const columns = header?.length ?? spec.columnCount;
    if (columns === undefined || columns < 1) throw invalid('CSV format requires WITH n COLUMNS or WITH HEADER (...)');
    if (spec.delimiter.length !== 1) throw invalid('CSV delimiter must be a single character', SqlState.invalidParameterValue);
    return header ? { kind: 'csv', columns, header, delimiter: spec.delimiter } : { kind: 'csv', columns, delimiter: spec.delimiter };
  },
  columns: (desc) => columnNames(desc).map((name) => ({ name, type: { kind: 'text' }, nullable: false })),
  newDecoder: (desc) => new CsvDecoder(columnNames(desc).length, desc.delimiter, desc.header && desc.header.length > 0 ? desc.header : undefined),
};
