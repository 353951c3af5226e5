// Ordering, equality and canonical keys of datums. One definition used by
// ORDER BY, min/max, top-k, joins, grouping and consolidation.
import { Decimal } from 'decimal.js';
import { intervalCompareKey } from './datetime.js';
import { compareJsonb, jsonbKeyText } from './jsonb.js';
import { numericKeyText } from './numeric.js';
import { compareCodePoints } from './strings.js';
import { ArrayValue, Jsonb, ListValue, MapValue, RecordValue, type Datum, type Interval, type Row } from './types.js';

/** Numbers numerically; NaN equals NaN and sorts after every other number; -0 equals 0. */
function compareNumbers(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  const aNaN = a !== a;
  const bNaN = b !== b;
  return aNaN === bNaN ? 0 : aNaN ? 1 : -1;
}

function compareDecimals(a: Decimal, b: Decimal): number {
  const aNaN = a.isNaN();
  const bNaN = b.isNaN();
  if (aNaN || bNaN) return aNaN === bNaN ? 0 : aNaN ? 1 : -1;
  return a.comparedTo(b);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** Elementwise with NULL greatest, then the shorter sequence first. */
function compareSequences(a: readonly Datum[], b: readonly Datum[]): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const c = compareDatums(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** PostgreSQL's array_cmp: elements, then element count, then dimensions and lower bounds. */
function compareArrays(a: ArrayValue, b: ArrayValue): number {
  const c = compareSequences(a.elements, b.elements);
  if (c !== 0) return c;
  if (a.dims.length !== b.dims.length) return a.dims.length < b.dims.length ? -1 : 1;
  for (let i = 0; i < a.dims.length; i++) {
    if (a.dims[i] !== b.dims[i]) return a.dims[i]! < b.dims[i]! ? -1 : 1;
    if (a.lowerBounds[i] !== b.lowerBounds[i]) return a.lowerBounds[i]! < b.lowerBounds[i]! ? -1 : 1;
  }
  return 0;
}

function compareMaps(a: MapValue, b: MapValue): number {
  const n = Math.min(a.entries.length, b.entries.length);
  for (let i = 0; i < n; i++) {
    const [ka, va] = a.entries[i]!;
    const [kb, vb] = b.entries[i]!;
    const ck = compareCodePoints(ka, kb);
    if (ck !== 0) return ck;
    const cv = compareDatums(va, vb);
    if (cv !== 0) return cv;
  }
  return a.entries.length - b.entries.length < 0 ? -1 : a.entries.length > b.entries.length ? 1 : 0;
}

function isInterval(v: object): v is Interval {
  return (v as Interval).months !== undefined && (v as Interval).micros !== undefined;
}

/** The datums represented by objects (numeric, bytea, jsonb, interval, composites). */
type ObjectDatum = Exclude<Datum, null | boolean | number | bigint | string>;

function compareObjects(a: ObjectDatum, b: ObjectDatum): number {
  if (a instanceof Decimal && b instanceof Decimal) return compareDecimals(a, b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b);
  if (a instanceof Jsonb && b instanceof Jsonb) return compareJsonb(a, b);
  if (a instanceof ArrayValue && b instanceof ArrayValue) return compareArrays(a, b);
  if (a instanceof ListValue && b instanceof ListValue) return compareSequences(a.elements, b.elements);
  if (a instanceof RecordValue && b instanceof RecordValue) return compareSequences(a.fields, b.fields);
  if (a instanceof MapValue && b instanceof MapValue) return compareMaps(a, b);
  if (isInterval(a) && isInterval(b)) {
    const ka = intervalCompareKey(a);
    const kb = intervalCompareKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  }
  return compareKinds(a, b);
}

/**
 * Values of different representations never meet in a correctly typed
 * column; should they, order them by kind rather than crash a dataflow.
 */
function kindRank(v: Datum): number {
  switch (typeof v) {
    case 'boolean': return 0;
    case 'number':
    case 'bigint': return 1;
    case 'string': return 2;
    default: break;
  }
  if (v instanceof Decimal) return 3;
  if (v instanceof Uint8Array) return 4;
  if (v instanceof Jsonb) return 5;
  if (v instanceof ArrayValue) return 7;
  if (v instanceof ListValue) return 8;
  if (v instanceof MapValue) return 9;
  if (v instanceof RecordValue) return 10;
  return 6; // interval
}

function compareKinds(a: Datum, b: Datum): number {
  const ra = kindRank(a);
  const rb = kindRank(b);
  return ra < rb ? -1 : ra > rb ? 1 : 0;
}

/**
 * Total order over datums of one type, as PostgreSQL sorts them (NULL sorts
 * after every value, text compares by code point, NaN after numbers).
 */
export function compareDatums(a: Datum, b: Datum): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  switch (typeof a) {
    case 'number':
      if (typeof b === 'number') return compareNumbers(a, b);
      if (typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
      break;
    case 'bigint':
      if (typeof b === 'bigint') return a < b ? -1 : 1;
      if (typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
      break;
    case 'string':
      if (typeof b === 'string') return compareCodePoints(a, b);
      break;
    case 'boolean':
      if (typeof b === 'boolean') return a ? 1 : -1;
      break;
    default:
      if (typeof b === 'object') return compareObjects(a, b);
  }
  return compareKinds(a, b);
}

/** Datum equality under which NULL equals NULL (grouping/join-key semantics). */
export function datumEquals(a: Datum, b: Datum): boolean {
  return a === b || (a !== null && b !== null && compareDatums(a, b) === 0);
}

/** Compares rows column by column (ORDER BY over all columns). */
export function compareRows(a: Row, b: Row): number {
  return compareSequences(a, b);
}

// ---------------------------------------------------------------------------
// Canonical keys
//
// Each datum is written self-delimiting, so a concatenation of datums of one
// schema is injective:
//   NULL             N;
//   bool             T | F
//   number, bigint   decimal text + ';' (-0 written as 0; NaN as NaN)
//   numeric          normalized decimal text + ';' (1.0 and 1.00 alike)
//   string           length ':' characters
//   bytea            'x' length ':' bytes as latin1
//   jsonb            'j' length ':' canonical text (numbers normalized)
//   interval         'i' PostgreSQL comparison value + ';'
//   array            'a' dims '/' lower bounds ':' elements
//   list, record     'l' | 'r' count ':' elements
//   map              'm' count ':' (key as string, value) pairs

function appendObjectKey(key: string, v: object): string {
  if (v instanceof Decimal) return key + numericKeyText(v) + ';';
  if (v instanceof Uint8Array) {
    let s = '';
    for (let i = 0; i < v.length; i++) s += String.fromCharCode(v[i]!);
    return `${key}x${v.length}:${s}`;
  }
  if (v instanceof Jsonb) {
    const text = jsonbKeyText(v);
    return `${key}j${text.length}:${text}`;
  }
  if (v instanceof ArrayValue) {
    let k = `${key}a${v.dims.join(',')}/${v.lowerBounds.join(',')}:`;
    for (const e of v.elements) k = appendKey(k, e);
    return k;
  }
  if (v instanceof ListValue) {
    let k = `${key}l${v.elements.length}:`;
    for (const e of v.elements) k = appendKey(k, e);
    return k;
  }
  if (v instanceof RecordValue) {
    let k = `${key}r${v.fields.length}:`;
    for (const e of v.fields) k = appendKey(k, e);
    return k;
  }
  if (v instanceof MapValue) {
    let k = `${key}m${v.entries.length}:`;
    for (const [mk, mv] of v.entries) k = appendKey(`${k}${mk.length}:${mk}`, mv);
    return k;
  }
  return `${key}i${intervalCompareKey(v as Interval)};`;
}

function appendKey(key: string, v: Datum): string {
  switch (typeof v) {
    case 'number':
      // v !== v is NaN; -0 and 0 both print "0".
      return key + (v !== v ? 'NaN' : v === 0 ? '0' : String(v)) + ';';
    case 'string':
      return key + v.length + ':' + v;
    case 'bigint':
      return key + String(v) + ';';
    case 'boolean':
      return key + (v ? 'T' : 'F');
    default:
      return v === null ? key + 'N;' : appendObjectKey(key, v);
  }
}

/**
 * A canonical string key for a row: equal rows (by datumEquals per column)
 * have equal keys, different rows different keys. Used for hashing in
 * arrangements and consolidation, so it must be fast.
 */
export function rowKey(row: Row): string {
  let key = '';
  for (let i = 0; i < row.length; i++) key = appendKey(key, row[i]!);
  return key;
}

/** Key of a single datum, same properties as rowKey. */
export function datumKey(value: Datum): string {
  return appendKey('', value);
}

// ---------------------------------------------------------------------------
// Row hashing
//
// Compute state keeps rows in hash tables keyed by the rows themselves:
// hashing a row's datums directly costs a few multiplications per column,
// where building its key string costs an allocation and a copy of every
// character. Equality is that of the canonical keys above (datumKeyEquals),
// so both views of "the same row" agree; primitives never build a key.
// A typed column holds one representation, so a number never meets a
// numeric or a bigint of the same value in one table (their hashes differ).

const floatScratch = new Float64Array(1);
const floatWords = new Int32Array(floatScratch.buffer);

function stringHash(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h;
}

function numberHash(v: number): number {
  if ((v | 0) === v) return v | 0; // -0 hashes as 0, as it keys as 0
  if (v !== v) return 0x7ff80000;
  floatScratch[0] = v;
  return floatWords[0]! ^ floatWords[1]!;
}

/** A 32-bit hash of one datum, equal for datums with equal datumKey. */
export function datumHash(v: Datum): number {
  switch (typeof v) {
    case 'number':
      return numberHash(v);
    case 'string':
      return stringHash(v);
    case 'bigint':
      return numberHash(Number(v));
    case 'boolean':
      return v ? 0x2f6b4a11 : 0x1d3c8e57;
    default:
      if (v === null) return 0x1b873593;
      // A jsonb's key text is its whole canonical key: no prefixed copy to hash.
      return v instanceof Jsonb ? stringHash(v.key) ^ 0x6a736f6e : stringHash(appendObjectKey('', v));
  }
}

/** A 32-bit hash of a row, equal for rows with equal rowKey. */
export function rowHash(row: Row): number {
  let h = row.length;
  for (let i = 0; i < row.length; i++) {
    h = Math.imul(h ^ datumHash(row[i]!), 0x5bd1e995);
    h ^= h >>> 15;
  }
  // Final avalanche (murmur3's fmix32): tables index by the low bits.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** datumKey(a) === datumKey(b), without building keys for primitives. */
export function datumKeyEquals(a: Datum, b: Datum): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  const type = typeof a;
  if (type === 'number' && typeof b === 'number') return a !== a && b !== b; // NaN keys as NaN
  if (type !== 'object' && type === typeof b) return false;
  if (a instanceof Jsonb && b instanceof Jsonb) return a.key === b.key;
  return appendKey('', a) === appendKey('', b);
}

/** rowKey(a) === rowKey(b), without building keys. */
export function rowKeyEquals(a: Row, b: Row): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!datumKeyEquals(a[i]!, b[i]!)) return false;
  return true;
}
