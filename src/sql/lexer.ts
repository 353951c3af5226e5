// The SQL lexer: turns the whole query string into tokens, each remembering
// its 0-based offset so that errors can point at the exact character.
// Follows PostgreSQL's scanner (scan.l) for what counts as one token.
import { SqlError, SqlState } from '../repr/errors.js';
import { EscapedBytes, decodeUnicodeString, readBackslashEscape } from './escapes.js';

export type TokenKind =
  /** Unquoted identifier or keyword; `value` is lower-cased. */
  | 'word'
  /** "quoted" identifier; `value` as written, "" unescaped. */
  | 'quotedIdent'
  /** '...', E'...', $$...$$; `value` with escapes processed. */
  | 'string'
  /** X'...'; `value` is the hex digits. */
  | 'hexString'
  /** 42, 1.5, .5, 1e10; `value` as written. */
  | 'number'
  /** $1; `value` is the digits. */
  | 'param'
  /** Operator symbols: +, ->>, @>, ... */
  | 'op'
  /** ( ) [ ] , ; . : :: and any other single character. */
  | 'punct'
  | 'eof';

export interface Token {
  kind: TokenKind;
  value: string;
  /** 0-based offset of the first character in the query string. */
  start: number;
  /** Offset just past the last character. */
  end: number;
}

const OPERATOR_CHARS = '+-*/<>=~!@#%^&|`?';
/** An operator ending in + or - is only kept whole if it contains one of these (PostgreSQL rule). */
const OPERATOR_KEEPS_TRAILING_SIGN = '~!@#%^&|`?';

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57) || c === 36;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
}

function lexError(sql: string, message: string, start: number): SqlError {
  return new SqlError(SqlState.syntaxError, `${message} at or near "${sql.slice(start)}"`, {
    position: start + 1,
  });
}

/** Tokenizes the whole query string; the last token is always 'eof'. */
export function tokenize(sql: string): Token[] {
  return new Lexer(sql).run();
}

class Lexer {
  private i = 0;
  private readonly tokens: Token[] = [];
  private readonly escapedBytes = new EscapedBytes();

  constructor(private readonly sql: string) {}

  run(): Token[] {
    const sql = this.sql;
    while (true) {
      this.skipSpaceAndComments();
      if (this.i >= sql.length) break;
      const start = this.i;
      const c = sql.charCodeAt(start);
      const next = sql.charCodeAt(start + 1);
      if ((c === 69 || c === 101) && next === 39) {
        // E'...'
        this.i++;
        this.push('string', this.readQuotedString(true, start, 'unterminated quoted string'), start);
      } else if ((c === 88 || c === 120) && next === 39) {
        this.i++;
        this.push('hexString', this.readQuotedString(false, start, 'unterminated hexadecimal string literal'), start);
      } else if ((c === 78 || c === 110) && next === 39) {
        // N'...' national character string: a plain string
        this.i++;
        this.push('string', this.readQuotedString(false, start, 'unterminated quoted string'), start);
      } else if ((c === 85 || c === 117) && next === 38 && sql[start + 2] === "'") {
        // U&'...' [UESCAPE 'c']
        this.i += 2;
        this.push('string', this.readUnicodeString(start), start);
      } else if (isIdentStart(c)) {
        this.i++;
        while (this.i < sql.length && isIdentPart(sql.charCodeAt(this.i))) this.i++;
        this.push('word', sql.slice(start, this.i).toLowerCase(), start);
      } else if (c === 39) {
        this.push('string', this.readQuotedString(false, start, 'unterminated quoted string'), start);
      } else if (c === 34) {
        this.push('quotedIdent', this.readQuotedIdent(), start);
      } else if (isDigit(c) || (c === 46 && isDigit(next))) {
        this.readNumber();
        this.rejectTrailingJunk('numeric literal', start);
        this.push('number', sql.slice(start, this.i), start);
      } else if (c === 36) {
        this.readDollar(start);
      } else if (c === 58 && next === 58) {
        this.i += 2;
        this.push('punct', '::', start);
      } else if (c === 46 && next === 46) {
        // `..` is one token in PostgreSQL (PL/pgSQL ranges); SQL has no use for it
        this.i += 2;
        this.push('punct', '..', start);
      } else if (OPERATOR_CHARS.includes(sql[start])) {
        this.push('op', this.readOperator(), start);
      } else {
        this.i++;
        this.push('punct', sql[start], start);
      }
    }
    this.tokens.push({ kind: 'eof', value: '', start: sql.length, end: sql.length });
    return this.tokens;
  }

