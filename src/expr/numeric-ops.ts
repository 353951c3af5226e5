// Arithmetic, bitwise operators and math functions on int2/int4/int8,
// float4/float8 and numeric, with PostgreSQL's overflow, division-by-zero and
// rounding rules. Integer operators check ranges; int / int truncates.
import type { Datum, SqlType } from '../repr/types.js';
import { T } from '../repr/types.js';
import { SqlError } from '../repr/errors.js';
import { approximately, Decimal, decimalScale, numericDivide, withDisplayScale } from './decimal.js';
import { INT8_MAX, INT8_MIN, roundHalfEven } from './cast.js';
import { divisionByZero, floatOverflow, floatUnderflow, outOfRange } from './errors.js';
import { define, type Evaluator } from './registry.js';
import { defineBinaryOperator as op2, definePrefixOperator as op1, defineFunction as fn, NUM, F8, I4 } from './signatures.js';

type NumFn = (a: number, b: number) => number;
type BigFn = (a: bigint, b: bigint) => bigint;
type DecFn = (a: Decimal, b: Decimal) => Decimal;

const INT_KINDS = [
  { type: T.int2 as SqlType, name: 'int2', what: 'smallint', min: -32768, max: 32767 },
  { type: T.int4 as SqlType, name: 'int4', what: 'integer', min: -2147483648, max: 2147483647 },
] as const;

// ---- small integers (number) ----

function intChecked(min: number, max: number, what: string, f: NumFn): Evaluator {
  return (args) => {
    const r = f(args[0] as number, args[1] as number);
    if (r > max || r < min) throw outOfRange(what);
    return r;
  };
}

function intDiv(a: number, b: number): number {
  if (b === 0) throw divisionByZero();
  return Math.trunc(a / b) + 0;
}
function intMod(a: number, b: number): number {
  if (b === 0) throw divisionByZero();
  return (a % b) + 0;
}

for (const k of INT_KINDS) {
  const t = k.type;
  op2('+', `${k.name}_add`, t, t, t, intChecked(k.min, k.max, k.what, (a, b) => a + b));
  op2('-', `${k.name}_sub`, t, t, t, intChecked(k.min, k.max, k.what, (a, b) => a - b));
  op2('*', `${k.name}_mul`, t, t, t, intChecked(k.min, k.max, k.what, (a, b) => a * b));
  op2('/', `${k.name}_div`, t, t, t, intChecked(k.min, k.max, k.what, intDiv));
  op2('%', `${k.name}_mod`, t, t, t, intChecked(k.min, k.max, k.what, intMod));
  fn('mod', `${k.name}_mod`, [t, t], t, intChecked(k.min, k.max, k.what, intMod));
  const bits = k.name === 'int2' ? 16 : 32;
  const wrap = (x: number) => (bits === 16 ? (x << 16) >> 16 : x | 0);
  op2('&', `${k.name}_and`, t, t, t, (a) => (a[0] as number) & (a[1] as number));
  op2('|', `${k.name}_or`, t, t, t, (a) => (a[0] as number) | (a[1] as number));
  op2('#', `${k.name}_xor`, t, t, t, (a) => (a[0] as number) ^ (a[1] as number));
  op2('<<', `${k.name}_shl`, t, T.int4, t, (a) => wrap((a[0] as number) << (a[1] as number)));
  op2('>>', `${k.name}_shr`, t, T.int4, t, (a) => wrap((a[0] as number) >> (a[1] as number)));
  op1('~', `${k.name}_not`, t, t, (a) => ~(a[0] as number));
  const neg = (a: Datum[]) => {
    const r = -(a[0] as number) + 0;
    if (r > k.max) throw outOfRange(k.what);
    return r;
  };
  op1('-', `${k.name}_neg`, t, t, neg);
  op1('+', `${k.name}_pos`, t, t, (a) => a[0]!);
  op1('@', `${k.name}_abs`, t, t, (a) => {
    const r = Math.abs(a[0] as number);
    if (r > k.max) throw outOfRange(k.what);
    return r;
  });
  fn('abs', `${k.name}_abs`, [t], t, (a) => {
    const r = Math.abs(a[0] as number);
    if (r > k.max) throw outOfRange(k.what);
    return r;
  });
}

// ---- int8 (bigint) ----

