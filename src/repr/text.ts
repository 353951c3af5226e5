// PostgreSQL text format of every type: what psql prints and what
// parameters, COPY and casts from text read. DateStyle ISO, IntervalStyle
// postgres, extra_float_digits 1 (shortest round-trip floats).
import type { Decimal } from 'decimal.js';
import { SqlError, SqlState } from './errors.js';
import {
  formatArray,
  formatList,
  formatMap,
  formatRecord,
  parseArray,
  parseList,
  parseMap,
  parseRecord,
} from './composite-text.js';
import {
  formatDate,
  formatTime,
  formatTimestamp,
  formatTimestamptz,
  parseDate,
  parseTime,
  parseTimestamp,
  parseTimestamptz,
} from './datetime-text.js';
import { formatInterval, parseInterval } from './interval-text.js';
import { jsonbToText, parseJsonb } from './jsonb.js';
import { applyNumericTypmod, formatNumeric, parseNumeric } from './numeric.js';
import { builtinTypeName, builtinTypeOid } from './pgtypes.js';
import {
  INT2_RANGE,
  INT4_RANGE,
  INT8_RANGE,
  UINT2_RANGE,
  UINT4_RANGE,
  UINT8_RANGE,
  coerceBpchar,
  coerceName,
  coerceVarchar,
  formatBytea,
  formatFloat4,
  formatFloat8,
  parseBool,
  parseBytea,
  parseFloat4,
  parseFloat8,
  parseIntegerBig,
  parseIntegerSmall,
  parseOid,
  parseUuid,
} from './scalar-text.js';
import {
  ArrayValue,
  Jsonb,
  ListValue,
  MapValue,
  RecordValue,
  type Datum,
  type Interval,
  type SqlType,
} from './types.js';

export interface TextOptions {
  /** IANA zone or offset for timestamptz output/input; default 'UTC'. */
  timeZone?: string;
  /** regclass output: a relation's name by OID (the session's catalog view); the number when absent or undefined. */
  relationName?: (oid: number) => string | undefined;
}

/** Formats a non-null datum as PostgreSQL's output function would. */
export function formatText(value: Datum, type: SqlType, options?: TextOptions): string {
  switch (type.kind) {
    case 'bool':
      return value ? 't' : 'f';
    case 'int2':
    case 'int4':
    case 'int8':
    case 'uint2':
    case 'uint4':
    case 'uint8':
    case 'oid':
    case 'regproc':
    case 'mz_timestamp':
      return String(value);
    case 'regclass':
      return options?.relationName?.(value as number) ?? String(value);
    case 'regtype':
      return builtinTypeName(value as number) ?? String(value);
    case 'float4':
      return formatFloat4(value as number);
    case 'float8':
      return formatFloat8(value as number);
    case 'numeric':
      return formatNumeric(value as Decimal, type.scale);
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'name':
    case 'char':
    case 'uuid':
    case 'unknown':
      return typeof value === 'string' ? value : String(value);
    case 'bytea':
      return formatBytea(value as Uint8Array);
    case 'jsonb':
      return jsonbToText(value as Jsonb);
    case 'date':
      return formatDate(value as number);
    case 'time':
      return formatTime(value as bigint);
    case 'timestamp':
      return formatTimestamp(value as bigint);
    case 'timestamptz':
      return formatTimestamptz(value as bigint, options?.timeZone ?? 'UTC');
    case 'interval':
      return formatInterval(value as Interval);
    case 'array': {
      const element = type.element;
      return formatArray(value as ArrayValue, (v) => formatText(v, element, options));
    }
    case 'list': {
      const element = type.element;
      return formatList((value as ListValue).elements, (v) => formatText(v, element, options), element.kind === 'list');
    }
    case 'map': {
      const valueType = type.value;
      return formatMap((value as MapValue).entries, (v) => formatText(v, valueType, options), valueType.kind === 'map');
    }
    case 'record': {
      const fields = type.fields;
      return formatRecord((value as RecordValue).fields, (v, i) => {
        const field = fields[i];
        return field === undefined ? String(v) : formatText(v, field.type, options);
      });
    }
  }
}

function notFound(kind: 'regclass' | 'regproc' | 'regtype', text: string): SqlError {
  switch (kind) {
    case 'regclass':
      return new SqlError(SqlState.undefinedTable, `relation "${text}" does not exist`);
    case 'regproc':
      return new SqlError(SqlState.undefinedFunction, `function "${text}" does not exist`);
    case 'regtype':
      return new SqlError(SqlState.undefinedObject, `type "${text}" does not exist`);
  }
}

function notFoundType(text: string): never {
  throw notFound('regtype', text);
}

