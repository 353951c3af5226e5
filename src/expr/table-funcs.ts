// Table functions (set-returning functions in FROM or SELECT): resolution
// uses the scalar overload machinery under the key 'tf <name>'; each overload
// declares its output columns as a record type and a row generator.
import type { Datum, Interval, Row, SqlType } from '../repr/types.js';
import { ArrayValue, ListValue, MapValue, T } from '../repr/types.js';
import type { TableFunc } from '../plan/mir.js';
import { SqlError } from '../repr/errors.js';
import { addIntervalToTimestamp, compareIntervals, ZERO_INTERVAL } from '../repr/datetime.js';
import { Decimal } from './decimal.js';
import { alias, argList, define, lookup, noSingleOverload, nonUtcZone, P, UTC_SESSION, type Param, type SessionContext } from './registry.js';
import { invalidParameter } from './errors.js';
import { compileRegex, matchToArray, regexMatches, regexpSplit } from './pattern.js';
import type { ResolvedTableFunc } from './resolve.js';

export const tableFunctionNames = new Set<string>();

type Columns = Array<{ name: string; type: SqlType }>;

/** Registers a table function overload whose columns may depend on the argument types. */
export function defineTable(
  name: string,
  params: Param[],
  columns: Columns | ((argTypes: SqlType[]) => Columns),
  rows: (argTypes: SqlType[], session: SessionContext) => (args: Datum[]) => Iterable<Row>,
  variadic?: Param,
): void {
  tableFunctionNames.add(name);
  const returns = (argTypes: SqlType[]): SqlType => ({
    kind: 'record',
    fields: typeof columns === 'function' ? columns(argTypes) : columns,
  });
  define(`tf ${name}`, { name, params, variadic, returns, table: rows });
}

export function aliasTable(name: string, existing: string): void {
  tableFunctionNames.add(name);
  alias(`tf ${name}`, `tf ${existing}`);
}

/**
 * Several table functions run in lockstep (PostgreSQL's ROWS FROM, multi-argument
 * unnest, several set-returning functions in one SELECT list): row i holds each
 * function's i-th row, NULL-padded once a function is exhausted. `argCounts`
 * splits the concatenated arguments among the functions.
 */
export function zipTableFuncs(funcs: TableFunc[], argCounts: number[]): TableFunc {
  const widths = funcs.map((f) => f.columns.length);
  const eval_ = (args: Datum[]): Row[] => {
    const rowSets: Row[][] = [];
    let offset = 0;
    for (let f = 0; f < funcs.length; f++) {
      rowSets.push([...funcs[f]!.eval(args.slice(offset, offset + argCounts[f]!))]);
      offset += argCounts[f]!;
    }
    const length = Math.max(0, ...rowSets.map((r) => r.length));
    const out: Row[] = [];
    for (let i = 0; i < length; i++) {
      const row: Datum[] = [];
      for (let f = 0; f < funcs.length; f++) {
        const part = rowSets[f]![i];
        if (part) row.push(...part);
        else for (let c = 0; c < widths[f]!; c++) row.push(null);
      }
      out.push(row);
    }
    return out;
  };
  return { name: funcs.map((f) => f.name).join('_'), columns: funcs.flatMap((f) => f.columns), eval: eval_ };
}

export function lookupTableFunction(name: string, argTypes: SqlType[], session: SessionContext = UTC_SESSION): ResolvedTableFunc {
  if (name === 'unnest' && argTypes.length > 1 && argTypes.every((t) => t.kind === 'array' || t.kind === 'unknown')) {
    // unnest(a, b, ...) is ROWS FROM (unnest(a), unnest(b), ...).
    const parts = argTypes.map((t) => lookupTableFunction(name, [t], session));
    return { func: zipTableFuncs(parts.map((p) => p.func), parts.map(() => 1)), argTypes: parts.flatMap((p) => p.argTypes) };
  }
  const found = lookup(`tf ${name}`, argTypes, false);
  if ('ok' in found) {
    const s = found.ok;
    const fields = s.returnType.kind === 'record' ? s.returnType.fields : [];
    const func: TableFunc = {
      name,
      columns: fields.map((f) => ({ name: f.name, type: f.type, nullable: true })),
      eval: s.overload.table!(s.argTypes, session),
    };
    return { func, argTypes: s.argTypes };
  }
  throw noSingleOverload(found, 'function', `${name}(${argList(argTypes)})`);
}

const NO_ROWS: Row[] = [];
function hasNull(args: Datum[]): boolean {
  for (const a of args) if (a === null) return true;
  return false;
}
function zeroStep(): SqlError {
  return invalidParameter('step size cannot equal zero');
}

// ---- generate_series ----

const series = (t: SqlType): Columns => [{ name: 'generate_series', type: t }];

function* intSeries(start: number, stop: number, step: number): Iterable<Row> {
  if (step > 0) for (let i = start; i <= stop; i += step) yield [i];
  else for (let i = start; i >= stop; i += step) yield [i];
}
function* bigintSeries(start: bigint, stop: bigint, step: bigint): Iterable<Row> {
  if (step > 0n) for (let i = start; i <= stop; i += step) yield [i];
  else for (let i = start; i >= stop; i += step) yield [i];
}
function* numericSeries(start: Decimal, stop: Decimal, step: Decimal): Iterable<Row> {
  if (step.isPositive()) for (let i = start; i.lte(stop); i = i.plus(step)) yield [i];
  else for (let i = start; i.gte(stop); i = i.plus(step)) yield [i];
}
/** `zone`: timestamptz steps add days and months in the session's time zone, as timestamptz + interval does. */
function* timestampSeries(start: bigint, stop: bigint, step: Interval, zone: string | undefined): Iterable<Row> {
  const forward = compareIntervals(step, ZERO_INTERVAL) > 0;
  for (let t = start; forward ? t <= stop : t >= stop; t = addIntervalToTimestamp(t, step, zone)) yield [t];
}

