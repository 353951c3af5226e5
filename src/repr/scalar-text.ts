// Text I/O of the simple scalar types: bool, integers, floats, bytea, uuid,
// oid, character strings (with char(n)/varchar(n) length rules).
import { SqlError, SqlState } from './errors.js';
import { shortestFloat4, shortestFloat8 } from './float-format.js';
import { charLength, utf8Encode } from './strings.js';

function invalidSyntax(typeName: string, text: string): SqlError {
  return new SqlError(SqlState.invalidTextRepresentation, `invalid input syntax for type ${typeName}: "${text}"`);
}

function outOfRange(typeName: string, text: string): SqlError {
  return new SqlError(SqlState.numericValueOutOfRange, `value "${text}" is out of range for type ${typeName}`);
}

// ---------------------------------------------------------------------------
// bool

/** boolin: unique prefixes of true/false/yes/no, on/off, 1/0, case-insensitive, whitespace trimmed. */
export function parseBool(text: string): boolean {
  const s = text.trim().toLowerCase();
  if (s.length > 0) {
    if ('true'.startsWith(s) || 'yes'.startsWith(s) || s === '1') return true;
    if ('false'.startsWith(s) || 'no'.startsWith(s) || s === '0') return false;
    if (s === 'on') return true;
    if (s.length >= 2 && 'off'.startsWith(s)) return false;
  }
  throw invalidSyntax('boolean', text);
}

// ---------------------------------------------------------------------------
// integers

const INTEGER_PATTERN = /^\s*([+-]?)0*(\d+)\s*$/;

export interface IntegerRange {
  name: string;
  min: bigint;
  max: bigint;
}

export const INT2_RANGE: IntegerRange = { name: 'smallint', min: -32768n, max: 32767n };
export const INT4_RANGE: IntegerRange = { name: 'integer', min: -2147483648n, max: 2147483647n };
export const INT8_RANGE: IntegerRange = { name: 'bigint', min: -9223372036854775808n, max: 9223372036854775807n };
export const UINT2_RANGE: IntegerRange = { name: 'uint2', min: 0n, max: 65535n };
export const UINT4_RANGE: IntegerRange = { name: 'uint4', min: 0n, max: 4294967295n };
export const UINT8_RANGE: IntegerRange = { name: 'uint8', min: 0n, max: 18446744073709551615n };

/** Integer input with PostgreSQL's syntax and range errors; returns a bigint. */
export function parseIntegerBig(text: string, range: IntegerRange): bigint {
  const m = INTEGER_PATTERN.exec(text);
  if (m === null) throw invalidSyntax(range.name, text);
  const digits = m[2]!;
  if (digits.length > 20) throw outOfRange(range.name, text);
  const v = BigInt(m[1] === '-' ? `-${digits}` : digits);
  if (v < range.min || v > range.max) throw outOfRange(range.name, text);
  return v;
}

/** Integer input for types held as JS numbers (int2, int4, uint2, uint4). */
export function parseIntegerSmall(text: string, range: IntegerRange): number {
  const m = INTEGER_PATTERN.exec(text);
  if (m === null) throw invalidSyntax(range.name, text);
  const digits = m[2]!;
  if (digits.length > 10) throw outOfRange(range.name, text);
  const v = Number(digits) * (m[1] === '-' ? -1 : 1);
  if (v < Number(range.min) || v > Number(range.max)) throw outOfRange(range.name, text);
  return v === 0 ? 0 : v;
}

/** oidin: unsigned 32-bit, negative values wrap as in PostgreSQL. */
export function parseOid(text: string): number {
  const m = INTEGER_PATTERN.exec(text);
  if (m === null) throw invalidSyntax('oid', text);
  const digits = m[2]!;
  if (digits.length > 10) throw outOfRange('oid', text);
  const v = Number(digits) * (m[1] === '-' ? -1 : 1);
  if (v > 4294967295 || v < -2147483648) throw outOfRange('oid', text);
  return v < 0 ? v + 4294967296 : v;
}

// ---------------------------------------------------------------------------
// floats

const FLOAT_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const HEX_FLOAT_PATTERN = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/i;

