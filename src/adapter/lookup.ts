// Index lookups (Materialize's "fast path" peeks): a one-shot read whose
// plan constrains every key of an index on a collection it reads to a few
// values — `=` with literals, IN lists (ORs of equalities), AND of equalities
// over every key column, or a join with a small constant relation on the
// key — reads only the index's matching entries instead of the collection.
//
// The rewrite only replaces the `get` of the collection with a constant of
// the looked-up rows: every filter, projection, join and aggregate above it
// stays, so the lookup need only return a superset of the rows the query
// keeps (all rows with the key values the predicates allow).
import type { Datum, Row, SqlType } from '../repr/types.js';
import { rowKey } from '../repr/compare.js';
import type { GlobalId, RelExpr, ScalarExpr } from '../plan/mir.js';
import { structuralKey } from '../plan/mir.js';
import { AND, OR } from '../plan/builtins.js';
import { anyEqualityFuncs, equalityFuncs } from '../plan/expr.js';
import { columnsUsed, evaluate, shiftColumns, substitute } from '../optimize/scalar.js';
import { explainPlan, scalarText } from '../plan/explain.js';
import { DATABASE_NAME, type CatalogItem } from '../catalog/objects.js';

/** An index a lookup may read: its keys are expressions over the indexed relation's columns. */
export interface LookupIndex {
  id: GlobalId;
  /** Qualified name (EXPLAIN's "Used Indexes"). */
  name: string;
  /** Unqualified name (the ReadIndex line). */
  shortName: string;
  keys: ScalarExpr[];
}

/** The indexes whose contents equal what `get id` reads, and the relation's qualified name. */
export type IndexesOf = (id: GlobalId) => { on: string; indexes: LookupIndex[] } | undefined;

/** One `get` read by key lookups. */
export interface LookupSite {
  get: Extract<RelExpr, { op: 'get' }>;
  on: string;
  index: LookupIndex;
  /** Distinct key tuples to look up (one datum per index key). */
  values: Datum[][];
}

/** At most this many key tuples per lookup (IN lists x multi-column products, constant joins). */
export const MAX_LOOKUP_VALUES = 10_000;

type Get = Extract<RelExpr, { op: 'get' }>;

/** A chain of filters, maps and projections down to a `get`: each output column as an expression over the get's columns. */
interface Leaf {
  get: Get;
  columns: (ScalarExpr | undefined)[];
  /** The chain's filter predicates, over the get's columns. */
  predicates: ScalarExpr[];
}

/** A key column constrained to a set of values (a superset of those any kept row has). */
interface Constraint {
  key: number;
  values: Datum[];
}

/** A plan with every `get` a distinct node (the optimizer may share subtrees), and the gets read by lookups. */
export interface LookupPlan {
  plan: RelExpr;
  sites: LookupSite[];
}

/** Finds the `get`s of `plan` that key lookups can read (one site per get node of the returned plan). */
export function findLookups(original: RelExpr, indexesOf: IndexesOf): LookupPlan {
  const plan = substituteGets(original, (get) => ({ ...get }));
  const sites: LookupSite[] = [];
  const claimed = new Set<Get>();
  const claim = (leaf: Leaf, extra: JoinConstraint[]): void => {
    if (claimed.has(leaf.get)) return;
    const site = siteFor(leaf, extra, indexesOf);
    if (site) {
      sites.push(site);
      claimed.add(leaf.get);
    }
  };
  const visit = (rel: RelExpr): void => {
    if (rel.op === 'filter') {
      const leaf = leafOf(rel);
      if (leaf) claim(leaf, []);
    } else if (rel.op === 'join') {
      joinLookups(rel, claim);
    }
    forEachChild(rel, visit);
  };
  visit(plan);
  return { plan, sites };
}

/** `plan` with each site's get replaced by `rows` (the looked-up rows with their multiplicities). */
export function substituteLookups(plan: RelExpr, rows: Map<Get, Array<[Row, number]>>): RelExpr {
  const go = (rel: RelExpr): RelExpr => {
    if (rel.op === 'get') {
      const found = rows.get(rel);
      return found === undefined ? rel : { op: 'constant', rows: found, desc: rel.desc };
    }
    return mapChildren(rel, go);
  };
  return go(plan);
}

/** Whether every collection `plan` reads is read by lookups (Materialize's fast path). */
export function readsOnlyLookups(plan: RelExpr, sites: LookupSite[]): boolean {
  const looked = new Set<RelExpr>(sites.map((s) => s.get));
  let only = true;
  const visit = (rel: RelExpr): void => {
    if (rel.op === 'get' && !looked.has(rel)) only = false;
    forEachChild(rel, visit);
  };
  visit(plan);
  return only;
}

