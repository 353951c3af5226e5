import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OrderedRowCounts, RowCounts } from '../../src/compute/row-counts.js';
import { rowKey } from '../../src/repr/compare.js';
import { Decimal } from '../../src/repr/numeric.js';
import type { Row } from '../../src/repr/types.js';

let seed = 7;
function rand(n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}

type Table = RowCounts | OrderedRowCounts;

function contents(table: Table): Map<string, number> {
  const out = new Map<string, number>();
  table.forEach((row, count) => {
    assert.ok(!out.has(rowKey(row)), `row ${rowKey(row)} visited twice`);
    assert.notEqual(count, 0);
    out.set(rowKey(row), count);
  });
  return out;
}

for (const [name, make] of [
  ['RowCounts', () => new RowCounts()],
  ['OrderedRowCounts', () => new OrderedRowCounts()],
] as Array<[string, () => Table]>) {
  test(`${name}: random adds and retractions match a map of row keys (growth, deletion runs, shrinking)`, () => {
    for (const universe of [5, 50, 3000]) {
      const table = make();
      const model = new Map<string, number>();
      // Fresh row objects each time: equality must not rely on identity.
      const rowOf = (i: number): Row => [i % 7, `v${i}`, i % 3 === 0 ? null : i / 4];
      for (let step = 0; step < 20000; step++) {
        const i = rand(universe);
        // Early on mostly insertions; later mostly retractions, down to empty.
        const diff = step < 12000 ? (rand(4) === 0 ? -1 : 1) : -(model.get(rowKey(rowOf(i))) ?? 0);
        const key = rowKey(rowOf(i));
        const before = table.add(rowOf(i), diff);
        assert.equal(before, model.get(key) ?? 0);
        const after = before + diff;
        if (after === 0) model.delete(key);
        else model.set(key, after);
        assert.equal(table.size, model.size);
      }
      assert.deepEqual(contents(table), model);
      for (const [key, count] of model) assert.equal(key.length > 0 && count !== 0, true);
    }
  });

  test(`${name}: rows equal by key share an entry (NaN, -0, numeric scale)`, () => {
    const table = make();
    table.add([NaN, -0, new Decimal('1.50')], 2);
    assert.equal(table.add([NaN, 0, new Decimal('1.5')], -1), 2);
    assert.equal(table.size, 1);
    table.add([NaN, 0, new Decimal('1.5')], -1);
    assert.equal(table.size, 0);
    table.add(['a'], 0);
    assert.equal(table.size, 0, 'a zero diff adds nothing');
  });
}

test('RowCounts.count reads without changing', () => {
  const table = new RowCounts();
  table.add([1, 'x'], 3);
  assert.equal(table.count([1, 'x']), 3);
  assert.equal(table.count([1, 'y']), 0);
  table.clear();
  assert.equal(table.size, 0);
  assert.equal(table.count([1, 'x']), 0);
});

test('OrderedRowCounts visits rows in insertion order, across removals and compaction', () => {
  const table = new OrderedRowCounts();
  for (let i = 0; i < 100; i++) table.add([i], 1);
  for (let i = 0; i < 100; i += 3) table.add([i], -1);
  for (let i = 0; i < 60; i++) if (i % 3 !== 0) table.add([i], -1); // many holes: compacts
  table.add([500], 1);
  table.add([7], 1); // re-inserted: goes last
  const order: number[] = [];
  table.forEach((row) => order.push(row[0] as number));
  const expected = [];
  for (let i = 60; i < 100; i++) if (i % 3 !== 0) expected.push(i);
  expected.push(500, 7);
  assert.deepEqual(order, expected);
});
