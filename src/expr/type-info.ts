// Type facts used by resolution: PostgreSQL's type categories, preferred
// types, structural equality and the names used in error messages.
import type { SqlType } from '../repr/types.js';
import { typeName } from '../repr/pgtypes.js';

/** PostgreSQL's typcategory letters (plus 'L' list and 'M' map for Materialize's types). */
export type TypeCategory = 'B' | 'N' | 'S' | 'D' | 'T' | 'U' | 'A' | 'L' | 'M' | 'C' | 'X' | 'P';

export function typeCategory(t: SqlType): TypeCategory {
  switch (t.kind) {
    case 'bool':
      return 'B';
    case 'int2':
    case 'int4':
    case 'int8':
    case 'uint2':
    case 'uint4':
    case 'uint8':
    case 'float4':
    case 'float8':
    case 'numeric':
    case 'oid':
    case 'regclass':
    case 'regproc':
    case 'regtype':
      return 'N';
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'name':
    case 'char':
      return 'S';
    case 'date':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'mz_timestamp':
      return 'D';
    case 'interval':
      return 'T';
    case 'array':
      return 'A';
    case 'list':
      return 'L';
    case 'map':
      return 'M';
    case 'record':
      return 'C';
    case 'unknown':
      return 'X';
    default:
      return 'U';
  }
}

/** Preferred type of its category (float8, text, timestamptz, interval, bool). */
export function isPreferred(t: SqlType): boolean {
  switch (t.kind) {
    case 'float8':
    case 'text':
    case 'timestamptz':
    case 'interval':
    case 'bool':
      return true;
    default:
      return false;
  }
}

/** Same type ignoring modifiers (varchar(3) = varchar(5)); element types compared structurally. */
export function sameBaseType(a: SqlType, b: SqlType): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'array':
    case 'list':
      return sameBaseType(a.element, (b as typeof a).element);
    case 'map':
      return sameBaseType(a.value, (b as typeof a).value);
    case 'record': {
      const bf = (b as typeof a).fields;
      return a.fields.length === bf.length && a.fields.every((f, i) => sameBaseType(f.type, bf[i]!.type));
    }
    default:
      return true;
  }
}

/** Same type including modifiers. */
export function sameType(a: SqlType, b: SqlType): boolean {
  if (!sameBaseType(a, b)) return false;
  return typeModifierKey(a) === typeModifierKey(b);
}

function typeModifierKey(t: SqlType): string {
  switch (t.kind) {
    case 'numeric':
      return `${t.precision ?? ''},${t.scale ?? ''}`;
    case 'varchar':
    case 'bpchar':
      return `${t.length ?? ''}`;
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return `${t.precision ?? ''}`;
    case 'array':
    case 'list':
      return typeModifierKey(t.element);
    case 'map':
      return typeModifierKey(t.value);
    case 'record':
      return t.fields.map((f) => `${f.name}:${typeModifierKey(f.type)}`).join(';');
    default:
      return '';
  }
}

/** The type without its modifiers (numeric(10,2) -> numeric). */
export function withoutModifiers(t: SqlType): SqlType {
  switch (t.kind) {
    case 'numeric':
    case 'varchar':
    case 'bpchar':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return { kind: t.kind };
    default:
      return t;
  }
}

/** Name as PostgreSQL prints it in messages ('integer', 'text', 'numeric'). */
export function displayType(t: SqlType): string {
  return typeName(t);
}

export function isStringKind(t: SqlType): boolean {
  return typeCategory(t) === 'S';
}
