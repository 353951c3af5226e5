// Written types (AST DataType) -> SqlType, and type equality used by coercion.
import type { DataType } from '../sql/ast.js';
import type { SqlType } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';

type SimpleKind = Exclude<SqlType['kind'], 'numeric' | 'varchar' | 'bpchar' | 'time' | 'timestamp' | 'timestamptz' | 'array' | 'list' | 'map' | 'record'>;

/** Names (as the parser normalizes them, plus common spellings) of types without modifiers. */
const SIMPLE_TYPES: ReadonlyMap<string, SimpleKind> = new Map<string, SimpleKind>([
  ['bool', 'bool'], ['boolean', 'bool'],
  ['int2', 'int2'], ['smallint', 'int2'],
  ['int4', 'int4'], ['int', 'int4'], ['integer', 'int4'],
  ['int8', 'int8'], ['bigint', 'int8'],
  ['uint2', 'uint2'], ['uint4', 'uint4'], ['uint8', 'uint8'],
  ['float4', 'float4'], ['real', 'float4'],
  ['float8', 'float8'], ['double precision', 'float8'], ['double', 'float8'],
  ['text', 'text'], ['string', 'text'],
  ['bytea', 'bytea'],
  ['jsonb', 'jsonb'], ['json', 'jsonb'],
  ['date', 'date'],
  ['interval', 'interval'],
  ['uuid', 'uuid'],
  ['oid', 'oid'],
  ['regclass', 'regclass'], ['regproc', 'regproc'], ['regtype', 'regtype'],
  ['name', 'name'],
  ['char', 'char'], ['"char"', 'char'],
  ['mz_timestamp', 'mz_timestamp'],
]);

function typeError(name: string, pos: number): SqlError {
  return new SqlError(SqlState.undefinedObject, `type "${name}" does not exist`, { position: pos + 1 });
}

function modifierError(name: string, pos: number): SqlError {
  return new SqlError(SqlState.syntaxError, `type modifier is not allowed for type "${name}"`, { position: pos + 1 });
}

/**
 * Types created with CREATE TYPE (Materialize's named list, map and record
 * types), by schema-qualified name. The catalog installs and removes them;
 * a named type is its structure (two list types of the same element are
 * interchangeable).
 */
const userTypes = new Map<string, SqlType>();

export function defineUserType(schema: string, name: string, type: SqlType): void {
  userTypes.set(`${schema}.${name}`, type);
}

export function dropUserType(schema: string, name: string): void {
  userTypes.delete(`${schema}.${name}`);
}

/** A user type by written name: `schema.name`, or a bare name in public (built-in names win, as pg_catalog is searched first). */
export function userType(name: string): SqlType | undefined {
  return name.includes('.') ? userTypes.get(name) : userTypes.get(`public.${name}`);
}

function namedType(name: string, mods: number[], pos: number): SqlType {
  const simple = SIMPLE_TYPES.get(name);
  if (simple !== undefined) {
    if (mods.length > 0) throw modifierError(name, pos);
    return { kind: simple };
  }
  switch (name) {
    case 'numeric':
    case 'decimal': {
      if (mods.length > 2) throw new SqlError(SqlState.syntaxError, 'invalid NUMERIC type modifier', { position: pos + 1 });
      const [precision, scale] = mods;
      if (precision === undefined) return { kind: 'numeric' };
      if (precision < 1 || precision > 39) {
        throw new SqlError(SqlState.invalidParameterValue, `precision for type numeric must be between 1 and 39`, { position: pos + 1 });
      }
      const s = scale ?? 0;
      if (s < 0 || s > precision) {
        throw new SqlError(SqlState.invalidParameterValue, `NUMERIC scale ${s} must be between 0 and precision ${precision}`, { position: pos + 1 });
      }
      return { kind: 'numeric', precision, scale: s };
    }
    case 'varchar':
    case 'character varying':
      return lengthType('varchar', mods, pos);
    case 'bpchar':
    case 'character':
      return lengthType('bpchar', mods, pos);
    case 'float': {
      const p = mods[0];
      if (p === undefined) return { kind: 'float8' };
      if (p < 1 || p > 53) throw new SqlError(SqlState.invalidParameterValue, `precision for type float must be between 1 and 53 bits`, { position: pos + 1 });
      return { kind: p <= 24 ? 'float4' : 'float8' };
    }
    case 'time':
    case 'timestamp':
    case 'timestamptz': {
      if (mods.length > 1) throw modifierError(name, pos);
      const precision = mods[0];
      if (precision !== undefined && (precision < 0 || precision > 6)) {
        throw new SqlError(SqlState.invalidParameterValue, `precision for type ${name} must be between 0 and 6`, { position: pos + 1 });
      }
      return precision === undefined ? { kind: name } : { kind: name, precision };
    }
    case 'record':
      return { kind: 'record', fields: [] };
    default: {
      const user = userType(name);
      if (user !== undefined && mods.length === 0) return user;
      throw typeError(name, pos);
    }
  }
}

function lengthType(kind: 'varchar' | 'bpchar', mods: number[], pos: number): SqlType {
  if (mods.length > 1) throw modifierError(kind, pos);
  const length = mods[0];
  if (length === undefined) return kind === 'bpchar' ? { kind, length: 1 } : { kind };
  if (length < 1) throw new SqlError(SqlState.invalidParameterValue, `length for type ${kind} must be at least 1`, { position: pos + 1 });
  return { kind, length };
}

/** Resolves a written type (`numeric(10,2)`, `text[]`, `int list`) to a SqlType; throws 42704 for unknown types. */
export function typeFromAst(dataType: DataType): SqlType {
  switch (dataType.kind) {
    case 'named':
      return namedType(dataType.name, dataType.modifiers, dataType.pos);
    case 'array': {
      const element = typeFromAst(dataType.element);
      // int[][] is the same type as int[] in PostgreSQL.
      return element.kind === 'array' ? element : { kind: 'array', element };
    }
    case 'list':
      return { kind: 'list', element: typeFromAst(dataType.element) };
    case 'map': {
      const key = typeFromAst(dataType.key);
      if (key.kind !== 'text') {
        throw new SqlError(SqlState.datatypeMismatch, `map key type must be text`, { position: dataType.pos + 1 });
      }
      return { kind: 'map', value: typeFromAst(dataType.value) };
    }
  }
}

/** Exact structural type equality, modifiers included. */
export function typeEquals(a: SqlType, b: SqlType): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Same type ignoring modifiers at the top level (numeric(10,2) ~ numeric). */
export function sameKind(a: SqlType, b: SqlType): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'array' || a.kind === 'list' || a.kind === 'map' || a.kind === 'record') return typeEquals(a, b);
  return true;
}

/** True when the type carries a modifier (varchar(n), numeric(p,s), timestamp(p)). */
export function hasModifier(t: SqlType): boolean {
  switch (t.kind) {
    case 'numeric':
      return t.precision !== undefined || t.scale !== undefined;
    case 'varchar':
    case 'bpchar':
      return t.length !== undefined;
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return t.precision !== undefined;
    default:
      return false;
  }
}

/** The type without its top-level modifier: varchar(2) -> varchar. */
export function withoutModifier(t: SqlType): SqlType {
  switch (t.kind) {
    case 'numeric':
    case 'varchar':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return { kind: t.kind };
    case 'bpchar':
      return { kind: 'bpchar' };
    default:
      return t;
  }
}