function bigChecked(min: bigint, max: bigint, what: string, f: BigFn): Evaluator {
  return (args) => {
    const r = f(args[0] as bigint, args[1] as bigint);
    if (r > max || r < min) throw outOfRange(what);
    return r;
  };
}
function int8Checked(f: BigFn): Evaluator {
  return bigChecked(INT8_MIN, INT8_MAX, 'bigint', f);
}
function int8Div(a: bigint, b: bigint): bigint {
  if (b === 0n) throw divisionByZero();
  return a / b;
}
function int8Mod(a: bigint, b: bigint): bigint {
  if (b === 0n) throw divisionByZero();
  return a % b;
}
{
  const t = T.int8;
  op2('+', 'int8_add', t, t, t, int8Checked((a, b) => a + b));
  op2('-', 'int8_sub', t, t, t, int8Checked((a, b) => a - b));
  op2('*', 'int8_mul', t, t, t, int8Checked((a, b) => a * b));
  op2('/', 'int8_div', t, t, t, int8Checked(int8Div));
  op2('%', 'int8_mod', t, t, t, int8Checked(int8Mod));
  fn('mod', 'int8_mod', [t, t], t, int8Checked(int8Mod));
  op2('&', 'int8_and', t, t, t, (a) => (a[0] as bigint) & (a[1] as bigint));
  op2('|', 'int8_or', t, t, t, (a) => (a[0] as bigint) | (a[1] as bigint));
  op2('#', 'int8_xor', t, t, t, (a) => (a[0] as bigint) ^ (a[1] as bigint));
  op2('<<', 'int8_shl', t, T.int4, t, (a) => BigInt.asIntN(64, (a[0] as bigint) << BigInt((a[1] as number) & 63)));
  op2('>>', 'int8_shr', t, T.int4, t, (a) => (a[0] as bigint) >> BigInt((a[1] as number) & 63));
  op1('~', 'int8_not', t, t, (a) => ~(a[0] as bigint));
  const neg: Evaluator = (a) => {
    const r = -(a[0] as bigint);
    if (r > INT8_MAX) throw outOfRange('bigint');
    return r;
  };
  const abs: Evaluator = (a) => {
    const v = a[0] as bigint;
    const r = v < 0n ? -v : v;
    if (r > INT8_MAX) throw outOfRange('bigint');
    return r;
  };
  op1('-', 'int8_neg', t, t, neg);
  op1('+', 'int8_pos', t, t, (a) => a[0]!);
  op1('@', 'int8_abs', t, t, abs);
  fn('abs', 'int8_abs', [t], t, abs);
}

// ---- Materialize's unsigned integers: + - * / % with range checks ----

