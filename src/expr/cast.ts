// Casts between SQL types with pg_cast's contexts: implicit (i) casts apply
// silently during resolution, assignment (a) casts on INSERT, explicit (e)
// only with CAST/::. Each cast is built once per (from, to) into a closure.
import type { Datum, Interval, RecordField, SqlType } from '../repr/types.js';
import { ArrayValue, Jsonb, JsonbNumber, ListValue, MapValue, RecordValue, TIMESTAMP_INFINITY, TIMESTAMP_NEG_INFINITY } from '../repr/types.js';
import { formatText, parseText } from '../repr/text.js';
import { coerceBpchar, coerceVarchar } from '../repr/scalar-text.js';
import { roundTimestampToPrecision, roundToPrecision } from '../repr/datetime-text.js';
import { localToUtc, utcToLocal } from '../repr/datetime.js';
import { SqlError, SqlState } from '../repr/errors.js';
import type { ScalarFunc } from '../plan/mir.js';
import { Decimal, applyNumericTypmod, decimalToBigInt } from './decimal.js';
import { outOfRange, floatOverflow } from './errors.js';
import { sameType, typeCategory, withoutModifiers } from './type-info.js';

export type CastContext = 'implicit' | 'assignment' | 'explicit';
type Ctx = 'i' | 'a' | 'e';
type Converter = (v: Datum) => Datum;
type Kind = SqlType['kind'];

const CONTEXT_RANK: Record<Ctx, number> = { i: 0, a: 1, e: 2 };
const REQUEST_RANK: Record<CastContext, number> = { implicit: 0, assignment: 1, explicit: 2 };

const INT2_MIN = -32768;
const INT2_MAX = 32767;
const INT4_MIN = -2147483648;
const INT4_MAX = 2147483647;
export const INT8_MIN = -(2n ** 63n);
export const INT8_MAX = 2n ** 63n - 1n;
const UINT8_MAX = 2n ** 64n - 1n;
const MICROS_PER_DAY = 86_400_000_000n;

/** PostgreSQL's rint(): round half to even (float -> int casts). */
export function roundHalfEven(x: number): number {
  const frac = Math.abs(x % 1);
  return frac === 0.5 ? 2 * Math.round(x / 2) : Math.round(x);
}

function checkInt2(v: number): number {
  if (!(v >= INT2_MIN && v <= INT2_MAX)) throw outOfRange('smallint');
  return v;
}
function checkInt4(v: number): number {
  if (!(v >= INT4_MIN && v <= INT4_MAX)) throw outOfRange('integer');
  return v;
}
function checkUint(v: number, max: number, what: string): number {
  if (!(v >= 0 && v <= max)) throw outOfRange(what);
  return v;
}
function floatToInt8(v: number): bigint {
  const r = roundHalfEven(v);
  if (!Number.isFinite(r) || r < -9223372036854775808 || r >= 9223372036854775808) throw outOfRange('bigint');
  return BigInt(r);
}
function floatToUint8(v: number): bigint {
  const r = roundHalfEven(v);
  if (!Number.isFinite(r) || r < 0 || r >= 18446744073709551616) throw outOfRange('uint8');
  return BigInt(r);
}
function checkFloat4(v: number): number {
  const f = Math.fround(v);
  if (!Number.isFinite(f) && Number.isFinite(v)) throw floatOverflow();
  return f;
}
function bigintToInt4(v: bigint): number {
  if (v < BigInt(INT4_MIN) || v > BigInt(INT4_MAX)) throw outOfRange('integer');
  return Number(v);
}
function bigintToInt2(v: bigint): number {
  if (v < BigInt(INT2_MIN) || v > BigInt(INT2_MAX)) throw outOfRange('smallint');
  return Number(v);
}
function numericToFloat(d: Decimal): number {
  if (d.isNaN()) return NaN;
  const f = Number(d.toString());
  if (!Number.isFinite(f) && d.isFinite()) throw floatOverflow();
  return f;
}
/** numeric from a float as PostgreSQL prints it (15 significant digits for float8, 6 for float4). */
function floatToNumeric(v: number, digits: number): Decimal {
  if (Number.isNaN(v)) return new Decimal(NaN);
  if (!Number.isFinite(v)) return new Decimal(v);
  return new Decimal(v.toPrecision(digits));
}

