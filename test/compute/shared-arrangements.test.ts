// Joins reading a collection through the collection's own arrangement
// (instead of a copy): when that happens, and that results stay exact while
// both sides change, across views built on the same collection, NULL keys,
// and when the dataflow goes away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createComputeController } from '../../src/compute/controller.js';
import type { RelExpr, ScalarExpr } from '../../src/plan/mir.js';
import { rowKey } from '../../src/repr/compare.js';
import type { Row } from '../../src/repr/types.js';
import { BOOL, col, desc, get } from './fixtures.js';

const notNull = (c: number): ScalarExpr => ({
  kind: 'call',
  func: { name: 'not', strict: true, eval: (a) => !a[0] },
  args: [{ kind: 'call', func: { name: 'isnull', strict: false, eval: (a) => a[0] === null }, args: [col(c)], type: BOOL }],
  type: BOOL,
});

/** facts(id, dim, qty) ⋈ dims(id, name) on dim = id, as SQL `=` plans it: key IS NOT NULL filters and a projection. */
const sqlJoin: RelExpr = {
  op: 'join',
  inputs: [
    { op: 'filter', input: { op: 'project', input: get('facts', 3), outputs: [1, 2] }, predicates: [notNull(0)] },
    { op: 'filter', input: get('dims', 2), predicates: [notNull(0)] },
  ],
  equivalences: [[col(0), col(2)]],
};

/** The same join with datum equality (IS NOT DISTINCT FROM): NULL keys match. */
const nullSafeJoin: RelExpr = { op: 'join', inputs: [get('facts', 3), get('dims', 2)], equivalences: [[col(1), col(3)]] };

const sorted = (rows: Row[]): string[] => rows.map(rowKey).sort();

function setup() {
  const c = createComputeController();
  c.createInput('facts', desc(3));
  c.createInput('dims', desc(2));
  let time = 1;
  const apply = (id: string, updates: Array<[Row, number]>) => c.applyUpdates([{ id, updates: updates.map(([row, diff]) => ({ row, diff })) }], time++);
  const check = (view: string, plan: RelExpr) => assert.deepEqual(sorted(c.snapshot(view).flatMap((u) => Array<Row>(u.diff).fill(u.row))), sorted(c.peek(plan)));
  return { c, apply, check };
}

test('a join planned from SQL `=` reads its inputs through their collections, and stays exact', () => {
  const { c, apply, check } = setup();
  apply('dims', [[[1, 'a'], 1], [[2, 'b'], 1], [[null, 'n'], 1]]);
  apply('facts', [[[10, 1, 5], 1], [[11, 2, 6], 1], [[12, null, 7], 1], [[13, 1, 8], 2]]);
  c.createMaintained('v', sqlJoin);
  assert.deepEqual(c.sharedArrangements('facts'), [[1]], 'facts is arranged by its dim column, for the join');
  assert.deepEqual(c.sharedArrangements('dims'), [[0]]);
  check('v', sqlJoin);
  // Changes on both sides, including rows with NULL keys (which join nothing) and multiplicities.
  apply('facts', [[[14, 2, 9], 1], [[13, 1, 8], -1], [[15, null, 1], 1]]);
  check('v', sqlJoin);
  apply('dims', [[[2, 'b'], -1], [[2, 'B'], 1], [[3, 'c'], 1], [[null, 'm'], 1]]);
  check('v', sqlJoin);
  apply('facts', [[[16, 3, 2], 1], [[10, 1, 5], -1]]);
  check('v', sqlJoin);
  assert.equal(c.snapshot('v').reduce((n, u) => n + u.diff, 0), 4);
  // The collection still reads back whole while arranged.
  assert.equal(c.snapshot('facts').reduce((n, u) => n + u.diff, 0), 6);
});

test('NULL keys match under datum equality through a shared arrangement', () => {
  const { c, apply, check } = setup();
  apply('facts', [[[1, null, 1], 1], [[2, 7, 1], 1], [[3, null, 2], 1]]);
  c.createMaintained('v', nullSafeJoin);
  assert.deepEqual(c.sharedArrangements('facts'), [[1]]);
  apply('dims', [[[null, 'nothing'], 1], [[7, 'seven'], 1]]);
  check('v', nullSafeJoin);
  assert.equal(c.snapshot('v').length, 3);
});

