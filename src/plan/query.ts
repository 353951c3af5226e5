// Relational planning: queries, FROM clauses, joins, grouping, set
// operations, and the decorrelation of subqueries (see frame.ts).
import type { Column, SqlType } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';
import type * as ast from '../sql/ast.js';
import { commonType, isAggregate, isTableFunction, resolveTableFunction } from '../expr/resolve.js';
import type { AggregateExpr, ColumnOrder, RelExpr, RowSetFinishing, ScalarExpr, TableFunc } from './mir.js';
import { describe } from './mir.js';
import type { CatalogItemRef } from './context.js';
import type { PlanState, CteBinding } from './state.js';
import { astKey, type ExprCtx, type Frame, type Grouping } from './frame.js';
import { ExprPlanner, columnName } from './expr.js';
import { Decorrelator } from './subquery.js';
import { WindowPlanner, collectWindowCalls } from './window.js';
import { resolveColumn, groupingError, type ScopeItem } from './scope.js';
import { coerce, coerceBool, resolveUnknown, withPosition } from './coerce.js';
import { collectAggregates, emptyValue, planAggregate, type AggregateFinalizer } from './aggregates.js';
import { scalarText } from './explain.js';
import { evaluateConstant, onlyParameters, rowCount } from './constant.js';
import { typeEquals } from './types.js';
import * as b from './builtins.js';
import {
  UNIT,
  appendNulls,
  arity,
  columnTypes,
  crossJoin,
  distinct,
  filter,
  joinOnPrefix,
  map,
  negate,
  project,
  range,
  semiJoin,
  union,
} from './rel.js';

/** A planned query: `rel` holds the frame's binding columns followed by `columns`. */
export interface PlannedRel {
  rel: RelExpr;
  columns: Column[];
}

export interface PlannedTop extends PlannedRel {
  finishing: RowSetFinishing;
}

/** A set-operation operand planned up to its output expressions, so that untyped outputs can take the common type. */
interface PreparedSet {
  columns: { name: string; type: SqlType }[];
  finish(types: SqlType[]): RelExpr;
}

export interface FromItem {
  rel: RelExpr;
  items: ScopeItem[];
}

interface SortKey {
  /** Output column (0-based within the select list) or an extra expression. */
  output?: number;
  expr?: ScalarExpr;
  desc: boolean;
  nullsFirst: boolean;
  pos: number;
}

interface SelectParts {
  ec: ExprCtx;
  outputs: ScalarExpr[];
  names: string[];
  sort: SortKey[];
  distinctOn?: SortKey[];
}

export function topFrame(): Frame {
  return { outer: UNIT, width: 0, levels: [], used: new Set() };
}

function column(name: string, type: SqlType): Column {
  return { name, type, nullable: true };
}

function ordinal(e: ast.Expr): number | undefined {
  if (e.kind === 'literal' && e.value.type === 'number' && /^\d+$/.test(e.value.text)) return Number(e.value.text);
  return undefined;
}

function sameTable(a: string[] | undefined, b: string[] | undefined): boolean {
  return a !== undefined && b !== undefined && a.join('.') === b.join('.');
}

export class QueryPlanner {
  readonly exprs: ExprPlanner;
  private readonly subqueries: Decorrelator;

  constructor(readonly state: PlanState) {
    this.subqueries = new Decorrelator(state, this);
    this.exprs = new ExprPlanner(state, this.subqueries);
  }

  // ------------------------------------------------------------------ queries

  planTop(query: ast.Query): PlannedTop {
    const frame = topFrame();
    return this.withCtes(query, frame, () => {
      let rel: RelExpr;
      let columns: Column[];
      let order: ColumnOrder[];
      if (query.body.kind === 'select') {
        const parts = this.selectParts(query.body, query.orderBy, frame);
        const finished = this.finishSelect(parts, query.body, frame, null);
        ({ rel, order } = finished);
        columns = finished.columns;
      } else {
        const prepared = this.prepareSet(query.body, frame);
        const types = prepared.columns.map((c) => (c.type.kind === 'unknown' ? ({ kind: 'text' } as SqlType) : c.type));
        rel = prepared.finish(types);
        columns = prepared.columns.map((c, i) => column(c.name, types[i]!));
        order = this.setOrder(query.orderBy, columns, frame);
      }
      const limit = query.limit ? this.countOrParameters(query.limit, 'LIMIT') : undefined;
      const offset = query.offset ? this.countOrParameters(query.offset, 'OFFSET') : 0;
      const finishing: RowSetFinishing = { order, offset: typeof offset === 'number' ? offset : 0, project: range(0, columns.length) };
      if (typeof limit === 'number') finishing.limit = limit;
      else if (limit !== undefined) finishing.limitExpr = limit;
      if (typeof offset !== 'number' && offset !== undefined) finishing.offsetExpr = offset;
      return { rel, columns, finishing };
    });
  }

  /** A query inside another (subquery, view, CTE, set operand): ORDER BY only matters with LIMIT/OFFSET. */
  planQuery(query: ast.Query, frame: Frame): PlannedRel {
    return this.withCtes(query, frame, () => {
      const { limit, offset } = this.limits(query);
      const ordered = limit !== undefined || offset > 0;
      let rel: RelExpr;
      let columns: Column[];
      let order: ColumnOrder[] = [];
      if (query.body.kind === 'select') {
        // DISTINCT ON keeps the first row of each group in ORDER BY order, with or without LIMIT.
        const distinctOn = query.body.distinct?.on !== undefined;
        const parts = this.selectParts(query.body, ordered || distinctOn ? query.orderBy : [], frame);
        const finished = this.finishSelect(parts, query.body, frame, null);
        ({ rel, columns, order } = finished);
      } else {
        const prepared = this.prepareSet(query.body, frame);
        const types = prepared.columns.map((c) => (c.type.kind === 'unknown' ? ({ kind: 'text' } as SqlType) : c.type));
        rel = prepared.finish(types);
        columns = prepared.columns.map((c, i) => column(c.name, types[i]!));
        if (ordered) order = this.setOrder(query.orderBy, columns, frame);
      }
      const width = frame.width + columns.length;
      if (ordered) {
        rel = { op: 'topK', input: rel, groupKey: range(0, frame.width), order, ...(limit !== undefined ? { limit } : {}), offset };
      }
      return { rel: project(rel, range(0, width)), columns };
    });
  }