for (const t of [T.int4 as SqlType]) {
  defineTable('generate_series', [t, t], series(t), () => (a) => (hasNull(a) ? NO_ROWS : intSeries(a[0] as number, a[1] as number, 1)));
  defineTable('generate_series', [t, t, t], series(t), () => (a) => {
    if (hasNull(a)) return NO_ROWS;
    if (a[2] === 0) throw zeroStep();
    return intSeries(a[0] as number, a[1] as number, a[2] as number);
  });
}
defineTable('generate_series', [T.int8, T.int8], series(T.int8), () => (a) => (hasNull(a) ? NO_ROWS : bigintSeries(a[0] as bigint, a[1] as bigint, 1n)));
defineTable('generate_series', [T.int8, T.int8, T.int8], series(T.int8), () => (a) => {
  if (hasNull(a)) return NO_ROWS;
  if (a[2] === 0n) throw zeroStep();
  return bigintSeries(a[0] as bigint, a[1] as bigint, a[2] as bigint);
});
defineTable('generate_series', [T.numeric, T.numeric], series(T.numeric), () => (a) =>
  hasNull(a) ? NO_ROWS : numericSeries(a[0] as Decimal, a[1] as Decimal, new Decimal(1)),
);
defineTable('generate_series', [T.numeric, T.numeric, T.numeric], series(T.numeric), () => (a) => {
  if (hasNull(a)) return NO_ROWS;
  const step = a[2] as Decimal;
  if (step.isZero()) throw zeroStep();
  if (step.isNaN() || (a[0] as Decimal).isNaN() || (a[1] as Decimal).isNaN()) {
    throw invalidParameter('step size cannot be NaN');
  }
  return numericSeries(a[0] as Decimal, a[1] as Decimal, step);
});
for (const t of [T.timestamp as SqlType, T.timestamptz as SqlType]) {
  defineTable('generate_series', [t, t, T.interval], series(t), (_types, session) => {
    const zone = t.kind === 'timestamptz' ? nonUtcZone(session) : undefined;
    return (a) => {
      if (hasNull(a)) return NO_ROWS;
      const step = a[2] as Interval;
      if (compareIntervals(step, ZERO_INTERVAL) === 0) throw zeroStep();
      return timestampSeries(a[0] as bigint, a[1] as bigint, step, zone);
    };
  });
}

// ---- unnest, generate_subscripts ----

const elementOf = (t: SqlType): SqlType => (t.kind === 'array' || t.kind === 'list' ? t.element : T.text);

for (const param of [P.anyarray, P.anylist]) {
  defineTable(
    'unnest',
    [param],
    (types) => [{ name: 'unnest', type: elementOf(types[0]!) }],
    () => (a) => (a[0] === null ? NO_ROWS : (a[0] as ArrayValue | ListValue).elements.map((e) => [e])),
  );
}
defineTable(
  'unnest',
  [P.anymap],
  (types) => [
    { name: 'key', type: T.text },
    { name: 'value', type: types[0]!.kind === 'map' ? types[0]!.value : T.text },
  ],
  () => (a) => (a[0] === null ? NO_ROWS : (a[0] as MapValue).entries.map(([k, v]) => [k, v])),
);
defineTable('generate_subscripts', [P.anyarray, T.int4], [{ name: 'generate_subscripts', type: T.int4 }], () => (a) => {
  if (hasNull(a)) return NO_ROWS;
  const arr = a[0] as ArrayValue;
  const dim = (a[1] as number) - 1;
  if (dim < 0 || dim >= arr.dims.length) return NO_ROWS;
  const lower = arr.lowerBounds[dim]!;
  return intSeries(lower, lower + arr.dims[dim]! - 1, 1);
});

// ---- regexp_matches: one text[] row per match (every match with 'g') ----

for (const params of [
  [T.text, T.text],
  [T.text, T.text, T.text],
] as SqlType[][]) {
  defineTable('regexp_matches', params, [{ name: 'regexp_matches', type: { kind: 'array', element: T.text } }], () => (a) => {
    if (hasNull(a)) return NO_ROWS;
    const flags = params.length === 3 ? (a[2] as string) : '';
    const bad = flags.replace(/[gic]/g, '');
    if (bad !== '') throw invalidParameter(`invalid regular expression option: "${bad[0]}"`);
    const re = compileRegex(a[1] as string, flags.includes('i') ? 'i' : '');
    const rows: Row[] = [];
    for (const m of regexMatches(a[0] as string, re, flags.includes('g'))) rows.push([matchToArray(m)]);
    return rows;
  });
}

// ---- regexp_split_to_table ----

for (const params of [
  [T.text, T.text],
  [T.text, T.text, T.text],
] as SqlType[][]) {
  defineTable('regexp_split_to_table', params, [{ name: 'regexp_split_to_table', type: T.text }], () => (a) => {
    if (hasNull(a)) return NO_ROWS;
    const flags = params.length === 3 ? (a[2] as string) : '';
    if (/[^ic]/.test(flags)) throw invalidParameter(`invalid regular expression option: "${flags.replace(/[ic]/g, '')[0]}"`);
    const re = compileRegex(a[1] as string, flags.includes('i') ? 'i' : '');
    return regexpSplit(a[0] as string, re).map((p) => [p]);
  });
}
