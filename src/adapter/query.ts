// SELECT: plan, optimize, bind, peek, then ORDER BY / OFFSET / LIMIT / projection.
import type { Expr, Query } from '../sql/ast.js';
import type { Datum, Row, SqlType } from '../repr/types.js';
import type { ColumnOrder, RelExpr, RowSetFinishing, ScalarExpr } from '../plan/mir.js';
import { describe as describeRel } from '../plan/mir.js';
import { planConstantExpr, planQuery, bindFinishing, bindParameters, type PlannedQuery } from '../plan/planner.js';
import { optimize } from '../optimize/optimizer.js';
import { compareDatums } from '../repr/compare.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { Decimal } from '../repr/numeric.js';
import type { ResultColumn } from './api.js';
import { columnsOf } from './results.js';
import type { ExecContext } from './exec-context.js';
import { paramHints, planContextFor } from './exec-context.js';
import type { ComputeController } from '../compute/api.js';
import { catalogIndexes, findLookups, substituteLookups, type IndexesOf, type LookupSite } from './lookup.js';

export interface QueryResult {
  columns: ResultColumn[];
  rows: Row[];
}

/** Plans a query; `forPeek` reads indexed views from their indexes (one-shot reads only). */
export function planSelect(exec: ExecContext, query: Query, paramTypes: (SqlType | null)[], forPeek = false): PlannedQuery {
  return planQuery(query, planContextFor(exec, paramTypes, undefined, forPeek));
}

/**
 * Runs a planned query once over the current contents of its inputs. With
 * `indexes`, collections the plan constrains to a few index keys are read
 * by lookups in the index (see lookup.ts).
 */
export function runPlanned(compute: ComputeController, planned: PlannedQuery, params: Datum[], indexes?: IndexesOf): QueryResult {
  const plan = optimize(bindParameters(planned.plan, params));
  const finishing = bindFinishing(planned.finishing, params);
  const rows = applyFinishing(compute.peek(indexes === undefined ? plan : withLookups(compute, plan, indexes)), finishing);
  return { columns: columnsOf(planned.desc), rows };
}

/**
 * `plan` with the collections it reads by index keys replaced by the rows
 * looked up (synchronously, so at the same time as the rest of the read).
 * A lookup in an index with errors falls back to the plan's own read,
 * which reports them exactly as a scan does.
 */
export function withLookups(compute: ComputeController, plan: RelExpr, indexes: IndexesOf): RelExpr {
  const lookupIndex = compute.lookupIndex?.bind(compute);
  if (lookupIndex === undefined) return plan;
  const { plan: unshared, sites } = findLookups(plan, indexes);
  if (sites.length === 0) return plan;
  const rows = new Map<LookupSite['get'], Array<[Row, number]>>();
  for (const site of sites) {
    const found: Array<[Row, number]> = [];
    try {
      for (const key of site.values) for (const u of lookupIndex(site.index.id, key)) found.push([u.row, u.diff]);
    } catch {
      continue;
    }
    rows.set(site.get, found);
  }
  return substituteLookups(unshared, rows);
}

export function runQuery(exec: ExecContext, query: Query, params: Datum[]): QueryResult {
  const planned = planSelect(exec, query, paramHints(exec, params.length), true);
  return runPlanned(exec.core.compute, planned, params, catalogIndexes(exec.core.catalog.allItems()));
}

export function compareByOrder(order: readonly ColumnOrder[]): (a: Row, b: Row) => number {
  return (a, b) => {
    for (const o of order) {
      const x = a[o.column] ?? null;
      const y = b[o.column] ?? null;
      if (x === null || y === null) {
        if (x === y) continue;
        return (x === null) === o.nullsFirst ? -1 : 1;
      }
      const c = compareDatums(x, y);
      if (c !== 0) return o.desc ? -c : c;
    }
    return 0;
  };
}

export function applyFinishing(rows: Row[], finishing: RowSetFinishing): Row[] {
  let out = rows;
  if (finishing.order.length > 0) out = [...rows].sort(compareByOrder(finishing.order));
  const start = finishing.offset;
  const end = finishing.limit === undefined ? undefined : start + finishing.limit;
  if (start > 0 || end !== undefined) out = out.slice(start, end);
  const project = finishing.project;
  const width = out[0]?.length ?? project.length;
  const identity = project.length === width && project.every((c, i) => c === i);
  return identity ? out : out.map((r) => project.map((c) => r[c] ?? null));
}

/**
 * The plan a maintained dataflow computes for a query: ORDER BY matters only
 * with LIMIT/OFFSET (a top-k), and the final projection is applied.
 */
export function maintainedPlan(planned: PlannedQuery): RelExpr {
  const { finishing } = planned;
  if (finishing.limitExpr !== undefined || finishing.offsetExpr !== undefined) {
    throw new SqlError(SqlState.featureNotSupported, `${finishing.limitExpr !== undefined ? 'LIMIT' : 'OFFSET'} must be a constant`);
  }
  let plan = planned.plan;
  if (finishing.limit !== undefined || finishing.offset > 0) {
    plan = { op: 'topK', input: plan, groupKey: [], order: finishing.order, limit: finishing.limit, offset: finishing.offset };
  }
  const width = describeRel(plan).columns.length;
  const identity = finishing.project.length === width && finishing.project.every((c, i) => c === i);
  if (!identity) plan = { op: 'project', input: plan, outputs: finishing.project };
  return optimize(plan);
}