  /** INSERT ... SELECT: untyped outputs ('5', NULL, $1) take the target columns' types, as in PostgreSQL. */
  planWithTargetTypes(query: ast.Query, targets: SqlType[]): PlannedRel {
    if (query.orderBy.length > 0 || query.limit || query.offset) return this.planQuery(query, topFrame());
    const frame = topFrame();
    return this.withCtes(query, frame, () => {
      const prepared = this.prepareSet(query.body, frame);
      const types = prepared.columns.map((c, i): SqlType => (c.type.kind === 'unknown' ? (targets[i] ?? { kind: 'text' }) : c.type));
      return { rel: prepared.finish(types), columns: prepared.columns.map((c, i) => column(c.name, types[i]!)) };
    });
  }

  /** Like planQuery, but keeps ORDER BY (as columns after the outputs) for collecting subqueries. */
  planOrdered(query: ast.Query, frame: Frame): PlannedRel & { order: ColumnOrder[] } {
    if (query.body.kind !== 'select' || query.orderBy.length === 0 || query.limit || query.offset) {
      return { ...this.planQuery(query, frame), order: [] };
    }
    const select = query.body;
    return this.withCtes(query, frame, () => this.finishSelect(this.selectParts(select, query.orderBy, frame), select, frame, null));
  }

  private withCtes<T>(query: ast.Query, frame: Frame, body: () => T): T {
    if (query.with.length === 0) return body();
    if (query.withRecursive) {
      throw new SqlError(SqlState.featureNotSupported, 'WITH RECURSIVE is not supported', { position: query.pos + 1 });
    }
    const bindings = new Map<string, CteBinding>();
    this.state.pushCtes(bindings);
    try {
      for (const cte of query.with) {
        if (bindings.has(cte.name)) {
          throw new SqlError(SqlState.duplicateAlias, `WITH query name "${cte.name}" specified more than once`, { position: cte.pos + 1 });
        }
        if (frame.width === 0) {
          const planned = this.planQuery(cte.query, frame);
          const names = this.renameColumns(planned.columns.map((c) => c.name), cte.columns ?? [], cte.name, cte.pos);
          bindings.set(cte.name, { cte, local: this.state.bind(planned.rel), names });
        } else {
          // Depends on the enclosing query's bindings: planned where it is referenced.
          bindings.set(cte.name, { cte, names: [] });
        }
      }
      return body();
    } finally {
      this.state.popCtes();
    }
  }

  private limits(query: ast.Query): { limit: number | undefined; offset: number } {
    const limit = query.limit ? this.constantCount(query.limit, 'LIMIT') : undefined;
    const offset = query.offset ? (this.constantCount(query.offset, 'OFFSET') ?? 0) : 0;
    return { limit, offset };
  }

  /** LIMIT / OFFSET: a constant non-negative count (NULL means no limit). */
  private constantCount(e: ast.Expr, clause: 'LIMIT' | 'OFFSET'): number | undefined {
    const count = this.countOrParameters(e, clause);
    if (typeof count === 'object') {
      throw new SqlError(SqlState.featureNotSupported, `${clause} must be a constant`, { position: e.pos + 1 });
    }
    return count;
  }

  /** A top-level LIMIT / OFFSET may also be an expression of parameters, counted when they are bound. */
  private countOrParameters(e: ast.Expr, clause: 'LIMIT' | 'OFFSET'): number | undefined | ScalarExpr {
    const ec: ExprCtx = { rel: UNIT, scope: { levels: [] }, frame: topFrame(), clause, allowTableFunctions: false };
    const planned = coerce(this.state, this.exprs.plan(e, ec), { kind: 'int8' }, 'implicit', e.pos);
    const value = withPosition(e.pos, () => evaluateConstant(planned));
    if (value === undefined) {
      if (ec.rel === UNIT && onlyParameters(planned)) return planned;
      throw new SqlError(SqlState.featureNotSupported, `${clause} must be a constant`, { position: e.pos + 1 });
    }
    return rowCount(value, clause, e.pos);
  }

  // ------------------------------------------------------------ set operands

  private prepareSet(body: ast.SetExpr, frame: Frame): PreparedSet {
    switch (body.kind) {
      case 'select': {
        const parts = this.selectParts(body, [], frame);
        return {
          columns: parts.outputs.map((o, i) => ({ name: parts.names[i]!, type: o.type })),
          finish: (types) => this.finishSelect(parts, body, frame, types).rel,
        };
      }
      case 'table': {
        const select: ast.Select = {
          kind: 'select',
          pos: body.pos,
          projection: [{ kind: 'wildcard', pos: body.pos }],
          from: [{ kind: 'table', name: body.name, pos: body.name.pos }],
          groupBy: [],
        };
        return this.prepareSet(select, frame);
      }
      case 'values':
        return this.prepareValues(body, frame);
      case 'nested': {
        const planned = this.planQuery(body.query, frame);
        return {
          columns: planned.columns,
          finish: (types) => this.castColumns(planned.rel, frame.width, types, body.pos),
        };
      }
      case 'setOperation':
        return this.prepareSetOperation(body, frame);
    }
  }