const UINT8_MAX = 2n ** 64n - 1n;
const U4 = { kind: 'uint4' } as SqlType;
for (const k of [
  { type: { kind: 'uint2' } as SqlType, name: 'uint2', max: 65535 },
  { type: { kind: 'uint4' } as SqlType, name: 'uint4', max: 4294967295 },
]) {
  const t = k.type;
  const checked = (f: NumFn) => intChecked(0, k.max, k.name, f);
  op2('+', `${k.name}_add`, t, t, t, checked((a, b) => a + b));
  op2('-', `${k.name}_sub`, t, t, t, checked((a, b) => a - b));
  op2('*', `${k.name}_mul`, t, t, t, checked((a, b) => a * b));
  op2('/', `${k.name}_div`, t, t, t, checked(intDiv));
  op2('%', `${k.name}_mod`, t, t, t, checked(intMod));
  fn('mod', `${k.name}_mod`, [t, t], t, checked(intMod));
  // Unsigned bit operations keep the width (>>> 0: JavaScript's bit operators are signed 32-bit).
  op2('&', `${k.name}_and`, t, t, t, (a) => ((a[0] as number) & (a[1] as number)) >>> 0);
  op2('|', `${k.name}_or`, t, t, t, (a) => ((a[0] as number) | (a[1] as number)) >>> 0);
  op2('#', `${k.name}_xor`, t, t, t, (a) => ((a[0] as number) ^ (a[1] as number)) >>> 0);
  op1('~', `${k.name}_not`, t, t, (a) => (k.max === 65535 ? ~(a[0] as number) & 0xffff : ~(a[0] as number) >>> 0));
  op2('<<', `${k.name}_shl`, t, U4, t, (a) => (k.max === 65535 ? ((a[0] as number) << ((a[1] as number) & 15)) & 0xffff : ((a[0] as number) << ((a[1] as number) & 31)) >>> 0));
  op2('>>', `${k.name}_shr`, t, U4, t, (a) => (a[0] as number) >>> ((a[1] as number) & (k.max === 65535 ? 15 : 31)));
  // A negative unsigned value is out of range (-0 is 0), as Materialize reads -1::uint2.
  op1('-', `${k.name}_neg`, t, t, (a) => {
    if ((a[0] as number) !== 0) throw outOfRange(k.name);
    return 0;
  });
}
{
  const t: SqlType = { kind: 'uint8' };
  const checked = (f: BigFn) => bigChecked(0n, UINT8_MAX, 'uint8', f);
  op2('+', 'uint8_add', t, t, t, checked((a, b) => a + b));
  op2('-', 'uint8_sub', t, t, t, checked((a, b) => a - b));
  op2('*', 'uint8_mul', t, t, t, checked((a, b) => a * b));
  op2('/', 'uint8_div', t, t, t, checked(int8Div));
  op2('%', 'uint8_mod', t, t, t, checked(int8Mod));
  fn('mod', 'uint8_mod', [t, t], t, checked(int8Mod));
  op2('&', 'uint8_and', t, t, t, (a) => (a[0] as bigint) & (a[1] as bigint));
  op2('|', 'uint8_or', t, t, t, (a) => (a[0] as bigint) | (a[1] as bigint));
  op2('#', 'uint8_xor', t, t, t, (a) => (a[0] as bigint) ^ (a[1] as bigint));
  op1('~', 'uint8_not', t, t, (a) => BigInt.asUintN(64, ~(a[0] as bigint)));
  op2('<<', 'uint8_shl', t, U4, t, (a) => BigInt.asUintN(64, (a[0] as bigint) << BigInt((a[1] as number) & 63)));
  op2('>>', 'uint8_shr', t, U4, t, (a) => (a[0] as bigint) >> BigInt((a[1] as number) & 63));
  op1('-', 'uint8_neg', t, t, (a) => {
    if ((a[0] as bigint) !== 0n) throw outOfRange('uint8');
    return 0n;
  });
}

// ---- float4 / float8 ----

function floatChecked(f: NumFn, single: boolean): Evaluator {
  return (args) => {
    const a = args[0] as number;
    const b = args[1] as number;
    let r = f(a, b);
    if (single) r = Math.fround(r);
    if (!Number.isFinite(r) && Number.isFinite(a) && Number.isFinite(b) && !Number.isNaN(r)) throw floatOverflow();
    return r;
  };
}
function floatMul(single: boolean): Evaluator {
  return (args) => {
    const a = args[0] as number;
    const b = args[1] as number;
    let r = a * b;
    if (single) r = Math.fround(r);
    if (!Number.isFinite(r) && Number.isFinite(a) && Number.isFinite(b) && !Number.isNaN(r)) throw floatOverflow();
    if (r === 0 && a !== 0 && b !== 0) throw floatUnderflow();
    return r;
  };
}
function floatDiv(single: boolean): Evaluator {
  return (args) => {
    const a = args[0] as number;
    const b = args[1] as number;
    if (b === 0) throw divisionByZero();
    let r = a / b;
    if (single) r = Math.fround(r);
    if (!Number.isFinite(r) && Number.isFinite(a) && !Number.isNaN(r)) throw floatOverflow();
    if (r === 0 && a !== 0 && Number.isFinite(b)) throw floatUnderflow();
    return r;
  };
}

export function floatPower(a: number, b: number): number {
  if (a === 0 && b < 0) {
    throw new SqlError('2201F', 'zero raised to a negative power is undefined');
  }
  if (a < 0 && !Number.isInteger(b) && Number.isFinite(b)) {
    throw new SqlError('2201F', 'a negative number raised to a non-integer power yields a complex result');
  }
  if (a === 1 || b === 0) return 1; // even for NaN, as PostgreSQL (and C's pow)
  const r = Math.pow(a, b);
  if (!Number.isFinite(r) && Number.isFinite(a) && Number.isFinite(b) && !Number.isNaN(r)) throw floatOverflow();
  if (r === 0 && a !== 0 && Number.isFinite(a) && Number.isFinite(b)) throw floatUnderflow();
  return r;
}

