// Entry point of the SQL front end: splits the query string into statements
// and parses each with the recursive-descent parser. The parser is a stack of
// layers, each a class extending the one below: parser-base (token cursor) <-
// datatype <- expression <- calls <- query <- options <- source <- ddl <-
// session <- statements.
import type { ParsedStatement } from './ast.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { tokenize } from './lexer.js';
import { StatementParser } from './statements.js';
import { STATEMENT_TOO_COMPLEX } from './parser-base.js';

class ScriptParser extends StatementParser {
  /** Statements separated by ';' (empty ones skipped), each with its own text slice. */
  parseScript(): ParsedStatement[] {
    const statements: ParsedStatement[] = [];
    while (true) {
      while (this.eatPunct(';'));
      const first = this.peek();
      if (first.kind === 'eof') return statements;
      const statement = this.parseStatement();
      if (!this.atEnd()) throw this.syntaxError();
      const last = this.tokens[this.index - 1];
      statements.push({ statement, text: this.sql.slice(first.start, last.end), offset: first.start });
    }
  }
}

/**
 * Splits `sql` into statements and parses each. Throws SqlError with SQLSTATE
 * 42601 and message `syntax error at or near "tok"` (or `at end of input`)
 * with a 1-based `position` into `sql`. AST `pos` fields are 0-based offsets
 * into `sql` (the whole string, not the statement).
 */
export function parse(sql: string): ParsedStatement[] {
  try {
    return new ScriptParser(sql, tokenize(sql)).parseScript();
  } catch (error) {
    if (error instanceof SqlError) throw error;
    // The nesting limit normally catches deep input first; this is the backstop.
    if (error instanceof RangeError) {
      throw new SqlError(STATEMENT_TOO_COMPLEX, 'stack depth limit exceeded');
    }
    throw new SqlError(SqlState.internalError, `internal parser error: ${String(error)}`);
  }
}
