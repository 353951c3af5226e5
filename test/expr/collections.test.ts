import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArrayValue, ListValue, MapValue, T } from '../../src/repr/types.js';
import type { SqlType } from '../../src/repr/types.js';
import { resolveFunction, resolveOperator, resolveQuantified, resolveTableFunction } from '../../src/expr/resolve.js';
import { call, evalResolved, op, sqlErrorOf } from './helpers.js';

const INT_ARRAY: SqlType = { kind: 'array', element: T.int4 };
const INT_LIST: SqlType = { kind: 'list', element: T.int4 };
const INT_MAP: SqlType = { kind: 'map', value: T.int4 };
const arr = (...xs: Array<number | null>) => new ArrayValue(xs, xs.length ? [xs.length] : []);

test('array subscripts and slices', () => {
  const a = arr(10, 20, 30);
  assert.equal(call('array_subscript', [INT_ARRAY, T.int4], [a, 2]), 20);
  assert.equal(call('array_subscript', [INT_ARRAY, T.int4], [a, 0]), null);
  assert.equal(call('array_subscript', [INT_ARRAY, T.int4], [a, 4]), null);
  assert.equal(resolveFunction('array_subscript', [INT_ARRAY, T.int4]).returnType.kind, 'int4');
  const m = new ArrayValue([1, 2, 3, 4, 5, 6], [2, 3]);
  assert.equal(call('array_subscript', [INT_ARRAY, T.int4, T.int4], [m, 2, 1]), 4);
  assert.equal(call('array_subscript', [INT_ARRAY, T.int4], [m, 1]), null);
  assert.deepEqual(call('array_slice', [INT_ARRAY, T.int4, T.int4], [a, 2, 3]), arr(20, 30));
  assert.deepEqual(call('array_slice', [INT_ARRAY, T.int4, T.int4], [a, null, 1]), arr(10));
  assert.deepEqual(call('array_slice', [INT_ARRAY, T.int4, T.int4], [a, 5, 9]), arr());
  const shifted = new ArrayValue([1, 2], [2], [0]);
  assert.equal(call('array_subscript', [INT_ARRAY, T.int4], [shifted, 0]), 1);
});

test('array sizes', () => {
  const m = new ArrayValue([1, 2, 3, 4, 5, 6], [2, 3]);
  assert.equal(call('array_length', [INT_ARRAY, T.int4], [m, 2]), 3);
  assert.equal(call('array_length', [INT_ARRAY, T.int4], [m, 3]), null);
  assert.equal(call('array_length', [INT_ARRAY, T.int4], [arr(), 1]), null);
  assert.equal(call('array_lower', [INT_ARRAY, T.int4], [m, 1]), 1);
  assert.equal(call('array_upper', [INT_ARRAY, T.int4], [m, 2]), 3);
  assert.equal(call('array_ndims', [INT_ARRAY], [m]), 2);
  assert.equal(call('array_dims', [INT_ARRAY], [m]), '[1:2][1:3]');
  assert.equal(call('cardinality', [INT_ARRAY], [m]), 6);
  assert.equal(call('cardinality', [INT_ARRAY], [arr()]), 0);
});