for (const [t, name, single] of [
  [T.float4, 'float4', true],
  [T.float8, 'float8', false],
] as const) {
  op2('+', `${name}_add`, t, t, t, floatChecked((a, b) => a + b, single));
  op2('-', `${name}_sub`, t, t, t, floatChecked((a, b) => a - b, single));
  op2('*', `${name}_mul`, t, t, t, floatMul(single));
  op2('/', `${name}_div`, t, t, t, floatDiv(single));
  op1('-', `${name}_neg`, t, t, (a) => -(a[0] as number));
  op1('+', `${name}_pos`, t, t, (a) => a[0]!);
  op1('@', `${name}_abs`, t, t, (a) => Math.abs(a[0] as number));
  fn('abs', `${name}_abs`, [t], t, (a) => Math.abs(a[0] as number));
}
op2('^', 'float8_pow', T.float8, T.float8, T.float8, (a) => floatPower(a[0] as number, a[1] as number));
// Mixed real/double precision arithmetic is double precision (float48pl, float84mi, ...): with
// these, real + integer resolves to double precision, as PostgreSQL's preferred-type rule picks.
for (const [l, r, name] of [
  [T.float4, T.float8, 'float48'],
  [T.float8, T.float4, 'float84'],
] as const) {
  op2('+', `${name}pl`, l, r, T.float8, floatChecked((a, b) => a + b, false));
  op2('-', `${name}mi`, l, r, T.float8, floatChecked((a, b) => a - b, false));
  op2('*', `${name}mul`, l, r, T.float8, floatMul(false));
  op2('/', `${name}div`, l, r, T.float8, floatDiv(false));
}

// ---- numeric ----

const NAN = new Decimal(NaN);

function numericChecked(f: DecFn): Evaluator {
  return (args) => f(args[0] as Decimal, args[1] as Decimal);
}
function numericMod(a: Decimal, b: Decimal): Decimal {
  if (a.isNaN() || b.isNaN()) return NAN;
  if (b.isZero()) throw divisionByZero();
  if (!a.isFinite() || !b.isFinite()) return a.mod(b);
  return withDisplayScale(a.mod(b), Math.max(decimalScale(a), decimalScale(b)));
}

/** Rounds a transcendental result to 16 significant digits (PostgreSQL's NUMERIC_MIN_SIG_DIGITS); infinities pass. */
function roundSignificant(result: Decimal, ...inputs: Decimal[]): Decimal {
  if (!result.isFinite()) return result;
  const scale = significantScale(result, ...inputs);
  return withDisplayScale(result.toDecimalPlaces(scale, Decimal.ROUND_HALF_UP), scale);
}

/**
 * PostgreSQL's result scale for transcendental results (power_var, exp_var,
 * ln_var): 16 digits after the result's decimal weight (log10 truncated
 * toward zero), at least the inputs' display scales.
 */
function significantScale(result: Decimal, ...inputs: Decimal[]): number {
  const weight = result.isZero() ? 0 : result.e >= 0 ? result.e : result.e + 1;
  return Math.min(1000, Math.max(16 - weight, 0, ...inputs.map(decimalScale)));
}

/** Rounds to `scale` places and displays that many (half away from zero). */
function roundToDisplay(result: Decimal, scale: number): Decimal {
  return withDisplayScale(result.toDecimalPlaces(scale, Decimal.ROUND_HALF_UP), scale);
}

/** numeric's format holds at most 131072 digits before the decimal point. */
function checkNumericRange(d: Decimal): Decimal {
  if (d.isFinite() && d.e >= 131072) throw new SqlError('22003', 'value overflows numeric format');
  return d;
}

export function numericPower(a: Decimal, b: Decimal): Decimal {
  return checkNumericRange(numericPowerUnchecked(a, b));
}

function numericPowerUnchecked(a: Decimal, b: Decimal): Decimal {
  if (a.isNaN() || b.isNaN()) return a.eq(1) || b.isZero() ? new Decimal(1) : NAN;
  if (a.isZero() && b.isNegative()) {
    throw new SqlError('2201F', 'zero raised to a negative power is undefined');
  }
  if (a.isNegative() && !b.isInteger()) {
    throw new SqlError('2201F', 'a negative number raised to a non-integer power yields a complex result');
  }
  if (b.isInteger() && b.abs().lte(1000)) {
    // PostgreSQL's power_var_int: 16 decimals, or the base's display scale if larger (2 ^ 10 is 1024.0000000000000000).
    return roundToDisplay(a.pow(b), Math.min(1000, Math.max(16, decimalScale(a))));
  }
  const r = approximately(a, (x) => x.pow(b.toString()));
  return roundSignificant(r, a, b);
}

