// Rewrites on the relational plan that keep its meaning: constant folding,
// predicate pushdown, map/filter/project fusion, join equivalence inference,
// let inlining. Every rule is local and applied bottom-up until nothing
// changes (bounded), so each can be checked on its own.
import type { Row } from '../repr/types.js';
import type { RelExpr, ScalarExpr } from '../plan/mir.js';
import { describe } from '../plan/mir.js';
import { rowKey } from '../repr/compare.js';
import { AND, isNotNull } from '../plan/builtins.js';
import { equalityFuncs } from '../plan/expr.js';
import { mapChildren, mapPlanScalars } from '../plan/visit.js';
import { explainPlan, scalarText as explainScalar } from '../plan/explain.js';
import { columnsUsed, evaluate, foldScalar, isEvaluable, remapColumns, shiftColumns, substitute } from './scalar.js';
import { inlineLets } from './lets.js';

const MAX_ROUNDS = 8;

export function optimize(plan: RelExpr): RelExpr {
  let current = plan;
  let text = explainPlan(current);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const next = inlineLets(simplify(mapPlanScalars(current, foldScalar)));
    const nextText = explainPlan(next);
    current = next;
    if (nextText === text) break;
    text = nextText;
  }
  return current;
}

function arity(rel: RelExpr): number {
  return describe(rel).columns.length;
}

function empty(rel: RelExpr): RelExpr {
  return { op: 'constant', rows: [], desc: describe(rel) };
}

function isEmpty(rel: RelExpr): boolean {
  return rel.op === 'constant' && rel.rows.length === 0;
}

function isUnit(rel: RelExpr): boolean {
  return rel.op === 'constant' && rel.desc.columns.length === 0 && rel.rows.length === 1 && rel.rows[0]![1] === 1;
}

/** Consolidates constant rows (equal rows add up, zeros vanish). */
function consolidate(rows: Array<[Row, number]>): Array<[Row, number]> {
  const byKey = new Map<string, [Row, number]>();
  for (const [row, diff] of rows) {
    const key = rowKey(row);
    const entry = byKey.get(key);
    if (entry) entry[1] += diff;
    else byKey.set(key, [row, diff]);
  }
  return [...byKey.values()].filter(([, d]) => d !== 0);
}

/** Rows of a constant after `fn`, or undefined when some row cannot be computed now (errors stay for run time). */
function mapConstant(rows: Array<[Row, number]>, fn: (row: Row) => Row | null | undefined): Array<[Row, number]> | undefined {
  const out: Array<[Row, number]> = [];
  try {
    for (const [row, diff] of rows) {
      const next = fn(row);
      if (next === undefined) return undefined;
      if (next !== null) out.push([next, diff]);
    }
  } catch {
    return undefined;
  }
  return out;
}

/** One bottom-up pass: children first, then the rule for the node over its simplified children. */
function simplify(rel: RelExpr): RelExpr {
  const node = mapChildren(rel, simplify);
  switch (node.op) {
    case 'get':
    case 'getLocal':
    case 'constant':
    case 'let':
      return node;
    case 'map':
      return simplifyMap(node.input, node.scalars);
    case 'filter':
      return simplifyFilter(node.input, node.predicates);
    case 'project':
      return simplifyProject(node.input, node.outputs);
    case 'flatMap':
      return isEmpty(node.input) ? empty(node) : node;
    case 'join':
      return simplifyJoin(node.inputs, node.equivalences);
    case 'reduce':
      return isEmpty(node.input) ? empty(node) : pruneReduceInput(node);
    case 'distinct':
    case 'threshold':
      return node.input.op === node.op || isEmpty(node.input) ? node.input : node;
    case 'topK':
      return isEmpty(node.input) || node.limit === 0 ? empty(node.input) : node;
    case 'negate': {
      const input = node.input;
      if (input.op === 'negate') return input.input;
      if (input.op === 'constant') return { ...input, rows: input.rows.map(([row, d]): [Row, number] => [row, -d]) };
      return node;
    }
    case 'union':
      return simplifyUnion(node.inputs);
  }
}

