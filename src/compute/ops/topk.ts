// Top-k per group. Each group keeps its multiset of rows; a touched group
// recomputes its visible window (offset .. offset+limit in the order, ties
// broken by the whole row so the result is deterministic) and emits the
// difference from the window it showed before.
import { rowKey } from '../../repr/compare.js';
import type { Row } from '../../repr/types.js';
import { compareNullable } from '../order.js';
import type { ColumnOrder } from '../../plan/mir.js';
import type { Update } from '../api.js';
import { keyOf, RowMultiset, UpdateAccumulator } from '../zset.js';
import { Stream } from '../stream.js';

interface TopGroup {
  rows: RowMultiset;
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

  const window = (group: TopGroup): Update[] => {
    const present: Update[] = [];
    group.rows.forEach((row, diff) => {
      if (diff > 0) present.push({ row, diff });
    });
    present.sort((a, b) => compare(a.row, b.row));
    const shown: Update[] = [];
    let position = 0;
    for (const u of present) {
      if (position >= end) break;
      const from = Math.max(position, offset);
      const to = Math.min(position + u.diff, end);
      if (to > from) shown.push({ row: u.row, diff: to - from });
      position += u.diff;
    }
    return shown;
  };

  input.connect((updates, errors) => {
    const touched = new Map<string, TopGroup>();
    for (const u of updates) {
      const key = rowKey(groupKey.map((c) => u.row[c]!));
      let group = groups.get(key);
      if (group === undefined) {
        group = { rows: new RowMultiset(), shown: [] };
        groups.set(key, group);
      }
      group.rows.update(keyOf(u), u.row, u.diff);
      touched.set(key, group);
    }
    const out = new UpdateAccumulator();
    for (const [key, group] of touched) {
      const next = window(group);
      for (const u of group.shown) out.add(u.row, -u.diff);
      for (const u of next) out.add(u.row, u.diff);
      group.shown = next;
      if (group.rows.size === 0) groups.delete(key);
    }
    output.emit(out.drain(), errors);
  });
  return output;
}