test('array concatenation, search and removal', () => {
  assert.deepEqual(op('||', INT_ARRAY, INT_ARRAY, arr(1, 2), arr(3)), arr(1, 2, 3));
  assert.deepEqual(op('||', INT_ARRAY, T.int4, arr(1, 2), 3), arr(1, 2, 3));
  assert.deepEqual(op('||', T.int4, INT_ARRAY, 0, arr(1)), new ArrayValue([0, 1], [2], [1]));
  assert.equal(resolveOperator('||', INT_ARRAY, T.unknown).func.name, 'array_cat');
  assert.deepEqual(call('array_append', [INT_ARRAY, T.int4], [arr(1), 2]), arr(1, 2));
  assert.deepEqual(call('array_append', [INT_ARRAY, T.int4], [null, 2]), arr(2));
  assert.deepEqual(call('array_prepend', [T.int4, INT_ARRAY], [1, arr(2)]), new ArrayValue([1, 2], [2], [1]));
  assert.deepEqual(call('array_cat', [INT_ARRAY, INT_ARRAY], [arr(1), null]), arr(1));
  assert.deepEqual(
    call('array_cat', [INT_ARRAY, INT_ARRAY], [new ArrayValue([1, 2], [1, 2]), arr(3, 4)]),
    new ArrayValue([1, 2, 3, 4], [2, 2]),
  );
  assert.equal(call('array_position', [INT_ARRAY, T.int4], [arr(1, null, 3), 3]), 3);
  assert.equal(call('array_position', [INT_ARRAY, T.int4], [arr(1, null, 3), null]), 2);
  assert.equal(call('array_position', [INT_ARRAY, T.int4], [arr(1, 2), 5]), null);
  assert.deepEqual(call('array_positions', [INT_ARRAY, T.int4], [arr(1, 2, 1), 1]), arr(1, 3));
  assert.deepEqual(call('array_remove', [INT_ARRAY, T.int4], [arr(1, 2, 1), 1]), arr(2));
  assert.deepEqual(call('array_replace', [INT_ARRAY, T.int4, T.int4], [arr(1, 2, 1), 1, 9]), arr(9, 2, 9));
  assert.equal(op('@>', INT_ARRAY, INT_ARRAY, arr(1, 2, 3), arr(3, 1)), true);
  assert.equal(op('<@', INT_ARRAY, INT_ARRAY, arr(1, 4), arr(1, 2, 3)), false);
  assert.equal(op('&&', INT_ARRAY, INT_ARRAY, arr(1, 4), arr(4, 5)), true);
  assert.equal(sqlErrorOf(() => op('||', INT_ARRAY, INT_ARRAY, new ArrayValue([1, 2], [1, 2]), arr(1, 2, 3))).code, '2202E');
});

test('= ANY / ALL with three-valued logic', () => {
  const any = resolveQuantified('=', T.int4, INT_ARRAY, 'any');
  const run = (r: typeof any, l: number | null, a: ArrayValue | null) => evalResolved(r, [T.int4, INT_ARRAY], [l, a]);
  assert.equal(run(any, 2, arr(1, 2)), true);
  assert.equal(run(any, 3, arr(1, 2)), false);
  assert.equal(run(any, 3, arr(1, null)), null);
  assert.equal(run(any, null, arr(1)), null);
  assert.equal(run(any, 1, arr()), false);
  const all = resolveQuantified('<', T.int4, INT_ARRAY, 'all');
  assert.equal(run(all, 0, arr(1, 2)), true);
  assert.equal(run(all, 1, arr(1, 2)), false);
  assert.equal(run(all, 0, arr(1, null)), null);
  assert.equal(run(all, 0, arr()), true);
  const numericAny = resolveQuantified('=', T.numeric, INT_ARRAY, 'any');
  assert.deepEqual(numericAny.argTypes, [T.numeric, { kind: 'array', element: T.numeric }]);
  const like = resolveQuantified('like', T.text, { kind: 'array', element: T.text }, 'any');
  assert.equal(like.func.eval(['abc', new ArrayValue(['x%', 'a%'], [2])]), true);
  assert.deepEqual(resolveQuantified('=', T.int4, T.unknown, 'any').argTypes[1], INT_ARRAY);
});

