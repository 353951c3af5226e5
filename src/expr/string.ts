// String functions and operators. PostgreSQL counts characters (code
// points), not UTF-16 units: the helpers below take a fast path when a string
// has no surrogate pairs.
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import type { Datum, SqlType } from '../repr/types.js';
import { ArrayValue, T } from '../repr/types.js';
import { formatText, type TextOptions } from '../repr/text.js';
import { charLength, quoteIdent } from '../repr/strings.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { define, P, UTC_SESSION, type Evaluator, type SessionContext } from './registry.js';
import { defineFunction as fn, TEXT, I4 } from './signatures.js';
import { invalidParameter } from './errors.js';
import { isStringKind } from './type-info.js';

const SURROGATE = /[\uD800-\uDFFF]/;

/** Characters [start, start+count) counted in code points (0-based start, clamped). */
export function charSlice(s: string, start: number, end?: number): string {
  if (!SURROGATE.test(s)) return s.slice(Math.max(0, start), end === undefined ? undefined : Math.max(0, end));
  return Array.from(s)
    .slice(Math.max(0, start), end === undefined ? undefined : Math.max(0, end))
    .join('');
}

function chars(s: string): string[] {
  return SURROGATE.test(s) ? Array.from(s) : s.split('');
}

/** Text output options writing timestamptz in `timeZone`; undefined (UTC output, no zone work) for UTC. */
export function zoneTextOptions(timeZone: string | undefined): TextOptions | undefined {
  return timeZone === undefined || timeZone.toUpperCase() === 'UTC' ? undefined : { timeZone };
}

/**
 * Text output of a value of `type` (identity for strings), chosen once per
 * argument type; timestamptz (also inside arrays and records) is written in
 * the session's TimeZone, as PostgreSQL's implicit text conversions do.
 */
export function textOf(type: SqlType, session: SessionContext = UTC_SESSION): (v: Datum) => string {
  if (isStringKind(type) || type.kind === 'unknown') return (v) => v as string;
  const options = zoneTextOptions(session.timeZone);
  return (v) => formatText(v, type, options);
}

// ---- concatenation ----

/** text || x converts x with its cast to text (PostgreSQL's textanycat: `true` is 'true', not 't'). */
function castTextOf(type: SqlType, session: SessionContext): (v: Datum) => string {
  if (type.kind === 'bool') return (v) => (v ? 'true' : 'false');
  return textOf(type, session);
}

define('op ||', { name: 'text_concat', params: [TEXT, TEXT], returns: TEXT, eval: (a) => (a[0] as string) + (a[1] as string) });
define('op ||', {
  name: 'text_concat_any',
  params: [TEXT, P.anynonarray],
  returns: TEXT,
  build: (types, _returns, session) => {
    const right = castTextOf(types[1]!, session);
    return (a) => (a[0] as string) + right(a[1]!);
  },
});
define('op ||', {
  name: 'any_concat_text',
  params: [P.anynonarray, TEXT],
  returns: TEXT,
  build: (types, _returns, session) => {
    const left = castTextOf(types[0]!, session);
    return (a) => left(a[0]!) + (a[1] as string);
  },
});
/** A non-strict text function of any further arguments, each converted by its type's text output. */
function defineTextOfAny(name: string, params: SqlType[], evalWith: (texts: Array<(v: Datum) => string>) => Evaluator): void {
  define(name, { name, params, variadic: P.any, returns: TEXT, strict: false, build: (types, _returns, session) => evalWith(types.map((t) => textOf(t, session))) });
}
defineTextOfAny('concat', [], (conv) => (a) => {
  let out = '';
  for (let i = 0; i < a.length; i++) if (a[i] !== null) out += conv[i]!(a[i]!);
  return out;
});
defineTextOfAny('concat_ws', [TEXT], (conv) => (a) => {
  if (a[0] === null) return null;
  const parts: string[] = [];
  for (let i = 1; i < a.length; i++) if (a[i] !== null) parts.push(conv[i]!(a[i]!));
  return parts.join(a[0] as string);
});

// ---- length and case ----

