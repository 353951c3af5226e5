import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBinary, encodeBinary } from '../../src/repr/binary.js';
import { parseJsonb } from '../../src/repr/jsonb.js';
import { Decimal } from '../../src/repr/numeric.js';
import { formatText, parseText } from '../../src/repr/text.js';
import { ArrayValue, ListValue, RecordValue, T, type Datum, type SqlType } from '../../src/repr/types.js';
import { throwsSql } from './helpers.js';

const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex');
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s/g, ''), 'hex'));

function known(type: SqlType, value: Datum, expectedHex: string): void {
  const encoded = encodeBinary(value, type);
  assert.equal(hex(encoded), expectedHex.replace(/\s/g, ''), `${type.kind} ${String(value)}`);
  assert.deepEqual(decodeBinary(encoded!, type), value);
}

test('fixed-width scalars', () => {
  known(T.bool, true, '01');
  known(T.int2, -2, 'fffe');
  known(T.int4, 258, '00000102');
  known(T.int8, -1n, 'ffffffffffffffff');
  known(T.float4, 1.5, '3fc00000');
  known(T.float8, -2, 'c000000000000000');
  known(T.oid, 4294967295, 'ffffffff');
  known({ kind: 'uint8' }, 18446744073709551615n, 'ffffffffffffffff');
  known(T.uuid, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'a0eebc999c0b4ef8bb6d6bb9bd380a11');
});

test('numeric uses base-10000 digits with weight, sign and display scale', () => {
  const n2: SqlType = { kind: 'numeric', precision: 10, scale: 2 };
  assert.equal(hex(encodeBinary(new Decimal('12.50'), n2)), '0002000000000002000c1388');
  assert.equal(hex(encodeBinary(new Decimal('12.5'), T.numeric)), '0002000000000001000c1388');
  assert.equal(hex(encodeBinary(parseText('12.50', T.numeric), T.numeric)), '0002000000000002000c1388');
  assert.equal(hex(encodeBinary(new Decimal('-1234567.89'), T.numeric)), '0003000140000002007b11d722c4');
  assert.equal(hex(encodeBinary(new Decimal('0.0001'), T.numeric)), '0001ffff000000040001');
  assert.equal(hex(encodeBinary(new Decimal('10000'), T.numeric)), '00010001000000000001');
  assert.equal(hex(encodeBinary(new Decimal(0), T.numeric)), '0000000000000000');
  assert.equal(hex(encodeBinary(new Decimal(NaN), T.numeric)), '00000000c0000000');
  assert.equal(hex(encodeBinary(new Decimal(-Infinity), T.numeric)), '00000000f0000000');
  for (const s of ['12.50', '-1234567.89', '0.0001', '10000', '0', '123456789012345678901234567890.000000001']) {
    const d = decodeBinary(encodeBinary(new Decimal(s), T.numeric)!, T.numeric) as Decimal;
    assert.ok(d.equals(new Decimal(s)), s);
  }
  assert.ok((decodeBinary(bytes('00000000c0000000'), T.numeric) as Decimal).isNaN());
  assert.equal(formatText(decodeBinary(bytes('0002000000000002000c1388'), T.numeric), T.numeric), '12.50');
});

test('text-like, bytea, jsonb', () => {
  known(T.text, 'héllo', '68c3a96c6c6f');
  known(T.bytea, Uint8Array.of(0, 255), '00ff');
  known(T.jsonb, parseJsonb('{"b": [1, 2.50], "a": null}'), '01' + Buffer.from('{"a": null, "b": [1, 2.50]}').toString('hex'));
  throwsSql(() => decodeBinary(bytes('02 7b7d'), T.jsonb), '22P03', 'unsupported jsonb version number 2');
  throwsSql(() => decodeBinary(bytes('ff'), T.text), '22021', 'invalid byte sequence for encoding "UTF8"');
  throwsSql(() => decodeBinary(bytes('616263'), { kind: 'varchar', length: 2 }), '22001', 'value too long for type character varying(2)');
});

test('date/time types count from 2000-01-01', () => {
  known(T.date, parseText('2000-01-01', T.date), '00000000');
  known(T.date, 0, 'ffffd533');
  known(T.date, Infinity, '7fffffff');
  known(T.timestamp, parseText('2000-01-01 00:00:01', T.timestamp), '00000000000f4240');
  known(T.timestamptz, parseText('2000-01-01 00:00:00+00', T.timestamptz), '0000000000000000');
  known(T.timestamp, 9223372036854775807n, '7fffffffffffffff');
  known(T.time, 3_600_000_000n, '00000000d693a400');
  known(T.interval, { months: 1, days: 2, micros: 3_000_000n }, '00000000002dc6c0 00000002 00000001');
});

test('arrays and records', () => {
  const int4Array: SqlType = { kind: 'array', element: T.int4 };
  known(int4Array, new ArrayValue([1, null], [2]), '00000001 00000001 00000017 00000002 00000001 00000004 00000001 ffffffff');
  known(int4Array, new ArrayValue([], []), '00000000 00000000 00000017');
  known({ kind: 'array', element: T.text }, new ArrayValue(['a', 'b', 'c', 'd'], [2, 2], [0, 1]),
    '00000002 00000000 00000019 00000002 00000000 00000002 00000001 00000001 61 00000001 62 00000001 63 00000001 64');
  const rec: SqlType = { kind: 'record', fields: [{ name: 'a', type: T.int4 }, { name: 'b', type: T.text }] };
  known(rec, new RecordValue([7, null]), '00000002 00000017 00000004 00000007 00000019 ffffffff');
  assert.equal(encodeBinary(new ListValue([1]), { kind: 'list', element: T.int4 }), undefined);
  assert.equal(encodeBinary(new ArrayValue([new ListValue([])], [1]), { kind: 'array', element: { kind: 'list', element: T.int4 } }), undefined);
});

test('malformed binary input', () => {
  throwsSql(() => decodeBinary(bytes('0001'), T.int4), '22P03', 'insufficient data left in message');
  throwsSql(() => decodeBinary(bytes('0000000001'), T.int4), '22P03', 'incorrect binary data format');
  throwsSql(() => decodeBinary(bytes('00000001 00000000 00000017 00000002 00000001 00000004'), { kind: 'array', element: T.int4 }), '22P03', 'insufficient data left in message');
});