  /** Casts the columns after the binding prefix to `types`. */
  private castColumns(rel: RelExpr, width: number, types: SqlType[], pos: number): RelExpr {
    const current = columnTypes(rel);
    if (types.every((t, i) => typeEquals(t, current[width + i]!))) return rel;
    const n = current.length;
    const casts = types.map((t, i) => coerce(this.state, b.column(width + i, current[width + i]!), t, 'implicit', pos));
    return project(map(rel, casts), [...range(0, width), ...range(n, n + types.length)]);
  }

  private prepareSetOperation(body: ast.SetOperation, frame: Frame): PreparedSet {
    const left = this.prepareSet(body.left, frame);
    const right = this.prepareSet(body.right, frame);
    const opName = body.op.toUpperCase();
    if (left.columns.length !== right.columns.length) {
      throw new SqlError(SqlState.syntaxError, `each ${opName} query must have the same number of columns`, {
        position: body.right.pos + 1,
      });
    }
    const types = left.columns.map((c, i) =>
      withPosition(body.pos, () => commonType([c.type, right.columns[i]!.type], opName)),
    );
    return {
      columns: left.columns.map((c, i) => ({ name: c.name, type: types[i]! })),
      finish: (target) => {
        const l = left.finish(target);
        const r = right.finish(target);
        switch (body.op) {
          case 'union':
            return body.all ? union([l, r]) : distinct(union([l, r]));
          case 'except':
            return body.all
              ? { op: 'threshold', input: union([l, negate(r)]) }
              : { op: 'threshold', input: union([distinct(l), negate(distinct(r))]) };
          case 'intersect': {
            // min(m, n) = m - max(m - n, 0)
            const shared = this.state.bind(l);
            const both = union([shared, negate({ op: 'threshold', input: union([shared, negate(r)]) })]);
            return body.all ? both : distinct(both);
          }
        }
      },
    };
  }

  private prepareValues(body: ast.ValuesBody, frame: Frame): PreparedSet {
    const misplaced = body.defaultCells?.[0];
    if (misplaced) {
      const cell = body.rows[misplaced.row]![misplaced.column]!;
      throw new SqlError(SqlState.syntaxError, 'DEFAULT is not allowed in this context', { position: cell.pos + 1 });
    }
    const width = body.rows[0]?.length ?? 0;
    const rows = body.rows.map((row) => {
      if (row.length !== width) {
        throw new SqlError(SqlState.syntaxError, 'VALUES lists must all be the same length', { position: (row[0]?.pos ?? body.pos) + 1 });
      }
      const ec: ExprCtx = { rel: frame.outer, scope: { levels: [[], ...frame.levels] }, frame, clause: 'VALUES', allowTableFunctions: false };
      const exprs = row.map((e) => this.exprs.plan(e, ec));
      return { ec, exprs };
    });
    const types = range(0, width).map((i) =>
      withPosition(body.pos, () => commonType(rows.map((r) => r.exprs[i]!.type), 'VALUES')),
    );
    return {
      columns: types.map((t, i) => ({ name: `column${i + 1}`, type: t })),
      finish: (target) => {
        const cast = rows.map((r) => ({
          ec: r.ec,
          exprs: r.exprs.map((e, i) => coerce(this.state, e, target[i]!, 'implicit', body.rows[0]![i]!.pos)),
        }));
        const desc = { columns: target.map((t, i) => column(`column${i + 1}`, t)) };
        if (frame.width === 0 && cast.every((r) => r.ec.rel === frame.outer && r.exprs.every((e) => e.kind === 'literal'))) {
          const constantRows = cast.map((r): [ReturnType<typeof literalRow>, number] => [literalRow(r.exprs), 1]);
          return { op: 'constant', rows: constantRows, desc };
        }
        return union(
          cast.map((r) => {
            const base = arity(r.ec.rel);
            return project(map(r.ec.rel, r.exprs), [...range(0, frame.width), ...range(base, base + width)]);
          }),
        );
      },
    };
  }

  /** ORDER BY of a set operation: output columns by name or position. */
  private setOrder(orderBy: ast.OrderByExpr[], columns: Column[], frame: Frame): ColumnOrder[] {
    return orderBy.map((o) => {
      const n = ordinal(o.expr);
      let index: number | undefined;
      if (n !== undefined) {
        if (n < 1 || n > columns.length) {
          throw new SqlError(SqlState.invalidColumnReference, `ORDER BY position ${n} is not in select list`, { position: o.expr.pos + 1 });
        }
        index = n - 1;
      } else if (o.expr.kind === 'identifier' && o.expr.parts.length === 1) {
        const name = o.expr.parts[0]!;
        index = columns.findIndex((c) => c.name === name);
        if (index < 0) {
          throw new SqlError(SqlState.undefinedColumn, `column "${name}" does not exist`, { position: o.expr.pos + 1 });
        }
      } else {
        throw new SqlError(SqlState.featureNotSupported, 'invalid UNION/INTERSECT/EXCEPT ORDER BY clause', {
          position: o.expr.pos + 1,
          detail: 'Only result column names can be used, not expressions or functions.',
        });
      }
      return { column: frame.width + index, desc: o.desc, nullsFirst: o.nullsFirst ?? o.desc };
    });
  }

  // ------------------------------------------------------------------ SELECT