for (const n of ['length', 'char_length', 'character_length']) fn(n, 'char_length', [TEXT], I4, (a) => charLength(a[0] as string));
fn('length', 'bytea_length', [T.bytea], I4, (a) => (a[0] as Uint8Array).length);
fn('octet_length', 'octet_length', [TEXT], I4, (a) => Buffer.byteLength(a[0] as string, 'utf8'));
// char(n) counts its padding in bytes (bpcharoctetlen), unlike its length.
fn('octet_length', 'bpchar_octet_length', [{ kind: 'bpchar' }], I4, (a) => Buffer.byteLength(a[0] as string, 'utf8'));
fn('octet_length', 'bytea_octet_length', [T.bytea], I4, (a) => (a[0] as Uint8Array).length);
fn('bit_length', 'bit_length', [TEXT], I4, (a) => Buffer.byteLength(a[0] as string, 'utf8') * 8);
fn('bit_length', 'bytea_bit_length', [T.bytea], I4, (a) => (a[0] as Uint8Array).length * 8);
fn('lower', 'lower', [TEXT], TEXT, (a) => (a[0] as string).toLowerCase());
fn('upper', 'upper', [TEXT], TEXT, (a) => (a[0] as string).toUpperCase());
fn('initcap', 'initcap', [TEXT], TEXT, (a) => initcap(a[0] as string));

function initcap(s: string): string {
  let out = '';
  let inWord = false;
  for (const c of s) {
    const alnum = /[\p{L}\p{N}]/u.test(c);
    out += alnum ? (inWord ? c.toLowerCase() : c.toUpperCase()) : c;
    inWord = alnum;
  }
  return out;
}

// ---- substrings and searching ----

/** SQL substring semantics: 1-based start, may start before 1; a negative length is an error. */
export function substring(s: string, start: number, count?: number): string {
  if (count === undefined) return charSlice(s, start - 1);
  if (count < 0) throw new SqlError('22011', 'negative substring length not allowed');
  const end = start + count; // exclusive, 1-based
  if (end <= 1) return '';
  return charSlice(s, start - 1, end - 1);
}

for (const n of ['substr', 'substring']) {
  fn(n, 'substr', [TEXT, I4], TEXT, (a) => substring(a[0] as string, a[1] as number));
  fn(n, 'substr', [TEXT, I4, I4], TEXT, (a) => substring(a[0] as string, a[1] as number, a[2] as number));
}

/** overlay(x PLACING y FROM start [FOR count]): count defaults to y's length. */
function overlay(s: string, placing: string, start: number, count: number): string {
  if (start < 1) throw new SqlError('22011', 'negative substring length not allowed');
  return substring(s, 1, start - 1) + placing + substring(s, start + Math.max(count, 0));
}
fn('overlay', 'overlay', [TEXT, TEXT, I4], TEXT, (a) => overlay(a[0] as string, a[1] as string, a[2] as number, charLength(a[1] as string)));
fn('overlay', 'overlay', [TEXT, TEXT, I4, I4], TEXT, (a) => overlay(a[0] as string, a[1] as string, a[2] as number, a[3] as number));

function strpos(haystack: string, needle: string): number {
  const i = haystack.indexOf(needle);
  if (i < 0) return 0;
  return charLength(haystack.slice(0, i)) + 1;
}
fn('position', 'position', [TEXT, TEXT], I4, (a) => strpos(a[1] as string, a[0] as string));
fn('strpos', 'strpos', [TEXT, TEXT], I4, (a) => strpos(a[0] as string, a[1] as string));
fn('starts_with', 'starts_with', [TEXT, TEXT], T.bool, (a) => (a[0] as string).startsWith(a[1] as string));
fn('replace', 'replace', [TEXT, TEXT, TEXT], TEXT, (a) => {
  const from = a[1] as string;
  return from === '' ? (a[0] as string) : (a[0] as string).split(from).join(a[2] as string);
});
fn('translate', 'translate', [TEXT, TEXT, TEXT], TEXT, (a) => {
  const from = chars(a[1] as string);
  const to = chars(a[2] as string);
  const map = new Map<string, string>();
  from.forEach((c, i) => {
    if (!map.has(c)) map.set(c, to[i] ?? '');
  });
  let out = '';
  for (const c of a[0] as string) out += map.get(c) ?? c;
  return out;
});

// ---- trimming and padding ----

