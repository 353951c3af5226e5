// Datum -> jsonb conversion for jsonb_agg / jsonb_object_agg. PostgreSQL's
// aggregates convert each value exactly as to_jsonb does, so this is expr's
// to_jsonb converter, chosen once per argument type (not per row).
import { makeJsonbObject } from '../repr/jsonb.js';
import type { Datum, JsonbObject, JsonbValue, SqlType } from '../repr/types.js';
import { toJsonbConverter } from '../expr/jsonb-value.js';

const convertersByType = new WeakMap<SqlType, (v: Datum) => JsonbValue>();

export function datumToJsonb(value: Datum, type: SqlType): JsonbValue {
  if (value === null) return null;
  let convert = convertersByType.get(type);
  if (convert === undefined) {
    convert = toJsonbConverter(type);
    convertersByType.set(type, convert);
  }
  return convert(value);
}

/** jsonb key order: shorter keys first, then bytewise; duplicate keys keep the last value. */
export function jsonbObject(entries: Array<readonly [string, JsonbValue]>): JsonbObject {
  return makeJsonbObject(entries);
}
