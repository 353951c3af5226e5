import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createComputeController } from '../../src/compute/controller.js';
import type { AggregateExpr, RelExpr } from '../../src/plan/mir.js';
import { agg, BOOL, bool, call, canon, canonUpdates, col, del, desc, F, get, ins, INT4, INT8, lit, show, TEXT } from './fixtures.js';
import type { Jsonb } from '../../src/repr/types.js';

function maintainAndPeek(aggregates: AggregateExpr[]) {
  const c = createComputeController();
  c.createInput('t', desc(2));
  const plan: RelExpr = { op: 'reduce', input: get('t', 2), groupKey: [col(0)], aggregates };
  c.createMaintained('r', plan);
  const read = () => {
    const maintained = canonUpdates(c.snapshot('r'));
    assert.deepEqual(maintained, canon(c.peek(plan)), 'maintained equals recomputed');
    return maintained;
  };
  return { c, read };
}

test('min, max, any_value, bool_and, bool_or survive retraction of the extreme', () => {
  const { c, read } = maintainAndPeek([
    agg('min', [col(1)], INT4),
    agg('max', [col(1)], INT4),
    agg('bool_and', [bool(F.lt, col(1), lit(5))], BOOL),
    agg('bool_or', [bool(F.lt, col(1), lit(2))], BOOL),
  ]);
  c.applyUpdates([{ id: 't', updates: ins([1, 1], [1, 4], [1, 9], [1, null]) }], 1);
  assert.deepEqual(read(), canon([[1, 1, 9, false, true]]));
  c.applyUpdates([{ id: 't', updates: del([1, 1], [1, 9]) }], 2);
  assert.deepEqual(read(), canon([[1, 4, 4, true, false]]));
  c.applyUpdates([{ id: 't', updates: del([1, 4]) }], 3);
  assert.deepEqual(read(), canon([[1, null, null, null, null]]));
});

test('collecting aggregates follow their ORDER BY and drop retracted values', () => {
  const text = call(F.toText, [col(1)], TEXT);
  const { c, read } = maintainAndPeek([
    agg('string_agg', [text, lit('-', TEXT)], TEXT, { orderBy: [{ expr: col(1), desc: true, nullsFirst: false }] }),
    agg('array_agg', [col(1)], { kind: 'array', element: INT4 }, { orderBy: [{ expr: col(1), desc: false, nullsFirst: false }] }),
    agg('list_agg', [col(1)], { kind: 'list', element: INT4 }, { orderBy: [{ expr: col(1), desc: false, nullsFirst: true }] }),
    agg('jsonb_agg', [col(1)], { kind: 'jsonb' }, { orderBy: [{ expr: col(1), desc: false, nullsFirst: false }] }),
    agg('jsonb_object_agg', [text, col(1)], { kind: 'jsonb' }, { filter: call(F.isNotNull, [col(1)], BOOL) }),
  ]);
  c.applyUpdates([{ id: 't', updates: ins([1, 3], [1, 1], [1, 2], [1, null]) }], 1);
  const [row] = c.snapshot('r');
  assert.equal(row!.row[1], '3-2-1');
  assert.equal(show(row!.row[2]), show({ elements: [1, 2, 3, null], dims: [4], lowerBounds: [1] }));
  assert.equal(show(row!.row[3]), show({ elements: [null, 1, 2, 3] }));
  assert.equal((row!.row[4] as Jsonb).text, '[1, 2, 3, null]');
  assert.equal((row!.row[5] as Jsonb).text, '{"1": 1, "2": 2, "3": 3}');
  c.applyUpdates([{ id: 't', updates: del([1, 2], [1, null]) }], 2);
  assert.equal(c.snapshot('r')[0]!.row[1], '3-1');
  read();
});

test('DISTINCT and FILTER aggregates', () => {
  const { c, read } = maintainAndPeek([
    agg('count', [col(1)], INT8, { distinct: true }),
    agg('sum', [col(1)], INT8, { distinct: true }),
    agg('count', [lit(1)], INT8, { filter: bool(F.lt, col(1), lit(3)) }),
  ]);
  c.applyUpdates([{ id: 't', updates: ins([1, 2], [1, 2], [1, 5]) }], 1);
  assert.deepEqual(read(), canon([[1, 2n, 7n, 2n]]));
  c.applyUpdates([{ id: 't', updates: del([1, 2]) }], 2);
  assert.deepEqual(read(), canon([[1, 2n, 7n, 1n]]));
  c.applyUpdates([{ id: 't', updates: del([1, 2]) }], 3);
  assert.deepEqual(read(), canon([[1, 1n, 5n, 0n]]));
});

test('float sums are exact under retraction', () => {
  const c = createComputeController();
  c.createInput('f', { columns: [{ name: 'x', type: { kind: 'float8' }, nullable: true }] });
  const plan: RelExpr = {
    op: 'reduce',
    input: { op: 'get', id: 'f', desc: desc(1, { kind: 'float8' }) },
    groupKey: [],
    aggregates: [agg('sum', [col(0, { kind: 'float8' })], { kind: 'float8' })],
  };
  c.createMaintained('s', plan);
  c.applyUpdates([{ id: 'f', updates: ins([1e16], [1], [0.1], [0.2]) }], 1);
  c.applyUpdates([{ id: 'f', updates: del([1e16]) }], 2);
  assert.deepEqual(c.snapshot('s'), [{ row: [1.3], diff: 1 }]);
  c.applyUpdates([{ id: 'f', updates: ins([Infinity]) }], 3);
  assert.deepEqual(c.snapshot('s'), [{ row: [Infinity], diff: 1 }]);
  c.applyUpdates([{ id: 'f', updates: del([Infinity], [1], [0.1], [0.2]) }], 4);
  assert.deepEqual(c.snapshot('s'), []);
});

test('top-k per group with limit and offset', () => {
  const c = createComputeController();
  c.createInput('t', desc(2));
  const plan: RelExpr = {
    op: 'topK',
    input: get('t', 2),
    groupKey: [0],
    order: [{ column: 1, desc: true, nullsFirst: false }],
    limit: 2,
    offset: 1,
  };
  c.createMaintained('k', plan);
  c.applyUpdates([{ id: 't', updates: ins([1, 5], [1, 7], [1, 7], [1, 1], [2, 3]) }], 1);
  assert.deepEqual(canonUpdates(c.snapshot('k')), canon([[1, 7], [1, 5]]));
  c.applyUpdates([{ id: 't', updates: del([1, 7]) }], 2);
  assert.deepEqual(canonUpdates(c.snapshot('k')), canon([[1, 5], [1, 1]]));
  assert.deepEqual(canonUpdates(c.snapshot('k')), canon(c.peek(plan)));
});
