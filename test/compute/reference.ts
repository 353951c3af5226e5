// A deliberately naive evaluator of plans, independent of the engine's
// operators: nested loops, full sorts, recomputation from scratch. The
// differential test checks the engine (maintained and peek) against it.
import { compareDatums, datumKey, rowKey } from '../../src/repr/compare.js';
import { ArrayValue, Jsonb, JsonbNumber, ListValue, type Datum, type Row } from '../../src/repr/types.js';
import type { AggregateExpr, ColumnOrder, RelExpr, ScalarExpr } from '../../src/plan/mir.js';
import { jsonbObject } from '../../src/compute/jsonb.js';

type Multiset = Array<[Row, number]>;

function evaluate(e: ScalarExpr, row: Row): Datum {
  switch (e.kind) {
    case 'column':
      return row[e.index]!;
    case 'literal':
      return e.value;
    case 'if':
      return evaluate(e.cond, row) === true ? evaluate(e.then, row) : evaluate(e.else, row);
    case 'call': {
      const args = e.args.map((a) => evaluate(a, row));
      if (e.func.strict && args.some((a) => a === null)) return null;
      return e.func.eval(args);
    }
    default:
      throw new Error(`reference: unsupported ${e.kind}`);
  }
}

function consolidate(rows: Multiset): Multiset {
  const byKey = new Map<string, [Row, number]>();
  for (const [row, n] of rows) {
    const k = rowKey(row);
    const e = byKey.get(k);
    if (e) e[1] += n;
    else byKey.set(k, [row, n]);
  }
  return [...byKey.values()].filter(([, n]) => n !== 0);
}

function expand(rows: Multiset): Row[] {
  const out: Row[] = [];
  for (const [row, n] of rows) for (let i = 0; i < n; i++) out.push(row);
  return out;
}

function cmp(a: Datum, b: Datum, desc = false, nullsFirst = false): number {
  if (a === null || b === null) return a === b ? 0 : (a === null) === nullsFirst ? -1 : 1;
  const c = compareDatums(a, b);
  return desc ? -c : c;
}