  private selectParts(select: ast.Select, orderBy: ast.OrderByExpr[], frame: Frame): SelectParts {
    const from = this.planFrom(select.from, frame);
    let ec: ExprCtx = {
      rel: from.rel,
      scope: { levels: [from.items, ...frame.levels] },
      frame,
      clause: 'WHERE',
      allowTableFunctions: false,
    };
    if (select.where) {
      const predicate = coerceBool(this.state, this.exprs.plan(select.where, ec), 'WHERE', select.where.pos);
      ec.rel = filter(ec.rel, b.conjuncts(predicate));
    }
    const aggregateCalls: ast.FunctionCallExpr[] = [];
    for (const item of select.projection) if (item.kind === 'expr') collectAggregates(item.expr, isAggregate, aggregateCalls);
    collectAggregates(select.having, isAggregate, aggregateCalls);
    for (const o of orderBy) collectAggregates(o.expr, isAggregate, aggregateCalls);
    const grouped = select.groupBy.length > 0 || aggregateCalls.length > 0 || select.having !== undefined;
    if (grouped) ec = this.planGrouping(select, aggregateCalls, ec, frame);
    this.planWindows(select, orderBy, ec, frame);
    ec.clause = 'SELECT';
    ec.allowTableFunctions = !grouped;

    const outputs: ScalarExpr[] = [];
    const names: string[] = [];
    for (const item of select.projection) {
      if (item.kind === 'wildcard') {
        for (const c of this.expandWildcard(item, ec, select.from.length === 0)) {
          outputs.push(c.expr);
          names.push(c.name);
        }
      } else if (item.expr.kind === 'wildcardAccess') {
        // (record).*: one output per field.
        const record = this.exprs.plan(item.expr.expr, ec);
        if (record.type.kind !== 'record') {
          throw new SqlError(SqlState.wrongObjectType, `type ${record.type.kind} is not composite`, { position: item.pos + 1 });
        }
        record.type.fields.forEach((f, i) => {
          outputs.push(b.call(b.recordField(i, f.name), [record], f.type));
          names.push(f.name);
        });
      } else {
        outputs.push(this.exprs.plan(item.expr, ec));
        names.push(item.alias ?? columnName(item.expr));
      }
    }
    ec.clause = 'ORDER BY';
    const sort = orderBy.map((o) => this.sortKey(o.expr, o.desc, o.nullsFirst, outputs, names, ec));
    let distinctOn: SortKey[] | undefined;
    if (select.distinct?.on) {
      ec.clause = 'DISTINCT ON';
      distinctOn = select.distinct.on.map((e) => this.sortKey(e, false, undefined, outputs, names, ec));
    }
    return { ec, outputs, names, sort, ...(distinctOn ? { distinctOn } : {}) };
  }

  /** Window function calls of the SELECT list and ORDER BY become columns before the outputs are planned. */
  private planWindows(select: ast.Select, orderBy: ast.OrderByExpr[], ec: ExprCtx, frame: Frame): void {
    const calls: ast.FunctionCallExpr[] = [];
    for (const item of select.projection) if (item.kind === 'expr') collectWindowCalls(item.expr, calls);
    for (const o of orderBy) collectWindowCalls(o.expr, calls);
    if (calls.length === 0) return;
    const windows = new Map<string, ScalarExpr>();
    const planner = new WindowPlanner(this.state, this.exprs);
    for (const call of calls) {
      const key = astKey(call);
      if (!windows.has(key)) windows.set(key, planner.plan(call, ec, frame.width, select.windows));
    }
    ec.windows = windows;
  }

  private sortKey(
    e: ast.Expr,
    desc: boolean,
    nullsFirst: boolean | undefined,
    outputs: ScalarExpr[],
    names: string[],
    ec: ExprCtx,
  ): SortKey {
    const base = { desc, nullsFirst: nullsFirst ?? desc, pos: e.pos };
    const n = ordinal(e);
    if (n !== undefined) {
      if (n < 1 || n > outputs.length) {
        throw new SqlError(SqlState.invalidColumnReference, `${ec.clause} position ${n} is not in select list`, { position: e.pos + 1 });
      }
      return { ...base, output: n - 1 };
    }
    if (e.kind === 'identifier' && e.parts.length === 1) {
      const matches = names.flatMap((name, i) => (name === e.parts[0] ? [i] : []));
      if (matches.length > 1 && !matches.every((m) => scalarText(outputs[m]!) === scalarText(outputs[matches[0]!]!))) {
        throw new SqlError(SqlState.ambiguousColumn, `${ec.clause} "${e.parts[0]}" is ambiguous`, { position: e.pos + 1 });
      }
      if (matches.length > 0) return { ...base, output: matches[0]! };
    }
    const planned = this.exprs.plan(e, ec);
    const text = scalarText(planned);
    const same = outputs.findIndex((o) => scalarText(o) === text);
    return same >= 0 ? { ...base, output: same } : { ...base, expr: planned };
  }

  /** Maps the outputs (cast to `types` when given) and extra sort columns; applies DISTINCT / DISTINCT ON. */
  private finishSelect(
    parts: SelectParts,
    select: ast.Select,
    frame: Frame,
    types: SqlType[] | null,
  ): PlannedRel & { order: ColumnOrder[] } {
    const width = frame.width;
    const outputs = parts.outputs.map((o, i) => {
      const target = types?.[i];
      if (target) return coerce(this.state, o, target, 'implicit', select.pos);
      return resolveUnknown(this.state, o, select.pos);
    });
    const extras: ScalarExpr[] = [];
    const position = (key: SortKey): number => {
      if (key.output !== undefined) return width + key.output;
      extras.push(key.expr!);
      return width + outputs.length + extras.length - 1;
    };
    const order: ColumnOrder[] = parts.sort.map((key) => ({ column: position(key), desc: key.desc, nullsFirst: key.nullsFirst }));
    if (select.distinct && !select.distinct.on && extras.length > 0) {
      const offending = parts.sort.find((k) => k.output === undefined)!;
      throw new SqlError(SqlState.invalidColumnReference, 'for SELECT DISTINCT, ORDER BY expressions must appear in select list', {
        position: offending.pos + 1,
      });
    }
    const onColumns = parts.distinctOn?.map(position);
    const base = arity(parts.ec.rel);
    let rel = map(parts.ec.rel, [...outputs, ...extras]);
    rel = project(rel, [...range(0, width), ...range(base, base + outputs.length + extras.length)]);
    if (select.distinct && !select.distinct.on) rel = distinct(rel);
    if (onColumns) {
      rel = { op: 'topK', input: rel, groupKey: [...range(0, width), ...onColumns], order, limit: 1, offset: 0 };
    }
    const columns = outputs.map((o, i) => column(parts.names[i]!, o.type));
    return { rel, columns, order };
  }

