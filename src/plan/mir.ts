// The relational plan: the contract between the planner (plan/), the optimizer
// (optimize/) and the incremental engine (compute/). Modelled on Materialize's
// MIR: a small set of operators, each with a known incremental form, so that a
// one-shot SELECT and a maintained view are the same plan run two ways.
//
// Conventions:
// - Columns are referenced by position. `map` and `flatMap` append columns;
//   `join` concatenates its inputs' columns in order; `reduce` outputs the group
//   key columns followed by one column per aggregate.
// - Join equivalences compare with datum equality, under which NULL equals
//   NULL. SQL `a = b` therefore lowers to an equivalence plus `a IS NOT NULL`
//   filters; `IS NOT DISTINCT FROM` lowers to the bare equivalence.
// - Collections are multisets with signed multiplicities; `negate` and
//   `threshold` express EXCEPT and anti-joins.

import type { Column, Datum, RelationDesc, Row, SqlType } from '../repr/types.js';

/** Catalog object ids: 'u1', 'u2', ... for user objects, 's1', ... for system ones. */
export type GlobalId = string;

/** A resolved scalar function: the planner picks the overload, compute calls `eval`. */
export interface ScalarFunc {
  /** Name used by EXPLAIN, e.g. 'int4_add', 'text_concat', 'jsonb_get_text'. */
  name: string;
  /**
   * Strict functions return NULL when any argument is NULL and are never called
   * with a NULL; non-strict ones (coalesce, and, or, concat_ws, ...) see NULLs.
   */
  strict: boolean;
  /**
   * true if the result can differ between calls with the same arguments within
   * one statement (random()) or over time (now()); such calls are not folded.
   */
  volatile?: boolean;
  eval: (args: Datum[]) => Datum;
}

export type ScalarExpr =
  | { kind: 'column'; index: number; type: SqlType }
  | { kind: 'literal'; value: Datum; type: SqlType }
  /** $n of a prepared statement; replaced by a literal before execution. */
  | { kind: 'parameter'; index: number; type: SqlType }
  | { kind: 'call'; func: ScalarFunc; args: ScalarExpr[]; type: SqlType }
  /** Lazily evaluated conditional: CASE, and anything else that must not evaluate a branch. */
  | { kind: 'if'; cond: ScalarExpr; then: ScalarExpr; else: ScalarExpr; type: SqlType }
  /**
   * mz_now(): the logical time of the update being processed. In a filter of a
   * maintained dataflow it makes a temporal filter; in a one-shot query it is the
   * query's read timestamp.
   */
  | { kind: 'mzNow'; type: SqlType };

export type AggregateFuncName =
  | 'count' // counts non-null values of args[0]; count(*) is count over a non-null literal
  | 'sum'
  | 'min'
  | 'max'
  | 'bool_and'
  | 'bool_or'
  | 'string_agg' // args: value, delimiter
  | 'array_agg'
  | 'list_agg'
  | 'jsonb_agg'
  | 'jsonb_object_agg' // args: key, value
  | 'map_agg' // args: key (text), value; the last value of a key in ORDER BY order wins
  | 'any_value';

export interface AggregateExpr {
  func: AggregateFuncName;
  args: ScalarExpr[];
  distinct: boolean;
  /** Rows for which this is not true do not contribute (FILTER (WHERE ...)). */
  filter?: ScalarExpr;
  /** ORDER BY inside the aggregate (string_agg, array_agg, list_agg, jsonb_agg). */
  orderBy: ScalarOrder[];
  /** Result type (sum(int4) is int8, sum(int8) is numeric, ...), decided by the planner. */
  type: SqlType;
  /**
   * The session TimeZone jsonb_agg / jsonb_object_agg write timestamptz in
   * (set by the planner when it is not UTC; absent means UTC).
   */
  timeZone?: string;
}

export interface ScalarOrder {
  expr: ScalarExpr;
  desc: boolean;
  nullsFirst: boolean;
}

export interface ColumnOrder {
  column: number;
  desc: boolean;
  /** PostgreSQL default: NULLS LAST for ASC, NULLS FIRST for DESC. */
  nullsFirst: boolean;
}

/** A resolved table function (generate_series, unnest, jsonb_each, ...). */
export interface TableFunc {
  name: string;
  /** Columns it appends to each input row. */
  columns: Column[];
  /** Rows produced for one input row's arguments. NULL arguments are passed through. */
  eval: (args: Datum[]) => Iterable<Row>;
}

