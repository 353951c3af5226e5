// Scalar building blocks the planner needs beyond what resolve.ts offers:
// three-valued logic, null tests, constructors of composite values, and the
// run-time errors SQL requires (scalar subquery cardinality, NOT NULL).
import type { Datum, SqlType } from '../repr/types.js';
import { ArrayValue, ListValue, MapValue, RecordValue } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';
import type { ScalarExpr, ScalarFunc } from './mir.js';

const BOOL: SqlType = { kind: 'bool' };

export function column(index: number, type: SqlType): ScalarExpr {
  return { kind: 'column', index, type };
}

export function literal(value: Datum, type: SqlType): ScalarExpr {
  return { kind: 'literal', value, type };
}

export const TRUE_LITERAL: ScalarExpr = literal(true, BOOL);
export const FALSE_LITERAL: ScalarExpr = literal(false, BOOL);

export function nullLiteral(type: SqlType): ScalarExpr {
  return literal(null, type);
}

export function call(func: ScalarFunc, args: ScalarExpr[], type: SqlType): ScalarExpr {
  return { kind: 'call', func, args, type };
}

export function ifThen(cond: ScalarExpr, then: ScalarExpr, otherwise: ScalarExpr): ScalarExpr {
  return { kind: 'if', cond, then, else: otherwise, type: then.type };
}

/** SQL AND over any number of operands (three-valued: false wins over NULL). */
export const AND: ScalarFunc = {
  name: 'and',
  strict: false,
  eval: (args) => {
    let sawNull = false;
    for (const a of args) {
      if (a === false) return false;
      if (a === null) sawNull = true;
    }
    return sawNull ? null : true;
  },
};

/** SQL OR over any number of operands (three-valued: true wins over NULL). */
export const OR: ScalarFunc = {
  name: 'or',
  strict: false,
  eval: (args) => {
    let sawNull = false;
    for (const a of args) {
      if (a === true) return true;
      if (a === null) sawNull = true;
    }
    return sawNull ? null : false;
  },
};

export const NOT: ScalarFunc = { name: 'not', strict: true, eval: (args) => !args[0] };

export const IS_NULL: ScalarFunc = { name: 'isnull', strict: false, eval: (args) => args[0] === null };
export const IS_TRUE: ScalarFunc = { name: 'istrue', strict: false, eval: (args) => args[0] === true };
export const IS_FALSE: ScalarFunc = { name: 'isfalse', strict: false, eval: (args) => args[0] === false };

export function and(exprs: ScalarExpr[]): ScalarExpr {
  if (exprs.length === 1) return exprs[0]!;
  return call(AND, exprs, BOOL);
}

/** The conjuncts of a predicate: filters test them one by one and stop at the first that is not true. */
export function conjuncts(expr: ScalarExpr): ScalarExpr[] {
  return expr.kind === 'call' && expr.func === AND ? expr.args.flatMap(conjuncts) : [expr];
}

export function or(exprs: ScalarExpr[]): ScalarExpr {
  if (exprs.length === 1) return exprs[0]!;
  return call(OR, exprs, BOOL);
}

export function not(expr: ScalarExpr): ScalarExpr {
  return call(NOT, [expr], BOOL);
}

export function isNull(expr: ScalarExpr): ScalarExpr {
  return call(IS_NULL, [expr], BOOL);
}

export function isNotNull(expr: ScalarExpr): ScalarExpr {
  return not(isNull(expr));
}

export function isTrue(expr: ScalarExpr): ScalarExpr {
  return call(IS_TRUE, [expr], BOOL);
}

export function isFalse(expr: ScalarExpr): ScalarExpr {
  return call(IS_FALSE, [expr], BOOL);
}

/** int8 > 1: the cardinality test of scalar subqueries. */
const INT8_GT_ONE: ScalarFunc = { name: 'int8_gt_one', strict: true, eval: (args) => (args[0] as bigint) > 1n };

export function greaterThanOne(expr: ScalarExpr): ScalarExpr {
  return call(INT8_GT_ONE, [expr], BOOL);
}

/** An expression that raises `error` when evaluated (only reached through a lazy `if`). */
export function raise(code: string, message: string, type: SqlType): ScalarExpr {
  const func: ScalarFunc = {
    name: 'error',
    strict: false,
    volatile: true,
    eval: () => {
      throw new SqlError(code, message);
    },
  };
  return call(func, [literal(message, { kind: 'text' })], type);
}

export function cardinalityError(type: SqlType): ScalarExpr {
  return raise(SqlState.cardinalityViolation, 'more than one row returned by a subquery used as an expression', type);
}

