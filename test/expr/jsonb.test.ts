import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { ArrayValue, Jsonb, JsonbNumber, JsonbObject, ListValue, MapValue, RecordValue, T } from '../../src/repr/types.js';
import type { JsonbValue, SqlType } from '../../src/repr/types.js';
import { resolveOperator, resolveTableFunction } from '../../src/expr/resolve.js';
import { call, cast, op, sqlErrorOf } from './helpers.js';

const decimalText = (v: unknown) => (v as Decimal).toString();

const J = T.jsonb;
const num = (n: number) => new JsonbNumber(String(n));
const obj = (entries: Array<[string, JsonbValue]>) => new JsonbObject(entries);
const j = (v: JsonbValue) => new Jsonb(v);
const textArray = (...xs: string[]) => new ArrayValue(xs, [xs.length]);
const TEXT_ARRAY: SqlType = { kind: 'array', element: T.text };

// {"a": 1, "b": {"c": [1, 2, "x"]}, "n": null}
const doc = j(obj([
  ['a', num(1)],
  ['b', obj([['c', [num(1), num(2), 'x']]])],
  ['n', null],
]));

test('-> and ->> by key and index', () => {
  assert.deepEqual(op('->', J, T.unknown, doc, 'a'), j(num(1)));
  assert.equal(resolveOperator('->', J, T.unknown).func.name, 'jsonb_get_field');
  assert.equal(resolveOperator('->', J, T.int4).func.name, 'jsonb_get_element');
  assert.equal(op('->', J, T.text, doc, 'missing'), null);
  assert.deepEqual(op('->', J, T.text, doc, 'n'), j(null));
  assert.equal(op('->>', J, T.text, doc, 'n'), null);
  assert.equal(op('->>', J, T.text, doc, 'b'), '{"c": [1, 2, "x"]}');
  assert.equal(op('->>', J, T.text, doc, 'a'), '1');
  const arr = j([num(1), 'two', num(3)]);
  assert.equal(op('->>', J, T.int4, arr, 1), 'two');
  assert.deepEqual(op('->', J, T.int4, arr, -1), j(num(3)));
  assert.equal(op('->', J, T.int4, arr, 5), null);
  assert.equal(op('->', J, T.text, arr, 'a'), null);
});

test('#> and #>> follow paths', () => {
  assert.deepEqual(op('#>', J, TEXT_ARRAY, doc, textArray('b', 'c', '1')), j(num(2)));
  assert.equal(op('#>>', J, TEXT_ARRAY, doc, textArray('b', 'c', '2')), 'x');
  assert.equal(op('#>', J, TEXT_ARRAY, doc, textArray('b', 'x')), null);
  assert.deepEqual(call('jsonb_extract_path', [J, T.text, T.text], [doc, 'b', 'c']), j([num(1), num(2), 'x']));
  assert.equal(call('jsonb_extract_path_text', [J, T.text, T.text, T.text], [doc, 'b', 'c', '0']), '1');
});

test('containment and existence', () => {
  assert.equal(op('@>', J, J, doc, j(obj([['a', num(1)]]))), true);
  assert.equal(op('@>', J, J, doc, j(obj([['a', new JsonbNumber('1.0')]]))), true);
  assert.equal(op('@>', J, J, doc, j(obj([['b', obj([['c', ['x']]])]]))), true);
  assert.equal(op('@>', J, J, doc, j(obj([['a', num(2)]]))), false);
  assert.equal(op('<@', J, J, j(obj([['a', num(1)]])), doc), true);
  assert.equal(op('@>', J, J, j([num(1), num(2)]), j(num(1))), true);
  assert.equal(op('@>', J, J, j([num(1), [num(2)]]), j([[num(2)]])), true);
  assert.equal(op('?', J, T.text, doc, 'a'), true);
  assert.equal(op('?', J, T.text, doc, 'c'), false);
  assert.equal(op('?', J, T.text, j(['a', 'b']), 'b'), true);
  assert.equal(op('?|', J, TEXT_ARRAY, doc, textArray('x', 'a')), true);
  assert.equal(op('?&', J, TEXT_ARRAY, doc, textArray('x', 'a')), false);
});

test('|| merges objects and concatenates arrays', () => {
  assert.deepEqual(op('||', J, J, j(obj([['a', num(1)], ['b', num(2)]])), j(obj([['b', num(3)]]))), j(obj([['a', num(1)], ['b', num(3)]])));
  assert.deepEqual(op('||', J, J, j([num(1)]), j([num(2)])), j([num(1), num(2)]));
  assert.deepEqual(op('||', J, J, j([num(1)]), j(num(2))), j([num(1), num(2)]));
  assert.deepEqual(op('||', J, J, j(obj([['a', num(1)]])), j(num(2))), j([obj([['a', num(1)]]), num(2)]));
  assert.equal(resolveOperator('||', J, T.unknown).func.name, 'jsonb_concat');
});

