// Avro schemas as SQL: inlining registry references into one self-contained
// schema, and compiling a reader schema into its columns (Materialize's type
// mapping) and the converters that turn avsc's decoded values into datums.
//
// Everything here runs once per schema (at CREATE, and when a decoder is
// built), never per message: a message only runs the converters.
import { SqlError, SqlState } from '../../../repr/errors.js';
import { Decimal, withDisplayScale } from '../../../repr/numeric.js';
import { compareCodePoints } from '../../../repr/strings.js';
import { ListValue, MapValue, RecordValue, type Column, type Datum, type RecordField, type SqlType } from '../../../repr/types.js';
import { parseJsonDocument } from '../json-parse.js';

/** A parsed JSON value (an Avro schema is one). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED = new Set(['record', 'error', 'enum', 'fixed']);
/** numeric's largest precision (PostgreSQL's). */
const MAX_NUMERIC_PRECISION = 1000;

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An invalid schema (not Avro, or not one we can read): 22000 at CREATE. */
export function invalidSchema(message: string): SqlError {
  return new SqlError(SqlState.dataException, `invalid Avro schema: ${message}`);
}

function unsupported(message: string): SqlError {
  return new SqlError(SqlState.featureNotSupported, message);
}

/** Parses schema text as JSON (a bare name such as `"string"` is JSON too). */
export function parseSchemaJson(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw invalidSchema(`schema is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The full name of a named type defined by `node` inside namespace `ns`, and the namespace it opens. */
function fullNameOf(node: JsonObject, ns: string): { fullName: string; namespace: string } {
  const name = node.name;
  if (typeof name !== 'string' || name === '') throw invalidSchema(`a ${String(node.type)} needs a name`);
  if (name.includes('.')) return { fullName: name, namespace: name.slice(0, name.lastIndexOf('.')) };
  const own = typeof node.namespace === 'string' ? node.namespace : ns;
  return { fullName: own ? `${own}.${name}` : name, namespace: own };
}

/** The full name a reference `name` denotes inside namespace `ns`. */
function qualify(name: string, ns: string): string {
  return name.includes('.') || !ns ? name : `${ns}.${name}`;
}

/** Calls `visit` for each named type defined in `node` (depth first), with its full name. */
function collectNamedTypes(node: Json, ns: string, visit: (fullName: string, def: JsonObject) => void): void {
  if (Array.isArray(node)) {
    for (const branch of node) collectNamedTypes(branch, ns, visit);
    return;
  }
  if (!isObject(node)) return;
  const type = node.type;
  if (typeof type === 'string' && NAMED.has(type)) {
    const { fullName, namespace } = fullNameOf(node, ns);
    visit(fullName, node);
    if ((type === 'record' || type === 'error') && Array.isArray(node.fields)) {
      for (const field of node.fields) if (isObject(field)) collectNamedTypes(field.type ?? null, namespace, visit);
    }
    return;
  }
  if (type === 'array') collectNamedTypes(node.items ?? null, ns, visit);
  else if (type === 'map') collectNamedTypes(node.values ?? null, ns, visit);
  else if (typeof type === 'object') collectNamedTypes(type, ns, visit);
}

/**
 * One self-contained schema from a registry schema and the schemas it
 * references (Avro named types defined in other subjects): each referenced
 * type is written out where it is first used, by its full name, and later
 * uses stay references. The result is JSON text.
 */
export function inlineReferences(schema: string, references: readonly { schema: string }[]): string {
  if (references.length === 0) return schema;
  const definitions = new Map<string, JsonObject>();
  for (const ref of references) {
    collectNamedTypes(parseSchemaJson(ref.schema), '', (fullName, def) => {
      if (!definitions.has(fullName)) definitions.set(fullName, def);
    });
  }
  const defined = new Set<string>();
  const walk = (node: Json, ns: string): Json => {
    if (typeof node === 'string') {
      if (PRIMITIVES.has(node)) return node;
      for (const candidate of [qualify(node, ns), node]) {
        if (defined.has(candidate)) return candidate;
        const def = definitions.get(candidate);
        if (def) {
          // Written by its full name (and an explicit empty namespace for a
          // name outside any namespace) so it means the same wherever it lands.
          const copy: JsonObject = { ...def, name: candidate };
          delete copy.namespace;
          if (!candidate.includes('.')) copy.namespace = '';
          return walk(copy, ns);
        }
      }
      return node; // undefined: avsc reports it
    }
    if (Array.isArray(node)) return node.map((branch) => walk(branch, ns));
    if (!isObject(node)) return node;
    const type = node.type;
    if (typeof type === 'string' && NAMED.has(type)) {
      const { fullName, namespace } = fullNameOf(node, ns);
      defined.add(fullName);
      if ((type === 'record' || type === 'error') && Array.isArray(node.fields)) {
        const fields = node.fields.map((field) => (isObject(field) ? { ...field, type: walk(field.type ?? null, namespace) } : field));
        return { ...node, fields };
      }
      return node;
    }
    if (type === 'array') return { ...node, items: walk(node.items ?? null, ns) };
    if (type === 'map') return { ...node, values: walk(node.values ?? null, ns) };
    if (type !== undefined && typeof type !== 'number' && typeof type !== 'boolean') return { ...node, type: walk(type, ns) };
    return node;
  };
  return JSON.stringify(walk(parseSchemaJson(schema), ''));
}

// ---------------------------------------------------------------------------
// Reader schema -> columns and converters

/** Turns one decoded avsc value (never null: nulls are handled around it) into a datum; null when the value is the datum. */
export type Converter = ((value: unknown) => Datum) | null;

/** Where the columns (or record fields) of one Avro record field come from. */
export type FieldPlan =
  /** One column: the field's value, converted. */
  | { kind: 'one'; key: string; convert: Converter }
  /**
   * A union of several non-null types (avsc wraps its values: `{branch: value}`):
   * one nullable column per non-null branch, all NULL but the chosen one.
   */
  | { kind: 'branches'; key: string; width: number; branches: Map<string, { slot: number; convert: Converter }> };

/** A compiled reader schema. */
export interface ReaderPlan {
  columns: Column[];
  /** For a record reader, its fields; otherwise one plan whose `key` is ignored (the whole value). */
  fields: FieldPlan[];
  topLevelRecord: boolean;
}

interface Named {
  def: JsonObject;
  namespace: string;
}

interface Compiled {
  type: SqlType;
  convert: Converter;
}

/** Copies bytes out of the message buffer (a small field must not keep the whole message alive). */
const toBytes = (v: unknown): Datum => new Uint8Array(v as Uint8Array);

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function toUuid(v: unknown): Datum {
  const s = (v as string).toLowerCase();
  if (!UUID_PATTERN.test(s)) throw new Error(`invalid uuid: ${JSON.stringify(v)}`);
  return s;
}

function toJsonb(v: unknown): Datum {
  try {
    return parseJsonDocument(Buffer.from(v as string, 'utf8'));
  } catch (err) {
    throw new Error(`invalid JSON in a json string: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Big-endian two's-complement bytes -> a Decimal with `scale` digits after the point. */
function decimalConverter(scale: number): Converter {
  return (v: unknown): Datum => {
    const bytes = v as Uint8Array;
    const n = bytes.length;
    let unscaled: bigint;
    if (n === 0) {
      unscaled = 0n;
    } else if (n <= 6) {
      let x = bytes[0]! & 0x80 ? -1 : 0;
      for (let i = 0; i < n; i++) x = x * 256 + bytes[i]!;
      unscaled = BigInt(x);
    } else {
      let x = 0n;
      for (let i = 0; i < n; i++) x = (x << 8n) | BigInt(bytes[i]!);
      if (bytes[0]! & 0x80) x -= 1n << BigInt(8 * n);
      unscaled = x;
    }
    return withDisplayScale(new Decimal(scale === 0 ? unscaled.toString() : `${unscaled}e-${scale}`), scale);
  };
}

const timeMillisToMicros = (v: unknown): Datum => BigInt(v as number) * 1000n;
const millisToMicros = (v: unknown): Datum => (v as bigint) * 1000n;

/** Null-safe wrapper: values under `["null", T]` inside lists, maps and records. */
function nullable(convert: Converter): Converter {
  if (convert === null) return null;
  return (v) => (v === null ? null : convert(v));
}

function convertList(items: Converter): Converter {
  if (items === null) return (v) => new ListValue((v as Datum[]).slice());
  return (v) => {
    const values = v as unknown[];
    const out = new Array<Datum>(values.length);
    for (let i = 0; i < values.length; i++) out[i] = items(values[i]);
    return new ListValue(out);
  };
}

function convertMap(values: Converter): Converter {
  return (v) => {
    const object = v as Record<string, unknown>;
    const keys = Object.keys(object).sort(compareCodePoints);
    const entries = new Array<readonly [string, Datum]>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const e = object[k];
      entries[i] = [k, values === null ? (e as Datum) : values(e)];
    }
    return new MapValue(entries);
  };
}

/** Fills out[at..] from a decoded avsc record (or, for `whole`, from a top-level non-record value). */
export function fillFields(fields: readonly FieldPlan[], record: unknown, out: Datum[], at: number, whole: boolean): void {
  const object = record as Record<string, unknown>;
  for (let i = 0; i < fields.length; i++) {
    const plan = fields[i]!;
    const value = whole ? record : object[plan.key];
    if (plan.kind === 'one') {
      const c = plan.convert;
      out[at++] = value === null || c === null ? (value as Datum) : c(value);
    } else {
      for (let j = 0; j < plan.width; j++) out[at + j] = null;
      if (value !== null) {
        const wrapped = value as Record<string, unknown>;
        for (const name in wrapped) {
          const branch = plan.branches.get(name);
          if (branch === undefined) throw new Error(`unexpected union branch ${name}`);
          const inner = wrapped[name];
          out[at + branch.slot] = inner === null || branch.convert === null ? (inner as Datum) : branch.convert(inner);
          break;
        }
      }
      at += plan.width;
    }
  }
}

/** The width of a fields plan (columns or record fields it fills). */
function widthOf(fields: readonly FieldPlan[]): number {
  let n = 0;
  for (const f of fields) n += f.kind === 'one' ? 1 : f.width;
  return n;
}

class SchemaCompiler {
  private readonly named = new Map<string, Named>();
  /** Records being compiled (the path from the top): meeting one again is recursion. */
  private readonly onPath = new Set<string>();

  /** Columns for a field (or the top-level value when `name` is undefined). */
  columnsOf(node: Json, ns: string, name: string | undefined): { columns: Column[]; plan: FieldPlan } {
    const key = name ?? '';
    if (!Array.isArray(node)) {
      const c = this.compile(node, ns);
      return { columns: [{ name: name ?? '?column?', type: c.type, nullable: false }], plan: { kind: 'one', key, convert: c.convert } };
    }
    const nonNull = node.filter((b) => b !== 'null');
    if (nonNull.length === 0) throw unsupported('Empty or null-only unions are not supported');
    for (const b of nonNull) if (Array.isArray(b)) throw invalidSchema('unions may not immediately contain other unions');
    const nullableUnion = node.length > 1;
    if (nonNull.length === 1) {
      // ["null", T] (or [T]): one column, nullable when null is a branch.
      const c = this.compile(nonNull[0]!, ns);
      const columnName = name ?? this.namedBaseName(nonNull[0]!, ns) ?? '?column?';
      return { columns: [{ name: columnName, type: c.type, nullable: nullableUnion }], plan: { kind: 'one', key, convert: c.convert } };
    }
    const columns: Column[] = [];
    const branches = new Map<string, { slot: number; convert: Converter }>();
    nonNull.forEach((branch, i) => {
      const c = this.compile(branch, ns);
      const columnName = name !== undefined ? `${name}${i + 1}` : (this.namedBaseName(branch, ns) ?? '?column?');
      columns.push({ name: columnName, type: c.type, nullable: true });
      branches.set(this.branchName(branch, ns), { slot: i, convert: c.convert });
    });
    return { columns, plan: { kind: 'branches', key, width: nonNull.length, branches } };
  }

  /** avsc's name for a union branch (what a wrapped value is keyed by). */
  private branchName(node: Json, ns: string): string {
    if (typeof node === 'string') return PRIMITIVES.has(node) ? node : this.resolveName(node, ns).fullName;
    if (isObject(node)) {
      const type = node.type;
      if (typeof type === 'string' && NAMED.has(type)) return fullNameOf(node, ns).fullName;
      if (typeof type === 'string' && (type === 'array' || type === 'map' || PRIMITIVES.has(type))) return type;
      if (type !== undefined) return this.branchName(type, ns);
    }
    throw invalidSchema(`invalid union branch ${JSON.stringify(node)}`);
  }

  /** The unqualified name of a named type (Materialize names a top-level union's columns by it). */
  private namedBaseName(node: Json, ns: string): string | undefined {
    let full: string | undefined;
    if (typeof node === 'string' && !PRIMITIVES.has(node)) full = this.resolveName(node, ns).fullName;
    else if (isObject(node) && typeof node.type === 'string' && NAMED.has(node.type)) full = fullNameOf(node, ns).fullName;
    return full === undefined ? undefined : full.slice(full.lastIndexOf('.') + 1);
  }

  private resolveName(name: string, ns: string): Named & { fullName: string } {
    for (const candidate of [qualify(name, ns), name]) {
      const found = this.named.get(candidate);
      if (found) return { ...found, fullName: candidate };
    }
    throw invalidSchema(`undefined type name: ${name}`);
  }

  /** One SQL type for a node (a union must have a single non-null branch here). */
  compile(node: Json, ns: string): Compiled {
    if (Array.isArray(node)) {
      const nonNull = node.filter((b) => b !== 'null');
      if (nonNull.length === 0) throw unsupported('Empty or null-only unions are not supported');
      if (nonNull.length > 1) throw unsupported('Union of more than one non-null type not valid here');
      const c = this.compile(nonNull[0]!, ns);
      return node.length > 1 ? { type: c.type, convert: nullable(c.convert) } : c;
    }
    if (typeof node === 'string') {
      if (PRIMITIVES.has(node)) return this.primitive(node, {});
      const { fullName, def, namespace } = this.resolveName(node, ns);
      return this.namedDefinition(def, fullName, namespace);
    }
    if (!isObject(node)) throw invalidSchema(`not a type: ${JSON.stringify(node)}`);
    const type = node.type;
    if (typeof type === 'string' && NAMED.has(type)) {
      const { fullName, namespace } = fullNameOf(node, ns);
      if (!this.named.has(fullName)) this.named.set(fullName, { def: node, namespace });
      return this.namedDefinition(node, fullName, namespace);
    }
    if (type === 'array') {
      const items = this.compile(node.items ?? null, ns);
      return { type: { kind: 'list', element: items.type }, convert: convertList(items.convert) };
    }
    if (type === 'map') {
      const values = this.compile(node.values ?? null, ns);
      return { type: { kind: 'map', value: values.type }, convert: convertMap(values.convert) };
    }
    if (typeof type === 'string' && PRIMITIVES.has(type)) return this.primitive(type, node);
    if (type !== undefined && typeof type !== 'number' && typeof type !== 'boolean' && type !== null) {
      // {"type": {...}} or {"type": "SomeName"}: the inner type (a logical type on a reference is ignored).
      return this.compile(type, ns);
    }
    throw invalidSchema(`not a type: ${JSON.stringify(node)}`);
  }

  private namedDefinition(def: JsonObject, fullName: string, namespace: string): Compiled {
    const type = def.type as string;
    if (type === 'enum') {
      if (!Array.isArray(def.symbols)) throw invalidSchema(`enum ${fullName} needs symbols`);
      return { type: { kind: 'text' }, convert: null };
    }
    if (type === 'fixed') {
      if (def.logicalType === 'decimal') {
        const size = def.size;
        const d = this.decimal(def, fullName);
        if (typeof size === 'number' && d.type.kind === 'numeric' && d.type.precision! > Math.floor(Math.log10(2) * (8 * size - 1))) {
          throw invalidSchema(`decimal ${fullName}: precision ${d.type.precision} does not fit in ${size} bytes`);
        }
        return d;
      }
      if (def.logicalType === 'uuid' && def.size === 16) return { type: { kind: 'uuid' }, convert: fixedUuid };
      return { type: { kind: 'bytea' }, convert: toBytes };
    }
    // record / error
    const { columns, plans } = this.recordColumns(def, fullName, namespace);
    const width = widthOf(plans);
    const convert: Converter = (v) => {
      const out = new Array<Datum>(width);
      fillFields(plans, v, out, 0, false);
      return new RecordValue(out);
    };
    const fields: RecordField[] = columns.map((c) => ({ name: c.name, type: c.type }));
    return { type: { kind: 'record', fields }, convert };
  }

  /** A record's fields as columns (or record fields), with the plan filling them. */
  recordColumns(def: JsonObject, fullName: string, namespace: string): { columns: Column[]; plans: FieldPlan[] } {
    if (this.onPath.has(fullName)) throw unsupported(`Recursive types are not supported: ${fullName}`);
    if (!Array.isArray(def.fields)) throw invalidSchema(`record ${fullName} needs fields`);
    if (!this.named.has(fullName)) this.named.set(fullName, { def, namespace });
    this.onPath.add(fullName);
    try {
      const columns: Column[] = [];
      const plans: FieldPlan[] = [];
      for (const field of def.fields) {
        if (!isObject(field) || typeof field.name !== 'string') throw invalidSchema(`record ${fullName} has a field without a name`);
        const result = this.columnsOf(field.type ?? null, namespace, field.name);
        columns.push(...result.columns);
        plans.push(result.plan);
      }
      return { columns, plans };
    } finally {
      this.onPath.delete(fullName);
    }
  }

  private decimal(node: JsonObject, what: string): Compiled {
    const precision = node.precision;
    const scale = node.scale ?? 0;
    if (typeof precision !== 'number' || !Number.isInteger(precision) || precision < 1) {
      throw invalidSchema(`decimal ${what}: precision must be a positive integer`);
    }
    if (typeof scale !== 'number' || !Number.isInteger(scale) || scale < 0 || scale > precision) {
      throw invalidSchema(`decimal ${what}: scale must be an integer between 0 and the precision (${precision})`);
    }
    if (precision > MAX_NUMERIC_PRECISION) {
      throw unsupported(`decimals with precision greater than ${MAX_NUMERIC_PRECISION} are not supported`);
    }
    return { type: { kind: 'numeric', precision, scale }, convert: decimalConverter(scale) };
  }

  private primitive(type: string, node: JsonObject): Compiled {
    const logical = node.logicalType;
    switch (type) {
      case 'null':
        throw unsupported('null outside of union types is not supported');
      case 'boolean':
        return { type: { kind: 'bool' }, convert: null };
      case 'int':
        if (logical === 'date') return { type: { kind: 'date' }, convert: null };
        if (logical === 'time-millis') return { type: { kind: 'time' }, convert: timeMillisToMicros };
        return { type: { kind: 'int4' }, convert: null };
      case 'long':
        if (logical === 'timestamp-millis' || logical === 'local-timestamp-millis') return { type: { kind: 'timestamp' }, convert: millisToMicros };
        if (logical === 'timestamp-micros' || logical === 'local-timestamp-micros') return { type: { kind: 'timestamp' }, convert: null };
        if (logical === 'time-micros') return { type: { kind: 'time' }, convert: null };
        return { type: { kind: 'int8' }, convert: null };
      case 'float':
        return { type: { kind: 'float4' }, convert: null };
      case 'double':
        return { type: { kind: 'float8' }, convert: null };
      case 'bytes':
        if (logical === 'decimal') return this.decimal(node, 'bytes');
        return { type: { kind: 'bytea' }, convert: toBytes };
      case 'string':
        if (logical === 'uuid') return { type: { kind: 'uuid' }, convert: toUuid };
        if (node['connect.name'] === 'io.debezium.data.Json' || logical === 'json') return { type: { kind: 'jsonb' }, convert: toJsonb };
        return { type: { kind: 'text' }, convert: null };
      default:
        throw invalidSchema(`unknown type ${type}`);
    }
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function fixedUuid(v: unknown): Datum {
  const b = v as Uint8Array;
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[b[i]!]!;
  }
  return s;
}

/**
 * Compiles a reader schema (self-contained JSON): its columns as Materialize
 * names and types them, and the plan that fills them from an avsc value.
 * Throws SqlError (22000 invalid, 0A000 unsupported or recursive).
 */
export function compileReaderSchema(schema: Json): ReaderPlan {
  const compiler = new SchemaCompiler();
  if (isObject(schema) && (schema.type === 'record' || schema.type === 'error')) {
    // The top-level record's fields are the columns.
    const { fullName, namespace } = fullNameOf(schema, '');
    const { columns, plans } = compiler.recordColumns(schema, fullName, namespace);
    if (columns.length === 0) throw unsupported('a record without fields has no columns');
    return { columns, fields: plans, topLevelRecord: true };
  }
  const { columns, plan } = compiler.columnsOf(schema, '', undefined);
  return { columns, fields: [plan], topLevelRecord: false };
}
