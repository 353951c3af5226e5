// Inner join of n inputs as delta queries. For each input there is a path:
// its changes are looked up in the other inputs' arrangements one input at a
// time (following equivalences where it can, a cross product where it must),
// and then applied to its own arrangements. Inputs' batches arrive one at a
// time, so each change meets the others' current state, which sums to the
// change of the join (dA⋈B⋈C + A'⋈dB⋈C + A'⋈B'⋈dC). Only base inputs are
// arranged (by the keys their lookups use): no intermediate join results are
// stored. One input may instead be read through an arrangement its
// collection maintains (SharedJoinInput), so large inputs are held once.
//
// Rows under construction are laid out in the final column order (input i's
// columns at its offset), so every equivalence expression is evaluated on
// final column indexes; the complete rows are finally checked against every
// equivalence class, so key lookups only prune.
import { datumEquals } from '../../repr/compare.js';
import type { Datum, Row } from '../../repr/types.js';
import { structuralKey, type GlobalId, type ScalarExpr } from '../../plan/mir.js';
import type { ErrorUpdate, Update } from '../api.js';
import { Arrangement, compileGroupKey, type GroupKey } from '../zset.js';
import { columnsOf, shiftColumns, type CompiledScalar } from '../scalar.js';
import { evalError, Stream } from '../stream.js';

export interface JoinEnv {
  compile(expr: ScalarExpr): CompiledScalar;
  label(): string;
}

interface ArrangedInput {
  state: Arrangement;
  /** Key of one of the input's own rows. */
  keyOf: (row: Row) => GroupKey;
}

interface PathStep {
  input: number;
  arranged: ArrangedInput;
  /** Key to look up, evaluated on the row under construction. */
  lookup: (row: Row) => GroupKey;
  /** For an arrangement of collection rows (shared): the collection column of each input column. */
  projection?: number[];
  /** For a shared arrangement: lookups that must find nothing (a NULL key the input filters out). */
  findsNothing?: (row: Row) => boolean;
}

interface Layout {
  offsets: number[];
  widths: number[];
  total: number;
}

/** Which single input an expression reads (-1: none, a constant; undefined: several). */
function inputOfExpr(expr: ScalarExpr, layout: Layout): number | undefined {
  let found = -1;
  for (const c of columnsOf(expr)) {
    const i = layout.offsets.findIndex((o, k) => c >= o && c < o + layout.widths[k]!);
    if (found === -1) found = i;
    else if (found !== i) return undefined;
  }
  return found;
}

/** How a join evaluates: per input, its path of lookups, the arrangements it keeps and the expressions checked on its rows. */
export interface JoinPlan {
  layout: Layout;
  classes: Array<Array<{ expr: ScalarExpr; input: number | undefined }>>;
  /** Per input: its lookups, in order (step input, the arrangement signature it reads, the lookup expressions). */
  paths: Array<Array<{ input: number; arrangement: string; lookups: ScalarExpr[] }>>;
  /** Arrangement signature -> the input it arranges and its key expressions (over the input's own columns). */
  arrangements: Map<string, { input: number; keys: ScalarExpr[] }>;
  /** Per input: expressions evaluated on its rows (keys and lookups), validated once per row. */
  validators: ScalarExpr[][];
}

export function planJoin(widths: number[], equivalences: ScalarExpr[][]): JoinPlan {
  const offsets: number[] = [];
  let total = 0;
  for (const w of widths) {
    offsets.push(total);
    total += w;
  }
  const layout: Layout = { offsets, widths, total };
  const classes = equivalences
    .filter((c) => c.length >= 2)
    .map((c) => c.map((expr) => ({ expr, input: inputOfExpr(expr, layout) })));
  const arrangements = new Map<string, { input: number; keys: ScalarExpr[] }>();
  const validators: ScalarExpr[][] = widths.map(() => []);
  const arrange = (input: number, keyExprs: ScalarExpr[]): string => {
    const local = keyExprs.map((e) => shiftColumns(e, -offsets[input]!));
    const signature = `${input}|${structuralKey(local)}`;
    if (!arrangements.has(signature)) {
      arrangements.set(signature, { input, keys: local });
      validators[input]!.push(...local);
    }
    return signature;
  };
  const paths = widths.map((_, start) => {
    const joined = new Set([start]);
    const steps: JoinPlan['paths'][number] = [];
    while (joined.size < widths.length) {
      let best: { input: number; lookups: ScalarExpr[]; keys: ScalarExpr[] } | undefined;
      for (let j = 0; j < widths.length; j++) {
        if (joined.has(j)) continue;
        const lookups: ScalarExpr[] = [];
        const keys: ScalarExpr[] = [];
        for (const cls of classes) {
          const key = cls.find((m) => m.input === j);
          const lookup = cls.find((m) => m.input !== undefined && m.input !== j && (m.input === -1 || joined.has(m.input)));
          if (key === undefined || lookup === undefined) continue;
          keys.push(key.expr);
          lookups.push(lookup.expr);
        }
        if (best === undefined || keys.length > best.keys.length) best = { input: j, lookups, keys };
      }
      const { input, lookups, keys } = best!;
      for (const expr of lookups) {
        // A lookup reads one input's columns (validated on that input's rows) or none (validated on this path's rows).
        const k = inputOfExpr(expr, layout)!;
        if (k === -1) validators[start]!.push(expr);
        else validators[k]!.push(shiftColumns(expr, -offsets[k]!));
      }
      steps.push({ input, arrangement: arrange(input, keys), lookups });
      joined.add(input);
    }
    return steps;
  });
  return { layout, classes, paths, arrangements, validators };
}