const toNumber: Converter = (v) => Number(v as bigint);
const toBigInt: Converter = (v) => BigInt(v as number);
const toDecimal: Converter = (v) => new Decimal((v as number | bigint).toString());
const identity: Converter = (v) => v;

function dateToTimestamp(v: Datum): Datum {
  const d = v as number;
  if (d === Infinity) return TIMESTAMP_INFINITY;
  if (d === -Infinity) return TIMESTAMP_NEG_INFINITY;
  return BigInt(d) * MICROS_PER_DAY;
}
function timestampToDate(v: Datum): Datum {
  const t = v as bigint;
  if (t === TIMESTAMP_INFINITY) return Infinity;
  if (t === TIMESTAMP_NEG_INFINITY) return -Infinity;
  const days = t / MICROS_PER_DAY - (t % MICROS_PER_DAY < 0n ? 1n : 0n);
  return Number(days);
}
function timestampToTime(v: Datum): Datum {
  const t = (v as bigint) % MICROS_PER_DAY;
  return t < 0n ? t + MICROS_PER_DAY : t;
}
function timeToInterval(v: Datum): Datum {
  const i: Interval = { months: 0, days: 0, micros: v as bigint };
  return i;
}
function intervalToTime(v: Datum): Datum {
  const t = (v as Interval).micros % MICROS_PER_DAY;
  return t < 0n ? t + MICROS_PER_DAY : t;
}

/** jsonb -> scalar casts (PostgreSQL 11+): the jsonb must hold the matching JSON type. */
function jsonbScalar(expected: 'number' | 'boolean', target: string, then: (v: JsonbNumber | boolean) => Datum): Converter {
  return (v) => {
    const j = (v as Jsonb).value;
    const actual = jsonbTypeName(j);
    if (actual !== expected) {
      throw new SqlError(SqlState.invalidParameterValue, `cannot cast jsonb ${actual} to type ${target}`);
    }
    return then(j as JsonbNumber | boolean);
  };
}

export function jsonbTypeName(j: Jsonb['value']): string {
  if (j === null) return 'null';
  if (typeof j === 'boolean') return 'boolean';
  if (typeof j === 'string') return 'string';
  if (j instanceof JsonbNumber) return 'number';
  if (Array.isArray(j)) return 'array';
  return 'object';
}

