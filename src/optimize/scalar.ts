// Scalar rewrites: constant folding and column bookkeeping.
import type { Datum } from '../repr/types.js';
import type { ScalarExpr } from '../plan/mir.js';
import { rewriteScalar } from '../plan/visit.js';

function isLiteral(e: ScalarExpr): e is Extract<ScalarExpr, { kind: 'literal' }> {
  return e.kind === 'literal';
}

/**
 * Folds calls of non-volatile functions over literals and `if`s with a literal
 * condition. A call that raises stays as it is: the error must happen only if
 * a row reaches it at run time.
 */
export function foldScalar(expr: ScalarExpr): ScalarExpr {
  return rewriteScalar(expr, (e) => {
    if (e.kind === 'if') {
      if (isLiteral(e.cond)) return e.cond.value === true ? e.then : e.else;
      return e;
    }
    if (e.kind !== 'call' || e.func.volatile) return e;
    if (e.func.strict && e.args.some((a) => isLiteral(a) && a.value === null)) return { kind: 'literal', value: null, type: e.type };
    if (!e.args.every(isLiteral)) return e;
    try {
      const value: Datum = e.func.eval(e.args.map((a) => (a as Extract<ScalarExpr, { kind: 'literal' }>).value));
      return { kind: 'literal', value: value ?? null, type: e.type };
    } catch {
      return e;
    }
  });
}

/** Columns an expression reads. */
export function columnsUsed(expr: ScalarExpr, out = new Set<number>()): Set<number> {
  switch (expr.kind) {
    case 'column':
      out.add(expr.index);
      break;
    case 'call':
      for (const a of expr.args) columnsUsed(a, out);
      break;
    case 'if':
      columnsUsed(expr.cond, out);
      columnsUsed(expr.then, out);
      columnsUsed(expr.else, out);
      break;
    default:
      break;
  }
  return out;
}

/** Replaces every column reference by `replace(index)`. */
export function substitute(expr: ScalarExpr, replace: (index: number) => ScalarExpr): ScalarExpr {
  return rewriteScalar(expr, (e) => (e.kind === 'column' ? replace(e.index) : e));
}

/** Renumbers column references. */
export function remapColumns(expr: ScalarExpr, remap: (index: number) => number): ScalarExpr {
  return rewriteScalar(expr, (e) => (e.kind === 'column' ? { ...e, index: remap(e.index) } : e));
}

export function shiftColumns(expr: ScalarExpr, by: number): ScalarExpr {
  return by === 0 ? expr : remapColumns(expr, (i) => i + by);
}

/** True when the expression can be evaluated without a row (no columns, parameters, mz_now or volatile calls). */
export function isConstant(expr: ScalarExpr): boolean {
  switch (expr.kind) {
    case 'literal':
      return true;
    case 'column':
    case 'parameter':
    case 'mzNow':
      return false;
    case 'call':
      return !expr.func.volatile && expr.args.every(isConstant);
    case 'if':
      return isConstant(expr.cond) && isConstant(expr.then) && isConstant(expr.else);
  }
}

/** Evaluates an expression over a row; throws what the functions throw. Undefined when not evaluable here. */
export function evaluate(expr: ScalarExpr, row: Datum[]): Datum | undefined {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'column':
      return row[expr.index] ?? null;
    case 'parameter':
    case 'mzNow':
      return undefined;
    case 'if': {
      const cond = evaluate(expr.cond, row);
      if (cond === undefined) return undefined;
      return evaluate(cond === true ? expr.then : expr.else, row);
    }
    case 'call': {
      if (expr.func.volatile) return undefined;
      const args: Datum[] = [];
      for (const a of expr.args) {
        const v = evaluate(a, row);
        if (v === undefined) return undefined;
        args.push(v);
      }
      if (expr.func.strict && args.some((a) => a === null)) return null;
      return expr.func.eval(args) ?? null;
    }
  }
}

/** Deterministic and free of parameters / mz_now, so it can be evaluated at optimization time. */
export function isEvaluable(expr: ScalarExpr): boolean {
  switch (expr.kind) {
    case 'literal':
    case 'column':
      return true;
    case 'parameter':
    case 'mzNow':
      return false;
    case 'call':
      return !expr.func.volatile && expr.args.every(isEvaluable);
    case 'if':
      return isEvaluable(expr.cond) && isEvaluable(expr.then) && isEvaluable(expr.else);
  }
}
