// SQL types and the in-memory representation of values (datums).
//
// This file is a contract shared by every stage: the parser names types, the
// planner resolves them to `SqlType`, compute evaluates over `Datum`s, storage
// decodes Kafka messages into `Row`s, and the wire protocol encodes them.
//
// Representation choices (why):
// - Rows are plain arrays of datums, one slot per column of a fixed, typed
//   schema. No per-row objects with property names on the hot path.
// - Which JS value a datum holds is decided by its column's SqlType, so the
//   encoding is compact; composite values are class instances so generic code
//   (hashing, printing) can tell them apart from scalars.
// - Exactness first: int8 is a bigint, numeric is an exact decimal, timestamps
//   are integer microseconds (bigint) covering PostgreSQL's whole range.

import type { Decimal } from 'decimal.js';
import type { Jsonb } from './jsonb-datum.js';

export type ScalarKind =
  | 'bool'
  | 'int2'
  | 'int4'
  | 'int8'
  | 'uint2'
  | 'uint4'
  | 'uint8'
  | 'float4'
  | 'float8'
  | 'numeric'
  | 'text'
  | 'varchar'
  | 'bpchar'
  | 'bytea'
  | 'jsonb'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'interval'
  | 'uuid'
  | 'oid'
  | 'regclass'
  | 'regproc'
  | 'regtype'
  | 'name'
  | 'char' // PostgreSQL's internal single-byte "char"
  | 'mz_timestamp'
  | 'unknown'; // type of an untyped literal ('abc', NULL) before resolution

/** A SQL type. Modifiers (varchar(n), numeric(p,s)) are carried where they change behaviour. */
export type SqlType =
  | { kind: Exclude<ScalarKind, 'numeric' | 'varchar' | 'bpchar' | 'timestamp' | 'timestamptz' | 'time'> }
  | { kind: 'numeric'; precision?: number; scale?: number }
  | { kind: 'varchar'; length?: number }
  | { kind: 'bpchar'; length?: number }
  | { kind: 'time'; precision?: number }
  | { kind: 'timestamp'; precision?: number }
  | { kind: 'timestamptz'; precision?: number }
  /** PostgreSQL array (one or more dimensions, lower bound 1 by default). */
  | { kind: 'array'; element: SqlType }
  /** Materialize list: variable-length, nestable, 1-based. */
  | { kind: 'list'; element: SqlType }
  /** Materialize map: text keys to values of one type. */
  | { kind: 'map'; value: SqlType }
  /** Anonymous or named record (row) type. */
  | { kind: 'record'; fields: RecordField[] };

export interface RecordField {
  name: string;
  type: SqlType;
}

/** A column of a relation: name, type and nullability. */
export interface Column {
  name: string;
  type: SqlType;
  nullable: boolean;
}

/** The schema of a relation (a table, source, view or intermediate result). */
export interface RelationDesc {
  columns: Column[];
  /** Sets of column indexes known to be unique keys (used by the optimizer). */
  keys?: number[][];
}

/** PostgreSQL interval: months, days and microseconds kept separately, as PostgreSQL does. */
export interface Interval {
  readonly months: number;
  readonly days: number;
  readonly micros: bigint;
}

/** A PostgreSQL array value: elements in row-major order plus dimensions. */
export class ArrayValue {
  constructor(
    readonly elements: Datum[],
    /** Length of each dimension; [] for an empty array. */
    readonly dims: number[],
    /** Lower bound of each dimension (1 unless written otherwise). */
    readonly lowerBounds: number[] = dims.map(() => 1),
  ) {}
}

/** A Materialize list value (1-based, nestable). */
export class ListValue {
  constructor(readonly elements: Datum[]) {}
}

/** A Materialize map value; entries are kept sorted by key (text). */
export class MapValue {
  constructor(readonly entries: ReadonlyArray<readonly [string, Datum]>) {}
}

/** A record (row) value; field names live in the type. */
export class RecordValue {
  constructor(readonly fields: Datum[]) {}
}

export { Jsonb, JsonbNumber, JsonbObject, type JsonbValue } from './jsonb-datum.js';

/**
 * A datum is one SQL value. Which member is used is decided by the column type:
 *
 * | SqlType                     | JS representation                               |
 * |-----------------------------|-------------------------------------------------|
 * | NULL of any type            | null                                            |
 * | bool                        | boolean                                         |
 * | int2, int4, uint2, uint4, oid, reg* | number (integer)                        |
 * | int8, uint8                 | bigint                                          |
 * | float4, float8              | number                                          |
 * | numeric                     | Decimal (decimal.js; NaN allowed)               |
 * | text, varchar, bpchar, name, char, uuid | string (uuid lower-case canonical)  |
 * | bytea                       | Uint8Array                                      |
 * | jsonb                       | Jsonb                                           |
 * | date                        | number: days since 1970-01-01 (±Infinity for infinity) |
 * | time                        | bigint: microseconds since midnight             |
 * | timestamp, timestamptz      | bigint: microseconds since 1970-01-01 UTC       |
 * | interval                    | Interval                                        |
 * | mz_timestamp                | bigint: milliseconds since the epoch            |
 * | array                       | ArrayValue                                      |
 * | list                        | ListValue                                       |
 * | map                         | MapValue                                        |
 * | record                      | RecordValue                                     |
 */
export type Datum =
  | null
  | boolean
  | number
  | bigint
  | string
  | Decimal
  | Uint8Array
  | Jsonb
  | Interval
  | ArrayValue
  | ListValue
  | MapValue
  | RecordValue;

export type Row = Datum[];

/** timestamp 'infinity' and '-infinity' sentinels (PostgreSQL stores them as int64 max/min). */
export const TIMESTAMP_INFINITY = 9223372036854775807n;
export const TIMESTAMP_NEG_INFINITY = -9223372036854775808n;

export const T = {
  bool: { kind: 'bool' },
  int2: { kind: 'int2' },
  int4: { kind: 'int4' },
  int8: { kind: 'int8' },
  float4: { kind: 'float4' },
  float8: { kind: 'float8' },
  numeric: { kind: 'numeric' },
  text: { kind: 'text' },
  bytea: { kind: 'bytea' },
  jsonb: { kind: 'jsonb' },
  date: { kind: 'date' },
  time: { kind: 'time' },
  timestamp: { kind: 'timestamp' },
  timestamptz: { kind: 'timestamptz' },
  interval: { kind: 'interval' },
  uuid: { kind: 'uuid' },
  oid: { kind: 'oid' },
  mzTimestamp: { kind: 'mz_timestamp' },
  unknown: { kind: 'unknown' },
} as const satisfies Record<string, SqlType>;
