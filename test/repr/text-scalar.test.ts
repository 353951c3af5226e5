import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from '../../src/repr/numeric.js';
import { applyNumericTypmod, coerceBpchar, coerceVarchar, formatText, parseText } from '../../src/repr/text.js';
import { T, type SqlType } from '../../src/repr/types.js';
import { parseError, roundTrip, throwsSql } from './helpers.js';

test('bool input spellings and output', () => {
  for (const s of ['t', 'true', 'TRUE', ' yes ', 'y', 'on', '1', 'tr', 'Ye']) assert.equal(parseText(s, T.bool), true, s);
  for (const s of ['f', 'false', 'no', 'n', 'off', 'of', '0', 'FALSE ']) assert.equal(parseText(s, T.bool), false, s);
  assert.equal(formatText(true, T.bool), 't');
  assert.equal(formatText(false, T.bool), 'f');
  parseError(T.bool, 'o', '22P02', 'invalid input syntax for type boolean: "o"');
  parseError(T.bool, 'maybe', '22P02', 'invalid input syntax for type boolean: "maybe"');
  parseError(T.bool, '', '22P02', 'invalid input syntax for type boolean: ""');
});

test('integers: syntax and range', () => {
  assert.equal(parseText(' 42 ', T.int4), 42);
  assert.equal(parseText('+7', T.int4), 7);
  assert.ok(Object.is(parseText('-0', T.int4), 0));
  assert.equal(parseText('-32768', T.int2), -32768);
  assert.equal(parseText('9223372036854775807', T.int8), 9223372036854775807n);
  assert.equal(parseText('-9223372036854775808', T.int8), -9223372036854775808n);
  assert.equal(parseText('18446744073709551615', { kind: 'uint8' }), 18446744073709551615n);
  assert.equal(parseText('65535', { kind: 'uint2' }), 65535);
  assert.equal(formatText(-5, T.int4), '-5');
  assert.equal(formatText(123n, T.int8), '123');
  parseError(T.int4, 'abc', '22P02', 'invalid input syntax for type integer: "abc"');
  parseError(T.int4, '1.5', '22P02', 'invalid input syntax for type integer: "1.5"');
  parseError(T.int4, '', '22P02', 'invalid input syntax for type integer: ""');
  parseError(T.int4, '99999999999', '22003', 'value "99999999999" is out of range for type integer');
  parseError(T.int2, '32768', '22003', 'value "32768" is out of range for type smallint');
  parseError(T.int8, '9223372036854775808', '22003', 'value "9223372036854775808" is out of range for type bigint');
  parseError(T.int8, 'x1', '22P02', 'invalid input syntax for type bigint: "x1"');
  parseError({ kind: 'uint4' }, '-1', '22003', 'value "-1" is out of range for type uint4');
});