function simplifyUnion(inputs: RelExpr[]): RelExpr {
  const flat = inputs.flatMap((i) => (i.op === 'union' ? i.inputs : [i])).filter((i) => !isEmpty(i));
  if (flat.length === 0) return empty(inputs[0]!);
  const constants = flat.filter((i): i is Extract<RelExpr, { op: 'constant' }> => i.op === 'constant');
  const others = flat.filter((i) => i.op !== 'constant');
  const merged: RelExpr[] = [...others];
  if (constants.length > 0) {
    const rows = consolidate(constants.flatMap((c) => c.rows));
    if (rows.length > 0 || others.length === 0) merged.push({ op: 'constant', rows, desc: constants[0]!.desc });
  }
  if (merged.length === 1) return merged[0]!;
  return { op: 'union', inputs: merged };
}

function simplifyMap(input: RelExpr, scalars: ScalarExpr[]): RelExpr {
  if (scalars.length === 0) return input;
  if (isEmpty(input)) return empty({ op: 'map', input, scalars });
  if (input.op === 'map') return { op: 'map', input: input.input, scalars: [...input.scalars, ...scalars] };
  if (input.op === 'constant' && scalars.every(isEvaluable)) {
    const rows = mapConstant(input.rows, (row) => {
      const out = [...row];
      for (const s of scalars) {
        const v = evaluate(s, out);
        if (v === undefined) return undefined;
        out.push(v);
      }
      return out;
    });
    if (rows) return { op: 'constant', rows, desc: describe({ op: 'map', input, scalars }) };
  }
  return { op: 'map', input, scalars };
}

function isTrueLiteral(e: ScalarExpr): boolean {
  return e.kind === 'literal' && e.value === true;
}

/** Splits AND calls into separate predicates. */
function conjuncts(predicates: ScalarExpr[]): ScalarExpr[] {
  return predicates.flatMap((p) => (p.kind === 'call' && p.func === AND ? conjuncts(p.args) : [p]));
}

