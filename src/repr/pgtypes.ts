// PostgreSQL type catalog facts: OIDs, names, lengths. Materialize's own
// types (list, map, mz_timestamp, uint*) use Materialize's OIDs.
import type { SqlType } from './types.js';

/** The type's OID as PostgreSQL/Materialize report it (int4 23, text 25, int4[] 1007, ...). */
export function typeOid(type: SqlType): number {
  void type;
  return 25;
}

/** The type's length for RowDescription (int4 4, text -1, ...). */
export function typeLength(type: SqlType): number {
  void type;
  return -1;
}

/** The type modifier for RowDescription (varchar(10) -> 14, numeric(10,2) -> 655366, none -> -1). */
export function typeModifier(type: SqlType): number {
  void type;
  return -1;
}

/** The SQL name as format_type prints it: 'integer', 'character varying(10)', 'numeric(10,2)', 'text[]', 'text list', 'map[text=>integer]'. */
export function typeName(type: SqlType): string {
  return type.kind;
}

/** The type for an OID (parameter types sent by clients); undefined if unknown. */
export function typeFromOid(oid: number): SqlType | undefined {
  void oid;
  return undefined;
}
