// pg_catalog and information_schema: enough of PostgreSQL's catalog for
// psql's \d family and for drivers' introspection queries.
import type { Datum, SqlType } from '../../repr/types.js';
import { typeLength, typeModifier, typeName, typeOid } from '../../repr/pgtypes.js';
import { DATABASE_NAME, type CatalogItem } from '../../catalog/objects.js';
import { schemaKey } from '../../catalog/access.js';
import { relation, type SystemRelation, type SystemState } from './relation.js';
import { DATABASE_OID } from './mz-catalog.js';

const text: SqlType = { kind: 'text' };
const name: SqlType = { kind: 'name' };
const oid: SqlType = { kind: 'oid' };
const bool: SqlType = { kind: 'bool' };
const int2: SqlType = { kind: 'int2' };
const int4: SqlType = { kind: 'int4' };
const float4: SqlType = { kind: 'float4' };
const char: SqlType = { kind: 'char' };
const textArray: SqlType = { kind: 'array', element: text };

const OWNER_OID = 16385;
const PG_CATALOG_OID = 11;
const PG_DEFAULT_TABLESPACE = 1663;

/** Base types listed in pg_type, by their internal names. */
const BASE_TYPES: [string, SqlType, string][] = [
  ['bool', { kind: 'bool' }, 'B'],
  ['bytea', { kind: 'bytea' }, 'U'],
  ['char', { kind: 'char' }, 'S'],
  ['name', { kind: 'name' }, 'S'],
  ['int8', { kind: 'int8' }, 'N'],
  ['int2', { kind: 'int2' }, 'N'],
  ['int4', { kind: 'int4' }, 'N'],
  ['regproc', { kind: 'regproc' }, 'N'],
  ['text', { kind: 'text' }, 'S'],
  ['oid', { kind: 'oid' }, 'N'],
  ['float4', { kind: 'float4' }, 'N'],
  ['float8', { kind: 'float8' }, 'N'],
  ['bpchar', { kind: 'bpchar' }, 'S'],
  ['varchar', { kind: 'varchar' }, 'S'],
  ['date', { kind: 'date' }, 'D'],
  ['time', { kind: 'time' }, 'D'],
  ['timestamp', { kind: 'timestamp' }, 'D'],
  ['timestamptz', { kind: 'timestamptz' }, 'D'],
  ['interval', { kind: 'interval' }, 'T'],
  ['numeric', { kind: 'numeric' }, 'N'],
  ['regclass', { kind: 'regclass' }, 'N'],
  ['regtype', { kind: 'regtype' }, 'N'],
  ['uuid', { kind: 'uuid' }, 'U'],
  ['jsonb', { kind: 'jsonb' }, 'U'],
  ['uint2', { kind: 'uint2' }, 'N'],
  ['uint4', { kind: 'uint4' }, 'N'],
  ['uint8', { kind: 'uint8' }, 'N'],
  ['mz_timestamp', { kind: 'mz_timestamp' }, 'U'],
];

function relkind(item: CatalogItem): string | undefined {
  switch (item.kind) {
    case 'table':
    case 'source':
    case 'subsource':
      return 'r';
    case 'view':
      return 'v';
    case 'materialized-view':
      return 'm';
    case 'index':
      return 'i';
    default:
      return undefined;
  }
}

function namespaceOid(state: SystemState, schema: string): number {
  return state.catalog.schema(schema)?.oid ?? 0;
}

/** pg_am's row for indexes (PostgreSQL's btree is 403). */
const ARRANGEMENT_AM_OID = 16390;

function relations(state: SystemState): CatalogItem[] {
  return state.catalog.allItems().filter((i) => relkind(i) !== undefined);
}

