// Index keys: column names, or expressions over the indexed relation's
// columns (CREATE INDEX ON t (lower(name))). Expressions are planned as
// `SELECT <keys> FROM <relation>` and read back from the plan's map.
import type { CreateIndexStatement, Expr, Query } from '../sql/ast.js';
import type { RelationDesc } from '../repr/types.js';
import type { RelExpr, ScalarExpr } from '../plan/mir.js';
import { planQuery } from '../plan/planner.js';
import { optimize } from '../optimize/optimizer.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { DATABASE_NAME, type CatalogItem } from '../catalog/objects.js';
import { planContextFor, type ExecContext } from './exec-context.js';

export interface IndexKeys {
  keys: ScalarExpr[];
  /** How SHOW INDEXES prints each key: the column name or the expression's text. */
  keyNames: string[];
}

/** Where the statement's text is, to recover each key expression as written. */
export interface StatementSource {
  text: string;
  /** Offset of `text` in the query string that AST positions count from. */
  offset: number;
}

const INDEXED_RELATION = '__indexed_relation';

export function planIndexKeys(exec: ExecContext, on: CatalogItem, stmt: CreateIndexStatement, source: StatementSource): IndexKeys {
  const desc = on.desc!;
  if (stmt.isDefault || stmt.keys.length === 0) {
    const columns = desc.keys?.[0] ?? desc.columns.map((_c, i) => i);
    return { keys: columns.map((i) => columnKey(desc, i)), keyNames: columns.map((i) => desc.columns[i]!.name) };
  }
  const simple = stmt.keys.map((key) => (key.kind === 'identifier' && key.parts.length === 1 ? desc.columns.findIndex((c) => c.name === key.parts[0]) : -1));
  if (simple.every((i) => i >= 0)) return { keys: simple.map((i) => columnKey(desc, i)), keyNames: simple.map((i) => desc.columns[i]!.name) };
  return { keys: expressionKeys(exec, on, stmt.keys), keyNames: stmt.keys.map((k) => keyText(k, source)) };
}

function columnKey(desc: RelationDesc, index: number): ScalarExpr {
  return { kind: 'column', index, type: desc.columns[index]!.type };
}

function expressionKeys(exec: ExecContext, on: CatalogItem, keys: Expr[]): ScalarExpr[] {
  const desc = on.desc!;
  const ctx = planContextFor(exec, []);
  const resolve = ctx.resolveRelation;
  // The relation is read as a plain collection, so the plan is a map over `get`.
  ctx.resolveRelation = (parts) =>
    parts.length === 1 && parts[0] === INDEXED_RELATION
      ? { id: on.id, kind: 'table', name: { database: DATABASE_NAME, schema: on.schema, item: on.name }, desc, oid: on.oid }
      : resolve(parts);
  const query: Query = {
    kind: 'query',
    pos: keys[0]!.pos,
    with: [],
    orderBy: [],
    body: {
      kind: 'select',
      pos: keys[0]!.pos,
      projection: keys.map((expr) => ({ kind: 'expr', expr, pos: expr.pos })),
      from: [{ kind: 'table', name: { parts: [INDEXED_RELATION], pos: keys[0]!.pos }, pos: keys[0]!.pos }],
      groupBy: [],
    },
  };
  const planned = planQuery(query, ctx);
  const extracted = keysFromPlan(optimize(planned.plan), desc.columns.length, on.id);
  if (!extracted) throw new SqlError(SqlState.featureNotSupported, 'index key expressions must be computed from one row of the indexed relation');
  return planned.finishing.project.map((i) => extracted[i]!);
}

/** Reads [columns..., mapped scalars...] back from project(map(get)) shapes; undefined for anything else. */
function keysFromPlan(plan: RelExpr, width: number, id: string): ScalarExpr[] | undefined {
  let node = plan;
  let outputs: number[] | undefined;
  if (node.op === 'project') {
    outputs = node.outputs;
    node = node.input;
  }
  let scalars: ScalarExpr[] = [];
  if (node.op === 'map') {
    scalars = node.scalars;
    node = node.input;
  }
  if (node.op !== 'get' || node.id !== id) return undefined;
  const all: ScalarExpr[] = [...node.desc.columns.map((c, i): ScalarExpr => ({ kind: 'column', index: i, type: c.type })), ...scalars];
  if (scalars.some((s) => refersAtOrAbove(s, width))) return undefined;
  return (outputs ?? all.map((_s, i) => i)).map((i) => all[i]!);
}

function refersAtOrAbove(expr: ScalarExpr, width: number): boolean {
  switch (expr.kind) {
    case 'column':
      return expr.index >= width;
    case 'call':
      return expr.args.some((a) => refersAtOrAbove(a, width));
    case 'if':
      return refersAtOrAbove(expr.cond, width) || refersAtOrAbove(expr.then, width) || refersAtOrAbove(expr.else, width);
    default:
      return false;
  }
}

/** The key's text as written: from its position to the next top-level ',' or ')'. */
function keyText(key: Expr, source: StatementSource): string {
  const text = source.text;
  let depth = 0;
  let quote: string | undefined;
  const start = key.pos - source.offset;
  let i = start;
  for (; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') {
      if (depth === 0) break;
      depth--;
    } else if (ch === ',' && depth === 0) break;
  }
  return text.slice(start, i).trim();
}
