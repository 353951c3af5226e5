// Function, operator and cast resolution with PostgreSQL's rules (exact
// match, then implicit casts, unknown literals adapting to the other
// operand). The planner calls these with argument types; what comes back is
// a ScalarFunc (or TableFunc) with its eval closure and the types the
// arguments must be cast to.
//
// The function library registers itself on import (see library.ts); special
// SQL forms map onto these function names:
//   x[i] / x[a:b]          array_subscript / array_slice, list_subscript / list_slice, map['k'] -> op '->'
//   x = ANY(arr) / ALL     resolveQuantified(op, x, arr, 'any' | 'all')
//   LIKE / ILIKE           like / ilike (text, pattern[, escape])
//   IS [NOT] DISTINCT FROM is_distinct_from / is_not_distinct_from
//   AT TIME ZONE           timezone(zone, value)
//   EXTRACT(f FROM x)      extract('f', x); date_part likewise
import type { SqlType } from '../repr/types.js';
import type { AggregateFuncName, ScalarFunc, TableFunc } from '../plan/mir.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { buildCast, type CastContext } from './cast.js';
import { argList, instantiate, lookup } from './registry.js';
import { commonTypeOf } from './common-type.js';
import { aggregateNames, resolveAggregateType } from './aggregates.js';
import { lookupTableFunction, tableFunctionNames } from './table-funcs.js';
import { displayType } from './type-info.js';
import './library.js';

export type { CastContext } from './cast.js';

export interface ResolvedScalar {
  func: ScalarFunc;
  /** Types the arguments must be cast to (same length as the call's arguments). */
  argTypes: SqlType[];
  returnType: SqlType;
}

function resolveKey(key: string, args: SqlType[], operator: boolean, describe: () => string, kind: 'operator' | 'function'): ResolvedScalar {
  const found = lookup(key, args, operator);
  if ('ok' in found) {
    const s = found.ok;
    const func: ScalarFunc = { name: s.overload.name, strict: s.overload.strict ?? true, eval: instantiate(s) };
    if (s.overload.volatile) func.volatile = true;
    return { func, argTypes: s.argTypes, returnType: s.returnType };
  }
  if ('ambiguous' in found) {
    throw new SqlError(SqlState.ambiguousFunction, kind === 'operator' ? `operator is not unique: ${describe()}` : `function ${describe()} is not unique`, {
      hint: `Could not choose a best candidate ${kind}. You might need to add explicit type casts.`,
    });
  }
  throw new SqlError(SqlState.undefinedFunction, kind === 'operator' ? `operator does not exist: ${describe()}` : `function ${describe()} does not exist`, {
    hint: `No ${kind} matches the given name and argument types. You might need to add explicit type casts.`,
  });
}

/** Binary operator (op as in the AST: '+', '||', '->>', '=', 'and', ...) or prefix operator when `left` is null. */
export function resolveOperator(op: string, left: SqlType | null, right: SqlType): ResolvedScalar {
  if (left === null) {
    return resolveKey(`prefix ${op}`, [right], true, () => `${op} ${displayType(right)}`, 'operator');
  }
  return resolveKey(`op ${op}`, [left, right], true, () => `${displayType(left)} ${op} ${displayType(right)}`, 'operator');
}

/** Scalar function by (lower-cased, unqualified) name. Throws 42883 "function f(types) does not exist". */
export function resolveFunction(name: string, argTypes: SqlType[]): ResolvedScalar {
  return resolveKey(name, argTypes, false, () => `${name}(${argList(argTypes)})`, 'function');
}

/** Returns the cast function from `from` to `to` allowed in `context`, or undefined when no such cast exists. */
export function resolveCast(from: SqlType, to: SqlType, context: CastContext): ScalarFunc | undefined {
  return buildCast(from, to, context);
}

export interface ResolvedAggregate {
  /** 'avg', 'stddev*', 'var*' are lowered by the planner onto sum/count; the rest map 1:1 to AggregateFuncName. */
  name: AggregateFuncName | 'avg' | 'stddev' | 'stddev_samp' | 'stddev_pop' | 'variance' | 'var_samp' | 'var_pop';
  argTypes: SqlType[];
  returnType: SqlType;
}

/** Is `name` an aggregate function? */
export function isAggregate(name: string): boolean {
  return aggregateNames.has(name);
}

export function resolveAggregate(name: string, argTypes: SqlType[]): ResolvedAggregate {
  return resolveAggregateType(name, argTypes);
}

/** Is `name` a table function (generate_series, unnest, jsonb_each, ...)? */
export function isTableFunction(name: string): boolean {
  return tableFunctionNames.has(name);
}

export interface ResolvedTableFunc {
  func: TableFunc;
  argTypes: SqlType[];
}

export function resolveTableFunction(name: string, argTypes: SqlType[]): ResolvedTableFunc {
  return lookupTableFunction(name, argTypes);
}

/**
 * The common type of a set of expressions (CASE branches, UNION columns,
 * COALESCE, VALUES rows, ARRAY[...]) per PostgreSQL's UNION/CASE resolution;
 * 'unknown' inputs resolve to text when all are unknown. Throws 42804 when
 * they cannot be matched ("CASE types integer and text cannot be matched").
 */
export function commonType(types: SqlType[], construct: string): SqlType {
  return commonTypeOf(types, construct);
}
