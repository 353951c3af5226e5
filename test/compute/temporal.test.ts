import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createComputeController } from '../../src/compute/controller.js';
import type { SubscribeBatch } from '../../src/compute/api.js';
import type { RelExpr } from '../../src/plan/mir.js';
import type { Datum } from '../../src/repr/types.js';
import { bool, call, canon, canonUpdates, col, del, desc, F, get, ins, lit, MZ_TS, mzNow, show } from './fixtures.js';

const ts = (i: number) => call(F.toMzTs, [col(i)], MZ_TS);

/** Rows [from, until] visible while from <= mz_now() <= until. */
const window: RelExpr = {
  op: 'filter',
  input: get('t', 2),
  predicates: [bool(F.gte, mzNow, ts(0)), bool(F.lte, mzNow, ts(1))],
};

test('temporal filter inserts and retracts rows as time advances', () => {
  const c = createComputeController();
  c.createInput('t', desc(2));
  c.advanceTo(5);
  c.createMaintained('v', window);
  const batches: SubscribeBatch[] = [];
  c.subscribe(window, { snapshot: true }, (b) => batches.push(b), (e) => assert.fail(e));
  c.applyUpdates([{ id: 't', updates: ins([10, 20], [3, 7], [1, 2]) }], 6);
  assert.deepEqual(canonUpdates(c.snapshot('v')), canon([[3, 7]]));
  c.advanceTo(10);
  assert.deepEqual(canonUpdates(c.snapshot('v')), canon([[10, 20]]));
  assert.deepEqual(canon(c.peek(window)), canon([[10, 20]]));
  c.advanceTo(30);
  assert.deepEqual(c.snapshot('v'), []);
  assert.deepEqual(
    batches.map((b) => show([b.time, b.updates])),
    [
      [5, []],
      [6, [{ row: [3, 7], diff: 1 }]],
      [8, [{ row: [3, 7], diff: -1 }]],
      [10, [{ row: [10, 20], diff: 1 }]],
      [21, [{ row: [10, 20], diff: -1 }]],
      [30, []],
    ].map(show),
  );
});

test('a row retracted before its validity starts never appears', () => {
  const c = createComputeController();
  c.createInput('t', desc(2));
  c.createMaintained('v', window);
  c.applyUpdates([{ id: 't', updates: ins([10, 20]) }], 1);
  c.applyUpdates([{ id: 't', updates: del([10, 20]) }], 2);
  const seen: number[] = [];
  c.subscribe(window, { snapshot: false }, (b) => seen.push(b.updates.length), (e) => assert.fail(e));
  c.advanceTo(15);
  c.advanceTo(25);
  assert.deepEqual(c.snapshot('v'), []);
  assert.deepEqual(seen, [0, 0]);
});

test('equality and disjunction-free conjunctions of mz_now() comparisons', () => {
  const c = createComputeController();
  c.createInput('t', desc(2));
  const exact: RelExpr = { op: 'filter', input: get('t', 2), predicates: [bool(F.eq, mzNow, ts(0))] };
  const before: RelExpr = { op: 'filter', input: get('t', 2), predicates: [bool(F.lt, mzNow, ts(0))] };
  const between: RelExpr = {
    op: 'filter',
    input: get('t', 2),
    predicates: [call(F.and, [bool(F.gte, mzNow, ts(0)), bool(F.lt, mzNow, ts(1))], { kind: 'bool' })],
  };
  c.createMaintained('exact', exact);
  c.createMaintained('before', before);
  c.createMaintained('between', between);
  c.applyUpdates([{ id: 't', updates: ins([5, 8]) }], 1);
  const contents = () => ['exact', 'before', 'between'].map((id) => c.snapshot(id).length);
  assert.deepEqual(contents(), [0, 1, 0]);
  c.advanceTo(5);
  assert.deepEqual(contents(), [1, 0, 1]);
  c.advanceTo(6);
  assert.deepEqual(contents(), [0, 0, 1]);
  c.advanceTo(8);
  assert.deepEqual(contents(), [0, 0, 0]);
});