export const PG_CATALOG_RELATIONS: SystemRelation[] = [
  relation(
    'pg_catalog',
    'pg_namespace',
    [['oid', oid], ['nspname', name], ['nspowner', oid], ['nspacl', textArray]],
    (s) => s.catalog.allSchemas().map((sc) => [sc.oid, sc.name, sc.system ? OWNER_OID : ownerOid(s, schemaKey(sc.id)), null]),
  ),
  relation(
    'pg_catalog',
    'pg_class',
    [
      ['oid', oid], ['relname', name], ['relnamespace', oid], ['reltype', oid], ['reloftype', oid], ['relowner', oid], ['relam', oid],
      ['relfilenode', oid], ['reltablespace', oid], ['relpages', int4], ['reltuples', float4], ['reltoastrelid', oid], ['relhasindex', bool],
      ['relisshared', bool], ['relpersistence', char], ['relkind', char], ['relnatts', int2], ['relchecks', int2], ['relhasoids', bool],
      ['relhasrules', bool], ['relhastriggers', bool], ['relhassubclass', bool], ['relrowsecurity', bool], ['relforcerowsecurity', bool],
      ['relispopulated', bool], ['relreplident', char], ['relispartition', bool], ['relacl', textArray], ['reloptions', textArray],
    ],
    (s) => {
      const items = relations(s);
      const indexed = new Set(items.filter((i) => i.index).map((i) => i.index!.on));
      return items.map((i) => [
        i.oid, i.name, namespaceOid(s, i.schema), 0, 0, ownerOid(s, i.id), i.index ? ARRANGEMENT_AM_OID : 0,
        0, 0, 0, -1, 0, indexed.has(i.id),
        false, 'p', relkind(i)!, i.desc?.columns.length ?? 0, 0, false,
        false, false, false, false, false,
        true, 'd', false, null, null,
      ]);
    },
  ),
  relation(
    'pg_catalog',
    'pg_attribute',
    [
      ['attrelid', oid], ['attname', name], ['atttypid', oid], ['attstattarget', int4], ['attlen', int2], ['attnum', int2],
      ['attndims', int4], ['atttypmod', int4], ['attnotnull', bool], ['atthasdef', bool], ['attidentity', char], ['attgenerated', char],
      ['attisdropped', bool], ['attcollation', oid], ['attstorage', char], ['attacl', textArray],
    ],
    (s) =>
      relations(s).flatMap((i) =>
        // An index's attributes are its keys (as in PostgreSQL), not the indexed relation's columns.
        (i.index ? i.index.keys.map((k, n) => ({ name: i.index!.keyNames[n] ?? `key${n + 1}`, type: k.type, nullable: true })) : (i.desc?.columns ?? [])).map((c, n) => [
          i.oid, c.name, typeOid(c.type), -1, typeLength(c.type), n + 1,
          c.type.kind === 'array' ? 1 : 0, typeModifier(c.type), !c.nullable, i.table?.defaults[n] !== undefined, '', '',
          // attstorage: 'p' (plain) for fixed-length types, 'x' (extended) for variable-length ones, as PostgreSQL's defaults.
          false, 0, typeLength(c.type) === -1 ? 'x' : 'p', null,
        ]),
      ),
  ),
  relation(
    'pg_catalog',
    'pg_type',
    [
      ['oid', oid], ['typname', name], ['typnamespace', oid], ['typowner', oid], ['typlen', int2], ['typbyval', bool], ['typtype', char],
      ['typcategory', char], ['typispreferred', bool], ['typisdefined', bool], ['typdelim', char], ['typrelid', oid], ['typelem', oid],
      ['typarray', oid], ['typinput', { kind: 'regproc' }], ['typreceive', oid], ['typnotnull', bool], ['typbasetype', oid],
      ['typtypmod', int4], ['typndims', int4], ['typcollation', oid], ['typdefault', text],
    ],
    () =>
      BASE_TYPES.flatMap(([typname, type, category]): Datum[][] => {
        const arrayType: SqlType = { kind: 'array', element: type };
        const base = typeOid(type);
        const arrayOid = typeOid(arrayType);
        const len = typeLength(type);
        const collation = category === 'S' ? 100 : 0;
        return [
          [base, typname, PG_CATALOG_OID, OWNER_OID, len, len > 0 && len <= 8, 'b', category, false, true, ',', 0, 0, arrayOid, 0, 0, false, 0, -1, 0, collation, null],
          [arrayOid, `_${typname}`, PG_CATALOG_OID, OWNER_OID, -1, false, 'b', 'A', false, true, ',', 0, base, 0, 0, 0, false, 0, -1, 0, collation, null],
        ];
      }),
  ),
  relation(
    'pg_catalog',
    'pg_database',
    [
      ['oid', oid], ['datname', name], ['datdba', oid], ['encoding', int4], ['datcollate', text], ['datctype', text],
      ['datistemplate', bool], ['datallowconn', bool], ['datconnlimit', int4], ['dattablespace', oid], ['datacl', textArray],
    ],
    () => [[DATABASE_OID, DATABASE_NAME, OWNER_OID, 6, 'C', 'C', false, true, -1, PG_DEFAULT_TABLESPACE, null]],
  ),
  relation(
    'pg_catalog',
    'pg_index',
    [
      ['indexrelid', oid], ['indrelid', oid], ['indnatts', int2], ['indisunique', bool], ['indisprimary', bool], ['indisexclusion', bool],
      ['indimmediate', bool], ['indisclustered', bool], ['indisvalid', bool], ['indisready', bool], ['indislive', bool], ['indisreplident', bool],
      ['indexprs', text], ['indpred', text],
    ],
    (s) =>
      s.catalog
        .allItems()
        .filter((i) => i.index)
        .map((i) => [i.oid, s.catalog.get(i.index!.on)?.oid ?? 0, i.index!.keys.length, false, false, false, true, false, true, true, true, false, null, null]),
  ),
  relation(
    'pg_catalog',
    'pg_attrdef',
    [['oid', oid], ['adrelid', oid], ['adnum', int2], ['adbin', text], ['adsrc', text]],
    // The expression as written stands in for PostgreSQL's deparsed one (pg_get_expr returns it).
    (s) =>
      relations(s).flatMap((i) =>
        (i.table?.defaultTexts ?? []).flatMap((source, n) => (source === undefined ? [] : [[i.oid * 1000 + n + 1, i.oid, n + 1, source, source]])),
      ),
  ),
  relation('pg_catalog', 'pg_description', [['objoid', oid], ['classoid', oid], ['objsubid', int4], ['description', text]], () => []),
  relation('pg_catalog', 'pg_inherits', [['inhrelid', oid], ['inhparent', oid], ['inhseqno', int4]], () => []),
  relation(
    'pg_catalog',
    'pg_constraint',
    [
      ['oid', oid], ['conname', name], ['connamespace', oid], ['contype', char], ['condeferrable', bool], ['condeferred', bool], ['convalidated', bool],
      ['conrelid', oid], ['conindid', oid], ['confrelid', oid], ['conkey', { kind: 'array', element: int2 }], ['conislocal', bool], ['coninhcount', int4],
    ],
    () => [],
  ),
  // Row security, extended statistics and publications do not exist here: empty, for psql's \\d.
  relation(
    'pg_catalog',
    'pg_policy',
    [['oid', oid], ['polname', name], ['polrelid', oid], ['polcmd', char], ['polpermissive', bool], ['polroles', { kind: 'array', element: oid }], ['polqual', text], ['polwithcheck', text]],
    () => [],
  ),
  relation('pg_catalog', 'pg_trigger', [['oid', oid], ['tgrelid', oid], ['tgname', name], ['tgenabled', char], ['tgisinternal', bool]], () => []),
  relation('pg_catalog', 'pg_collation', [['oid', oid], ['collname', name], ['collnamespace', oid], ['collowner', oid]], () => [[100, 'default', PG_CATALOG_OID, OWNER_OID]]),
  // One index method: the arrangement every index is.
  // No extensions: empty, for psql's \dx.
  relation(
    'pg_catalog',
    'pg_extension',
    [['oid', oid], ['extname', name], ['extowner', oid], ['extnamespace', oid], ['extrelocatable', bool], ['extversion', text]],
    () => [],
  ),
  relation('pg_catalog', 'pg_am', [['oid', oid], ['amname', name], ['amtype', char]], () => [[ARRANGEMENT_AM_OID, 'arrangement', 'i']]),
  relation('pg_catalog', 'pg_tablespace', [['oid', oid], ['spcname', name], ['spcowner', oid]], () => [[PG_DEFAULT_TABLESPACE, 'pg_default', OWNER_OID]]),
  relation(
    'pg_catalog',
    'pg_proc',
    [
      ['oid', oid], ['proname', name], ['pronamespace', oid], ['proowner', oid], ['prorettype', oid], ['proretset', bool], ['prokind', char],
      ['proisagg', bool], ['proiswindow', bool], ['prolang', oid], ['prosrc', text],
    ],
    () => [],
  ),
  relation(
    'pg_catalog',
    'pg_roles',
    [
      ['oid', oid], ['rolname', name], ['rolsuper', bool], ['rolinherit', bool], ['rolcreaterole', bool], ['rolcreatedb', bool],
      ['rolcanlogin', bool], ['rolreplication', bool], ['rolconnlimit', int4], ['rolpassword', text], ['rolbypassrls', bool],
      ['rolvaliduntil', { kind: 'timestamptz' }], ['rolconfig', textArray],
    ],
    // rolpassword is always '********' or NULL, as in PostgreSQL's pg_roles; the verifier itself is never shown.
    (s) => s.catalog.access.allRoles().map((r) => [r.oid, r.name, r.superuser, r.inherit, r.createRole, r.createDb, r.login, false, -1, r.verifier ? '********' : null, r.superuser, null, null]),
  ),
  relation(
    'pg_catalog',
    'pg_authid',
    [
      ['oid', oid], ['rolname', name], ['rolsuper', bool], ['rolinherit', bool], ['rolcreaterole', bool], ['rolcreatedb', bool],
      ['rolcanlogin', bool], ['rolreplication', bool], ['rolbypassrls', bool], ['rolconnlimit', int4], ['rolpassword', text],
      ['rolvaliduntil', { kind: 'timestamptz' }],
    ],
    // Unlike PostgreSQL, rolpassword (the SCRAM verifier) is never shown, even to superusers.
    (s) => s.catalog.access.allRoles().map((r) => [r.oid, r.name, r.superuser, r.inherit, r.createRole, r.createDb, r.login, false, r.superuser, -1, null, null]),
  ),
  relation('pg_catalog', 'pg_auth_members', [['roleid', oid], ['member', oid], ['grantor', oid], ['admin_option', bool]], () => []),
  relation(
    'pg_catalog',
    'pg_settings',
    [['name', text], ['setting', text], ['short_desc', text]],
    (s) => s.settings.map(([n, v, d]) => [n, v, d]),
  ),
];

