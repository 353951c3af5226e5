// mz_catalog and mz_internal: Materialize's system catalog, with its column
// names (https://materialize.com/docs/sql/system-catalog/).
import type { KafkaSourceDetails } from '../../storage/kafka/source-plan.js';
import { Jsonb, JsonbObject, type Datum, type JsonbValue, type SqlType } from '../../repr/types.js';
import { typeName, typeOid, typeModifier } from '../../repr/pgtypes.js';
import { DATABASE_NAME, DEFAULT_CLUSTER, kindDisplayName, type CatalogItem } from '../../catalog/objects.js';
import { relation, type SystemRelation, type SystemState } from './relation.js';
import { schemaKey } from '../../catalog/access.js';

const text: SqlType = { kind: 'text' };
const oid: SqlType = { kind: 'oid' };
const bool: SqlType = { kind: 'bool' };
const uint8: SqlType = { kind: 'uint8' };
const timestamptz: SqlType = { kind: 'timestamptz' };
const jsonb: SqlType = { kind: 'jsonb' };

export const DATABASE_ID = 'u1';
export const DATABASE_OID = 16384;
export const OWNER_ID = 'u1';
export const CLUSTER_ID = 'u1';

function schemaId(state: SystemState, item: CatalogItem): string {
  return state.catalog.schema(item.schema)?.id ?? '';
}

function itemsOfKind(state: SystemState, ...kinds: CatalogItem['kind'][]): CatalogItem[] {
  return state.catalog.allItems().filter((i) => kinds.includes(i.kind));
}

/** The id of the role that owns the item (or schema key). */
function ownerOf(state: SystemState, key: string): string {
  return state.catalog.access.owner(key);
}

function clusterOf(item: CatalogItem): string | null {
  return item.kind === 'materialized-view' || item.kind === 'index' || item.kind === 'source' ? CLUSTER_ID : null;
}

/** The type of object as mz_objects and SHOW OBJECTS print it. */
export function objectTypeName(item: CatalogItem): string {
  return item.kind === 'subsource' ? 'source' : kindDisplayName(item.kind);
}

/** A connection's type as Materialize lists it: 'kafka', 'confluent-schema-registry'. */
export function connectionTypeName(item: CatalogItem): string {
  return (item.connection?.connectionType ?? 'kafka').replace(/ /g, '-');
}

export function sourceTypeName(item: CatalogItem): string {
  if (item.kind !== 'subsource') return 'kafka';
  return item.subsourceRole === 'errors' ? 'dead-letter' : 'progress';
}

function jsonbFrom(value: Record<string, unknown> | undefined): Datum {
  if (value === undefined) return null;
  const toJson = (v: unknown): JsonbValue => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'bigint') return String(v);
    if (Array.isArray(v)) return v.map(toJson);
    const entries = Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => [k, toJson(x)] as const)
      .sort(([a], [b]) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
    return new JsonbObject(entries);
  };
  return new Jsonb(toJson(value));
}

function micros(date: Date): bigint {
  return BigInt(date.getTime()) * 1000n;
}