export type RelExpr =
  /** A catalog collection: table, source, materialized view, indexed view. */
  | { op: 'get'; id: GlobalId; desc: RelationDesc }
  /** A binding introduced by `let` (CTEs, shared subplans of decorrelation). */
  | { op: 'getLocal'; name: string; desc: RelationDesc }
  | { op: 'let'; name: string; value: RelExpr; body: RelExpr }
  | { op: 'constant'; rows: Array<[Row, number]>; desc: RelationDesc }
  | { op: 'map'; input: RelExpr; scalars: ScalarExpr[] }
  | { op: 'filter'; input: RelExpr; predicates: ScalarExpr[] }
  | { op: 'project'; input: RelExpr; outputs: number[] }
  | { op: 'flatMap'; input: RelExpr; func: TableFunc; args: ScalarExpr[] }
  /**
   * Inner join of all inputs (a cross product when there are no equivalences).
   * Each equivalence class lists expressions over the concatenated columns that
   * must all be equal (datum equality: NULL matches NULL).
   */
  | { op: 'join'; inputs: RelExpr[]; equivalences: ScalarExpr[][] }
  /**
   * Group by `groupKey` and aggregate. Output: key columns then aggregates.
   * With an empty key and empty input it produces no row: the planner adds
   * SQL's "one row for a global aggregate" itself.
   */
  | { op: 'reduce'; input: RelExpr; groupKey: ScalarExpr[]; aggregates: AggregateExpr[] }
  | { op: 'distinct'; input: RelExpr }
  /** Per group of `groupKey` columns, the rows ranked `offset+1 .. offset+limit` by `order`. */
  | { op: 'topK'; input: RelExpr; groupKey: number[]; order: ColumnOrder[]; limit?: number; offset: number }
  | { op: 'negate'; input: RelExpr }
  /** Keeps rows with positive multiplicity (with that multiplicity): EXCEPT ALL. */
  | { op: 'threshold'; input: RelExpr }
  | { op: 'union'; inputs: RelExpr[] };

/** What a query asks of its result beyond the relation: ORDER BY / LIMIT / OFFSET / final projection. */
export interface RowSetFinishing {
  order: ColumnOrder[];
  limit?: number;
  offset: number;
  /**
   * LIMIT / OFFSET of a top-level query written with parameters (`LIMIT $1`):
   * int8 expressions over parameters only, evaluated when the parameters are
   * bound (resolveFinishing); `limit` / `offset` are unset meanwhile.
   */
  limitExpr?: ScalarExpr;
  offsetExpr?: ScalarExpr;
  /** Columns to return, after sorting (ORDER BY may use columns not returned). */
  project: number[];
}

export function typeOfScalar(expr: ScalarExpr): SqlType {
  return expr.type;
}

/** The output schema of a plan node. */
export function describe(rel: RelExpr): RelationDesc {
  switch (rel.op) {
    case 'get':
    case 'getLocal':
    case 'constant':
      return rel.desc;
    case 'let':
      return describe(rel.body);
    case 'map': {
      const input = describe(rel.input);
      return {
        columns: [
          ...input.columns,
          ...rel.scalars.map((s, i) => ({ name: `?column${input.columns.length + i}?`, type: s.type, nullable: true })),
        ],
      };
    }
    case 'filter':
    case 'distinct':
    case 'negate':
    case 'threshold':
    case 'topK':
      return describe(rel.input);
    case 'project': {
      const input = describe(rel.input);
      return { columns: rel.outputs.map((i) => input.columns[i]!) };
    }
    case 'flatMap': {
      const input = describe(rel.input);
      return { columns: [...input.columns, ...rel.func.columns] };
    }
    case 'join':
      return { columns: rel.inputs.flatMap((i) => describe(i).columns) };
    case 'reduce': {
      const input = describe(rel.input);
      const keyCols: Column[] = rel.groupKey.map((k, i) =>
        k.kind === 'column' ? input.columns[k.index]! : { name: `?key${i}?`, type: k.type, nullable: true },
      );
      const aggCols: Column[] = rel.aggregates.map((a, i) => ({
        name: `?agg${i}?`,
        type: a.type,
        nullable: a.func !== 'count',
      }));
      return { columns: [...keyCols, ...aggCols] };
    }
    case 'union':
      return describe(rel.inputs[0]!);
  }
}

/**
 * A structural key of scalar expressions (or any plan fragment): equal for
 * equal expressions. Literal datums may be bigints (int8, timestamps, the
 * microseconds of an interval), which JSON has no form for.
 */
export function structuralKey(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}
