// Aggregate calls -> reduce aggregates. avg, stddev and variance are not
// reduce aggregates: they are lowered onto sum / count / sum of squares with
// a scalar expression computed after the reduce.
import type { SqlType } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';
import type * as ast from '../sql/ast.js';
import { resolveAggregate } from '../expr/resolve.js';
import { nonUtcZone } from '../expr/registry.js';
import type { AggregateExpr, AggregateFuncName, ScalarExpr, ScalarOrder } from './mir.js';
import type { ExprCtx } from './frame.js';
import type { ExprPlanner } from './expr.js';
import type { PlanState } from './state.js';
import { coerce, coerceBool, withPosition } from './coerce.js';
import * as b from './builtins.js';
import { walkChildren } from './ast-walk.js';

const INT8: SqlType = { kind: 'int8' };

/** Builds the aggregate's value from the reduce output, given where its aggregates landed. */
export type AggregateFinalizer = (aggregateColumn: (slot: number) => ScalarExpr) => ScalarExpr;

/** Default of a reduce aggregate over no rows: count is 0, everything else NULL. */
export function emptyValue(agg: AggregateExpr): ScalarExpr {
  return b.literal(agg.func === 'count' ? 0n : null, agg.type);
}

function isCallTo(e: ast.Expr, names: (name: string) => boolean): e is ast.FunctionCallExpr {
  return e.kind === 'function' && !e.over && names(e.name.parts[e.name.parts.length - 1]!);
}

/** Aggregate calls in `e`, outermost first; subqueries are not entered (their aggregates are their own). */
export function collectAggregates(e: ast.Expr | undefined, isAgg: (name: string) => boolean, out: ast.FunctionCallExpr[]): void {
  if (!e) return;
  if (isCallTo(e, isAgg)) {
    out.push(e);
    return;
  }
  walkChildren(e, (child) => collectAggregates(child, isAgg, out));
}

const VARIANCE_FAMILY = new Set(['stddev', 'stddev_samp', 'stddev_pop', 'variance', 'var_samp', 'var_pop']);

/**
 * Plans one aggregate call over the pre-grouping relation, appending the reduce
 * aggregates it needs to `aggregates`.
 */
export function planAggregate(
  exprs: ExprPlanner,
  state: PlanState,
  call: ast.FunctionCallExpr,
  ec: ExprCtx,
  aggregates: AggregateExpr[],
): AggregateFinalizer {
  const name = call.name.parts[call.name.parts.length - 1]!;
  const inner: ExprCtx = { ...ec, clause: 'aggregate', allowTableFunctions: false };
  if (!call.star && call.args.length === 0 && name === 'count') {
    throw new SqlError(SqlState.wrongObjectType, 'count(*) must be used to call a parameterless aggregate function', { position: call.pos + 1 });
  }
  const planned = call.star ? [] : call.args.map((a) => exprs.plan(a, inner));
  const resolved = withPosition(call.pos, () => resolveAggregate(name, call.star ? [] : planned.map((a) => a.type)));
  const args = call.star ? [b.TRUE_LITERAL] : planned.map((a, i) => coerce(state, a, resolved.argTypes[i] ?? a.type, 'implicit', call.pos));
  const filter = call.filter ? coerceBool(state, exprs.plan(call.filter, inner), 'FILTER', call.filter.pos) : undefined;
  const orderBy: ScalarOrder[] = call.orderBy.map((o) => ({
    expr: exprs.plan(o.expr, inner),
    desc: o.desc,
    nullsFirst: o.nullsFirst ?? o.desc,
  }));
  ec.rel = inner.rel;
  // jsonb aggregates write timestamptz in the session's TimeZone, as to_jsonb does.
  const zone = nonUtcZone(exprs.session());
  const add = (func: AggregateFuncName, aggArgs: ScalarExpr[], type: SqlType): number => {
    const timeZone = zone !== undefined && (func === 'jsonb_agg' || func === 'jsonb_object_agg') ? { timeZone: zone } : {};
    aggregates.push({ func, args: aggArgs, distinct: call.distinct, ...(filter ? { filter } : {}), orderBy, type, ...timeZone });
    return aggregates.length - 1;
  };
  const result = resolved.returnType;
  if (resolved.name === 'avg') {
    const x = args[0]!;
    const sumType = resolveAggregate('sum', [x.type]).returnType;
    const sumSlot = add('sum', [x], sumType);
    const countSlot = add('count', [x], INT8);
    return (col) => {
      const divisorType: SqlType = result.kind === 'interval' ? { kind: 'float8' } : result;
      const sum = coerce(state, col(sumSlot), result, 'explicit', call.pos);
      const count = coerce(state, col(countSlot), divisorType, 'explicit', call.pos);
      return exprs.operator('/', sum, count, call.pos);
    };
  }
  if (VARIANCE_FAMILY.has(resolved.name)) {
    // Float statistics are computed over exact numeric sums: n·Σx² − (Σx)² in floating point
    // cancels catastrophically (1e10, 1e10 + 1, ... would give a negative variance).
    const floating = result.kind === 'float4' || result.kind === 'float8';
    const work: SqlType = floating ? { kind: 'numeric' } : result;
    const x = coerce(state, args[0]!, work, 'explicit', call.pos);
    const sumSlot = add('sum', [x], work);
    const squaresSlot = add('sum', [exprs.operator('*', x, x, call.pos)], work);
    const countSlot = add('count', [x], INT8);
    const population = resolved.name.endsWith('_pop');
    const root = resolved.name.startsWith('stddev');
    return (col) => {
      const n = coerce(state, col(countSlot), work, 'explicit', call.pos);
      const sum = col(sumSlot);
      // PostgreSQL's form (n·Σx² − (Σx)²) / (n·(n−1)) divides once, so numeric rounds once (2.3333333333333333, not ...34).
      const numerator = exprs.operator('-', exprs.operator('*', n, col(squaresSlot), call.pos), exprs.operator('*', sum, sum, call.pos), call.pos);
      const one = coerce(state, b.literal(1, { kind: 'int4' }), work, 'explicit', call.pos);
      const divisor = exprs.operator('*', n, population ? n : exprs.operator('-', n, one, call.pos), call.pos);
      const quotient = exprs.operator('/', numerator, divisor, call.pos);
      const variance = floating ? coerce(state, quotient, result, 'explicit', call.pos) : quotient;
      const value = root ? exprs.callFunction('sqrt', [variance], call.pos) : variance;
      // A sample statistic of one row is NULL (and must not divide by zero).
      return population ? value : b.ifThen(b.greaterThanOne(col(countSlot)), value, b.literal(null, value.type));
    };
  }
  const slot = add(resolved.name as AggregateFuncName, args, result);
  return (col) => col(slot);
}