test('lists: 1-based subscripts, slices, concatenation', () => {
  const l = new ListValue([1, 2, 3]);
  assert.equal(call('list_subscript', [INT_LIST, T.int4], [l, 1]), 1);
  assert.equal(call('list_subscript', [INT_LIST, T.int4], [l, 4]), null);
  assert.equal(call('list_subscript', [INT_LIST, T.int4], [l, 0]), null);
  const nested: SqlType = { kind: 'list', element: INT_LIST };
  const nl = new ListValue([new ListValue([1, 2]), new ListValue([3])]);
  assert.equal(call('list_subscript', [nested, T.int4, T.int4], [nl, 2, 1]), 3);
  assert.equal(resolveFunction('list_subscript', [nested, T.int4, T.int4]).returnType.kind, 'int4');
  assert.deepEqual(resolveFunction('list_subscript', [nested, T.int4]).returnType, INT_LIST);
  assert.deepEqual(call('list_slice', [INT_LIST, T.int4, T.int4], [l, 2, 3]), new ListValue([2, 3]));
  assert.deepEqual(call('list_slice', [INT_LIST, T.int4, T.int4], [l, 2, null]), new ListValue([2, 3]));
  assert.equal(call('list_length', [INT_LIST], [l]), 3);
  assert.deepEqual(op('||', INT_LIST, INT_LIST, l, new ListValue([4])), new ListValue([1, 2, 3, 4]));
  assert.deepEqual(op('||', INT_LIST, T.int4, l, 4), new ListValue([1, 2, 3, 4]));
  assert.deepEqual(op('||', T.int4, INT_LIST, 0, l), new ListValue([0, 1, 2, 3]));
  assert.deepEqual(call('list_append', [INT_LIST, T.int4], [l, null]), new ListValue([1, 2, 3, null]));
  assert.deepEqual(call('list_prepend', [T.int4, INT_LIST], [0, l]), new ListValue([0, 1, 2, 3]));
  assert.deepEqual(call('list_cat', [INT_LIST, INT_LIST], [l, l]), new ListValue([1, 2, 3, 1, 2, 3]));
  assert.deepEqual(call('list_remove', [INT_LIST, T.int4], [new ListValue([1, null, 1]), 1]), new ListValue([null]));
  assert.equal(call('list_n_layers', [nested], [nl]), 2);
  assert.equal(op('@>', INT_LIST, INT_LIST, l, new ListValue([3])), true);
});

test('maps: -> lookup, length, keys, containment', () => {
  const m = new MapValue([['a', 1], ['b', 2]]);
  assert.equal(op('->', INT_MAP, T.unknown, m, 'b'), 2);
  assert.equal(op('->', INT_MAP, T.text, m, 'z'), null);
  assert.equal(resolveOperator('->', INT_MAP, T.unknown).returnType.kind, 'int4');
  assert.equal(call('map_length', [INT_MAP], [m]), 2);
  assert.deepEqual(call('map_keys', [INT_MAP], [m]), new ArrayValue(['a', 'b'], [2]));
  assert.equal(op('?', INT_MAP, T.text, m, 'a'), true);
  assert.equal(op('@>', INT_MAP, INT_MAP, m, new MapValue([['a', 1]])), true);
  assert.equal(op('@>', INT_MAP, INT_MAP, m, new MapValue([['a', 2]])), false);
});

test('unnest over arrays, lists and maps', () => {
  const rows = (types: SqlType[], args: unknown[]) => [...resolveTableFunction('unnest', types).func.eval(args as never)];
  assert.deepEqual(rows([INT_ARRAY], [arr(1, null, 3)]), [[1], [null], [3]]);
  assert.deepEqual(rows([INT_LIST], [new ListValue([1])]), [[1]]);
  assert.deepEqual(rows([INT_MAP], [new MapValue([['k', 5]])]), [['k', 5]]);
  assert.deepEqual(rows([INT_ARRAY], [null]), []);
  const u = resolveTableFunction('unnest', [INT_ARRAY]).func;
  assert.deepEqual(u.columns, [{ name: 'unnest', type: T.int4, nullable: true }]);
  assert.deepEqual(
    [...resolveTableFunction('generate_subscripts', [INT_ARRAY, T.int4]).func.eval([arr(5, 6), 1])],
    [[1], [2]],
  );
});
