import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Jsonb, JsonbNumber, JsonbObject, jsonbKeyOfText, parseCanonicalJsonbText, writeJsonbText, type JsonbValue } from '../../src/repr/jsonb-datum.js';
import { compareJsonb, parseJsonb } from '../../src/repr/jsonb.js';
import { datumHash, datumKey, datumKeyEquals } from '../../src/repr/compare.js';

const trees: JsonbValue[] = [
  null,
  true,
  'plain',
  'quote " backslash \\ newline \n tab \t control \u0001 unicode é😀',
  new JsonbNumber('-12.500'),
  [],
  [new JsonbNumber('1'), null, [false, 'x'], new JsonbObject([])],
  new JsonbObject([
    ['a', new JsonbNumber('0.10')],
    ['b"', new JsonbObject([['k\n', [new JsonbNumber('1')]]])],
    ['ä', 'v'],
  ]),
];

test('a jsonb is its canonical text; the tree read back from it is the tree it was written from', () => {
  for (const tree of trees) {
    const built = new Jsonb(tree);
    const fromText = Jsonb.fromCanonicalText(built.text);
    assert.deepEqual(fromText.value, tree, built.text);
    assert.equal(fromText.text, built.text);
    assert.equal(fromText.key, built.key);
    assert.deepEqual(parseCanonicalJsonbText(writeJsonbText(tree, false)), tree);
  }
  assert.equal(new Jsonb(trees[7]!).text, '{"a": 0.10, "b\\"": {"k\\n": [1]}, "ä": "v"}');
});

test('the key text normalizes numbers outside strings only, and is the text itself when nothing changes', () => {
  const text = '{"a": 1.50, "b": "1.50", "c": [0.0, -0.00, 10, 2.05, 3.10], "d": {"e": 100.000}}';
  assert.equal(jsonbKeyOfText(text), '{"a": 1.5, "b": "1.50", "c": [0, 0, 10, 2.05, 3.1], "d": {"e": 100}}');
  const plain = '{"a": 1.5, "b": "x.0"}';
  assert.equal(jsonbKeyOfText(plain), plain);
  assert.equal(parseJsonb(text).key, jsonbKeyOfText(text));
});

test('text-born and tree-born jsonb compare, key and hash alike', () => {
  for (const doc of ['{"a": 1.0, "b": [true, null]}', '[1, "x"]', '"s"', '12.50', 'null', '{}']) {
    const tree = parseJsonb(doc);
    const text = Jsonb.fromCanonicalText(tree.text);
    assert.equal(compareJsonb(tree, text), 0, doc);
    assert.ok(datumKeyEquals(tree, text), doc);
    assert.equal(datumHash(tree), datumHash(text), doc);
    assert.equal(datumKey(tree), datumKey(text), doc);
  }
  // Equal values written with different scales are one value.
  assert.ok(datumKeyEquals(parseJsonb('{"a": 1.0}'), Jsonb.fromCanonicalText('{"a": 1.00}')));
  assert.ok(!datumKeyEquals(parseJsonb('{"a": 1.0}'), Jsonb.fromCanonicalText('{"a": "1.0"}')));
  // Ordering still follows jsonb's btree order, not the text's.
  assert.ok(compareJsonb(Jsonb.fromCanonicalText('{"a": 10}'), Jsonb.fromCanonicalText('{"a": 9}')) > 0);
});

test('looking into one text-born document several times reads it once, and different documents stay apart', () => {
  const a = Jsonb.fromCanonicalText('{"x": 1}');
  const b = Jsonb.fromCanonicalText('{"x": 2}');
  assert.equal(a.value, a.value);
  assert.deepEqual(b.value, new JsonbObject([['x', new JsonbNumber('2')]]));
  assert.deepEqual(a.value, new JsonbObject([['x', new JsonbNumber('1')]]));
});

test('corrupt stored text is an error, not a wrong value', () => {
  for (const bad of ['{"a": 1', '[1, 2', '"open', '{"a" 1}', 'nul', '', '[1] x']) {
    assert.throws(() => parseCanonicalJsonbText(bad), /corrupt jsonb text/, bad);
  }
});
