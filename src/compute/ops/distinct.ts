// distinct and threshold: per row, the accumulated multiplicity; output
// changes only when the row's presence (distinct) or positive part
// (threshold) changes.
import { Stream } from '../stream.js';
import type { Update } from '../api.js';
import { RowCounts } from '../row-counts.js';

function renderCounting(input: Stream, outputOf: (count: number) => number): Stream {
  const output = new Stream();
  const counts = new RowCounts();
  input.connect((updates, errors) => {
    const out: Update[] = [];
    for (const u of updates) {
      const before = counts.add(u.row, u.diff);
      const delta = outputOf(before + u.diff) - outputOf(before);
      if (delta !== 0) out.push({ row: u.row, diff: delta });
    }
    output.emit(out, errors);
  });
  return output;
}

export function renderDistinct(input: Stream): Stream {
  return renderCounting(input, (count) => (count > 0 ? 1 : 0));
}

export function renderThreshold(input: Stream): Stream {
  return renderCounting(input, (count) => (count > 0 ? count : 0));
}
