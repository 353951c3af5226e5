// The token cursor every parser layer builds on: looking ahead, consuming
// expected tokens, identifiers and names, syntax errors with PostgreSQL's
// wording, and the nesting limit that keeps deep input from overflowing the stack.
import type { ObjectName } from './ast.js';
import type { Token } from './lexer.js';
import { SqlError, SqlState } from '../repr/errors.js';

/** Keywords that can never be a bare identifier (column, table or alias name). */
export const RESERVED = new Set([
  'all', 'analyse', 'analyze', 'and', 'any', 'array', 'as', 'asc', 'asymmetric', 'both', 'case', 'cast',
  'check', 'collate', 'column', 'constraint', 'create', 'current_catalog', 'current_date', 'current_role',
  'current_time', 'current_timestamp', 'current_user', 'default', 'deferrable', 'desc', 'distinct', 'do',
  'else', 'end', 'except', 'false', 'fetch', 'for', 'foreign', 'from', 'grant', 'group', 'having', 'in',
  'initially', 'intersect', 'into', 'lateral', 'leading', 'limit', 'localtime', 'localtimestamp', 'not',
  'null', 'on', 'only', 'or', 'order', 'placing', 'primary', 'references', 'returning', 'select',
  'session_user', 'some', 'symmetric', 'table', 'then', 'to', 'trailing', 'true', 'union', 'unique', 'user',
  'using', 'variadic', 'when', 'where', 'window', 'with',
]);

/**
 * PostgreSQL's type_func_name keywords: they may name a function (left(s, 2))
 * but not a column, table or alias.
 */
export const FUNCTION_NAME_ONLY = new Set([
  'authorization', 'binary', 'collation', 'concurrently', 'cross', 'freeze', 'full', 'ilike', 'inner', 'is',
  'isnull', 'join', 'left', 'like', 'natural', 'notnull', 'outer', 'overlaps', 'right', 'similar', 'tablesample',
  'verbose',
]);

/** Words that additionally cannot be an alias written without AS (they continue the statement). */
const NOT_BARE_ALIAS = new Set([
  'join', 'inner', 'left', 'right', 'full', 'cross', 'natural', 'outer', 'offset', 'between', 'like', 'ilike',
  'is', 'isnull', 'notnull', 'similar', 'over', 'filter', 'within', 'escape', 'at',
]);

/** Nesting depth (parentheses, subqueries, prefix operators) beyond which a statement is rejected. */
export const MAX_NESTING = 400;

/** SQLSTATE statement_too_complex. */
export const STATEMENT_TOO_COMPLEX = '54001';

export class ParserBase {
  protected index = 0;
  private depth = 0;

  constructor(
    protected readonly sql: string,
    protected readonly tokens: Token[],
  ) {}

  // ------------------------------------------------------------ looking ahead

  protected peek(ahead = 0): Token {
    const i = this.index + ahead;
    return i < this.tokens.length ? this.tokens[i] : this.tokens[this.tokens.length - 1];
  }

