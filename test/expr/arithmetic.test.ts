import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { T } from '../../src/repr/types.js';
import type { Datum } from '../../src/repr/types.js';
import { call, op, sqlErrorOf } from './helpers.js';

const dec = (s: string) => new Decimal(s);
const decStr = (v: Datum) => (v as Decimal).toString();

test('integer division truncates toward zero and % follows the dividend', () => {
  assert.equal(op('/', T.int4, T.int4, 7, 2), 3);
  assert.equal(op('/', T.int4, T.int4, -7, 2), -3);
  assert.equal(op('%', T.int4, T.int4, 7, -3), 1);
  assert.equal(op('%', T.int4, T.int4, -7, 3), -1);
  assert.equal(op('/', T.int8, T.int8, -7n, 2n), -3n);
  assert.equal(op('%', T.int8, T.int8, 7n, -3n), 1n);
});

test('integer overflow raises 22003 with the type name', () => {
  assert.deepEqual(sqlErrorOf(() => op('+', T.int4, T.int4, 2147483647, 1)), { code: '22003', message: 'integer out of range' });
  assert.deepEqual(sqlErrorOf(() => op('*', T.int8, T.int8, 2n ** 62n, 2n)), { code: '22003', message: 'bigint out of range' });
  assert.deepEqual(sqlErrorOf(() => op('+', T.int2, T.int2, 32767, 1)), { code: '22003', message: 'smallint out of range' });
  assert.deepEqual(sqlErrorOf(() => op('/', T.int4, T.int4, -2147483648, -1)), { code: '22003', message: 'integer out of range' });
  assert.deepEqual(sqlErrorOf(() => op('-', null, T.int4, null, -2147483648)), { code: '22003', message: 'integer out of range' });
});

test('division by zero raises 22012 for every numeric type', () => {
  for (const [t, zero, one] of [
    [T.int4, 0, 1],
    [T.int8, 0n, 1n],
    [T.float8, 0, 1],
    [T.numeric, dec('0'), dec('1')],
  ] as const) {
    assert.deepEqual(sqlErrorOf(() => op('/', t, t, one, zero)), { code: '22012', message: 'division by zero' });
  }
  assert.equal(sqlErrorOf(() => op('%', T.int4, T.int4, 1, 0)).code, '22012');
});

test('numeric arithmetic is exact and division uses PostgreSQL scale', () => {
  assert.equal(decStr(op('+', T.numeric, T.numeric, dec('0.1'), dec('0.2'))), '0.3');
  assert.equal(decStr(op('/', T.numeric, T.numeric, dec('1'), dec('3'))), '0.33333333333333333333');
  assert.equal(decStr(op('/', T.numeric, T.numeric, dec('10'), dec('3'))), '3.3333333333333333');
  assert.equal(decStr(op('/', T.numeric, T.numeric, dec('7'), dec('2'))), '3.5');
  assert.equal(decStr(op('%', T.numeric, T.numeric, dec('7.5'), dec('2'))), '1.5');
  assert.equal(decStr(op('*', T.numeric, T.numeric, dec('123456789012345678901234567890'), dec('10'))), '1234567890123456789012345678900');
});

test('mixed operand types resolve to the wider type', () => {
  assert.equal(decStr(op('+', T.int4, T.numeric, 1, dec('1.5'))), '2.5');
  assert.equal(op('+', T.int4, T.int8, 1, 2n), 3n);
  assert.equal(op('*', T.int4, T.float8, 2, 1.5), 3);
  assert.equal(op('+', T.int2, T.int4, 1, 2), 3);
});

test('^ on integers is float8, power of numeric is numeric', () => {
  assert.equal(op('^', T.int4, T.int4, 2, 10), 1024);
  assert.equal(decStr(op('^', T.numeric, T.numeric, dec('2'), dec('10'))), '1024');
  assert.equal(sqlErrorOf(() => op('^', T.float8, T.float8, 0, -1)).code, '2201F');
  assert.equal(sqlErrorOf(() => op('^', T.float8, T.float8, -8, 1 / 3)).code, '2201F');
  assert.equal(decStr(op('^', T.numeric, T.numeric, dec('2'), dec('-2'))), '0.25');
  assert.equal(decStr(op('^', T.numeric, T.numeric, dec('2'), dec('0.5'))), '1.414213562373095');
  assert.equal(sqlErrorOf(() => op('^', T.numeric, T.numeric, dec('10'), dec('200000'))).message, 'value overflows numeric format');
});

