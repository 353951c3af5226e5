// EXPLAIN: the plan of a query, view, materialized view or index, as text in
// one column named like Materialize's ('Optimized Plan', 'Raw Plan', ...).
import type { ExplainStatement } from '../sql/ast.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { explainPlan as explainPlanText, planQuery } from '../plan/planner.js';
import type { GlobalId, RelExpr } from '../plan/mir.js';
import { DATABASE_NAME } from '../catalog/objects.js';
import { systemRelationById } from './system/registry.js';
import { optimize } from '../optimize/optimizer.js';
import type { ExecuteResult } from './api.js';
import { planContextFor, type ExecContext } from './exec-context.js';
import { maintainedPlan, planSelect } from './query.js';
import { resolveItem } from './item-planning.js';
import { catalogIndexes, explainLookups, findLookups } from './lookup.js';

export const EXPLAIN_COLUMN: Record<ExplainStatement['stage'], string> = {
  raw: 'Raw Plan',
  decorrelated: 'Decorrelated Plan',
  optimized: 'Optimized Plan',
  physical: 'Physical Plan',
};

/** A collection's qualified name for EXPLAIN (Materialize names them, not their ids). */
function collectionName(exec: ExecContext, id: GlobalId): string | undefined {
  const item = exec.core.catalog.get(id);
  const named = item ?? systemRelationById(id);
  return named === undefined ? undefined : `${DATABASE_NAME}.${named.schema}.${named.name}`;
}

export function explain(exec: ExecContext, stmt: ExplainStatement): ExecuteResult {
  const optimizeIt = stmt.stage !== 'raw' && stmt.stage !== 'decorrelated';
  const explainPlan = (plan: RelExpr): string => explainPlanText(plan, (id) => collectionName(exec, id));
  let text: string;
  const target = stmt.target;
  if (target.kind === 'statement') {
    const inner = target.statement;
    if (inner.kind === 'select') {
      const planned = planSelect(exec, inner.query, [], true);
      if (optimizeIt) {
        // A read constrained to index keys is a lookup (Materialize's fast path).
        const plan = optimize(planned.plan);
        text = explainLookups(findLookups(plan, catalogIndexes(exec.core.catalog.allItems())), (id) => collectionName(exec, id));
      } else text = explainPlan(planned.plan);
    } else if (inner.kind === 'createView') {
      const planned = planQuery(inner.query, planContextFor(exec, []));
      text = explainPlan(optimizeIt ? maintainedPlan(planned) : planned.plan);
    } else {
      const on = resolveItem(exec, inner.on);
      text = explainPlan({ op: 'get', id: on.id, desc: on.desc ?? { columns: [] } });
    }
  } else {
    const item = resolveItem(exec, target.name);
    if (item.plan) text = explainPlan(item.plan);
    else if (item.view) text = explainPlan(maintainedPlan(planQuery(item.view.query, planContextFor(exec, []))));
    else throw new SqlError(SqlState.wrongObjectType, `cannot EXPLAIN ${target.objectType.toUpperCase()} "${item.name}"`);
  }
  return { kind: 'rows', columns: [{ name: EXPLAIN_COLUMN[stmt.stage], type: { kind: 'text' } }], rows: [[text]], tag: 'EXPLAIN' };
}
