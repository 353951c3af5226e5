// Function, operator and cast resolution with PostgreSQL's rules (exact
// match, then implicit casts, unknown literals adapting to the other
// operand). The planner calls these with argument types; what comes back is
// a ScalarFunc (or TableFunc) with its eval closure and the types the
// arguments must be cast to.
import type { SqlType } from '../repr/types.js';
import type { AggregateFuncName, ScalarFunc, TableFunc } from '../plan/mir.js';
import { SqlError, SqlState } from '../repr/errors.js';

export type CastContext = 'implicit' | 'assignment' | 'explicit';

export interface ResolvedScalar {
  func: ScalarFunc;
  /** Types the arguments must be cast to (same length as the call's arguments). */
  argTypes: SqlType[];
  returnType: SqlType;
}

/** Binary operator (op as in the AST: '+', '||', '->>', '=', 'and', ...) or prefix operator when `left` is null. */
export function resolveOperator(op: string, left: SqlType | null, right: SqlType): ResolvedScalar {
  throw new SqlError(SqlState.undefinedFunction, `operator does not exist: ${left?.kind ?? ''} ${op} ${right.kind}`);
}

/** Scalar function by (lower-cased, unqualified) name. Throws 42883 "function f(types) does not exist". */
export function resolveFunction(name: string, argTypes: SqlType[]): ResolvedScalar {
  throw new SqlError(SqlState.undefinedFunction, `function ${name}(${argTypes.map((t) => t.kind).join(', ')}) does not exist`);
}

/** Returns the cast function from `from` to `to` allowed in `context`, or undefined when no such cast exists. */
export function resolveCast(from: SqlType, to: SqlType, context: CastContext): ScalarFunc | undefined {
  void from;
  void to;
  void context;
  return undefined;
}

export interface ResolvedAggregate {
  /** 'avg', 'stddev*', 'var*' are lowered by the planner onto sum/count; the rest map 1:1 to AggregateFuncName. */
  name: AggregateFuncName | 'avg' | 'stddev' | 'stddev_samp' | 'stddev_pop' | 'variance' | 'var_samp' | 'var_pop';
  argTypes: SqlType[];
  returnType: SqlType;
}

/** Is `name` an aggregate function? */
export function isAggregate(name: string): boolean {
  void name;
  return false;
}

export function resolveAggregate(name: string, argTypes: SqlType[]): ResolvedAggregate {
  throw new SqlError(SqlState.undefinedFunction, `function ${name}(${argTypes.map((t) => t.kind).join(', ')}) does not exist`);
}

/** Is `name` a table function (generate_series, unnest, jsonb_each, ...)? */
export function isTableFunction(name: string): boolean {
  void name;
  return false;
}

export interface ResolvedTableFunc {
  func: TableFunc;
  argTypes: SqlType[];
}

export function resolveTableFunction(name: string, argTypes: SqlType[]): ResolvedTableFunc {
  throw new SqlError(SqlState.undefinedFunction, `function ${name}(${argTypes.map((t) => t.kind).join(', ')}) does not exist`);
}

/**
 * The common type of a set of expressions (CASE branches, UNION columns,
 * COALESCE, VALUES rows, ARRAY[...]) per PostgreSQL's UNION/CASE resolution;
 * 'unknown' inputs resolve to text when all are unknown. Throws 42804 when
 * they cannot be matched ("CASE types integer and text cannot be matched").
 */
export function commonType(types: SqlType[], construct: string): SqlType {
  void construct;
  return types[0] ?? { kind: 'text' };
}
