import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { ArrayValue, Jsonb, JsonbNumber, JsonbObject, ListValue, MapValue, T } from '../../src/repr/types.js';
import type { Datum, SqlType } from '../../src/repr/types.js';
import { resolveCast } from '../../src/expr/resolve.js';
import { cast, sqlErrorOf } from './helpers.js';

const dec = (s: string) => new Decimal(s);
const decStr = (v: Datum) => (v as Decimal).toString();
const numeric = (precision: number, scale: number): SqlType => ({ kind: 'numeric', precision, scale });

test('cast contexts follow pg_cast', () => {
  assert.ok(resolveCast(T.int4, T.int8, 'implicit'));
  assert.ok(!resolveCast(T.int8, T.int4, 'implicit'));
  assert.ok(resolveCast(T.int8, T.int4, 'assignment'));
  assert.ok(!resolveCast(T.int4, T.bool, 'assignment'));
  assert.ok(resolveCast(T.int4, T.bool, 'explicit'));
  assert.ok(!resolveCast(T.int4, T.text, 'implicit'));
  assert.ok(resolveCast(T.int4, T.text, 'assignment'));
  assert.ok(!resolveCast(T.text, T.int4, 'assignment'));
  assert.ok(resolveCast(T.text, T.int4, 'explicit'));
  assert.ok(resolveCast(T.date, T.timestamptz, 'implicit'));
  assert.ok(!resolveCast(T.timestamptz, T.date, 'implicit'));
  assert.ok(resolveCast(T.time, T.interval, 'implicit'));
  assert.ok(!resolveCast(T.jsonb, T.int4, 'assignment'));
  assert.ok(resolveCast(T.jsonb, T.int4, 'explicit'));
  assert.ok(!resolveCast(T.date, T.int4, 'explicit'));
  assert.ok(resolveCast({ kind: 'array', element: T.int4 }, { kind: 'array', element: T.int8 }, 'implicit'));
});

test('integer narrowing checks the range', () => {
  assert.equal(cast(T.int8, T.int4, 5n), 5);
  assert.deepEqual(sqlErrorOf(() => cast(T.int8, T.int4, 2n ** 40n)), { code: '22003', message: 'integer out of range' });
  assert.deepEqual(sqlErrorOf(() => cast(T.int4, T.int2, 40000)), { code: '22003', message: 'smallint out of range' });
});

test('float to int rounds half to even, numeric to int half away from zero', () => {
  assert.equal(cast(T.float8, T.int4, 2.5), 2);
  assert.equal(cast(T.float8, T.int4, 3.5), 4);
  assert.equal(cast(T.float8, T.int4, -2.5), -2);
  assert.equal(cast(T.float8, T.int8, 2.5), 2n);
  assert.equal(cast(T.numeric, T.int4, dec('2.5')), 3);
  assert.equal(cast(T.numeric, T.int4, dec('-2.5')), -3);
  assert.equal(cast(T.numeric, T.int8, dec('2.5')), 3n);
  assert.equal(sqlErrorOf(() => cast(T.float8, T.int4, 1e10)).code, '22003');
  assert.equal(sqlErrorOf(() => cast(T.float8, T.int4, NaN)).code, '22003');
});

test('numeric(p,s) rounds to its scale and rejects overflow', () => {
  assert.equal(decStr(cast(T.numeric, numeric(5, 2), dec('3.14159'))), '3.14');
  assert.equal(decStr(cast(T.numeric, numeric(5, 2), dec('2.345'))), '2.35');
  assert.equal(decStr(cast(T.int4, numeric(5, 2), 123)), '123');
  const e = sqlErrorOf(() => cast(T.numeric, numeric(5, 2), dec('1234.5')));
  assert.equal(e.code, '22003');
  assert.equal(e.message, 'numeric field overflow');
  assert.equal(sqlErrorOf(() => cast(T.numeric, numeric(3, 2), dec('9.999'))).code, '22003');
});

