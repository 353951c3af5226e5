import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareDatums, datumEquals, datumKey, rowHash, rowKey, rowKeyEquals } from '../../src/repr/compare.js';
import { parseJsonb } from '../../src/repr/jsonb.js';
import { Decimal } from '../../src/repr/numeric.js';
import { ArrayValue, ListValue, MapValue, RecordValue, type Datum, type Row } from '../../src/repr/types.js';

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

function assertOrdered(values: Datum[]): void {
  for (let i = 0; i < values.length; i++) {
    for (let j = 0; j < values.length; j++) {
      assert.equal(sign(compareDatums(values[i]!, values[j]!)), sign(i - j), `${i} vs ${j}`);
    }
  }
}

test('scalar ordering follows PostgreSQL', () => {
  assertOrdered([-Infinity, -1.5, 0, 2, Infinity, NaN, null]);
  assert.equal(compareDatums(-0, 0), 0);
  assert.equal(compareDatums(NaN, NaN), 0);
  assertOrdered([-5n, 0n, 9223372036854775807n, null]);
  assertOrdered([false, true, null]);
  // C collation: by code point, astral characters after U+FFFF.
  assertOrdered(['', 'A', 'Z', 'a', 'ab', 'b', '\uffff', '😀']);
  assertOrdered([new Decimal(-1), new Decimal('1.5'), new Decimal(Infinity), new Decimal(NaN)]);
  assert.equal(compareDatums(new Decimal('1.0'), new Decimal('1.00')), 0);
  assertOrdered([Uint8Array.of(), Uint8Array.of(0), Uint8Array.of(0, 1), Uint8Array.of(1)]);
  // intervals compare with 30-day months and 24-hour days
  assert.equal(compareDatums({ months: 1, days: 0, micros: 0n }, { months: 0, days: 30, micros: 0n }), 0);
  assert.equal(compareDatums({ months: 0, days: 1, micros: 0n }, { months: 0, days: 0, micros: 86_400_000_000n }), 0);
  assertOrdered([{ months: 0, days: 0, micros: -1n }, { months: 0, days: 29, micros: 0n }, { months: 1, days: 0, micros: 1n }]);
  assert.ok(datumEquals(null, null));
  assert.ok(!datumEquals(null, 0));
});

test('jsonb ordering: object > array > boolean > number > string > null', () => {
  const j = (s: string): Datum => parseJsonb(s);
  assertOrdered([j('null'), j('"a"'), j('"b"'), j('1'), j('2.5'), j('false'), j('true'), j('{}'), j('{"a": 1}')]);
  assertOrdered([j('[]'), j('[1]'), j('[2]'), j('[1, 2]'), j('{"a": 1}'), j('{"b": 1}'), j('{"a": 1, "b": 2}')]);
  // raw scalars against arrays: by element count first, at one element the scalar first
  assertOrdered([j('[]'), j('5'), j('[1]'), j('[1, 2]')]);
  assert.equal(compareDatums(j('1.0'), j('1')), 0);
  assert.equal(datumKey(j('{"a": [1.0]}')), datumKey(j('{"a": [1]}')));
});

test('composite ordering', () => {
  assertOrdered([new ArrayValue([1, 2], [2]), new ArrayValue([1, 2, 0], [3]), new ArrayValue([1, 3], [2]), new ArrayValue([1, null], [2])]);
  assert.notEqual(compareDatums(new ArrayValue([1, 2], [2]), new ArrayValue([1, 2], [2], [0])), 0);
  assertOrdered([new ListValue([]), new ListValue([1]), new ListValue([1, 1]), new ListValue([2])]);
  assertOrdered([new RecordValue([1, 'a']), new RecordValue([1, 'b']), new RecordValue([1, null]), new RecordValue([2, 'a'])]);
  assertOrdered([new MapValue([['a', 1]]), new MapValue([['a', 1], ['b', 0]]), new MapValue([['b', 0]])]);
});

// ---------------------------------------------------------------------------
// Randomized: compareDatums(a, b) === 0 exactly when keys are equal.

let seed = 12345;
function rand(n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}
function pick<T>(xs: readonly T[]): T {
  return xs[rand(xs.length)]!;
}