/**
 * The key columns by which the join arranges `input`, when that is one
 * arrangement keyed by plain columns and every expression checked on the
 * input's rows is a plain column: then its rows can never fail to join, and
 * the arrangement may be one the input collection already maintains.
 */
export function shareableKey(plan: JoinPlan, input: number): number[] | undefined {
  const mine = [...plan.arrangements.values()].filter((a) => a.input === input);
  if (mine.length !== 1 || plan.validators[input]!.some((e) => e.kind !== 'column')) return undefined;
  const keys = mine[0]!.keys;
  if (!keys.every((e) => e.kind === 'column')) return undefined;
  return keys.map((e) => (e as { index: number }).index);
}

/**
 * An input read through its collection's own arrangement (by the input's
 * shareableKey, mapped to collection columns), which the collection updates
 * before the input's batch arrives. The arrangement holds the collection's
 * rows: `projection` maps them to the input's columns, and lookups whose key
 * is NULL where the input filters NULL keys out find nothing.
 */
export interface SharedJoinInput {
  input: number;
  id: GlobalId;
  stream: Stream;
  arrangement: Arrangement;
  projection: number[];
  /** Per key column: whether the input keeps only rows where it is not NULL. */
  skipNullKeys: boolean[];
}

/** Renders a join planned by planJoin; shared inputs' arrangements are read, not kept. */
export function renderJoin(inputs: Stream[], plan: JoinPlan, env: JoinEnv, sharedInputs: SharedJoinInput[] = []): Stream {
  const sharedOf = (input: number): SharedJoinInput | undefined => sharedInputs.find((s) => s.input === input);
  const { layout, classes, validators } = plan;
  const { offsets, total } = layout;
  const arrangements = new Map<string, ArrangedInput>();
  const arrangementsOf: ArrangedInput[][] = inputs.map(() => []);
  for (const [signature, { input, keys }] of plan.arrangements) {
    const external = sharedOf(input)?.arrangement;
    const arranged: ArrangedInput = { state: external ?? new Arrangement(), keyOf: compileGroupKey(keys.map((e) => env.compile(e))) };
    arrangements.set(signature, arranged);
    // An input's own arrangements are updated as its batches pass, unless the collection does it.
    if (external === undefined) arrangementsOf[input]!.push(arranged);
  }
  const paths: PathStep[][] = plan.paths.map((steps) =>
    steps.map((step) => {
      const lookups = step.lookups.map((e) => env.compile(e));
      const pathStep: PathStep = { input: step.input, arranged: arrangements.get(step.arrangement)!, lookup: compileGroupKey(lookups) };
      const shared = sharedOf(step.input);
      if (shared !== undefined) {
        pathStep.projection = shared.projection;
        const nullable = lookups.filter((_, k) => shared.skipNullKeys[k]);
        if (nullable.length > 0) pathStep.findsNothing = (row) => nullable.some((l) => l(row) === null);
      }
      return pathStep;
    }),
  );
  const compiledValidators = validators.map((exprs) => exprs.map((e) => env.compile(e)));
  const checks = classes.map((cls) => cls.map((m) => env.compile(m.expr)));
  const satisfiesEquivalences = (row: Row): boolean => {
    for (const group of checks) {
      const first = group[0]!(row);
      for (let i = 1; i < group.length; i++) if (!datumEquals(group[i]!(row), first)) return false;
    }
    return true;
  };

  const output = new Stream();
  const checkLabel = env.label();
  inputs.forEach((input, i) => {
    const label = env.label();
    const offset = offsets[i]!;
    const path = paths[i]!;
    input.connect((updates, errors) => {
      const out: Update[] = [];
      let errs: ErrorUpdate[] | undefined;
      const emit = (row: Row, diff: number): void => {
        try {
          if (satisfiesEquivalences(row)) out.push({ row, diff });
        } catch (err) {
          // Expressions over several inputs: the joined row is the same on insertion and retraction.
          (errs ??= [...errors]).push(evalError(checkLabel, row, diff, err));
        }
      };
      // Fills the slots of path step `s` onwards. The first match writes into `partial`
      // itself; later ones copy it first, so no emitted row is written after emission.
      const extend = (partial: Row, diff: number, s: number): void => {
        if (s === path.length) {
          emit(partial, diff);
          return;
        }
        const step = path[s]!;
        const at = offsets[step.input]!;
        if (step.findsNothing?.(partial) === true) return;
        const projection = step.projection;
        let first = true;
        step.arranged.state.forEachInGroup(step.lookup(partial), (match, d) => {
          const row = first ? partial : partial.slice();
          first = false;
          if (projection === undefined) for (let c = 0; c < match.length; c++) row[at + c] = match[c]!;
          else for (let c = 0; c < projection.length; c++) row[at + c] = match[projection[c]!]!;
          extend(row, diff * d, s + 1);
        });
      };
      for (const u of updates) {
        try {
          for (const v of compiledValidators[i]!) v(u.row);
        } catch (err) {
          // The row's key expressions fail: it joins nothing, and is an error while present.
          (errs ??= [...errors]).push(evalError(label, u.row, u.diff, err));
          continue;
        }
        const start: Row = new Array<Datum>(total).fill(null);
        for (let c = 0; c < u.row.length; c++) start[offset + c] = u.row[c]!;
        extend(start, u.diff, 0);
        for (const arranged of arrangementsOf[i]!) arranged.state.update(arranged.keyOf(u.row), u.row, u.diff);
      }
      output.emit(out, errs ?? errors);
    });
  });
  return output;
}