  private push(kind: TokenKind, value: string, start: number): void {
    this.tokens.push({ kind, value, start, end: this.i });
  }

  private skipSpaceAndComments(): void {
    const sql = this.sql;
    while (this.i < sql.length) {
      const c = sql.charCodeAt(this.i);
      if (isSpace(c)) {
        this.i++;
      } else if (c === 45 && sql.charCodeAt(this.i + 1) === 45) {
        while (this.i < sql.length && sql.charCodeAt(this.i) !== 10) this.i++;
      } else if (c === 47 && sql.charCodeAt(this.i + 1) === 42) {
        this.skipBlockComment();
      } else {
        return;
      }
    }
  }

  /** Block comments nest, as in PostgreSQL. */
  private skipBlockComment(): void {
    const sql = this.sql;
    const start = this.i;
    let depth = 0;
    while (this.i < sql.length) {
      if (sql.startsWith('/*', this.i)) {
        depth++;
        this.i += 2;
      } else if (sql.startsWith('*/', this.i)) {
        depth--;
        this.i += 2;
        if (depth === 0) return;
      } else {
        this.i++;
      }
    }
    throw lexError(sql, 'unterminated /* comment', start);
  }

  /**
   * Reads '...' starting at the quote (this.i), with '' escapes, backslash
   * escapes when `escapes`, and continuation across newlines.
   */
  private readQuotedString(escapes: boolean, tokenStart: number, unterminated: string): string {
    const sql = this.sql;
    const bytes = this.escapedBytes;
    let out = '';
    this.i++; // opening quote
    while (true) {
      if (this.i >= sql.length) throw lexError(sql, unterminated, tokenStart);
      const ch = sql[this.i];
      if (ch === "'") {
        if (sql[this.i + 1] === "'") {
          out += bytes.flush("'") + "'";
          this.i += 2;
          continue;
        }
        this.i++;
        if (this.continuesOnNextLine()) continue;
        return out + bytes.flush("'");
      }
      if (escapes && ch === '\\') {
        const escape = readBackslashEscape(sql, this.i);
        if (escape === undefined) throw lexError(sql, unterminated, tokenStart);
        this.i = escape.end;
        if ('byte' in escape) bytes.add(escape.byte);
        else out += bytes.flush(escape.text) + escape.text;
        continue;
      }
      out += bytes.flush(ch) + ch;
      this.i++;
    }
  }

  /** 'a'<newline>'b' is one string: skips the gap and the next opening quote if present. */
  private continuesOnNextLine(): boolean {
    const sql = this.sql;
    let j = this.i;
    let sawNewline = false;
    while (j < sql.length) {
      const c = sql.charCodeAt(j);
      if (c === 10) sawNewline = true;
      else if (c === 45 && sql.charCodeAt(j + 1) === 45) {
        // a -- comment runs to the end of its line, which counts as the newline
        while (j < sql.length && sql.charCodeAt(j) !== 10) j++;
        continue;
      } else if (!isSpace(c)) break;
      j++;
    }
    if (sawNewline && sql[j] === "'") {
      this.i = j + 1;
      return true;
    }
    return false;
  }

