// CSV format: each message is one record of a fixed number of text columns.
// With a header, the first message of each partition (offset 0) must name the
// expected columns and produces no row.
import type { Row } from '../../repr/types.js';
import { SKIP_MESSAGE, type Decoder, type DecodeOutcome, type Format } from './format.js';
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

export function csvFormat(columnCount: number, delimiter: string, header?: readonly string[]): Format {
  const names = header && header.length > 0 ? header : Array.from({ length: columnCount }, (_, i) => `column${i + 1}`);
  return {
    columns: names.map((name) => ({ name, type: { kind: 'text' }, nullable: false })),
    newDecoder: () => new CsvDecoder(names.length, delimiter, header && header.length > 0 ? header : undefined),
  };
}