test('floats print shortest round-trip digits like PostgreSQL', () => {
  const f8: Array<[number, string]> = [
    [1.5, '1.5'], [0.1 + 0.2, '0.30000000000000004'], [1e100, '1e+100'], [1e15, '1e+15'],
    [123456789012345, '123456789012345'], [0.0001, '0.0001'], [0.00001, '1e-05'], [-0, '-0'], [0, '0'],
    [1.2345678901234568e17, '1.2345678901234568e+17'], [NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'],
    [-2.5e-10, '-2.5e-10'], [100, '100'],
  ];
  for (const [v, s] of f8) assert.equal(formatText(v, T.float8), s, String(v));
  const f4: Array<[number, string]> = [
    [0.1, '0.1'], [1 / 3, '0.33333334'], [16777217, '1.6777216e+07'], [100000, '100000'], [1234567, '1.234567e+06'],
    [1e6, '1e+06'], [3.14159, '3.14159'],
  ];
  for (const [v, s] of f4) assert.equal(formatText(Math.fround(v), T.float4), s, String(v));
  // Exactly as PostgreSQL's Ryu prints them (checked against a server): no
  // halfway decimals, ties to even.
  assert.equal(formatText(43593441224187900, T.float8), '4.3593441224187904e+16');
  assert.equal(formatText(88539239019781000, T.float8), '8.853923901978099e+16');
  assert.equal(formatText(Math.fround(-45392512), T.float4), '-4.5392512e+07');
  assert.equal(formatText(Math.fround(-142.265625), T.float4), '-142.26562');
  assert.equal(formatText(Math.fround(424290.625), T.float4), '424290.62');
  assert.equal(formatText(Math.fround(1.4e-45), T.float4), '1e-45');
  assert.equal(formatText(Math.fround(3.4028234663852886e38), T.float4), '3.4028235e+38');
  assert.equal(formatText(5e-324, T.float8), '5e-324');
  assert.equal(formatText(1.7976931348623157e308, T.float8), '1.7976931348623157e+308');
  roundTrip(T.float4, '0.1', '0.1');
  roundTrip(T.float8, ' 1e3 ', '1000');
  roundTrip(T.float8, 'inf', 'Infinity');
  roundTrip(T.float8, '-Infinity', '-Infinity');
  roundTrip(T.float8, 'nan', 'NaN');
  roundTrip(T.float8, '.5', '0.5');
  parseError(T.float8, 'abc', '22P02', 'invalid input syntax for type double precision: "abc"');
  roundTrip(T.float8, ' 0x10 ', '16');
  roundTrip(T.float8, '-0x1.8p3', '-12');
  parseError(T.float8, '0x', '22P02', 'invalid input syntax for type double precision: "0x"');
  parseError(T.float8, '1e400', '22003', '"1e400" is out of range for type double precision');
  parseError(T.float8, '1e-400', '22003', '"1e-400" is out of range for type double precision');
  parseError(T.float4, '1e39', '22003', '"1e39" is out of range for type real');
  parseError(T.float4, 'x', '22P02', 'invalid input syntax for type real: "x"');
});

test('numeric text and typmod', () => {
  // numeric keeps the display scale it was written with, as PostgreSQL does
  roundTrip(T.numeric, '12.50', '12.50');
  roundTrip(T.numeric, '1.5e1', '15');
  roundTrip(T.numeric, '1.50e1', '15.0');
  roundTrip(T.numeric, '0.000', '0.000');
  roundTrip({ kind: 'numeric', precision: 10, scale: 2 }, '12.5', '12.50');
  roundTrip(T.numeric, ' -0 ', '0');
  roundTrip(T.numeric, '1e3', '1000');
  roundTrip(T.numeric, '1.5e-3', '0.0015');
  roundTrip(T.numeric, 'NaN', 'NaN');
  roundTrip(T.numeric, 'infinity', 'Infinity');
  roundTrip(T.numeric, '-inf', '-Infinity');
  roundTrip(T.numeric, '123456789012345678901234567890.123456789', '123456789012345678901234567890.123456789');
  parseError(T.numeric, 'abc', '22P02', 'invalid input syntax for type numeric: "abc"');
  assert.equal(formatText(parseText('1e2000', T.numeric), T.numeric), `1${'0'.repeat(2000)}`);
  assert.equal(formatText(parseText('1e131071', T.numeric), T.numeric).length, 131072);
  parseError(T.numeric, '1e131072', '22003', 'value overflows numeric format');
  parseError(T.numeric, '0.5e-16383', '22003', 'value overflows numeric format');
  parseError(T.jsonb, '[1e131072]', '22003', 'value overflows numeric format');
  assert.equal(applyNumericTypmod(new Decimal('12.345'), 4, 2).toString(), '12.35');
  assert.equal(applyNumericTypmod(new Decimal('-12.345'), 4, 2).toString(), '-12.35');
  assert.equal(applyNumericTypmod(new Decimal('2.5'), 1, 0).toString(), '3');
  assert.ok(applyNumericTypmod(new Decimal(NaN), 4, 2).isNaN());
  throwsSql(
    () => applyNumericTypmod(new Decimal('123.4'), 4, 2),
    '22003',
    'numeric field overflow',
    'A field with precision 4, scale 2 must round to an absolute value less than 10^2.',
  );
  throwsSql(
    () => applyNumericTypmod(new Decimal('0.996'), 2, 2),
    '22003',
    'numeric field overflow',
    'A field with precision 2, scale 2 must round to an absolute value less than 1.',
  );
});

test('character types', () => {
  const vc3: SqlType = { kind: 'varchar', length: 3 };
  const c3: SqlType = { kind: 'bpchar', length: 3 };
  roundTrip(T.text, ' a b ', ' a b ');
  roundTrip(vc3, 'abc  ', 'abc');
  roundTrip(c3, 'a', 'a  ');
  roundTrip(c3, 'ab   ', 'ab ');
  parseError(vc3, 'abcd', '22001', 'value too long for type character varying(3)');
  parseError(c3, 'abcd', '22001', 'value too long for type character(3)');
  assert.equal(coerceVarchar('abcd', 3, true), 'abc');
  assert.equal(coerceBpchar('abcd', 3, true), 'abc');
  assert.equal(coerceBpchar('😀', 2), '😀 ');
  assert.equal(coerceVarchar('😀😀😀', 3), '😀😀😀');
  assert.equal(parseText('x'.repeat(70), { kind: 'name' }), 'x'.repeat(63));
});

test('bytea hex and escape formats', () => {
  roundTrip(T.bytea, '\\x0AfF', '\\x0aff');
  roundTrip(T.bytea, '\\x 0a ff', '\\x0aff');
  roundTrip(T.bytea, 'ab\\000\\\\', '\\x6162005c');
  roundTrip(T.bytea, 'é', '\\xc3a9');
  roundTrip(T.bytea, '', '\\x');
  parseError(T.bytea, '\\x1', '22023', 'invalid hexadecimal data: odd number of digits');
  parseError(T.bytea, '\\xzz', '22023', 'invalid hexadecimal digit: "z"');
  parseError(T.bytea, 'a\\9', '22P02', 'invalid input syntax for type bytea');
});

test('uuid, oid, mz_timestamp, unknown', () => {
  const canonical = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
  for (const s of [
    'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
    '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}',
    'a0eebc999c0b4ef8bb6d6bb9bd380a11',
    'a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11',
    '{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}',
  ]) roundTrip(T.uuid, s, canonical);
  parseError(T.uuid, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1', '22P02', 'invalid input syntax for type uuid: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1"');
  parseError(T.uuid, ' a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '22P02', 'invalid input syntax for type uuid: " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"');
  roundTrip(T.oid, '-1', '4294967295');
  roundTrip(T.oid, '4294967295', '4294967295');
  parseError(T.oid, '4294967296', '22003', 'value "4294967296" is out of range for type oid');
  parseError({ kind: 'regclass' }, 'nosuch', '42P01', 'relation "nosuch" does not exist');
  assert.equal(parseText('1259', { kind: 'regclass' }), 1259);
  assert.equal(parseText('1600000000000', T.mzTimestamp), 1600000000000n);
  assert.equal(parseText('2020-01-01 00:00:00+00', T.mzTimestamp), 1577836800000n);
  assert.equal(formatText(1577836800000n, T.mzTimestamp), '1577836800000');
  parseError(T.mzTimestamp, 'soon', '22P02', 'invalid input syntax for type mz_timestamp: "soon"');
  assert.equal(parseText('abc', T.unknown), 'abc');
});

test('typmods apply like an input function given the column typmod', () => {
  roundTrip({ kind: 'numeric', precision: 5, scale: 2 }, '1.235', '1.24');
  parseError({ kind: 'numeric', precision: 3, scale: 1 }, '123.4', '22003', 'numeric field overflow');
});