/**
 * Decimal values keep no display scale, so the result type carries it where
 * PostgreSQL's is known from the operands' declared scales (numeric(10,2) +
 * numeric(10,2) prints 2 decimals): max of the scales for + and -, their sum
 * for *. A numeric type with a scale but no precision has no typmod.
 */
function displayScale(combine: (a: number, b: number) => number): (types: SqlType[]) => SqlType {
  return (types) => {
    const a = scaleOf(types[0]!);
    const b = scaleOf(types[1] ?? types[0]!);
    return a === undefined || b === undefined ? NUM : { kind: 'numeric', scale: combine(a, b) };
  };
}
function scaleOf(t: SqlType): number | undefined {
  return t.kind === 'numeric' ? t.scale : undefined;
}
const sameScale = displayScale((a) => a);

/** Exact + - *: the result displays max (+ -) or sum (*) of the operands' display scales, as in PostgreSQL. */
function exact(f: DecFn, combine: (a: number, b: number) => number): Evaluator {
  return numericChecked((a, b) => withDisplayScale(f(a, b), combine(decimalScale(a), decimalScale(b))));
}
define('op +', { name: 'numeric_add', params: [NUM, NUM], returns: displayScale(Math.max), eval: exact((a, b) => a.plus(b), Math.max) });
define('op -', { name: 'numeric_sub', params: [NUM, NUM], returns: displayScale(Math.max), eval: exact((a, b) => a.minus(b), Math.max) });
define('op *', { name: 'numeric_mul', params: [NUM, NUM], returns: displayScale((a, b) => a + b), eval: exact((a, b) => a.times(b), (a, b) => Math.min(a + b, 1000)) });
op2('/', 'numeric_div', NUM, NUM, NUM, numericChecked(numericDivide));
op2('%', 'numeric_mod', NUM, NUM, NUM, numericChecked(numericMod));
op2('^', 'numeric_pow', NUM, NUM, NUM, numericChecked(numericPower));
fn('mod', 'numeric_mod', [NUM, NUM], NUM, numericChecked(numericMod));
/** A unary result that keeps the operand's display scale (-1.50 prints -1.50). */
function keepScale(f: (x: Decimal) => Decimal): Evaluator {
  return (a) => withDisplayScale(f(a[0] as Decimal), decimalScale(a[0] as Decimal));
}
define('prefix -', { name: 'numeric_neg', params: [NUM], returns: sameScale, eval: keepScale((x) => x.neg()) });
define('prefix +', { name: 'numeric_pos', params: [NUM], returns: sameScale, eval: (a) => a[0]! });
define('prefix @', { name: 'numeric_abs', params: [NUM], returns: sameScale, eval: keepScale((x) => x.abs()) });
define('abs', { name: 'numeric_abs', params: [NUM], returns: sameScale, eval: keepScale((x) => x.abs()) });

// ---- math functions ----

const I8 = T.int8 as SqlType;

function f8(fname: string, name: string, f: (x: number) => number): void {
  fn(fname, name, [F8], F8, (a) => f(a[0] as number));
}
function num(fname: string, name: string, f: (x: Decimal) => Decimal): void {
  fn(fname, name, [NUM], NUM, (a) => f(a[0] as Decimal));
}

for (const n of ['ceil', 'ceiling']) {
  f8(n, 'float8_ceil', Math.ceil);
  num(n, 'numeric_ceil', (x) => (x.isFinite() ? x.ceil() : x));
}
f8('floor', 'float8_floor', Math.floor);
num('floor', 'numeric_floor', (x) => (x.isFinite() ? x.floor() : x));
f8('round', 'float8_round', roundHalfEven);
num('round', 'numeric_round', (x) => (x.isFinite() ? x.toDecimalPlaces(0, Decimal.ROUND_HALF_UP) : x));
fn('round', 'numeric_round', [NUM, I4], NUM, (a) => roundToScale(a[0] as Decimal, a[1] as number, Decimal.ROUND_HALF_UP));
f8('trunc', 'float8_trunc', (x) => Math.trunc(x));
num('trunc', 'numeric_trunc', (x) => (x.isFinite() ? x.toDecimalPlaces(0, Decimal.ROUND_DOWN) : x));
fn('trunc', 'numeric_trunc', [NUM, I4], NUM, (a) => roundToScale(a[0] as Decimal, a[1] as number, Decimal.ROUND_DOWN));