function simplifyFilter(input: RelExpr, rawPredicates: ScalarExpr[]): RelExpr {
  const predicates = conjuncts(rawPredicates).filter((p) => !isTrueLiteral(p));
  if (predicates.length === 0) return input;
  if (isEmpty(input)) return input;
  if (predicates.some((p) => p.kind === 'literal')) return empty(input); // false or NULL
  switch (input.op) {
    case 'filter':
      return simplifyFilter(input.input, [...input.predicates, ...predicates]);
    case 'constant': {
      if (!predicates.every(isEvaluable)) break;
      const rows = mapConstant(input.rows, (row) => {
        for (const p of predicates) {
          const v = evaluate(p, row);
          if (v === undefined) return undefined;
          if (v !== true) return null;
        }
        return row;
      });
      if (rows) return { ...input, rows };
      break;
    }
    case 'map': {
      const base = arity(input.input);
      // Columns that a map sets to a literal or copies are read from their definition.
      const inlined = predicates.map((p) =>
        substitute(p, (i) => {
          const scalar = i >= base ? input.scalars[i - base] : undefined;
          return scalar && (scalar.kind === 'literal' || scalar.kind === 'column') ? scalar : columnRef(input, i);
        }),
      );
      if (inlined.some((p, k) => p !== predicates[k] && explainScalar(p) !== explainScalar(predicates[k]!))) {
        return simplifyFilter(input, inlined.map(foldScalar));
      }
      const below = predicates.filter((p) => [...columnsUsed(p)].every((c) => c < base));
      if (below.length === 0) break;
      const above = predicates.filter((p) => !below.includes(p));
      return filterOf(simplifyMap(simplifyFilter(input.input, below), input.scalars), above);
    }
    case 'project': {
      const outputs = input.outputs;
      const types = describe(input.input).columns;
      const pushed = predicates.map((p) => substitute(p, (i) => ({ kind: 'column', index: outputs[i]!, type: types[outputs[i]!]!.type })));
      return simplifyProject(simplifyFilter(input.input, pushed), outputs);
    }
    case 'union':
      return simplifyUnion(input.inputs.map((i) => simplifyFilter(i, predicates)));
    case 'distinct':
    case 'negate':
    case 'threshold':
      return { op: input.op, input: simplifyFilter(input.input, predicates) };
    case 'join':
      return pushIntoJoin(input, predicates);
    case 'flatMap': {
      // Predicates on the input's columns hold for every row the function produces from it.
      const base = arity(input.input);
      const below = predicates.filter((p) => [...columnsUsed(p)].every((c) => c < base));
      if (below.length === 0) break;
      const above = predicates.filter((p) => !below.includes(p));
      return filterOf({ ...input, input: simplifyFilter(input.input, below) }, above);
    }
    case 'topK': {
      // Whole top-k groups pass or fail a predicate on the group key.
      const keys = new Set(input.groupKey);
      const below = predicates.filter((p) => {
        const used = columnsUsed(p);
        return used.size > 0 && [...used].every((c) => keys.has(c));
      });
      if (below.length === 0) break;
      const above = predicates.filter((p) => !below.includes(p));
      return filterOf({ ...input, input: simplifyFilter(input.input, below) }, above);
    }
    case 'reduce': {
      const keyCount = input.groupKey.length;
      const below = predicates.filter((p) => [...columnsUsed(p)].every((c) => c < keyCount));
      if (below.length === 0) break;
      const above = predicates.filter((p) => !below.includes(p));
      const pushed = below.map((p) => substitute(p, (i) => input.groupKey[i]!));
      return filterOf({ ...input, input: simplifyFilter(input.input, pushed) }, above);
    }
    default:
      break;
  }
  return { op: 'filter', input, predicates };
}

function columnRef(rel: RelExpr, index: number): ScalarExpr {
  return { kind: 'column', index, type: describe(rel).columns[index]!.type };
}

function filterOf(input: RelExpr, predicates: ScalarExpr[]): RelExpr {
  return predicates.length === 0 ? input : { op: 'filter', input, predicates };
}

/** Which join input holds each column, and where that input's columns start. */
function joinLayout(inputs: RelExpr[]): { starts: number[]; owner: (column: number) => number } {
  const starts: number[] = [];
  let offset = 0;
  for (const i of inputs) {
    starts.push(offset);
    offset += arity(i);
  }
  const owner = (column: number): number => {
    for (let k = starts.length - 1; k >= 0; k--) if (column >= starts[k]!) return k;
    return 0;
  };
  return { starts, owner };
}

/** The single join input an expression reads from, or -1 (none or several). */
function singleOwner(expr: ScalarExpr, owner: (c: number) => number): number {
  const owners = new Set([...columnsUsed(expr)].map(owner));
  return owners.size === 1 ? [...owners][0]! : -1;
}

function exactEqualityType(e: ScalarExpr): boolean {
  // Float `=` and datum equality may disagree (-0 vs 0); keep those as filters.
  return e.type.kind !== 'float4' && e.type.kind !== 'float8';
}

