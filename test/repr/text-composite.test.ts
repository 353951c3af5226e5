import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonbFromJs, jsonbToText, parseJsonb } from '../../src/repr/jsonb.js';
import { formatText, parseText } from '../../src/repr/text.js';
import { ArrayValue, JsonbNumber, ListValue, MapValue, RecordValue, T, type SqlType } from '../../src/repr/types.js';
import { parseError, roundTrip } from './helpers.js';

const int4Array: SqlType = { kind: 'array', element: T.int4 };
const textArray: SqlType = { kind: 'array', element: T.text };

test('jsonb output format, key order, duplicates, exact numbers', () => {
  roundTrip(T.jsonb, '{"b":1,"a":[1,2,{"c":null}],"aa":true}', '{"a": [1, 2, {"c": null}], "b": 1, "aa": true}');
  roundTrip(T.jsonb, '{"bb":1,"a":2,"c":3}', '{"a": 2, "c": 3, "bb": 1}');
  roundTrip(T.jsonb, '{"a":1,"a":2}', '{"a": 2}');
  roundTrip(T.jsonb, ' [1.50, 1e2, -0, 0.0, 1.5e-1, 12E+1, -1.25] ', '[1.50, 100, 0, 0.0, 0.15, 120, -1.25]');
  roundTrip(T.jsonb, '"a\\"b\\\\c\\n\\u0001\\u00e9/"', '"a\\"b\\\\c\\n\\u0001é/"');
  roundTrip(T.jsonb, '"\\ud83d\\ude00"', '"😀"');
  roundTrip(T.jsonb, '{}', '{}');
  roundTrip(T.jsonb, '[]', '[]');
  roundTrip(T.jsonb, 'null', 'null');
  roundTrip(T.jsonb, 'true', 'true');
  roundTrip(T.jsonb, '123456789012345678901234567890', '123456789012345678901234567890');
  const j = parseJsonb('{"x": 1.10}');
  assert.ok(j.value !== null && typeof j.value === 'object' && !Array.isArray(j.value) && !(j.value instanceof JsonbNumber));
  assert.equal(jsonbToText(jsonbFromJs({ b: [1, 'x', null, true], a: 0.5, big: 1e21 })), '{"a": 0.5, "b": [1, "x", null, true], "big": 1000000000000000000000}');
});

test('jsonb input errors', () => {
  const json = (input: string, detail: string): void =>
    parseError(T.jsonb, input, '22P02', 'invalid input syntax for type json', detail);
  json('{"a" 1}', 'Expected ":", but found "1".');
  json('[1,2', 'The input string ended unexpectedly.');
  json('', 'The input string ended unexpectedly.');
  json('nul', 'Token "nul" is invalid.');
  // Expected strings as PostgreSQL 15 reports them (checked against a real server).
  json('{"a":1}x', 'Token "x" is invalid.');
  json('1 2', 'Expected end of input, but found "2".');
  json('[1,2]]', 'Expected end of input, but found "]".');
  json('"abc', 'Token ""abc" is invalid.');
  json('.5', 'Token "." is invalid.');
  json('1.5x', 'Token "1.5x" is invalid.');
  json('-01', 'Token "-01" is invalid.');
  json('true1', 'Token "true1" is invalid.');
  json('[1 "x"]', 'Expected "," or "]", but found ""x"".');
  json('{,}', 'Expected string or "}", but found ",".');
  json('{"a":1,}', 'Expected string, but found "}".');
  json('[1,]', 'Expected JSON value, but found "]".');
  json('[1{', 'Expected "," or "]", but found "{".');
  json('01', 'Token "01" is invalid.');
  json('{"a":}', 'Expected JSON value, but found "}".');
  json('[1 2]', 'Expected "," or "]", but found "2".');
  json('{"a":1 "b":2}', 'Expected "," or "}", but found ""b"".');
  json('{1:2}', 'Expected string or "}", but found "1".');
  json('"\\x"', 'Escape sequence "\\x" is invalid.');
  json('"\\u12"', '"\\u" must be followed by four hexadecimal digits.');
  json('"a\tb"', 'Character with value 0x09 must be escaped.');
  parseError(T.jsonb, '"\\u0000"', '22P05', 'unsupported Unicode escape sequence', '\\u0000 cannot be converted to text.');
});

