// Datum -> jsonb conversion for jsonb_agg / jsonb_object_agg. PostgreSQL's
// aggregates convert each value exactly as to_jsonb does, so these are expr's
// to_jsonb converters, chosen once per aggregate (not per row); timestamptz
// is written in the session TimeZone the aggregate was planned in.
import { makeJsonbObject } from '../repr/jsonb.js';
import type { Datum, JsonbObject, JsonbValue, SqlType } from '../repr/types.js';
import { toJsonbConverter, toJsonbKeyConverter } from '../expr/jsonb-value.js';

/** to_jsonb of non-null values of `type` in `timeZone`; NULL is JSON null. */
export function jsonbConverter(type: SqlType, timeZone?: string): (value: Datum) => JsonbValue {
  const convert = toJsonbConverter(type, timeZone);
  return (value) => (value === null ? null : convert(value));
}

/** jsonb_object_agg's key text of non-null keys of `type` in `timeZone`. */
export function jsonbKeyConverter(type: SqlType, timeZone?: string): (key: Datum) => string {
  return toJsonbKeyConverter(type, timeZone);
}

/** jsonb key order: shorter keys first, then bytewise; duplicate keys keep the last value. */
export function jsonbObject(entries: Array<readonly [string, JsonbValue]>): JsonbObject {
  return makeJsonbObject(entries);
}
