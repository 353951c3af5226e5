import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArrayValue, T } from '../../src/repr/types.js';
import { resolveTableFunction } from '../../src/expr/resolve.js';
import { call, op, sqlErrorOf } from './helpers.js';

const TEXT = T.text;

test('length counts characters, octet_length bytes', () => {
  assert.equal(call('length', [TEXT], ['héllo😀']), 6);
  assert.equal(call('octet_length', [TEXT], ['héllo']), 6);
  assert.equal(call('bit_length', [TEXT], ['ab']), 16);
  assert.equal(call('char_length', [T.unknown], ['abc']), 3);
});

test('case functions', () => {
  assert.equal(call('lower', [TEXT], ['ABC']), 'abc');
  assert.equal(call('upper', [TEXT], ['abc']), 'ABC');
  assert.equal(call('initcap', [TEXT], ['hi THOMAS, o\'neil']), "Hi Thomas, O'Neil");
});

test('substring and position', () => {
  assert.equal(call('substr', [TEXT, T.int4], ['hello', 2]), 'ello');
  assert.equal(call('substring', [TEXT, T.int4, T.int4], ['hello', 0, 3]), 'he');
  assert.equal(call('substring', [TEXT, T.int4, T.int4], ['hello', -5, 3]), '');
  assert.equal(sqlErrorOf(() => call('substr', [TEXT, T.int4, T.int4], ['hello', 1, -1])).code, '22011');
  assert.equal(call('substring', [TEXT, TEXT], ['Thomas', '...$']), 'mas');
  assert.equal(call('substring', [TEXT, TEXT], ['foobar', 'o(.)b']), 'o');
  assert.equal(call('position', [TEXT, TEXT], ['om', 'Thomas']), 3);
  assert.equal(call('strpos', [TEXT, TEXT], ['high', 'ig']), 2);
  assert.equal(call('strpos', [TEXT, TEXT], ['high', 'x']), 0);
  assert.equal(call('starts_with', [TEXT, TEXT], ['alphabet', 'alph']), true);
});

test('overlay and length limits', () => {
  assert.equal(call('overlay', [TEXT, TEXT, T.int4, T.int4], ['Txxxxas', 'hom', 2, 4]), 'Thomas');
  assert.equal(call('overlay', [TEXT, TEXT, T.int4], ['abcdef', 'XY', 3]), 'abXYef');
  assert.equal(sqlErrorOf(() => call('lpad', [TEXT, T.int4], ['x', 2000000000])).code, '54000');
  assert.equal(sqlErrorOf(() => call('repeat', [TEXT, T.int4], ['xx', 2000000000])).code, '54000');
});

test('regexp_matches returns one row per match', () => {
  const rows = (args: string[]) =>
    [...resolveTableFunction('regexp_matches', args.map(() => TEXT)).func.eval(args)];
  assert.deepEqual(rows(['foobarbequebazilbarfbonk', '(b[^b]+)(b[^b]+)', 'g']), [
    [new ArrayValue(['bar', 'beque'], [2])],
    [new ArrayValue(['bazil', 'barf'], [2])],
  ]);
  assert.deepEqual(rows(['abc', 'b']), [[new ArrayValue(['b'], [1])]]);
  assert.deepEqual(rows(['abc', 'x']), []);
});

test('replace, translate, trim and pad', () => {
  assert.equal(call('replace', [TEXT, TEXT, TEXT], ['abcdefabcdef', 'cd', 'XX']), 'abXXefabXXef');
  assert.equal(call('translate', [TEXT, TEXT, TEXT], ['12345', '143', 'ax']), 'a2x5');
  assert.equal(call('btrim', [TEXT], ['  x  ']), 'x');
  assert.equal(call('btrim', [TEXT, TEXT], ['xyxtrimyyx', 'xy']), 'trim');
  assert.equal(call('ltrim', [TEXT, TEXT], ['zzzytest', 'xyz']), 'test');
  assert.equal(call('rtrim', [TEXT, TEXT], ['testxxzx', 'xyz']), 'test');
  assert.equal(call('lpad', [TEXT, T.int4, TEXT], ['hi', 5, 'xy']), 'xyxhi');
  assert.equal(call('rpad', [TEXT, T.int4, TEXT], ['hi', 5, 'xy']), 'hixyx');
  assert.equal(call('lpad', [TEXT, T.int4], ['hello', 2]), 'he');
});