function parseFloatCommon(text: string, typeName: string): number {
  const s = text.trim();
  const lower = s.toLowerCase();
  switch (lower) {
    case 'nan': case '+nan': case '-nan': return NaN;
    case 'infinity': case '+infinity': case 'inf': case '+inf': return Infinity;
    case '-infinity': case '-inf': return -Infinity;
    default: break;
  }
  if (FLOAT_PATTERN.test(s)) return Number(s);
  const hex = HEX_FLOAT_PATTERN.exec(s);
  if (hex === null || hex[2]! + (hex[3] ?? '') === '') throw invalidSyntax(typeName, text);
  // strtod's hexadecimal form, which PostgreSQL's float input accepts: 0x1.8p3.
  const digits = hex[2]! + (hex[3] ?? '');
  const exponent = (hex[4] === undefined ? 0 : Number(hex[4])) - 4 * (hex[3] ?? '').length;
  const value = parseInt(digits, 16) * 2 ** exponent;
  return hex[1] === '-' ? -value : value;
}

function floatOutOfRange(text: string, typeName: string): SqlError {
  return new SqlError(SqlState.numericValueOutOfRange, `"${text.trim()}" is out of range for type ${typeName}`);
}

/** Whether a literal with nonzero digits parsed to zero (underflow). */
function hasNonZeroDigit(s: string): boolean {
  const mantissa = s.split(/e/i)[0]!;
  return /[1-9]/.test(mantissa);
}

export function parseFloat8(text: string): number {
  const v = parseFloatCommon(text, 'double precision');
  if (Number.isFinite(v) || Number.isNaN(v)) {
    if (v === 0 && hasNonZeroDigit(text)) throw floatOutOfRange(text, 'double precision');
    return v;
  }
  if (/inf/i.test(text)) return v;
  throw floatOutOfRange(text, 'double precision');
}

export function parseFloat4(text: string): number {
  const v = parseFloatCommon(text, 'real');
  if (Number.isNaN(v) || (!Number.isFinite(v) && /inf/i.test(text))) return v;
  const f = Math.fround(v);
  if (!Number.isFinite(f) || (f === 0 && hasNonZeroDigit(text))) throw floatOutOfRange(text, 'real');
  return f;
}

/**
 * Shortest round-trip digits formatted like PostgreSQL's float output
 * (extra_float_digits >= 1): fixed notation when -4 <= exponent < threshold
 * (15 for float8, 6 for float4), otherwise d.ddde+XX.
 */
function formatShortest(exponential: string, threshold: number): string {
  const ePos = exponential.indexOf('e');
  let mantissa = exponential.slice(0, ePos);
  const exp = Number(exponential.slice(ePos + 1));
  let sign = '';
  if (mantissa[0] === '-') {
    sign = '-';
    mantissa = mantissa.slice(1);
  }
  const digits = mantissa.replace('.', '');
  if (exp >= -4 && exp < threshold) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    if (digits.length <= exp + 1) return sign + digits + '0'.repeat(exp + 1 - digits.length);
    return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  const rest = digits.length > 1 ? `.${digits.slice(1)}` : '';
  const absExp = Math.abs(exp);
  return `${sign}${digits[0]}${rest}e${exp < 0 ? '-' : '+'}${absExp < 10 ? `0${absExp}` : absExp}`;
}

function formatSpecialFloat(n: number): string | undefined {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  return undefined;
}

export function formatFloat8(n: number): string {
  return formatSpecialFloat(n) ?? formatShortest(shortestFloat8(n), 15);
}

/** float4 output: the shortest decimal that reads back as the same float4 (0.1::float4 prints 0.1). */
export function formatFloat4(n: number): string {
  return formatSpecialFloat(n) ?? formatShortest(shortestFloat4(n), 6);
}

// ---------------------------------------------------------------------------
// bytea

const HEX = '0123456789abcdef';