/** Fixed casts between scalar kinds: [from, to, context, converter]. */
const SCALAR_CASTS: Array<[Kind, Kind, Ctx, Converter]> = [
  ['int2', 'int4', 'i', identity],
  ['int2', 'int8', 'i', toBigInt],
  ['int2', 'float4', 'i', identity],
  ['int2', 'float8', 'i', identity],
  ['int2', 'numeric', 'i', toDecimal],
  ['int2', 'oid', 'i', identity],
  ['int4', 'int2', 'a', (v) => checkInt2(v as number)],
  ['int4', 'int8', 'i', toBigInt],
  ['int4', 'float4', 'i', (v) => Math.fround(v as number)],
  ['int4', 'float8', 'i', identity],
  ['int4', 'numeric', 'i', toDecimal],
  ['int4', 'bool', 'e', (v) => v !== 0],
  ['int4', 'oid', 'i', identity],
  ['int4', 'mz_timestamp', 'i', (v) => BigInt(v as number)],
  ['int8', 'int2', 'a', (v) => bigintToInt2(v as bigint)],
  ['int8', 'int4', 'a', (v) => bigintToInt4(v as bigint)],
  ['int8', 'float4', 'i', (v) => Math.fround(Number(v as bigint))],
  ['int8', 'float8', 'i', toNumber],
  ['int8', 'numeric', 'i', toDecimal],
  ['int8', 'bool', 'e', (v) => v !== 0n],
  ['int8', 'oid', 'i', (v) => checkUint(Number(v as bigint), 4294967295, 'OID')],
  ['int8', 'mz_timestamp', 'i', identity],
  ['float4', 'float8', 'i', identity],
  ['float4', 'int2', 'a', (v) => checkInt2(roundHalfEven(v as number))],
  ['float4', 'int4', 'a', (v) => checkInt4(roundHalfEven(v as number))],
  ['float4', 'int8', 'a', (v) => floatToInt8(v as number)],
  ['float4', 'numeric', 'a', (v) => floatToNumeric(v as number, 6)],
  ['float8', 'float4', 'a', (v) => checkFloat4(v as number)],
  ['float8', 'int2', 'a', (v) => checkInt2(roundHalfEven(v as number))],
  ['float8', 'int4', 'a', (v) => checkInt4(roundHalfEven(v as number))],
  ['float8', 'int8', 'a', (v) => floatToInt8(v as number)],
  ['float8', 'numeric', 'a', (v) => floatToNumeric(v as number, 15)],
  ['numeric', 'float4', 'i', (v) => checkFloat4(numericToFloat(v as Decimal))],
  ['numeric', 'float8', 'i', (v) => numericToFloat(v as Decimal)],
  ['numeric', 'int2', 'a', (v) => Number(decimalToBigInt(v as Decimal, BigInt(INT2_MIN), BigInt(INT2_MAX), 'smallint'))],
  ['numeric', 'int4', 'a', (v) => Number(decimalToBigInt(v as Decimal, BigInt(INT4_MIN), BigInt(INT4_MAX), 'integer'))],
  ['numeric', 'int8', 'a', (v) => decimalToBigInt(v as Decimal, INT8_MIN, INT8_MAX, 'bigint')],
  ['numeric', 'mz_timestamp', 'i', (v) => decimalToBigInt(v as Decimal, 0n, UINT8_MAX, 'mz_timestamp')],
  ['bool', 'int4', 'e', (v) => (v ? 1 : 0)],
  ['oid', 'int4', 'a', identity],
  // The reg* types are OIDs shown by name: casts among them and the integers are binary coercions, as in PostgreSQL.
  ['oid', 'regclass', 'i', identity],
  ['oid', 'regtype', 'i', identity],
  ['oid', 'regproc', 'i', identity],
  ['int4', 'regclass', 'i', identity],
  ['int4', 'regtype', 'i', identity],
  ['int4', 'regproc', 'i', identity],
  ['int8', 'regclass', 'i', (v) => checkUint(Number(v as bigint), 4294967295, 'OID')],
  ['int8', 'regtype', 'i', (v) => checkUint(Number(v as bigint), 4294967295, 'OID')],
  ['regclass', 'oid', 'i', identity],
  ['regtype', 'oid', 'i', identity],
  ['regproc', 'oid', 'i', identity],
  ['regclass', 'int4', 'a', identity],
  ['regtype', 'int4', 'a', identity],
  ['regclass', 'int8', 'a', toBigInt],
  ['regtype', 'int8', 'a', toBigInt],
  ['oid', 'int8', 'a', toBigInt],
  ['uint2', 'uint4', 'i', identity],
  ['uint2', 'uint8', 'i', toBigInt],
  ['uint2', 'int4', 'i', identity],
  ['uint2', 'int8', 'i', toBigInt],
  ['uint2', 'numeric', 'i', toDecimal],
  ['uint2', 'float4', 'i', identity],
  ['uint2', 'float8', 'i', identity],
  ['uint4', 'uint8', 'i', toBigInt],
  ['uint4', 'int8', 'i', toBigInt],
  ['uint4', 'numeric', 'i', toDecimal],
  ['uint4', 'float4', 'i', (v) => Math.fround(v as number)],
  ['uint4', 'float8', 'i', identity],
  ['uint4', 'int4', 'a', (v) => checkInt4(v as number)],
  ['uint8', 'numeric', 'i', toDecimal],
  ['uint8', 'float4', 'i', (v) => Math.fround(Number(v as bigint))],
  ['uint8', 'float8', 'i', toNumber],
  ['uint8', 'int8', 'a', (v) => { if ((v as bigint) > INT8_MAX) throw outOfRange('bigint'); return v; }],
  ['int2', 'uint2', 'a', (v) => checkUint(v as number, 65535, 'uint2')],
  ['int4', 'uint4', 'a', (v) => checkUint(v as number, 4294967295, 'uint4')],
  ['int8', 'uint8', 'a', (v) => { if ((v as bigint) < 0n) throw outOfRange('uint8'); return v; }],
  ['int4', 'uint2', 'a', (v) => checkUint(v as number, 65535, 'uint2')],
  ['int4', 'uint8', 'a', (v) => { if ((v as number) < 0) throw outOfRange('uint8'); return BigInt(v as number); }],
  ['int8', 'uint4', 'a', (v) => checkUint(Number(v as bigint), 4294967295, 'uint4')],
  ['numeric', 'uint2', 'a', (v) => Number(decimalToBigInt(v as Decimal, 0n, 65535n, 'uint2'))],
  ['numeric', 'uint4', 'a', (v) => Number(decimalToBigInt(v as Decimal, 0n, 4294967295n, 'uint4'))],
  ['numeric', 'uint8', 'a', (v) => decimalToBigInt(v as Decimal, 0n, UINT8_MAX, 'uint8')],
  // The rest of Materialize's unsigned casts: between widths, from smallint and
  // bigint, from floats (rounded half to even, as float -> int casts are).
  ['uint4', 'uint2', 'a', (v) => checkUint(v as number, 65535, 'uint2')],
  ['uint8', 'uint2', 'a', (v) => checkUint(Number(v as bigint), 65535, 'uint2')],
  ['uint8', 'uint4', 'a', (v) => checkUint(Number(v as bigint), 4294967295, 'uint4')],
  ['uint2', 'int2', 'a', (v) => checkInt2(v as number)],
  ['uint4', 'int2', 'a', (v) => checkInt2(v as number)],
  ['uint8', 'int2', 'a', (v) => checkInt2(Number(v as bigint))],
  ['uint8', 'int4', 'a', (v) => checkInt4(Number(v as bigint))],
  ['int2', 'uint4', 'a', (v) => checkUint(v as number, 4294967295, 'uint4')],
  ['int2', 'uint8', 'a', (v) => { if ((v as number) < 0) throw outOfRange('uint8'); return BigInt(v as number); }],
  ['int8', 'uint2', 'a', (v) => checkUint(Number(v as bigint), 65535, 'uint2')],
  ['float4', 'uint2', 'a', (v) => checkUint(roundHalfEven(v as number), 65535, 'uint2')],
  ['float8', 'uint2', 'a', (v) => checkUint(roundHalfEven(v as number), 65535, 'uint2')],
  ['float4', 'uint4', 'a', (v) => checkUint(roundHalfEven(v as number), 4294967295, 'uint4')],
  ['float8', 'uint4', 'a', (v) => checkUint(roundHalfEven(v as number), 4294967295, 'uint4')],
  ['float4', 'uint8', 'a', (v) => floatToUint8(v as number)],
  ['float8', 'uint8', 'a', (v) => floatToUint8(v as number)],
  ['date', 'timestamp', 'i', dateToTimestamp],
  ['date', 'timestamptz', 'i', dateToTimestamp],
  ['timestamp', 'timestamptz', 'i', identity],
  ['timestamp', 'date', 'a', timestampToDate],
  ['timestamp', 'time', 'a', timestampToTime],
  ['timestamptz', 'timestamp', 'a', identity],
  ['timestamptz', 'date', 'a', timestampToDate],
  ['timestamptz', 'time', 'a', timestampToTime],
  ['timestamp', 'mz_timestamp', 'i', (v) => (v as bigint) / 1000n],
  ['timestamptz', 'mz_timestamp', 'i', (v) => (v as bigint) / 1000n],
  ['date', 'mz_timestamp', 'i', (v) => (dateToTimestamp(v) as bigint) / 1000n],
  ['mz_timestamp', 'timestamp', 'e', (v) => (v as bigint) * 1000n],
  ['mz_timestamp', 'timestamptz', 'e', (v) => (v as bigint) * 1000n],
  ['time', 'interval', 'i', timeToInterval],
  ['interval', 'time', 'a', intervalToTime],
  ['jsonb', 'bool', 'e', jsonbScalar('boolean', 'boolean', (b) => b as boolean)],
  ['jsonb', 'numeric', 'e', jsonbScalar('number', 'numeric', (n) => new Decimal((n as JsonbNumber).text))],
  ['jsonb', 'float8', 'e', jsonbScalar('number', 'double precision', (n) => Number((n as JsonbNumber).text))],
  ['jsonb', 'float4', 'e', jsonbScalar('number', 'real', (n) => checkFloat4(Number((n as JsonbNumber).text)))],
  ['jsonb', 'int2', 'e', jsonbScalar('number', 'smallint', (n) => Number(decimalToBigInt(new Decimal((n as JsonbNumber).text), BigInt(INT2_MIN), BigInt(INT2_MAX), 'smallint')))],
  ['jsonb', 'int4', 'e', jsonbScalar('number', 'integer', (n) => Number(decimalToBigInt(new Decimal((n as JsonbNumber).text), BigInt(INT4_MIN), BigInt(INT4_MAX), 'integer')))],
  ['jsonb', 'int8', 'e', jsonbScalar('number', 'bigint', (n) => decimalToBigInt(new Decimal((n as JsonbNumber).text), INT8_MIN, INT8_MAX, 'bigint'))],
];