test('rounding: numeric half away from zero, float8 half to even', () => {
  assert.equal(decStr(call('round', [T.numeric], [dec('2.5')])), '3');
  assert.equal(decStr(call('round', [T.numeric], [dec('-2.5')])), '-3');
  assert.equal(call('round', [T.float8], [2.5]), 2);
  assert.equal(call('round', [T.float8], [3.5]), 4);
  assert.equal(decStr(call('round', [T.numeric, T.int4], [dec('3.14159'), 2])), '3.14');
  assert.equal(decStr(call('round', [T.numeric, T.int4], [dec('1234.5'), -2])), '1200');
  assert.equal(decStr(call('trunc', [T.numeric, T.int4], [dec('-3.789'), 1])), '-3.7');
  // round(2.5) with an integer-typed literal resolves to numeric round
  assert.equal(decStr(call('round', [T.numeric], [dec('0.5')])), '1');
});

test('math functions', () => {
  assert.equal(call('abs', [T.int4], [-5]), 5);
  assert.equal(call('ceil', [T.float8], [-1.5]), -1);
  assert.equal(call('floor', [T.float8], [-1.5]), -2);
  assert.equal(decStr(call('ceil', [T.numeric], [dec('1.2')])), '2');
  assert.equal(call('sqrt', [T.float8], [16]), 4);
  assert.equal(decStr(call('sqrt', [T.numeric], [dec('2')])), '1.414213562373095');
  assert.equal(call('cbrt', [T.float8], [27]), 3);
  assert.equal(op('|/', null, T.int4, null, 25), 5);
  assert.equal(op('||/', null, T.float8, null, 27), 3);
  assert.equal(call('mod', [T.int4, T.int4], [-7, 3]), -1);
  assert.equal(decStr(call('sign', [T.numeric], [dec('-3')])), '-1');
  assert.equal(call('gcd', [T.int4, T.int4], [12, 18]), 6);
  assert.equal(call('lcm', [T.int4, T.int4], [4, 6]), 12);
  assert.equal(decStr(call('div', [T.numeric, T.numeric], [dec('9'), dec('4')])), '2');
  assert.equal(call('log', [T.float8], [100]), 2);
  assert.equal(decStr(call('log', [T.numeric, T.numeric], [dec('2'), dec('8')])), '3');
  assert.equal(decStr(call('ln', [T.numeric], [dec('2')])), '0.6931471805599453');
  assert.equal(sqlErrorOf(() => call('ln', [T.float8], [0])).message, 'cannot take logarithm of zero');
  assert.equal(sqlErrorOf(() => call('sqrt', [T.float8], [-1])).message, 'cannot take square root of a negative number');
  assert.equal(call('width_bucket', [T.float8, T.float8, T.float8, T.int4], [5.35, 0.024, 10.06, 5]), 3);
});

test('bitwise operators on integers', () => {
  assert.equal(op('&', T.int4, T.int4, 12, 10), 8);
  assert.equal(op('|', T.int4, T.int4, 12, 10), 14);
  assert.equal(op('#', T.int4, T.int4, 12, 10), 6);
  assert.equal(op('~', null, T.int4, null, 5), -6);
  assert.equal(op('<<', T.int4, T.int4, 1, 4), 16);
  assert.equal(op('>>', T.int8, T.int4, -16n, 2), -4n);
});

test('float overflow is an error, not infinity', () => {
  assert.equal(sqlErrorOf(() => op('*', T.float8, T.float8, 1e308, 10)).code, '22003');
  assert.equal(op('+', T.float8, T.float8, Infinity, 1), Infinity);
});

test('greatest, least, coalesce and nullif', () => {
  assert.equal(call('greatest', [T.int4, T.int4, T.int4], [1, 3, 2]), 3);
  assert.equal(call('least', [T.int4, T.int4], [null, 2]), 2);
  assert.equal(call('coalesce', [T.int4, T.int4], [null, 2]), 2);
  assert.equal(call('nullif', [T.int4, T.int4], [2, 2]), null);
  assert.equal(call('nullif', [T.int4, T.int4], [1, 2]), 1);
});

test('unsigned integers keep their type and range', () => {
  const u4 = { kind: 'uint4' as const };
  const u8 = { kind: 'uint8' as const };
  assert.equal(op('+', u4, u4, 4000000000, 1), 4000000001);
  assert.equal(sqlErrorOf(() => op('-', u4, u4, 1, 2)).message, 'uint4 out of range');
  assert.equal(op('*', u8, u8, 2n ** 63n, 1n), 2n ** 63n);
  assert.equal(sqlErrorOf(() => op('*', u8, u8, 2n ** 63n, 2n)).message, 'uint8 out of range');
});