test('arrays: output quoting, dimensions, NULL', () => {
  roundTrip(int4Array, '{1,2,NULL}', '{1,2,NULL}');
  roundTrip(int4Array, '{{1,2},{3,4}}', '{{1,2},{3,4}}');
  roundTrip(int4Array, '{ 1 , 2 }', '{1,2}');
  roundTrip(int4Array, '{}', '{}');
  roundTrip(int4Array, '[0:1]={1,2}', '[0:1]={1,2}');
  roundTrip(int4Array, '[1:2]={1,2}', '{1,2}');
  roundTrip(textArray, '{"a b","",NULL,"NULL",null,"x\\"y","a\\\\b","{",plain}', '{"a b","",NULL,"NULL",NULL,"x\\"y","a\\\\b","{",plain}');
  assert.deepEqual((parseText('{{1,2},{3,4}}', int4Array) as ArrayValue).dims, [2, 2]);
  assert.equal(formatText(new ArrayValue(['a,b', 'c}', ' ', 'nULl', 'ok'], [5]), textArray), '{"a,b","c}"," ","nULl",ok}');
  const tsArray: SqlType = { kind: 'array', element: T.timestamp };
  roundTrip(tsArray, '{"2020-01-01 00:00:00"}', '{"2020-01-01 00:00:00"}');
  const recordArray: SqlType = { kind: 'array', element: { kind: 'record', fields: [{ name: 'a', type: T.int4 }, { name: 'b', type: T.text }] } };
  assert.equal(formatText(new ArrayValue([new RecordValue([1, 'a b'])], [1]), recordArray), '{"(1,\\"a b\\")"}');
  parseError(int4Array, '1,2', '22P02', 'malformed array literal: "1,2"', 'Array value must start with "{" or dimension information.');
  parseError(int4Array, '{1,2', '22P02', 'malformed array literal: "{1,2"', 'Unexpected end of input.');
  parseError(int4Array, '{1,2}x', '22P02', 'malformed array literal: "{1,2}x"', 'Junk after closing right brace.');
  parseError(int4Array, '{{1},{2,3}}', '22P02', 'malformed array literal: "{{1},{2,3}}"', 'Multidimensional arrays must have sub-arrays with matching dimensions.');
  // details as PostgreSQL 15 reports them
  parseError(int4Array, '{1,{2}}', '22P02', 'malformed array literal: "{1,{2}}"', 'Unexpected "{" character.');
  parseError(int4Array, '{{1},2}', '22P02', 'malformed array literal: "{{1},2}"', 'Unexpected array element.');
  parseError(int4Array, '{{},{}}', '22P02', 'malformed array literal: "{{},{}}"', 'Unexpected "}" character.');
  parseError(textArray, '{"a"b}', '22P02', 'malformed array literal: "{"a"b}"', 'Unexpected array element.');
  parseError(int4Array, '{1,x}', '22P02', 'invalid input syntax for type integer: "x"');
});

test('lists and maps (Materialize)', () => {
  const intList: SqlType = { kind: 'list', element: T.int4 };
  const nested: SqlType = { kind: 'list', element: intList };
  roundTrip(intList, '{1,2,3}', '{1,2,3}');
  roundTrip(intList, '{}', '{}');
  roundTrip(intList, '{1,NULL}', '{1,NULL}');
  roundTrip(nested, '{{1,2},{3}}', '{{1,2},{3}}');
  roundTrip(nested, '{{},NULL}', '{{},NULL}');
  roundTrip({ kind: 'list', element: T.text }, '{a,"b c",NULL,"NULL"}', '{a,"b c",NULL,"NULL"}');
  assert.equal(formatText(new ListValue([new ListValue([1]), new ListValue([])]), nested), '{{1},{}}');
  const intMap: SqlType = { kind: 'map', value: T.int4 };
  roundTrip(intMap, '{b=>2,a=>1}', '{a=>1,b=>2}');
  roundTrip(intMap, '{a=>1,a=>2}', '{a=>2}');
  roundTrip(intMap, '{"a b"=>NULL}', '{"a b"=>NULL}');
  roundTrip(intMap, '{}', '{}');
  roundTrip({ kind: 'map', value: intMap }, '{x=>{b=>1}}', '{x=>{b=>1}}');
  assert.deepEqual((parseText('{b=>2,a=>1}', intMap) as MapValue).entries, [['a', 1], ['b', 2]]);
  parseError(intMap, '{a=1}', '22P02', 'malformed map literal: "{a=1}"');
});

test('records', () => {
  const type: SqlType = {
    kind: 'record',
    fields: [{ name: 'a', type: T.int4 }, { name: 'b', type: T.text }, { name: 'c', type: T.text }],
  };
  roundTrip(type, '(1,"a b",)', '(1,"a b",)');
  roundTrip(type, '(1,"",x)', '(1,"",x)');
  roundTrip(type, '(1,"say ""hi""","back\\\\slash")', '(1,"say ""hi""","back\\\\slash")');
  assert.equal(formatText(new RecordValue([null, 'a(b)', 'c,d']), type), '(,"a(b)","c,d")');
  parseError(type, '1,2,3', '22P02', 'malformed record literal: "1,2,3"', 'Missing left parenthesis.');
  parseError(type, '(1,2)', '22P02', 'malformed record literal: "(1,2)"', 'Too few columns.');
  parseError(type, '(1,2,3,4)', '22P02', 'malformed record literal: "(1,2,3,4)"', 'Too many columns.');
  parseError(type, '(1,2,3)x', '22P02', 'malformed record literal: "(1,2,3)x"', 'Junk after right parenthesis.');
});
