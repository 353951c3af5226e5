// Every overload, called with edge-case arguments, either returns a value or
// throws a SqlError: bad input must never surface as a JS exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { ArrayValue, Jsonb, JsonbNumber, JsonbObject, ListValue, MapValue, T, TIMESTAMP_INFINITY, TIMESTAMP_NEG_INFINITY } from '../../src/repr/types.js';
import type { Datum, SqlType } from '../../src/repr/types.js';
import { SqlError } from '../../src/repr/errors.js';
import { resolveCast } from '../../src/expr/resolve.js';
import { instantiate, listOverloads, UTC_SESSION, type Param } from '../../src/expr/registry.js';

const SAMPLES: Record<string, Datum[]> = {
  bool: [true, false],
  int2: [0, -1, 32767, -32768],
  int4: [0, -1, 2147483647, -2147483648, 3],
  int8: [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)],
  uint2: [0, 65535],
  uint4: [0, 4294967295],
  uint8: [0n, 2n ** 64n - 1n],
  float4: [0, -1.5, NaN, Infinity, 3.4e38],
  float8: [0, -1.5, NaN, Infinity, -Infinity, 1e308, 5e-324],
  numeric: [new Decimal(0), new Decimal('-1.5'), new Decimal(NaN), new Decimal(Infinity), new Decimal('1e100'), new Decimal('123.456')],
  text: ['', 'a', '%_\\', '(', 'hello world', '😀x', '-1', 'year'],
  bytea: [new Uint8Array([]), new Uint8Array([0, 255])],
  jsonb: [new Jsonb(null), new Jsonb(new JsonbNumber('1')), new Jsonb('s'), new Jsonb([]), new Jsonb(new JsonbObject([['a', [true]]]))],
  date: [0, Infinity, -Infinity, -2440588],
  time: [0n, 86_400_000_000n],
  timestamp: [0n, TIMESTAMP_INFINITY, TIMESTAMP_NEG_INFINITY, -210_866_803_200_000_000n],
  timestamptz: [0n, TIMESTAMP_INFINITY, TIMESTAMP_NEG_INFINITY],
  interval: [{ months: 0, days: 0, micros: 0n }, { months: -1, days: 40, micros: -1n }, { months: 2147483647, days: 0, micros: 0n }],
  uuid: ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
  mz_timestamp: [0n],
  oid: [0, 23],
};

const INT_ARRAY: SqlType = { kind: 'array', element: T.int4 };

/** A concrete type for a parameter (polymorphic ones instantiated with int4). */
function concrete(p: Param): SqlType {
  if (p.kind !== 'poly') return p;
  switch (p.poly) {
    case 'anyarray':
      return INT_ARRAY;
    case 'anylist':
      return { kind: 'list', element: T.int4 };
    case 'anymap':
      return { kind: 'map', value: T.int4 };
    default:
      return T.int4;
  }
}

function samplesOf(t: SqlType): Datum[] {
  switch (t.kind) {
    case 'array':
      return t.element.kind === 'text'
        ? [new ArrayValue([], []), new ArrayValue(['a', null, '0'], [3])]
        : [new ArrayValue([], []), new ArrayValue([1, null, 3], [3]), new ArrayValue([1, 2, 3, 4], [2, 2], [0, 1])];
    case 'list':
      return [new ListValue([]), new ListValue([1, null])];
    case 'map':
      return [new MapValue([]), new MapValue([['a', 1]])];
    default:
      return SAMPLES[t.kind] ?? [null];
  }
}

test('every overload either returns or throws SqlError on edge-case input', () => {
  let calls = 0;
  const failures: string[] = [];
  for (const { key, overload } of listOverloads()) {
    if (key.startsWith('agg ') || overload.table) continue;
    const params = [...overload.params, ...(overload.variadic ? [overload.variadic, overload.variadic] : [])];
    const types = params.map(concrete);
    const returnType = typeof overload.returns === 'function' ? overload.returns(types) : overload.returns;
    const evaluate = instantiate({ overload, argTypes: types, returnType });
    const pools = types.map(samplesOf);
    const combos = Math.max(1, ...pools.map((p) => p.length)) * 3;
    for (let c = 0; c < combos; c++) {
      const args = pools.map((pool, i) => pool[(c * (i + 1) + Math.floor(c / (i + 1))) % pool.length]!);
      if (overload.strict !== false && args.some((a) => a === null)) continue;
      calls++;
      try {
        evaluate(args);
      } catch (err) {
        if (!(err instanceof SqlError)) failures.push(`${key} ${overload.name}(${args.map((a) => String(a)).join(', ')}) threw ${String(err)}`);
      }
    }
  }
  assert.deepEqual(failures.slice(0, 30), []);
  assert.ok(calls > 1000);
});

test('table functions and casts only throw SqlErrors', () => {
  const failures: string[] = [];
  const attempt = (what: string, f: () => unknown) => {
    try {
      f();
    } catch (err) {
      if (!(err instanceof SqlError)) failures.push(`${what} threw ${String(err)}`);
    }
  };
  for (const { key, overload } of listOverloads()) {
    if (!overload.table) continue;
    const types = overload.params.map(concrete);
    const rows = overload.table(types, UTC_SESSION);
    const pools = types.map(samplesOf);
    for (let c = 0; c < 12; c++) {
      const args = pools.map((pool, i) => pool[(c + i) % pool.length]!);
      // Only the first rows: a series to 2^31 is valid, just long.
      attempt(`${key}(${args.map(String).join(', ')})`, () => {
        let n = 0;
        for (const _row of rows(args)) if (++n > 100) break;
      });
    }
  }
  const kinds = Object.keys(SAMPLES).map((k) => ({ kind: k }) as SqlType);
  const targets = [...kinds, { kind: 'varchar', length: 1 } as SqlType, { kind: 'numeric', precision: 3, scale: 1 } as SqlType, INT_ARRAY];
  for (const from of [...kinds, INT_ARRAY]) {
    for (const to of targets) {
      const cast = resolveCast(from, to, 'explicit');
      if (!cast) continue;
      for (const v of samplesOf(from)) attempt(`cast ${from.kind} -> ${to.kind} (${String(v)})`, () => cast.eval([v]));
    }
  }
  assert.deepEqual(failures.slice(0, 30), []);
});
