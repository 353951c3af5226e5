// INSERT / UPDATE / DELETE: plans of the rows to add or remove, with values
// cast to the column types (assignment casts) and NOT NULL enforced in the
// plan itself (a checking function raising 23502 when the row is computed).
import type { Column, RelationDesc } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';
import type * as ast from '../sql/ast.js';
import { resolveCast } from '../expr/resolve.js';
import type { RelExpr, ScalarExpr } from './mir.js';
import type { CatalogItemRef } from './context.js';
import type { PlanState } from './state.js';
import type { ExprCtx } from './frame.js';
import { QueryPlanner, topFrame } from './query.js';
import { columnName } from './expr.js';
import { coerce, coerceBool, displayType, resolveUnknown } from './coerce.js';
import type { ScopeItem } from './scope.js';
import { sameKind } from './types.js';
import * as b from './builtins.js';
import { UNIT, arity, distinct, filter, map, project, range, semiJoin, union } from './rel.js';

export interface Returning {
  exprs: ScalarExpr[];
  desc: RelationDesc;
}

export interface TargetTable {
  item: CatalogItemRef;
  desc: RelationDesc;
  /** Scope of the table's columns (index = column position). */
  items: ScopeItem[];
}

/** Tables created FROM SOURCE change only with their source: 42809, as for writing to a source. */
export function readOnlyTable(name: string, verb: string, pos?: number): SqlError {
  return new SqlError(SqlState.wrongObjectType, `cannot ${verb} table "${name}": it is read-only, fed by a source`, pos === undefined ? {} : { position: pos + 1 });
}

export function resolveTarget(state: PlanState, name: ast.ObjectName, alias: string | undefined, verb: string): TargetTable {
  const item = state.ctx.resolveRelation(name.parts);
  if (!item) throw new SqlError(SqlState.undefinedTable, `relation "${name.parts.join('.')}" does not exist`, { position: name.pos + 1 });
  if (item.kind !== 'table' || !item.desc) {
    const kind = item.kind.replace('-', ' ');
    throw new SqlError(SqlState.wrongObjectType, `cannot ${verb} ${kind} "${item.name.item}"`, { position: name.pos + 1 });
  }
  if (item.fedBySource) throw readOnlyTable(item.name.item, verb, name.pos);
  const table = alias !== undefined ? [alias] : [item.name.database, item.name.schema, item.name.item];
  const items = item.desc.columns.map((c, i): ScopeItem => ({ table, name: c.name, index: i, type: c.type }));
  return { item, desc: item.desc, items };
}

/** Column index by name; 42703 naming the relation when it does not exist. */
function targetColumn(target: TargetTable, name: string, pos: number): number {
  const index = target.desc.columns.findIndex((c) => c.name === name);
  if (index < 0) {
    throw new SqlError(SqlState.undefinedColumn, `column "${name}" of relation "${target.item.name.item}" does not exist`, {
      position: pos + 1,
    });
  }
  return index;
}

export class DmlPlanner {
  readonly queries: QueryPlanner;

  constructor(private readonly state: PlanState) {
    this.queries = new QueryPlanner(state);
  }

  /** Assignment cast to a column's type, with PostgreSQL's message when there is none. */
  private assign(expr: ScalarExpr, column: Column, pos: number): ScalarExpr {
    const untyped = expr.type.kind === 'unknown';
    if (!untyped && !sameKind(expr.type, column.type) && !resolveCast(expr.type, column.type, 'assignment')) {
      throw new SqlError(
        SqlState.datatypeMismatch,
        `column "${column.name}" is of type ${displayType(column.type)} but expression is of type ${displayType(expr.type)}`,
        { position: pos + 1, hint: 'You will need to rewrite or cast the expression.' },
      );
    }
    return coerce(this.state, expr, column.type, 'assignment', pos);
  }

  private checked(expr: ScalarExpr, column: Column, target: TargetTable): ScalarExpr {
    return column.nullable ? expr : b.notNullCheck(expr, column.name, target.item.name.item);
  }

