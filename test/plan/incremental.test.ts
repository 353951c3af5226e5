// Differential test: views maintained incrementally by the compute engine
// must hold, at every time, what the unoptimized plan computes from scratch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Row } from '../../src/repr/types.js';
import type { RelExpr } from '../../src/plan/mir.js';
import { createComputeController } from '../../src/compute/controller.js';
import type { Update } from '../../src/compute/api.js';
import { optimize } from '../../src/optimize/optimizer.js';
import { rowKey } from '../../src/repr/compare.js';
import { FakeCatalog, int4, text } from './harness.js';

const QUERIES = [
  'SELECT t.a, b, c FROM t LEFT JOIN s ON t.a = s.a',
  'SELECT t.a, s.a FROM t FULL JOIN s ON t.a = s.a AND c > 2',
  'SELECT a, (SELECT sum(c) FROM s WHERE s.a = t.a) FROM t',
  'SELECT a, (SELECT DISTINCT c FROM s WHERE s.a = t.a AND c = 1) FROM t',
  'SELECT a FROM t WHERE a NOT IN (SELECT a FROM s)',
  'SELECT a, a IN (SELECT c FROM s) FROM t',
  'SELECT a FROM t WHERE EXISTS (SELECT 1 FROM s WHERE s.c = t.a)',
  'SELECT a FROM t EXCEPT SELECT c FROM s',
  'SELECT a FROM t INTERSECT ALL SELECT a FROM s',
  'SELECT a FROM t EXCEPT ALL SELECT c FROM s',
  'SELECT count(*), sum(a), max(b) FROM t',
  'SELECT count(*), min(c) FROM s WHERE c > 2',
  'SELECT a, count(DISTINCT b) FROM t GROUP BY a HAVING count(*) > 1',
  'SELECT DISTINCT ON (a) a, c FROM s ORDER BY a, c DESC',
  'SELECT t.a, l.c FROM t, LATERAL (SELECT c FROM s WHERE s.a = t.a ORDER BY c LIMIT 1) l',
  'SELECT a, b FROM t WHERE b > ALL (SELECT b FROM t t2 WHERE t2.a < t.a)',
  'SELECT a, b, c FROM t LEFT JOIN s USING (a) WHERE c IS NULL OR c > 1',
  'SELECT a, EXISTS (SELECT 1 FROM s WHERE s.a = t.a), NOT EXISTS (SELECT 1 FROM s WHERE s.c = t.a) FROM t',
  'SELECT a FROM t WHERE a > (SELECT avg(c) FROM s WHERE s.a IS NOT NULL)',
  'SELECT a FROM t UNION SELECT c FROM s',
  'SELECT b, count(*) FROM t WHERE a IN (SELECT a FROM s WHERE c IN (SELECT a FROM t t2 WHERE t2.b = t.b)) GROUP BY b',
  'SELECT (SELECT count(*) FROM s WHERE s.a = t.a), a FROM t',
  'SELECT a, c FROM s WHERE (a, c) NOT IN (SELECT a, a FROM t)',
  'SELECT a, c, row_number() OVER (PARTITION BY a ORDER BY c), sum(c) OVER (ORDER BY c) FROM s',
  'SELECT x.a, y.c FROM (SELECT a FROM t ORDER BY a LIMIT 3) x JOIN s y ON x.a = y.a',
];

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function multiset(updates: Update[]): string[] {
  const out: string[] = [];
  for (const u of updates) for (let i = 0; i < u.diff; i++) out.push(rowKey(u.row));
  return out.sort();
}

function rowsMultiset(rows: Row[]): string[] {
  return rows.map(rowKey).sort();
}

test('maintained views equal from-scratch evaluation at every time', () => {
  const db = new FakeCatalog()
    .table('t', { columns: [['a', int4], ['b', text]] })
    .table('s', { columns: [['a', int4], ['c', int4]] });
  const tId = db.items.get('t')!.id;
  const sId = db.items.get('s')!.id;
  for (const [qi, sql] of QUERIES.entries()) {
    const planned = db.plan(sql);
    const outputs = planned.finishing.project;
    const view: RelExpr = { op: 'project', input: planned.plan, outputs };
    const compute = createComputeController();
    compute.createInput(tId, db.items.get('t')!.desc!);
    compute.createInput(sId, db.items.get('s')!.desc!);
    compute.createMaintained('v', optimize(view));
    const next = random(qi + 1);
    const value = (): number | null => (next() < 0.15 ? null : Math.floor(next() * 4));
    const word = (): string | null => (next() < 0.15 ? null : ['p', 'q', 'r'][Math.floor(next() * 3)]!);
    const contents = new Map<string, Row[]>([[tId, []], [sId, []]]);
    for (let time = 1; time <= 12; time++) {
      const changes = [tId, sId].map((id) => {
        const current = contents.get(id)!;
        const updates: Update[] = [];
        for (let k = 0; k < 3; k++) {
          if (current.length > 0 && next() < 0.35) {
            const [row] = current.splice(Math.floor(next() * current.length), 1);
            updates.push({ row: row!, diff: -1 });
          } else {
            const row: Row = id === tId ? [value(), word()] : [value(), value()];
            current.push(row);
            updates.push({ row, diff: 1 });
          }
        }
        return { id, updates };
      });
      compute.applyUpdates(changes, time);
      let maintained: string[];
      let scratch: string[];
      try {
        maintained = multiset(compute.snapshot('v'));
        scratch = rowsMultiset(compute.peek(view));
      } catch (err) {
        throw new Error(`${sql} at time ${time}: ${String(err)}`);
      }
      assert.deepEqual(maintained, scratch, `${sql} at time ${time}`);
    }
    compute.drop('v');
  }
});

test('mz_now() in WHERE makes a temporal filter', () => {
  const db = new FakeCatalog().table('ev', { columns: [['id', int4], ['t', { kind: 'int8' }]] });
  const planned = db.plan('SELECT id FROM ev WHERE mz_now() < t + 100');
  const compute = createComputeController();
  const item = db.items.get('ev')!;
  compute.createInput(item.id, item.desc!);
  compute.createMaintained('v', optimize({ op: 'project', input: planned.plan, outputs: planned.finishing.project }));
  compute.applyUpdates([{ id: item.id, updates: [{ row: [1, 1000n], diff: 1 }, { row: [2, 2000n], diff: 1 }] }], 1000);
  assert.deepEqual(multiset(compute.snapshot('v')), [rowKey([1]), rowKey([2])]);
  compute.advanceTo(1150);
  assert.deepEqual(multiset(compute.snapshot('v')), [rowKey([2])]);
});