/**
 * Refuses plans that cannot be maintained: a volatile call (now(), random())
 * has no single value to keep up to date, and mz_now() outside a filter
 * would change every row at every tick. Inside a filter mz_now() is a
 * temporal filter, which compute maintains. (Materialize refuses both too.)
 */
export function checkMaintainable(plan: RelExpr, what: string): void {
  const visitScalar = (expr: ScalarExpr, inFilter: boolean): void => {
    switch (expr.kind) {
      case 'mzNow':
        if (!inFilter) {
          throw new SqlError(SqlState.featureNotSupported, `${what} cannot use mz_now() outside a temporal filter`, {
            hint: 'Use mz_now() only in WHERE or HAVING comparisons, e.g. WHERE mz_now() <= ts + INTERVAL \'1 hour\'.',
          });
        }
        return;
      case 'call':
        if (expr.func.volatile === true) {
          throw new SqlError(SqlState.featureNotSupported, `cannot materialize call to ${expr.func.name}`, {
            detail: `${what} would have to change as time passes without any input changing.`,
            hint: 'Use mz_now() in a WHERE clause (a temporal filter) instead.',
          });
        }
        for (const arg of expr.args) visitScalar(arg, inFilter);
        return;
      case 'if':
        visitScalar(expr.cond, inFilter);
        visitScalar(expr.then, inFilter);
        visitScalar(expr.else, inFilter);
        return;
      default:
        return;
    }
  };
  const visit = (rel: RelExpr): void => {
    switch (rel.op) {
      case 'get':
      case 'getLocal':
      case 'constant':
        return;
      case 'let':
        visit(rel.value);
        visit(rel.body);
        return;
      case 'map':
        rel.scalars.forEach((s) => visitScalar(s, false));
        visit(rel.input);
        return;
      case 'filter':
        rel.predicates.forEach((s) => visitScalar(s, true));
        visit(rel.input);
        return;
      case 'flatMap':
        rel.args.forEach((s) => visitScalar(s, false));
        visit(rel.input);
        return;
      case 'join':
        rel.equivalences.forEach((cls) => cls.forEach((s) => visitScalar(s, false)));
        rel.inputs.forEach(visit);
        return;
      case 'reduce':
        rel.groupKey.forEach((s) => visitScalar(s, false));
        for (const agg of rel.aggregates) {
          agg.args.forEach((s) => visitScalar(s, false));
          if (agg.filter) visitScalar(agg.filter, false);
          agg.orderBy.forEach((o) => visitScalar(o.expr, false));
        }
        visit(rel.input);
        return;
      case 'union':
        rel.inputs.forEach(visit);
        return;
      case 'project':
      case 'distinct':
      case 'negate':
      case 'threshold':
      case 'topK':
        visit(rel.input);
        return;
    }
  };
  visit(plan);
}

/** Evaluates a scalar expression with no inputs (option values, SECRET values, EXECUTE parameters). */
export function evalScalar(compute: ComputeController, expr: ScalarExpr): Datum {
  if (expr.kind === 'literal') return expr.value;
  const plan: RelExpr = {
    op: 'project',
    input: { op: 'map', input: { op: 'constant', rows: [[[], 1]], desc: { columns: [] } }, scalars: [expr] },
    outputs: [0],
  };
  return compute.peek(plan)[0]?.[0] ?? null;
}

/** A timestamp bound (AS OF, UP TO) as milliseconds: mz_timestamp, numbers, or timestamps (microseconds). */
export function mzTimestampOf(exec: ExecContext, expr: Expr, clause: string): number {
  const { value, type } = evalConstantExpr(exec, expr);
  if (typeof value === 'bigint') return type.kind === 'timestamp' || type.kind === 'timestamptz' ? Number(value / 1000n) : Number(value);
  if (typeof value === 'number') return value;
  if (value instanceof Decimal) return value.toNumber();
  throw new SqlError(SqlState.datatypeMismatch, `${clause} must be a number or mz_timestamp`);
}

/**
 * Brings compute's time to where a read `AS OF [AT LEAST] expr` happens
 * (waiting for a future time); returns the check to run right before the
 * read itself. Without AS OF, only freshens the read time.
 */
export async function prepareAsOf(exec: ExecContext, asOf: Expr | undefined, atLeast: boolean): Promise<() => void> {
  if (asOf === undefined) {
    await exec.core.freshenReadTime();
    return () => undefined;
  }
  const t = mzTimestampOf(exec, asOf, 'AS OF');
  await exec.core.prepareReadAsOf(t, atLeast, exec.signal);
  return () => exec.core.checkReadAsOf(t, atLeast);
}

export function evalConstantExpr(exec: ExecContext, expr: Expr): { value: Datum; type: SqlType } {
  const scalar = planConstantExpr(expr, planContextFor(exec, []));
  return { value: evalScalar(exec.core.compute, scalar), type: scalar.type };
}
