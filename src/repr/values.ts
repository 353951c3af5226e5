// Constructors for composite datums that keep their invariants (map entries
// sorted by key with later duplicates winning, 1-D array dimensions).
import { compareCodePoints } from './strings.js';
import { ArrayValue, ListValue, MapValue, RecordValue, type Datum } from './types.js';

/** A map from entries in any order: sorted by key (code point order), later duplicates win. */
export function makeMap(entries: Iterable<readonly [string, Datum]>): MapValue {
  const byKey = new Map<string, Datum>();
  for (const [k, v] of entries) byKey.set(k, v);
  const sorted = [...byKey.entries()].sort((a, b) => compareCodePoints(a[0], b[0]));
  return new MapValue(sorted);
}

/** Looks a key up in a map by binary search. undefined when absent (a present NULL is null). */
export function mapGet(map: MapValue, key: string): Datum | undefined {
  let lo = 0;
  let hi = map.entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [k, v] = map.entries[mid]!;
    const c = compareCodePoints(k, key);
    if (c === 0) return v;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

export function makeList(elements: Datum[]): ListValue {
  return new ListValue(elements);
}

export function makeRecord(fields: Datum[]): RecordValue {
  return new RecordValue(fields);
}

/** A one-dimensional array with lower bound 1 (PostgreSQL's empty array has no dimensions). */
export function makeArray(elements: Datum[]): ArrayValue {
  return elements.length === 0 ? new ArrayValue([], []) : new ArrayValue(elements, [elements.length]);
}
