// JSON format: the whole payload as one jsonb column (Materialize: `data`).
import type { Row } from '../../repr/types.js';
import type { Decoder, DecodeOutcome, Format } from './format.js';
import { JsonSyntaxError, parseJsonDocument } from './json-parse.js';

const jsonDecoder: Decoder = {
  decode(bytes: Buffer, row: Row, at: number): DecodeOutcome {
    try {
      row[at] = parseJsonDocument(bytes);
      return undefined;
    } catch (err) {
      // A RangeError (nesting beyond the stack) is bad input too, never a crash.
      const reason = err instanceof JsonSyntaxError ? err.message : err instanceof RangeError ? 'nesting too deep' : String(err);
      return `Text: Failed to decode JSON: ${reason} (original text: ${bytes.toString('utf8')})`;
    }
  },
};

export function jsonFormat(columnName = 'data'): Format {
  return { columns: [{ name: columnName, type: { kind: 'jsonb' }, nullable: false }], newDecoder: () => jsonDecoder };
}