/** Passes the value through, raising 23502 when it is NULL (NOT NULL columns on INSERT/UPDATE). */
export function notNullCheck(expr: ScalarExpr, columnName: string, tableName: string): ScalarExpr {
  const message = `null value in column "${columnName}" of relation "${tableName}" violates not-null constraint`;
  const func: ScalarFunc = {
    name: 'not_null_check',
    strict: false,
    eval: (args) => {
      const value = args[0] ?? null;
      if (value === null) throw new SqlError(SqlState.notNullViolation, message);
      return value;
    },
  };
  return call(func, [expr], expr.type);
}

/** ARRAY[...]; elements that are arrays themselves make a multi-dimensional array. */
export const ARRAY_CONSTRUCT: ScalarFunc = {
  name: 'array_create',
  strict: false,
  eval: (args) => {
    if (args.length > 0 && args.every((a) => a instanceof ArrayValue)) {
      const inner = args as ArrayValue[];
      const first = inner[0]!;
      if (inner.some((a) => a.dims.join(',') !== first.dims.join(','))) {
        throw new SqlError(SqlState.arraySubscriptError, 'multidimensional arrays must have array expressions with matching dimensions');
      }
      if (first.dims.length === 0) return new ArrayValue([], []);
      return new ArrayValue(
        inner.flatMap((a) => a.elements),
        [inner.length, ...first.dims],
      );
    }
    return args.length === 0 ? new ArrayValue([], []) : new ArrayValue(args.slice(), [args.length]);
  },
};

export const LIST_CONSTRUCT: ScalarFunc = { name: 'list_create', strict: false, eval: (args) => new ListValue(args.slice()) };

/** MAP[k => v, ...]: arguments alternate key, value; later keys win; entries sorted by key. */
export const MAP_CONSTRUCT: ScalarFunc = {
  name: 'map_build',
  strict: false,
  eval: (args) => {
    const byKey = new Map<string, Datum>();
    for (let i = 0; i + 1 < args.length; i += 2) {
      const key = args[i];
      if (key === null || key === undefined) throw new SqlError(SqlState.nullValueNotAllowed, 'map key cannot be NULL');
      byKey.set(String(key), args[i + 1] ?? null);
    }
    const entries = [...byKey.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return new MapValue(entries);
  },
};

export const RECORD_CONSTRUCT: ScalarFunc = { name: 'record_create', strict: false, eval: (args) => new RecordValue(args.slice()) };

export function recordField(index: number, name: string): ScalarFunc {
  return { name: `record_get[${name}]`, strict: true, eval: (args) => (args[0] as RecordValue).fields[index] ?? null };
}

/** One-based subscript into an array (first dimension only: a[i] of a 1-D array). */
export const ARRAY_INDEX: ScalarFunc = {
  name: 'array_index',
  strict: true,
  eval: (args) => {
    const array = args[0] as ArrayValue;
    const i = Number(args[1]);
    if (array.dims.length !== 1) return null;
    const offset = i - (array.lowerBounds[0] ?? 1);
    return offset >= 0 && offset < array.elements.length ? (array.elements[offset] ?? null) : null;
  },
};

export const LIST_INDEX: ScalarFunc = {
  name: 'list_index',
  strict: true,
  eval: (args) => {
    const list = args[0] as ListValue;
    const i = Number(args[1]);
    return i >= 1 && i <= list.elements.length ? (list.elements[i - 1] ?? null) : null;
  },
};

export const MAP_GET: ScalarFunc = {
  name: 'map_get',
  strict: true,
  eval: (args) => {
    const map = args[0] as MapValue;
    const key = String(args[1]);
    for (const [k, v] of map.entries) if (k === key) return v;
    return null;
  },
};

/** Slices of arrays and lists, bounds inclusive and 1-based; a NULL bound means "from the start"/"to the end". */
export const ARRAY_SLICE: ScalarFunc = {
  name: 'array_slice',
  strict: false,
  eval: (args) => {
    const array = args[0];
    if (!(array instanceof ArrayValue)) return null;
    if (array.dims.length !== 1) return new ArrayValue([], []);
    const lower = array.lowerBounds[0] ?? 1;
    const start = Math.max(args[1] === null ? lower : Number(args[1]), lower);
    const end = Math.min(args[2] === null ? lower + array.elements.length - 1 : Number(args[2]), lower + array.elements.length - 1);
    if (end < start) return new ArrayValue([], []);
    const elements = array.elements.slice(start - lower, end - lower + 1);
    return new ArrayValue(elements, [elements.length]);
  },
};

export const LIST_SLICE: ScalarFunc = {
  name: 'list_slice',
  strict: false,
  eval: (args) => {
    const list = args[0];
    // The planner writes an absent bound as 1 / int4's maximum; an explicit NULL bound makes the slice NULL.
    if (!(list instanceof ListValue) || args[1] === null || args[2] === null) return null;
    const start = Math.max(Number(args[1]), 1);
    const end = Math.min(Number(args[2]), list.elements.length);
    return new ListValue(end < start ? [] : list.elements.slice(start - 1, end));
  },
};
