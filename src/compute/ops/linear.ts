// Stateless operators: their output change is a function of the input change
// alone (map, filter, project, flatMap, negate, union).
import type { Datum, Row } from '../../repr/types.js';
import type { TableFunc } from '../../plan/mir.js';
import type { ErrorUpdate, Update } from '../api.js';
import type { CompiledScalar } from '../scalar.js';
import { evalError, Stream } from '../stream.js';

/**
 * Runs `transform` on every update; evaluation errors it throws become error
 * updates (keyed by `label` and the row) instead of escaping.
 */
export function perRow(input: Stream, label: string, transform: (u: Update, out: Update[]) => void): Stream {
  const output = new Stream();
  input.connect((updates, errors) => {
    const out: Update[] = [];
    let errs: ErrorUpdate[] | undefined;
    for (const u of updates) {
      try {
        transform(u, out);
      } catch (err) {
        (errs ??= [...errors]).push(evalError(label, u.row, u.diff, err));
      }
    }
    output.emit(out, errs ?? errors);
  });
  return output;
}

export function renderMap(input: Stream, scalars: CompiledScalar[], label: string): Stream {
  // The output row is allocated at its exact length (concat): a row grown by
  // push keeps the backing store's growth slack (19 slots for 2 columns,
  // 168 bytes instead of 32), which every table, view and index storing it
  // would keep for the row's lifetime.
  const placeholders: Datum[] = scalars.map(() => null);
  return perRow(input, label, (u, out) => {
    const width = u.row.length;
    const row: Row = u.row.concat(placeholders);
    // Each appended column may read the ones appended before it.
    for (let i = 0; i < scalars.length; i++) row[width + i] = scalars[i]!(row);
    out.push({ row, diff: u.diff });
  });
}

export function renderFilter(input: Stream, predicates: CompiledScalar[], label: string): Stream {
  return perRow(input, label, (u, out) => {
    for (const p of predicates) if (p(u.row) !== true) return;
    out.push(u);
  });
}

export function renderProject(input: Stream, outputs: number[]): Stream {
  const output = new Stream();
  input.connect((updates, errors) => {
    output.emit(
      updates.map((u) => ({ row: outputs.map((i) => u.row[i]!), diff: u.diff })),
      errors,
    );
  });
  return output;
}

export function renderFlatMap(input: Stream, func: TableFunc, args: CompiledScalar[], label: string): Stream {
  return perRow(input, label, (u, out) => {
    const values: Datum[] = args.map((a) => a(u.row));
    for (const produced of func.eval(values)) out.push({ row: u.row.concat(produced), diff: u.diff });
  });
}

/** Rows a lazy flatMap emits per step. */
const FLAT_MAP_CHUNK = 1024;

/**
 * flatMap for one-shot evaluation: a batch's output is produced by `defer`red
 * steps of at most FLAT_MAP_CHUNK rows each, pulled from the table
 * functions' iterators (generate_series is a generator), so a huge expansion
 * is never held at once and its evaluation can be sliced and cancelled.
 */
export function renderLazyFlatMap(
  input: Stream,
  func: TableFunc,
  args: CompiledScalar[],
  label: string,
  defer: (step: () => boolean) => void,
): Stream {
  const output = new Stream();
  input.connect((updates, errors) => {
    if (errors.length > 0) output.emit([], errors);
    let next = 0;
    let current: { row: Row; diff: number; rows: Iterator<Row> } | undefined;
    defer(() => {
      const out: Update[] = [];
      const errs: ErrorUpdate[] = [];
      while (out.length < FLAT_MAP_CHUNK) {
        if (current === undefined) {
          if (next >= updates.length) break;
          const u = updates[next++]!;
          try {
            const values: Datum[] = args.map((a) => a(u.row));
            current = { row: u.row, diff: u.diff, rows: func.eval(values)[Symbol.iterator]() };
          } catch (err) {
            errs.push(evalError(label, u.row, u.diff, err));
            continue;
          }
        }
        const expanding = current;
        try {
          const produced = expanding.rows.next();
          if (produced.done === true) current = undefined;
          else out.push({ row: expanding.row.concat(produced.value), diff: expanding.diff });
        } catch (err) {
          errs.push(evalError(label, expanding.row, expanding.diff, err));
          current = undefined;
        }
      }
      output.emit(out, errs);
      return current !== undefined || next < updates.length;
    });
  });
  return output;
}

/** Negates data; errors are not negated (an error stays an error). */
export function renderNegate(input: Stream): Stream {
  const output = new Stream();
  input.connect((updates, errors) => {
    output.emit(
      updates.map((u) => ({ row: u.row, diff: -u.diff })),
      errors,
    );
  });
  return output;
}

export function renderUnion(inputs: Stream[]): Stream {
  const output = new Stream();
  for (const input of inputs) input.connect((updates, errors) => output.emit(updates, errors));
  return output;
}
