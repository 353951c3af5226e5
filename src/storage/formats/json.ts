// JSON format: the whole payload as one jsonb column (Materialize: `data`).
import type { Row } from '../../repr/types.js';
import { SqlError, SqlState } from '../../repr/errors.js';
import type { Decoder, DecodeOutcome, FormatDesc, FormatImpl } from './format.js';
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

/** FORMAT JSON: the whole document as one jsonb column (Materialize: `data`). */
export const jsonFormat: FormatImpl = {
  kind: 'json',
  plan(spec, ctx): FormatDesc {
    if (spec.kind === 'json' && spec.array) {
      throw new SqlError(SqlState.featureNotSupported, 'FORMAT JSON ARRAY is not yet supported', { position: ctx.pos + 1 });
    }
    return { kind: 'json' };
  },
  columns: () => [{ name: 'data', type: { kind: 'jsonb' }, nullable: false }],
  newDecoder: () => jsonDecoder,
};