function roundToScale(x: Decimal, scale: number, mode: Decimal.Rounding): Decimal {
  if (!x.isFinite()) return x;
  if (scale >= 0) return withDisplayScale(x.toDecimalPlaces(Math.min(scale, 1000), mode), Math.min(scale, 1000));
  const unit = new Decimal(10).pow(-scale);
  return x.div(unit).toDecimalPlaces(0, mode).times(unit);
}

function negativeSqrt(): SqlError {
  return new SqlError('2201F', 'cannot take square root of a negative number');
}
function logOfZero(): SqlError {
  return new SqlError('2201E', 'cannot take logarithm of zero');
}
function logOfNegative(): SqlError {
  return new SqlError('2201E', 'cannot take logarithm of a negative number');
}

f8('sqrt', 'float8_sqrt', (x) => {
  if (x < 0) throw negativeSqrt();
  return Math.sqrt(x);
});
num('sqrt', 'numeric_sqrt', (x) => {
  if (x.isNaN()) return x;
  if (x.isNegative()) throw negativeSqrt();
  const r = approximately(x, (v) => v.sqrt());
  // PostgreSQL's sqrt_var: 16 digits after half the argument's base-10000 weight.
  const weight = x.isZero() ? 0 : Math.floor(x.e / 4);
  const resultWeight = ((weight + 1) * 4) / 2 - 1;
  return roundToDisplay(r, Math.min(1000, Math.max(16 - Math.floor(resultWeight), 0, decimalScale(x))));
});
f8('cbrt', 'float8_cbrt', Math.cbrt);
// PostgreSQL's prefix spellings: |/ x is sqrt(x), ||/ x is cbrt(x).
op1('|/', 'float8_sqrt', F8, F8, (a) => {
  if ((a[0] as number) < 0) throw negativeSqrt();
  return Math.sqrt(a[0] as number);
});
op1('||/', 'float8_cbrt', F8, F8, (a) => Math.cbrt(a[0] as number));
f8('exp', 'float8_exp', (x) => {
  const r = Math.exp(x);
  if (!Number.isFinite(r) && Number.isFinite(x)) throw floatOverflow();
  if (r === 0 && Number.isFinite(x)) throw floatUnderflow();
  return r;
});
num('exp', 'numeric_exp', (x) => {
  if (!x.isFinite()) return x;
  const r = approximately(x, (v) => v.exp());
  if (!r.isFinite() || r.e >= 131072) throw new SqlError('22003', 'value overflows numeric format');
  return roundSignificant(r, x);
});
function checkedLog(f: (x: number) => number): (x: number) => number {
  return (x) => {
    if (x === 0) throw logOfZero();
    if (x < 0) throw logOfNegative();
    return f(x);
  };
}
function checkedNumericLog(f: (x: Decimal) => Decimal): (x: Decimal) => Decimal {
  return (x) => {
    if (x.isNaN()) return x;
    if (x.isZero()) throw logOfZero();
    if (x.isNegative()) throw logOfNegative();
    const r = f(x);
    return roundSignificant(r, x);
  };
}
f8('ln', 'float8_ln', checkedLog(Math.log));
num('ln', 'numeric_ln', checkedNumericLog((x) => approximately(x, (v) => v.ln())));
for (const n of ['log', 'log10']) {
  f8(n, 'float8_log10', checkedLog(Math.log10));
  num(n, 'numeric_log10', checkedNumericLog((x) => approximately(x, (v) => v.log(10))));
}
fn('log', 'numeric_log', [NUM, NUM], NUM, (a) => {
  const base = a[0] as Decimal;
  const x = a[1] as Decimal;
  if (base.isNaN() || x.isNaN()) return NAN;
  for (const v of [base, x]) {
    if (v.isZero()) throw logOfZero();
    if (v.isNegative()) throw logOfNegative();
  }
  if (base.eq(1)) throw divisionByZero();
  const lnBase = approximately(base, (v) => v.ln());
  const r = approximately(x, (v) => v.ln().div(lnBase.toString()));
  return roundSignificant(r, base, x);
});
for (const n of ['power', 'pow']) {
  fn(n, 'float8_pow', [F8, F8], F8, (a) => floatPower(a[0] as number, a[1] as number));
  fn(n, 'numeric_pow', [NUM, NUM], NUM, (a) => numericPower(a[0] as Decimal, a[1] as Decimal));
}
f8('sign', 'float8_sign', (x) => (Number.isNaN(x) ? x : Math.sign(x) + 0));
num('sign', 'numeric_sign', (x) => (x.isNaN() ? x : new Decimal(x.isZero() ? 0 : x.isNegative() ? -1 : 1)));
fn('pi', 'pi', [], F8, () => Math.PI);
fn('random', 'random', [], F8, () => Math.random(), true);
fn('div', 'numeric_div_trunc', [NUM, NUM], NUM, (a) => {
  const x = a[0] as Decimal;
  const y = a[1] as Decimal;
  if (x.isNaN() || y.isNaN()) return NAN;
  if (y.isZero()) throw divisionByZero();
  return x.div(y).toDecimalPlaces(0, Decimal.ROUND_DOWN);
});
/** PostgreSQL's dsin/dasin/dacosh/...: arguments outside the domain are 22003 "input is out of range". */
function domain(f: (x: number) => number, ok: (x: number) => boolean): (x: number) => number {
  return (x) => {
    if (!Number.isNaN(x) && !ok(x)) throw new SqlError('22003', 'input is out of range');
    return f(x);
  };
}
for (const [n, f] of [
  ['sin', domain(Math.sin, Number.isFinite)],
  ['cos', domain(Math.cos, Number.isFinite)],
  ['tan', domain(Math.tan, Number.isFinite)],
  ['cot', domain((x: number) => 1 / Math.tan(x), Number.isFinite)],
  ['asin', domain(Math.asin, (x) => x >= -1 && x <= 1)],
  ['acos', domain(Math.acos, (x) => x >= -1 && x <= 1)],
  ['atan', Math.atan],
  ['sinh', Math.sinh],
  ['cosh', Math.cosh],
  ['tanh', Math.tanh],
  ['asinh', Math.asinh],
  ['acosh', domain(Math.acosh, (x) => x >= 1)],
  ['atanh', domain(Math.atanh, (x) => x >= -1 && x <= 1)],
  ['degrees', (x: number) => (x * 180) / Math.PI],
  ['radians', (x: number) => (x * Math.PI) / 180],
] as const) {
  f8(n, `float8_${n}`, f);
}
fn('atan2', 'float8_atan2', [F8, F8], F8, (a) => Math.atan2(a[0] as number, a[1] as number));

