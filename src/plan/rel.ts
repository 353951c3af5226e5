// Small constructors for relational plans that keep the planner readable.
import type { RelationDesc, SqlType } from '../repr/types.js';
import type { RelExpr, ScalarExpr } from './mir.js';
import { describe } from './mir.js';
import { column, nullLiteral } from './builtins.js';

/** One row with no columns: the input of a SELECT without FROM, the outer relation of an uncorrelated query. */
export const UNIT: RelExpr = { op: 'constant', rows: [[[], 1]], desc: { columns: [] } };

export function isUnit(rel: RelExpr): boolean {
  return rel.op === 'constant' && rel.desc.columns.length === 0 && rel.rows.length === 1 && rel.rows[0]![1] === 1;
}

export function arity(rel: RelExpr): number {
  return describe(rel).columns.length;
}

export function columnTypes(rel: RelExpr): SqlType[] {
  return describe(rel).columns.map((c) => c.type);
}

export function range(start: number, end: number): number[] {
  const out: number[] = [];
  for (let i = start; i < end; i++) out.push(i);
  return out;
}

export function columnsOf(rel: RelExpr, indexes: number[]): ScalarExpr[] {
  const desc = describe(rel);
  return indexes.map((i) => column(i, desc.columns[i]!.type));
}

export function project(input: RelExpr, outputs: number[]): RelExpr {
  if (outputs.length === arity(input) && outputs.every((o, i) => o === i)) return input;
  return { op: 'project', input, outputs };
}

export function map(input: RelExpr, scalars: ScalarExpr[]): RelExpr {
  return scalars.length === 0 ? input : { op: 'map', input, scalars };
}

export function filter(input: RelExpr, predicates: ScalarExpr[]): RelExpr {
  return predicates.length === 0 ? input : { op: 'filter', input, predicates };
}

export function union(inputs: RelExpr[]): RelExpr {
  return inputs.length === 1 ? inputs[0]! : { op: 'union', inputs };
}

export function negate(input: RelExpr): RelExpr {
  return { op: 'negate', input };
}

export function distinct(input: RelExpr): RelExpr {
  return { op: 'distinct', input };
}

export function emptyOf(desc: RelationDesc): RelExpr {
  return { op: 'constant', rows: [], desc };
}

/** Cross product; the unit relation is the identity. */
export function crossJoin(left: RelExpr, right: RelExpr): RelExpr {
  if (isUnit(left)) return right;
  if (isUnit(right)) return left;
  return { op: 'join', inputs: [left, right], equivalences: [] };
}

/**
 * Joins two relations that both start with the same `width` binding columns
 * (the outer relation of a correlated query) on those columns, keeping them once:
 * left's columns, then right's columns after its prefix.
 */
export function joinOnPrefix(left: RelExpr, right: RelExpr, width: number): RelExpr {
  if (width === 0) return crossJoin(left, right);
  const leftArity = arity(left);
  const rightArity = arity(right);
  const types = columnTypes(left);
  const equivalences = range(0, width).map((i) => [column(i, types[i]!), column(leftArity + i, types[i]!)]);
  const joined: RelExpr = { op: 'join', inputs: [left, right], equivalences };
  return project(joined, [...range(0, leftArity), ...range(leftArity + width, leftArity + rightArity)]);
}

/** Joins on all columns of `keys` (a relation of distinct rows whose columns are left's `leftColumns`). */
export function semiJoin(left: RelExpr, leftColumns: number[], keys: RelExpr): RelExpr {
  const leftArity = arity(left);
  const types = columnTypes(left);
  if (leftColumns.length === 0) return project(crossJoin(left, keys), range(0, leftArity));
  const equivalences = leftColumns.map((c, i) => [column(c, types[c]!), column(leftArity + i, types[c]!)]);
  return project({ op: 'join', inputs: [left, keys], equivalences }, range(0, leftArity));
}

/** Appends NULL columns of the given types. */
export function appendNulls(input: RelExpr, types: SqlType[]): RelExpr {
  return map(input, types.map((t) => nullLiteral(t)));
}
