import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optimize } from '../../src/optimize/optimizer.js';
import { explainPlan } from '../../src/plan/planner.js';
import type { RelExpr, ScalarExpr } from '../../src/plan/mir.js';
import { sampleCatalog } from '../plan/harness.js';

const db = sampleCatalog();

function optimized(sql: string): string {
  return explainPlan(optimize(db.plan(sql).plan));
}

test('filters on joined columns become equivalences with IS NOT NULL filters pushed down', () => {
  const text = optimized('SELECT t.b, s.c FROM t, s WHERE t.a = s.a AND s.c > 10');
  assert.match(text, /Join on=\(\(#0, #2\)\)/);
  assert.doesNotMatch(text, /CrossJoin/);
  assert.match(text, /Filter \(#0\) IS NOT NULL\n\s+Get u1/);
});

test('constant folding and constant-false filters', () => {
  assert.equal(optimized('SELECT 1 + 2'), 'Constant\n  - (3)\n');
  assert.equal(optimized('SELECT a FROM t WHERE 1 = 2'), 'Constant <empty>\n');
  assert.equal(optimized('SELECT a FROM t WHERE NULL'), 'Constant <empty>\n');
  // An error is not raised at optimization time: it belongs to run time, if a row reaches it.
  assert.match(optimized('SELECT a / 0 FROM t'), /Map/);
  assert.equal(optimized('SELECT count(*) FROM empty WHERE false'), 'Constant\n  - (0)\n');
});

test('map, filter and project fuse; identity projections vanish', () => {
  const text = optimized('SELECT a FROM (SELECT a, b FROM (SELECT * FROM t) x WHERE a > 1) y WHERE a < 3');
  assert.equal(text.split('\n').filter((l) => l.trim().startsWith('Filter')).length, 1);
  assert.equal(optimized('SELECT * FROM t'), 'Get u1\n');
});

test('filters are pushed through unions and projections', () => {
  const text = optimized('SELECT * FROM (SELECT a FROM t UNION ALL SELECT a FROM s) u WHERE a = 2');
  const lines = text.split('\n');
  assert.equal(lines[0], 'Union');
  assert.ok(lines.filter((l) => l.includes('Filter')).length === 2);
});

test('optimized and unoptimized plans agree', () => {
  for (const sql of [
    'SELECT t.a, b, c FROM t LEFT JOIN s ON t.a = s.a WHERE c IS NULL OR c > 10',
    'SELECT a, count(*) FROM s GROUP BY a HAVING a > 1',
    'SELECT a FROM t WHERE a NOT IN (SELECT a FROM s)',
    'SELECT DISTINCT b FROM t, s WHERE t.a = s.a OR s.c = 50',
    'SELECT a FROM t WHERE a IS NOT DISTINCT FROM NULL',
    'SELECT x, a FROM n LEFT JOIN t ON x IS NOT DISTINCT FROM a',
  ]) {
    db.check(sql);
  }
});

test('filters move below top-k (on its group key) and flatMap (on input columns)', () => {
  const topk = optimized('SELECT * FROM (SELECT DISTINCT ON (a) a, c FROM s ORDER BY a, c) x WHERE a = 1');
  assert.match(topk, /TopK[^\n]*\n\s+Filter/);
  assert.deepEqual(db.check('SELECT * FROM (SELECT DISTINCT ON (a) a, c FROM s ORDER BY a, c) x WHERE a = 1'), [['1', '10']]);
  const flat = optimized('SELECT a, g FROM t, generate_series(1, 2) g WHERE a = 2');
  assert.match(flat, /FlatMap[^\n]*\n\s+Filter/);
  assert.deepEqual(db.check('SELECT a, g FROM t, generate_series(1, 2) g WHERE a = 2'), [['2', '1'], ['2', '2']]);
});

test('columns nothing reads are projected away below joins and reduces', () => {
  const text = optimized('SELECT count(*) FROM t JOIN s ON t.a = s.a');
  assert.match(text, /Project \(#0\)\n\s+Get u1/);
  assert.match(text, /Project \(#0\)\n\s+Get u2/);
  assert.deepEqual(db.check('SELECT count(*) FROM t JOIN s ON t.a = s.a'), [['3']]);
});

test('let bindings used once are inlined', () => {
  const get: RelExpr = { op: 'get', id: 'u1', desc: { columns: [{ name: 'a', type: { kind: 'int4' }, nullable: true }] } };
  const col: ScalarExpr = { kind: 'column', index: 0, type: { kind: 'int4' } };
  const value: RelExpr = { op: 'distinct', input: get };
  const plan: RelExpr = {
    op: 'let',
    name: 'x',
    value,
    body: { op: 'filter', input: { op: 'getLocal', name: 'x', desc: { columns: [] } }, predicates: [{ kind: 'call', func: { name: 'isnull', strict: false, eval: (args) => args[0] === null }, args: [col], type: { kind: 'bool' } }] },
  };
  assert.equal(explainPlan(optimize(plan)), 'Distinct\n  Filter isnull(#0)\n    Get u1\n');
});
