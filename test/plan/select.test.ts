import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeCatalog, int4, sampleCatalog, text } from './harness.js';

const db = sampleCatalog();

test('simple select, where, expressions', () => {
  assert.deepEqual(db.check('SELECT a, b FROM t WHERE a > 1'), [['2', 'y'], ['3', null]]);
  assert.deepEqual(db.check('SELECT a + 1 AS x FROM t WHERE b IS NOT NULL ORDER BY 1'), [['2'], ['3'], [null]]);
  assert.deepEqual(db.check('SELECT 1, 2.5, \'abc\''), [['1', '2.5', 'abc']]);
});

test('output column names follow PostgreSQL', () => {
  const p = db.plan("SELECT a, t.b, a + 1, count(*), 1::int8, CASE WHEN true THEN 1 END, coalesce(a, 0), 'x' AS y FROM t GROUP BY a, b");
  assert.deepEqual(
    p.desc.columns.map((c) => c.name),
    ['a', 'b', '?column?', 'count', 'int8', 'case', 'coalesce', 'y'],
  );
  assert.equal(p.desc.columns[7]!.type.kind, 'text');
});

test('star and qualified star', () => {
  assert.deepEqual(db.check('SELECT * FROM t WHERE a = 1'), [['1', 'x']]);
  assert.deepEqual(db.check('SELECT s.*, t.b FROM t, s WHERE t.a = s.a AND s.c = 20'), [['2', '20', 'y']]);
});

test('order by, limit, offset', () => {
  assert.deepEqual(db.query('SELECT a FROM t ORDER BY a DESC'), [[null], ['3'], ['2'], ['1']]);
  assert.deepEqual(db.query('SELECT a FROM t ORDER BY a NULLS FIRST LIMIT 2'), [[null], ['1']]);
  assert.deepEqual(db.query('SELECT b FROM t ORDER BY a LIMIT 2 OFFSET 1'), [['y'], [null]]);
  // Sorting by a column not in the select list.
  assert.deepEqual(db.query('SELECT b FROM t WHERE a IS NOT NULL ORDER BY a DESC'), [[null], ['y'], ['x']]);
  const p = db.plan('SELECT b FROM t ORDER BY a');
  assert.deepEqual(p.finishing.project, [0]);
  assert.equal(p.desc.columns.length, 1);
});

test('distinct and distinct on', () => {
  assert.deepEqual(db.check('SELECT DISTINCT a FROM s'), [['1'], ['2'], ['4'], [null]]);
  assert.deepEqual(db.query('SELECT DISTINCT ON (a) a, c FROM s ORDER BY a, c DESC'), [['1', '11'], ['2', '20'], ['4', '40'], [null, '50']]);
  assert.deepEqual(db.check('SELECT * FROM (SELECT DISTINCT ON (a) a, c FROM s ORDER BY a, c DESC) x WHERE a = 1'), [['1', '11']]);
});

test('values and set operations', () => {
  assert.deepEqual(db.check('VALUES (1, \'a\'), (2, NULL)'), [['1', 'a'], ['2', null]]);
  assert.deepEqual(db.check('SELECT a FROM s UNION SELECT a FROM t'), [['1'], ['2'], ['3'], ['4'], [null]]);
  assert.deepEqual(db.check('SELECT a FROM s UNION ALL SELECT x FROM n'), [['1'], ['1'], ['1'], ['2'], ['2'], ['4'], [null], [null]]);
  assert.deepEqual(db.check('SELECT a FROM s EXCEPT SELECT x FROM n'), [['4']]);
  assert.deepEqual(db.check('SELECT a FROM s EXCEPT ALL SELECT x FROM n'), [['1'], ['4']]);
  assert.deepEqual(db.check('SELECT a FROM s INTERSECT SELECT x FROM n'), [['1'], ['2'], [null]]);
  assert.deepEqual(db.check('SELECT a FROM s INTERSECT ALL SELECT a FROM s WHERE c <> 11'), [['1'], ['2'], ['4'], [null]]);
  assert.deepEqual(db.check('SELECT NULL UNION SELECT 1'), [['1'], [null]]);
  assert.deepEqual(db.query('SELECT a FROM s UNION SELECT 7 ORDER BY a DESC LIMIT 2'), [[null], ['7']]);
});

test('output nullability: NOT NULL columns, literals and count stay non-null; outer joins make columns nullable', () => {
  const db2 = new FakeCatalog()
    .table('k', { columns: [['id', int4, true], ['v', text]] })
    .table('m', { columns: [['id', int4, true]] });
  const nullable = (sql: string) => db2.plan(sql).desc.columns.map((c) => c.nullable);
  assert.deepEqual(nullable("SELECT id, v, 1, count(*) OVER (), 'x' FROM k"), [false, true, false, false, false]);
  assert.deepEqual(nullable('SELECT count(*), sum(id) FROM k'), [false, true]);
  assert.deepEqual(nullable('SELECT k.id, m.id FROM k LEFT JOIN m ON k.id = m.id'), [false, true]);
  assert.deepEqual(nullable('SELECT id IS NULL, coalesce(v, \'-\') FROM k'), [false, false]);
});