type Gen = () => Datum;
const withNull = (g: Gen): Gen => () => (rand(6) === 0 ? null : g());
const generators: Record<string, Gen> = {
  int: withNull(() => rand(5) - 2),
  float: withNull(() => pick([0, -0, 1.5, -1.5, NaN, Infinity, -Infinity, 1e-300, 2])),
  bigint: withNull(() => BigInt(rand(5) - 2)),
  text: withNull(() => pick(['', 'a', 'b', 'ab', 'a;', '1:', '1:a', 'N;', ';', '😀', '\uffff'])),
  bool: withNull(() => rand(2) === 0),
  numeric: withNull(() => new Decimal(pick(['1', '1.0', '1.00', '-0', '0', '2.5', 'NaN', '1e3', '1000']))),
  bytea: withNull(() => Uint8Array.from(Array.from({ length: rand(3) }, () => rand(3)))),
  interval: withNull(() => ({ months: rand(3) - 1, days: pick([0, 30, -30, 1]), micros: pick([0n, 86_400_000_000n, -1n]) })),
  jsonb: withNull(() => parseJsonb(pick(['1', '1.0', '[1, 1.00]', '[1]', '{"a": 1}', '{"a": 1.0}', '"x"', 'null', 'true', '[]', '{}', '"1"']))),
  list: withNull(() => new ListValue(Array.from({ length: rand(3) }, () => pick([1, 2, null])))),
  array: withNull(() => {
    const n = rand(3);
    return new ArrayValue(Array.from({ length: n }, () => pick(['a', 'b', null])), n === 0 ? [] : [n], n === 0 ? [] : [pick([1, 1, 0])]);
  }),
  map: withNull(() => new MapValue(pick([[], [['a', 1]], [['a', 2]], [['a', 1], ['b', null]]] as Array<Array<[string, Datum]>>))),
  record: withNull(() => new RecordValue([pick([1, 2, null]), pick(['x', 'y;', null])])),
};

/** 60 random rows of (gen, text, gen): the type under test on both sides of a text column. */
function randomRows(gen: Gen): Row[] {
  const schema = [gen, generators.text!, gen];
  return Array.from({ length: 60 }, () => schema.map((g) => g()));
}

test('randomized: compare === 0 iff rowKey equal; ordering is antisymmetric and transitive', () => {
  for (const [name, gen] of Object.entries(generators)) {
    const rows = randomRows(gen);
    for (const a of rows) {
      for (const b of rows) {
        const c = a.reduce<number>((acc, v, i) => (acc !== 0 ? acc : compareDatums(v, b[i]!)), 0);
        const reverse = b.reduce<number>((acc, v, i) => (acc !== 0 ? acc : compareDatums(v, a[i]!)), 0);
        assert.equal(sign(c) + sign(reverse), 0, name);
        assert.equal(c === 0, rowKey(a) === rowKey(b), `${name}: ${rowKey(a)} vs ${rowKey(b)}`);
      }
    }
    const sorted = [...rows].sort((x, y) => compareDatums(x[0]!, y[0]!));
    for (let i = 1; i < sorted.length; i++) assert.ok(compareDatums(sorted[i - 1]![0]!, sorted[i]![0]!) <= 0, name);
  }
});

test('randomized: rowKeyEquals iff rowKey equal, and equal rows hash alike', () => {
  for (const [name, gen] of Object.entries(generators)) {
    const rows = randomRows(gen);
    for (const a of rows) {
      for (const b of rows) {
        const equal = rowKey(a) === rowKey(b);
        assert.equal(rowKeyEquals(a, b), equal, `${name}: ${rowKey(a)} vs ${rowKey(b)}`);
        if (equal) assert.equal(rowHash(a), rowHash(b), `${name}: ${rowKey(a)}`);
      }
    }
  }
  assert.ok(rowKeyEquals([-0, NaN, new Decimal('1.50')], [0, NaN, new Decimal('1.5')]));
  assert.equal(rowHash([-0, NaN, new Decimal('1.50')]), rowHash([0, NaN, new Decimal('1.5')]));
  assert.ok(!rowKeyEquals([1], [1, null]));
  // Hashes spread: distinct small integer rows rarely share a hash.
  const hashes = new Set<number>();
  for (let i = 0; i < 10000; i++) hashes.add(rowHash([i % 100, Math.floor(i / 100)]));
  assert.ok(hashes.size > 9990, `${hashes.size} distinct hashes`);
});

test('row keys distinguish column boundaries', () => {
  assert.notEqual(rowKey(['a', 'bc']), rowKey(['ab', 'c']));
  assert.notEqual(rowKey([null, 'x']), rowKey(['N;', 'x'].slice(1)));
  assert.notEqual(rowKey([1, 23]), rowKey([12, 3]));
  assert.equal(rowKey([-0, new Decimal('1.50')]), rowKey([0, new Decimal('1.5')]));
  assert.equal(datumKey(new Decimal('1.0')), datumKey(new Decimal('1')));
  assert.notEqual(datumKey(new ListValue([new ListValue([1]), 2])), datumKey(new ListValue([new ListValue([1, 2])])));
});

test('mismatched representations order by kind instead of throwing', () => {
  assert.equal(compareDatums(true, 'a'), -1);
  assert.equal(compareDatums('a', 1), 1);
  assert.equal(compareDatums(1, 1n), 0);
  assert.equal(compareDatums(new ListValue([]), new Decimal(1)), 1);
});
