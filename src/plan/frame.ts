// The shapes shared by relational and scalar planning.
//
// Decorrelation (Materialize's approach): every query is planned relative to
// an outer relation holding the distinct bindings of the enclosing query's
// columns it refers to. A planned query's relation starts with those `width`
// binding columns, followed by its own. At the top level the outer relation
// is the unit relation (one row, no columns), so nothing changes there.
import type { RelExpr, ScalarExpr } from './mir.js';
import type { Scope, ScopeItem } from './scope.js';

export interface Frame {
  /** The outer relation: distinct bindings of the enclosing query's columns (UNIT at the top level). */
  outer: RelExpr;
  width: number;
  /** Scopes of the enclosing queries; their items index the outer relation's columns. */
  levels: ScopeItem[][];
  /** Outer columns this query (or anything nested in it) refers to. */
  used: Set<number>;
}

/** After GROUP BY: what grouped expressions and aggregate calls have become. */
export interface Grouping {
  /** Key of a GROUP BY expression (see astKey) -> its column after the reduce. */
  keys: Map<string, ScalarExpr>;
  /** Key of an aggregate call -> its value after the reduce. */
  aggregates: Map<string, ScalarExpr>;
}

export interface ExprCtx {
  /** The relation expressions are evaluated over; subqueries and set-returning functions append columns to it. */
  rel: RelExpr;
  scope: Scope;
  frame: Frame;
  grouping?: Grouping;
  /** Clause name for error messages: 'WHERE', 'JOIN conditions', 'VALUES', ... */
  clause: string;
  /** Set-returning functions are allowed (SELECT list without aggregates). */
  allowTableFunctions: boolean;
  /** Key of a window function call (see astKey) -> its column, once computed for the SELECT list. */
  windows?: Map<string, ScalarExpr>;
}

/** Structural key of an AST expression, positions ignored: GROUP BY matching and aggregate de-duplication. */
export function astKey(node: unknown): string {
  return JSON.stringify(node, (k, v: unknown) => (k === 'pos' || k.endsWith('Pos') ? undefined : v));
}