test('left, right, repeat, reverse, split_part', () => {
  assert.equal(call('left', [TEXT, T.int4], ['abcde', 2]), 'ab');
  assert.equal(call('left', [TEXT, T.int4], ['abcde', -2]), 'abc');
  assert.equal(call('right', [TEXT, T.int4], ['abcde', 2]), 'de');
  assert.equal(call('right', [TEXT, T.int4], ['abcde', -2]), 'cde');
  assert.equal(call('repeat', [TEXT, T.int4], ['Pg', 4]), 'PgPgPgPg');
  assert.equal(call('reverse', [TEXT], ['abc']), 'cba');
  assert.equal(call('split_part', [TEXT, TEXT, T.int4], ['abc~@~def~@~ghi', '~@~', 2]), 'def');
  assert.equal(call('split_part', [TEXT, TEXT, T.int4], ['abc,def,ghi,jkl', ',', -2]), 'ghi');
  assert.equal(call('split_part', [TEXT, TEXT, T.int4], ['abc', ',', 5]), '');
  assert.equal(sqlErrorOf(() => call('split_part', [TEXT, TEXT, T.int4], ['a', ',', 0])).code, '22023');
});

test('concat and concat_ws skip NULLs; || with NULL is NULL', () => {
  assert.equal(call('concat', [TEXT, TEXT, TEXT], ['abcde', null, '22']), 'abcde22');
  assert.equal(call('concat_ws', [TEXT, TEXT, TEXT, TEXT], [',', 'abcde', null, '22']), 'abcde,22');
  assert.equal(op('||', TEXT, TEXT, 'a', null), null);
  assert.equal(op('||', TEXT, TEXT, 'a', 'b'), 'ab');
});

test('codes, hashes and encodings', () => {
  assert.equal(call('ascii', [TEXT], ['x']), 120);
  assert.equal(call('chr', [T.int4], [65]), 'A');
  assert.equal(sqlErrorOf(() => call('chr', [T.int4], [0])).code, '54000');
  assert.equal(call('md5', [TEXT], ['abc']), '900150983cd24fb0d6963f7d28e17f72');
  assert.equal(call('to_hex', [T.int4], [2147483647]), '7fffffff');
  assert.equal(call('to_hex', [T.int4], [-1]), 'ffffffff');
  const bytes = new Uint8Array([1, 2, 3]);
  assert.equal(call('encode', [T.bytea, TEXT], [bytes, 'base64']), 'AQID');
  assert.equal(call('encode', [T.bytea, TEXT], [bytes, 'hex']), '010203');
  assert.equal(call('encode', [T.bytea, TEXT], [new Uint8Array([0x41, 0, 0x5c]), 'escape']), 'A\\000\\\\');
  assert.deepEqual(call('decode', [TEXT, TEXT], ['AQID', 'base64']), bytes);
  assert.deepEqual(call('decode', [TEXT, TEXT], ['010203', 'hex']), bytes);
  assert.equal(call('quote_ident', [TEXT], ['Foo bar']), '"Foo bar"');
  assert.equal(call('quote_ident', [TEXT], ['foo']), 'foo');
  assert.equal(call('quote_literal', [TEXT], ["O'Reilly"]), "'O''Reilly'");
  assert.equal(call('format', [TEXT, TEXT, TEXT], ['Hello %s, %I', 'World', 'Col']), 'Hello World, "Col"');
});

