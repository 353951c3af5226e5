// PostgreSQL type catalog facts: OIDs, names, lengths. Materialize's own
// types (list, map, mz_timestamp, uint*) use Materialize's OIDs.
import type { ScalarKind, SqlType } from './types.js';

type CatalogKind = ScalarKind;

interface ScalarInfo {
  oid: number;
  /** OID of the array type, 0 if there is none. */
  arrayOid: number;
  /** typlen: fixed size in bytes, -1 varlena, -2 C string. */
  length: number;
  /** format_type spelling without modifiers. */
  name: string;
}

const SCALARS: Record<CatalogKind, ScalarInfo> = {
  bool: { oid: 16, arrayOid: 1000, length: 1, name: 'boolean' },
  bytea: { oid: 17, arrayOid: 1001, length: -1, name: 'bytea' },
  char: { oid: 18, arrayOid: 1002, length: 1, name: '"char"' },
  name: { oid: 19, arrayOid: 1003, length: 64, name: 'name' },
  int8: { oid: 20, arrayOid: 1016, length: 8, name: 'bigint' },
  int2: { oid: 21, arrayOid: 1005, length: 2, name: 'smallint' },
  int4: { oid: 23, arrayOid: 1007, length: 4, name: 'integer' },
  regproc: { oid: 24, arrayOid: 1008, length: 4, name: 'regproc' },
  text: { oid: 25, arrayOid: 1009, length: -1, name: 'text' },
  oid: { oid: 26, arrayOid: 1028, length: 4, name: 'oid' },
  float4: { oid: 700, arrayOid: 1021, length: 4, name: 'real' },
  float8: { oid: 701, arrayOid: 1022, length: 8, name: 'double precision' },
  unknown: { oid: 705, arrayOid: 0, length: -2, name: 'unknown' },
  bpchar: { oid: 1042, arrayOid: 1014, length: -1, name: 'character' },
  varchar: { oid: 1043, arrayOid: 1015, length: -1, name: 'character varying' },
  date: { oid: 1082, arrayOid: 1182, length: 4, name: 'date' },
  time: { oid: 1083, arrayOid: 1183, length: 8, name: 'time without time zone' },
  timestamp: { oid: 1114, arrayOid: 1115, length: 8, name: 'timestamp without time zone' },
  timestamptz: { oid: 1184, arrayOid: 1185, length: 8, name: 'timestamp with time zone' },
  interval: { oid: 1186, arrayOid: 1187, length: 16, name: 'interval' },
  numeric: { oid: 1700, arrayOid: 1231, length: -1, name: 'numeric' },
  regclass: { oid: 2205, arrayOid: 2210, length: 4, name: 'regclass' },
  regtype: { oid: 2206, arrayOid: 2211, length: 4, name: 'regtype' },
  uuid: { oid: 2950, arrayOid: 2951, length: 16, name: 'uuid' },
  jsonb: { oid: 3802, arrayOid: 3807, length: -1, name: 'jsonb' },
  uint2: { oid: 16460, arrayOid: 16461, length: 2, name: 'uint2' },
  uint4: { oid: 16462, arrayOid: 16463, length: 4, name: 'uint4' },
  uint8: { oid: 16464, arrayOid: 16465, length: 8, name: 'uint8' },
  mz_timestamp: { oid: 16552, arrayOid: 16553, length: 8, name: 'mz_timestamp' },
};

export const RECORD_OID = 2249;
export const RECORD_ARRAY_OID = 2287;
/** Materialize's list and map pseudo-type OIDs. */
export const LIST_OID = 16384;
export const MAP_OID = 16385;

/** The element type of (possibly nested) arrays: int4[][] is int4[] in PostgreSQL. */
function arrayElement(type: SqlType & { kind: 'array' }): Exclude<SqlType, { kind: 'array' }> {
  let element = type.element;
  while (element.kind === 'array') element = element.element;
  return element;
}

/** The type's OID as PostgreSQL/Materialize report it (int4 23, text 25, int4[] 1007, ...). */
export function typeOid(type: SqlType): number {
  switch (type.kind) {
    case 'array': {
      const element = arrayElement(type);
      if (element.kind === 'record') return RECORD_ARRAY_OID;
      if (element.kind === 'list' || element.kind === 'map') return 0;
      return SCALARS[element.kind].arrayOid;
    }
    case 'list':
      return LIST_OID;
    case 'map':
      return MAP_OID;
    case 'record':
      return RECORD_OID;
    default:
      return SCALARS[type.kind].oid;
  }
}

