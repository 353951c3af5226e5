// numeric arithmetic on decimal.js. PostgreSQL's numeric is exact for + - *
// and rounds quotients to a computed display scale. The shared Decimal
// constructor's precision is configured by repr/numeric.ts (imported here so
// that configuration is always in effect).
import { Decimal, applyNumericTypmod, displayScaleOf, withDisplayScale } from '../repr/numeric.js';
import { SqlError, SqlState } from '../repr/errors.js';

export { Decimal, applyNumericTypmod, withDisplayScale };

const NUMERIC_MIN_SIG_DIGITS = 16;
const NUMERIC_MAX_DISPLAY_SCALE = 1000;

/** The value's display scale (digits after the point as PostgreSQL prints it). */
export function decimalScale(d: Decimal): number {
  return displayScaleOf(d);
}

/** PostgreSQL's weight and first digit of a value in base 10000 (as select_div_scale uses them). */
function baseTenThousandHead(d: Decimal): { weight: number; first: number } {
  if (d.isZero()) return { weight: 0, first: 0 };
  const e = d.e; // floor(log10(|d|))
  const weight = Math.floor(e / 4);
  const first = d.abs().div(new Decimal(10).pow(weight * 4)).floor().toNumber();
  return { weight, first };
}

/** Result scale of a numeric division, as PostgreSQL's select_div_scale computes it. */
export function divisionScale(a: Decimal, b: Decimal): number {
  const h1 = baseTenThousandHead(a);
  const h2 = baseTenThousandHead(b);
  let qweight = h1.weight - h2.weight;
  if (h1.first <= h2.first) qweight--;
  let rscale = NUMERIC_MIN_SIG_DIGITS - qweight * 4;
  rscale = Math.max(rscale, decimalScale(a), decimalScale(b), 0);
  return Math.min(rscale, NUMERIC_MAX_DISPLAY_SCALE);
}

/** A finite decimal as an integer mantissa and a decimal scale: value = mantissa * 10^-scale. */
function toScaledInteger(d: Decimal): { mantissa: bigint; scale: number } {
  const text = d.toFixed();
  const dot = text.indexOf('.');
  if (dot < 0) return { mantissa: BigInt(text), scale: 0 };
  return { mantissa: BigInt(text.slice(0, dot) + text.slice(dot + 1)), scale: text.length - dot - 1 };
}

/** a / b rounded half away from zero to `scale` places, in exact integer arithmetic. */
export function divideToScale(a: Decimal, b: Decimal, scale: number): Decimal {
  const x = toScaledInteger(a);
  const y = toScaledInteger(b);
  // a/b = (mx / my) * 10^(sy - sx); shift so the integer quotient has `scale` decimals.
  const shift = scale + y.scale - x.scale;
  let n = x.mantissa;
  let m = y.mantissa;
  if (shift >= 0) n *= 10n ** BigInt(shift);
  else m *= 10n ** BigInt(-shift);
  let q = n / m;
  const r = n % m;
  const absR = r < 0n ? -r : r;
  const absM = m < 0n ? -m : m;
  if (2n * absR >= absM) q += (n < 0n) !== (m < 0n) ? -1n : 1n;
  return withDisplayScale(new Decimal(`${q}e-${scale}`), scale);
}

/** numeric / numeric with PostgreSQL's result scale (NaN rules included). */
export function numericDivide(a: Decimal, b: Decimal): Decimal {
  if (a.isNaN() || b.isNaN()) return new Decimal(NaN);
  if (b.isZero()) throw new SqlError(SqlState.divisionByZero, 'division by zero');
  if (!a.isFinite() || !b.isFinite()) return a.div(b);
  return divideToScale(a, b, divisionScale(a, b));
}

/** Transcendental functions need ~20 significant digits, not 1000: compute them at a lower precision. */
const Approximate = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });

export function approximately(d: Decimal, f: (x: InstanceType<typeof Approximate>) => InstanceType<typeof Approximate>): Decimal {
  return new Decimal(f(new Approximate(d.toString())).toString());
}

/** Rounds half away from zero to an integer and range-checks it (numeric -> int casts). */
export function decimalToBigInt(d: Decimal, min: bigint, max: bigint, what: string): bigint {
  if (d.isNaN()) throw new SqlError(SqlState.featureNotSupported, `cannot convert NaN to ${what}`);
  if (!d.isFinite()) throw new SqlError(SqlState.featureNotSupported, `cannot convert infinity to ${what}`);
  const r = BigInt(d.toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toFixed(0));
  if (r < min || r > max) throw new SqlError(SqlState.numericValueOutOfRange, `${what} out of range`);
  return r;
}
