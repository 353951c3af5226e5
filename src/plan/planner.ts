// Entry points of the planner: SQL AST -> typed relational plan (mir.ts).
import type { Datum, RelationDesc, SqlType } from '../repr/types.js';
import type { DataType, DeleteStatement, Expr, InsertStatement, Query, UpdateStatement } from '../sql/ast.js';
import type { GlobalId, RelExpr, RowSetFinishing, ScalarExpr } from './mir.js';
import type { PlanContext } from './context.js';
import { SqlError, SqlState } from '../repr/errors.js';

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
  void ctx;
  throw new SqlError(SqlState.featureNotSupported, `planner not implemented (${query.kind})`);
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
  void ctx;
  throw new SqlError(SqlState.featureNotSupported, `planner not implemented (${stmt.kind})`);
}

export interface PlannedUpdate {
  target: GlobalId;
  /** Rows of the table to change: the old row followed by the new row's columns (2n columns). */
  plan: RelExpr;
  returning?: { exprs: ScalarExpr[]; desc: RelationDesc };
  paramTypes: SqlType[];
}

export function planUpdate(stmt: UpdateStatement, ctx: PlanContext): PlannedUpdate {
  void ctx;
  throw new SqlError(SqlState.featureNotSupported, `planner not implemented (${stmt.kind})`);
}

export interface PlannedDelete {
  target: GlobalId;
  /** Rows of the table to delete (whole rows, table column order). */
  plan: RelExpr;
  returning?: { exprs: ScalarExpr[]; desc: RelationDesc };
  paramTypes: SqlType[];
}

export function planDelete(stmt: DeleteStatement, ctx: PlanContext): PlannedDelete {
  void ctx;
  throw new SqlError(SqlState.featureNotSupported, `planner not implemented (${stmt.kind})`);
}

/** Plans a standalone scalar expression with no columns in scope (SECRET values, option values, LIMIT). */
export function planConstantExpr(expr: Expr, ctx: PlanContext): ScalarExpr {
  void ctx;
  throw new SqlError(SqlState.featureNotSupported, `planner not implemented (${expr.kind})`);
}

/** Resolves a written type (`numeric(10,2)`, `text[]`, `int list`) to a SqlType; throws 42704 for unknown types. */
export function typeFromAst(dataType: DataType): SqlType {
  throw new SqlError(SqlState.undefinedObject, `type "${dataType.kind}" does not exist`);
}

/** Replaces $n parameters by literals of the given values. */
export function bindParameters(plan: RelExpr, params: Datum[]): RelExpr {
  void params;
  return plan;
}

/** Text of EXPLAIN for a plan (indented operator tree, like Materialize's EXPLAIN). */
export function explainPlan(plan: RelExpr): string {
  return plan.op;
}