const MZ_TIMESTAMP_MAX = 18446744073709551615n;

/** mz_timestamp input: milliseconds since the epoch, or a timestamp with time zone. */
function parseMzTimestamp(text: string, options?: TextOptions): bigint {
  const s = text.trim();
  if (/^\d+$/.test(s)) {
    const v = BigInt(s);
    if (v > MZ_TIMESTAMP_MAX) throw new SqlError(SqlState.numericValueOutOfRange, `value "${text}" is out of range for type mz_timestamp`);
    return v;
  }
  let micros: bigint;
  try {
    micros = parseTimestamptz(s, options?.timeZone ?? 'UTC');
  } catch {
    throw new SqlError(SqlState.invalidTextRepresentation, `invalid input syntax for type mz_timestamp: "${text}"`);
  }
  if (micros < 0n || micros >= 9223372036854775807n) {
    throw new SqlError(SqlState.numericValueOutOfRange, `value "${text}" is out of range for type mz_timestamp`);
  }
  return micros / 1000n;
}

/**
 * Parses PostgreSQL's text input for `type`; throws SqlError 22P02 / 22007 / 22003 etc. on bad input.
 * Modifiers apply as in an input function given the column's typmod (COPY,
 * typed parameters): numeric(p,s) rounds (22003 on overflow), timestamp(p)
 * rounds, char(n) pads, and varchar(n)/char(n) reject longer values (22001).
 * An explicit cast such as 'abcd'::varchar(3) truncates instead: parse with
 * the unmodified type, then coerceVarchar/coerceBpchar(value, n, true).
 */
export function parseText(text: string, type: SqlType, options?: TextOptions): Datum {
  switch (type.kind) {
    case 'bool':
      return parseBool(text);
    case 'int2':
      return parseIntegerSmall(text, INT2_RANGE);
    case 'int4':
      return parseIntegerSmall(text, INT4_RANGE);
    case 'int8':
      return parseIntegerBig(text, INT8_RANGE);
    case 'uint2':
      return parseIntegerSmall(text, UINT2_RANGE);
    case 'uint4':
      return parseIntegerSmall(text, UINT4_RANGE);
    case 'uint8':
      return parseIntegerBig(text, UINT8_RANGE);
    case 'oid':
      return parseOid(text);
    case 'regclass':
    case 'regproc':
    case 'regtype':
      // Names need the catalog (resolved by the planner); numeric OIDs are read here.
      if (/^\s*\d+\s*$/.test(text)) return parseOid(text);
      if (type.kind === 'regtype') return builtinTypeOid(text) ?? notFoundType(text);
      throw notFound(type.kind, text);
    case 'float4':
      return parseFloat4(text);
    case 'float8':
      return parseFloat8(text);
    case 'numeric':
      // Like numeric_in with a typmod (COPY, typed columns): rounds to numeric(p,s). Idempotent for casts.
      return applyNumericTypmod(parseNumeric(text), type.precision, type.scale);
    case 'text':
    case 'unknown':
      return text;
    case 'varchar':
      return coerceVarchar(text, type.length);
    case 'bpchar':
      return coerceBpchar(text, type.length);
    case 'name':
      return coerceName(text);
    case 'char':
      return text.length === 0 ? '' : String.fromCodePoint(text.codePointAt(0)!);
    case 'uuid':
      return parseUuid(text);
    case 'bytea':
      return parseBytea(text);
    case 'jsonb':
      return parseJsonb(text);
    case 'date':
      return parseDate(text, options?.timeZone);
    case 'time':
      return parseTime(text, type.precision, options?.timeZone);
    case 'timestamp':
      return parseTimestamp(text, type.precision, options?.timeZone);
    case 'timestamptz':
      return parseTimestamptz(text, options?.timeZone ?? 'UTC', type.precision);
    case 'interval':
      return parseInterval(text);
    case 'mz_timestamp':
      return parseMzTimestamp(text, options);
    case 'array': {
      const element = type.element;
      return parseArray(text, (t) => parseText(t, element, options));
    }
    case 'list': {
      const element = type.element;
      return new ListValue(parseList(text, (t) => parseText(t, element, options), element.kind === 'list'));
    }
    case 'map': {
      const valueType = type.value;
      return parseMap(text, (t) => parseText(t, valueType, options), valueType.kind === 'map');
    }
    case 'record': {
      const fields = type.fields;
      return new RecordValue(parseRecord(text, fields.length, (t, i) => parseText(t, fields[i]!.type, options)));
    }
  }
}

export { jsonbToText, parseJsonb } from './jsonb.js';
export { applyNumericTypmod } from './numeric.js';
export { coerceBpchar, coerceVarchar } from './scalar-text.js';
