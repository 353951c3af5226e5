import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createComputeController } from '../../src/compute/controller.js';
import { SqlError, SqlState } from '../../src/repr/errors.js';
import type { RelExpr } from '../../src/plan/mir.js';
import { agg, call, col, del, desc, F, get, ins, INT4, INT8 } from './fixtures.js';

const quotient: RelExpr = { op: 'map', input: get('t', 2), scalars: [call(F.div, [col(0), col(1)])] };
const total: RelExpr = { op: 'reduce', input: { op: 'get', id: 'q', desc: desc(3) }, groupKey: [], aggregates: [agg('sum', [col(2)], INT8)] };

test('evaluation errors in a dataflow become data, and go away when retracted', () => {
  const c = createComputeController();
  c.createInput('t', desc(2));
  c.createMaintained('q', quotient);
  c.createMaintained('total', total);
  c.applyUpdates([{ id: 't', updates: ins([6, 3]) }], 1);
  assert.deepEqual(c.snapshot('total'), [{ row: [2n], diff: 1 }]);
  c.applyUpdates([{ id: 't', updates: ins([1, 0]) }], 2);
  for (const read of [() => c.snapshot('q'), () => c.snapshot('total'), () => c.peek(total)]) {
    assert.throws(read, (e: unknown) => e instanceof SqlError && e.code === SqlState.divisionByZero);
  }
  c.applyUpdates([{ id: 't', updates: del([1, 0]) }], 3);
  assert.deepEqual(c.snapshot('total'), [{ row: [2n], diff: 1 }]);
});

test('an evaluation error in a peek is thrown', () => {
  const c = createComputeController();
  c.createInput('t', desc(2));
  c.applyUpdates([{ id: 't', updates: ins([1, 0]) }], 1);
  assert.throws(() => c.peek(quotient), /division by zero/);
});

test('input error streams propagate to views and subscriptions', () => {
  const c = createComputeController();
  c.createInput('t', desc(2));
  c.createMaintained('q', quotient);
  const failures: string[] = [];
  c.subscribe({ op: 'get', id: 'q', desc: desc(3) }, { snapshot: true }, () => undefined, (e) => failures.push(e.message));
  const decode = new SqlError(SqlState.dataException, 'Decode error: bad varint');
  c.applyUpdates([{ id: 't', updates: [], errors: [{ error: decode, key: 'p0@7', diff: 1 }] }], 1);
  assert.throws(() => c.snapshot('q'), /Decode error/);
  assert.deepEqual(failures, ['Decode error: bad varint']);
  c.applyUpdates([{ id: 't', updates: ins([4, 2]), errors: [{ error: decode, key: 'p0@7', diff: -1 }] }], 2);
  assert.deepEqual(c.snapshot('q'), [{ row: [4, 2, 2], diff: 1 }]);
});

test('unbound parameters are refused', () => {
  const c = createComputeController();
  c.createInput('t', desc(2));
  const plan: RelExpr = { op: 'map', input: get('t', 2), scalars: [{ kind: 'parameter', index: 1, type: { kind: 'int4' } }] };
  assert.throws(() => c.peek(plan), (e: unknown) => e instanceof SqlError && e.code === SqlState.undefinedParameter);
});

test('dropping a collection others read is refused; dropping releases it', () => {
  const c = createComputeController();
  c.createInput('t', desc(2));
  c.createMaintained('q', quotient);
  assert.deepEqual(c.dependents('t'), ['q']);
  assert.throws(() => c.drop('t'), (e: unknown) => e instanceof SqlError && e.code === SqlState.dependentObjectsStillExist);
  c.drop('q');
  c.drop('t');
  assert.throws(() => c.snapshot('t'), (e: unknown) => e instanceof SqlError && e.code === SqlState.undefinedObject);
});

test('join key errors and cross-input equivalence errors are retracted with their rows', () => {
  const c = createComputeController();
  c.createInput('t', desc(2));
  c.createInput('u', desc(2));
  // t.c0 / t.c1 = u.c0, and t.c0 / u.c1 = 1 (an expression over both inputs).
  const plan: RelExpr = {
    op: 'join',
    inputs: [get('t', 2), get('u', 2)],
    equivalences: [[call(F.div, [col(0), col(1)]), col(2)], [call(F.div, [col(0), col(3)]), { kind: 'literal', value: 1, type: INT4 }]],
  };
  c.createMaintained('j', plan);
  c.applyUpdates([{ id: 't', updates: ins([4, 2], [4, 0]) }, { id: 'u', updates: ins([2, 4]) }], 1);
  assert.throws(() => c.snapshot('j'), /division by zero/);
  c.applyUpdates([{ id: 't', updates: del([4, 0]) }], 2);
  assert.deepEqual(c.snapshot('j'), [{ row: [4, 2, 2, 4], diff: 1 }]);
  c.applyUpdates([{ id: 'u', updates: ins([2, 0]) }], 3);
  assert.throws(() => c.snapshot('j'), /division by zero/);
  c.applyUpdates([{ id: 'u', updates: del([2, 0]) }], 4);
  assert.deepEqual(c.snapshot('j'), [{ row: [4, 2, 2, 4], diff: 1 }]);
  assert.deepEqual(c.peek(plan), [[4, 2, 2, 4]]);
});
