// distinct and threshold: per row, the accumulated multiplicity; output
// changes only when the row's presence (distinct) or positive part
// (threshold) changes.
import { Stream } from '../stream.js';
import { keyOf, type KeyedUpdate } from '../zset.js';

function renderCounting(input: Stream, outputOf: (count: number) => number): Stream {
  const output = new Stream();
  const counts = new Map<string, number>();
  input.connect((updates, errors) => {
    const out: KeyedUpdate[] = [];
    for (const u of updates) {
      const key = keyOf(u);
      const before = counts.get(key) ?? 0;
      const after = before + u.diff;
      if (after === 0) counts.delete(key);
      else counts.set(key, after);
      const delta = outputOf(after) - outputOf(before);
      if (delta !== 0) out.push({ row: u.row, diff: delta, key });
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