  private expandWildcard(item: Extract<ast.SelectItem, { kind: 'wildcard' }>, ec: ExprCtx, noFrom: boolean): { expr: ScalarExpr; name: string }[] {
    const items = ec.scope.levels[0] ?? [];
    let chosen: ScopeItem[];
    if (item.qualifier) {
      const q = item.qualifier;
      chosen = items.filter((it) => it.table && it.table.length >= q.length && it.table.slice(it.table.length - q.length).join('.') === q.join('.'));
      if (chosen.length === 0) {
        throw new SqlError(SqlState.undefinedTable, `missing FROM-clause entry for table "${q[q.length - 1]}"`, { position: item.pos + 1 });
      }
    } else {
      if (noFrom) throw new SqlError(SqlState.syntaxError, 'SELECT * with no tables specified is not valid', { position: item.pos + 1 });
      chosen = items.filter((it) => !it.qualifiedOnly);
    }
    return chosen.map((it) => {
      if (it.ungrouped) throw groupingError(it, item.pos);
      return { expr: b.column(it.index, it.type), name: it.name };
    });
  }

  private planGrouping(select: ast.Select, calls: ast.FunctionCallExpr[], ec: ExprCtx, frame: Frame): ExprCtx {
    const width = frame.width;
    ec.clause = 'GROUP BY';
    const keyAsts: ast.Expr[] = select.groupBy.map((g) => this.groupTarget(g, select, ec));
    const keys = keyAsts.map((g) => resolveUnknown(this.state, this.exprs.plan(g, ec), g.pos));
    const aggregates: AggregateExpr[] = [];
    const finalizers = new Map<string, AggregateFinalizer>();
    for (const call of calls) {
      const key = astKey(call);
      if (!finalizers.has(key)) finalizers.set(key, planAggregate(this.exprs, this.state, call, ec, aggregates));
    }
    const groupKey = [...range(0, width).map((i) => b.column(i, columnTypes(ec.rel)[i]!)), ...keys];
    let rel: RelExpr = { op: 'reduce', input: ec.rel, groupKey, aggregates };
    if (keys.length === 0) {
      // A global aggregate yields one row per binding even over no input rows.
      const reduced = this.state.bind(rel);
      const missing = union([frame.outer, negate(project(reduced, range(0, width)))]);
      rel = union([reduced, map(missing, aggregates.map(emptyValue))]);
    }
    const aggBase = width + keys.length;
    const level0 = (ec.scope.levels[0] ?? []).map((item): ScopeItem => {
      const k = keys.findIndex((key) => key.kind === 'column' && key.index === item.index);
      return k >= 0 ? { ...item, index: width + k, type: keys[k]!.type } : { ...item, ungrouped: true };
    });
    const grouping: Grouping = { keys: new Map(), aggregates: new Map() };
    keyAsts.forEach((g, i) => grouping.keys.set(astKey(g), b.column(width + i, keys[i]!.type)));
    for (const [key, finalize] of finalizers) {
      grouping.aggregates.set(key, finalize((slot) => b.column(aggBase + slot, aggregates[slot]!.type)));
    }
    const grouped: ExprCtx = {
      rel,
      scope: { levels: [level0, ...ec.scope.levels.slice(1)] },
      frame,
      grouping,
      clause: 'HAVING',
      allowTableFunctions: false,
    };
    if (select.having) {
      const predicate = coerceBool(this.state, this.exprs.plan(select.having, grouped), 'HAVING', select.having.pos);
      grouped.rel = filter(grouped.rel, b.conjuncts(predicate));
    }
    return grouped;
  }

  /** GROUP BY 2 and GROUP BY alias refer to select-list items (input columns take precedence over aliases). */
  private groupTarget(g: ast.Expr, select: ast.Select, ec: ExprCtx): ast.Expr {
    if (g.kind === 'function' && g.name.parts.length === 1 && (g.name.parts[0] === 'rollup' || g.name.parts[0] === 'cube')) {
      throw new SqlError(SqlState.featureNotSupported, `GROUP BY ${g.name.parts[0].toUpperCase()} is not supported`, { position: g.pos + 1 });
    }
    const n = ordinal(g);
    if (n !== undefined) {
      const item = select.projection[n - 1];
      if (!item || item.kind !== 'expr') {
        throw new SqlError(SqlState.invalidColumnReference, `GROUP BY position ${n} is not in select list`, { position: g.pos + 1 });
      }
      return item.expr;
    }
    if (g.kind === 'identifier' && g.parts.length === 1 && !resolveColumn(ec.scope, g.parts, g.pos)) {
      const item = select.projection.find((p) => p.kind === 'expr' && p.alias === g.parts[0]);
      if (item && item.kind === 'expr') return item.expr;
    }
    return g;
  }

  // -------------------------------------------------------------------- FROM

