import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonbNumberFromDecimal, jsonbObjectGet, makeJsonbObject, parseJsonb } from '../../src/repr/jsonb.js';
import { parseNumeric } from '../../src/repr/numeric.js';
import { makeArray, makeMap, mapGet } from '../../src/repr/values.js';
import { JsonbNumber, JsonbObject } from '../../src/repr/types.js';

test('makeMap sorts by key and keeps the last duplicate', () => {
  const m = makeMap([['b', 1], ['a', 2], ['b', 3], ['😀', 4], ['\uffff', 5]]);
  assert.deepEqual(m.entries, [['a', 2], ['b', 3], ['\uffff', 5], ['😀', 4]]);
  assert.equal(mapGet(m, 'b'), 3);
  assert.equal(mapGet(m, '😀'), 4);
  assert.equal(mapGet(m, 'c'), undefined);
  assert.equal(mapGet(makeMap([['k', null]]), 'k'), null);
});

test('makeArray builds one-dimensional arrays', () => {
  assert.deepEqual(makeArray([1, 2]).dims, [2]);
  assert.deepEqual(makeArray([]).dims, []);
});

test('jsonb object helpers', () => {
  const obj = makeJsonbObject([['bb', 1 === 1], ['a', null], ['c', 'x'], ['a', 'last']]);
  assert.deepEqual(obj.entries.map((e) => e[0]), ['a', 'c', 'bb']);
  assert.equal(jsonbObjectGet(obj, 'a'), 'last');
  assert.equal(jsonbObjectGet(obj, 'bb'), true);
  assert.equal(jsonbObjectGet(obj, 'zz'), undefined);
  const parsed = parseJsonb('{"é": 1, "z": 2, "ab": 3}').value;
  assert.ok(parsed instanceof JsonbObject);
  // "é" is two bytes in UTF-8, so it sorts with the two-character keys.
  assert.deepEqual(parsed.entries.map((e) => e[0]), ['z', 'ab', 'é']);
});

test('large jsonb objects sort and de-duplicate like small ones', () => {
  const keys = Array.from({ length: 200 }, (_, i) => `k${(i * 37) % 100}`);
  const text = `{${keys.map((k, i) => `"${k}": ${i}`).join(', ')}}`;
  const obj = parseJsonb(text).value as JsonbObject;
  assert.equal(obj.entries.length, 100);
  for (let i = 1; i < obj.entries.length; i++) {
    const [a, b] = [obj.entries[i - 1]![0], obj.entries[i]![0]];
    assert.ok(a.length < b.length || (a.length === b.length && a < b));
  }
  // k0 occurs at indexes 0 and 100: the later one wins
  assert.deepEqual(jsonbObjectGet(obj, 'k0'), new JsonbNumber('100'));
});

test('jsonb numbers from numeric keep the display scale', () => {
  assert.equal(jsonbNumberFromDecimal(parseNumeric('1.50')).text, '1.50');
  assert.equal(jsonbNumberFromDecimal(parseNumeric('-0.0')).text, '0.0');
});
