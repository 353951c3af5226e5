// Decorrelation of subqueries (Materialize's approach, after Neumann and
// Kemper's "Unnesting Arbitrary Queries"): a subquery is planned against the
// distinct bindings of the enclosing columns it refers to, its result is
// computed once per binding with set operations only (no nested loops, so it
// can be maintained incrementally), and joined back on those columns.
import type { SqlType } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';
import type * as ast from '../sql/ast.js';
import { isAggregate } from '../expr/resolve.js';
import type { RelExpr, ScalarExpr } from './mir.js';
import type { PlanState } from './state.js';
import type { ExprCtx, Frame } from './frame.js';
import type { SubqueryHost } from './expr.js';
import type { ScopeItem } from './scope.js';
import { resolveUnknown } from './coerce.js';
import { collectAggregates } from './aggregates.js';
import type { QueryPlanner } from './query.js';
import * as b from './builtins.js';
import { UNIT, arity, columnTypes, crossJoin, distinct, filter, map, negate, project, range, union } from './rel.js';

export class Decorrelator implements SubqueryHost {
  constructor(
    private readonly state: PlanState,
    private readonly queries: QueryPlanner,
  ) {}

  /**
   * Plans `plan` against the distinct bindings of the columns of `rel` it refers
   * to, and joins the result back onto `rel` on those columns. `plan` gets a
   * frame whose outer relation holds the bindings and returns a relation that
   * starts with them. Returns rel's columns followed by the result's own.
   */
  applyCorrelated(
    rel: RelExpr,
    levels: ScopeItem[][],
    frame: Frame,
    forced: number[],
    plan: (inner: Frame, position: (column: number) => number) => RelExpr,
  ): { rel: RelExpr; first: number } {
    const base = this.state.bind(rel);
    const n = arity(base);
    const attempt = (columns: number[]) => {
      const mark = this.state.mark();
      const positions = new Map(columns.map((c, i) => [c, i]));
      const outer = columns.length === 0 ? UNIT : this.state.bind(distinct(project(base, columns)));
      const innerLevels = levels.map((items) =>
        items.flatMap((it): ScopeItem[] => {
          if (it.ungrouped) return [it];
          const p = positions.get(it.index);
          return p === undefined ? [] : [{ ...it, index: p }];
        }),
      );
      const inner: Frame = { outer, width: columns.length, levels: innerLevels, used: new Set() };
      const result = plan(inner, (c) => positions.get(c)!);
      return { mark, inner, result };
    };
    let tried = attempt(range(0, n));
    const used = [...new Set([...tried.inner.used, ...forced])].sort((x, y) => x - y);
    if (used.length < n) {
      this.state.reset(tried.mark);
      tried = attempt(used);
    }
    for (const c of used) if (c < frame.width) frame.used.add(c);
    const resultArity = arity(tried.result);
    const types = columnTypes(base);
    const joined: RelExpr =
      used.length === 0
        ? crossJoin(base, tried.result)
        : {
            op: 'join',
            inputs: [base, tried.result],
            equivalences: used.map((c, i) => [b.column(c, types[c]!), b.column(n + i, types[c]!)]),
          };
    return { rel: project(joined, [...range(0, n), ...range(n + used.length, n + resultArity)]), first: n };
  }

  /** Runs applyCorrelated for a subquery in an expression and returns its (single) value column. */
  private applyScalar(ec: ExprCtx, forced: number[], plan: (inner: Frame, position: (c: number) => number) => RelExpr): ScalarExpr {
    const applied = this.applyCorrelated(ec.rel, ec.scope.levels, ec.frame, forced, plan);
    ec.rel = applied.rel;
    return b.column(applied.first, columnTypes(applied.rel)[applied.first]!);
  }

  /** For every binding of `outer` missing from `keys` (a subset of it), one row of `values`. */
  private missingBindings(outer: RelExpr, keys: RelExpr, values: ScalarExpr[]): RelExpr {
    return map(union([outer, negate(keys)]), values);
  }

  scalarSubquery(ec: ExprCtx, query: ast.Query, pos: number): ScalarExpr {
    return this.applyScalar(ec, [], (inner) => {
      const planned = this.queries.planQuery(query, inner);
      if (planned.columns.length !== 1) {
        throw new SqlError(SqlState.syntaxError, 'subquery must return only one column', { position: pos + 1 });
      }
      // A global aggregate already yields exactly one row per binding.
      if (isGlobalAggregate(query)) return planned.rel;
      const w = inner.width;
      const type = planned.columns[0]!.type;
      const counted: RelExpr = {
        op: 'reduce',
        input: planned.rel,
        groupKey: range(0, w).map((i) => b.column(i, columnTypes(planned.rel)[i]!)),
        aggregates: [
          { func: 'count', args: [b.TRUE_LITERAL], distinct: false, orderBy: [], type: { kind: 'int8' } },
          // max, not any_value: any single value does, and max is maintained exactly under retractions.
          { func: 'max', args: [b.column(w, type)], distinct: false, orderBy: [], type },
        ],
      };
      const checked = this.state.bind(
        project(
          map(counted, [b.ifThen(b.greaterThanOne(b.column(w, { kind: 'int8' })), b.cardinalityError(type), b.column(w + 1, type))]),
          [...range(0, w), w + 2],
        ),
      );
      return union([checked, this.missingBindings(inner.outer, project(checked, range(0, w)), [b.nullLiteral(type)])]);
    });
  }

