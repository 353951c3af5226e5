// GROUP BY with aggregates. Per group: the key, the number of input rows, one
// invertible state per aggregate, and the row last emitted. A batch touches
// some groups; only those are re-read, and each emits (old row -1, new row +1)
// when its result changed.
import { toSqlError } from '../../repr/errors.js';
import type { Datum, Row } from '../../repr/types.js';
import type { ErrorUpdate } from '../api.js';
import type { AggregateState, CompiledAggregate } from '../aggregates.js';
import type { CompiledScalar } from '../scalar.js';
import { evalError, Stream } from '../stream.js';
import { rowKeyEquals } from '../../repr/compare.js';
import type { Update } from '../api.js';
import { valuesGroupKey, type GroupKey } from '../zset.js';

interface Group {
  key: Row;
  count: number;
  states: AggregateState[];
  /** The row currently in the output (undefined when none). */
  output: Row | undefined;
  /** An error computing the group's result, currently in the error output. */
  error: ErrorUpdate | undefined;
}

export function renderReduce(input: Stream, groupKey: CompiledScalar[], aggregates: CompiledAggregate[], label: string): Stream {
  const output = new Stream();
  const groups = new Map<GroupKey, Group>();
  const keyOf = valuesGroupKey(groupKey.length);
  // Per-row scratch, reused across rows (the handler is never re-entered while it runs).
  const keyValues: Datum[] = new Array<Datum>(groupKey.length);
  const inputs: Array<Datum[] | undefined> = new Array<Datum[] | undefined>(aggregates.length);
  input.connect((updates, errors) => {
    let errs: ErrorUpdate[] | undefined;
    const touched = new Set<Group>();
    const touchedKeys: GroupKey[] = [];
    for (const u of updates) {
      try {
        for (let i = 0; i < groupKey.length; i++) keyValues[i] = groupKey[i]!(u.row);
        for (let i = 0; i < aggregates.length; i++) inputs[i] = aggregates[i]!.inputs(u.row);
      } catch (err) {
        (errs ??= [...errors]).push(evalError(label, u.row, u.diff, err));
        continue;
      }
      const key = keyOf(keyValues);
      let group = groups.get(key);
      if (group === undefined) {
        group = { key: keyValues.slice(), count: 0, states: aggregates.map((a) => a.create()), output: undefined, error: undefined };
        groups.set(key, group);
      }
      if (!touched.has(group)) {
        touched.add(group);
        touchedKeys.push(key);
      }
      group.count += u.diff;
      for (let i = 0; i < inputs.length; i++) {
        const values = inputs[i];
        if (values !== undefined) group.states[i]!.add(values, u.diff);
      }
    }
    const out: Update[] = [];
    for (const key of touchedKeys) {
      const group = groups.get(key)!;
      let next: Row | undefined;
      let error: ErrorUpdate | undefined;
      if (group.count > 0) {
        try {
          next = group.key.concat(group.states.map((s) => s.result()));
        } catch (err) {
          error = { error: toSqlError(err), key: `${label}:group:${String(key)}`, diff: 1 };
        }
      }
      const previous = group.output;
      const changed = previous === undefined || next === undefined ? previous !== next : !rowKeyEquals(previous, next);
      if (changed) {
        if (previous !== undefined) out.push({ row: previous, diff: -1 });
        if (next !== undefined) out.push({ row: next, diff: 1 });
        group.output = next;
      }
      if (group.error !== error) {
        errs ??= [...errors];
        if (group.error !== undefined) errs.push({ ...group.error, diff: -1 });
        if (error !== undefined) errs.push(error);
        group.error = error;
      }
      if (group.count === 0 && group.states.every((s) => s.isEmpty())) groups.delete(key);
    }
    output.emit(out, errs ?? errors);
  });
  return output;
}
