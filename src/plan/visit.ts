// Generic traversals of plans: rebuilding a node over rewritten children,
// rewriting every scalar expression in a plan.
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

/** The node with each child plan replaced by `fn(child)`; its scalars are left as they are. */
export function mapChildren(rel: RelExpr, fn: (r: RelExpr) => RelExpr): RelExpr {
  switch (rel.op) {
    case 'get':
    case 'getLocal':
    case 'constant':
      return rel;
    case 'let':
      return { ...rel, value: fn(rel.value), body: fn(rel.body) };
    case 'join':
    case 'union':
      return { ...rel, inputs: rel.inputs.map(fn) };
    default:
      return { ...rel, input: fn(rel.input) };
  }
}

/** Applies `fn` to every top-level scalar of every node (not recursing into scalars: fn decides). */
export function mapPlanScalars(rel: RelExpr, fn: (e: ScalarExpr) => ScalarExpr): RelExpr {
  const node = mapChildren(rel, (child) => mapPlanScalars(child, fn));
  switch (node.op) {
    case 'map':
      return { ...node, scalars: node.scalars.map(fn) };
    case 'filter':
      return { ...node, predicates: node.predicates.map(fn) };
    case 'flatMap':
      return { ...node, args: node.args.map(fn) };
    case 'join':
      return { ...node, equivalences: node.equivalences.map((cls) => cls.map(fn)) };
    case 'reduce':
      return { ...node, groupKey: node.groupKey.map(fn), aggregates: node.aggregates.map((a) => rewriteAggregate(a, fn)) };
    default:
      return node;
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
