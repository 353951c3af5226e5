// Rewrites the relation names of a view's query to fully qualified ones, as
// resolved when the view is created, so that inlining the view later does not
// depend on the reading session's search_path. CTE names stay as written.
import type { ObjectName, Query } from '../sql/ast.js';

export type QualifyName = (parts: string[]) => string[] | undefined;

function isObjectName(value: unknown): value is ObjectName {
  return typeof value === 'object' && value !== null && Array.isArray((value as ObjectName).parts);
}

function walk(node: unknown, scopes: Set<string>[], qualify: QualifyName): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, scopes, qualify);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const obj = node as Record<string, unknown>;
  if (obj.kind === 'query') {
    const query = obj as unknown as Query;
    // All CTE names of this WITH are in scope in its body (and, for simplicity, in every CTE).
    const inner = [...scopes, new Set(query.with.map((c) => c.name))];
    for (const cte of query.with) walk(cte.query, inner, qualify);
    walk(query.body, inner, qualify);
    walk(query.orderBy, inner, qualify);
    walk(query.limit, inner, qualify);
    walk(query.offset, inner, qualify);
    return;
  }
  // TableRef { kind: 'table', name } and TableBody (TABLE t) { kind: 'table', name }.
  if (obj.kind === 'table' && isObjectName(obj.name)) {
    const parts = obj.name.parts;
    const isCte = parts.length === 1 && scopes.some((s) => s.has(parts[0]!));
    if (!isCte) {
      const qualified = qualify(parts);
      if (qualified) obj.name = { ...obj.name, parts: qualified };
    }
    return;
  }
  for (const value of Object.values(obj)) walk(value, scopes, qualify);
}

/** A copy of `query` with every catalog relation name fully qualified. */
export function qualifyQuery(query: Query, qualify: QualifyName): Query {
  const copy = structuredClone(query);
  walk(copy, [], qualify);
  return copy;
}
