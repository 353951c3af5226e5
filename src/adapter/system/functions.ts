// Catalog information functions psql and drivers call in their introspection
// queries (pg_table_is_visible, pg_get_userbyid, format_type, ...). They are
// registered with expr's overload registry once, unless expr defines them.
// Freshet has one database, one user-visible owner and no hidden relations,
// so most of them have constant answers.
import type { Datum, SqlType } from '../../repr/types.js';
import { define, hasOverloads, type Overload } from '../../expr/registry.js';
import { typeFromOid, typeName } from '../../repr/pgtypes.js';

const OID: SqlType = { kind: 'oid' };
const TEXT: SqlType = { kind: 'text' };
const NAME: SqlType = { kind: 'name' };
const BOOL: SqlType = { kind: 'bool' };
const INT4: SqlType = { kind: 'int4' };
const INT8: SqlType = { kind: 'int8' };

/** format_type(type_oid, typmod): the SQL name of a type with its modifier applied. */
function formatType(args: Datum[]): Datum {
  const oid = args[0];
  if (oid === null || oid === undefined) return null;
  const base = typeFromOid(oid as number);
  if (!base) return '???';
  const typmod = typeof args[1] === 'number' ? args[1] : -1;
  let type: SqlType = base;
  if (typmod >= 0) {
    if (base.kind === 'varchar' || base.kind === 'bpchar') type = { kind: base.kind, length: typmod - 4 };
    else if (base.kind === 'numeric') type = { kind: 'numeric', precision: ((typmod - 4) >> 16) & 0xffff, scale: (typmod - 4) & 0xffff };
    else if (base.kind === 'timestamp' || base.kind === 'timestamptz' || base.kind === 'time') type = { kind: base.kind, precision: typmod };
  }
  return typeName(type);
}

/** pg_size_pretty: bytes, then kB, MB, GB, TB once the value reaches 10 240 of the smaller unit (PostgreSQL's rule). */
function sizePretty(bytes: bigint): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  const negative = value < 0n;
  if (negative) value = -value;
  while (unit < units.length - 1 && value >= 10240n) {
    // Round half up, as PostgreSQL does when dividing by 1024.
    value = (value + 512n) / 1024n;
    unit++;
  }
  return `${negative ? '-' : ''}${value} ${units[unit]}`;
}

const FUNCTIONS: [string, Overload[]][] = [
  [
    'pg_table_is_visible',
    [{ name: 'pg_table_is_visible', params: [OID], returns: BOOL, build: (_args, _ret, session) => (a) => session.relationVisible?.(a[0] as number) ?? true }],
  ],
  ['pg_type_is_visible', [{ name: 'pg_type_is_visible', params: [OID], returns: BOOL, eval: () => true }]],
  ['pg_function_is_visible', [{ name: 'pg_function_is_visible', params: [OID], returns: BOOL, eval: () => true }]],
  ['pg_get_userbyid', [{ name: 'pg_get_userbyid', params: [OID], returns: NAME, eval: () => 'materialize' }]],
  ['format_type', [{ name: 'format_type', params: [OID, INT4], returns: TEXT, strict: false, eval: formatType }]],
  [
    'pg_get_expr',
    [
      { name: 'pg_get_expr', params: [TEXT, OID], returns: TEXT, eval: (a) => a[0] ?? null },
      { name: 'pg_get_expr', params: [TEXT, OID, BOOL], returns: TEXT, eval: (a) => a[0] ?? null },
    ],
  ],
  ['pg_encoding_to_char', [{ name: 'pg_encoding_to_char', params: [INT4], returns: NAME, eval: (a) => (a[0] === 6 ? 'UTF8' : '') }]],
  [
    'obj_description',
    [
      { name: 'obj_description', params: [OID], returns: TEXT, strict: false, eval: () => null },
      { name: 'obj_description', params: [OID, TEXT], returns: TEXT, strict: false, eval: () => null },
    ],
  ],
  ['col_description', [{ name: 'col_description', params: [OID, INT4], returns: TEXT, strict: false, eval: () => null }]],
  ['shobj_description', [{ name: 'shobj_description', params: [OID, TEXT], returns: TEXT, strict: false, eval: () => null }]],
  [
    'pg_get_constraintdef',
    [
      { name: 'pg_get_constraintdef', params: [OID], returns: TEXT, strict: false, eval: () => null },
      { name: 'pg_get_constraintdef', params: [OID, BOOL], returns: TEXT, strict: false, eval: () => null },
    ],
  ],
  [
    'pg_get_indexdef',
    [
      { name: 'pg_get_indexdef', params: [OID], returns: TEXT, build: (_args, _ret, session) => (a) => session.indexDefinition?.(a[0] as number, 0) ?? null },
      {
        name: 'pg_get_indexdef',
        params: [OID, INT4, BOOL],
        returns: TEXT,
        build: (_args, _ret, session) => (a) => session.indexDefinition?.(a[0] as number, a[1] as number) ?? null,
      },
    ],
  ],
  [
    'pg_get_viewdef',
    [
      { name: 'pg_get_viewdef', params: [OID], returns: TEXT, build: (_args, _ret, session) => (a) => session.viewDefinition?.(a[0] as number) ?? null },
      { name: 'pg_get_viewdef', params: [OID, BOOL], returns: TEXT, build: (_args, _ret, session) => (a) => session.viewDefinition?.(a[0] as number) ?? null },
    ],
  ],
  ['pg_get_function_result', [{ name: 'pg_get_function_result', params: [OID], returns: TEXT, strict: false, eval: () => null }]],
  ['pg_get_function_arguments', [{ name: 'pg_get_function_arguments', params: [OID], returns: TEXT, strict: false, eval: () => null }]],
  // Every session may use every object (there is no privilege system yet).
  [
    'has_database_privilege',
    [
      { name: 'has_database_privilege', params: [TEXT, TEXT], returns: BOOL, eval: () => true },
      { name: 'has_database_privilege', params: [TEXT, TEXT, TEXT], returns: BOOL, eval: () => true },
    ],
  ],
  [
    'has_table_privilege',
    [
      { name: 'has_table_privilege', params: [TEXT, TEXT], returns: BOOL, eval: () => true },
      { name: 'has_table_privilege', params: [TEXT, TEXT, TEXT], returns: BOOL, eval: () => true },
    ],
  ],
  ['has_schema_privilege', [{ name: 'has_schema_privilege', params: [TEXT, TEXT], returns: BOOL, eval: () => true }]],
  ['pg_tablespace_location', [{ name: 'pg_tablespace_location', params: [OID], returns: TEXT, eval: () => '' }]],
  // Sizes on disk are not tracked per relation.
  ['pg_table_size', [{ name: 'pg_table_size', params: [OID], returns: INT8, eval: () => 0n }]],
  ['pg_relation_size', [{ name: 'pg_relation_size', params: [OID], returns: INT8, eval: () => 0n }]],
  ['pg_database_size', [{ name: 'pg_database_size', params: [TEXT], returns: INT8, eval: () => 0n }, { name: 'pg_database_size', params: [OID], returns: INT8, eval: () => 0n }]],
  ['pg_total_relation_size', [{ name: 'pg_total_relation_size', params: [OID], returns: INT8, eval: () => 0n }]],
  ['pg_size_pretty', [{ name: 'pg_size_pretty', params: [INT8], returns: TEXT, eval: (a) => sizePretty(a[0] as bigint) }]],
];

let registered = false;

export function registerCatalogFunctions(): void {
  if (registered) return;
  registered = true;
  for (const [key, overloads] of FUNCTIONS) if (!hasOverloads(key)) define(key, ...overloads);
}