/**
 * EXPLAIN text of a plan with lookups: Freshet's layout with each looked-up
 * `Get` shown as Materialize's `ReadIndex on=<relation> <index>=[lookup value=(...)]`,
 * under an "Explained Query (fast path):" heading when the query reads
 * nothing else, and the indexes used listed below.
 */
export function explainLookups({ plan, sites }: LookupPlan, nameOf: (id: GlobalId) => string | undefined): string {
  if (sites.length === 0) return explainPlan(plan, nameOf);
  const markers = new Map<Get, string>();
  const texts = new Map<string, string>();
  const marked = substituteGets(plan, (get) => {
    const site = sites.find((s) => s.get === get);
    if (site === undefined) return get;
    const marker = `\u0000lookup${markers.size}`;
    markers.set(get, marker);
    texts.set(marker, `ReadIndex on=${site.on} ${site.index.shortName}=[${lookupValuesText(site)}]`);
    return { ...get, id: marker };
  });
  let text = explainPlan(marked, (id) => (texts.has(id) ? id : nameOf(id)));
  for (const [marker, line] of texts) text = text.split(`Get ${marker}`).join(line);
  const fast = readsOnlyLookups(plan, sites);
  const lines = text.split('\n');
  const body = fast ? ['Explained Query (fast path):', ...lines.map((l) => (l === '' ? l : `  ${l}`))] : lines;
  while (body.length > 0 && body[body.length - 1] === '') body.pop();
  const used = [...new Set(sites.map((s) => s.index.name))];
  return [...body, '', 'Used Indexes:', ...used.map((n) => `  - ${n} (lookup)`), ''].join('\n');
}

function lookupValuesText(site: LookupSite): string {
  const tuple = (values: Datum[]): string =>
    `(${values.map((v, i) => scalarText({ kind: 'literal', value: v, type: site.index.keys[i]!.type })).join(', ')})`;
  if (site.values.length === 1) return `lookup value=${tuple(site.values[0]!)}`;
  return `lookup values=[${site.values.map(tuple).join('; ')}]`;
}

/** The catalog's indexes, as lookups see them. */
export function catalogIndexes(items: readonly CatalogItem[]): IndexesOf {
  const byOn = new Map<GlobalId, CatalogItem[]>();
  const byId = new Map<GlobalId, CatalogItem>();
  for (const item of items) {
    byId.set(item.id, item);
    if (item.kind === 'index' && item.index) {
      const list = byOn.get(item.index.on);
      if (list) list.push(item);
      else byOn.set(item.index.on, [item]);
    }
  }
  const qualified = (item: CatalogItem): string => `${DATABASE_NAME}.${item.schema}.${item.name}`;
  return (id) => {
    const item = byId.get(id);
    if (item === undefined) return undefined;
    // An indexed view is read as one of its indexes' collections; all of them hold the view's rows.
    const onId = item.kind === 'index' ? item.index?.on : id;
    const on = onId === undefined ? undefined : byId.get(onId);
    const indexes = onId === undefined ? undefined : byOn.get(onId);
    if (on === undefined || indexes === undefined) return undefined;
    return {
      on: qualified(on),
      indexes: indexes.map((i) => ({ id: i.id, name: qualified(i), shortName: i.name, keys: i.index!.keys })),
    };
  };
}

// ---- planning ----

function siteFor(leaf: Leaf, extra: JoinConstraint[], indexesOf: IndexesOf): LookupSite | undefined {
  const found = indexesOf(leaf.get.id);
  if (found === undefined) return undefined;
  let best: LookupSite | undefined;
  for (const index of found.indexes) {
    if (!index.keys.every((k) => lookupType(k.type))) continue;
    const keyKeys = index.keys.map((k) => structuralKey(k));
    const perKey: (Datum[] | undefined)[] = index.keys.map(() => undefined);
    const narrow = (c: Constraint): void => {
      const current = perKey[c.key];
      if (current === undefined || c.values.length < current.length) perKey[c.key] = c.values;
    };
    for (const p of leaf.predicates) for (const c of constraintsOf(p, index.keys, keyKeys)) narrow(c);
    for (const c of extra) narrowExtra(c, index, perKey);
    if (perKey.some((v) => v === undefined)) continue;
    const values = product(perKey as Datum[][]);
    if (values === undefined) continue;
    if (best === undefined || values.length < best.values.length) best = { get: leaf.get, on: found.on, index, values };
  }
  return best;
}