const SCALAR_CAST_TABLE = new Map<string, { ctx: Ctx; convert: Converter }>(
  SCALAR_CASTS.map(([from, to, ctx, convert]) => [`${from}>${to}`, { ctx, convert }]),
);

interface CastPlan {
  ctx: Ctx;
  build: (context: CastContext) => Converter;
}

/** varchar(n) / char(n) length coercion: explicit casts truncate, others fail unless only spaces are cut (22001). */
function lengthCoercion(to: SqlType, context: CastContext): Converter | undefined {
  if (to.kind !== 'varchar' && to.kind !== 'bpchar') return undefined;
  const n = to.length;
  if (n === undefined) return undefined;
  const explicit = context === 'explicit';
  return to.kind === 'varchar' ? (v) => coerceVarchar(v as string, n, explicit) : (v) => coerceBpchar(v as string, n, explicit);
}

function roundTimeTypmod(to: SqlType & { precision?: number }): Converter | undefined {
  const p = to.precision;
  if (p === undefined || p >= 6) return undefined;
  return to.kind === 'time' ? (v) => roundToPrecision(v as bigint, p) : (v) => roundTimestampToPrecision(v as bigint, p);
}

/** Coercion of a value to the modifiers of `to` (numeric(p,s), varchar(n), timestamp(p)). */
function typmodCoercion(to: SqlType, context: CastContext): Converter | undefined {
  switch (to.kind) {
    case 'numeric':
      if (to.precision === undefined) return undefined;
      return (v) => applyNumericTypmod(v as Decimal, to.precision, to.scale);
    case 'varchar':
    case 'bpchar':
      return lengthCoercion(to, context);
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return roundTimeTypmod(to);
    default:
      return undefined;
  }
}

