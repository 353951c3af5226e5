// Entry points of the planner: SQL AST -> typed relational plan (mir.ts).
import type { Datum, RelationDesc, SqlType } from '../repr/types.js';
import type { DataType, DeleteStatement, Expr, InsertStatement, Query, UpdateStatement } from '../sql/ast.js';
import type { GlobalId, RelExpr, RowSetFinishing, ScalarExpr } from './mir.js';
import type { PlanContext } from './context.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { PlanState } from './state.js';
import { QueryPlanner, topFrame } from './query.js';
import { DmlPlanner } from './dml.js';
import { resolveUnknown } from './coerce.js';
import { UNIT } from './rel.js';
import type { ExprCtx } from './frame.js';
import { mapPlanScalars, rewriteScalar } from './visit.js';
import { typeFromAst as resolveDataType } from './types.js';
import { explainPlan as explainText } from './explain.js';
import { columnNullability } from './nullability.js';
import { evaluateConstant, rowCount } from './constant.js';

export interface PlannedQuery {
  /** The relation; its desc carries the output column names. */
  plan: RelExpr;
  /** Output columns (names as the client sees them, after finishing.project). */
  desc: RelationDesc;
  finishing: RowSetFinishing;
  /** Final types of $1..$n. */
  paramTypes: SqlType[];
}

/** Plans a SELECT / VALUES / set operation. Throws SqlError with positions. */
export function planQuery(query: Query, ctx: PlanContext): PlannedQuery {
  const state = new PlanState(ctx);
  const planned = new QueryPlanner(state).planTop(query);
  const plan = state.wrap(planned.rel);
  const nullable = columnNullability(plan);
  return {
    plan,
    desc: { columns: planned.columns.map((c, i) => ({ ...c, nullable: nullable[planned.finishing.project[i]!] ?? true })) },
    finishing: planned.finishing,
    paramTypes: state.finalParamTypes(),
  };
}

export interface PlannedInsert {
  target: GlobalId;
  /** Rows to insert, in the table's column order, cast to the column types, defaults filled. */
  plan: RelExpr;
  /** RETURNING columns as expressions over the inserted row, with their names. */
  returning?: { exprs: ScalarExpr[]; desc: RelationDesc };
  paramTypes: SqlType[];
}

export function planInsert(stmt: InsertStatement, ctx: PlanContext): PlannedInsert {
  const state = new PlanState(ctx);
  const dml = new DmlPlanner(state);
  const { target, plan } = dml.planInsert(stmt);
  const returning = dml.planReturning(target, stmt.returning);
  return { target: target.item.id, plan: state.wrap(plan), ...(returning ? { returning } : {}), paramTypes: state.finalParamTypes() };
}

export interface PlannedUpdate {
  target: GlobalId;
  /** Rows of the table to change: the old row followed by the new row's columns (2n columns). */
  plan: RelExpr;
  /** RETURNING expressions over the new row (columns 0..n-1 are the new row's columns). */
  returning?: { exprs: ScalarExpr[]; desc: RelationDesc };
  paramTypes: SqlType[];
}

export function planUpdate(stmt: UpdateStatement, ctx: PlanContext): PlannedUpdate {
  const state = new PlanState(ctx);
  const dml = new DmlPlanner(state);
  const { target, plan } = dml.planUpdate(stmt);
  const returning = dml.planReturning(target, stmt.returning);
  return { target: target.item.id, plan: state.wrap(plan), ...(returning ? { returning } : {}), paramTypes: state.finalParamTypes() };
}

export interface PlannedDelete {
  target: GlobalId;
  /** Rows of the table to delete (whole rows, table column order). */
  plan: RelExpr;
  /** RETURNING expressions over the deleted row. */
  returning?: { exprs: ScalarExpr[]; desc: RelationDesc };
  paramTypes: SqlType[];
}

export function planDelete(stmt: DeleteStatement, ctx: PlanContext): PlannedDelete {
  const state = new PlanState(ctx);
  const dml = new DmlPlanner(state);
  const { target, plan } = dml.planDelete(stmt);
  const returning = dml.planReturning(target, stmt.returning);
  return { target: target.item.id, plan: state.wrap(plan), ...(returning ? { returning } : {}), paramTypes: state.finalParamTypes() };
}

/**
 * Plans a standalone scalar expression with no columns in scope (SECRET values,
 * option values, LIMIT). Untyped literals come back as text.
 */
export function planConstantExpr(expr: Expr, ctx: PlanContext): ScalarExpr {
  const state = new PlanState(ctx);
  const planner = new QueryPlanner(state);
  const ec: ExprCtx = { rel: UNIT, scope: { levels: [] }, frame: topFrame(), clause: 'this context', allowTableFunctions: false };
  const planned = planner.exprs.plan(expr, ec);
  if (ec.rel !== UNIT) {
    throw new SqlError(SqlState.featureNotSupported, 'subqueries are not allowed in this context', { position: expr.pos + 1 });
  }
  return resolveUnknown(state, planned, expr.pos);
}

/** Resolves a written type (`numeric(10,2)`, `text[]`, `int list`) to a SqlType; throws 42704 for unknown types. */
export function typeFromAst(dataType: DataType): SqlType {
  return resolveDataType(dataType);
}

function bindScalar(expr: ScalarExpr, params: Datum[]): ScalarExpr {
  return rewriteScalar(expr, (x) => {
    if (x.kind !== 'parameter') return x;
    if (x.index < 1 || x.index > params.length) {
      throw new SqlError(SqlState.undefinedParameter, `there is no parameter $${x.index}`);
    }
    return { kind: 'literal', value: params[x.index - 1] ?? null, type: x.type };
  });
}

/** Replaces $n parameters by literals of the given values (already in the parameter's type). */
export function bindParameters(plan: RelExpr, params: Datum[]): RelExpr {
  return mapPlanScalars(plan, (e) => bindScalar(e, params));
}

/** The finishing with LIMIT / OFFSET written as parameters (`LIMIT $1`) counted from the bound values. */
export function bindFinishing(finishing: RowSetFinishing, params: Datum[]): RowSetFinishing {
  const { limitExpr, offsetExpr, ...bound } = finishing;
  const count = (expr: ScalarExpr, clause: 'LIMIT' | 'OFFSET'): number | undefined => rowCount(evaluateConstant(bindScalar(expr, params)) ?? null, clause);
  if (limitExpr !== undefined) {
    const limit = count(limitExpr, 'LIMIT');
    if (limit !== undefined) bound.limit = limit;
  }
  if (offsetExpr !== undefined) bound.offset = count(offsetExpr, 'OFFSET') ?? 0;
  return bound;
}

/** Text of EXPLAIN for a plan (indented operator tree, like Materialize's EXPLAIN); `nameOf` names the collections read. */
export function explainPlan(plan: RelExpr, nameOf?: (id: GlobalId) => string | undefined): string {
  return explainText(plan, nameOf);
}
