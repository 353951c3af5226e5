// numeric text I/O and the numeric(p,s) modifier. decimal.js' default
// precision (20 digits) is far too small for SQL numeric, so the shared
// constructor is configured here once, the same way src/expr/decimal.ts does.
import { Decimal } from 'decimal.js';
import { SqlError, SqlState } from './errors.js';

Decimal.set({ precision: 1000, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -1000, toExpPos: 1000, maxE: 9e15, minE: -9e15 });

export { Decimal };

/** PostgreSQL numeric literal syntax (numeric_in, PostgreSQL 15: no underscores, no hex). */
const NUMERIC_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
/** numeric_in (PostgreSQL 15) rejects exponents beyond NUMERIC_MAX_PRECISION. */
const MAX_LITERAL_EXPONENT = 1000;
/** Beyond this many digits before the point a value overflows numeric's format. */
const MAX_INTEGER_DIGITS = 131072;

/** numeric_in: NaN, [+-]Infinity/inf and decimal literals, surrounding whitespace allowed. */
export function parseNumeric(text: string): Decimal {
  const s = text.trim();
  const lower = s.toLowerCase();
  if (lower === 'nan') return new Decimal(NaN);
  if (lower === 'infinity' || lower === '+infinity' || lower === 'inf' || lower === '+inf') return new Decimal(Infinity);
  if (lower === '-infinity' || lower === '-inf') return new Decimal(-Infinity);
  const match = NUMERIC_PATTERN.exec(s);
  if (match === null || (match[2] !== undefined && Math.abs(Number(match[2].slice(1))) > MAX_LITERAL_EXPONENT)) {
    throw new SqlError(SqlState.invalidTextRepresentation, `invalid input syntax for type numeric: "${text}"`);
  }
  const d = new Decimal(s);
  if (d.isZero()) return new Decimal(0); // numeric has no negative zero
  if (d.e >= MAX_INTEGER_DIGITS) {
    throw new SqlError(SqlState.numericValueOutOfRange, 'value overflows numeric format');
  }
  return d;
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