  private planFrom(refs: ast.TableRef[], frame: Frame): FromItem {
    return this.planFromItems(refs, frame, { rel: frame.outer, items: [] });
  }

  /** Adds FROM items to a relation already in scope (DELETE ... USING starts from the target table). */
  planFromItems(refs: ast.TableRef[], frame: Frame, start: FromItem): FromItem {
    let acc = start;
    for (const ref of refs) acc = this.fromItem(ref, frame, acc);
    return acc;
  }

  /** Adds `ref` to the FROM items planned so far. */
  private fromItem(ref: ast.TableRef, frame: Frame, acc: FromItem): FromItem {
    switch (ref.kind) {
      case 'table':
        return this.tableItem(ref, frame, acc);
      case 'subquery': {
        const names = (cols: Column[]) => this.renameColumns(cols.map((c) => c.name), ref.alias?.columns ?? [], ref.alias?.name ?? 'subquery', ref.pos);
        const table = ref.alias ? [ref.alias.name] : undefined;
        if (ref.lateral) {
          let columns: Column[] = [];
          const applied = this.subqueries.applyCorrelated(acc.rel, [acc.items, ...frame.levels], frame, [], (f) => {
            const planned = this.planQuery(ref.query, f);
            columns = planned.columns;
            return planned.rel;
          });
          return { rel: applied.rel, items: [...acc.items, ...this.itemsFor(table, names(columns), columns, applied.first, ref.pos, acc)] };
        }
        const child: Frame = { ...frame, used: new Set() };
        const planned = this.planQuery(ref.query, child);
        for (const u of child.used) frame.used.add(u);
        return this.combinePrefixed(acc, planned.rel, table, names(planned.columns), planned.columns, frame, ref.pos);
      }
      case 'function':
        return this.functionItem(ref, frame, acc);
      case 'join': {
        const joined = this.joinItem(ref, frame);
        if (acc.rel === frame.outer && acc.items.length === 0) return joined;
        const shift = arity(acc.rel) - frame.width;
        this.checkDuplicateTables(acc.items, joined.items, ref.pos);
        return {
          rel: joinOnPrefix(acc.rel, joined.rel, frame.width),
          items: [...acc.items, ...joined.items.map((it) => ({ ...it, index: it.index + shift }))],
        };
      }
    }
  }

  private checkDuplicateTables(existing: ScopeItem[], added: ScopeItem[], pos: number): void {
    for (const item of added) {
      if (item.table && existing.some((e) => sameTable(e.table, item.table))) {
        const name = item.table[item.table.length - 1]!;
        throw new SqlError(SqlState.duplicateAlias, `table name "${name}" specified more than once`, { position: pos + 1 });
      }
    }
  }

  private itemsFor(table: string[] | undefined, names: string[], columns: Column[], first: number, pos: number, acc: FromItem): ScopeItem[] {
    const items = columns.map((c, i): ScopeItem => ({ ...(table ? { table } : {}), name: names[i]!, index: first + i, type: c.type }));
    this.checkDuplicateTables(acc.items, items.slice(0, 1), pos);
    return items;
  }

  /** Adds a relation that starts with the frame's binding columns. */
  private combinePrefixed(
    acc: FromItem,
    rel: RelExpr,
    table: string[] | undefined,
    names: string[],
    columns: Column[],
    frame: Frame,
    pos: number,
  ): FromItem {
    const combined = acc.rel === frame.outer && acc.items.length === 0 ? rel : joinOnPrefix(acc.rel, rel, frame.width);
    const first = acc.rel === frame.outer && acc.items.length === 0 ? frame.width : arity(acc.rel);
    return { rel: combined, items: [...acc.items, ...this.itemsFor(table, names, columns, first, pos, acc)] };
  }

  /** Applies column aliases t(a, b) over the first columns. */
  private renameColumns(names: string[], aliases: string[], table: string, pos: number): string[] {
    if (aliases.length > names.length) {
      throw new SqlError(
        SqlState.invalidColumnReference,
        `table "${table}" has ${names.length} columns available but ${aliases.length} columns specified`,
        { position: pos + 1 },
      );
    }
    return names.map((n, i) => aliases[i] ?? n);
  }

  private tableItem(ref: Extract<ast.TableRef, { kind: 'table' }>, frame: Frame, acc: FromItem): FromItem {
    const parts = ref.name.parts;
    const aliasName = ref.alias?.name;
    if (parts.length === 1) {
      const cte = this.state.lookupCte(parts[0]!);
      if (cte) {
        const table = [aliasName ?? parts[0]!];
        if (cte.local) {
          const columns = describe(cte.local).columns;
          const names = this.renameColumns(cte.names, ref.alias?.columns ?? [], table[0]!, ref.pos);
          const first = arity(acc.rel);
          return { rel: crossJoin(acc.rel, cte.local), items: [...acc.items, ...this.itemsFor(table, names, columns, first, ref.pos, acc)] };
        }
        const child: Frame = { ...frame, used: new Set() };
        const planned = this.planQuery(cte.cte.query, child);
        for (const u of child.used) frame.used.add(u);
        const cteNames = this.renameColumns(planned.columns.map((c) => c.name), cte.cte.columns ?? [], cte.cte.name, cte.cte.pos);
        const names = this.renameColumns(cteNames, ref.alias?.columns ?? [], table[0]!, ref.pos);
        return this.combinePrefixed(acc, planned.rel, table, names, planned.columns, frame, ref.pos);
      }
    }
    const item = this.state.ctx.resolveRelation(parts);
    if (!item) {
      throw new SqlError(SqlState.undefinedTable, `relation "${parts.join('.')}" does not exist`, { position: ref.name.pos + 1 });
    }
    const { rel, columns } = this.catalogRelation(item, ref.name.pos);
    const table = aliasName !== undefined ? [aliasName] : [item.name.database, item.name.schema, item.name.item];
    const names = this.renameColumns(columns.map((c) => c.name), ref.alias?.columns ?? [], aliasName ?? item.name.item, ref.pos);
    const first = arity(acc.rel);
    const items = this.itemsFor(table, names, columns, first, ref.pos, acc).map((it) => (aliasName !== undefined ? { ...it, relation: item.name.item } : it));
    return { rel: crossJoin(acc.rel, rel), items: [...acc.items, ...items] };
  }

