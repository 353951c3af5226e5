// Building and comparing jsonb values: canonical objects (keys sorted as
// jsonb sorts them, last duplicate wins), deep equality and containment,
// and to_jsonb's conversion of every SQL type (one converter per type).
import type { Datum, JsonbValue, SqlType } from '../repr/types.js';
import { ArrayValue, JsonbNumber, JsonbObject, ListValue, MapValue, RecordValue, Jsonb } from '../repr/types.js';
import { jsonbNumberFromDecimal, jsonbObjectGet, makeJsonbObject, quoteJsonString } from '../repr/jsonb.js';
import { formatText, type TextOptions } from '../repr/text.js';
import { Decimal } from './decimal.js';
import { zoneTextOptions } from './string.js';

/** A canonical jsonb object from entries in any order; a later duplicate key wins. */
export function jsonbObjectOf(entries: Iterable<readonly [string, JsonbValue]>): JsonbObject {
  return makeJsonbObject([...entries]);
}

export function isJsonbObject(v: JsonbValue): v is JsonbObject {
  return v instanceof JsonbObject;
}

/** Deep equality; numbers compare by value (1.0 = 1). */
export function jsonbEquals(a: JsonbValue, b: JsonbValue): boolean {
  if (a === b) return true;
  if (a instanceof JsonbNumber) return b instanceof JsonbNumber && (a.text === b.text || new Decimal(a.text).eq(b.text));
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonbEquals(x, b[i]!));
  if (a instanceof JsonbObject) {
    if (!(b instanceof JsonbObject) || a.entries.length !== b.entries.length) return false;
    return a.entries.every(([k, v], i) => b.entries[i]![0] === k && jsonbEquals(v, b.entries[i]![1]));
  }
  return false;
}

/** PostgreSQL's @>: objects by key subsets, arrays by element subsets; a top-level array contains a scalar. */
export function jsonbContains(a: JsonbValue, b: JsonbValue, topLevel = true): boolean {
  if (b instanceof JsonbObject) {
    if (!(a instanceof JsonbObject)) return false;
    return b.entries.every(([k, bv]) => {
      const av = jsonbObjectGet(a, k);
      return av !== undefined && jsonbContains(av, bv, false);
    });
  }
  if (Array.isArray(b)) {
    if (!Array.isArray(a)) return false;
    return b.every((bv) => a.some((av) => (Array.isArray(bv) || bv instanceof JsonbObject ? jsonbContains(av, bv, false) : jsonbEquals(av, bv))));
  }
  if (Array.isArray(a)) return topLevel && a.some((av) => jsonbEquals(av, b));
  return jsonbEquals(a, b);
}

type ToJsonb = (v: Datum) => JsonbValue;

function numberText(v: number): JsonbValue {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  return jsonbNumberFromDecimal(new Decimal(v));
}

/**
 * to_jsonb's ISO 8601 text for timestamps: 'T' separator, offsets as +HH:MM;
 * timestamptz is shown in `options.timeZone` (the session's TimeZone).
 */
function isoTimestamp(type: SqlType, options: TextOptions | undefined): ToJsonb {
  return (v) => {
    const text = formatText(v, type, options);
    if (text === 'infinity' || text === '-infinity') return text;
    const iso = text.replace(' ', 'T');
    return type.kind === 'timestamptz' ? iso.replace(/([+-]\d\d)$/, '$1:00') : iso;
  };
}

/**
 * The to_jsonb conversion for values of `type` (non-null values; NULL elements
 * become JSON null). `timeZone` is the session's TimeZone, in which timestamptz
 * values are written (PostgreSQL's to_jsonb is STABLE); omitted or 'UTC' writes UTC.
 */
export function toJsonbConverter(type: SqlType, timeZone?: string): ToJsonb {
  return converterFor(type, zoneTextOptions(timeZone));
}

/**
 * jsonb object keys (jsonb_build_object, jsonb_object_agg) are text, as
 * PostgreSQL's datum_to_jsonb makes them: timestamps in to_jsonb's ISO 8601
 * form (timestamptz in `timeZone`), booleans as true/false, other values as
 * their text output.
 */
export function toJsonbKeyConverter(type: SqlType, timeZone?: string): (v: Datum) => string {
  const options = zoneTextOptions(timeZone);
  switch (type.kind) {
    case 'bool':
      return (v) => (v ? 'true' : 'false');
    case 'timestamp':
    case 'timestamptz': {
      const iso = isoTimestamp(type, options);
      return (v) => iso(v) as string;
    }
    default:
      return (v) => formatText(v, type, options);
  }
}

function converterFor(type: SqlType, options: TextOptions | undefined): ToJsonb {
  switch (type.kind) {
    case 'bool':
      return (v) => v as boolean;
    case 'int2':
    case 'int4':
    case 'int8':
    case 'uint2':
    case 'uint4':
    case 'uint8':
    case 'oid':
      return (v) => new JsonbNumber(String(v));
    case 'float4':
    case 'float8':
      return (v) => numberText(v as number);
    case 'numeric':
      return (v) => ((v as Decimal).isFinite() ? jsonbNumberFromDecimal(v as Decimal) : (v as Decimal).toString());
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'name':
    case 'char':
    case 'uuid':
    case 'unknown':
      return (v) => v as string;
    case 'jsonb':
      return (v) => (v as Jsonb).value;
    case 'timestamp':
    case 'timestamptz':
      return isoTimestamp(type, options);
    case 'array': {
      const el = nullable(converterFor(type.element, options));
      return (v) => nestArray(v as ArrayValue, el);
    }
    case 'list': {
      const el = nullable(converterFor(type.element, options));
      return (v) => (v as ListValue).elements.map(el);
    }
    case 'map': {
      const el = nullable(converterFor(type.value, options));
      return (v) => jsonbObjectOf((v as MapValue).entries.map(([k, x]) => [k, el(x)] as const));
    }
    case 'record': {
      const fields = type.fields.map((f) => ({ name: f.name, convert: nullable(converterFor(f.type, options)) }));
      return (v) => jsonbObjectOf(fields.map((f, i) => [f.name, f.convert((v as RecordValue).fields[i] ?? null)] as const));
    }
    default:
      return (v) => formatText(v, type, options);
  }
}

function nullable(f: ToJsonb): ToJsonb {
  return (v) => (v === null ? null : f(v));
}

/** A (possibly multi-dimensional) array as nested JSON arrays. */
function nestArray(a: ArrayValue, el: ToJsonb): JsonbValue {
  if (a.dims.length <= 1) return a.elements.map(el);
  let pos = 0;
  const build = (dim: number): JsonbValue[] => {
    const out: JsonbValue[] = [];
    for (let i = 0; i < a.dims[dim]!; i++) out.push(dim === a.dims.length - 1 ? el(a.elements[pos++]!) : build(dim + 1));
    return out;
  };
  return build(0);
}

/** jsonb_pretty's layout: four-space indentation, one element per line. */
export function jsonbPretty(v: JsonbValue, indent = ''): string {
  const inner = indent + '    ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[\n' + v.map((x) => inner + jsonbPretty(x, inner)).join(',\n') + '\n' + indent + ']';
  }
  if (v instanceof JsonbObject) {
    if (v.entries.length === 0) return '{}';
    return '{\n' + v.entries.map(([k, x]) => inner + quoteJsonString(k) + ': ' + jsonbPretty(x, inner)).join(',\n') + '\n' + indent + '}';
  }
  if (v === null) return 'null';
  if (v instanceof JsonbNumber) return v.text;
  return typeof v === 'string' ? quoteJsonString(v) : String(v);
}