function trimSet(set: string): Set<string> {
  return new Set(chars(set));
}
function trimLeft(s: string, set: Set<string>): string {
  const cs = chars(s);
  let i = 0;
  while (i < cs.length && set.has(cs[i]!)) i++;
  return cs.slice(i).join('');
}
function trimRight(s: string, set: Set<string>): string {
  const cs = chars(s);
  let j = cs.length;
  while (j > 0 && set.has(cs[j - 1]!)) j--;
  return cs.slice(0, j).join('');
}
const SPACE = new Set([' ']);
fn('btrim', 'btrim', [TEXT], TEXT, (a) => trimRight(trimLeft(a[0] as string, SPACE), SPACE));
fn('ltrim', 'ltrim', [TEXT], TEXT, (a) => trimLeft(a[0] as string, SPACE));
fn('rtrim', 'rtrim', [TEXT], TEXT, (a) => trimRight(a[0] as string, SPACE));
fn('trim', 'btrim', [TEXT], TEXT, (a) => trimRight(trimLeft(a[0] as string, SPACE), SPACE));
fn('btrim', 'btrim', [TEXT, TEXT], TEXT, (a) => {
  const set = trimSet(a[1] as string);
  return trimRight(trimLeft(a[0] as string, set), set);
});
fn('trim', 'btrim', [TEXT, TEXT], TEXT, (a) => {
  const set = trimSet(a[1] as string);
  return trimRight(trimLeft(a[0] as string, set), set);
});
fn('ltrim', 'ltrim', [TEXT, TEXT], TEXT, (a) => trimLeft(a[0] as string, trimSet(a[1] as string)));
fn('rtrim', 'rtrim', [TEXT, TEXT], TEXT, (a) => trimRight(a[0] as string, trimSet(a[1] as string)));

/** PostgreSQL refuses results over 1 GB; refuse early rather than exhaust memory. */
const MAX_RESULT_CHARS = 1 << 28;
function checkResultLength(n: number): void {
  if (n > MAX_RESULT_CHARS) throw new SqlError(SqlState.programLimitExceeded, 'requested length too large');
}

function pad(s: string, length: number, fill: string, left: boolean): string {
  const cs = chars(s);
  if (length <= 0) return '';
  checkResultLength(length);
  if (cs.length >= length) return cs.slice(0, length).join('');
  const fc = chars(fill);
  if (fc.length === 0) return s;
  const need = length - cs.length;
  let padding = '';
  for (let i = 0; i < need; i++) padding += fc[i % fc.length];
  return left ? padding + s : s + padding;
}
fn('lpad', 'lpad', [TEXT, I4], TEXT, (a) => pad(a[0] as string, a[1] as number, ' ', true));
fn('lpad', 'lpad', [TEXT, I4, TEXT], TEXT, (a) => pad(a[0] as string, a[1] as number, a[2] as string, true));
fn('rpad', 'rpad', [TEXT, I4], TEXT, (a) => pad(a[0] as string, a[1] as number, ' ', false));
fn('rpad', 'rpad', [TEXT, I4, TEXT], TEXT, (a) => pad(a[0] as string, a[1] as number, a[2] as string, false));

fn('left', 'left', [TEXT, I4], TEXT, (a) => {
  const s = a[0] as string;
  const n = a[1] as number;
  return n >= 0 ? charSlice(s, 0, n) : charSlice(s, 0, Math.max(0, charLength(s) + n));
});
fn('right', 'right', [TEXT, I4], TEXT, (a) => {
  const s = a[0] as string;
  const n = a[1] as number;
  const len = charLength(s);
  return n >= 0 ? charSlice(s, Math.max(0, len - n)) : charSlice(s, Math.min(len, -n));
});
fn('repeat', 'repeat', [TEXT, I4], TEXT, (a) => {
  const n = a[1] as number;
  const s = a[0] as string;
  if (n <= 0) return '';
  checkResultLength(s.length * n);
  return s.repeat(n);
});
fn('reverse', 'reverse', [TEXT], TEXT, (a) => chars(a[0] as string).reverse().join(''));
fn('split_part', 'split_part', [TEXT, TEXT, I4], TEXT, (a) => {
  const s = a[0] as string;
  const delim = a[1] as string;
  const n = a[2] as number;
  if (n === 0) throw invalidParameter('field position must not be zero');
  if (s === '') return '';
  const parts = delim === '' ? [s] : s.split(delim);
  const i = n > 0 ? n - 1 : parts.length + n;
  return parts[i] ?? '';
});

// ---- characters and codes ----