  /** The relation of a catalog item: views are planned and inlined, everything else is read. */
  catalogRelation(item: CatalogItemRef, pos: number): PlannedRel {
    const fullName = `${item.name.schema}.${item.name.item}`;
    switch (item.kind) {
      case 'view': {
        if (!item.viewQuery) throw new SqlError(SqlState.internalError, `view "${fullName}" has no definition`);
        const planned = this.state.withoutCtes(() => this.planQuery(item.viewQuery!, topFrame()));
        const names = item.viewColumns ?? item.desc?.columns.map((c) => c.name) ?? [];
        return { rel: planned.rel, columns: planned.columns.map((c, i) => ({ ...c, name: names[i] ?? c.name })) };
      }
      case 'system-table':
        if (item.systemPlan) {
          const rel = item.systemPlan();
          return { rel, columns: item.desc?.columns ?? describe(rel).columns };
        }
        break;
      case 'index':
      case 'secret':
      case 'connection':
      case 'type':
        throw new SqlError(SqlState.wrongObjectType, `"${fullName}" is not a relation`, { position: pos + 1 });
      default:
        break;
    }
    if (!item.desc) throw new SqlError(SqlState.wrongObjectType, `"${fullName}" is not a relation`, { position: pos + 1 });
    return { rel: { op: 'get', id: item.id, desc: item.desc }, columns: item.desc.columns };
  }

  private functionItem(ref: Extract<ast.TableRef, { kind: 'function' }>, frame: Frame, acc: FromItem): FromItem {
    const call = ref.call;
    const name = call.name.parts[call.name.parts.length - 1]!;
    const ec: ExprCtx = {
      rel: acc.rel,
      scope: { levels: [acc.items, ...frame.levels] },
      frame,
      clause: 'functions in FROM',
      allowTableFunctions: false,
    };
    if (!isTableFunction(name) && !ref.withOrdinality) return this.scalarFunctionItem(ref, name, ec, acc);
    const args = call.args.map((a) => this.exprs.plan(a, ec));
    const resolved = withPosition(call.pos, () => resolveTableFunction(name, args.map((a) => a.type), this.exprs.session()));
    const castArgs = args.map((a, i) => coerce(this.state, a, resolved.argTypes[i] ?? a.type, 'implicit', call.pos));
    const func = ref.withOrdinality ? withOrdinality(resolved.func) : resolved.func;
    const first = arity(ec.rel);
    const rel: RelExpr = { op: 'flatMap', input: ec.rel, func, args: castArgs };
    const alias = ref.alias;
    let defaults = func.columns.map((c) => c.name);
    const ownCount = resolved.func.columns.length;
    // A function returning a scalar names its column after itself, or after the alias (generate_series(1, 3) AS g);
    // one with a named output column (jsonb_array_elements: value) keeps that name.
    if (ownCount === 1 && alias && alias.columns.length === 0 && defaults[0] === name) defaults[0] = alias.name;
    defaults = this.renameColumns(defaults, alias?.columns ?? [], alias?.name ?? name, ref.pos);
    const table = [alias?.name ?? name];
    const items = this.itemsFor(table, defaults, func.columns, first, ref.pos, acc);
    // Every one-column table function here returns a base type (PostgreSQL: a single OUT parameter).
    if (ownCount === 1 && !ref.withOrdinality) items[0]!.scalarFunctionValue = true;
    return { rel, items: [...acc.items, ...items] };
  }

  /** A scalar function in FROM (SELECT * FROM upper('x')) is a one-column relation of one row per input row. */
  private scalarFunctionItem(ref: Extract<ast.TableRef, { kind: 'function' }>, name: string, ec: ExprCtx, acc: FromItem): FromItem {
    const value = resolveUnknown(this.state, this.exprs.plan(ref.call, ec), ref.call.pos);
    const first = arity(ec.rel);
    const alias = ref.alias;
    const names = this.renameColumns([alias && alias.columns.length === 0 ? alias.name : name], alias?.columns ?? [], alias?.name ?? name, ref.pos);
    const items = this.itemsFor([alias?.name ?? name], names, [column(names[0]!, value.type)], first, ref.pos, acc);
    return { rel: map(ec.rel, [value]), items: [...acc.items, ...items] };
  }

