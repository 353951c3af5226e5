// Formats a value received over pgwire (text format) as Materialize's
// sqllogictest runner formats the decoded datum (format_datum in
// src/sqllogictest/src/runner.rs), by the expected column type letter:
//
//   B: booleans as true/false.
//   I: integers as is; floats truncated toward zero; numerics rounded (half
//      up in cockroach mode, down in standard mode); booleans 0/1; text 0.
//   R: integers as is (Rust ignores {:.3} for integers); floats with 3
//      decimals (standard) or Rust's
//      shortest round-trip form without exponent (cockroach); numerics as
//      sent (cockroach) or rounded to at most 3 decimals (standard).
//   T: empty text is "(empty)"; booleans true/false; floats with 3 decimals;
//      bytea as its UTF-8 text when valid, else Rust's debug list of bytes;
//      everything else in its PostgreSQL text form.
//   O: oids.
// A combination Materialize's runner cannot format (it panics) is an error.

import { createHash } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { ColType, Mode } from './parser.js';

export const OID = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  regproc: 24,
  text: 25,
  oid: 26,
  float4: 700,
  float8: 701,
  bpchar: 1042,
  varchar: 1043,
  numeric: 1700,
  regclass: 2205,
  regtype: 2206,
  uint2: 16460,
  uint4: 16462,
  uint8: 16464,
} as const;

export class FormatError extends Error {}

const INTEGERS = new Set<number>([OID.int2, OID.int4, OID.int8, OID.uint2, OID.uint4, OID.uint8, OID.oid]);
const TEXTS = new Set<number>([OID.text, OID.bpchar, OID.varchar]);
const FLOATS = new Set<number>([OID.float4, OID.float8]);

export function formatValue(text: string | null, oid: number, type: ColType, mode: Mode): string {
  if (text === null) return 'NULL';
  switch (type) {
    case 'B':
      if (oid === OID.bool) return boolText(text);
      break;
    case 'I':
      if (INTEGERS.has(oid)) return text;
      if (FLOATS.has(oid)) return truncFloat(Number(parseFloatText(text)));
      if (TEXTS.has(oid)) return '0';
      if (oid === OID.bool) return text === 't' ? '1' : '0';
      if (oid === OID.numeric) return numericAsInteger(text, mode);
      break;
    case 'R':
      // Rust ignores a precision when it formats an integer.
      if (oid === OID.int2 || oid === OID.int4 || oid === OID.int8) return text;
      if (FLOATS.has(oid)) {
        const f = parseFloatText(text);
        if (mode === 'standard') return fixed3(f);
        return oid === OID.float4 ? rustDisplayF32(f) : rustDisplayF64(f);
      }
      if (oid === OID.numeric) return mode === 'standard' ? numericStandardReal(text) : text;
      break;
    case 'T':
      if (TEXTS.has(oid)) return text === '' ? '(empty)' : text;
      if (oid === OID.bool) return boolText(text);
      if (FLOATS.has(oid)) return fixed3(parseFloatText(text));
      if (oid === OID.bytea) return byteaText(text);
      return text;
    case 'O':
      if (oid === OID.oid) return text;
      break;
  }
  throw new FormatError(`Don't know how to format value ${JSON.stringify(text)} of type oid ${oid} as ${type}`);
}

function boolText(t: string): string {
  return t === 't' || t === 'true' ? 'true' : 'false';
}

function parseFloatText(t: string): number {
  if (t === 'NaN') return NaN;
  if (t === 'Infinity') return Infinity;
  if (t === '-Infinity') return -Infinity;
  return Number(t);
}

function truncFloat(f: number): string {
  if (Number.isNaN(f)) return '0';
  // Rust's `as i64` saturates.
  if (f >= 2 ** 63) return '9223372036854775807';
  if (f <= -(2 ** 63)) return '-9223372036854775808';
  return BigInt(Math.trunc(f)).toString();
}

function rustSpecial(f: number): string | undefined {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return 'inf';
  if (f === -Infinity) return '-inf';
  return undefined;
}

/** Rust's `format!("{:.3}", f)`: exact decimal expansion rounded to 3 places. */
export function fixed3(f: number): string {
  const s = rustSpecial(f);
  if (s !== undefined) return s;
  const neg = f < 0 || Object.is(f, -0);
  const a = Math.abs(f);
  let body: string;
  if (a >= 1e21) body = BigInt(a).toString() + '.000';
  else body = new Decimal(a).toFixed(3, Decimal.ROUND_HALF_EVEN);
  return (neg ? '-' : '') + body;
}

/** Expands a JavaScript number string (maybe with an exponent) to plain decimal digits. */
function plain(digits: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(digits);
  if (m === null) return digits;
  const [, sign, int, frac = '', exp = '0'] = m;
  const e = Number(exp);
  let all = int! + frac;
  let point = int!.length + e;
  if (point <= 0) {
    all = '0'.repeat(1 - point) + all;
    point = 1;
  }
  if (point >= all.length) all = all + '0'.repeat(point - all.length);
  let intPart = all.slice(0, point).replace(/^0+(?=\d)/, '');
  const fracPart = all.slice(point).replace(/0+$/, '');
  if (intPart === '') intPart = '0';
  return sign + intPart + (fracPart === '' ? '' : '.' + fracPart);
}

/** Rust's `format!("{}", f64)`: shortest round-trip digits, never an exponent. */
export function rustDisplayF64(f: number): string {
  const s = rustSpecial(f);
  if (s !== undefined) return s;
  if (Object.is(f, -0)) return '-0';
  return plain(String(f));
}

/** Rust's `format!("{}", f32)`: the shortest digits that read back as the same f32. */
export function rustDisplayF32(f: number): string {
  const s = rustSpecial(f);
  if (s !== undefined) return s;
  if (Object.is(f, -0)) return '-0';
  const x = Math.fround(f);
  for (let p = 1; p <= 9; p++) {
    const t = x.toPrecision(p);
    if (Math.fround(Number(t)) === x) return plain(String(Number(t)));
  }
  return plain(String(x));
}

function numericAsInteger(text: string, mode: Mode): string {
  if (!/^-?\d/.test(text)) return text;
  const d = new Decimal(text);
  const r = d.toDecimalPlaces(0, mode === 'standard' ? Decimal.ROUND_DOWN : Decimal.ROUND_HALF_UP);
  const out = r.toFixed(0);
  return out === '-0' ? '0' : out;
}

function numericStandardReal(text: string): string {
  if (!/^-?\d/.test(text)) return text;
  const dot = text.indexOf('.');
  const scale = dot < 0 ? 0 : text.length - dot - 1;
  if (scale <= 3) return text;
  const out = new Decimal(text).toFixed(3, Decimal.ROUND_HALF_EVEN);
  return out.startsWith('-') && /^-0\.0+$/.test(out) ? out.slice(1) : out;
}

function byteaText(text: string): string {
  if (!text.startsWith('\\x')) return text;
  const bytes = Buffer.from(text.slice(2), 'hex');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return `[${[...bytes].join(', ')}]`;
  }
}

/** sqllogictest's hash: md5 of the values, each followed by a newline. */
export function hashValues(values: readonly string[]): string {
  const h = createHash('md5');
  for (const v of values) {
    h.update(v);
    h.update('\n');
  }
  return h.digest('hex');
}