/** A join's equivalence of an expression over the get's columns with the values of a constant input. */
interface JoinConstraint {
  expr: ScalarExpr;
  values: Datum[];
}

function narrowExtra(c: JoinConstraint, index: LookupIndex, perKey: (Datum[] | undefined)[]): void {
  const target = structuralKey(c.expr);
  const i = index.keys.findIndex((k) => structuralKey(k) === target);
  if (i < 0) return;
  const current = perKey[i];
  if (current === undefined || c.values.length < current.length) perKey[i] = c.values;
}

/** Distinct tuples of the cartesian product; undefined past MAX_LOOKUP_VALUES. */
function product(perKey: Datum[][]): Datum[][] | undefined {
  let tuples: Datum[][] = [[]];
  for (const values of perKey) {
    if (tuples.length * values.length > MAX_LOOKUP_VALUES) return undefined;
    tuples = tuples.flatMap((t) => values.map((v) => [...t, v]));
  }
  const seen = new Set<string>();
  return tuples.filter((t) => {
    const k = rowKey(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Key types whose index grouping (datum equality) is SQL `=`: floats are
 * left out (as the optimizer leaves them out of join keys), blank-padded
 * char compares ignoring trailing blanks.
 */
function lookupType(type: SqlType): boolean {
  return type.kind !== 'float4' && type.kind !== 'float8' && type.kind !== 'bpchar' && type.kind !== 'unknown';
}

/** Constraints a predicate (over the get's columns) puts on the keys: all of them hold when it is true. */
function constraintsOf(p: ScalarExpr, keys: ScalarExpr[], keyKeys: string[]): Constraint[] {
  if (p.kind !== 'call') return [];
  if (p.func === AND) return p.args.flatMap((a) => constraintsOf(a, keys, keyKeys));
  if (p.func === OR) {
    // Each branch must constrain the key; the values are the union.
    const branches = p.args.map((a) => constraintsOf(a, keys, keyKeys));
    const out: Constraint[] = [];
    for (let key = 0; key < keys.length; key++) {
      const values: Datum[] = [];
      let all = true;
      for (const b of branches) {
        const c = b.find((x) => x.key === key);
        if (c === undefined) {
          all = false;
          break;
        }
        values.push(...c.values);
      }
      if (all) out.push({ key, values });
    }
    return out;
  }
  if (p.args.length !== 2) return [];
  const [x, y] = p.args as [ScalarExpr, ScalarExpr];
  if (equalityFuncs.has(p.func)) {
    const c = equalityConstraint(x, y, keys, keyKeys) ?? equalityConstraint(y, x, keys, keyKeys);
    return c === undefined ? [] : [c];
  }
  if (anyEqualityFuncs.has(p.func) && y.kind === 'literal') {
    if (y.value === null) return [];
    const elements = (y.value as { elements?: Datum[] }).elements;
    const elementType = y.type.kind === 'array' || y.type.kind === 'list' ? y.type.element : undefined;
    if (!Array.isArray(elements) || elementType === undefined || !sameRepresentation(x.type, elementType)) return [];
    const match = matchKey(x, keys, keyKeys);
    if (match === undefined) return [];
    return [{ key: match.key, values: elements.flatMap((v) => (v === null ? [] : match.invert(v))) }];
  }
  return [];
}

/** `side = literal` on a key (possibly through an exact widening cast); SQL `=` never matches NULL. */
function equalityConstraint(side: ScalarExpr, other: ScalarExpr, keys: ScalarExpr[], keyKeys: string[]): Constraint | undefined {
  if (other.kind !== 'literal' || !sameRepresentation(side.type, other.type)) return undefined;
  const match = matchKey(side, keys, keyKeys);
  if (match === undefined) return undefined;
  return { key: match.key, values: other.value === null ? [] : match.invert(other.value) };
}

/** Whether datums of the two types are the same JavaScript values (a literal of one can be looked up in a key of the other). */
function sameRepresentation(a: SqlType, b: SqlType): boolean {
  const stringy = (t: SqlType): boolean => t.kind === 'text' || t.kind === 'varchar';
  return a.kind === b.kind || (stringy(a) && stringy(b));
}

interface KeyMatch {
  key: number;
  /** The key values whose image is `v` (none when no key value maps to it). */
  invert: (v: Datum) => Datum[];
}

/** `expr` is key `i`, or an injective cast of it whose inverse is known. */
function matchKey(expr: ScalarExpr, keys: ScalarExpr[], keyKeys: string[]): KeyMatch | undefined {
  const text = structuralKey(expr);
  const direct = keyKeys.indexOf(text);
  if (direct >= 0) return { key: direct, invert: (v) => [v] };
  if (expr.kind !== 'call' || expr.args.length !== 1) return undefined;
  const inner = expr.args[0]!;
  const key = keyKeys.indexOf(structuralKey(inner));
  if (key < 0) return undefined;
  const invert = castInverse(expr.func.name, inner.type, expr.type);
  return invert === undefined ? undefined : { key, invert };
}

const INT_RANGE: Record<string, [bigint, bigint]> = {
  int2: [-32768n, 32767n],
  int4: [-2147483648n, 2147483647n],
  int8: [-9223372036854775808n, 9223372036854775807n],
};

/** Inverses of the casts that are injective and exact: integer widening, varchar <-> text without a length. */
function castInverse(name: string, from: SqlType, to: SqlType): ((v: Datum) => Datum[]) | undefined {
  if (name !== `cast_${from.kind}_to_${to.kind}`) return undefined;
  const fromRange = INT_RANGE[from.kind];
  if (fromRange !== undefined && INT_RANGE[to.kind] !== undefined) {
    return (v) => {
      const n = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : undefined;
      if (n === undefined || n < fromRange[0] || n > fromRange[1]) return [];
      return [from.kind === 'int8' ? n : Number(n)];
    };
  }
  const stringKind = (t: SqlType): boolean => t.kind === 'text' || (t.kind === 'varchar' && t.length === undefined);
  if ((from.kind === 'varchar' || from.kind === 'text') && stringKind(to)) {
    return (v) => (typeof v === 'string' && (from.kind !== 'varchar' || from.length === undefined || v.length <= from.length) ? [v] : []);
  }
  return undefined;
}

/** Lookups of a join's inputs by small constant inputs on their key (equivalences match NULL to NULL). */
function joinLookups(join: Extract<RelExpr, { op: 'join' }>, claim: (leaf: Leaf, extra: JoinConstraint[]) => void): void {
  const widths = join.inputs.map((i) => widthOf(i));
  if (widths.some((w) => w === undefined)) return;
  const starts: number[] = [];
  let at = 0;
  for (const w of widths) {
    starts.push(at);
    at += w!;
  }
  const owner = (e: ScalarExpr): number => {
    const used = [...columnsUsed(e)];
    if (used.length === 0) return -1;
    const owners = new Set(used.map((c) => starts.findLastIndex((s) => s <= c)));
    return owners.size === 1 ? [...owners][0]! : -2;
  };
  const constants = join.inputs.map((input) => constantRows(input));
  join.inputs.forEach((input, k) => {
    const leaf = leafOf(input);
    if (leaf === undefined) return;
    const extra: JoinConstraint[] = [];
    for (const cls of join.equivalences) {
      const mine = cls.filter((e) => owner(e) === k);
      if (mine.length === 0) continue;
      for (const other of cls) {
        const j = owner(other);
        const rows = j >= 0 && j !== k ? constants[j] : undefined;
        if (rows === undefined) continue;
        const values = valuesOf(shiftColumns(other, -starts[j]!), rows);
        if (values === undefined) continue;
        for (const e of mine) {
          const expr = overLeaf(shiftColumns(e, -starts[k]!), leaf);
          if (expr !== undefined) extra.push({ values, expr });
        }
      }
    }
    if (extra.length > 0) claim(leaf, extra);
  });
}

/** The distinct values of `expr` over `rows` (NULL included: join equivalences match it); undefined if not evaluable. */
function valuesOf(expr: ScalarExpr, rows: Row[]): Datum[] | undefined {
  const seen = new Set<string>();
  const out: Datum[] = [];
  for (const row of rows) {
    let v: Datum | undefined;
    try {
      v = evaluate(expr, row);
    } catch {
      return undefined;
    }
    if (v === undefined) return undefined;
    const k = rowKey([v]);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(v);
    if (out.length > MAX_LOOKUP_VALUES) return undefined;
  }
  return out;
}

/** `expr` over a leaf's output columns, rewritten over its get's columns. */
function overLeaf(expr: ScalarExpr, leaf: Leaf): ScalarExpr | undefined {
  let ok = true;
  const out = substitute(expr, (i) => {
    const c = leaf.columns[i];
    if (c === undefined) {
      ok = false;
      return { kind: 'literal', value: null, type: { kind: 'unknown' } };
    }
    return c;
  });
  return ok ? out : undefined;
}

/** Follows filters, maps and projections down to a get. */
function leafOf(rel: RelExpr): Leaf | undefined {
  switch (rel.op) {
    case 'get':
      return { get: rel, columns: rel.desc.columns.map((c, i) => ({ kind: 'column', index: i, type: c.type })), predicates: [] };
    case 'filter': {
      const inner = leafOf(rel.input);
      if (inner === undefined) return undefined;
      const predicates = [...inner.predicates];
      for (const p of rel.predicates) {
        const q = overLeaf(p, inner);
        if (q !== undefined) predicates.push(q);
      }
      return { ...inner, predicates };
    }
    case 'project': {
      const inner = leafOf(rel.input);
      return inner === undefined ? undefined : { ...inner, columns: rel.outputs.map((i) => inner.columns[i]) };
    }
    case 'map': {
      const inner = leafOf(rel.input);
      if (inner === undefined) return undefined;
      const leaf: Leaf = { ...inner, columns: [...inner.columns] };
      for (const s of rel.scalars) leaf.columns.push(overLeaf(s, leaf));
      return leaf;
    }
    default:
      return undefined;
  }
}

/** Rows of an input computed from constants alone (constant, and filters/maps/projections/distinct of one). */
function constantRows(rel: RelExpr): Row[] | undefined {
  switch (rel.op) {
    case 'constant':
      return rel.rows.length > MAX_LOOKUP_VALUES || rel.rows.some(([, d]) => d <= 0) ? undefined : rel.rows.map(([r]) => r);
    case 'project': {
      const rows = constantRows(rel.input);
      return rows?.map((r) => rel.outputs.map((i) => r[i] ?? null));
    }
    case 'distinct':
      return constantRows(rel.input);
    case 'map': {
      const rows = constantRows(rel.input);
      if (rows === undefined) return undefined;
      const out: Row[] = [];
      for (const r of rows) {
        const row = [...r];
        for (const s of rel.scalars) {
          const v = safeEvaluate(s, row);
          if (v === undefined) return undefined;
          row.push(v);
        }
        out.push(row);
      }
      return out;
    }
    case 'filter': {
      const rows = constantRows(rel.input);
      if (rows === undefined) return undefined;
      const out: Row[] = [];
      for (const r of rows) {
        const results = rel.predicates.map((p) => safeEvaluate(p, r));
        if (results.some((v) => v === undefined)) return undefined;
        if (results.every((v) => v === true)) out.push(r);
      }
      return out;
    }
    default:
      return undefined;
  }
}

function safeEvaluate(e: ScalarExpr, row: Row): Datum | undefined {
  try {
    return evaluate(e, row);
  } catch {
    return undefined;
  }
}

function widthOf(rel: RelExpr): number | undefined {
  switch (rel.op) {
    case 'get':
    case 'getLocal':
    case 'constant':
      return rel.desc.columns.length;
    case 'project':
      return rel.outputs.length;
    case 'map': {
      const w = widthOf(rel.input);
      return w === undefined ? undefined : w + rel.scalars.length;
    }
    case 'filter':
    case 'distinct':
    case 'negate':
    case 'threshold':
    case 'topK':
      return widthOf(rel.input);
    case 'join': {
      let total = 0;
      for (const i of rel.inputs) {
        const w = widthOf(i);
        if (w === undefined) return undefined;
        total += w;
      }
      return total;
    }
    default:
      return undefined;
  }
}

// ---- plan traversal ----

function forEachChild(rel: RelExpr, visit: (child: RelExpr) => void): void {
  switch (rel.op) {
    case 'get':
    case 'getLocal':
    case 'constant':
      return;
    case 'let':
      visit(rel.value);
      visit(rel.body);
      return;
    case 'join':
    case 'union':
      rel.inputs.forEach(visit);
      return;
    default:
      visit(rel.input);
  }
}

function mapChildren(rel: RelExpr, f: (child: RelExpr) => RelExpr): RelExpr {
  switch (rel.op) {
    case 'get':
    case 'getLocal':
    case 'constant':
      return rel;
    case 'let':
      return { ...rel, value: f(rel.value), body: f(rel.body) };
    case 'join':
      return { ...rel, inputs: rel.inputs.map(f) };
    case 'union':
      return { ...rel, inputs: rel.inputs.map(f) };
    default:
      return { ...rel, input: f(rel.input) } as RelExpr;
  }
}

function substituteGets(plan: RelExpr, f: (get: Get) => RelExpr): RelExpr {
  const go = (rel: RelExpr): RelExpr => (rel.op === 'get' ? f(rel) : mapChildren(rel, go));
  return go(plan);
}