function then(first: Converter, second: Converter | undefined): Converter {
  return second ? (v) => second(first(v)) : first;
}

function trimTrailingSpaces(v: Datum): Datum {
  return (v as string).replace(/ +$/, '');
}

function planCast(from: SqlType, to: SqlType): CastPlan | undefined {
  const fk = from.kind;
  const tk = to.kind;
  if (fk === 'unknown') {
    // Parse as the base type, then apply the modifier for the context ('abc'::varchar(2) truncates).
    const base = withoutModifiers(to);
    return { ctx: 'i', build: (c) => then((v) => (typeof v === 'string' ? parseText(v, base) : v), typmodCoercion(to, c)) };
  }
  if (fk === tk && fk !== 'array' && fk !== 'list' && fk !== 'map' && fk !== 'record') {
    return { ctx: 'i', build: (c) => typmodCoercion(to, c) ?? identity };
  }
  const fixed = SCALAR_CAST_TABLE.get(`${fk}>${tk}`);
  if (fixed) return { ctx: fixed.ctx, build: (c) => then(fixed.convert, typmodCoercion(to, c)) };
  const fromString = typeCategory(from) === 'S';
  const toString = typeCategory(to) === 'S';
  if (fromString && toString) {
    // text/varchar/bpchar/name are binary compatible; char(n) loses its padding.
    const ctx: Ctx = fk === 'name' && tk !== 'text' ? 'a' : tk === 'char' ? 'a' : 'i';
    const strip = fk === 'bpchar' ? trimTrailingSpaces : identity;
    return { ctx, build: (c) => then(strip, typmodCoercion(to, c)) };
  }
  if ((fk === 'array' && tk === 'array') || (fk === 'list' && tk === 'list')) {
    const fe = (from as { element: SqlType }).element;
    const te = (to as { element: SqlType }).element;
    const inner = planCast(fe, te);
    if (!inner) return undefined;
    return {
      ctx: inner.ctx,
      build: (c) => {
        const el = inner.build(c);
        return fk === 'array'
          ? (v) => {
              const a = v as ArrayValue;
              return new ArrayValue(a.elements.map((e) => (e === null ? null : el(e))), a.dims, a.lowerBounds);
            }
          : (v) => new ListValue((v as ListValue).elements.map((e) => (e === null ? null : el(e))));
      },
    };
  }
  if (fk === 'map' && tk === 'map') {
    const inner = planCast(from.value, to.value);
    if (!inner) return undefined;
    return {
      ctx: inner.ctx,
      build: (c) => {
        const el = inner.build(c);
        return (v) => new MapValue((v as MapValue).entries.map(([k, e]) => [k, e === null ? null : el(e)] as const));
      },
    };
  }
  if (fk === 'record' && tk === 'record') return planRecordCast(from.fields, to.fields);
  if (toString) {
    // Output conversion to a string type is allowed on assignment (PostgreSQL's I/O cast rule);
    // bool is the exception that spells itself out (true::text is 'true', not 't').
    const output: Converter = fk === 'bool' ? (v) => (v ? 'true' : 'false') : (v) => formatText(v, from);
    return { ctx: 'a', build: (c) => then(output, typmodCoercion(to, c)) };
  }
  if (fromString && tk !== 'record') {
    return {
      ctx: 'e',
      build: (c) => then(fk === 'bpchar' ? (v) => parseText(trimTrailingSpaces(v) as string, to) : (v) => parseText(v as string, to), typmodCoercion(to, c)),
    };
  }
  return undefined;
}