/** byteaout (bytea_output = hex): `\x0aff`. */
export function formatBytea(bytes: Uint8Array): string {
  let s = '\\x';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    s += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return s;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** byteain: hex format (`\x...`, whitespace between bytes allowed) or escape format. */
export function parseBytea(text: string): Uint8Array {
  if (text.startsWith('\\x')) {
    const out: number[] = [];
    let i = 2;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) {
        i++;
        continue;
      }
      const hi = hexValue(c);
      if (hi < 0) throw new SqlError(SqlState.invalidParameterValue, `invalid hexadecimal digit: "${text[i]}"`);
      if (i + 1 >= text.length) {
        throw new SqlError(SqlState.invalidParameterValue, 'invalid hexadecimal data: odd number of digits');
      }
      const lo = hexValue(text.charCodeAt(i + 1));
      if (lo < 0) throw new SqlError(SqlState.invalidParameterValue, `invalid hexadecimal digit: "${text[i + 1]}"`);
      out.push((hi << 4) | lo);
      i += 2;
    }
    return Uint8Array.from(out);
  }
  const out: number[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c !== '\\') {
      const code = text.charCodeAt(i);
      if (code < 0x80) {
        out.push(code);
        i++;
      } else {
        const cp = text.codePointAt(i)!;
        const width = cp > 0xffff ? 2 : 1;
        for (const b of utf8Encode(text.slice(i, i + width))) out.push(b);
        i += width;
      }
      continue;
    }
    if (text[i + 1] === '\\') {
      out.push(92);
      i += 2;
      continue;
    }
    const octal = /^[0-3][0-7]{2}/.exec(text.slice(i + 1, i + 4));
    if (octal === null) throw new SqlError(SqlState.invalidTextRepresentation, 'invalid input syntax for type bytea');
    out.push(parseInt(octal[0], 8));
    i += 4;
  }
  return Uint8Array.from(out);
}

// ---------------------------------------------------------------------------
// uuid

/** uuid_in: optional braces, upper or lower case, a hyphen allowed after any group of four digits. */
export function parseUuid(text: string): string {
  let i = 0;
  const braces = text[0] === '{';
  if (braces) i++;
  let hex = '';
  for (let group = 0; group < 16; group++) {
    const a = hexValue(text.charCodeAt(i));
    const b = hexValue(text.charCodeAt(i + 1));
    if (a < 0 || b < 0) throw invalidSyntax('uuid', text);
    hex += text.slice(i, i + 2);
    i += 2;
    if (text[i] === '-' && group % 2 === 1 && group < 15) i++;
  }
  if (braces) {
    if (text[i] !== '}') throw invalidSyntax('uuid', text);
    i++;
  }
  if (i !== text.length) throw invalidSyntax('uuid', text);
  hex = hex.toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// ---------------------------------------------------------------------------
// character strings

/** Cuts a string to at most `length` characters (code points). */
function truncateChars(s: string, length: number): string {
  if (s.length <= length) return s;
  let chars = 0;
  for (let i = 0; i < s.length; i++) {
    if (chars === length) return s.slice(0, i);
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) i++;
    chars++;
  }
  return s;
}

function checkFits(s: string, length: number, typeName: string, explicit: boolean): string {
  const n = charLength(s);
  if (n <= length) return s;
  const cut = truncateChars(s, length);
  // Only trailing spaces may be dropped silently (SQL standard); explicit casts always truncate.
  if (!explicit && !/^ *$/.test(s.slice(cut.length))) {
    throw new SqlError(SqlState.stringDataRightTruncation, `value too long for type ${typeName}(${length})`);
  }
  return cut;
}

/**
 * varchar(n) input/assignment: a longer value is an error (22001) unless
 * the excess is spaces; with `explicit` (a ::varchar(n) cast) it is cut.
 */
export function coerceVarchar(s: string, length: number | undefined, explicit = false): string {
  return length === undefined ? s : checkFits(s, length, 'character varying', explicit);
}

/** char(n): like varchar(n), then padded with spaces to n characters (PostgreSQL stores it padded). */
export function coerceBpchar(s: string, length: number | undefined, explicit = false): string {
  if (length === undefined) return s;
  const fitted = checkFits(s, length, 'character', explicit);
  const n = charLength(fitted);
  return n < length ? fitted + ' '.repeat(length - n) : fitted;
}

/** name: PostgreSQL truncates identifiers to 63 bytes. */
export function coerceName(s: string): string {
  const bytes = utf8Encode(s);
  if (bytes.length <= 63) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const w = utf8Encode(ch).length;
    if (used + w > 63) break;
    out += ch;
    used += w;
  }
  return out;
}