test('mz_now() in a peek is the read time', () => {
  const c = createComputeController();
  c.createInput('t', desc(2));
  c.applyUpdates([{ id: 't', updates: ins([1, 100]) }], 50);
  const plan: RelExpr = { op: 'filter', input: get('t', 2), predicates: [bool(F.lte, mzNow, lit(60n, MZ_TS))] };
  assert.equal(c.peek(plan).length, 1);
  c.advanceTo(61);
  assert.equal(c.peek(plan).length, 0);
});

test('random temporal filters: maintained contents equal a peek at every time', () => {
  let seed = 7;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const atoms = [
    () => bool(F.gte, mzNow, ts(0)),
    () => bool(F.lt, mzNow, ts(1)),
    () => bool(F.lte, mzNow, ts(1)),
    () => bool(F.eq, mzNow, ts(0)),
    () => bool(F.lte, ts(0), mzNow),
    () => call(F.and, [bool(F.gte, mzNow, ts(0)), bool(F.lte, mzNow, ts(1))], { kind: 'bool' }),
  ];
  for (let round = 0; round < 20; round++) {
    const c = createComputeController();
    c.createInput('t', desc(2));
    const plans: RelExpr[] = Array.from({ length: 3 }, () => ({
      op: 'filter',
      input: get('t', 2),
      predicates: Array.from({ length: 1 + Math.floor(random() * 2) }, () => atoms[Math.floor(random() * atoms.length)]!()),
    }));
    const accumulated = plans.map(() => new Map<string, number>());
    plans.forEach((plan, i) => {
      c.createMaintained(`v${i}`, plan);
      c.subscribe(plan, { snapshot: true }, (b) => {
        for (const u of b.updates) accumulated[i]!.set(show(u.row), (accumulated[i]!.get(show(u.row)) ?? 0) + u.diff);
      }, (e) => assert.fail(e));
    });
    const rows: Array<[number, number]> = [];
    let time = 0;
    for (let step = 0; step < 30; step++) {
      time += Math.floor(random() * 6);
      const updates = [];
      if (rows.length > 0 && random() < 0.3) {
        const [row] = rows.splice(Math.floor(random() * rows.length), 1);
        updates.push({ row: row!, diff: -1 });
      }
      for (let k = Math.floor(random() * 3); k > 0; k--) {
        const from = time + Math.floor(random() * 20) - 5;
        const row: [number, number] = [Math.max(0, from), Math.max(0, from + Math.floor(random() * 10))];
        rows.push(row);
        updates.push({ row, diff: 1 });
      }
      if (random() < 0.5) c.applyUpdates([{ id: 't', updates }], time);
      else {
        c.advanceTo(time);
        c.applyUpdates([{ id: 't', updates }], time);
      }
      plans.forEach((plan, i) => {
        const expected = canon(c.peek(plan));
        assert.deepEqual(canonUpdates(c.snapshot(`v${i}`)), expected, `round ${round} step ${step} view ${i}`);
        const fromSubscription = [...accumulated[i]!].flatMap(([row, n]) => Array<string>(n).fill(row)).sort();
        assert.deepEqual(fromSubscription, expected);
      });
    }
  }
});

test('a temporal predicate over a conversion of mz_now() is found by bisection', () => {
  const c = createComputeController();
  c.createInput('t', desc(2));
  const halve = { name: 'halve', strict: true, eval: ([t]: Array<Datum>) => (t as bigint) / 2n };
  const plan: RelExpr = {
    op: 'filter',
    input: get('t', 2),
    predicates: [bool(F.lte, call(halve, [mzNow], MZ_TS), ts(0))],
  };
  c.createMaintained('v', plan);
  c.applyUpdates([{ id: 't', updates: ins([10, 0]) }], 1);
  c.advanceTo(21);
  assert.equal(c.snapshot('v').length, 1);
  c.advanceTo(22);
  assert.equal(c.snapshot('v').length, 0);
});
