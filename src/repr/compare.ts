// Ordering, equality and canonical keys of datums. One definition used by
// ORDER BY, min/max, top-k, joins, grouping and consolidation.
import type { Datum, Row } from './types.js';

/**
 * Total order over datums of one type, as PostgreSQL sorts them (NULL sorts
 * after every value, text compares by code point, NaN after numbers).
 */
export function compareDatums(a: Datum, b: Datum): number {
  void a;
  void b;
  return 0;
}

/** Datum equality under which NULL equals NULL (grouping/join-key semantics). */
export function datumEquals(a: Datum, b: Datum): boolean {
  return compareDatums(a, b) === 0;
}

/**
 * A canonical string key for a row: equal rows (by datumEquals per column)
 * have equal keys, different rows different keys. Used for hashing in
 * arrangements and consolidation, so it must be fast.
 */
export function rowKey(row: Row): string {
  return JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** Key of a single datum, same properties as rowKey. */
export function datumKey(value: Datum): string {
  return rowKey([value]);
}