  /** U&'...' with \\XXXX escapes, optionally followed by UESCAPE 'c' choosing another escape character. */
  private readUnicodeString(tokenStart: number): string {
    const body = this.readQuotedString(false, tokenStart, 'unterminated quoted string');
    let escapeChar = '\\';
    const afterBody = this.i;
    this.skipSpaceAndComments();
    if (/^uescape\b/i.test(this.sql.slice(this.i, this.i + 8))) {
      this.i += 7;
      this.skipSpaceAndComments();
      const quoteAt = this.i;
      const chosen = this.sql[quoteAt] === "'" ? this.readQuotedString(false, quoteAt, 'unterminated quoted string') : '';
      if (chosen.length !== 1 || /[0-9a-fA-F+'"\s]/.test(chosen)) {
        throw new SqlError(SqlState.syntaxError, `invalid Unicode escape character at or near "${this.sql.slice(quoteAt, this.i)}"`, {
          position: quoteAt + 1,
        });
      }
      escapeChar = chosen;
    } else {
      this.i = afterBody;
    }
    return decodeUnicodeString(body, escapeChar, tokenStart + 3);
  }

  private readQuotedIdent(): string {
    const sql = this.sql;
    const start = this.i;
    let out = '';
    this.i++;
    while (true) {
      if (this.i >= sql.length) throw lexError(sql, 'unterminated quoted identifier', start);
      const ch = sql[this.i];
      if (ch === '"') {
        if (sql[this.i + 1] === '"') {
          out += '"';
          this.i += 2;
          continue;
        }
        this.i++;
        if (out === '') {
          throw new SqlError(SqlState.syntaxError, 'zero-length delimited identifier at or near """"', {
            position: start + 1,
          });
        }
        return out;
      }
      out += ch;
      this.i++;
    }
  }

  private readNumber(): void {
    const sql = this.sql;
    while (isDigit(sql.charCodeAt(this.i))) this.i++;
    // A '.' followed by another '.' is not part of the number (1..2 is not a decimal).
    if (sql[this.i] === '.' && sql[this.i + 1] !== '.') {
      this.i++;
      while (isDigit(sql.charCodeAt(this.i))) this.i++;
    }
    const e = sql[this.i];
    if (e === 'e' || e === 'E') {
      let j = this.i + 1;
      if (sql[j] === '+' || sql[j] === '-') j++;
      if (isDigit(sql.charCodeAt(j))) {
        while (isDigit(sql.charCodeAt(j))) j++;
        this.i = j;
      }
    }
  }

  /** `123abc`, `1_000`, `$1x`: PostgreSQL (15+) rejects identifier characters right after a number. */
  private rejectTrailingJunk(what: string, start: number): void {
    const sql = this.sql;
    if (this.i >= sql.length || !isIdentStart(sql.charCodeAt(this.i))) return;
    let end = this.i;
    while (end < sql.length && isIdentPart(sql.charCodeAt(end))) end++;
    throw new SqlError(SqlState.syntaxError, `trailing junk after ${what} at or near "${sql.slice(start, end)}"`, {
      position: start + 1,
    });
  }

  /** $1 parameters, $$...$$ and $tag$...$tag$ strings. */
  private readDollar(start: number): void {
    const sql = this.sql;
    if (isDigit(sql.charCodeAt(start + 1))) {
      this.i = start + 1;
      while (isDigit(sql.charCodeAt(this.i))) this.i++;
      this.rejectTrailingJunk('parameter', start);
      this.push('param', sql.slice(start + 1, this.i), start);
      return;
    }
    let j = start + 1;
    if (j < sql.length && isIdentStart(sql.charCodeAt(j))) {
      j++;
      while (j < sql.length && isIdentPart(sql.charCodeAt(j)) && sql[j] !== '$') j++;
    }
    if (sql[j] !== '$') {
      this.i = start + 1;
      this.push('punct', '$', start);
      return;
    }
    const delimiter = sql.slice(start, j + 1);
    const bodyStart = j + 1;
    const close = sql.indexOf(delimiter, bodyStart);
    if (close < 0) throw lexError(sql, 'unterminated dollar-quoted string', start);
    this.i = close + delimiter.length;
    this.push('string', sql.slice(bodyStart, close), start);
  }

  private readOperator(): string {
    const sql = this.sql;
    const start = this.i;
    let j = start;
    while (j < sql.length && OPERATOR_CHARS.includes(sql[j])) {
      // A comment start ends the operator.
      if (j > start && (sql.startsWith('--', j) || sql.startsWith('/*', j))) break;
      j++;
    }
    let op = sql.slice(start, j);
    if (op.length > 1 && (op.endsWith('+') || op.endsWith('-'))) {
      let keep = false;
      for (const ch of op) if (OPERATOR_KEEPS_TRAILING_SIGN.includes(ch)) keep = true;
      if (!keep) {
        while (op.length > 1 && (op.endsWith('+') || op.endsWith('-'))) op = op.slice(0, -1);
      }
    }
    this.i = start + op.length;
    return op;
  }
}