/** Field-wise record cast; it needs the strictest context any field needs. */
function planRecordCast(from: RecordField[], to: RecordField[]): CastPlan | undefined {
  if (from.length !== to.length) return undefined;
  const fields = from.map((f, i) => planCast(f.type, to[i]!.type));
  if (fields.some((f) => f === undefined)) return undefined;
  const plans = fields as CastPlan[];
  const ctx = plans.reduce<Ctx>((worst, p) => (CONTEXT_RANK[p.ctx] > CONTEXT_RANK[worst] ? p.ctx : worst), 'i');
  return {
    ctx,
    build: (c) => {
      const convert = plans.map((p) => p.build(c));
      return (v) => new RecordValue((v as RecordValue).fields.map((x, i) => (x === null ? null : convert[i]!(x))));
    },
  };
}

/** The context a cast needs ('i' implicit < 'a' assignment < 'e' explicit), undefined when there is no cast. */
export function castContextOf(from: SqlType, to: SqlType): Ctx | undefined {
  return planCast(from, to)?.ctx;
}

/** Can `from` be implicitly coerced to `to` (the test resolution uses)? */
export function canCoerceImplicitly(from: SqlType, to: SqlType): boolean {
  return castContextOf(from, to) === 'i';
}

export function castAllowed(from: SqlType, to: SqlType, context: CastContext): boolean {
  const ctx = castContextOf(from, to);
  return ctx !== undefined && CONTEXT_RANK[ctx] <= REQUEST_RANK[context];
}