test('no sharing where the dataflow would see the batch twice (self-join, a view of the same collection)', () => {
  const { c, apply, check } = setup();
  apply('facts', [[[1, 1, 1], 1], [[2, 1, 2], 1], [[3, 2, 3], 1]]);
  const selfJoin: RelExpr = { op: 'join', inputs: [get('facts', 3), get('facts', 3)], equivalences: [[col(1), col(4)]] };
  c.createMaintained('self', selfJoin);
  assert.deepEqual(c.sharedArrangements('facts'), []);
  const byDim: RelExpr = { op: 'project', input: get('facts', 3), outputs: [1] };
  c.createMaintained('dims_used', byDim);
  const withView: RelExpr = { op: 'join', inputs: [get('facts', 3), get('dims_used', 1)], equivalences: [[col(1), col(3)]] };
  c.createMaintained('w', withView);
  assert.deepEqual(c.sharedArrangements('facts'), [], 'dims_used is computed from facts');
  assert.deepEqual(c.sharedArrangements('dims_used'), [[0]], 'the view itself may be shared');
  // A join whose inputs are all shared computes its first result from one of them.
  assert.equal(c.snapshot('w').reduce((n, u) => n + u.diff, 0), 5);
  const live: Row[] = [[1, 1, 1], [2, 1, 2], [3, 2, 3]];
  for (let i = 0; i < 6; i++) {
    // Insert a row, and retract one (even steps) or insert a copy of one (odd steps).
    const other = live[i % live.length]!;
    apply('facts', [[[10 + i, i % 2, i], 1], [other, i % 2 === 0 ? -1 : 1]]);
    live.push([10 + i, i % 2, i]);
    if (i % 2 === 0) live.splice(live.indexOf(other), 1);
    else live.push(other);
    check('self', selfJoin);
    check('w', withView);
  }
});

test('views sharing one arrangement, and dropping them gives the rows back to the collection', () => {
  const { c, apply, check } = setup();
  apply('dims', [[[1, 'a'], 1], [[2, 'b'], 1]]);
  apply('facts', [[[10, 1, 5], 1], [[11, 2, 6], 1]]);
  c.createMaintained('v1', sqlJoin);
  c.createMaintained('v2', nullSafeJoin);
  assert.deepEqual(c.sharedArrangements('facts'), [[1]], 'both joins read facts by its dim column: one arrangement');
  apply('facts', [[[12, 1, 7], 1], [[10, 1, 5], -1]]);
  check('v1', sqlJoin);
  check('v2', nullSafeJoin);
  c.drop('v1');
  assert.deepEqual(c.sharedArrangements('facts'), [[1]]);
  apply('facts', [[[13, 2, 1], 1]]);
  check('v2', nullSafeJoin);
  c.drop('v2');
  assert.deepEqual(c.sharedArrangements('facts'), []);
  apply('facts', [[[14, 2, 1], 1], [[11, 2, 6], -1]]);
  assert.deepEqual(sorted(c.peek(get('facts', 3))), sorted([[12, 1, 7], [13, 2, 1], [14, 2, 1]]));
  // A new view after the drops hydrates from the collection again.
  c.createMaintained('v3', sqlJoin);
  check('v3', sqlJoin);
  assert.equal(c.snapshot('v3').reduce((n, u) => n + u.diff, 0), 3);
});

test('a join over tables that are empty when the view is created shares both, and fills as they do', () => {
  const { c, apply, check } = setup();
  c.createMaintained('v', sqlJoin);
  assert.deepEqual([c.sharedArrangements('facts'), c.sharedArrangements('dims')], [[[1]], [[0]]]);
  apply('dims', [[[1, 'a'], 1]]);
  apply('facts', [[[10, 1, 5], 1], [[11, 1, 6], 1], [[12, 2, 6], 1]]);
  check('v', sqlJoin);
  apply('dims', [[[2, 'b'], 1]]);
  check('v', sqlJoin);
  assert.equal(c.snapshot('v').reduce((n, u) => n + u.diff, 0), 3);
});

test('one-shot reads never take a shared arrangement', () => {
  const { c, apply } = setup();
  apply('dims', [[[1, 'a'], 1]]);
  apply('facts', [[[10, 1, 5], 1]]);
  assert.equal(c.peek(sqlJoin).length, 1);
  assert.deepEqual(c.sharedArrangements('facts'), []);
});