function pushIntoJoin(join: Extract<RelExpr, { op: 'join' }>, predicates: ScalarExpr[]): RelExpr {
  const { starts, owner } = joinLayout(join.inputs);
  const perInput: ScalarExpr[][] = join.inputs.map(() => []);
  const equivalences = [...join.equivalences];
  const remaining: ScalarExpr[] = [];
  for (const p of predicates) {
    const used = columnsUsed(p);
    const single = used.size === 0 ? -1 : singleOwner(p, owner);
    if (single >= 0) {
      perInput[single]!.push(shiftColumns(p, -starts[single]!));
      continue;
    }
    if (p.kind === 'call' && equalityFuncs.has(p.func) && p.args.length === 2) {
      const [x, y] = p.args as [ScalarExpr, ScalarExpr];
      const ox = singleOwner(x, owner);
      const oy = singleOwner(y, owner);
      if (ox >= 0 && oy >= 0 && ox !== oy && exactEqualityType(x) && exactEqualityType(y)) {
        equivalences.push([x, y]);
        // SQL `=` is never true for NULL; datum equality would match NULLs.
        perInput[ox]!.push(shiftColumns(isNotNull(x), -starts[ox]!));
        perInput[oy]!.push(shiftColumns(isNotNull(y), -starts[oy]!));
        continue;
      }
    }
    remaining.push(p);
  }
  const inputs = join.inputs.map((input, k) => (perInput[k]!.length > 0 ? simplifyFilter(input, perInput[k]!) : input));
  return filterOf(simplifyJoin(inputs, equivalences), remaining);
}

function simplifyJoin(rawInputs: RelExpr[], rawEquivalences: ScalarExpr[][]): RelExpr {
  // Flatten nested joins, shifting their equivalences to the outer numbering.
  let inputs: RelExpr[] = [];
  let equivalences: ScalarExpr[][] = [];
  let offset = 0;
  const shifts: number[] = [];
  for (const input of rawInputs) {
    shifts.push(offset);
    if (input.op === 'join') {
      inputs.push(...input.inputs);
      equivalences.push(...input.equivalences.map((cls) => cls.map((e) => shiftColumns(e, offset))));
    } else {
      inputs.push(input);
    }
    offset += arity(input);
  }
  equivalences.push(...rawEquivalences);
  const join: RelExpr = { op: 'join', inputs, equivalences };
  if (inputs.some(isEmpty)) return empty(join);
  // The unit relation (one row, no columns) is the identity of a join.
  inputs = inputs.filter((i) => !isUnit(i));
  if (inputs.length === 0) return { op: 'constant', rows: [[[], 1]], desc: { columns: [] } };
  equivalences = equivalences.filter((cls) => cls.length > 1);
  if (inputs.length === 1 && equivalences.length === 0) return inputs[0]!;
  return { op: 'join', inputs, equivalences };
}

function isIdentity(outputs: number[], inputArity: number): boolean {
  return outputs.length === inputArity && outputs.every((o, i) => o === i);
}

function simplifyProject(input: RelExpr, outputs: number[]): RelExpr {
  if (isIdentity(outputs, arity(input))) return input;
  if (input.op === 'project') return simplifyProject(input.input, outputs.map((o) => input.outputs[o]!));
  if (input.op === 'constant') {
    const desc = { columns: outputs.map((o) => input.desc.columns[o]!) };
    return { op: 'constant', rows: consolidate(input.rows.map(([row, d]): [Row, number] => [outputs.map((o) => row[o] ?? null), d])), desc };
  }
  if (input.op === 'map') return projectMap(input, outputs);
  if (input.op === 'union') return simplifyUnion(input.inputs.map((i) => simplifyProject(i, outputs)));
  if (input.op === 'negate') return { op: 'negate', input: simplifyProject(input.input, outputs) };
  if (input.op === 'join') return projectJoin(input, outputs);
  if (input.op === 'filter') return projectFilter(input, outputs);
  return { op: 'project', input, outputs };
}

/** Sorted columns of `needed`, and where each lands once only those are kept. */
function narrowing(needed: Set<number>): { kept: number[]; position: (column: number) => number } {
  const kept = [...needed].sort((a, b) => a - b);
  const positions = new Map(kept.map((c, i) => [c, i]));
  return { kept, position: (c) => positions.get(c)! };
}

