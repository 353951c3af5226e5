import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createComputeController } from '../../src/compute/controller.js';
import type { SubscribeBatch } from '../../src/compute/api.js';
import type { RelExpr } from '../../src/plan/mir.js';
import { agg, canon, canonUpdates, col, del, desc, get, ins, INT8, show } from './fixtures.js';

const counts: RelExpr = { op: 'reduce', input: get('t', 2), groupKey: [col(0)], aggregates: [agg('count', [col(1)], INT8)] };

test('subscribe: snapshot, consolidated changes per time, progress, close', () => {
  const c = createComputeController();
  c.createInput('t', desc(2));
  c.applyUpdates([{ id: 't', updates: ins([1, 1]) }], 10);
  const batches: SubscribeBatch[] = [];
  const sub = c.subscribe(counts, { snapshot: true }, (b) => batches.push(b), (e) => assert.fail(e));
  c.applyUpdates([{ id: 't', updates: ins([1, 2], [2, 2]) }], 11);
  c.advanceTo(12);
  sub.close();
  c.applyUpdates([{ id: 't', updates: del([1, 1]) }], 13);
  assert.deepEqual(
    batches.map((b) => show([b.time, canonUpdates(b.updates.filter((u) => u.diff > 0)), canonUpdates(b.updates.filter((u) => u.diff < 0).map((u) => ({ row: u.row, diff: -u.diff })))])),
    [
      [10, canon([[1, 1n]]), []],
      [11, canon([[1, 2n], [2, 1n]]), canon([[1, 1n]])],
      [12, [], []],
    ].map(show),
  );
});

test('subscribe without snapshot, and many concurrent subscriptions', () => {
  const c = createComputeController();
  c.createInput('t', desc(2));
  c.applyUpdates([{ id: 't', updates: ins([1, 1]) }], 1);
  const received = Array.from({ length: 50 }, () => [] as SubscribeBatch[]);
  received.forEach((list, i) => c.subscribe(i % 2 === 0 ? counts : get('t', 2), { snapshot: false }, (b) => list.push(b), (e) => assert.fail(e)));
  c.applyUpdates([{ id: 't', updates: ins([3, 3]) }], 2);
  for (const [i, list] of received.entries()) {
    assert.equal(list.length, 1);
    assert.deepEqual(canonUpdates(list[0]!.updates), i % 2 === 0 ? canon([[3, 1n]]) : canon([[3, 3]]));
  }
});

test('an index is arranged by its key and answers lookups', () => {
  const c = createComputeController();
  c.createInput('t', desc(2));
  c.createMaintained('idx', get('t', 2), { arrangeBy: [col(1)] });
  c.applyUpdates([{ id: 't', updates: ins([1, 7], [2, 7], [3, 8], [4, null]) }], 1);
  assert.deepEqual(canonUpdates(c.lookupIndex('idx', [7])), canon([[1, 7], [2, 7]]));
  assert.deepEqual(canonUpdates(c.lookupIndex('idx', [null])), canon([[4, null]]));
  assert.deepEqual(c.lookupIndex('idx', [9]), []);
  assert.deepEqual(canon(c.peek({ op: 'get', id: 'idx', desc: desc(2) })), canon([[1, 7], [2, 7], [3, 8], [4, null]]));
});

test('a change set naming an unknown collection is refused as a whole; time cannot go backwards', () => {
  const c = createComputeController();
  c.createInput('t', desc(2));
  assert.throws(() => c.applyUpdates([{ id: 't', updates: ins([1, 1]) }, { id: 'nope', updates: [] }], 1));
  assert.deepEqual(c.snapshot('t'), []);
  c.advanceTo(5);
  assert.throws(() => c.advanceTo(4));
  assert.equal(c.currentTime(), 5);
});