test('- and #- delete keys, indexes and paths', () => {
  assert.deepEqual(op('-', J, T.unknown, j(obj([['a', num(1)], ['b', num(2)]])), 'a'), j(obj([['b', num(2)]])));
  assert.deepEqual(op('-', J, T.text, j(['a', 'b', 'a']), 'a'), j(['b']));
  assert.deepEqual(op('-', J, T.int4, j([num(1), num(2), num(3)]), -1), j([num(1), num(2)]));
  assert.deepEqual(op('-', J, TEXT_ARRAY, j(obj([['a', num(1)], ['b', num(2)]])), textArray('a', 'b')), j(obj([])));
  assert.equal(sqlErrorOf(() => op('-', J, T.text, j(num(1)), 'a')).message, 'cannot delete from scalar');
  assert.equal(sqlErrorOf(() => op('-', J, T.int4, j(obj([])), 0)).message, 'cannot delete from object using integer index');
  assert.deepEqual(op('#-', J, TEXT_ARRAY, doc, textArray('b', 'c', '0')), j(obj([
    ['a', num(1)],
    ['b', obj([['c', [num(2), 'x']]])],
    ['n', null],
  ])));
});

test('jsonb_set, strip_nulls, typeof, array_length, pretty', () => {
  assert.deepEqual(
    call('jsonb_set', [J, TEXT_ARRAY, J], [j([obj([['f1', num(1)]]), num(2)]), textArray('0', 'f1'), j([num(2), num(3)])]),
    j([obj([['f1', [num(2), num(3)]]]), num(2)]),
  );
  assert.deepEqual(call('jsonb_set', [J, TEXT_ARRAY, J], [j(obj([['a', num(1)]])), textArray('b'), j(num(2))]), j(obj([['a', num(1)], ['b', num(2)]])));
  assert.deepEqual(call('jsonb_strip_nulls', [J], [doc]), j(obj([['a', num(1)], ['b', obj([['c', [num(1), num(2), 'x']]])]])));
  assert.equal(call('jsonb_typeof', [J], [doc]), 'object');
  assert.equal(call('jsonb_typeof', [J], [j(null)]), 'null');
  assert.equal(call('jsonb_typeof', [J], [j(num(1))]), 'number');
  assert.equal(call('jsonb_array_length', [J], [j([num(1), num(2)])]), 2);
  assert.equal(sqlErrorOf(() => call('jsonb_array_length', [J], [j(num(1))])).message, 'cannot get array length of a scalar');
  assert.equal(call('jsonb_pretty', [J], [j(obj([['a', [num(1), num(2)]], ['b', obj([])]]))]), '{\n    "a": [\n        1,\n        2\n    ],\n    "b": {}\n}');
});

test('builders and to_jsonb of every kind of value', () => {
  assert.deepEqual(call('jsonb_build_object', [T.unknown, T.int4, T.unknown, T.text], ['b', 1, 'a', null]), j(obj([['a', null], ['b', num(1)]])));
  assert.deepEqual(call('jsonb_build_array', [T.int4, T.text, T.bool], [1, 'x', null]), j([num(1), 'x', null]));
  assert.deepEqual(call('jsonb_build_array', [], []), j([]));
  assert.equal(sqlErrorOf(() => call('jsonb_build_object', [T.text], ['a'])).code, '22023');
  assert.deepEqual(call('to_jsonb', [T.int8], [5n]), j(num(5)));
  assert.deepEqual(call('to_jsonb', [T.numeric], [new Decimal('1.50')]), j(new JsonbNumber('1.5')));
  assert.deepEqual(call('to_jsonb', [T.float8], [NaN]), j('NaN'));
  assert.deepEqual(call('to_jsonb', [T.bool], [true]), j(true));
  assert.deepEqual(call('to_jsonb', [T.timestamp], [1_577_872_800_000_000n]), j('2020-01-01T10:00:00'));
  assert.deepEqual(call('to_jsonb', [T.timestamptz], [1_577_872_800_000_000n]), j('2020-01-01T10:00:00+00:00'));
  assert.deepEqual(call('to_jsonb', [T.date], [0]), j('1970-01-01'));
  assert.deepEqual(call('to_jsonb', [T.text], ['x']), j('x'));
  assert.deepEqual(
    call('to_jsonb', [{ kind: 'array', element: T.int4 }], [new ArrayValue([1, 2, 3, 4], [2, 2])]),
    j([[num(1), num(2)], [num(3), num(4)]]),
  );
  assert.deepEqual(call('to_jsonb', [{ kind: 'list', element: T.int4 }], [new ListValue([1, null])]), j([num(1), null]));
  assert.deepEqual(call('to_jsonb', [{ kind: 'map', value: T.int4 }], [new MapValue([['k', 1]])]), j(obj([['k', num(1)]])));
  assert.deepEqual(
    call('to_jsonb', [{ kind: 'record', fields: [{ name: 'x', type: T.int4 }, { name: 'y', type: T.text }] }], [new RecordValue([1, 'a'])]),
    j(obj([['x', num(1)], ['y', 'a']])),
  );
});

