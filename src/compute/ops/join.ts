// Inner join of n inputs as a left-deep tree of binary joins. Each binary
// join arranges both sides by its key and emits dA⋈B (B's state before) and
// A⋈dB (A's state after), which sums to d(A⋈B) for any interleaving of
// batches from the two sides.
import { datumEquals } from '../../repr/compare.js';
import type { Row } from '../../repr/types.js';
import type { ScalarExpr } from '../../plan/mir.js';
import type { ErrorUpdate, Update } from '../api.js';
import { Arrangement, compileGroupKey, keyOf, type GroupKey } from '../zset.js';
import { columnsOf, shiftColumns, type CompiledScalar } from '../scalar.js';
import { evalError, Stream } from '../stream.js';
import { renderFilter } from './linear.js';

export interface JoinEnv {
  compile(expr: ScalarExpr): CompiledScalar;
  label(): string;
}

function arrangeSide(
  input: Stream,
  joinKeyOf: (row: Row) => GroupKey,
  own: Arrangement,
  other: Arrangement,
  combine: (mine: Row, theirs: Row) => Row,
  label: string,
  output: Stream,
): void {
  input.connect((updates, errors) => {
    const out: Update[] = [];
    let errs: ErrorUpdate[] | undefined;
    for (const u of updates) {
      let key: GroupKey;
      try {
        key = joinKeyOf(u.row);
      } catch (err) {
        (errs ??= [...errors]).push(evalError(label, u.row, u.diff, err));
        continue;
      }
      const row = u.row;
      const diff = u.diff;
      other.forEachInGroup(key, (theirs, d) => out.push({ row: combine(row, theirs), diff: diff * d }));
      own.update(key, keyOf(u), row, diff);
    }
    output.emit(out, errs ?? errors);
  });
}

function binaryJoin(left: Stream, right: Stream, leftKey: CompiledScalar[], rightKey: CompiledScalar[], env: JoinEnv): Stream {
  const output = new Stream();
  const leftState = new Arrangement();
  const rightState = new Arrangement();
  const label = env.label();
  arrangeSide(left, compileGroupKey(leftKey), leftState, rightState, (l, r) => l.concat(r), `${label}l`, output);
  arrangeSide(right, compileGroupKey(rightKey), rightState, leftState, (r, l) => l.concat(r), `${label}r`, output);
  return output;
}

function within(expr: ScalarExpr, from: number, to: number): boolean {
  return columnsOf(expr).every((c) => c >= from && c < to);
}

/** A filter requiring all expressions of each group to be equal (NULL equals NULL). */
function equalityFilter(input: Stream, groups: ScalarExpr[][], env: JoinEnv): Stream {
  if (groups.length === 0) return input;
  const compiled = groups.map((g) => g.map((e) => env.compile(e)));
  const predicate = (row: Row): boolean => {
    for (const group of compiled) {
      const first = group[0]!(row);
      for (let i = 1; i < group.length; i++) if (!datumEquals(group[i]!(row), first)) return false;
    }
    return true;
  };
  return renderFilter(input, [predicate], env.label());
}

export function renderJoin(inputs: Stream[], widths: number[], equivalences: ScalarExpr[][], env: JoinEnv): Stream {
  const classes = equivalences.filter((c) => c.length >= 2);
  // Constraints within the first input are checked before joining.
  let acc = equalityFilter(
    inputs[0]!,
    classes.map((c) => c.filter((e) => within(e, 0, widths[0]!))).filter((g) => g.length >= 2),
    env,
  );
  let prefixWidth = widths[0]!;
  for (let k = 1; k < inputs.length; k++) {
    const width = widths[k]!;
    const total = prefixWidth + width;
    const leftKey: ScalarExpr[] = [];
    const rightKey: ScalarExpr[] = [];
    const checks: ScalarExpr[][] = [];
    for (const cls of classes) {
      const before = cls.filter((e) => within(e, 0, prefixWidth));
      const now = cls.filter((e) => within(e, 0, total));
      if (now.length === before.length || now.length < 2) continue;
      const l = before.find((e) => columnsOf(e).length > 0) ?? before[0];
      const r = cls.find((e) => columnsOf(e).length > 0 && within(e, prefixWidth, total));
      if (l !== undefined && r !== undefined) {
        leftKey.push(l);
        rightKey.push(shiftColumns(r, -prefixWidth));
        // The key match already guarantees l = r; anything else is checked after.
        if (now.length > 2) checks.push(now);
      } else {
        checks.push(now);
      }
    }
    const joined = binaryJoin(acc, inputs[k]!, leftKey.map((e) => env.compile(e)), rightKey.map((e) => env.compile(e)), env);
    acc = equalityFilter(joined, checks, env);
    prefixWidth = total;
  }
  return acc;
}
