import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T } from '../../src/repr/types.js';
import { commonType, isAggregate, resolveAggregate, resolveFunction, resolveOperator } from '../../src/expr/resolve.js';
import { sqlErrorOf } from './helpers.js';

test('an unknown operand takes the type of the other operand', () => {
  const r = resolveOperator('+', T.int4, T.unknown);
  assert.equal(r.func.name, 'int4_add');
  assert.deepEqual(r.argTypes, [T.int4, T.int4]);
  assert.equal(r.returnType.kind, 'int4');
});

test('mixed numeric operands resolve through implicit casts', () => {
  assert.equal(resolveOperator('+', T.int4, T.numeric).func.name, 'numeric_add');
  assert.equal(resolveOperator('+', T.int4, T.int8).func.name, 'int8_add');
  assert.equal(resolveOperator('+', T.int2, T.int4).func.name, 'int4_add');
  assert.equal(resolveOperator('*', T.numeric, T.float8).func.name, 'float8_mul');
  assert.equal(resolveOperator('^', T.int4, T.int4).returnType.kind, 'float8');
});

test('|| picks text concatenation, including text || integer', () => {
  assert.equal(resolveOperator('||', T.text, T.text).func.name, 'text_concat');
  assert.equal(resolveOperator('||', T.unknown, T.unknown).func.name, 'text_concat');
  assert.equal(resolveOperator('||', T.text, T.unknown).func.name, 'text_concat');
  const r = resolveOperator('||', T.text, T.int4);
  assert.equal(r.func.name, 'text_concat_any');
  assert.equal(r.returnType.kind, 'text');
});

test('comparisons resolve on the common type', () => {
  const r = resolveOperator('=', T.int4, T.numeric);
  assert.deepEqual(r.argTypes.map((t) => t.kind), ['numeric', 'numeric']);
  assert.deepEqual(resolveOperator('<', T.unknown, T.date).argTypes.map((t) => t.kind), ['date', 'date']);
  assert.deepEqual(resolveOperator('=', T.unknown, T.unknown).argTypes.map((t) => t.kind), ['text', 'text']);
  assert.deepEqual(resolveOperator('=', T.date, T.timestamptz).argTypes.map((t) => t.kind), ['timestamptz', 'timestamptz']);
});

test('missing operators and functions raise 42883 with a hint', () => {
  const e = sqlErrorOf(() => resolveOperator('+', T.int4, T.text));
  assert.equal(e.code, '42883');
  assert.equal(e.message, 'operator does not exist: integer + text');
  const f = sqlErrorOf(() => resolveFunction('no_such_fn', [T.int4]));
  assert.equal(f.code, '42883');
  assert.equal(f.message, 'function no_such_fn(integer) does not exist');
  assert.equal(sqlErrorOf(() => resolveOperator('-', null, T.text)).message, 'operator does not exist: - text');
  assert.equal(sqlErrorOf(() => resolveOperator('=', T.int4, T.text)).code, '42883');
});

test('numeric results carry the display scale PostgreSQL would print', () => {
  const n102 = { kind: 'numeric' as const, precision: 10, scale: 2 };
  const n53 = { kind: 'numeric' as const, precision: 5, scale: 3 };
  assert.deepEqual(resolveOperator('+', n102, n53).returnType, { kind: 'numeric', scale: 3 });
  assert.deepEqual(resolveOperator('*', n102, n53).returnType, { kind: 'numeric', scale: 5 });
  assert.deepEqual(resolveOperator('+', n102, T.numeric).returnType, T.numeric);
  assert.deepEqual(resolveOperator('-', null, n102).returnType, { kind: 'numeric', scale: 2 });
  assert.deepEqual(resolveAggregate('sum', [n102]).returnType, { kind: 'numeric', scale: 2 });
  assert.deepEqual(resolveAggregate('max', [n102]).returnType, n102);
});

test('ambiguous operators raise 42725', () => {
  assert.equal(sqlErrorOf(() => resolveOperator('+', T.unknown, T.unknown)).code, '42725');
});

test('functions with unknown arguments prefer the string category', () => {
  assert.equal(resolveFunction('length', [T.unknown]).func.name, 'char_length');
  assert.equal(resolveFunction('substring', [T.text, T.int4]).func.name, 'substr');
  assert.equal(resolveFunction('substring', [T.text, T.unknown]).func.name, 'substring_regex');
  assert.equal(resolveFunction('abs', [T.int4]).returnType.kind, 'int4');
  assert.equal(resolveFunction('round', [T.int4]).returnType.kind, 'float8');
  assert.equal(resolveFunction('round', [T.numeric, T.int4]).returnType.kind, 'numeric');
});

test('commonType follows UNION/CASE rules', () => {
  assert.equal(commonType([T.int4, T.int8], 'CASE').kind, 'int8');
  assert.equal(commonType([T.int4, T.numeric, T.float8], 'UNION').kind, 'float8');
  assert.equal(commonType([T.unknown, T.unknown], 'CASE').kind, 'text');
  assert.equal(commonType([T.unknown, T.int4], 'CASE').kind, 'int4');
  assert.equal(commonType([T.date, T.timestamp], 'CASE').kind, 'timestamp');
  assert.deepEqual(commonType([{ kind: 'varchar', length: 3 }, { kind: 'varchar', length: 3 }], 'CASE'), { kind: 'varchar', length: 3 });
  assert.deepEqual(commonType([{ kind: 'varchar', length: 3 }, { kind: 'varchar', length: 5 }], 'CASE'), { kind: 'varchar' });
  const e = sqlErrorOf(() => commonType([T.int4, T.text], 'CASE'));
  assert.equal(e.code, '42804');
  assert.equal(e.message, 'CASE types integer and text cannot be matched');
});

test('aggregate result types', () => {
  assert.ok(isAggregate('sum'));
  assert.ok(!isAggregate('abs'));
  assert.equal(resolveAggregate('count', []).returnType.kind, 'int8');
  assert.equal(resolveAggregate('count', [T.text]).returnType.kind, 'int8');
  assert.equal(resolveAggregate('sum', [T.int4]).returnType.kind, 'int8');
  assert.equal(resolveAggregate('sum', [T.int8]).returnType.kind, 'numeric');
  assert.equal(resolveAggregate('sum', [T.float4]).returnType.kind, 'float4');
  assert.equal(resolveAggregate('sum', [T.interval]).returnType.kind, 'interval');
  assert.equal(resolveAggregate('avg', [T.int4]).returnType.kind, 'numeric');
  assert.equal(resolveAggregate('avg', [T.float4]).returnType.kind, 'float8');
  assert.equal(resolveAggregate('max', [T.text]).returnType.kind, 'text');
  assert.equal(resolveAggregate('every', [T.bool]).name, 'bool_and');
  assert.deepEqual(resolveAggregate('array_agg', [T.int4]).returnType, { kind: 'array', element: T.int4 });
  assert.deepEqual(resolveAggregate('list_agg', [T.text]).returnType, { kind: 'list', element: T.text });
  assert.equal(resolveAggregate('string_agg', [T.text, T.unknown]).returnType.kind, 'text');
  assert.equal(resolveAggregate('stddev', [T.float8]).returnType.kind, 'float8');
  assert.equal(resolveAggregate('variance', [T.int4]).returnType.kind, 'numeric');
  assert.equal(resolveAggregate('jsonb_object_agg', [T.text, T.int4]).returnType.kind, 'jsonb');
  assert.equal(sqlErrorOf(() => resolveAggregate('sum', [T.text])).code, '42883');
});