test('jsonb casts to scalars check the JSON type', () => {
  assert.equal(cast(J, T.int4, j(new JsonbNumber('2.5'))), 3);
  assert.equal(cast(J, T.bool, j(true)), true);
  assert.equal(decimalText(cast(J, T.numeric, j(new JsonbNumber('1.25')))), '1.25');
  assert.equal(cast(J, T.float8, j(num(2))), 2);
  const e = sqlErrorOf(() => cast(J, T.bool, j('s')));
  assert.deepEqual(e, { code: '22023', message: 'cannot cast jsonb string to type boolean' });
  assert.equal(sqlErrorOf(() => cast(J, T.int4, j(obj([])))).message, 'cannot cast jsonb object to type integer');
});

test('jsonb table functions', () => {
  const rows = (name: string, v: Jsonb) => [...resolveTableFunction(name, [J]).func.eval([v])];
  const each = resolveTableFunction('jsonb_each', [J]);
  assert.deepEqual(each.func.columns.map((c) => c.name), ['key', 'value']);
  assert.deepEqual(rows('jsonb_each', j(obj([['a', num(1)], ['b', 'x']]))), [['a', j(num(1))], ['b', j('x')]]);
  assert.deepEqual(rows('jsonb_each_text', j(obj([['a', num(1)], ['b', 'x'], ['c', null]]))).slice(1), [['b', 'x'], ['c', null]]);
  assert.deepEqual(rows('jsonb_object_keys', doc), [['a'], ['b'], ['n']]);
  assert.deepEqual(rows('jsonb_array_elements', j([num(1), 'x'])), [[j(num(1))], [j('x')]]);
  assert.deepEqual(rows('jsonb_array_elements_text', j(['x', null])), [['x'], [null]]);
  assert.deepEqual([...resolveTableFunction('jsonb_array_elements', [J]).func.eval([null])], []);
  assert.equal(sqlErrorOf(() => rows('jsonb_each', j([num(1)]))).message, 'cannot call jsonb_each on a non-object');
  assert.equal(sqlErrorOf(() => rows('jsonb_array_elements', j(num(1)))).message, 'cannot extract elements from a scalar');
  assert.equal(resolveTableFunction('jsonb_array_elements_text', [J]).func.columns[0]!.name, 'value');
});

test('-> and ->> on a jsonb held as text (a JSON source row) answer as on its tree', () => {
  const docs = [
    '{"a": 1, "b": {"c": [1, 2, "x"]}, "n": null}',
    '{"": 0, "k": "v", "q\\"": "esc \\" \\\\ \\n \\u0001", "ä": [{"x": "}"}, "]"], "long key": 1.50, "z": true}',
    '{}',
    '[1, {"a": 2}]',
    '"scalar"',
    '12.5',
    'null',
  ];
  const keys = ['a', 'b', 'c', 'n', '', 'k', 'q"', 'ä', 'long key', 'z', 'missing', 'x', '}'];
  for (const text of docs) {
    const tree = cast(T.text, J, text) as Jsonb;
    const stored = Jsonb.fromCanonicalText(tree.text);
    assert.ok(!stored.hasTree);
    for (const key of keys) {
      const fromTree = op('->', J, T.text, tree, key) as Jsonb | null;
      const fromText = op('->', J, T.text, stored, key) as Jsonb | null;
      assert.equal(fromText?.text ?? null, fromTree?.text ?? null, `${text} -> ${key}`);
      assert.equal(op('->>', J, T.text, stored, key), op('->>', J, T.text, tree, key), `${text} ->> ${key}`);
    }
  }
  const paths = [[], ['a'], ['b', 'c'], ['b', 'c', '2'], ['b', 'c', '-1'], ['b', 'c', '-4'], ['b', 'c', 'x'], ['ä', '0', 'x'], ['ä', '1'], ['ä', '5'], ['0'], ['1', 'a'], ['-2'], ['q"'], ['n', 'x'], ['a', 'b']];
  for (const text of docs) {
    const tree = cast(T.text, J, text) as Jsonb;
    const stored = Jsonb.fromCanonicalText(tree.text);
    for (const path of paths) {
      const arg = textArray(...path);
      const fromTree = op('#>', J, TEXT_ARRAY, tree, arg) as Jsonb | null;
      const fromText = op('#>', J, TEXT_ARRAY, stored, arg) as Jsonb | null;
      assert.equal(fromText?.text ?? null, fromTree?.text ?? null, `${text} #> ${path.join(',')}`);
      assert.equal(op('#>>', J, TEXT_ARRAY, stored, arg), op('#>>', J, TEXT_ARRAY, tree, arg), `${text} #>> ${path.join(',')}`);
    }
    const withNull = new ArrayValue(['b', null], [2]);
    assert.equal(op('#>', J, TEXT_ARRAY, stored, withNull), op('#>', J, TEXT_ARRAY, tree, withNull));
  }
  const row = Jsonb.fromCanonicalText('{"q\\"": "esc \\" \\\\ \\n \\u0001", "x": {"y": 1.50}}');
  assert.equal(op('->>', J, T.text, row, 'q"'), 'esc " \\ \n \u0001');
  assert.equal((op('->', J, T.text, row, 'x') as Jsonb).key, '{"y": 1.5}');
});
