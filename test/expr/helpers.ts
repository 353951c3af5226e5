// Shared test helpers: resolve a call the way the planner does (casting
// arguments to the resolved types) and evaluate it the way compute does.
import type { Datum, SqlType } from '../../src/repr/types.js';
import { resolveCast, resolveFunction, resolveOperator, type ResolvedScalar } from '../../src/expr/resolve.js';

export function evalResolved(r: ResolvedScalar, inputTypes: SqlType[], args: Datum[]): Datum {
  const cast = args.map((v, i) => {
    if (v === null) return null;
    const from = inputTypes[i]!;
    const to = r.argTypes[i]!;
    const c = resolveCast(from, to, 'implicit');
    if (!c) throw new Error(`no implicit cast ${from.kind} -> ${to.kind}`);
    return c.eval([v]);
  });
  if (r.func.strict && cast.some((v) => v === null)) return null;
  return r.func.eval(cast);
}

/** Evaluates `left op right` (or prefix `op right` when left type is null). */
export function op(o: string, lt: SqlType | null, rt: SqlType, l: Datum, r: Datum): Datum {
  const res = resolveOperator(o, lt, rt);
  return lt === null ? evalResolved(res, [rt], [r]) : evalResolved(res, [lt, rt], [l, r]);
}

export function call(name: string, types: SqlType[], args: Datum[]): Datum {
  return evalResolved(resolveFunction(name, types), types, args);
}

export function cast(from: SqlType, to: SqlType, v: Datum, context: 'implicit' | 'assignment' | 'explicit' = 'explicit'): Datum {
  const c = resolveCast(from, to, context);
  if (!c) throw new Error(`no ${context} cast ${from.kind} -> ${to.kind}`);
  return c.eval([v]);
}

/** Asserts that `f` throws a SqlError with this SQLSTATE and (optionally) message. */
export function sqlErrorOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (err) {
    const e = err as { code?: string; message: string };
    return { code: e.code ?? '?', message: e.message };
  }
  throw new Error('expected an error');
}