  private defaultValue(target: TargetTable, index: number): ScalarExpr {
    const column = target.desc.columns[index]!;
    const written = target.item.columnDefaults?.[index];
    if (!written) return b.nullLiteral(column.type);
    const ec: ExprCtx = { rel: UNIT, scope: { levels: [] }, frame: topFrame(), clause: 'DEFAULT expressions', allowTableFunctions: false };
    return this.assign(this.queries.exprs.plan(written, ec), column, written.pos);
  }

  /** WHERE: planned first, since subqueries in it extend ec.rel. */
  private applyWhere(ec: ExprCtx, where: ast.Expr | undefined): void {
    if (!where) return;
    const predicate = coerceBool(this.state, this.queries.exprs.plan(where, ec), 'WHERE', where.pos);
    ec.rel = filter(ec.rel, b.conjuncts(predicate));
  }

  planInsert(stmt: ast.InsertStatement): { target: TargetTable; plan: RelExpr } {
    const target = resolveTarget(this.state, stmt.table, stmt.alias, 'insert into');
    const columns = target.desc.columns;
    const targets = stmt.columns.length > 0 ? stmt.columns.map((c) => targetColumn(target, c, stmt.pos)) : range(0, columns.length);
    const seen = new Set<number>();
    for (const t of targets) {
      if (seen.has(t)) {
        throw new SqlError(SqlState.duplicateColumn, `column "${columns[t]!.name}" specified more than once`, { position: stmt.pos + 1 });
      }
      seen.add(t);
    }
    const body = stmt.source.body;
    const plainValues = body.kind === 'values' && stmt.source.orderBy.length === 0 && !stmt.source.limit && !stmt.source.offset;
    let plan: RelExpr;
    if (stmt.defaultValues) {
      plan = this.rowsFromValues(target, [], [[]], []);
    } else if (plainValues && stmt.source.with.length === 0) {
      plan = this.rowsFromValues(target, targets, body.rows, body.defaultCells ?? []);
    } else {
      const planned = this.queries.planWithTargetTypes(stmt.source, targets.map((t) => columns[t]!.type));
      if (planned.columns.length > targets.length) {
        throw new SqlError(SqlState.syntaxError, 'INSERT has more expressions than target columns', { position: stmt.source.pos + 1 });
      }
      if (planned.columns.length < targets.length) {
        throw new SqlError(SqlState.syntaxError, 'INSERT has more target columns than expressions', { position: stmt.source.pos + 1 });
      }
      const n = planned.columns.length;
      const values = columns.map((column, j) => {
        const k = targets.indexOf(j);
        const value = k >= 0 ? this.assign(b.column(k, planned.columns[k]!.type), column, stmt.source.pos) : this.defaultValue(target, j);
        return this.checked(value, column, target);
      });
      plan = project(map(planned.rel, values), range(n, n + columns.length));
    }
    return { target, plan };
  }

  private rowsFromValues(target: TargetTable, targets: number[], rows: ast.Expr[][], defaultCells: { row: number; column: number }[]): RelExpr {
    const columns = target.desc.columns;
    const isDefault = (r: number, c: number) => defaultCells.some((cell) => cell.row === r && cell.column === c);
    const planned = rows.map((row, r) => {
      if (row.length > targets.length) {
        throw new SqlError(SqlState.syntaxError, 'INSERT has more expressions than target columns', { position: row[targets.length]!.pos + 1 });
      }
      if (row.length < targets.length) {
        throw new SqlError(SqlState.syntaxError, 'INSERT has more target columns than expressions', { position: (row[0]?.pos ?? 0) + 1 });
      }
      const ec: ExprCtx = { rel: UNIT, scope: { levels: [] }, frame: topFrame(), clause: 'VALUES', allowTableFunctions: false };
      const values = columns.map((column, j) => {
        const k = targets.indexOf(j);
        const written = k >= 0 && !isDefault(r, k) ? row[k]! : undefined;
        const value =
          written ? this.assign(this.queries.exprs.plan(written, ec), column, written.pos) : this.defaultValue(target, j);
        return this.checked(value, column, target);
      });
      return { rel: ec.rel, values };
    });
    if (planned.every((p) => p.rel === UNIT && p.values.every((v) => v.kind === 'literal'))) {
      return {
        op: 'constant',
        rows: planned.map((p): [ReturnType<typeof literalValues>, number] => [literalValues(p.values), 1]),
        desc: target.desc,
      };
    }
    return union(
      planned.map((p) => {
        const base = arity(p.rel);
        return project(map(p.rel, p.values), range(base, base + columns.length));
      }),
    );
  }

