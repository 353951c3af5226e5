import { test } from 'node:test';
import assert from 'node:assert/strict';
import { typeFromOid, typeLength, typeModifier, typeName, typeOid } from '../../src/repr/pgtypes.js';
import { T, type SqlType } from '../../src/repr/types.js';

const arr = (element: SqlType): SqlType => ({ kind: 'array', element });

test('OIDs as PostgreSQL and Materialize report them', () => {
  const expected: Array<[SqlType, number]> = [
    [T.bool, 16], [T.bytea, 17], [{ kind: 'char' }, 18], [{ kind: 'name' }, 19], [T.int8, 20], [T.int2, 21],
    [T.int4, 23], [{ kind: 'regproc' }, 24], [T.text, 25], [T.oid, 26], [T.float4, 700], [T.float8, 701],
    [T.unknown, 705], [{ kind: 'bpchar', length: 3 }, 1042], [{ kind: 'varchar' }, 1043], [T.date, 1082],
    [T.time, 1083], [T.timestamp, 1114], [T.timestamptz, 1184], [T.interval, 1186], [T.numeric, 1700],
    [{ kind: 'regclass' }, 2205], [{ kind: 'regtype' }, 2206], [T.uuid, 2950], [T.jsonb, 3802],
    [{ kind: 'record', fields: [] }, 2249], [{ kind: 'uint2' }, 16460], [{ kind: 'uint4' }, 16462],
    [{ kind: 'uint8' }, 16464], [T.mzTimestamp, 16552], [{ kind: 'list', element: T.int4 }, 16384],
    [{ kind: 'map', value: T.int4 }, 16385],
    [arr(T.bool), 1000], [arr(T.bytea), 1001], [arr(T.int2), 1005], [arr(T.int4), 1007], [arr(T.text), 1009],
    [arr({ kind: 'bpchar' }), 1014], [arr({ kind: 'varchar' }), 1015], [arr(T.int8), 1016], [arr(T.float4), 1021],
    [arr(T.float8), 1022], [arr(T.oid), 1028], [arr(T.timestamp), 1115], [arr(T.date), 1182], [arr(T.time), 1183],
    [arr(T.timestamptz), 1185], [arr(T.interval), 1187], [arr(T.numeric), 1231], [arr(T.uuid), 2951],
    [arr(T.jsonb), 3807], [arr({ kind: 'record', fields: [] }), 2287], [arr(arr(T.int4)), 1007],
  ];
  for (const [type, oid] of expected) assert.equal(typeOid(type), oid, JSON.stringify(type));
});

test('lengths, modifiers and format_type names', () => {
  assert.equal(typeLength(T.int4), 4);
  assert.equal(typeLength(T.int8), 8);
  assert.equal(typeLength(T.bool), 1);
  assert.equal(typeLength(T.text), -1);
  assert.equal(typeLength(T.interval), 16);
  assert.equal(typeLength(T.uuid), 16);
  assert.equal(typeLength(T.unknown), -2);
  assert.equal(typeLength(arr(T.int4)), -1);
  assert.equal(typeModifier({ kind: 'varchar', length: 10 }), 14);
  assert.equal(typeModifier({ kind: 'numeric', precision: 10, scale: 2 }), 655366);
  assert.equal(typeModifier({ kind: 'timestamp', precision: 3 }), 3);
  assert.equal(typeModifier(T.int4), -1);
  assert.equal(typeModifier(arr({ kind: 'varchar', length: 5 })), 9);
  const names: Array<[SqlType, string]> = [
    [T.int4, 'integer'], [T.int8, 'bigint'], [T.int2, 'smallint'], [T.float4, 'real'], [T.float8, 'double precision'],
    [T.bool, 'boolean'], [{ kind: 'varchar', length: 10 }, 'character varying(10)'], [{ kind: 'varchar' }, 'character varying'],
    [{ kind: 'bpchar', length: 3 }, 'character(3)'], [{ kind: 'numeric', precision: 10, scale: 2 }, 'numeric(10,2)'],
    [T.numeric, 'numeric'], [T.timestamptz, 'timestamp with time zone'], [T.timestamp, 'timestamp without time zone'],
    [{ kind: 'timestamp', precision: 3 }, 'timestamp(3) without time zone'], [T.time, 'time without time zone'],
    [arr(T.int4), 'integer[]'], [{ kind: 'list', element: T.text }, 'text list'],
    [{ kind: 'list', element: { kind: 'list', element: T.int4 } }, 'integer list list'],
    [{ kind: 'map', value: T.int4 }, 'map[text=>integer]'], [{ kind: 'record', fields: [] }, 'record'],
    [{ kind: 'char' }, '"char"'], [T.mzTimestamp, 'mz_timestamp'], [{ kind: 'uint8' }, 'uint8'], [T.jsonb, 'jsonb'],
  ];
  for (const [type, name] of names) assert.equal(typeName(type), name);
});

test('typeFromOid', () => {
  assert.deepEqual(typeFromOid(23), T.int4);
  assert.deepEqual(typeFromOid(1043), { kind: 'varchar' });
  assert.deepEqual(typeFromOid(1007), arr(T.int4));
  assert.deepEqual(typeFromOid(16552), T.mzTimestamp);
  assert.equal(typeFromOid(999999), undefined);
});