  private joinItem(ref: Extract<ast.TableRef, { kind: 'join' }>, frame: Frame): FromItem {
    const width = frame.width;
    const outerJoin = ref.joinType === 'left' || ref.joinType === 'right' || ref.joinType === 'full';
    const start: FromItem = { rel: frame.outer, items: [] };
    const leftPlanned = this.fromItem(ref.left, frame, start);
    const left: FromItem = outerJoin ? { rel: this.state.bind(leftPlanned.rel), items: leftPlanned.items } : leftPlanned;
    const leftArity = arity(left.rel);
    const lateral = ref.right.kind === 'function' || (ref.right.kind === 'subquery' && ref.right.lateral);
    let inner: FromItem;
    let right: FromItem | undefined;
    if (lateral) {
      if (ref.joinType === 'right' || ref.joinType === 'full') {
        throw new SqlError(SqlState.featureNotSupported, `LATERAL items are not supported on the right of a ${ref.joinType.toUpperCase()} JOIN`, {
          position: ref.right.pos + 1,
        });
      }
      inner = this.fromItem(ref.right, frame, left);
    } else {
      const rightPlanned = this.fromItem(ref.right, frame, start);
      right = outerJoin ? { rel: this.state.bind(rightPlanned.rel), items: rightPlanned.items } : rightPlanned;
      this.checkDuplicateTables(left.items, right.items, ref.right.pos);
      const shift = leftArity - width;
      inner = { rel: joinOnPrefix(left.rel, right.rel, width), items: [...left.items, ...right.items.map((it) => ({ ...it, index: it.index + shift }))] };
    }
    const rightItems = inner.items.slice(left.items.length);
    const innerArity = arity(inner.rel);
    const ec: ExprCtx = {
      rel: inner.rel,
      scope: { levels: [inner.items, ...frame.levels] },
      frame,
      clause: 'JOIN conditions',
      allowTableFunctions: false,
    };
    const usingPairs = this.usingPairs(ref, left.items, rightItems);
    const predicates = usingPairs.map(([l, r]) => this.exprs.operator('=', b.column(l.index, l.type), b.column(r.index, r.type), ref.pos));
    if (ref.on) predicates.push(...b.conjuncts(coerceBool(this.state, this.exprs.plan(ref.on, ec), 'JOIN/ON', ref.on.pos)));
    const joined = project(filter(ec.rel, predicates), range(0, innerArity));
    let rel: RelExpr = joined;
    if (outerJoin) {
      const shared = this.state.bind(joined);
      const parts: RelExpr[] = [shared];
      const rightOwnTypes = columnTypes(shared).slice(leftArity);
      if (ref.joinType === 'left' || ref.joinType === 'full') {
        const matched = distinct(project(shared, range(0, leftArity)));
        const unmatched = semiJoin(left.rel, range(0, leftArity), union([distinct(left.rel), negate(matched)]));
        parts.push(appendNulls(unmatched, rightOwnTypes));
      }
      if ((ref.joinType === 'right' || ref.joinType === 'full') && right) {
        const rightArity = arity(right.rel);
        const matched = distinct(project(shared, [...range(0, width), ...range(leftArity, innerArity)]));
        const unmatched = semiJoin(right.rel, range(0, rightArity), union([distinct(right.rel), negate(matched)]));
        const leftOwnTypes = columnTypes(left.rel).slice(width);
        const padded = appendNulls(unmatched, leftOwnTypes);
        parts.push(project(padded, [...range(0, width), ...range(rightArity, rightArity + leftOwnTypes.length), ...range(width, rightArity)]));
      }
      rel = union(parts);
    }
    if (usingPairs.length === 0) return { rel, items: inner.items };
    const base = arity(rel);
    const merged = usingPairs.map(([l, r]) => {
      const type = withPosition(ref.pos, () => commonType([l.type, r.type], 'JOIN/USING'));
      const lv = coerce(this.state, b.column(l.index, l.type), type, 'implicit', ref.pos);
      const rv = coerce(this.state, b.column(r.index, r.type), type, 'implicit', ref.pos);
      if (ref.joinType === 'full') return b.ifThen(b.isNotNull(lv), lv, rv);
      return ref.joinType === 'right' ? rv : lv;
    });
    const usedIndexes = new Set(usingPairs.flatMap(([l, r]) => [l.index, r.index]));
    const items: ScopeItem[] = [
      ...usingPairs.map(
        ([l], i): ScopeItem => ({ name: l.name, index: base + i, type: merged[i]!.type, ...(ref.usingAlias !== undefined ? { table: [ref.usingAlias] } : {}) }),
      ),
      ...inner.items.map((it) => (usedIndexes.has(it.index) ? { ...it, qualifiedOnly: true } : it)),
    ];
    return { rel: map(rel, merged), items };
  }

  private usingPairs(ref: Extract<ast.TableRef, { kind: 'join' }>, left: ScopeItem[], right: ScopeItem[]): [ScopeItem, ScopeItem][] {
    const visibleLeft = left.filter((i) => !i.qualifiedOnly);
    const visibleRight = right.filter((i) => !i.qualifiedOnly);
    let names: string[] = ref.using ?? [];
    if (ref.natural) {
      names = [...new Set(visibleLeft.map((i) => i.name))].filter((n) => visibleRight.some((r) => r.name === n));
    }
    return names.map((name) => {
      const pick = (items: ScopeItem[], side: string): ScopeItem => {
        const found = items.filter((i) => i.name === name);
        if (found.length === 0) {
          throw new SqlError(SqlState.undefinedColumn, `column "${name}" specified in USING clause does not exist in ${side} table`, {
            position: ref.pos + 1,
          });
        }
        if (found.length > 1) {
          throw new SqlError(SqlState.ambiguousColumn, `common column name "${name}" appears more than once in ${side} table`, {
            position: ref.pos + 1,
          });
        }
        return found[0]!;
      };
      return [pick(visibleLeft, 'left'), pick(visibleRight, 'right')];
    });
  }
}

function literalRow(exprs: ScalarExpr[]): import('../repr/types.js').Row {
  return exprs.map((e) => (e.kind === 'literal' ? e.value : null));
}

/** Adds a trailing int8 ordinality column (WITH ORDINALITY). */
function withOrdinality(func: TableFunc): TableFunc {
  return {
    name: `${func.name}_with_ordinality`,
    columns: [...func.columns, { name: 'ordinality', type: { kind: 'int8' }, nullable: false }],
    eval: function* (args) {
      let i = 0n;
      for (const row of func.eval(args)) {
        i += 1n;
        yield [...row, i];
      }
    },
  };
}
