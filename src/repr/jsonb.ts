// jsonb: parsing (exact numbers, sorted de-duplicated keys), PostgreSQL's
// output format, its btree ordering and canonical keys.
import { Decimal, checkNumericLiteralRange, formatNumeric } from './numeric.js';
import { SqlError, SqlState } from './errors.js';
import { compareCodePoints, utf8Length } from './strings.js';
import { Jsonb, JsonbNumber, JsonbObject, writeJsonbText, type JsonbValue } from './jsonb-datum.js';

// ---------------------------------------------------------------------------
// Numbers

/**
 * Canonical text of a JSON number as PostgreSQL's numeric keeps it: exact,
 * no exponent, display scale preserved ('1.50' stays, '1e2' becomes '100',
 * '1.5e-1' becomes '0.15', '-0' becomes '0').
 */
export function canonicalNumberText(raw: string): string {
  // Without an exponent JSON's grammar already gives numeric's text, except for negative zero.
  if (raw.indexOf('e') < 0 && raw.indexOf('E') < 0 && raw[0] !== '+') {
    return raw[0] === '-' && !/[1-9]/.test(raw) ? raw.slice(1) : raw;
  }
  let i = 0;
  let negative = false;
  if (raw[i] === '-' || raw[i] === '+') {
    negative = raw[i] === '-';
    i++;
  }
  let digits = '';
  let fractionDigits = 0;
  let seenPoint = false;
  for (; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '.') seenPoint = true;
    else if (c === 'e' || c === 'E') break;
    else {
      digits += c;
      if (seenPoint) fractionDigits++;
    }
  }
  const exponent = i < raw.length ? Number(raw.slice(i + 1)) : 0;
  let scale = fractionDigits - exponent;
  let firstNonZero = 0;
  while (firstNonZero < digits.length && digits[firstNonZero] === '0') firstNonZero++;
  digits = digits.slice(firstNonZero);
  if (digits.length === 0) return scale > 0 ? `0.${'0'.repeat(scale)}` : '0';
  const sign = negative ? '-' : '';
  if (scale <= 0) return sign + digits + '0'.repeat(-scale);
  if (digits.length <= scale) digits = '0'.repeat(scale - digits.length + 1) + digits;
  scale = Math.max(scale, 0);
  return `${sign}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
}

export function jsonbNumberToDecimal(n: JsonbNumber): Decimal {
  return new Decimal(n.text);
}

/** A JsonbNumber from a finite Decimal (numeric -> jsonb casts, aggregates), keeping its display scale. */
export function jsonbNumberFromDecimal(d: Decimal): JsonbNumber {
  return new JsonbNumber(formatNumeric(d));
}

// ---------------------------------------------------------------------------
// Object keys

/** jsonb's key order: shorter (in UTF-8 bytes) first, then bytewise. */
export function compareJsonbKeys(a: string, b: string): number {
  if (a === b) return 0;
  const la = utf8Length(a);
  const lb = utf8Length(b);
  if (la !== lb) return la < lb ? -1 : 1;
  return compareCodePoints(a, b);
}

function compareKeyParts(la: number, a: string, lb: number, b: string): number {
  return la !== lb ? (la < lb ? -1 : 1) : compareCodePoints(a, b);
}

/** Builds a JsonbObject from entries in any order; later duplicates win. */
export function makeJsonbObject(entries: Array<readonly [string, JsonbValue]>): JsonbObject {
  const n = entries.length;
  if (n < 2) return new JsonbObject(entries);
  // Stable sort with UTF-8 lengths computed once per key; equal keys keep
  // input order so the last one is kept below. Small objects (the usual
  // case) use insertion sort, which avoids the comparator overhead.
  let sorted: Array<readonly [string, JsonbValue]>;
  if (n > 32) {
    const keyed = entries.map((entry) => ({ entry, len: utf8Length(entry[0]) }));
    keyed.sort((x, y) => compareKeyParts(x.len, x.entry[0], y.len, y.entry[0]));
    sorted = keyed.map((k) => k.entry);
  } else sorted = insertionSorted(entries);
  let w = 0;
  for (let i = 0; i < n; i++) {
    if (i + 1 < n && sorted[i + 1]![0] === sorted[i]![0]) continue;
    sorted[w++] = sorted[i]!;
  }
  sorted.length = w;
  return new JsonbObject(sorted);
}

function insertionSorted(entries: Array<readonly [string, JsonbValue]>): Array<readonly [string, JsonbValue]> {
  const n = entries.length;
  const sorted = entries.slice();
  const lengths: number[] = [];
  for (let i = 0; i < n; i++) {
    const entry = sorted[i]!;
    const len = utf8Length(entry[0]);
    let j = i;
    while (j > 0 && compareKeyParts(lengths[j - 1]!, sorted[j - 1]![0], len, entry[0]) > 0) {
      sorted[j] = sorted[j - 1]!;
      lengths[j] = lengths[j - 1]!;
      j--;
    }
    sorted[j] = entry;
    lengths[j] = len;
  }
  return sorted;
}

/** Looks a key up in a (sorted) object by binary search. */
export function jsonbObjectGet(obj: JsonbObject, key: string): JsonbValue | undefined {
  let lo = 0;
  let hi = obj.entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const entry = obj.entries[mid]!;
    const c = compareJsonbKeys(entry[0], key);
    if (c === 0) return entry[1];
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Parsing

function jsonError(detail: string): SqlError {
  return new SqlError(SqlState.invalidTextRepresentation, 'invalid input syntax for type json', { detail });
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** PostgreSQL's JSON_ALPHANUMERIC_CHAR: letters, digits, '_' and non-ASCII. */
function isAlphanumeric(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c >= 128;
}

/**
 * Scans a number by JSON's grammar -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
 * from `start`. Alphanumerics straight after it make it invalid, and the
 * error token runs on through them (as PostgreSQL's lexer reports it).
 */
function scanNumber(t: string, start: number): { ok: boolean; end: number; tokenEnd: number; hasExponent: boolean } {
  let i = start;
  if (t.charCodeAt(i) === 45) i++; // -
  const firstDigit = i;
  if (t.charCodeAt(i) === 48) i++;
  else while (isDigit(t.charCodeAt(i))) i++;
  let ok = i > firstDigit;
  if (ok && t.charCodeAt(i) === 46) {
    const fractionStart = ++i;
    while (isDigit(t.charCodeAt(i))) i++;
    ok = i > fractionStart;
  }
  let hasExponent = false;
  if (ok && (t.charCodeAt(i) === 101 || t.charCodeAt(i) === 69)) {
    hasExponent = true;
    i++;
    if (t.charCodeAt(i) === 43 || t.charCodeAt(i) === 45) i++;
    const exponentStart = i;
    while (isDigit(t.charCodeAt(i))) i++;
    ok = i > exponentStart;
  }
  let tokenEnd = i;
  while (tokenEnd < t.length && isAlphanumeric(t.charCodeAt(tokenEnd))) tokenEnd++;
  if (tokenEnd > i) ok = false;
  return { ok, end: i, tokenEnd, hasExponent };
}

class JsonParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseDocument(): JsonbValue {
    this.skipWhitespace();
    if (this.pos >= this.text.length) throw jsonError('The input string ended unexpectedly.');
    const value = this.parseValue(0);
    this.skipWhitespace();
    if (this.pos < this.text.length) throw jsonError(`Expected end of input, but found "${this.foundToken()}".`);
    return value;
  }

  private skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else break;
    }
  }

  /**
   * The next token's text for "Expected ..., but found ..." details, lexed as
   * PostgreSQL's JSON lexer does; a token that does not lex is itself the
   * error (Token "..." is invalid).
   */
  private foundToken(): string {
    const t = this.text;
    const p = this.pos;
    const c = t.charCodeAt(p);
    if (c === 123 || c === 125 || c === 91 || c === 93 || c === 44 || c === 58) return t[p]!; // { } [ ] , :
    if (c === 34) {
      let i = p + 1;
      while (i < t.length && t.charCodeAt(i) !== 34) i += t.charCodeAt(i) === 92 ? 2 : 1;
      if (i >= t.length) throw jsonError(`Token "${t.slice(p)}" is invalid.`);
      return t.slice(p, i + 1);
    }
    if (c === 45 || isDigit(c)) {
      const n = scanNumber(t, p);
      if (!n.ok) throw jsonError(`Token "${t.slice(p, n.tokenEnd)}" is invalid.`);
      return t.slice(p, n.end);
    }
    let end = p;
    while (end < t.length && isAlphanumeric(t.charCodeAt(end))) end++;
    const word = t.slice(p, end === p ? p + 1 : end);
    if (word === 'true' || word === 'false' || word === 'null') return word;
    throw jsonError(`Token "${word}" is invalid.`);
  }

  private parseValue(depth: number): JsonbValue {
    if (depth > 6400) throw new SqlError(SqlState.programLimitExceeded, 'stack depth limit exceeded');
    const t = this.text;
    const c = t[this.pos];
    switch (c) {
      case '{':
        return this.parseObject(depth);
      case '[':
        return this.parseArray(depth);
      case '"':
        return this.parseString();
      case undefined:
        throw jsonError('The input string ended unexpectedly.');
      default:
        break;
    }
    if (c === '-' || (c! >= '0' && c! <= '9')) return this.parseNumber();
    if (this.literalAt('true')) return true;
    if (this.literalAt('false')) return false;
    if (this.literalAt('null')) return null;
    throw jsonError(`Expected JSON value, but found "${this.foundToken()}".`);
  }

  /** Whether the keyword `word` is the token at pos; consumes it if so. */
  private literalAt(word: string): boolean {
    const t = this.text;
    if (!t.startsWith(word, this.pos)) return false;
    const end = this.pos + word.length;
    if (end < t.length && isAlphanumeric(t.charCodeAt(end))) return false;
    this.pos = end;
    return true;
  }

  private parseNumber(): JsonbNumber {
    const t = this.text;
    const start = this.pos;
    const n = scanNumber(t, start);
    if (!n.ok) throw jsonError(`Token "${t.slice(start, n.tokenEnd)}" is invalid.`);
    const raw = t.slice(start, n.end);
    if (n.hasExponent || raw.length > 1000) checkNumericLiteralRange(raw.charCodeAt(0) === 45 ? raw.slice(1) : raw);
    this.pos = n.end;
    return new JsonbNumber(!n.hasExponent && raw.charCodeAt(0) !== 45 ? raw : canonicalNumberText(raw));
  }

  private parseArray(depth: number): JsonbValue[] {
    this.pos++; // [
    const out: JsonbValue[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.pos >= this.text.length) throw jsonError('The input string ended unexpectedly.');
      out.push(this.parseValue(depth + 1));
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') this.pos++;
      else if (c === ']') {
        this.pos++;
        return out;
      } else if (c === undefined) throw jsonError('The input string ended unexpectedly.');
      else throw jsonError(`Expected "," or "]", but found "${this.foundToken()}".`);
    }
  }

  private parseObject(depth: number): JsonbObject {
    this.pos++; // {
    const entries: Array<readonly [string, JsonbValue]> = [];
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return new JsonbObject(entries);
    }
    for (let first = true; ; first = false) {
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === undefined) throw jsonError('The input string ended unexpectedly.');
      if (c !== '"') throw jsonError(`Expected string${first ? ' or "}"' : ''}, but found "${this.foundToken()}".`);
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text[this.pos] === undefined) throw jsonError('The input string ended unexpectedly.');
      if (this.text[this.pos] !== ':') throw jsonError(`Expected ":", but found "${this.foundToken()}".`);
      this.pos++;
      this.skipWhitespace();
      if (this.pos >= this.text.length) throw jsonError('The input string ended unexpectedly.');
      entries.push([key, this.parseValue(depth + 1)]);
      this.skipWhitespace();
      const d = this.text[this.pos];
      if (d === ',') this.pos++;
      else if (d === '}') {
        this.pos++;
        return makeJsonbObject(entries);
      } else if (d === undefined) throw jsonError('The input string ended unexpectedly.');
      else throw jsonError(`Expected "," or "}", but found "${this.foundToken()}".`);
    }
  }

  private parseString(): string {
    const t = this.text;
    const start = ++this.pos; // opening quote
    // Fast path: no escapes.
    let i = start;
    for (; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c === 34) {
        this.pos = i + 1;
        return t.slice(start, i);
      }
      if (c === 92) break;
      if (c < 0x20) throw jsonError(`Character with value 0x${c.toString(16).padStart(2, '0')} must be escaped.`);
    }
    if (i >= t.length) throw jsonError(`Token "${t.slice(start - 1)}" is invalid.`);
    let out = t.slice(start, i);
    while (i < t.length) {
      const c = t.charCodeAt(i);
      if (c === 34) {
        this.pos = i + 1;
        return out;
      }
      if (c < 0x20) throw jsonError(`Character with value 0x${c.toString(16).padStart(2, '0')} must be escaped.`);
      if (c !== 92) {
        out += t[i];
        i++;
        continue;
      }
      const e = t[i + 1];
      i += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const code = this.hex4(i);
          i += 4;
          if (code === 0) {
            throw new SqlError(SqlState.untranslatableCharacter, 'unsupported Unicode escape sequence', {
              detail: '\\u0000 cannot be converted to text.',
            });
          }
          if (code >= 0xd800 && code <= 0xdbff) {
            if (t[i] !== '\\' || t[i + 1] !== 'u') throw jsonError('Unicode low surrogate must follow a high surrogate.');
            const low = this.hex4(i + 2);
            if (low < 0xdc00 || low > 0xdfff) throw jsonError('Unicode low surrogate must follow a high surrogate.');
            i += 6;
            out += String.fromCharCode(code, low);
          } else if (code >= 0xdc00 && code <= 0xdfff) {
            throw jsonError('Unicode low surrogate must follow a high surrogate.');
          } else out += String.fromCharCode(code);
          break;
        }
        case undefined:
          throw jsonError('The input string ended unexpectedly.');
        default:
          throw jsonError(`Escape sequence "\\${e}" is invalid.`);
      }
    }
    throw jsonError('The input string ended unexpectedly.');
  }

  private hex4(at: number): number {
    const h = this.text.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) throw jsonError('"\\u" must be followed by four hexadecimal digits.');
    return parseInt(h, 16);
  }
}

/** Parses JSON text into a Jsonb exactly (numbers keep their decimal text). Throws 22P02. */
export function parseJsonb(text: string): Jsonb {
  return new Jsonb(new JsonParser(text).parseDocument());
}

/** Builds a Jsonb from a JS value such as JSON.parse output (numbers as JS doubles). */
export function jsonbFromJs(value: unknown): Jsonb {
  return new Jsonb(jsonbValueFromJs(value));
}

export function jsonbValueFromJs(value: unknown): JsonbValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      if (!Number.isFinite(value)) return null;
      return new JsonbNumber(canonicalNumberText(String(value)));
    case 'bigint':
      return new JsonbNumber(value.toString());
    case 'object':
      break;
    default:
      return null;
  }
  if (value instanceof JsonbNumber || value instanceof JsonbObject) return value;
  if (Array.isArray(value)) return value.map(jsonbValueFromJs);
  const entries: Array<readonly [string, JsonbValue]> = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== undefined) entries.push([k, jsonbValueFromJs(v)]);
  }
  return makeJsonbObject(entries);
}

// ---------------------------------------------------------------------------
// Output

export { quoteJsonString } from './jsonb-datum.js';

/** jsonb_out: `{"a": 1, "b": [1, 2]}`. */
export function jsonbToText(j: Jsonb): string {
  return j.text;
}

export function jsonbValueToText(v: JsonbValue): string {
  return writeJsonbText(v, false);
}

/** Canonical text for hashing: equal jsonb values (1.0 = 1.00) give equal text. */
export function jsonbKeyText(j: Jsonb): string {
  return j.key;
}

// ---------------------------------------------------------------------------
// Ordering (PostgreSQL's compareJsonbContainers)

/** Type ranks: null < string < number < boolean < array < object. */
function rank(v: JsonbValue): number {
  if (v === null) return 0;
  switch (typeof v) {
    case 'string': return 1;
    case 'boolean': return 3;
    default: break;
  }
  if (v instanceof JsonbNumber) return 2;
  return Array.isArray(v) ? 4 : 5;
}

function compareValues(a: JsonbValue, b: JsonbValue): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return compareCodePoints(a as string, b as string);
    case 2:
      return compareNumbers(a as JsonbNumber, b as JsonbNumber);
    case 3:
      return a === b ? 0 : a ? 1 : -1;
    case 4: {
      const xa = a as JsonbValue[];
      const xb = b as JsonbValue[];
      if (xa.length !== xb.length) return xa.length < xb.length ? -1 : 1;
      for (let i = 0; i < xa.length; i++) {
        const c = compareValues(xa[i]!, xb[i]!);
        if (c !== 0) return c;
      }
      return 0;
    }
    default: {
      const ea = (a as JsonbObject).entries;
      const eb = (b as JsonbObject).entries;
      if (ea.length !== eb.length) return ea.length < eb.length ? -1 : 1;
      for (let i = 0; i < ea.length; i++) {
        const ck = compareCodePoints(ea[i]![0], eb[i]![0]);
        if (ck !== 0) return ck;
        const cv = compareValues(ea[i]![1], eb[i]![1]);
        if (cv !== 0) return cv;
      }
      return 0;
    }
  }
}

function compareNumbers(a: JsonbNumber, b: JsonbNumber): number {
  if (a.text === b.text) return 0;
  return new Decimal(a.text).comparedTo(new Decimal(b.text));
}

function isScalar(v: JsonbValue): boolean {
  return v === null || typeof v !== 'object' || v instanceof JsonbNumber;
}

/**
 * jsonb's btree order. A top-level scalar is stored as a one-element "raw
 * scalar" array, which PostgreSQL orders against real arrays by element count
 * first and, at equal count, before the array.
 */
export function compareJsonb(a: Jsonb, b: Jsonb): number {
  if (a.key === b.key) return 0;
  const va = a.value;
  const vb = b.value;
  const sa = isScalar(va);
  const sb = isScalar(vb);
  if (sa && !sb && Array.isArray(vb)) return vb.length === 1 ? -1 : 1 > vb.length ? 1 : -1;
  if (sb && !sa && Array.isArray(va)) return va.length === 1 ? 1 : va.length > 1 ? 1 : -1;
  return compareValues(va, vb);
}
