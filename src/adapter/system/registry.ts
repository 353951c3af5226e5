// All system relations, addressable by schema and name, as CatalogItemRefs
// whose plan is a constant built from the current state when planned.
import type { CatalogItemRef } from '../../plan/context.js';
import type { RelExpr } from '../../plan/mir.js';
import type { Row } from '../../repr/types.js';
import { INFORMATION_SCHEMA_RELATIONS, PG_CATALOG_RELATIONS } from './pg-catalog.js';
import { MZ_CATALOG_RELATIONS, MZ_INTERNAL_RELATIONS } from './mz-catalog.js';
import type { SystemRelation, SystemState } from './relation.js';
import { DATABASE_NAME } from '../../catalog/objects.js';

const FIRST_SYSTEM_OID = 17000;

const ALL: SystemRelation[] = [...MZ_CATALOG_RELATIONS, ...MZ_INTERNAL_RELATIONS, ...PG_CATALOG_RELATIONS, ...INFORMATION_SCHEMA_RELATIONS];
const BY_NAME = new Map(ALL.map((r, i) => [`${r.schema}.${r.name}`, { relation: r, index: i }]));

export function systemRelationNames(schema: string): string[] {
  return ALL.filter((r) => r.schema === schema).map((r) => r.name);
}

export function systemRelationRef(schema: string, name: string, state: SystemState): CatalogItemRef | undefined {
  const entry = BY_NAME.get(`${schema}.${name}`);
  if (!entry) return undefined;
  const { relation } = entry;
  return {
    id: `s${entry.index + 100}`,
    kind: 'system-table',
    name: { database: DATABASE_NAME, schema, item: name },
    desc: relation.desc,
    oid: FIRST_SYSTEM_OID + entry.index,
    systemPlan: (): RelExpr => ({ op: 'constant', rows: relation.rows(state).map((row): [Row, number] => [row, 1]), desc: relation.desc }),
  };
}


/** The schema and name of the system relation with this global id (s100, ...). */
export function systemRelationById(id: string): { schema: string; name: string } | undefined {
  const relation = /^s\d+$/.test(id) ? ALL[Number(id.slice(1)) - 100] : undefined;
  return relation === undefined ? undefined : { schema: relation.schema, name: relation.name };
}

/** The schema and name of the system relation with this OID. */
export function systemRelationByOid(oid: number): { schema: string; name: string } | undefined {
  const relation = ALL[oid - FIRST_SYSTEM_OID];
  return relation === undefined ? undefined : { schema: relation.schema, name: relation.name };
}
