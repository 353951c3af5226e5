// Randomized differential test: random plans over random insert/delete
// workloads. After every step, each maintained dataflow must hold exactly
// what the same plan computes from scratch (peek), errors included, and each
// subscription's accumulated updates must equal the maintained contents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createComputeController } from '../../src/compute/controller.js';
import type { SubscribeBatch } from '../../src/compute/api.js';
import type { Datum, Row, SqlType } from '../../src/repr/types.js';
import type { AggregateExpr, ColumnOrder, RelExpr, ScalarExpr } from '../../src/plan/mir.js';
import { referenceRows } from './reference.js';
import { agg, BOOL, bool, call, canon, canonUpdates, col, desc, F, INT4, INT8, lit, TEXT } from './fixtures.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Gen {
  plan: RelExpr;
  types: SqlType[];
}

const INPUTS: Array<{ id: string; width: number }> = [
  { id: 'a', width: 2 },
  { id: 'b', width: 2 },
  { id: 'c', width: 3 },
];

class PlanGenerator {
  constructor(private readonly random: () => number) {}

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }
  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  private intColumns(g: Gen): number[] {
    return g.types.flatMap((t, i) => (t.kind === 'int4' ? [i] : []));
  }

  generate(depth: number): Gen {
    if (depth <= 0 || this.random() < 0.2) {
      const input = this.pick(INPUTS);
      return { plan: { op: 'get', id: input.id, desc: desc(input.width) }, types: Array<SqlType>(input.width).fill(INT4) };
    }
    const choice = this.int(10);
    switch (choice) {
      case 0:
        return this.filter(this.generate(depth - 1));
      case 1:
        return this.map(this.generate(depth - 1));
      case 2:
        return this.project(this.generate(depth - 1));
      case 3:
        return this.join(this.generate(depth - 1), this.generate(depth - 1));
      case 4:
        return this.join3(this.generate(depth - 1), this.generate(depth - 1), this.generate(depth - 1));
      case 5:
        return this.reduce(this.generate(depth - 1));
      case 6: {
        const input = this.generate(depth - 1);
        return { plan: { op: 'distinct', input: input.plan }, types: input.types };
      }
      case 7:
        return this.topK(this.generate(depth - 1));
      case 8:
        return this.union(this.generate(depth - 1), this.generate(depth - 1), false);
      default:
        return this.union(this.generate(depth - 1), this.generate(depth - 1), true);
    }
  }

  private filter(g: Gen): Gen {
    const ints = this.intColumns(g);
    let predicate: ScalarExpr;
    if (ints.length === 0 || this.random() < 0.3) predicate = call(F.isNotNull, [col(this.int(g.types.length), g.types[0])], BOOL);
    else if (this.random() < 0.5) predicate = bool(F.lt, col(this.pick(ints)), lit(this.int(5)));
    else predicate = bool(F.eq, col(this.pick(ints)), col(this.pick(ints)));
    return { plan: { op: 'filter', input: g.plan, predicates: [predicate] }, types: g.types };
  }

  private map(g: Gen): Gen {
    const ints = this.intColumns(g);
    if (ints.length === 0) return g;
    const f = this.random() < 0.15 ? F.div : F.add;
    return { plan: { op: 'map', input: g.plan, scalars: [call(f, [col(this.pick(ints)), col(this.pick(ints))])] }, types: [...g.types, INT4] };
  }

  private project(g: Gen): Gen {
    const n = 1 + this.int(g.types.length);
    const outputs = Array.from({ length: n }, () => this.int(g.types.length));
    return { plan: { op: 'project', input: g.plan, outputs }, types: outputs.map((i) => g.types[i]!) };
  }

  private join(l: Gen, r: Gen): Gen {
    const types = [...l.types, ...r.types];
    const equivalences: ScalarExpr[][] = [];
    if (this.random() < 0.8) {
      const li = this.int(l.types.length);
      const candidates = r.types.flatMap((t, i) => (t.kind === l.types[li]!.kind ? [i] : []));
      if (candidates.length > 0) equivalences.push([col(li, l.types[li]), col(l.types.length + this.pick(candidates), l.types[li])]);
    }
    return { plan: { op: 'join', inputs: [l.plan, r.plan], equivalences }, types };
  }

  /** A three-way join whose equivalence classes span inputs and use expressions, not only columns. */
  private join3(a: Gen, b: Gen, c: Gen): Gen {
    const types = [...a.types, ...b.types, ...c.types];
    const ints = types.flatMap((t, i) => (t.kind === 'int4' ? [i] : []));
    const equivalences: ScalarExpr[][] = [];
    for (let n = this.int(3); n > 0 && ints.length > 0; n--) {
      const members = Array.from({ length: 2 + this.int(2) }, () => {
        const column = col(this.pick(ints));
        return this.random() < 0.3 ? call(F.add, [column, lit(1)]) : column;
      });
      equivalences.push(members);
    }
    return { plan: { op: 'join', inputs: [a.plan, b.plan, c.plan], equivalences }, types };
  }

  private reduce(g: Gen): Gen {
    const ints = this.intColumns(g);
    const keyCols = Array.from({ length: this.int(3) }, () => this.int(g.types.length));
    const aggregates: AggregateExpr[] = [];
    const n = 1 + this.int(4);
    for (let i = 0; i < n; i++) {
      const c = ints.length > 0 ? this.pick(ints) : undefined;
      const distinct = this.random() < 0.2;
      const filter = c !== undefined && this.random() < 0.2 ? bool(F.lt, col(c), lit(3)) : undefined;
      const order = c !== undefined ? [{ expr: col(c), desc: this.random() < 0.5, nullsFirst: this.random() < 0.5 }] : [];
      const extra = { distinct, ...(filter ? { filter } : {}) };
      if (c === undefined) {
        aggregates.push(agg('count', [lit(1)], INT8, extra));
        continue;
      }
      const text = call(F.toText, [col(c)], TEXT);
      const options: AggregateExpr[] = [
        agg('count', [lit(1)], INT8, { filter }),
        agg('count', [col(c)], INT8, extra),
        agg('sum', [col(c)], INT8, extra),
        agg('sum', [call(F.toFloat, [col(c)], { kind: 'float8' })], { kind: 'float8' }, extra),
        agg('min', [col(c)], INT4, extra),
        agg('max', [col(c)], INT4, extra),
        agg('any_value', [col(c)], INT4, extra),
        agg('bool_and', [bool(F.lt, col(c), lit(2))], BOOL, extra),
        agg('bool_or', [bool(F.lt, col(c), lit(2))], BOOL, extra),
        agg('string_agg', [text, lit(',', TEXT)], TEXT, { ...extra, orderBy: order }),
        agg('array_agg', [col(c)], { kind: 'array', element: INT4 }, { ...extra, orderBy: order }),
        agg('list_agg', [col(c)], { kind: 'list', element: INT4 }, { ...extra, orderBy: order }),
        agg('jsonb_agg', [col(c)], { kind: 'jsonb' }, { ...extra, orderBy: order }),
        agg('jsonb_object_agg', [text, col(c)], { kind: 'jsonb' }, { filter: call(F.isNotNull, [col(c)], BOOL) }),
      ];
      aggregates.push(this.pick(options));
    }
    return {
      plan: { op: 'reduce', input: g.plan, groupKey: keyCols.map((k) => col(k, g.types[k])), aggregates },
      types: [...keyCols.map((k) => g.types[k]!), ...aggregates.map((a) => a.type)],
    };
  }

  private topK(g: Gen): Gen {
    const width = g.types.length;
    const order: ColumnOrder[] = Array.from({ length: 1 + this.int(2) }, () => ({
      column: this.int(width),
      desc: this.random() < 0.5,
      nullsFirst: this.random() < 0.5,
    }));
    const groupKey = this.random() < 0.5 ? [this.int(width)] : [];
    const limit = this.random() < 0.2 ? undefined : this.int(4);
    return {
      plan: { op: 'topK', input: g.plan, groupKey, order, ...(limit === undefined ? {} : { limit }), offset: this.int(2) },
      types: g.types,
    };
  }

  /** UNION ALL, or EXCEPT ALL (threshold of a minus b) when `except`. */
  private union(a: Gen, b: Gen, except: boolean): Gen {
    const outputs: number[] = [];
    for (const t of a.types) {
      const same = b.types.flatMap((u, i) => (u.kind === t.kind ? [i] : []));
      if (same.length === 0) return a;
      outputs.push(this.pick(same));
    }
    const right: RelExpr = { op: 'project', input: b.plan, outputs };
    const plan: RelExpr = except
      ? { op: 'threshold', input: { op: 'union', inputs: [a.plan, { op: 'negate', input: right }] } }
      : { op: 'union', inputs: [a.plan, right] };
    return { plan, types: a.types };
  }
}