test('LIKE and ILIKE with escapes', () => {
  assert.equal(call('like', [TEXT, TEXT], ['abc', 'a%']), true);
  assert.equal(call('like', [TEXT, TEXT], ['abc', '_b_']), true);
  assert.equal(call('like', [TEXT, TEXT], ['abc', 'c']), false);
  assert.equal(call('like', [TEXT, TEXT], ['a\nb', 'a_b']), true);
  assert.equal(call('like', [TEXT, TEXT], ['100%', '100\\%']), true);
  assert.equal(call('like', [TEXT, TEXT], ['1000', '100\\%']), false);
  assert.equal(call('like', [TEXT, TEXT, TEXT], ['10%', '10#%', '#']), true);
  assert.equal(call('like', [TEXT, TEXT], ['a.c', 'a.c']), true);
  assert.equal(call('like', [TEXT, TEXT], ['abc', 'a.c']), false);
  assert.equal(call('ilike', [TEXT, TEXT], ['ABC', 'a%']), true);
  assert.equal(call('not_like', [TEXT, TEXT], ['abc', 'a%']), false);
  assert.equal(sqlErrorOf(() => call('like', [TEXT, TEXT], ['a', 'a\\'])).code, '22025');
});

test('regular expressions', () => {
  assert.equal(op('~', TEXT, TEXT, 'thomas', '.*thom.*'), true);
  assert.equal(op('~*', TEXT, TEXT, 'thomas', 'THOM'), true);
  assert.equal(op('!~', TEXT, TEXT, 'thomas', 'x'), true);
  assert.equal(op('~', TEXT, TEXT, 'abc1', '[[:digit:]]$'), true);
  assert.deepEqual(call('regexp_match', [TEXT, TEXT], ['foobarbequebaz', '(bar)(beque)']), new ArrayValue(['bar', 'beque'], [2]));
  assert.deepEqual(call('regexp_match', [TEXT, TEXT], ['foobar', 'o+']), new ArrayValue(['oo'], [1]));
  assert.equal(call('regexp_match', [TEXT, TEXT], ['foobar', 'x']), null);
  assert.equal(call('regexp_replace', [TEXT, TEXT, TEXT], ['Thomas', '.[mN]a.', 'M']), 'ThM');
  assert.equal(call('regexp_replace', [TEXT, TEXT, TEXT, TEXT], ['foobarbaz', 'b(..)', 'X\\1Y', 'g']), 'fooXarYXazY');
  assert.equal(call('regexp_replace', [TEXT, TEXT, TEXT], ['aaa', 'a', 'b']), 'baa');
  assert.deepEqual(
    call('regexp_split_to_array', [TEXT, TEXT], ['hello world', '\\s+']),
    new ArrayValue(['hello', 'world'], [2]),
  );
  assert.deepEqual(call('regexp_split_to_array', [TEXT, TEXT], ['abc', '']), new ArrayValue(['a', 'b', 'c'], [3]));
  assert.equal(sqlErrorOf(() => op('~', TEXT, TEXT, 'a', '(')).code, '2201B');
  assert.equal(sqlErrorOf(() => call('regexp_replace', [TEXT, TEXT, TEXT, TEXT], ['a', 'a', 'b', 'z'])).code, '22023');
});

test('string_to_array and array_to_string', () => {
  assert.deepEqual(call('string_to_array', [TEXT, TEXT], ['xx~~yy~~zz', '~~']), new ArrayValue(['xx', 'yy', 'zz'], [3]));
  assert.deepEqual(call('string_to_array', [TEXT, TEXT, TEXT], ['a,*,c', ',', '*']), new ArrayValue(['a', null, 'c'], [3]));
  assert.deepEqual(call('string_to_array', [TEXT, TEXT], ['', ',']), new ArrayValue([], []));
  const arr = new ArrayValue(['a', null, 'c'], [3]);
  const arrType = { kind: 'array' as const, element: TEXT };
  assert.equal(call('array_to_string', [arrType, TEXT], [arr, ',']), 'a,c');
  assert.equal(call('array_to_string', [arrType, TEXT, TEXT], [arr, ',', '*']), 'a,*,c');
});