function ownerOid(state: SystemState, key: string): number {
  return state.catalog.access.roleById(state.catalog.access.owner(key))?.oid ?? OWNER_OID;
}

function tableType(item: CatalogItem): string {
  switch (item.kind) {
    case 'view':
      return 'VIEW';
    case 'materialized-view':
      return 'MATERIALIZED VIEW';
    case 'source':
    case 'subsource':
      return 'SOURCE';
    default:
      return 'BASE TABLE';
  }
}

export const INFORMATION_SCHEMA_RELATIONS: SystemRelation[] = [
  relation(
    'information_schema',
    'schemata',
    [['catalog_name', text], ['schema_name', text], ['schema_owner', text]],
    (s) => s.catalog.allSchemas().map((sc) => [DATABASE_NAME, sc.name, s.currentUser]),
  ),
  relation(
    'information_schema',
    'tables',
    [['table_catalog', text], ['table_schema', text], ['table_name', text], ['table_type', text]],
    (s) =>
      relations(s)
        .filter((i) => i.kind !== 'index')
        .map((i) => [DATABASE_NAME, i.schema, i.name, tableType(i)]),
  ),
  relation(
    'information_schema',
    'columns',
    [
      ['table_catalog', text], ['table_schema', text], ['table_name', text], ['column_name', text], ['ordinal_position', int4],
      ['column_default', text], ['is_nullable', text], ['data_type', text], ['character_maximum_length', int4],
      ['numeric_precision', int4], ['numeric_scale', int4],
    ],
    (s) =>
      relations(s)
        .filter((i) => i.kind !== 'index')
        .flatMap((i) =>
          (i.desc?.columns ?? []).map((c, n) => {
            const t = c.type;
            return [
              DATABASE_NAME, i.schema, i.name, c.name, n + 1,
              null, c.nullable ? 'YES' : 'NO', typeName(t).replace(/\(.*\)$/, ''),
              (t.kind === 'varchar' || t.kind === 'bpchar') && t.length !== undefined ? t.length : null,
              t.kind === 'numeric' ? (t.precision ?? null) : null,
              t.kind === 'numeric' ? (t.scale ?? null) : null,
            ];
          }),
        ),
  ),
];