/** The type's length for RowDescription (int4 4, text -1, ...). */
export function typeLength(type: SqlType): number {
  switch (type.kind) {
    case 'array':
    case 'list':
    case 'map':
    case 'record':
      return -1;
    default:
      return SCALARS[type.kind].length;
  }
}

/** The type modifier for RowDescription (varchar(10) -> 14, numeric(10,2) -> 655366, none -> -1). */
export function typeModifier(type: SqlType): number {
  switch (type.kind) {
    case 'varchar':
    case 'bpchar':
      return type.length === undefined ? -1 : type.length + 4;
    case 'numeric':
      return type.precision === undefined ? -1 : ((type.precision << 16) | (type.scale ?? 0)) + 4;
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return type.precision === undefined ? -1 : type.precision;
    case 'array':
      return typeModifier(arrayElement(type));
    default:
      return -1;
  }
}

/** The SQL name as format_type prints it: 'integer', 'character varying(10)', 'numeric(10,2)', 'text[]', 'text list', 'map[text=>integer]'. */
export function typeName(type: SqlType): string {
  switch (type.kind) {
    case 'varchar':
    case 'bpchar':
      return type.length === undefined ? SCALARS[type.kind].name : `${SCALARS[type.kind].name}(${type.length})`;
    case 'numeric':
      return type.precision === undefined ? 'numeric' : `numeric(${type.precision},${type.scale ?? 0})`;
    case 'time':
      return type.precision === undefined ? 'time without time zone' : `time(${type.precision}) without time zone`;
    case 'timestamp':
      return type.precision === undefined ? 'timestamp without time zone' : `timestamp(${type.precision}) without time zone`;
    case 'timestamptz':
      return type.precision === undefined ? 'timestamp with time zone' : `timestamp(${type.precision}) with time zone`;
    case 'array':
      return `${typeName(arrayElement(type))}[]`;
    case 'list':
      return `${typeName(type.element)} list`;
    case 'map':
      return `map[text=>${typeName(type.value)}]`;
    case 'record':
      return 'record';
    default:
      return SCALARS[type.kind].name;
  }
}

const BY_OID = new Map<number, SqlType>();
for (const [kind, info] of Object.entries(SCALARS) as Array<[CatalogKind, ScalarInfo]>) {
  const scalar = { kind } as SqlType;
  BY_OID.set(info.oid, scalar);
  if (info.arrayOid !== 0) BY_OID.set(info.arrayOid, { kind: 'array', element: scalar });
}
BY_OID.set(RECORD_OID, { kind: 'record', fields: [] });
BY_OID.set(RECORD_ARRAY_OID, { kind: 'array', element: { kind: 'record', fields: [] } });

/** The type for an OID (parameter types sent by clients); undefined if unknown. */
export function typeFromOid(oid: number): SqlType | undefined {
  return BY_OID.get(oid);
}

/** regtype output: the format_type name of a built-in type's OID (undefined if not built in). */
export function builtinTypeName(oid: number): string | undefined {
  const type = BY_OID.get(oid);
  if (type !== undefined) return typeName(type);
  for (const [name, pseudo] of Object.entries(PSEUDO_TYPE_OIDS)) if (pseudo === oid) return name;
  return undefined;
}

/**
 * PostgreSQL's pseudo-types, which no column has but catalog queries name
 * (psql's \df compares prorettype with 'pg_catalog.trigger'::regtype).
 */
const PSEUDO_TYPE_OIDS: Record<string, number> = {
  any: 2276, anyarray: 2277, void: 2278, trigger: 2279, language_handler: 2280, internal: 2281, anyelement: 2283,
  anynonarray: 2776, anyenum: 3500, fdw_handler: 3115, index_am_handler: 325, tsm_handler: 3310, anyrange: 3831,
  event_trigger: 3838, cstring: 2275,
};

/** regtype input for built-in types: the OID of a type written by its SQL name ('integer') or internal name ('int4'). */
export function builtinTypeOid(text: string): number | undefined {
  const name = text.trim().toLowerCase().replace(/^pg_catalog\./, '');
  for (const [oid, type] of BY_OID) if (typeName(type) === name || (type.kind !== 'array' && type.kind === name)) return oid;
  return PSEUDO_TYPE_OIDS[name];
}

/** OID of the array type whose elements have OID `elementOid` (0 if none). */
export function arrayOidOf(elementOid: number): number {
  for (const info of Object.values(SCALARS)) if (info.oid === elementOid) return info.arrayOid;
  return elementOid === RECORD_OID ? RECORD_ARRAY_OID : 0;
}
