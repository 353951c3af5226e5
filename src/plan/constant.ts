// Evaluation of expressions without columns at planning time (LIMIT, window frame offsets).
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
