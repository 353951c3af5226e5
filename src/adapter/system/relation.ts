// A system relation: a fixed schema and a function that builds its rows from
// the catalog and runtime state at read time.
import type { Column, Datum, RelationDesc, Row, SqlType } from '../../repr/types.js';
import type { Catalog } from '../../catalog/catalog.js';
import type { SourceStatistics, SourceStatusUpdate } from '../../storage/api.js';
import type { GlobalId } from '../../plan/mir.js';

/** What system relations read: the catalog and the live state of sources and the session. */
export interface SystemState {
  catalog: Catalog;
  sourceStatus(id: GlobalId): SourceStatusUpdate | undefined;
  sourceStatistics(id: GlobalId): SourceStatistics | undefined;
  /** The reading session's settings (pg_settings). */
  settings: [string, string, string][];
  currentUser: string;
}

export interface SystemRelation {
  schema: string;
  name: string;
  desc: RelationDesc;
  rows(state: SystemState): Row[];
}

export type ColumnSpec = [name: string, type: SqlType, nullable?: boolean];

export function relation(schema: string, name: string, columns: ColumnSpec[], rows: (state: SystemState) => Datum[][]): SystemRelation {
  const cols: Column[] = columns.map(([n, type, nullable]) => ({ name: n, type, nullable: nullable ?? true }));
  return { schema, name, desc: { columns: cols }, rows };
}
