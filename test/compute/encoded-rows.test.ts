import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EncodedArrangement, EncodedRows } from '../../src/compute/encoded-rows.js';
import { CollectionState } from '../../src/compute/collection.js';
import { compileGroupKey } from '../../src/compute/zset.js';
import { rowKey } from '../../src/repr/compare.js';
import type { Datum, Row } from '../../src/repr/types.js';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const DATUMS: Datum[] = [null, true, false, 0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 1.5, NaN, Infinity, 12345678901n, -(2n ** 63n), '', 'a', 'name-1', 'é', '日本', 'x'.repeat(300)];

function contents(visit: (f: (row: Row, count: number) => void) => void): Map<string, number> {
  const out = new Map<string, number>();
  visit((row, count) => out.set(rowKey(row), (out.get(rowKey(row)) ?? 0) + count));
  return out;
}

test('EncodedRows keeps the same multiset as a reference, through removals, compaction and snapshots', () => {
  const next = random(7);
  const rows = new EncodedRows();
  const reference = new Map<string, { row: Row; count: number }>();
  let snapshot = rows.snapshot();
  let snapshotReference = new Map<string, number>();
  for (let step = 0; step < 20_000; step++) {
    const row: Row = [DATUMS[Math.floor(next() * DATUMS.length)]!, Math.floor(next() * 50), DATUMS[Math.floor(next() * DATUMS.length)]!];
    const key = rowKey(row);
    const present = reference.get(key)?.count ?? 0;
    const diff = present > 0 && next() < 0.55 ? -present : 1 + Math.floor(next() * 2);
    assert.equal(rows.add(row, diff), true);
    const count = present + diff;
    if (count === 0) reference.delete(key);
    else reference.set(key, { row, count });
    if (step % 997 === 0) {
      // The previous snapshot still reads what it captured.
      const seen = new Map<string, number>();
      for (let i = 0; i < snapshot.length; i++) if (snapshot.count(i) !== 0) seen.set(rowKey(snapshot.row(i)), snapshot.count(i));
      assert.deepEqual(seen, snapshotReference);
      snapshot = rows.snapshot();
      snapshotReference = new Map([...reference].map(([k, v]) => [k, v.count]));
    }
  }
  assert.equal(rows.size, reference.size);
  assert.deepEqual(
    contents((f) => rows.forEach(f)),
    new Map([...reference].map(([k, v]) => [k, v.count])),
  );
});

test('EncodedRows decodes every datum exactly and refuses what it cannot encode canonically', () => {
  const rows = new EncodedRows();
  const row: Row = [null, true, false, 7, -2.5, NaN, 9007199254740993n, 'plain', 'ünïcödé ☃', ''];
  assert.equal(rows.add(row, 1), true);
  const back: Row[] = [];
  rows.forEach((r) => back.push(r));
  assert.deepEqual(back, [row]);
  assert.equal(rows.add([-0, null, null, null, null, null, null, null, null, null], 1), false);
  assert.equal(rows.add([{ kind: 'not a primitive' } as unknown as Datum], 1), false);
  assert.equal(rows.size, 1);
});

test('a collection falls back to row objects on a row the encoding cannot hold, keeping its contents', () => {
  const state = new CollectionState();
  state.apply([{ row: [1, 'a'], diff: 1 }, { row: [2, 'b'], diff: 2 }], []);
  state.apply([{ row: [-0, 'c'], diff: 1 }, { row: [2, 'b'], diff: -1 }], []);
  const got = state.contents().map((u): [Row, number] => [u.row, u.diff]);
  assert.deepEqual(got, [
    [[1, 'a'], 1],
    [[2, 'b'], 1],
    [[-0, 'c'], 1],
  ]);
  assert.equal(Object.is(got[2]![0]![0], -0), true);
  assert.equal(state.totalCount, 3);
});

test('EncodedArrangement finds rows by key columns through updates, removals and compaction', () => {
  const next = random(11);
  const arrangement = new EncodedArrangement([2, 0]);
  const reference = new Map<string, number>();
  for (let step = 0; step < 20_000; step++) {
    const row: Row = [Math.floor(next() * 30), DATUMS[Math.floor(next() * DATUMS.length)]!, next() < 0.5 ? 'k' : null];
    const key = rowKey(row);
    const present = reference.get(key) ?? 0;
    const diff = present > 0 && next() < 0.6 ? -present : 1;
    assert.equal(arrangement.update(row, diff), undefined);
    if (present + diff === 0) reference.delete(key);
    else reference.set(key, present + diff);
  }
  assert.deepEqual(
    contents((f) => arrangement.forEach(f)),
    reference,
  );
  for (const k of ['k', null]) {
    for (let a = 0; a < 30; a++) {
      const found = contents((f) => arrangement.forEachInGroup([k, a], f));
      for (const [key, count] of found) assert.equal(reference.get(key), count);
      let n = 0;
      arrangement.forEach((row) => {
        if (row[0] === a && row[2] === k) n++;
      });
      assert.equal(found.size, n);
    }
  }
});

test('an index whose key holds many rows moves to row objects and still looks up', () => {
  const keyOf = compileGroupKey([(row: Row) => row[0] ?? null]);
  const state = new CollectionState(keyOf, [0]);
  const updates = Array.from({ length: 500 }, (_, i) => ({ row: [i % 3, `v${i}`] as Row, diff: 1 }));
  state.apply(updates, []);
  state.apply([{ row: [1, 'v1'], diff: -1 }], []);
  assert.equal(state.lookup([1]).length, 166);
  assert.equal(state.lookup([0]).length, 167);
  assert.equal(state.totalCount, 499);
});

test('an encoded index looks up typed keys exactly (-0 as 0; strings, bigints)', () => {
  const keyOf = compileGroupKey([(row: Row) => row[1] ?? null]);
  const state = new CollectionState(keyOf, [1]);
  state.apply(
    [
      { row: [1n, 0], diff: 1 },
      { row: [2n, 'x'], diff: 1 },
      { row: [3n, 'x'], diff: 2 },
    ],
    [],
  );
  assert.deepEqual(
    state.lookup([-0]).map((u) => u.row),
    [[1n, 0]],
  );
  assert.deepEqual(
    state
      .lookup(['x'])
      .map((u) => [u.row[0], u.diff])
      .sort(),
    [
      [2n, 1],
      [3n, 2],
    ],
  );
  assert.deepEqual(state.lookup(['y']), []);
});
