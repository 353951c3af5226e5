import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { Jsonb, JsonbNumber, JsonbObject, T } from '../../src/repr/types.js';
import { isAggregate, isTableFunction, resolveAggregate, resolveFunction } from '../../src/expr/resolve.js';
import { call } from './helpers.js';

const toChar = (v: string, f: string) => call('to_char', [T.numeric, T.text], [new Decimal(v), f]);

test('to_char on numbers follows the template', () => {
  assert.equal(toChar('123.456', '999.99'), ' 123.46');
  assert.equal(toChar('-123.456', '999.99'), '-123.46');
  assert.equal(toChar('0.5', '9.99'), '  .50');
  assert.equal(toChar('0.5', '0.99'), ' 0.50');
  assert.equal(toChar('1234', '9,999'), ' 1,234');
  assert.equal(toChar('12', '9,999'), '    12');
  assert.equal(toChar('12', '0000'), ' 0012');
  assert.equal(toChar('12345', '999'), ' ###');
  assert.equal(toChar('12.5', 'FM999.99'), '12.5');
  assert.equal(toChar('-12', '9999'), '  -12');
  assert.equal(toChar('12', 'S9999'), '  +12');
  assert.equal(toChar('-5', '999MI'), '  5-');
  assert.equal(toChar('-485', '999PR'), '<485>');
  assert.equal(toChar('3.14159', 'FM9.00'), '3.14');
  assert.equal(toChar('1234.5', '"$"FM9,999.00'), '$1,234.50');
  assert.equal(call('to_char', [T.int4, T.text], [42, '000']), ' 042');
  assert.equal(call('to_char', [T.float8, T.text], [0.1, 'FM0.0']), '0.1');
});

test('json_* spellings are the jsonb functions', () => {
  const obj = new Jsonb(new JsonbObject([['a', new JsonbNumber('1')]]));
  assert.equal(call('json_typeof', [T.jsonb], [obj]), 'object');
  assert.deepEqual(call('json_build_object', [T.unknown, T.int4], ['a', 1]), obj);
  assert.equal(resolveFunction('to_json', [T.int4]).returnType.kind, 'jsonb');
  assert.equal(resolveFunction('row_to_json', [{ kind: 'record', fields: [] }]).returnType.kind, 'jsonb');
  assert.ok(isTableFunction('json_each'));
  assert.ok(isAggregate('json_agg'));
  assert.equal(resolveAggregate('json_object_agg', [T.text, T.int4]).name, 'jsonb_object_agg');
});
