// Hand-built plan pieces for compute tests: int4 columns, a few scalar
// functions with PostgreSQL semantics, and helpers to read results.
import { SqlError, SqlState } from '../../src/repr/errors.js';
import type { Datum, RelationDesc, Row, SqlType } from '../../src/repr/types.js';
import type { AggregateExpr, AggregateFuncName, RelExpr, ScalarExpr, ScalarFunc } from '../../src/plan/mir.js';
import type { Update } from '../../src/compute/api.js';

export const INT4: SqlType = { kind: 'int4' };
export const INT8: SqlType = { kind: 'int8' };
export const BOOL: SqlType = { kind: 'bool' };
export const TEXT: SqlType = { kind: 'text' };
export const MZ_TS: SqlType = { kind: 'mz_timestamp' };

export function desc(width: number, type: SqlType = INT4): RelationDesc {
  return { columns: Array.from({ length: width }, (_, i) => ({ name: `c${i}`, type, nullable: true })) };
}

export const col = (index: number, type: SqlType = INT4): ScalarExpr => ({ kind: 'column', index, type });
export const lit = (value: Datum, type: SqlType = INT4): ScalarExpr => ({ kind: 'literal', value, type });
export const mzNow: ScalarExpr = { kind: 'mzNow', type: MZ_TS };

function func(name: string, evaluate: (args: Datum[]) => Datum, strict = true): ScalarFunc {
  return { name, strict, eval: evaluate };
}

const num = (d: Datum): number => d as number;
/** Comparison of the scalars used in these tests (numbers, bigints, strings). */
const cmp = (a: Datum, b: Datum): number => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0);
export const F = {
  add: func('int4_add', ([a, b]) => num(a) + num(b)),
  div: func('int4_div', ([a, b]) => {
    if (num(b) === 0) throw new SqlError(SqlState.divisionByZero, 'division by zero');
    return Math.trunc(num(a) / num(b));
  }),
  mod: func('int4_mod', ([a, b]) => num(a) % num(b)),
  lt: func('lt', ([a, b]) => cmp(a!, b!) < 0),
  lte: func('lte', ([a, b]) => cmp(a!, b!) <= 0),
  gte: func('gte', ([a, b]) => cmp(a!, b!) >= 0),
  eq: func('eq', ([a, b]) => cmp(a!, b!) === 0),
  isNotNull: func('is_not_null', ([a]) => a !== null, false),
  and: func(
    'and',
    (args) => {
      if (args.some((a) => a === false)) return false;
      return args.some((a) => a === null) ? null : true;
    },
    false,
  ),
  toMzTs: func('int4_to_mz_timestamp', ([a]) => BigInt(num(a))),
  toText: func('int4_to_text', ([a]) => String(a)),
  toFloat: func('int4_to_float8', ([a]) => num(a) / 4),
};

export const call = (f: ScalarFunc, args: ScalarExpr[], type: SqlType = INT4): ScalarExpr => ({ kind: 'call', func: f, args, type });
export const bool = (f: ScalarFunc, ...args: ScalarExpr[]): ScalarExpr => call(f, args, BOOL);

export const get = (id: string, width: number): RelExpr => ({ op: 'get', id, desc: desc(width) });

export function agg(func: AggregateFuncName, args: ScalarExpr[], type: SqlType, extra: Partial<AggregateExpr> = {}): AggregateExpr {
  return { func, args, distinct: false, orderBy: [], type, ...extra };
}

export const ins = (...rows: Row[]): Update[] => rows.map((row) => ({ row, diff: 1 }));
export const del = (...rows: Row[]): Update[] => rows.map((row) => ({ row, diff: -1 }));

/** A canonical, order-independent rendering of a multiset of rows (for deepEqual). */
export function canon(rows: Row[]): string[] {
  return rows.map(show).sort();
}

export function canonUpdates(updates: Update[]): string[] {
  const rows: Row[] = [];
  for (const u of updates) {
    if (u.diff < 0) throw new Error(`negative multiplicity ${u.diff} for ${show(u.row)}`);
    for (let i = 0; i < u.diff; i++) rows.push(u.row);
  }
  return canon(rows);
}

export function show(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}
