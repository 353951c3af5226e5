// Which output columns can be NULL: a conservative analysis (true unless
// provably non-null) used for the `nullable` flag of planned outputs.
// describe() cannot be used for this: a union takes its first input's flags.
import type { RelExpr, ScalarExpr } from './mir.js';
import { IS_FALSE, IS_NULL, IS_TRUE } from './builtins.js';

const NEVER_NULL = new Set([IS_NULL, IS_TRUE, IS_FALSE]);

/** x when `cond` is NOT (x IS NULL). */
function guardedNotNull(cond: ScalarExpr): ScalarExpr | undefined {
  if (cond.kind !== 'call' || cond.func.name !== 'not') return undefined;
  const inner = cond.args[0];
  return inner?.kind === 'call' && inner.func === IS_NULL ? inner.args[0] : undefined;
}

function sameColumn(a: ScalarExpr, b: ScalarExpr): boolean {
  return a.kind === 'column' && b.kind === 'column' && a.index === b.index;
}

function scalarNullable(expr: ScalarExpr, columns: boolean[]): boolean {
  switch (expr.kind) {
    case 'column':
      return columns[expr.index] ?? true;
    case 'literal':
      return expr.value === null;
    case 'mzNow':
      return false;
    case 'parameter':
      return true;
    case 'if': {
      // COALESCE lowers to if(NOT x IS NULL, x, ...): that x is not NULL.
      const guarded = guardedNotNull(expr.cond);
      const thenNullable = guarded !== undefined && sameColumn(guarded, expr.then) ? false : scalarNullable(expr.then, columns);
      return thenNullable || scalarNullable(expr.else, columns);
    }
    case 'call':
      if (NEVER_NULL.has(expr.func)) return false;
      if (expr.func.name === 'not' && expr.args.length === 1) return scalarNullable(expr.args[0]!, columns);
      return true;
  }
}

export function columnNullability(rel: RelExpr, locals: Map<string, boolean[]> = new Map()): boolean[] {
  const go = (r: RelExpr): boolean[] => columnNullability(r, locals);
  switch (rel.op) {
    case 'get':
      return rel.desc.columns.map((c) => c.nullable);
    case 'getLocal':
      return locals.get(rel.name) ?? rel.desc.columns.map(() => true);
    case 'constant':
      return rel.desc.columns.map((_c, i) => rel.rows.some(([row]) => row[i] === null || row[i] === undefined));
    case 'let': {
      const inner = new Map(locals);
      inner.set(rel.name, go(rel.value));
      return columnNullability(rel.body, inner);
    }
    case 'map': {
      const columns = [...go(rel.input)];
      for (const s of rel.scalars) columns.push(scalarNullable(s, columns));
      return columns;
    }
    case 'filter':
    case 'distinct':
    case 'negate':
    case 'threshold':
    case 'topK':
      return go(rel.input);
    case 'project': {
      const input = go(rel.input);
      return rel.outputs.map((i) => input[i] ?? true);
    }
    case 'flatMap':
      return [...go(rel.input), ...rel.func.columns.map((c) => c.nullable)];
    case 'join':
      return rel.inputs.flatMap(go);
    case 'reduce': {
      const input = go(rel.input);
      return [...rel.groupKey.map((k) => scalarNullable(k, input)), ...rel.aggregates.map((a) => a.func !== 'count')];
    }
    case 'union': {
      const inputs = rel.inputs.map(go);
      return inputs[0]!.map((_n, i) => inputs.some((cols) => cols[i] ?? true));
    }
  }
}
