// Orderings shared by top-k and ordered aggregates.
import { compareDatums } from '../repr/compare.js';
import type { Datum } from '../repr/types.js';

/** compareDatums with explicit direction and NULL placement (ORDER BY semantics). */
export function compareNullable(a: Datum, b: Datum, desc: boolean, nullsFirst: boolean): number {
  if (a === null || b === null) {
    if (a === b) return 0;
    return (a === null) === nullsFirst ? -1 : 1;
  }
  const c = compareDatums(a, b);
  return desc ? -c : c;
}
