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
import type { ArrayValue, Datum, SqlType } from '../repr/types.js';
import type { AggregateFuncName, ScalarFunc, TableFunc } from '../plan/mir.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { buildCast, buildZonedCast, type CastContext } from './cast.js';
import { argList, instantiate, lookup, noSingleOverload, type SessionContext } from './registry.js';

export type { SessionContext };
import { commonTypeOf } from './common-type.js';
import { aggregateNames, resolveAggregateType } from './aggregates.js';
import { lookupTableFunction, tableFunctionNames, zipTableFuncs } from './table-funcs.js';
import { displayType } from './type-info.js';
import './library.js';

export type { CastContext } from './cast.js';

export interface ResolvedScalar {
  func: ScalarFunc;
  /** Types the arguments must be cast to (same length as the call's arguments). */
  argTypes: SqlType[];
  returnType: SqlType;
}

function resolveKey(
  key: string,
  args: SqlType[],
  operator: boolean,
  describe: () => string,
  kind: 'operator' | 'function',
  session?: SessionContext,
): ResolvedScalar {
  const found = lookup(key, args, operator);
  if ('ok' in found) {
    const s = found.ok;
    const func: ScalarFunc = { name: s.overload.name, strict: s.overload.strict ?? true, eval: instantiate(s, session) };
    if (s.overload.volatile) func.volatile = true;
    return { func, argTypes: s.argTypes, returnType: s.returnType };
  }
  throw noSingleOverload(found, kind, describe());
}

/** Binary operator (op as in the AST: '+', '||', '->>', '=', 'and', ...) or prefix operator when `left` is null. */
export function resolveOperator(op: string, left: SqlType | null, right: SqlType, session?: SessionContext): ResolvedScalar {
  if (left === null) {
    return resolveKey(`prefix ${op}`, [right], true, () => `${op} ${displayType(right)}`, 'operator', session);
  }
  return resolveKey(`op ${op}`, [left, right], true, () => `${displayType(left)} ${op} ${displayType(right)}`, 'operator', session);
}

/**
 * `left op ANY|ALL (array)`: resolves `op` between `left` and the array's
 * element type (an unknown array literal is read as an array of `left`'s
 * type) and returns a non-strict function of (left, array) with SQL's
 * three-valued semantics: ANY is true if some comparison is true, NULL if
 * none is but some is NULL; ALL dually. `op` may also be 'like' / 'ilike'
 * (and their not_ forms), resolved as functions.
 */
export function resolveQuantified(op: string, left: SqlType, arrayType: SqlType, quantifier: 'any' | 'all'): ResolvedScalar {
  const element: SqlType = arrayType.kind === 'array' ? arrayType.element : arrayType.kind === 'unknown' ? left : arrayType;
  if (arrayType.kind !== 'array' && arrayType.kind !== 'unknown') {
    throw new SqlError(SqlState.datatypeMismatch, 'op ANY/ALL (array) requires array on right side');
  }
  const inner = isFunctionOperator(op) ? resolveFunction(op, [left, element]) : resolveOperator(op, left, element);
  const compare = inner.func.eval;
  const strict = inner.func.strict;
  const stopOn = quantifier === 'any';
  const evalQuantified = (args: Datum[]): Datum => {
    const l = args[0]!;
    const arr = args[1] as ArrayValue | null;
    if (arr === null) return null;
    let sawNull = false;
    const pair: Datum[] = [l, null];
    for (const e of arr.elements) {
      let r: Datum;
      if (strict && (l === null || e === null)) r = null;
      else {
        pair[1] = e;
        r = compare(pair);
      }
      if (r === null) sawNull = true;
      else if (r === stopOn) return stopOn;
    }
    return sawNull ? null : !stopOn;
  };
  return {
    func: { name: `${inner.func.name}_${quantifier}`, strict: false, eval: evalQuantified },
    argTypes: [inner.argTypes[0]!, { kind: 'array', element: inner.argTypes[1]! }],
    returnType: { kind: 'bool' },
  };
}

function isFunctionOperator(op: string): boolean {
  return op === 'like' || op === 'ilike' || op === 'not_like' || op === 'not_ilike';
}

/** Scalar function by (lower-cased, unqualified) name. Throws 42883 "function f(types) does not exist". */
/** `session` carries the settings TimeZone-dependent functions read (date_trunc, extract, + interval on timestamptz). */
export function resolveFunction(name: string, argTypes: SqlType[], session?: SessionContext): ResolvedScalar {
  return resolveKey(name, argTypes, false, () => `${name}(${argList(argTypes)})`, 'function', session);
}

/** Returns the cast function from `from` to `to` allowed in `context` (in session time zone `timeZone`), or undefined when no such cast exists. */
export function resolveCast(from: SqlType, to: SqlType, context: CastContext, timeZone?: string): ScalarFunc | undefined {
  // Casts between timestamptz and local time or text depend on the session's TimeZone (UTC needs no shift).
  if (timeZone !== undefined && timeZone.toUpperCase() !== 'UTC') return buildZonedCast(from, to, context, timeZone);
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

/** `session`: generate_series over timestamptz steps in the session's TimeZone. */
export function resolveTableFunction(name: string, argTypes: SqlType[], session?: SessionContext): ResolvedTableFunc {
  return lookupTableFunction(name, argTypes, session);
}

/** Table functions run in lockstep, NULL-padded (ROWS FROM; several set-returning functions in a SELECT list). */
export { zipTableFuncs };

/**
 * The common type of a set of expressions (CASE branches, UNION columns,
 * COALESCE, VALUES rows, ARRAY[...]) per PostgreSQL's UNION/CASE resolution;
 * 'unknown' inputs resolve to text when all are unknown. Throws 42804 when
 * they cannot be matched ("CASE types integer and text cannot be matched").
 */
export function commonType(types: SqlType[], construct: string): SqlType {
  return commonTypeOf(types, construct);
}
