// Escape sequences inside string literals, as PostgreSQL's scanner decodes
// them: backslash escapes of E'...' strings (bytes from \x and octal escapes
// are collected and must form valid UTF-8) and the \XXXX / \+XXXXXX escapes
// of U&'...' strings.
import { SqlError, SqlState } from '../repr/errors.js';

/** One decoded backslash escape: text, or a raw byte (\x41, \101), and where it ended. */
export type Escape = { text: string; end: number } | { byte: number; end: number };

const HEX = /[0-9a-fA-F]/;

function takeWhile(sql: string, start: number, re: RegExp, max: number): string {
  let end = start;
  while (end < sql.length && end - start < max && re.test(sql[end])) end++;
  return sql.slice(start, end);
}

function unicodeValueError(sql: string, start: number, end: number): SqlError {
  return new SqlError(SqlState.syntaxError, `invalid Unicode escape value at or near "${sql.slice(start, end)}"`, {
    position: start + 1,
  });
}

/**
 * Decodes the escape starting at the backslash at `start` in an E'...' string.
 * Returns undefined when the input ends right after the backslash.
 */
export function readBackslashEscape(sql: string, start: number): Escape | undefined {
  const i = start + 1;
  if (i >= sql.length) return undefined;
  const ch = sql[i];
  switch (ch) {
    case 'b':
      return { text: '\b', end: i + 1 };
    case 'f':
      return { text: '\f', end: i + 1 };
    case 'n':
      return { text: '\n', end: i + 1 };
    case 'r':
      return { text: '\r', end: i + 1 };
    case 't':
      return { text: '\t', end: i + 1 };
    case 'x': {
      const hex = takeWhile(sql, i + 1, HEX, 2);
      if (hex === '') return { text: 'x', end: i + 1 };
      return { byte: parseInt(hex, 16), end: i + 1 + hex.length };
    }
    case 'u':
    case 'U': {
      const width = ch === 'u' ? 4 : 8;
      const hex = takeWhile(sql, i + 1, HEX, width);
      const end = i + 1 + hex.length;
      if (hex.length !== width) throw new SqlError('22025', 'invalid Unicode escape', { position: start + 1 });
      const code = parseInt(hex, 16);
      if (code === 0 || code > 0x10ffff) throw unicodeValueError(sql, start, end);
      if (code >= 0xd800 && code <= 0xdbff) return readLowSurrogate(sql, code, end);
      if (code >= 0xdc00 && code <= 0xdfff) throw surrogateError(sql, start);
      return { text: String.fromCodePoint(code), end };
    }
    default:
      if (ch >= '0' && ch <= '7') {
        const oct = takeWhile(sql, i, /[0-7]/, 3);
        return { byte: parseInt(oct, 8) & 0xff, end: i + oct.length };
      }
      return { text: ch, end: i + 1 };
  }
}

function surrogateError(sql: string, at: number): SqlError {
  return new SqlError(SqlState.syntaxError, `invalid Unicode surrogate pair at or near "${sql[at] ?? ''}"`, { position: at + 1 });
}

/** A high surrogate \uD83D must be followed by a low one \uDE00. */
function readLowSurrogate(sql: string, high: number, at: number): Escape {
  const match = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(sql.slice(at, at + 6));
  if (!match) throw surrogateError(sql, at);
  const low = parseInt(match[1], 16);
  return { text: String.fromCodePoint(0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00)), end: at + 6 };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Collects bytes from \x and octal escapes; they must form valid UTF-8 without NUL.
 * One instance serves a whole lexer run: every flush empties it.
 */
export class EscapedBytes {
  private bytes: number[] = [];

  add(byte: number): void {
    if (byte === 0) throw invalidBytes([0]);
    this.bytes.push(byte);
  }

  /**
   * Decodes the pending bytes (empty string when there are none). `following` is
   * the text right after them, shown in the error like PostgreSQL does (0xc3 0x28).
   */
  flush(following = ''): string {
    if (this.bytes.length === 0) return '';
    const pending = this.bytes;
    this.bytes = [];
    try {
      return UTF8.decode(Uint8Array.from(pending));
    } catch {
      throw invalidBytes([...pending, ...new TextEncoder().encode(following)]);
    }
  }
}

/** Length of the UTF-8 sequence a lead byte announces (PostgreSQL's pg_utf_mblen). */
function sequenceLength(lead: number): number {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

function invalidBytes(bytes: number[]): SqlError {
  const shown = bytes
    .slice(0, sequenceLength(bytes[0]))
    .map((b) => `0x${b.toString(16).padStart(2, '0')}`)
    .join(' ');
  return new SqlError('22021', `invalid byte sequence for encoding "UTF8": ${shown}`);
}

/**
 * Decodes the escapes of a U&'...' string body: `\XXXX`, `\+XXXXXX` and a doubled
 * escape character. `bodyOffset` maps body indexes to query offsets for errors.
 */
export function decodeUnicodeString(body: string, escapeChar: string, bodyOffset: number): string {
  let out = '';
  for (let i = 0; i < body.length; ) {
    if (body[i] !== escapeChar) {
      out += body[i++];
      continue;
    }
    if (body[i + 1] === escapeChar) {
      out += escapeChar;
      i += 2;
      continue;
    }
    const wide = body[i + 1] === '+';
    const digits = takeWhile(body, i + (wide ? 2 : 1), HEX, wide ? 6 : 4);
    if (digits.length !== (wide ? 6 : 4)) {
      throw new SqlError(SqlState.syntaxError, 'invalid Unicode escape', { position: bodyOffset + i + 1 });
    }
    const code = parseInt(digits, 16);
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      throw new SqlError(SqlState.syntaxError, 'invalid Unicode escape value', { position: bodyOffset + i + 1 });
    }
    out += String.fromCodePoint(code);
    i += (wide ? 2 : 1) + digits.length;
  }
  return out;
}