  existsSubquery(ec: ExprCtx, query: ast.Query): ScalarExpr {
    return this.applyScalar(ec, [], (inner) => {
      const planned = this.queries.planQuery(query, inner);
      const keys = this.state.bind(distinct(project(planned.rel, range(0, inner.width))));
      return union([map(keys, [b.TRUE_LITERAL]), this.missingBindings(inner.outer, keys, [b.FALSE_LITERAL])]);
    });
  }

  /**
   * x op ANY (subquery), three-valued: true when some comparison is true, else
   * NULL when some is NULL, else false (also for no rows). ALL is NOT ANY (NOT op).
   */
  quantifiedSubquery(ec: ExprCtx, left: ScalarExpr[], op: string, quantifier: 'any' | 'all', query: ast.Query, pos: number): ScalarExpr {
    const operands = left.map((l) => resolveUnknown(this.state, l, pos));
    // Operands become columns of ec.rel (plain column references already are), so that they are bindings.
    const computed = operands.filter((o) => o.kind !== 'column');
    const firstComputed = arity(ec.rel);
    ec.rel = map(ec.rel, computed);
    let next = firstComputed;
    const leftColumns = operands.map((o) => (o.kind === 'column' ? o.index : next++));
    const all = quantifier === 'all';
    return this.applyScalar(ec, leftColumns, (inner, position) => {
      const planned = this.queries.planQuery(query, inner);
      if (planned.columns.length > operands.length) {
        throw new SqlError(SqlState.syntaxError, 'subquery has too many columns', { position: pos + 1 });
      }
      if (planned.columns.length < operands.length) {
        throw new SqlError(SqlState.syntaxError, 'subquery has too few columns', { position: pos + 1 });
      }
      const w = inner.width;
      // Not shared through a let: each use gets its own filter pushed into the subquery's joins.
      const rows = planned.rel;
      const xs = operands.map((o, i) => b.column(position(leftColumns[i]!), o.type));
      const ys = planned.columns.map((c, i) => b.column(w + i, c.type));
      const comparisons = xs.map((x, i) => this.queries.exprs.operator(op, x, ys[i]!, pos));
      if (comparisons.length > 1 && op !== '=' && op !== '<>') {
        throw new SqlError(SqlState.featureNotSupported, `row comparison with ${op} ANY/ALL is not supported`, { position: pos + 1 });
      }
      const comparison = comparisons.length === 1 ? comparisons[0]! : op === '=' ? b.and(comparisons) : b.or(comparisons);
      const test = all ? b.not(comparison) : comparison;
      const bindings = (r: RelExpr) => distinct(project(r, range(0, w)));
      const satisfied = this.state.bind(bindings(filter(rows, [test])));
      const strict = comparison.kind === 'call' && comparison.func.strict;
      // For one strict comparison, NULL exactly when an operand is NULL: two filters the optimizer can push down.
      const nullRows = strict
        ? union([filter(rows, [b.isNull(xs[0]!)]), filter(rows, [b.isNull(ys[0]!)])])
        : filter(rows, [b.isNull(test)]);
      const unknown = this.state.bind(bindings(nullRows));
      const onlyUnknown: RelExpr = { op: 'threshold', input: union([unknown, negate(satisfied)]) };
      const decided = distinct(union([satisfied, unknown]));
      const bool: SqlType = { kind: 'bool' };
      return union([
        map(satisfied, [b.literal(!all, bool)]),
        map(onlyUnknown, [b.nullLiteral(bool)]),
        this.missingBindings(inner.outer, decided, [b.literal(all, bool)]),
      ]);
    });
  }

  /** ARRAY(subquery) / LIST(subquery): the rows' values collected; empty for no rows. */
  collectSubquery(ec: ExprCtx, query: ast.Query, kind: 'array' | 'list', pos: number): ScalarExpr {
    return this.applyScalar(ec, [], (inner) => {
      const planned = this.queries.planOrdered(query, inner);
      if (planned.columns.length !== 1) {
        throw new SqlError(SqlState.syntaxError, 'subquery must return only one column', { position: pos + 1 });
      }
      const w = inner.width;
      const element = planned.columns[0]!.type;
      const relTypes = columnTypes(planned.rel);
      const orderBy = planned.order.map((o) => ({ expr: b.column(o.column, relTypes[o.column]!), desc: o.desc, nullsFirst: o.nullsFirst }));
      const type: SqlType = kind === 'array' ? { kind: 'array', element } : { kind: 'list', element };
      const collected = this.state.bind({
        op: 'reduce',
        input: planned.rel,
        groupKey: range(0, w).map((i) => b.column(i, columnTypes(planned.rel)[i]!)),
        aggregates: [{ func: kind === 'array' ? 'array_agg' : 'list_agg', args: [b.column(w, element)], distinct: false, orderBy, type }],
      });
      const empty = b.call(kind === 'array' ? b.ARRAY_CONSTRUCT : b.LIST_CONSTRUCT, [], type);
      return union([collected, this.missingBindings(inner.outer, project(collected, range(0, w)), [empty])]);
    });
  }
}

/** SELECT with aggregates, without GROUP BY / HAVING / LIMIT / OFFSET: one row per binding. */
function isGlobalAggregate(query: ast.Query): boolean {
  const body = query.body;
  if (body.kind !== 'select' || body.groupBy.length > 0 || body.having || query.limit || query.offset) return false;
  const calls: ast.FunctionCallExpr[] = [];
  for (const item of body.projection) if (item.kind === 'expr') collectAggregates(item.expr, isAggregate, calls);
  return calls.length > 0;
}