export const MZ_CATALOG_RELATIONS: SystemRelation[] = [
  relation('mz_catalog', 'mz_databases', [['id', text], ['oid', oid], ['name', text], ['owner_id', text]], () => [[DATABASE_ID, DATABASE_OID, DATABASE_NAME, OWNER_ID]]),
  relation(
    'mz_catalog',
    'mz_schemas',
    [['id', text], ['oid', oid], ['database_id', text], ['name', text], ['owner_id', text]],
    (s) => s.catalog.allSchemas().map((sc) => [sc.id, sc.oid, sc.system ? null : DATABASE_ID, sc.name, sc.system ? OWNER_ID : ownerOf(s, schemaKey(sc.id))]),
  ),
  relation(
    'mz_catalog',
    'mz_tables',
    [['id', text], ['oid', oid], ['schema_id', text], ['name', text], ['owner_id', text], ['create_sql', text], ['source_id', text]],
    (s) => itemsOfKind(s, 'table').map((i) => [i.id, i.oid, schemaId(s, i), i.name, ownerOf(s, i.id), i.createSql, null]),
  ),
  relation(
    'mz_catalog',
    'mz_sources',
    [
      ['id', text], ['oid', oid], ['schema_id', text], ['name', text], ['type', text], ['connection_id', text],
      ['size', text], ['envelope_type', text], ['key_format', text], ['value_format', text], ['cluster_id', text], ['owner_id', text], ['create_sql', text],
    ],
    (s) =>
      itemsOfKind(s, 'source', 'subsource').map((i) => {
        const details = i.source?.spec.details as Partial<KafkaSourceDetails> | undefined;
        return [
          i.id, i.oid, schemaId(s, i), i.name, sourceTypeName(i), i.source?.connectionId ?? null,
          null, details?.envelope ?? null, details?.keyFormat?.kind ?? null, details?.valueFormat?.kind ?? null, clusterOf(i), ownerOf(s, i.id), i.kind === 'source' ? i.createSql : null,
        ];
      }),
  ),
  relation(
    'mz_catalog',
    'mz_views',
    [['id', text], ['oid', oid], ['schema_id', text], ['name', text], ['definition', text], ['owner_id', text], ['create_sql', text]],
    (s) => itemsOfKind(s, 'view').map((i) => [i.id, i.oid, schemaId(s, i), i.name, definitionOf(i.createSql), ownerOf(s, i.id), i.createSql]),
  ),
  relation(
    'mz_catalog',
    'mz_materialized_views',
    [['id', text], ['oid', oid], ['schema_id', text], ['name', text], ['cluster_id', text], ['definition', text], ['owner_id', text], ['create_sql', text]],
    (s) => itemsOfKind(s, 'materialized-view').map((i) => [i.id, i.oid, schemaId(s, i), i.name, CLUSTER_ID, definitionOf(i.createSql), ownerOf(s, i.id), i.createSql]),
  ),
  relation(
    'mz_catalog',
    'mz_indexes',
    [['id', text], ['oid', oid], ['name', text], ['on_id', text], ['cluster_id', text], ['owner_id', text], ['create_sql', text]],
    (s) => itemsOfKind(s, 'index').map((i) => [i.id, i.oid, i.name, i.index?.on ?? null, CLUSTER_ID, ownerOf(s, i.id), i.createSql]),
  ),
  relation(
    'mz_catalog',
    'mz_secrets',
    [['id', text], ['oid', oid], ['schema_id', text], ['name', text], ['owner_id', text]],
    (s) => itemsOfKind(s, 'secret').map((i) => [i.id, i.oid, schemaId(s, i), i.name, ownerOf(s, i.id)]),
  ),
  relation(
    'mz_catalog',
    'mz_connections',
    [['id', text], ['oid', oid], ['schema_id', text], ['name', text], ['type', text], ['owner_id', text], ['create_sql', text]],
    (s) => itemsOfKind(s, 'connection').map((i) => [i.id, i.oid, schemaId(s, i), i.name, connectionTypeName(i), ownerOf(s, i.id), i.createSql]),
  ),
  relation(
    'mz_catalog',
    'mz_columns',
    [['id', text], ['name', text], ['position', uint8], ['nullable', bool], ['type', text], ['default', text], ['type_oid', oid], ['type_mod', { kind: 'int4' }]],
    (s) =>
      // Tables, sources and views; an index's columns are its relation's.
      s.catalog.allItems().flatMap((i) =>
        i.kind === 'index'
          ? []
          : (i.desc?.columns ?? []).map((c, pos) => [
              i.id, c.name, BigInt(pos + 1), c.nullable, typeName(c.type), i.table?.defaultTexts?.[pos] ?? null, typeOid(c.type), typeModifier(c.type),
            ]),
      ),
  ),
  relation(
    'mz_catalog',
    'mz_objects',
    [['id', text], ['oid', oid], ['schema_id', text], ['name', text], ['type', text], ['owner_id', text], ['cluster_id', text]],
    (s) => s.catalog.allItems().map((i) => [i.id, i.oid, schemaId(s, i), i.name, objectTypeName(i), ownerOf(s, i.id), clusterOf(i)]),
  ),
  relation('mz_catalog', 'mz_clusters', [['id', text], ['name', text], ['owner_id', text]], () => [[CLUSTER_ID, DEFAULT_CLUSTER, OWNER_ID]]),
  relation(
    'mz_catalog',
    'mz_roles',
    [['id', text], ['oid', oid], ['name', text], ['inherit', bool], ['rolcanlogin', bool], ['rolsuper', bool]],
    (s) => s.catalog.access.allRoles().map((r) => [r.id, r.oid, r.name, r.inherit, r.login, r.superuser]),
  ),
];

/** The query part of CREATE [MATERIALIZED] VIEW ... AS <query>. */
export function definitionOf(createSql: string): string {
  const m = /\bAS\s+([\s\S]*)$/i.exec(createSql);
  return m ? `${m[1]!.trim()};` : createSql;
}

export const MZ_INTERNAL_RELATIONS: SystemRelation[] = [
  relation(
    'mz_internal',
    'mz_source_statuses',
    [['id', text], ['name', text], ['type', text], ['last_status_change_at', timestamptz], ['status', text], ['error', text], ['details', jsonb]],
    (s) =>
      itemsOfKind(s, 'source', 'subsource').map((i) => {
        const st = s.sourceStatus(i.kind === 'subsource' ? i.ownerId! : i.id);
        return [
          i.id, i.name, sourceTypeName(i), st ? micros(st.at) : null,
          i.kind === 'subsource' ? 'running' : (st?.status ?? 'created'),
          i.kind === 'subsource' ? null : (st?.error ?? null),
          i.kind === 'subsource' ? null : jsonbFrom(st?.details),
        ];
      }),
  ),
  relation(
    'mz_internal',
    'mz_source_statistics',
    [
      ['id', text], ['replica_id', text], ['messages_received', uint8], ['bytes_received', uint8], ['updates_staged', uint8],
      ['updates_committed', uint8], ['records_indexed', uint8], ['bytes_indexed', uint8], ['rehydration_latency', { kind: 'interval' }],
      ['snapshot_records_known', uint8], ['snapshot_records_staged', uint8], ['snapshot_committed', bool], ['offset_known', uint8], ['offset_committed', uint8],
    ],
    (s) =>
      itemsOfKind(s, 'source').map((i) => {
        const st = s.sourceStatistics(i.id);
        const n = (v: number | undefined): Datum => BigInt(v ?? 0);
        return [
          i.id, 'r1', n(st?.messagesReceived), n(st?.bytesReceived), n(st?.updatesStaged),
          n(st?.updatesCommitted), n(st?.recordsIndexed), 0n, null,
          null, null, st?.snapshotCommitted ?? false, st?.offsetKnown ?? null, st?.offsetCommitted ?? null,
        ];
      }),
  ),
];