function randomRow(random: () => number, width: number): Row {
  return Array.from({ length: width }, (): Datum => (random() < 0.15 ? null : Math.floor(random() * 5)));
}

/** Contents, or the error message every read must fail with. */
function outcome(read: () => string[]): string[] | string {
  try {
    return read();
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

test('maintained dataflows and subscriptions equal recomputation on random workloads', () => {
  for (let seed = 1; seed <= 60; seed++) {
    const random = rng(seed);
    const generator = new PlanGenerator(random);
    const c = createComputeController();
    const contents = new Map<string, Row[]>();
    for (const input of INPUTS) {
      c.createInput(input.id, desc(input.width));
      contents.set(input.id, []);
    }
    const views: Array<{ id: string; plan: RelExpr; sub: { rows: SubscribeBatch[]; error?: string } }> = [];
    const addView = (index: number): void => {
      const { plan, types } = generator.generate(3);
      const id = `v${index}`;
      const arrangeBy = random() < 0.3 ? [col(0, types[0])] : undefined;
      c.createMaintained(id, plan, arrangeBy ? { arrangeBy } : undefined);
      const sub: { rows: SubscribeBatch[]; error?: string } = { rows: [] };
      c.subscribe(plan, { snapshot: true }, (b) => sub.rows.push(b), (e) => (sub.error = e.message));
      views.push({ id, plan, sub });
    };
    addView(0);
    for (let step = 1; step <= 25; step++) {
      if (step === 8) addView(1); // hydrates from existing contents
      const changes = INPUTS.map((input) => {
        const rows = contents.get(input.id)!;
        const updates = [];
        for (let k = Math.floor(random() * 4); k > 0; k--) {
          if (rows.length > 0 && random() < 0.4) {
            const [row] = rows.splice(Math.floor(random() * rows.length), 1);
            updates.push({ row: row!, diff: -1 });
          } else if (rows.length < 12) {
            const row = randomRow(random, input.width);
            rows.push(row);
            updates.push({ row, diff: 1 });
          }
        }
        return { id: input.id, updates };
      });
      c.applyUpdates(changes, step);
      for (const view of views) {
        const expected = outcome(() => canon(referenceRows(view.plan, contents)));
        const recomputed = outcome(() => canon(c.peek(view.plan)));
        const maintained = outcome(() => canonUpdates(c.snapshot(view.id)));
        const describePlan = () => `seed ${seed} step ${step} ${view.id}: ${JSON.stringify(view.plan, (_k, v: unknown) => (typeof v === 'function' ? undefined : v))}`;
        assert.deepEqual(errorOr(recomputed), errorOr(expected), `peek: ${describePlan()}`);
        assert.deepEqual(maintained, recomputed, `maintained: ${describePlan()}`);
        if (typeof expected === 'string') {
          assert.notEqual(view.sub.error, undefined, `seed ${seed} step ${step}: subscription failed too`);
        } else if (view.sub.error === undefined) {
          const accumulated = view.sub.rows.flatMap((b) => b.updates);
          assert.deepEqual(canonUpdates(consolidated(accumulated)), expected, `seed ${seed} step ${step}: subscription`);
          assert.equal(view.sub.rows[view.sub.rows.length - 1]!.time, step);
        }
      }
    }
  }
});

/** Errors compare by kind only: the reference and the engine may meet different failing rows first. */
function errorOr(result: string[] | string): string[] | string {
  return typeof result === 'string' ? 'error' : result;
}

function consolidated(updates: Array<{ row: Row; diff: number }>) {
  const byKey = new Map<string, { row: Row; diff: number }>();
  for (const u of updates) {
    const key = JSON.stringify(u.row, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    const e = byKey.get(key);
    if (e) e.diff += u.diff;
    else byKey.set(key, { ...u });
  }
  return [...byKey.values()].filter((u) => u.diff !== 0);
}
