// Top-k per group. Each group keeps its rows sorted (binary search, ties
// broken by the whole row so the result is deterministic); a touched group
// re-reads its window (offset .. offset+limit), which costs the window's size,
// and emits the difference from the window it showed before.
import type { Row } from '../../repr/types.js';
import { compareNullable } from '../order.js';
import type { ColumnOrder } from '../../plan/mir.js';
import type { Update } from '../api.js';
import { storedRowKey, UpdateAccumulator } from '../zset.js';
import { Stream } from '../stream.js';

interface TopGroup {
  /** The group's rows with their multiplicities, kept sorted by the top-k order. */
  sorted: Update[];
  /** The window currently in the output. */
  shown: Update[];
}

/** Row order by `order`, then by every column (ascending) as a tie-break. */
export function rowOrder(order: ColumnOrder[]): (a: Row, b: Row) => number {
  return (a, b) => {
    for (const o of order) {
      const c = compareNullable(a[o.column]!, b[o.column]!, o.desc, o.nullsFirst);
      if (c !== 0) return c;
    }
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = compareNullable(a[i]!, b[i]!, false, false);
      if (c !== 0) return c;
    }
    return 0;
  };
}

export function renderTopK(input: Stream, groupKey: number[], order: ColumnOrder[], limit: number | undefined, offset: number): Stream {
  const output = new Stream();
  const groups = new Map<string, TopGroup>();
  const compare = rowOrder(order);
  const end = limit === undefined ? Infinity : offset + limit;

  /** Binary search: the index of `row` in `sorted`, or where it would be inserted. */
  const position = (sorted: Update[], row: Row): number => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(sorted[mid]!.row, row) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const update = (sorted: Update[], row: Row, diff: number): void => {
    const i = position(sorted, row);
    const entry = sorted[i];
    if (entry !== undefined && compare(entry.row, row) === 0) {
      entry.diff += diff;
      if (entry.diff === 0) sorted.splice(i, 1);
    } else if (diff !== 0) {
      sorted.splice(i, 0, { row, diff });
    }
  };

  /** Rows at ranks offset+1 .. offset+limit (rows with non-positive multiplicity hold no rank). */
  const window = (sorted: Update[]): Update[] => {
    const shown: Update[] = [];
    let rank = 0;
    for (const u of sorted) {
      if (rank >= end) break;
      if (u.diff <= 0) continue;
      const from = Math.max(rank, offset);
      const to = Math.min(rank + u.diff, end);
      if (to > from) shown.push({ row: u.row, diff: to - from });
      rank += u.diff;
    }
    return shown;
  };

  input.connect((updates, errors) => {
    const touched = new Map<string, TopGroup>();
    for (const u of updates) {
      const key = storedRowKey(groupKey.map((c) => u.row[c]!));
      let group = groups.get(key);
      if (group === undefined) {
        group = { sorted: [], shown: [] };
        groups.set(key, group);
      }
      update(group.sorted, u.row, u.diff);
      touched.set(key, group);
    }
    const out = new UpdateAccumulator();
    for (const [key, group] of touched) {
      const next = window(group.sorted);
      for (const u of group.shown) out.add(u.row, -u.diff);
      for (const u of next) out.add(u.row, u.diff);
      group.shown = next;
      if (group.sorted.length === 0) groups.delete(key);
    }
    output.emit(out.drain(), errors);
  });
  return output;
}