  planUpdate(stmt: ast.UpdateStatement): { target: TargetTable; plan: RelExpr } {
    const target = resolveTarget(this.state, stmt.table, stmt.alias, 'update');
    const columns = target.desc.columns;
    const n = columns.length;
    const ec: ExprCtx = {
      rel: { op: 'get', id: target.item.id, desc: target.desc },
      scope: { levels: [target.items] },
      frame: topFrame(),
      clause: 'WHERE',
      allowTableFunctions: false,
    };
    this.applyWhere(ec, stmt.where);
    ec.clause = 'UPDATE';
    const assigned = new Map<number, ScalarExpr>();
    for (const a of stmt.assignments) {
      const j = targetColumn(target, a.column, a.pos);
      if (assigned.has(j)) throw new SqlError(SqlState.syntaxError, `multiple assignments to same column "${a.column}"`, { position: a.pos + 1 });
      const column = columns[j]!;
      const value = a.isDefault ? this.defaultValue(target, j) : this.assign(this.queries.exprs.plan(a.value, ec), column, a.value.pos);
      assigned.set(j, this.checked(value, column, target));
    }
    const newValues = columns.map((c, j) => assigned.get(j) ?? b.column(j, c.type));
    const base = arity(ec.rel);
    return { target, plan: project(map(ec.rel, newValues), [...range(0, n), ...range(base, base + n)]) };
  }

  planDelete(stmt: ast.DeleteStatement): { target: TargetTable; plan: RelExpr } {
    const target = resolveTarget(this.state, stmt.table, stmt.alias, 'delete from');
    const n = target.desc.columns.length;
    const table: RelExpr = { op: 'get', id: target.item.id, desc: target.desc };
    const frame = topFrame();
    const from = this.queries.planFromItems(stmt.using, frame, { rel: table, items: target.items });
    const ec: ExprCtx = { rel: from.rel, scope: { levels: [from.items] }, frame, clause: 'WHERE', allowTableFunctions: false };
    this.applyWhere(ec, stmt.where);
    if (stmt.using.length === 0) return { target, plan: project(ec.rel, range(0, n)) };
    // Each table row once, however many USING rows it matched.
    return { target, plan: semiJoin(table, range(0, n), distinct(project(ec.rel, range(0, n)))) };
  }

  /** RETURNING: expressions over the row written (inserted row, new row of an update, deleted row). */
  planReturning(target: TargetTable, items: ast.SelectItem[]): Returning | undefined {
    if (items.length === 0) return undefined;
    const rel: RelExpr = { op: 'get', id: target.item.id, desc: target.desc };
    const ec: ExprCtx = { rel, scope: { levels: [target.items] }, frame: topFrame(), clause: 'RETURNING', allowTableFunctions: false };
    const exprs: ScalarExpr[] = [];
    const names: string[] = [];
    for (const item of items) {
      if (item.kind === 'wildcard') {
        target.items.forEach((it) => {
          exprs.push(b.column(it.index, it.type));
          names.push(it.name);
        });
        continue;
      }
      exprs.push(resolveUnknown(this.state, this.queries.exprs.plan(item.expr, ec), item.pos));
      names.push(item.alias ?? columnName(item.expr));
      if (ec.rel !== rel) throw new SqlError(SqlState.featureNotSupported, 'subqueries in RETURNING are not supported', { position: item.pos + 1 });
    }
    return { exprs, desc: { columns: exprs.map((e, i): Column => ({ name: names[i]!, type: e.type, nullable: true })) } };
  }
}

function literalValues(values: ScalarExpr[]): import('../repr/types.js').Row {
  return values.map((v) => (v.kind === 'literal' ? v.value : null));
}

