// numeric text I/O and the numeric(p,s) modifier. decimal.js' default
// precision (20 digits) is far too small for SQL numeric, so the shared
// constructor is configured here once, the same way src/expr/decimal.ts does.
import { Decimal } from 'decimal.js';
import { SqlError, SqlState } from './errors.js';

Decimal.set({ precision: 1000, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -1000, toExpPos: 1000, maxE: 9e15, minE: -9e15 });

export { Decimal };

/** PostgreSQL numeric literal syntax (numeric_in, PostgreSQL 15: no underscores, no hex). */
const NUMERIC_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
/** numeric's format limits: digits before the point, and display scale. */
const MAX_INTEGER_DIGITS = 131072;
const MAX_DISPLAY_SCALE = 16383;

function overflow(): SqlError {
  return new SqlError(SqlState.numericValueOutOfRange, 'value overflows numeric format');
}

/**
 * Checks a decimal literal (digits, optional point, optional exponent)
 * against numeric's limits before it is expanded: at most 131072 digits
 * before the point and a display scale of at most 16383 (22003 otherwise).
 */
export function checkNumericLiteralRange(literal: string): void {
  const ePos = literal.search(/[eE]/);
  const mantissa = ePos < 0 ? literal : literal.slice(0, ePos);
  const exponent = ePos < 0 ? 0 : Number(literal.slice(ePos + 1));
  if (!Number.isFinite(exponent)) throw overflow();
  const point = mantissa.indexOf('.');
  const fractionDigits = point < 0 ? 0 : mantissa.length - point - 1;
  if (fractionDigits - exponent > MAX_DISPLAY_SCALE) throw overflow();
  const firstNonZero = mantissa.search(/[1-9]/);
  if (firstNonZero < 0) return; // zero: only the scale matters
  const integerEnd = point < 0 ? mantissa.length : point;
  const integerDigits = integerEnd - firstNonZero + exponent + (firstNonZero > integerEnd ? 1 : 0);
  if (integerDigits > MAX_INTEGER_DIGITS) throw overflow();
}

/** numeric_in: NaN, [+-]Infinity/inf and decimal literals, surrounding whitespace allowed. */
export function parseNumeric(text: string): Decimal {
  const s = text.trim();
  const lower = s.toLowerCase();
  if (lower === 'nan') return new Decimal(NaN);
  if (lower === 'infinity' || lower === '+infinity' || lower === 'inf' || lower === '+inf') return new Decimal(Infinity);
  if (lower === '-infinity' || lower === '-inf') return new Decimal(-Infinity);
  if (!NUMERIC_PATTERN.test(s)) {
    throw new SqlError(SqlState.invalidTextRepresentation, `invalid input syntax for type numeric: "${text}"`);
  }
  checkNumericLiteralRange(s.replace(/^[+-]/, ''));
  const d = new Decimal(s);
  return d.isZero() ? new Decimal(0) : d; // numeric has no negative zero
}

/**
 * numeric_out. Decimal keeps no display scale, so the declared scale of a
 * numeric(p,s) column is applied here (12.5 in numeric(4,2) prints 12.50).
 */
export function formatNumeric(d: Decimal, scale?: number): string {
  if (d.isNaN()) return 'NaN';
  if (!d.isFinite()) return d.isNegative() ? '-Infinity' : 'Infinity';
  const v = d.isZero() ? new Decimal(0) : d;
  return scale === undefined ? v.toFixed() : v.toFixed(scale);
}

/**
 * Applies numeric(precision, scale): rounds half away from zero to `scale`
 * places and raises 22003 "numeric field overflow" when the integer part
 * needs more than precision - scale digits (PostgreSQL's apply_typmod).
 */
export function applyNumericTypmod(d: Decimal, precision: number | undefined, scale: number | undefined): Decimal {
  if (precision === undefined || d.isNaN()) return d;
  const s = scale ?? 0;
  const integerDigits = precision - s;
  if (!d.isFinite()) {
    throw new SqlError(SqlState.numericValueOutOfRange, 'numeric field overflow', {
      detail: `A field with precision ${precision}, scale ${s} cannot hold an infinite value.`,
    });
  }
  const rounded = d.toDecimalPlaces(s, Decimal.ROUND_HALF_UP);
  if (!rounded.isZero() && rounded.abs().gte(new Decimal(10).pow(integerDigits))) {
    throw new SqlError(SqlState.numericValueOutOfRange, 'numeric field overflow', {
      detail: `A field with precision ${precision}, scale ${s} must round to an absolute value less than ${integerDigits > 0 ? `10^${integerDigits}` : '1'}.`,
    });
  }
  return rounded.isZero() ? new Decimal(0) : rounded;
}

/** Canonical text of a numeric value for keys: equal values (1.0, 1.00) give equal text. */
export function numericKeyText(d: Decimal): string {
  if (d.isZero()) return '0';
  return d.toString();
}
