// Evaluation of expressions without columns at planning time (LIMIT, window frame offsets).
import { SqlError, SqlState } from '../repr/errors.js';
import type { Datum } from '../repr/types.js';
import type { ScalarExpr } from './mir.js';

/**
 * Evaluates an expression without columns. Returns undefined when it is not
 * constant (parameters, mz_now(), volatile calls).
 */
export function evaluateConstant(expr: ScalarExpr): Datum | undefined {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'column':
    case 'parameter':
    case 'mzNow':
      return undefined;
    case 'if': {
      const cond = evaluateConstant(expr.cond);
      if (cond === undefined) return undefined;
      return evaluateConstant(cond === true ? expr.then : expr.else);
    }
    case 'call': {
      if (expr.func.volatile) return undefined;
      const args: Datum[] = [];
      for (const a of expr.args) {
        const v = evaluateConstant(a);
        if (v === undefined) return undefined;
        args.push(v);
      }
      if (expr.func.strict && args.some((a) => a === null)) return null;
      return expr.func.eval(args);
    }
  }
}

/** Whether an expression reads nothing but parameters and literals (and is not volatile). */
export function onlyParameters(expr: ScalarExpr): boolean {
  switch (expr.kind) {
    case 'literal':
    case 'parameter':
      return true;
    case 'column':
    case 'mzNow':
      return false;
    case 'if':
      return onlyParameters(expr.cond) && onlyParameters(expr.then) && onlyParameters(expr.else);
    case 'call':
      return !expr.func.volatile && expr.args.every(onlyParameters);
  }
}

/** The row count of a LIMIT / OFFSET value (int8 or NULL: no limit); negative counts are errors. */
export function rowCount(value: Datum, clause: 'LIMIT' | 'OFFSET', pos?: number): number | undefined {
  if (value === null) return undefined;
  const n = Number(value as bigint);
  if (n < 0) {
    throw new SqlError(
      clause === 'LIMIT' ? SqlState.invalidRowCountInLimitClause : SqlState.invalidRowCountInResultOffsetClause,
      `${clause} must not be negative`,
      pos === undefined ? {} : { position: pos + 1 },
    );
  }
  return n;
}