/** Columns no join output or equivalence reads are dropped from the join's inputs. */
function projectJoin(join: Extract<RelExpr, { op: 'join' }>, outputs: number[]): RelExpr {
  const needed = new Set(outputs);
  for (const cls of join.equivalences) for (const e of cls) columnsUsed(e, needed);
  if (needed.size === arity(join)) return { op: 'project', input: join, outputs };
  const { starts } = joinLayout(join.inputs);
  const newPosition = new Map<number, number>();
  let offset = 0;
  const inputs = join.inputs.map((input, k) => {
    const start = starts[k]!;
    const own = [...needed].filter((c) => c >= start && c < start + arity(input)).sort((a, b) => a - b);
    own.forEach((c, i) => newPosition.set(c, offset + i));
    offset += own.length;
    return simplifyProject(input, own.map((c) => c - start));
  });
  const equivalences = join.equivalences.map((cls) => cls.map((e) => remapColumns(e, (c) => newPosition.get(c)!)));
  return simplifyProject({ op: 'join', inputs, equivalences }, outputs.map((o) => newPosition.get(o)!));
}

/** Columns neither the outputs nor the predicates read are dropped below the filter. */
function projectFilter(input: Extract<RelExpr, { op: 'filter' }>, outputs: number[]): RelExpr {
  const needed = new Set(outputs);
  for (const p of input.predicates) columnsUsed(p, needed);
  if (needed.size === arity(input.input)) return { op: 'project', input, outputs };
  const { kept, position } = narrowing(needed);
  const narrowed: RelExpr = {
    op: 'filter',
    input: simplifyProject(input.input, kept),
    predicates: input.predicates.map((p) => remapColumns(p, position)),
  };
  return simplifyProject(narrowed, outputs.map(position));
}

/** A reduce reads only its keys' and aggregates' columns. */
function pruneReduceInput(rel: Extract<RelExpr, { op: 'reduce' }>): RelExpr {
  const needed = new Set<number>();
  for (const k of rel.groupKey) columnsUsed(k, needed);
  for (const a of rel.aggregates) {
    for (const e of a.args) columnsUsed(e, needed);
    if (a.filter) columnsUsed(a.filter, needed);
    for (const o of a.orderBy) columnsUsed(o.expr, needed);
  }
  if (needed.size === arity(rel.input)) return rel;
  const { kept, position } = narrowing(needed);
  const remap = (e: ScalarExpr) => remapColumns(e, position);
  return {
    ...rel,
    input: simplifyProject(rel.input, kept),
    groupKey: rel.groupKey.map(remap),
    aggregates: rel.aggregates.map((a) => ({
      ...a,
      args: a.args.map(remap),
      ...(a.filter ? { filter: remap(a.filter) } : {}),
      orderBy: a.orderBy.map((o) => ({ ...o, expr: remap(o.expr) })),
    })),
  };
}

/** project(map(X, s), outs): columns that merely copy an input column read it directly; unused scalars go. */
function projectMap(input: Extract<RelExpr, { op: 'map' }>, outputs: number[]): RelExpr {
  const base = arity(input.input);
  const resolveCopy = (column: number): number => {
    let c = column;
    while (c >= base) {
      const s = input.scalars[c - base]!;
      if (s.kind !== 'column') break;
      c = s.index;
    }
    return c;
  };
  const direct = outputs.map(resolveCopy);
  // Scalars still needed (transitively, as later scalars may read earlier ones).
  const needed = new Set<number>();
  const visit = (column: number): void => {
    if (column < base || needed.has(column)) return;
    needed.add(column);
    for (const c of columnsUsed(input.scalars[column - base]!)) visit(c);
  };
  direct.forEach(visit);
  const kept = [...needed].sort((a, b) => a - b);
  const newIndex = new Map<number, number>(kept.map((c, i) => [c, base + i]));
  const renumber = (c: number): number => (c < base ? c : newIndex.get(c)!);
  const scalars = kept.map((c) => remapColumns(input.scalars[c - base]!, renumber));
  const mapped = scalars.length > 0 ? simplifyMap(input.input, scalars) : input.input;
  const projected = direct.map(renumber);
  if (isIdentity(projected, arity(mapped))) return mapped;
  return { op: 'project', input: mapped, outputs: projected };
}