/** The cast from `from` to `to` allowed in `context`, or undefined. */
export function buildCast(from: SqlType, to: SqlType, context: CastContext): ScalarFunc | undefined {
  const plan = planCast(from, to);
  if (!plan || CONTEXT_RANK[plan.ctx] > REQUEST_RANK[context]) return undefined;
  const convert = plan.build(context);
  const name = sameType(from, to) ? `${to.kind}_identity` : `cast_${from.kind}_to_${to.kind}`;
  return { name, strict: true, eval: (args) => convert(args[0]!) };
}

/** A finite instant shifted by `shift`; the infinities stay as they are. */
function finiteShift(shift: (micros: bigint) => bigint): Converter {
  return (v) => (v === TIMESTAMP_INFINITY || v === TIMESTAMP_NEG_INFINITY ? v : shift(v as bigint));
}

function containsTimestamptz(t: SqlType): boolean {
  switch (t.kind) {
    case 'timestamptz':
      return true;
    case 'array':
    case 'list':
      return containsTimestamptz(t.element);
    case 'map':
      return containsTimestamptz(t.value);
    case 'record':
      return t.fields.some((f) => containsTimestamptz(f.type));
    default:
      return false;
  }
}

/** The conversion a cast makes between timestamptz and local time or text in session time zone `zone`, if any. */
function zonedConverter(from: SqlType, to: SqlType, zone: string): Converter | undefined {
  const fk = from.kind;
  const tk = to.kind;
  const toLocal = finiteShift((t) => utcToLocal(t, zone));
  const fromLocal = finiteShift((t) => localToUtc(t, zone));
  // Text output of timestamptz, also inside arrays, lists, maps and records, is wall-clock time in the zone.
  if (typeCategory(to) === 'S' && containsTimestamptz(from)) return (v) => formatText(v, from, { timeZone: zone });
  if (fk === 'timestamptz') {
    if (tk === 'timestamp') return toLocal;
    if (tk === 'date') return then(toLocal, timestampToDate);
    if (tk === 'time') return then(toLocal, timestampToTime);
    return undefined;
  }
  if (tk !== 'timestamptz') return undefined;
  if (typeCategory(from) === 'S') {
    return fk === 'bpchar' ? (v) => parseText(trimTrailingSpaces(v) as string, to, { timeZone: zone }) : (v) => parseText(v as string, to, { timeZone: zone });
  }
  if (fk === 'timestamp') return fromLocal;
  if (fk === 'date') return then(dateToTimestamp, fromLocal);
  return undefined;
}

/**
 * The cast from `from` to `to` when the session's TimeZone is `zone`: casts
 * between timestamptz and timestamp/date/time/text read and write wall-clock
 * time in that zone, as PostgreSQL's do; other casts are buildCast's.
 */
export function buildZonedCast(from: SqlType, to: SqlType, context: CastContext, zone: string): ScalarFunc | undefined {
  const plain = buildCast(from, to, context);
  const zoned = plain ? zonedConverter(from, to, zone) : undefined;
  if (!plain || !zoned) return plain;
  const convert = then(zoned, typmodCoercion(to, context));
  return { name: `${plain.name}_in_zone`, strict: true, eval: (args) => convert(args[0]!) };
}

/** A converter for a single value (used by functions that coerce internally). */
export function converter(from: SqlType, to: SqlType, context: CastContext = 'explicit'): Converter | undefined {
  const plan = planCast(from, to);
  if (!plan || CONTEXT_RANK[plan.ctx] > REQUEST_RANK[context]) return undefined;
  return plan.build(context);
}
