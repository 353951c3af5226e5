import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createComputeController } from '../../src/compute/controller.js';
import type { RelExpr, ScalarFunc, TableFunc } from '../../src/plan/mir.js';
import { agg, bool, call, canon, canonUpdates, col, del, desc, F, get, ins, INT4, INT8, lit } from './fixtures.js';

function setup() {
  const c = createComputeController();
  c.createInput('t', desc(2));
  c.createInput('u', desc(2));
  return c;
}

test('map, filter and project over an input, peek and maintained', () => {
  const c = setup();
  const plan: RelExpr = {
    op: 'project',
    input: {
      op: 'filter',
      input: { op: 'map', input: get('t', 2), scalars: [call(F.add, [col(0), col(1)])] },
      predicates: [bool(F.lt, col(2), lit(10))],
    },
    outputs: [2, 0],
  };
  c.createMaintained('v', plan);
  c.applyUpdates([{ id: 't', updates: ins([1, 2], [5, 6], [3, null]) }], 1);
  assert.deepEqual(canon(c.peek(plan)), canon([[3, 1]]));
  assert.deepEqual(canonUpdates(c.snapshot('v')), canon([[3, 1]]));
  c.applyUpdates([{ id: 't', updates: [...del([1, 2]), ...ins([2, 2], [2, 2])] }], 2);
  assert.deepEqual(canonUpdates(c.snapshot('v')), canon([[4, 2], [4, 2]]));
  assert.deepEqual(canon(c.peek({ op: 'get', id: 'v', desc: desc(2) })), canon([[4, 2], [4, 2]]));
});

test('equi-join with NULL-matching equivalence, and cross join', () => {
  const c = setup();
  const join: RelExpr = { op: 'join', inputs: [get('t', 2), get('u', 2)], equivalences: [[col(0), col(2)]] };
  const cross: RelExpr = { op: 'join', inputs: [get('t', 2), get('u', 2)], equivalences: [] };
  c.createMaintained('j', join);
  c.createMaintained('x', cross);
  c.applyUpdates([{ id: 't', updates: ins([1, 10], [null, 11]) }, { id: 'u', updates: ins([1, 20], [null, 21], [2, 22]) }], 1);
  const expected = canon([
    [1, 10, 1, 20],
    [null, 11, null, 21],
  ]);
  assert.deepEqual(canonUpdates(c.snapshot('j')), expected);
  assert.deepEqual(canon(c.peek(join)), expected);
  assert.equal(c.snapshot('x').length, 6);
  c.applyUpdates([{ id: 'u', updates: del([1, 20]) }], 2);
  assert.deepEqual(canonUpdates(c.snapshot('j')), canon([[null, 11, null, 21]]));
  assert.equal(c.snapshot('x').length, 4);
});

test('reduce count and sum with retractions', () => {
  const c = setup();
  const plan: RelExpr = {
    op: 'reduce',
    input: get('t', 2),
    groupKey: [col(0)],
    aggregates: [agg('count', [lit(1)], INT8), agg('sum', [col(1)], INT8), agg('count', [col(1)], INT8)],
  };
  c.createMaintained('r', plan);
  c.applyUpdates([{ id: 't', updates: ins([1, 5], [1, 7], [2, null]) }], 1);
  assert.deepEqual(canonUpdates(c.snapshot('r')), canon([[1, 2n, 12n, 2n], [2, 1n, null, 0n]]));
  c.applyUpdates([{ id: 't', updates: del([1, 5], [2, null]) }], 2);
  assert.deepEqual(canonUpdates(c.snapshot('r')), canon([[1, 1n, 7n, 1n]]));
  assert.deepEqual(canon(c.peek(plan)), canon([[1, 1n, 7n, 1n]]));
});

