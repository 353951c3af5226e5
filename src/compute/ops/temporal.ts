// Temporal filters: predicates over mz_now(). For each row, the predicates
// are turned into the set of times at which the row passes ([from, until)
// intervals); the row is emitted now if now is inside one, and its future
// insertions/retractions are scheduled at the interval bounds.
//
// The intervals are found without knowing the comparison functions by name:
// every boolean atom over mz_now() (`mz_now() <= e`, `>=`, `=`, under casts)
// switches at the other side's value or the next millisecond, which are
// tried first; an atom whose switch they do not explain (a monotone atom
// over an unusual conversion) is bisected. Between
// consecutive switch points the whole predicate is constant, so evaluating it
// once per segment gives the exact intervals, for any AND/OR/NOT/BETWEEN.
import type { Datum, Row, SqlType } from '../../repr/types.js';
import type { ScalarExpr } from '../../plan/mir.js';
import type { Update } from '../api.js';
import { compileScalar, containsMzNow, type CompiledScalar, type EvalClock } from '../scalar.js';
import type { Scheduler } from '../scheduler.js';
import { Stream } from '../stream.js';
import { UpdateAccumulator } from '../zset.js';
import { perRow } from './linear.js';

/** Latest time probed: 2^47 ms (year 6429); predicates are assumed constant after it. */
const HORIZON = 2 ** 47;

export type Validity = Array<[from: number, until: number]>;

interface Atom {
  test: CompiledScalar;
  hints: Array<{ value: CompiledScalar; type: SqlType }>;
}

function findAtoms(expr: ScalarExpr, out: ScalarExpr[]): void {
  if (!containsMzNow(expr)) return;
  if (expr.kind === 'call') {
    const boolChildren = expr.args.filter((a) => a.type.kind === 'bool' && containsMzNow(a));
    if (expr.type.kind === 'bool' && boolChildren.length === 0) out.push(expr);
    else for (const a of expr.args) findAtoms(a, out);
  } else if (expr.kind === 'if') {
    findAtoms(expr.cond, out);
    findAtoms(expr.then, out);
    findAtoms(expr.else, out);
  }
}

function toMillis(value: Datum, type: SqlType): number | undefined {
  let n: number;
  if (typeof value === 'bigint' || typeof value === 'number') n = Number(value);
  else if (value !== null && typeof value === 'object' && 'toFixed' in value) n = Number(value.toString());
  else return undefined;
  if (type.kind === 'timestamp' || type.kind === 'timestamptz') n = n / 1000;
  else if (type.kind === 'date') n = n * 86_400_000;
  n = Math.floor(n);
  return Number.isFinite(n) ? n : undefined;
}

/** Compiles temporal predicates into a function from a row to its validity intervals. */
export function compileValidity(predicates: ScalarExpr[]): (row: Row) => Validity {
  const probe: EvalClock = { now: 0 };
  const whole = predicates.map((p) => compileScalar(p, probe));
  const atomExprs: ScalarExpr[] = [];
  for (const p of predicates) findAtoms(p, atomExprs);
  const atoms: Atom[] = atomExprs.map((a) => ({
    test: compileScalar(a, probe),
    hints:
      a.kind === 'call'
        ? a.args.filter((x) => !containsMzNow(x)).map((x) => ({ value: compileScalar(x, probe), type: x.type }))
        : [],
  }));
  const passes = (row: Row, time: number): boolean => {
    probe.now = time;
    for (const w of whole) if (w(row) !== true) return false;
    return true;
  };
  return (row) => {
    const points = [0];
    for (const atom of atoms) {
      const at = (time: number): boolean => {
        probe.now = time;
        return atom.test(row) === true;
      };
      // Comparisons switch at the compared value (x for <, >=, =; x+1 for <=, >, =).
      let switchExplained = false;
      const low = at(0);
      const high = at(HORIZON);
      for (const hint of atom.hints) {
        const ms = toMillis(hint.value(row), hint.type);
        if (ms === undefined) continue;
        for (const p of [ms, ms + 1]) {
          if (p <= 0 || p > HORIZON) continue;
          points.push(p);
          if (low !== high && !switchExplained && at(p - 1) === low && at(p) === high) switchExplained = true;
        }
      }
      if (low !== high && !switchExplained) {
        // No hint explains the switch (the value went through an unknown conversion): bisect.
        let l = 0;
        let h = HORIZON;
        while (h - l > 1) {
          const m = Math.floor((l + h) / 2);
          if (at(m) === high) h = m;
          else l = m;
        }
        points.push(h);
      }
    }
    points.sort((a, b) => a - b);
    const validity: Validity = [];
    for (let i = 0; i < points.length; i++) {
      const start = points[i]!;
      if (i > 0 && start === points[i - 1]) continue;
      let end = Infinity;
      for (let j = i + 1; j < points.length; j++) {
        if (points[j]! > start) {
          end = points[j]!;
          break;
        }
      }
      if (!passes(row, start)) continue;
      const last = validity[validity.length - 1];
      if (last !== undefined && last[1] === start) last[1] = end;
      else validity.push([start, end]);
    }
    return validity;
  };
}

export function renderTemporalFilter(
  input: Stream,
  validity: (row: Row) => Validity,
  clock: EvalClock,
  scheduler: Scheduler,
  isAlive: () => boolean,
  label: string,
): Stream {
  const pending = new Map<number, UpdateAccumulator>();
  const schedule = (time: number, row: Row, diff: number): void => {
    let acc = pending.get(time);
    if (acc === undefined) {
      const batch = new UpdateAccumulator();
      acc = batch;
      pending.set(time, batch);
      scheduler.at(time, () => {
        pending.delete(time);
        if (isAlive()) output.emit(batch.drain(), []);
      });
    }
    acc.add(row, diff);
  };
  const output = perRow(input, label, (u: Update, out: Update[]) => {
    const now = clock.now;
    for (const [from, until] of validity(u.row)) {
      if (until <= now) continue;
      if (from <= now) out.push(u);
      else schedule(from, u.row, u.diff);
      if (until !== Infinity) schedule(until, u.row, -u.diff);
    }
  });
  return output;
}
