// Generic traversals of plans: rewriting every scalar expression in a plan.
import type { AggregateExpr, RelExpr, ScalarExpr } from './mir.js';

/** Rewrites a scalar bottom-up with `fn`. */
export function rewriteScalar(expr: ScalarExpr, fn: (e: ScalarExpr) => ScalarExpr): ScalarExpr {
  switch (expr.kind) {
    case 'call':
      return fn({ ...expr, args: expr.args.map((a) => rewriteScalar(a, fn)) });
    case 'if':
      return fn({ ...expr, cond: rewriteScalar(expr.cond, fn), then: rewriteScalar(expr.then, fn), else: rewriteScalar(expr.else, fn) });
    default:
      return fn(expr);
  }
}

function rewriteAggregate(agg: AggregateExpr, fn: (e: ScalarExpr) => ScalarExpr): AggregateExpr {
  return {
    ...agg,
    args: agg.args.map(fn),
    ...(agg.filter ? { filter: fn(agg.filter) } : {}),
    orderBy: agg.orderBy.map((o) => ({ ...o, expr: fn(o.expr) })),
  };
}

/** Applies `fn` to every top-level scalar of every node (not recursing into scalars: fn decides). */
export function mapPlanScalars(rel: RelExpr, fn: (e: ScalarExpr) => ScalarExpr): RelExpr {
  const go = (r: RelExpr): RelExpr => mapPlanScalars(r, fn);
  switch (rel.op) {
    case 'get':
    case 'getLocal':
    case 'constant':
      return rel;
    case 'let':
      return { ...rel, value: go(rel.value), body: go(rel.body) };
    case 'map':
      return { ...rel, input: go(rel.input), scalars: rel.scalars.map(fn) };
    case 'filter':
      return { ...rel, input: go(rel.input), predicates: rel.predicates.map(fn) };
    case 'project':
    case 'distinct':
    case 'negate':
    case 'threshold':
    case 'topK':
      return { ...rel, input: go(rel.input) };
    case 'flatMap':
      return { ...rel, input: go(rel.input), args: rel.args.map(fn) };
    case 'join':
      return { ...rel, inputs: rel.inputs.map(go), equivalences: rel.equivalences.map((cls) => cls.map(fn)) };
    case 'reduce':
      return { ...rel, input: go(rel.input), groupKey: rel.groupKey.map(fn), aggregates: rel.aggregates.map((a) => rewriteAggregate(a, fn)) };
    case 'union':
      return { ...rel, inputs: rel.inputs.map(go) };
  }
}

/** Children of a plan node. */
export function children(rel: RelExpr): RelExpr[] {
  switch (rel.op) {
    case 'get':
    case 'getLocal':
    case 'constant':
      return [];
    case 'let':
      return [rel.value, rel.body];
    case 'join':
    case 'union':
      return rel.inputs;
    default:
      return [rel.input];
  }
}