test('float to numeric keeps the printed digits', () => {
  assert.equal(decStr(cast(T.float8, T.numeric, 0.1)), '0.1');
  assert.equal(decStr(cast(T.float4, T.numeric, Math.fround(0.1))), '0.1');
  assert.equal(cast(T.numeric, T.float8, dec('0.1')), 0.1);
});

test('varchar(n) and char(n): explicit casts truncate, assignment fails', () => {
  const v3: SqlType = { kind: 'varchar', length: 3 };
  const c3: SqlType = { kind: 'bpchar', length: 3 };
  assert.equal(cast(T.text, v3, 'abcdef'), 'abc');
  assert.equal(cast(T.text, c3, 'a'), 'a  ');
  assert.equal(cast(T.text, c3, 'abcdef'), 'abc');
  assert.equal(cast(T.text, v3, 'abc   ', 'assignment'), 'abc');
  const e = sqlErrorOf(() => cast(T.text, v3, 'abcd', 'assignment'));
  assert.equal(e.code, '22001');
  assert.equal(e.message, 'value too long for type character varying(3)');
  assert.equal(cast(c3, T.text, 'a  '), 'a');
});

test('bool and int, dates and timestamps', () => {
  assert.equal(cast(T.int4, T.bool, 0), false);
  assert.equal(cast(T.int4, T.bool, 7), true);
  assert.equal(cast(T.bool, T.int4, true), 1);
  assert.equal(cast(T.date, T.timestamp, 1), 86_400_000_000n);
  assert.equal(cast(T.timestamp, T.date, -1n), -1);
  assert.equal(cast(T.timestamp, T.time, 86_400_000_000n + 5n), 5n);
  assert.deepEqual(cast(T.time, T.interval, 5n), { months: 0, days: 0, micros: 5n });
  // timestamp(0): ties round away from PostgreSQL's epoch, 2000-01-01.
  const y2k = 946_684_800_000_000n;
  assert.equal(cast({ kind: 'timestamp' }, { kind: 'timestamp', precision: 0 }, y2k + 1_500_000n), y2k + 2_000_000n);
  assert.equal(cast({ kind: 'timestamp' }, { kind: 'timestamp', precision: 0 }, 1_500_000n), 1_000_000n);
});

test('text casts use PostgreSQL text I/O', () => {
  assert.equal(cast(T.text, T.int4, ' 42 '), 42);
  assert.equal(cast(T.int4, T.text, 42, 'assignment'), '42');
  assert.equal(cast(T.bool, T.text, true, 'assignment'), 'true');
  assert.deepEqual(sqlErrorOf(() => cast(T.text, T.int4, 'abc')), { code: '22P02', message: 'invalid input syntax for type integer: "abc"' });
  assert.equal(cast(T.text, T.uuid, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'), 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
  assert.deepEqual(cast(T.text, T.bytea, '\\x0102'), new Uint8Array([1, 2]));
  assert.equal(cast(T.bytea, T.text, new Uint8Array([1, 2]), 'assignment'), '\\x0102');
  assert.equal(cast(T.unknown, T.date, '1970-01-02', 'implicit'), 1);
  assert.equal(cast(T.unknown, { kind: 'varchar', length: 2 }, 'abc'), 'ab');
  assert.equal(sqlErrorOf(() => cast(T.unknown, { kind: 'varchar', length: 2 }, 'abc', 'assignment')).code, '22001');
  assert.equal(cast({ kind: 'array', element: T.int4 }, T.text, new ArrayValue([1, null], [2]), 'assignment'), '{1,NULL}');
  assert.deepEqual(cast(T.text, { kind: 'list', element: T.int4 }, '{1,2}'), new ListValue([1, 2]));
  assert.equal(cast({ kind: 'map', value: T.int4 }, T.text, new MapValue([['a', 1]]), 'assignment'), '{a=>1}');
  assert.equal(cast(T.jsonb, T.text, new Jsonb(new JsonbObject([['a', [new JsonbNumber('1')]]])), 'assignment'), '{"a": [1]}');
});
