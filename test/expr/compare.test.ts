import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { ArrayValue, Jsonb, JsonbNumber, RecordValue, T } from '../../src/repr/types.js';
import type { SqlType } from '../../src/repr/types.js';
import { call, op } from './helpers.js';

test('comparison operators across types', () => {
  assert.equal(op('<', T.int4, T.int4, 1, 2), true);
  assert.equal(op('=', T.int4, T.int8, 2, 2n), true);
  assert.equal(op('<', T.int4, T.numeric, 1, new Decimal('1.5')), true);
  assert.equal(op('=', T.numeric, T.numeric, new Decimal('1.0'), new Decimal('1')), true);
  assert.equal(op('=', T.float8, T.float8, NaN, NaN), true);
  assert.equal(op('>', T.float8, T.float8, NaN, Infinity), true);
  assert.equal(op('=', T.float8, T.float8, -0, 0), true);
  assert.equal(op('<', T.text, T.text, 'a', 'b'), true);
  assert.equal(op('<', T.text, T.text, '\uffff', '😀'), true);
  assert.equal(op('<>', T.text, T.unknown, 'a', 'a'), false);
  assert.equal(op('<', T.interval, T.interval, { months: 1, days: 0, micros: 0n }, { months: 0, days: 31, micros: 0n }), true);
  assert.equal(op('=', T.interval, T.interval, { months: 1, days: 0, micros: 0n }, { months: 0, days: 30, micros: 0n }), true);
  assert.equal(op('<', T.date, T.timestamp, 0, 1n), true);
  assert.equal(op('=', T.bool, T.bool, true, true), true);
  assert.equal(op('=', T.jsonb, T.jsonb, new Jsonb(new JsonbNumber('1.0')), new Jsonb(new JsonbNumber('1'))), true);
  const intArray: SqlType = { kind: 'array', element: T.int4 };
  assert.equal(op('<', intArray, intArray, new ArrayValue([1, 2], [2]), new ArrayValue([1, 3], [2])), true);
  const rec: SqlType = { kind: 'record', fields: [{ name: 'a', type: T.int4 }, { name: 'b', type: T.text }] };
  assert.equal(op('=', rec, rec, new RecordValue([1, 'x']), new RecordValue([1, 'x'])), true);
});

test('three-valued boolean logic', () => {
  assert.equal(op('and', T.bool, T.bool, null, false), false);
  assert.equal(op('and', T.bool, T.bool, null, true), null);
  assert.equal(op('or', T.bool, T.bool, null, true), true);
  assert.equal(op('or', T.bool, T.bool, null, false), null);
  assert.equal(op('not', null, T.bool, null, false), true);
  assert.equal(op('not', null, T.bool, null, null), null);
});

test('IS DISTINCT FROM treats NULL as a value', () => {
  assert.equal(call('is_distinct_from', [T.int4, T.int4], [null, null]), false);
  assert.equal(call('is_distinct_from', [T.int4, T.int4], [1, null]), true);
  assert.equal(call('is_distinct_from', [T.int4, T.numeric], [1, new Decimal(1)]), false);
  assert.equal(call('is_not_distinct_from', [T.text, T.text], [null, null]), true);
});