function compareRows(a: Row, b: Row): number {
  for (let i = 0; i < a.length; i++) {
    const c = cmp(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return 0;
}

function aggregate(agg: AggregateExpr, rows: Row[]): Datum {
  let inputs = rows
    .filter((r) => agg.filter === undefined || evaluate(agg.filter, r) === true)
    .map((r) => [...agg.args.map((a) => evaluate(a, r)), ...agg.orderBy.map((o) => evaluate(o.expr, r))]);
  if (agg.distinct) {
    const seen = new Set<string>();
    inputs = inputs.filter((v) => {
      const k = rowKey(v.slice(0, agg.args.length));
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
  const values = inputs.map((v) => v[0]!);
  const nonNull = values.filter((v) => v !== null);
  switch (agg.func) {
    case 'count':
      return BigInt(nonNull.length);
    case 'sum':
      if (nonNull.length === 0) return null;
      if (agg.type.kind === 'float8') return nonNull.reduce((s: number, v) => s + (v as number), 0);
      return nonNull.reduce((s: bigint, v) => s + BigInt(v as number), 0n);
    case 'min':
    case 'any_value':
      return nonNull.length === 0 ? null : nonNull.reduce((m, v) => (cmp(v, m) < 0 ? v : m));
    case 'max':
      return nonNull.length === 0 ? null : nonNull.reduce((m, v) => (cmp(v, m) > 0 ? v : m));
    case 'bool_and':
      return nonNull.length === 0 ? null : nonNull.every((v) => v === true);
    case 'bool_or':
      return nonNull.length === 0 ? null : nonNull.some((v) => v === true);
    default: {
      if (inputs.length === 0) return null;
      const n = agg.args.length;
      inputs.sort((a, b) => {
        for (let i = 0; i < agg.orderBy.length; i++) {
          const o = agg.orderBy[i]!;
          const c = cmp(a[n + i]!, b[n + i]!, o.desc, o.nullsFirst);
          if (c !== 0) return c;
        }
        return compareRows(a.slice(0, n), b.slice(0, n));
      });
      const first = inputs.map((v) => v[0]!);
      switch (agg.func) {
        case 'string_agg': {
          const parts = inputs.filter((v) => v[0] !== null);
          if (parts.length === 0) return null;
          return parts.map((v, i) => (i === 0 ? '' : String(v[1] ?? '')) + String(v[0])).join('');
        }
        case 'array_agg':
          return new ArrayValue(first, [first.length]);
        case 'list_agg':
          return new ListValue(first);
        case 'jsonb_agg':
          return new Jsonb(first.map((v) => (v === null ? null : new JsonbNumber(String(v)))));
        case 'jsonb_object_agg':
          return new Jsonb(jsonbObject(inputs.map((v) => [String(v[0]), v[1] === null ? null : new JsonbNumber(String(v[1]))] as const)));
        default:
          throw new Error(`reference: unsupported aggregate ${agg.func}`);
      }
    }
  }
}

function topK(rows: Row[], order: ColumnOrder[], limit: number | undefined, offset: number): Row[] {
  const sorted = [...rows].sort((a, b) => {
    for (const o of order) {
      const c = cmp(a[o.column]!, b[o.column]!, o.desc, o.nullsFirst);
      if (c !== 0) return c;
    }
    return compareRows(a, b);
  });
  return sorted.slice(offset, limit === undefined ? undefined : offset + limit);
}

function groupBy(rows: Row[], keyOf: (row: Row) => Row): Map<string, { key: Row; rows: Row[] }> {
  const groups = new Map<string, { key: Row; rows: Row[] }>();
  for (const row of rows) {
    const key = keyOf(row);
    const k = rowKey(key);
    const g = groups.get(k);
    if (g) g.rows.push(row);
    else groups.set(k, { key, rows: [row] });
  }
  return groups;
}

/** Evaluates `rel` over `inputs` (collection id -> rows); throws on evaluation errors. */
export function referenceEval(rel: RelExpr, inputs: Map<string, Row[]>, locals = new Map<string, Multiset>()): Multiset {
  const go = (r: RelExpr): Multiset => referenceEval(r, inputs, locals);
  const positive = (r: RelExpr): Row[] => {
    const m = consolidate(go(r));
    if (m.some(([, n]) => n < 0)) throw new Error('reference: negative multiplicity');
    return expand(m);
  };
  switch (rel.op) {
    case 'get':
      return (inputs.get(rel.id) ?? []).map((row) => [row, 1]);
    case 'getLocal':
      return locals.get(rel.name)!;
    case 'let': {
      const inner = new Map(locals);
      inner.set(rel.name, go(rel.value));
      return referenceEval(rel.body, inputs, inner);
    }
    case 'constant':
      return rel.rows;
    case 'map':
      return go(rel.input).map(([row, n]) => {
        const out = [...row];
        for (const s of rel.scalars) out.push(evaluate(s, out));
        return [out, n];
      });
    case 'filter':
      return go(rel.input).filter(([row]) => rel.predicates.every((p) => evaluate(p, row) === true));
    case 'project':
      return go(rel.input).map(([row, n]) => [rel.outputs.map((i) => row[i]!), n]);
    case 'flatMap':
      return go(rel.input).flatMap(([row, n]) => [...rel.func.eval(rel.args.map((a) => evaluate(a, row)))].map((o): [Row, number] => [[...row, ...o], n]));
    case 'join': {
      let product: Multiset = [[[], 1]];
      for (const input of rel.inputs) {
        const side = go(input);
        product = product.flatMap(([l, a]) => side.map(([r, b]): [Row, number] => [[...l, ...r], a * b]));
      }
      return product.filter(([row]) => rel.equivalences.every((cls) => new Set(cls.map((e) => datumKey(evaluate(e, row)))).size <= 1));
    }
    case 'reduce': {
      const groups = groupBy(positive(rel.input), (row) => rel.groupKey.map((k) => evaluate(k, row)));
      return [...groups.values()].map(({ key, rows }) => [[...key, ...rel.aggregates.map((a) => aggregate(a, rows))], 1]);
    }
    case 'distinct':
      return consolidate(go(rel.input)).filter(([, n]) => n > 0).map(([row]) => [row, 1]);
    case 'threshold':
      return consolidate(go(rel.input)).filter(([, n]) => n > 0);
    case 'topK': {
      const groups = groupBy(positive(rel.input), (row) => rel.groupKey.map((c) => row[c]!));
      return [...groups.values()].flatMap(({ rows }) => topK(rows, rel.order, rel.limit, rel.offset).map((row): [Row, number] => [row, 1]));
    }
    case 'negate':
      return go(rel.input).map(([row, n]) => [row, -n]);
    case 'union':
      return rel.inputs.flatMap(go);
  }
}

/** The result as a multiset of rows (throws on negative multiplicities). */
export function referenceRows(rel: RelExpr, inputs: Map<string, Row[]>): Row[] {
  const m = consolidate(referenceEval(rel, inputs));
  if (m.some(([, n]) => n < 0)) throw new Error('reference: negative multiplicity in result');
  return expand(m);
}
