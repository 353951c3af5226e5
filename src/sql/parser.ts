// Entry point of the SQL front end. Implemented by the parser (lexer.ts, parser.ts).
import type { ParsedStatement } from './ast.js';
import { SqlError, SqlState } from '../repr/errors.js';

/**
 * Splits `sql` into statements and parses each. Throws SqlError with SQLSTATE
 * 42601 and message `syntax error at or near "tok"` (or `at end of input`)
 * with a 1-based `position` into `sql`.
 */
export function parse(sql: string): ParsedStatement[] {
  throw new SqlError(SqlState.featureNotSupported, `parser not implemented: ${sql.length}`);
}