function gcdBig(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}
function lcmBig(a: bigint, b: bigint): bigint {
  if (a === 0n || b === 0n) return 0n;
  const r = (a / gcdBig(a, b)) * b;
  return r < 0n ? -r : r;
}
for (const [name, combine] of [
  ['gcd', gcdBig],
  ['lcm', lcmBig],
] as const) {
  fn(name, `int4_${name}`, [I4, I4], I4, (a) => {
    const r = combine(BigInt(a[0] as number), BigInt(a[1] as number));
    if (r > 2147483647n) throw outOfRange('integer');
    return Number(r);
  });
  fn(name, `int8_${name}`, [I8, I8], I8, (a) => {
    const r = combine(a[0] as bigint, a[1] as bigint);
    if (r > INT8_MAX) throw outOfRange('bigint');
    return r;
  });
}
fn('width_bucket', 'float8_width_bucket', [F8, F8, F8, I4], I4, (a) => {
  const [x, lo, hi, n] = a as [number, number, number, number];
  if (n <= 0) throw new SqlError('2201G', 'count must be greater than zero');
  if (lo === hi) throw new SqlError('2201G', 'lower bound cannot equal upper bound');
  if (lo < hi) {
    if (x < lo) return 0;
    if (x >= hi) return n + 1;
    return Math.floor(((x - lo) / (hi - lo)) * n) + 1;
  }
  if (x > lo) return 0;
  if (x <= hi) return n + 1;
  return Math.floor(((lo - x) / (lo - hi)) * n) + 1;
});