  protected next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.index++;
    return token;
  }

  /** Offset just past the last token consumed (0 before any). */
  protected previousEnd(): number {
    return this.index > 0 ? this.tokens[this.index - 1]!.end : 0;
  }

  protected atEnd(): boolean {
    const t = this.peek();
    return t.kind === 'eof' || (t.kind === 'punct' && t.value === ';');
  }

  protected isWord(word: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'word' && t.value === word;
  }

  /** True when the next tokens are exactly these words. */
  protected isWords(...words: string[]): boolean {
    return words.every((w, i) => this.isWord(w, i));
  }

  protected isPunct(p: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'punct' && t.value === p;
  }

  protected isOp(op: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'op' && t.value === op;
  }

  // ----------------------------------------------------------------- consuming

  /** Consumes the given words if they all come next. */
  protected eatWords(...words: string[]): boolean {
    if (!this.isWords(...words)) return false;
    this.index += words.length;
    return true;
  }

  /** Consumes one of the words if it comes next and returns it. */
  protected eatOneOf(...words: string[]): string | undefined {
    const t = this.peek();
    if (t.kind === 'word' && words.includes(t.value)) {
      this.index++;
      return t.value;
    }
    return undefined;
  }

  /**
   * If `first` comes next, consumes it and then requires `rest` (GROUP BY, ORDER BY):
   * a keyword that can only start this clause commits to it, so a missing BY is
   * reported at the token after the keyword, as PostgreSQL does.
   */
  protected eatClause(first: string, ...rest: string[]): boolean {
    if (!this.isWord(first)) return false;
    this.index++;
    this.expectWords(...rest);
    return true;
  }

  protected expectWords(...words: string[]): void {
    for (const w of words) {
      if (!this.isWord(w)) throw this.syntaxError();
      this.index++;
    }
  }

  protected eatPunct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.index++;
    return true;
  }

  protected expectPunct(p: string): Token {
    if (!this.isPunct(p)) throw this.syntaxError();
    return this.next();
  }

  protected eatOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.index++;
    return true;
  }

  protected expectOp(op: string): void {
    if (!this.eatOp(op)) throw this.syntaxError();
  }

  /** Parses `item (, item)*`. */
  protected commaList<T>(item: () => T): T[] {
    const items = [item()];
    while (this.eatPunct(',')) items.push(item());
    return items;
  }

  /** Parses `( item, ... )`. */
  protected parenList<T>(item: () => T): T[] {
    this.expectPunct('(');
    const items = this.commaList(item);
    this.expectPunct(')');
    return items;
  }

  // ------------------------------------------------------------------- names

  /** True when the next token can be an identifier (quoted, or an unreserved word). */
  protected isIdent(ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'quotedIdent' || (t.kind === 'word' && !RESERVED.has(t.value) && !FUNCTION_NAME_ONLY.has(t.value));
  }

  /** True when the next token can be an alias written without AS. */
  protected isBareAlias(): boolean {
    const t = this.peek();
    return t.kind === 'quotedIdent' || (t.kind === 'word' && this.isIdent() && !NOT_BARE_ALIAS.has(t.value));
  }

  protected parseIdent(): string {
    if (!this.isIdent()) throw this.syntaxError();
    return this.next().value;
  }

  /** An identifier where any keyword is allowed (after a dot, option names, ...). */
  protected parseAnyIdent(): string {
    const t = this.peek();
    if (t.kind !== 'word' && t.kind !== 'quotedIdent') throw this.syntaxError();
    return this.next().value;
  }

  protected parseObjectName(): ObjectName {
    const pos = this.peek().start;
    const parts = [this.parseIdent()];
    while (this.isPunct('.')) {
      this.index++;
      parts.push(this.parseAnyIdent());
    }
    return { parts, pos };
  }

  protected parseIdentList(): string[] {
    return this.parenList(() => this.parseIdent());
  }

  // ------------------------------------------------------------------ errors

  /** PostgreSQL's `syntax error at or near "tok"` / `at end of input`. */
  protected syntaxError(token: Token = this.peek()): SqlError {
    if (token.kind === 'eof') {
      return new SqlError(SqlState.syntaxError, 'syntax error at end of input', { position: token.start + 1 });
    }
    const text = this.sql.slice(token.start, token.end);
    return new SqlError(SqlState.syntaxError, `syntax error at or near "${text}"`, { position: token.start + 1 });
  }

  /** A statement form that is valid SQL elsewhere but not implemented here: 0A000 at `pos`. */
  protected notSupported(what: string, pos: number): SqlError {
    return new SqlError(SqlState.featureNotSupported, `${what} is not supported`, { position: pos + 1 });
  }

  /** Runs `body` one nesting level deeper, failing cleanly past MAX_NESTING. */
  protected nested<T>(body: () => T): T {
    if (this.depth >= MAX_NESTING) {
      // PostgreSQL's wording and SQLSTATE (54001 statement_too_complex) for input nested too deeply.
      throw new SqlError(STATEMENT_TOO_COMPLEX, 'stack depth limit exceeded', {
        position: this.peek().start + 1,
        hint: `Statements may nest parentheses, subqueries and operators at most ${MAX_NESTING} levels deep.`,
      });
    }
    this.depth++;
    try {
      return body();
    } finally {
      this.depth--;
    }
  }
}