fn('ascii', 'ascii', [TEXT], I4, (a) => (a[0] as string).codePointAt(0) ?? 0);
fn('chr', 'chr', [I4], TEXT, (a) => {
  const c = a[0] as number;
  if (c === 0) throw new SqlError(SqlState.programLimitExceeded, 'null character not permitted');
  if (c < 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
    throw new SqlError(SqlState.programLimitExceeded, 'requested character too large for encoding: ' + c);
  }
  return String.fromCodePoint(c);
});
fn('md5', 'md5', [TEXT], TEXT, (a) => createHash('md5').update(a[0] as string, 'utf8').digest('hex'));
fn('md5', 'bytea_md5', [T.bytea], TEXT, (a) => createHash('md5').update(a[0] as Uint8Array).digest('hex'));
fn('sha256', 'sha256', [T.bytea], T.bytea, (a) => new Uint8Array(createHash('sha256').update(a[0] as Uint8Array).digest()));
fn('to_hex', 'int4_to_hex', [I4], TEXT, (a) => ((a[0] as number) >>> 0).toString(16));
fn('to_hex', 'int8_to_hex', [T.int8], TEXT, (a) => BigInt.asUintN(64, a[0] as bigint).toString(16));

// ---- encode / decode ----

function encodeEscape(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    if (b === 0x5c) out += '\\\\';
    else if (b === 0 || b >= 0x80) out += '\\' + b.toString(8).padStart(3, '0');
    else out += String.fromCharCode(b);
  }
  return out;
}
function decodeEscape(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x5c) {
      for (const b of Buffer.from(s[i]!, 'utf8')) out.push(b);
      continue;
    }
    if (s[i + 1] === '\\') {
      out.push(0x5c);
      i++;
    } else if (/^[0-3][0-7]{2}$/.test(s.slice(i + 1, i + 4))) {
      out.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      throw new SqlError(SqlState.invalidTextRepresentation, 'invalid input syntax for type bytea');
    }
  }
  return new Uint8Array(out);
}
function base64Lines(b64: string): string {
  return b64.replace(/(.{76})(?=.)/g, '$1\n');
}
function unknownEncoding(name: string): SqlError {
  return invalidParameter(`unrecognized encoding: "${name}"`);
}
fn('encode', 'encode', [T.bytea, TEXT], TEXT, (a) => {
  const bytes = a[0] as Uint8Array;
  switch ((a[1] as string).toLowerCase()) {
    case 'base64':
      return base64Lines(Buffer.from(bytes).toString('base64'));
    case 'hex':
      return Buffer.from(bytes).toString('hex');
    case 'escape':
      return encodeEscape(bytes);
    default:
      throw unknownEncoding(a[1] as string);
  }
});
fn('decode', 'decode', [TEXT, TEXT], T.bytea, (a) => {
  const s = a[0] as string;
  switch ((a[1] as string).toLowerCase()) {
    case 'base64': {
      const clean = s.replace(/[\s]/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.replace(/=+$/, '').length % 4 === 1) {
        throw new SqlError(SqlState.invalidParameterValue, 'invalid base64 end sequence');
      }
      return new Uint8Array(Buffer.from(clean, 'base64'));
    }
    case 'hex': {
      const clean = s.replace(/\s/g, '');
      if (!/^([0-9a-fA-F]{2})*$/.test(clean)) {
        throw new SqlError(SqlState.invalidParameterValue, 'invalid hexadecimal data: odd number of digits');
      }
      return new Uint8Array(Buffer.from(clean, 'hex'));
    }
    case 'escape':
      return decodeEscape(s);
    default:
      throw unknownEncoding(a[1] as string);
  }
});

// ---- quoting ----

