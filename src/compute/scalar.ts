// Scalar expressions compiled once per plan into closures (row) => Datum.
import { SqlError, SqlState } from '../repr/errors.js';
import type { Datum, Row } from '../repr/types.js';
import type { ScalarExpr, ScalarFunc } from '../plan/mir.js';

/** What mz_now() reads: the time of the update being processed (ms). */
export interface EvalClock {
  now: number;
}

export type CompiledScalar = (row: Row) => Datum;

export function compileScalar(expr: ScalarExpr, clock: EvalClock): CompiledScalar {
  switch (expr.kind) {
    case 'column': {
      const index = expr.index;
      return (row) => row[index]!;
    }
    case 'literal': {
      const value = expr.value;
      return () => value;
    }
    case 'parameter':
      throw new SqlError(SqlState.undefinedParameter, `there is no parameter $${expr.index}`);
    case 'mzNow':
      return () => BigInt(clock.now);
    case 'if': {
      const cond = compileScalar(expr.cond, clock);
      const then = compileScalar(expr.then, clock);
      const otherwise = compileScalar(expr.else, clock);
      return (row) => (cond(row) === true ? then(row) : otherwise(row));
    }
    case 'call':
      return compileCall(expr.func, expr.args.map((a) => compileScalar(a, clock)));
  }
}

function compileCall(func: ScalarFunc, args: CompiledScalar[]): CompiledScalar {
  const evaluate = func.eval;
  if (!func.strict) return (row) => evaluate(args.map((a) => a(row)));
  // Strict functions: NULL in, NULL out, without calling eval. Unrolled for
  // the common arities so the hot path allocates only the argument array.
  if (args.length === 1) {
    const [a] = args as [CompiledScalar];
    return (row) => {
      const x = a(row);
      return x === null ? null : evaluate([x]);
    };
  }
  if (args.length === 2) {
    const [a, b] = args as [CompiledScalar, CompiledScalar];
    return (row) => {
      const x = a(row);
      if (x === null) return null;
      const y = b(row);
      return y === null ? null : evaluate([x, y]);
    };
  }
  return (row) => {
    const values: Datum[] = new Array<Datum>(args.length);
    for (let i = 0; i < args.length; i++) {
      const v = args[i]!(row);
      if (v === null) return null;
      values[i] = v;
    }
    return evaluate(values);
  };
}

export function containsMzNow(expr: ScalarExpr): boolean {
  switch (expr.kind) {
    case 'mzNow':
      return true;
    case 'call':
      return expr.args.some(containsMzNow);
    case 'if':
      return containsMzNow(expr.cond) || containsMzNow(expr.then) || containsMzNow(expr.else);
    default:
      return false;
  }
}

/** Column indexes an expression reads. */
export function columnsOf(expr: ScalarExpr, out: number[] = []): number[] {
  switch (expr.kind) {
    case 'column':
      out.push(expr.index);
      break;
    case 'call':
      for (const a of expr.args) columnsOf(a, out);
      break;
    case 'if':
      columnsOf(expr.cond, out);
      columnsOf(expr.then, out);
      columnsOf(expr.else, out);
      break;
    default:
      break;
  }
  return out;
}

/** The same expression with every column index shifted by `delta`. */
export function shiftColumns(expr: ScalarExpr, delta: number): ScalarExpr {
  switch (expr.kind) {
    case 'column':
      return { ...expr, index: expr.index + delta };
    case 'call':
      return { ...expr, args: expr.args.map((a) => shiftColumns(a, delta)) };
    case 'if':
      return { ...expr, cond: shiftColumns(expr.cond, delta), then: shiftColumns(expr.then, delta), else: shiftColumns(expr.else, delta) };
    default:
      return expr;
  }
}
