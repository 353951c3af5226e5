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
 * Returns the literal's display scale: digits after the point less the
 * exponent (1.50 -> 2, 1.5e1 -> 0).
 */
export function checkNumericLiteralRange(literal: string): number {
  const ePos = literal.search(/[eE]/);
  const mantissa = ePos < 0 ? literal : literal.slice(0, ePos);
  const exponent = ePos < 0 ? 0 : Number(literal.slice(ePos + 1));
  if (!Number.isFinite(exponent)) throw overflow();
  const point = mantissa.indexOf('.');
  const fractionDigits = point < 0 ? 0 : mantissa.length - point - 1;
  const scale = Math.max(0, fractionDigits - exponent);
  if (scale > MAX_DISPLAY_SCALE) throw overflow();
  const firstNonZero = mantissa.search(/[1-9]/);
  if (firstNonZero < 0) return scale; // zero: only the scale matters
  const integerEnd = point < 0 ? mantissa.length : point;
  const integerDigits = integerEnd - firstNonZero + exponent + (firstNonZero > integerEnd ? 1 : 0);
  if (integerDigits > MAX_INTEGER_DIGITS) throw overflow();
  return scale;
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
  const scale = checkNumericLiteralRange(s.replace(/^[+-]/, ''));
  return withDisplayScale(new Decimal(s), scale); // numeric has no negative zero
}

/**
 * PostgreSQL's numeric keeps a display scale per value (1.50 prints 1.50;
 * 1.50 + 1 prints 2.50). Decimal drops trailing zeros, so values whose
 * display scale is known carry it as a non-enumerable tag; untagged values
 * display their natural scale. Equality, hashing and keys ignore the tag,
 * as PostgreSQL's numeric comparison ignores the display scale.
 */
const DISPLAY_SCALE = Symbol('numeric display scale');
type ScaledDecimal = Decimal & { [DISPLAY_SCALE]?: number };

/** A copy of `d` that displays `scale` digits after the point (finite values only). */
export function withDisplayScale(d: Decimal, scale: number): Decimal {
  if (!d.isFinite()) return d;
  const tagged: ScaledDecimal = new Decimal(d.isZero() ? 0 : d);
  Object.defineProperty(tagged, DISPLAY_SCALE, { value: Math.max(0, Math.min(scale, MAX_DISPLAY_SCALE)), enumerable: false });
  return tagged;
}

/** The display scale of a value: its tag, else the digits it needs after the point. */
export function displayScaleOf(d: Decimal): number {
  if (!d.isFinite()) return 0;
  return (d as ScaledDecimal)[DISPLAY_SCALE] ?? Math.max(0, d.decimalPlaces());
}

/**
 * numeric_out. The value's display scale applies, and at least the declared
 * scale of a numeric(p,s) type (values read back from storage lose their tag).
 */
export function formatNumeric(d: Decimal, scale?: number): string {
  if (d.isNaN()) return 'NaN';
  if (!d.isFinite()) return d.isNegative() ? '-Infinity' : 'Infinity';
  const v = d.isZero() ? new Decimal(0) : d;
  const tag = (d as ScaledDecimal)[DISPLAY_SCALE];
  const shown = tag === undefined ? scale : Math.max(tag, scale ?? 0);
  return shown === undefined ? v.toFixed() : v.toFixed(shown);
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
  return withDisplayScale(rounded, s);
}

/** Canonical text of a numeric value for keys: equal values (1.0, 1.00) give equal text. */
export function numericKeyText(d: Decimal): string {
  if (d.isZero()) return '0';
  return d.toString();
}
