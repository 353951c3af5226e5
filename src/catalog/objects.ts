// What the catalog holds: named objects with ids, OIDs, their original
// CREATE statement and their dependencies. Only `PersistedItem` is written to
// disk; everything else is rebuilt at boot by re-planning `createSql`.
import type { RelationDesc, SqlType } from '../repr/types.js';
import type { GlobalId, RelExpr, ScalarExpr } from '../plan/mir.js';
import type { Expr, Query } from '../sql/ast.js';
import type { KafkaConnectionSpec, KafkaSourceSpec } from '../storage/kafka/plan.js';
import type { CsrConnectionSpec } from '../storage/schema-registry/api.js';
import type { AwsConnectionSpec } from '../storage/aws/connection.js';

export const DATABASE_NAME = 'materialize';
export const DEFAULT_SCHEMA = 'public';
export const DEFAULT_CLUSTER = 'quickstart';

/** Schemas that always exist and hold only system relations. */
export const SYSTEM_SCHEMAS = ['mz_catalog', 'mz_internal', 'pg_catalog', 'information_schema'] as const;

export type ItemKind = 'table' | 'source' | 'subsource' | 'view' | 'materialized-view' | 'index' | 'secret' | 'connection' | 'type';

/** How a kind is named in messages and SHOW output ("materialized view"). */
export function kindDisplayName(kind: ItemKind): string {
  switch (kind) {
    case 'materialized-view':
      return 'materialized view';
    case 'subsource':
      return 'source';
    default:
      return kind;
  }
}

export interface PersistedItem {
  id: GlobalId;
  oid: number;
  kind: ItemKind;
  schema: string;
  name: string;
  /** The statement that recreates the object (secret values redacted). */
  createSql: string;
  dependsOn: GlobalId[];
  /** For a subsource: the source that owns it. */
  ownerId?: GlobalId;
  /** For a subsource: what it shows (absent: the progress subsource). */
  subsourceRole?: 'errors';
  /** The creating session's search_path, so re-planning at boot resolves names the same way. */
  searchPath?: string[];
  /**
   * The creating session's TimeZone when not UTC: a materialized view or
   * index keeps evaluating zone-dependent functions in it after a restart.
   */
  timeZone?: string;
}

export interface PersistedSchema {
  name: string;
  oid: number;
  id: string;
}

export interface PersistedCatalog {
  version: 1;
  nextId: number;
  nextOid: number;
  schemas: PersistedSchema[];
  items: PersistedItem[];
}

export interface TableDetails {
  /** DEFAULT expressions per column (undefined: NULL). */
  defaults: (Expr | undefined)[];
  /** The DEFAULT expressions' source text (pg_attrdef, psql's \d). */
  defaultTexts?: (string | undefined)[];
}

export interface ViewDetails {
  query: Query;
  columns: string[];
}

export interface IndexDetails {
  on: GlobalId;
  /** Key expressions over the indexed relation's columns. */
  keys: ScalarExpr[];
  /** Key expressions as SHOW INDEXES prints them. */
  keyNames: string[];
}

export interface SourceDetails {
  spec: KafkaSourceSpec;
  connectionId: GlobalId;
  /** The progress subsource (none for a table fed by a source). */
  progressId?: GlobalId;
  /** The dead-letter subsource (EXPOSE ERRORS AS name), if any. */
  errorsId?: GlobalId;
  /** For CREATE TABLE ... FROM SOURCE: the source whose topic the table reads. */
  sourceId?: GlobalId;
}

export interface ConnectionDetails {
  connectionType: string;
  kafka?: KafkaConnectionSpec;
  /** CONFLUENT SCHEMA REGISTRY connections. */
  csr?: CsrConnectionSpec;
  /** AWS connections (credentials for Amazon MSK IAM). */
  aws?: AwsConnectionSpec;
}

/** A catalog object in memory. */
export interface CatalogItem extends PersistedItem {
  desc?: RelationDesc;
  table?: TableDetails;
  view?: ViewDetails;
  /** The optimized dataflow of a materialized view. */
  plan?: RelExpr;
  index?: IndexDetails;
  source?: SourceDetails;
  connection?: ConnectionDetails;
  cluster?: string;
  /** CREATE TYPE: the list, map or record type the name stands for. */
  userType?: SqlType;
}

export function toPersisted(item: CatalogItem): PersistedItem {
  const { id, oid, kind, schema, name, createSql, dependsOn, ownerId, subsourceRole, searchPath, timeZone } = item;
  const persisted: PersistedItem = { id, oid, kind, schema, name, createSql, dependsOn };
  if (ownerId !== undefined) persisted.ownerId = ownerId;
  if (subsourceRole !== undefined) persisted.subsourceRole = subsourceRole;
  if (searchPath !== undefined) persisted.searchPath = searchPath;
  if (timeZone !== undefined) persisted.timeZone = timeZone;
  return persisted;
}