test('distinct, union, negate and threshold (EXCEPT ALL)', () => {
  const c = setup();
  const except: RelExpr = { op: 'threshold', input: { op: 'union', inputs: [get('t', 2), { op: 'negate', input: get('u', 2) }] } };
  const distinct: RelExpr = { op: 'distinct', input: get('t', 2) };
  c.createMaintained('e', except);
  c.createMaintained('d', distinct);
  c.applyUpdates([{ id: 't', updates: ins([1, 1], [1, 1], [2, 2]) }, { id: 'u', updates: ins([1, 1], [3, 3]) }], 1);
  assert.deepEqual(canonUpdates(c.snapshot('e')), canon([[1, 1], [2, 2]]));
  assert.deepEqual(canonUpdates(c.snapshot('d')), canon([[1, 1], [2, 2]]));
  c.applyUpdates([{ id: 'u', updates: ins([1, 1], [2, 2]) }], 2);
  assert.deepEqual(canonUpdates(c.snapshot('e')), []);
  assert.deepEqual(canon(c.peek(except)), []);
});

test('constant, let/getLocal', () => {
  const c = setup();
  const plan: RelExpr = {
    op: 'let',
    name: 'x',
    value: { op: 'constant', rows: [[[1, 2], 2]], desc: desc(2) },
    body: { op: 'union', inputs: [{ op: 'getLocal', name: 'x', desc: desc(2) }, { op: 'getLocal', name: 'x', desc: desc(2) }] },
  };
  assert.deepEqual(canon(c.peek(plan)), canon([[1, 2], [1, 2], [1, 2], [1, 2]]));
  c.createMaintained('v', plan);
  assert.deepEqual(canonUpdates(c.snapshot('v')), canon([[1, 2], [1, 2], [1, 2], [1, 2]]));
});

test('flatMap appends the table function rows; if is lazy; strict calls skip NULLs', () => {
  const c = setup();
  const series: TableFunc = {
    name: 'generate_series',
    columns: [{ name: 'n', type: INT4, nullable: false }],
    *eval([from, to]) {
      if (from === null || to === null) return;
      for (let n = from as number; n <= (to as number); n++) yield [n];
    },
  };
  let calls = 0;
  const counted: ScalarFunc = { name: 'counted', strict: true, eval: ([a]) => (calls++, a!) };
  const plan: RelExpr = {
    op: 'map',
    input: { op: 'flatMap', input: get('t', 2), func: series, args: [col(0), col(1)] },
    scalars: [
      { kind: 'if', cond: bool(F.lt, col(2), lit(2)), then: lit(0), else: call(F.div, [lit(10), call(F.add, [col(2), lit(-2)])]), type: INT4 },
      call(counted, [lit(null)]),
    ],
  };
  c.createMaintained('v', plan);
  c.applyUpdates([{ id: 't', updates: ins([1, 3], [5, null]) }], 1);
  // n = 2 divides by zero (10 / (2 - 2)); n = 1 does not reach the else branch.
  assert.throws(() => c.snapshot('v'), /division by zero/);
  c.applyUpdates([{ id: 't', updates: [...del([1, 3]), ...ins([0, 1], [3, 4])] }], 2);
  assert.deepEqual(canonUpdates(c.snapshot('v')), canon([[0, 1, 0, 0, null], [0, 1, 1, 0, null], [3, 4, 3, 10, null], [3, 4, 4, 5, null]]));
  assert.equal(calls, 0);
});

test('a let-bound collection joined with itself', () => {
  const c = setup();
  const x = { op: 'getLocal', name: 'x', desc: desc(2) } as const;
  const plan: RelExpr = { op: 'let', name: 'x', value: get('t', 2), body: { op: 'join', inputs: [x, x], equivalences: [[col(0), col(2)]] } };
  c.createMaintained('v', plan);
  c.applyUpdates([{ id: 't', updates: ins([1, 1], [1, 2], [2, 3]) }], 1);
  const expected = canon([[1, 1, 1, 1], [1, 1, 1, 2], [1, 2, 1, 1], [1, 2, 1, 2], [2, 3, 2, 3]]);
  assert.deepEqual(canonUpdates(c.snapshot('v')), expected);
  assert.deepEqual(canon(c.peek(plan)), expected);
  c.applyUpdates([{ id: 't', updates: del([1, 1]) }], 2);
  assert.deepEqual(canonUpdates(c.snapshot('v')), canon([[1, 2, 1, 2], [2, 3, 2, 3]]));
});
