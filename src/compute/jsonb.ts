// Datum -> jsonb conversion for jsonb_agg / jsonb_object_agg (to_jsonb's rules:
// numbers and booleans stay JSON scalars, nested values recurse, everything
// else becomes its text form).
import { formatText } from '../repr/text.js';
import {
  ArrayValue,
  Jsonb,
  JsonbNumber,
  JsonbObject,
  ListValue,
  MapValue,
  RecordValue,
  type Datum,
  type JsonbValue,
  type SqlType,
} from '../repr/types.js';

export function datumToJsonb(value: Datum, type: SqlType): JsonbValue {
  if (value === null) return null;
  if (value instanceof Jsonb) return value.value;
  switch (type.kind) {
    case 'bool':
      return value === true;
    case 'int2':
    case 'int4':
    case 'int8':
    case 'uint2':
    case 'uint4':
    case 'uint8':
    case 'float4':
    case 'float8':
    case 'numeric': {
      const text = String(value);
      return /^-?[0-9]/.test(text) ? new JsonbNumber(text) : text;
    }
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'name':
    case 'char':
    case 'uuid':
      return String(value);
    case 'array':
      return value instanceof ArrayValue ? value.elements.map((e) => datumToJsonb(e, type.element)) : null;
    case 'list':
      return value instanceof ListValue ? value.elements.map((e) => datumToJsonb(e, type.element)) : null;
    case 'map':
      return value instanceof MapValue ? jsonbObject(value.entries.map(([k, v]) => [k, datumToJsonb(v, type.value)])) : null;
    case 'record':
      return value instanceof RecordValue
        ? jsonbObject(type.fields.map((f, i) => [f.name, datumToJsonb(value.fields[i] ?? null, f.type)]))
        : null;
    default:
      return formatText(value, type);
  }
}

/** jsonb key order: shorter keys first, then bytewise; duplicate keys keep the last value. */
export function jsonbObject(entries: Array<readonly [string, JsonbValue]>): JsonbObject {
  const byKey = new Map<string, JsonbValue>();
  for (const [k, v] of entries) byKey.set(k, v);
  const keys = [...byKey.keys()].sort((a, b) => {
    const la = Buffer.byteLength(a);
    const lb = Buffer.byteLength(b);
    if (la !== lb) return la - lb;
    return Buffer.compare(Buffer.from(a), Buffer.from(b));
  });
  return new JsonbObject(keys.map((k) => [k, byKey.get(k)!] as const));
}