function quoteLiteral(s: string): string {
  const body = s.replace(/'/g, "''");
  return s.includes('\\') ? "E'" + body.replace(/\\/g, '\\\\') + "'" : "'" + body + "'";
}
fn('quote_ident', 'quote_ident', [TEXT], TEXT, (a) => quoteIdent(a[0] as string));
fn('quote_literal', 'quote_literal', [TEXT], TEXT, (a) => quoteLiteral(a[0] as string));
define('quote_literal', {
  name: 'quote_literal_any',
  params: [P.anynonarray],
  returns: TEXT,
  build: (types, _returns, session) => {
    const text = textOf(types[0]!, session);
    return (a) => quoteLiteral(text(a[0]!));
  },
});
define('quote_nullable', {
  name: 'quote_nullable',
  params: [P.anynonarray],
  returns: TEXT,
  strict: false,
  build: (types, _returns, session) => {
    const text = textOf(types[0]!, session);
    return (a) => (a[0] === null ? 'NULL' : quoteLiteral(text(a[0]!)));
  },
});

// ---- format(fmt, args...) : %s %I %L and %% with optional positions ----

defineTextOfAny('format', [TEXT], (conv) => (a) => {
  if (a[0] === null) return null;
  let next = 1;
  return (a[0] as string).replace(/%(?:(\d+)\$)?(-?\d*)([sIL%])/g, (_m, pos: string | undefined, width: string, kind: string) => {
    if (kind === '%') return '%';
    const i = pos !== undefined ? Number(pos) : next;
    next = i + 1;
    if (i >= a.length) throw invalidParameter('too few arguments for format()');
    const v = a[i]!;
    let s: string;
    if (kind === 'L') s = v === null ? 'NULL' : quoteLiteral(conv[i]!(v));
    else if (kind === 'I') {
      if (v === null) throw new SqlError(SqlState.nullValueNotAllowed, 'null values cannot be formatted as an SQL identifier');
      s = quoteIdent(conv[i]!(v));
    } else s = v === null ? '' : conv[i]!(v);
    const w = width === '' ? 0 : Number(width);
    checkResultLength(Math.abs(w));
    return w < 0 ? s.padEnd(-w) : s.padStart(w);
  });
});

// ---- text <-> arrays ----

define('string_to_array', {
  name: 'string_to_array',
  params: [TEXT, TEXT],
  returns: { kind: 'array', element: TEXT },
  strict: false,
  eval: (a) => stringToArray(a[0]!, a[1]!, null),
});
define('string_to_array', {
  name: 'string_to_array',
  params: [TEXT, TEXT, TEXT],
  returns: { kind: 'array', element: TEXT },
  strict: false,
  eval: (a) => stringToArray(a[0]!, a[1]!, a[2]!),
});

function stringToArray(s: Datum, delim: Datum, nullString: Datum): Datum {
  if (s === null) return null;
  const str = s as string;
  if (str === '') return new ArrayValue([], []);
  let parts: string[];
  if (delim === null) parts = chars(str);
  else if (delim === '') parts = [str];
  else parts = str.split(delim as string);
  const elements: Datum[] = parts.map((p) => (nullString !== null && p === nullString ? null : p));
  return new ArrayValue(elements, [elements.length]);
}

for (const withNull of [false, true]) {
  define('array_to_string', {
    name: 'array_to_string',
    params: withNull ? [P.anyarray, TEXT, TEXT] : [P.anyarray, TEXT],
    returns: TEXT,
    strict: false,
    build: (types, _returns, session) => {
      const el = textOf((types[0] as { element: SqlType }).element, session);
      return (a) => {
        if (a[0] === null || a[1] === null) return null;
        const nullText = withNull ? a[2]! : null;
        const parts: string[] = [];
        for (const e of (a[0] as ArrayValue).elements) {
          if (e !== null) parts.push(el(e));
          else if (nullText !== null) parts.push(nullText as string);
        }
        return parts.join(a[1] as string);
      };
    },
  });
}

/** PostgreSQL's encoding names that mean UTF-8 (the only server encoding here). */
const UTF8_NAMES = new Set(['utf8', 'utf-8', 'unicode']);
function checkUtf8Encoding(name: string): void {
  if (!UTF8_NAMES.has(name.toLowerCase().replace(/_/g, ''))) {
    throw new SqlError(SqlState.invalidParameterValue, `invalid source encoding name "${name}"`);
  }
}
// convert_from(bytes, 'UTF8') / convert_to(text, 'UTF8'): bytes as text and back
// (PostgreSQL's; Materialize has convert_from). Invalid UTF-8 is 22021.
fn('convert_from', 'convert_from', [T.bytea, TEXT], TEXT, (a) => {
  checkUtf8Encoding(a[1] as string);
  const bytes = Buffer.from(a[0] as Uint8Array);
  const text = bytes.toString('utf8');
  if (text.includes('\ufffd') && !isUtf8(bytes)) {
    throw new SqlError(SqlState.characterNotInRepertoire, `invalid byte sequence for encoding "UTF8": 0x${bytes.subarray(0, 2).toString('hex')}`);
  }
  return text;
});
fn('convert_to', 'convert_to', [TEXT, TEXT], T.bytea, (a) => {
  checkUtf8Encoding(a[1] as string);
  return new Uint8Array(Buffer.from(a[0] as string, 'utf8'));
});
