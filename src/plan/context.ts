// What the planner needs from the outside world: name resolution against the
// catalog and the session's settings. The adapter implements it; the planner
// never touches the catalog directly, which keeps planning a pure function.

import type { RelationDesc, SqlType } from '../repr/types.js';
import type { GlobalId, RelExpr } from './mir.js';
import type { Expr, Query } from '../sql/ast.js';

export type CatalogItemKind =
  | 'table'
  | 'source'
  | 'subsource' // progress subsource
  | 'view'
  | 'materialized-view'
  | 'index'
  | 'secret'
  | 'connection'
  | 'type' // CREATE TYPE: names a type, not a relation
  | 'system-table'; // mz_catalog / mz_internal / pg_catalog / information_schema relations

export interface CatalogItemRef {
  id: GlobalId;
  kind: CatalogItemKind;
  /** Fully qualified name: database, schema, item. */
  name: { database: string; schema: string; item: string };
  /** Relation schema for relation-like items. */
  desc?: RelationDesc;
  /** For views: the definition, which the planner inlines (views are not materialized). */
  viewQuery?: Query;
  /** Column names given in CREATE VIEW v (a, b) AS ... */
  viewColumns?: string[];
  /** A table fed by a source (CREATE TABLE ... FROM SOURCE): read-only. */
  fedBySource?: boolean;
  /** For tables: each column's DEFAULT expression (undefined: no default, i.e. NULL), in column order. */
  columnDefaults?: (Expr | undefined)[];
  /** For system tables: the plan computing the rows (usually a constant built at read time). */
  systemPlan?: () => RelExpr;
  /** OID used in pg_catalog and RowDescription. */
  oid: number;
}

export interface PlanContext {
  /**
   * Resolves a possibly qualified relation name through the search path
   * (public, mz_catalog, mz_internal, pg_catalog, information_schema).
   * Returns undefined when it does not exist.
   */
  resolveRelation(parts: string[]): CatalogItemRef | undefined;
  /** Whether the relation with this oid is found by its bare name on the search_path (pg_table_is_visible); all are when absent. */
  relationVisible?(oid: number): boolean;
  /** A relation's name as regclass output shows it (qualified when not visible); undefined for an unknown oid. */
  relationName?(oid: number): string | undefined;
  /** pg_get_indexdef: an index's definition (column 0) or its nth key; undefined if the oid is no index. */
  indexDefinition?(oid: number, column: number): string | undefined;
  /** pg_get_viewdef: a view's query; undefined if the oid is no view. */
  viewDefinition?(oid: number): string | undefined;
  /** An index's oid by its possibly qualified name (regclass input names indexes too); undefined if none. */
  indexOid?(parts: string[]): number | undefined;
  /** Types supplied for $1..$n (null = infer). Planning fills in inferred types. */
  paramTypes: (SqlType | null)[];
  /** Session time zone (for timestamptz text and AT TIME ZONE); e.g. 'UTC'. */
  timeZone: string;
  /** Session settings visible to current_setting(). */
  settings: Map<string, string>;
  currentUser: string;
  currentDatabase: string;
}
