import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleCatalog, planError } from './harness.js';

const db = sampleCatalog();

test('uncorrelated scalar, EXISTS and IN subqueries', () => {
  assert.deepEqual(db.check('SELECT (SELECT max(c) FROM s)'), [['50']]);
  assert.deepEqual(db.check('SELECT a FROM t WHERE a = (SELECT min(a) FROM s)'), [['1']]);
  assert.deepEqual(db.check('SELECT (SELECT a FROM empty)'), [[null]]);
  assert.deepEqual(db.check('SELECT a FROM t WHERE EXISTS (SELECT 1 FROM s WHERE c = 40)'), [['1'], ['2'], ['3'], [null]]);
  assert.deepEqual(db.check('SELECT a FROM t WHERE a IN (SELECT a FROM s)'), [['1'], ['2']]);
});

test('NOT IN with NULLs (PostgreSQL answers)', () => {
  // s.a contains NULL: NOT IN is never true.
  assert.deepEqual(db.check('SELECT a FROM t WHERE a NOT IN (SELECT a FROM s)'), []);
  assert.deepEqual(db.check('SELECT a FROM t WHERE a NOT IN (SELECT a FROM s WHERE a IS NOT NULL)'), [['3']]);
  assert.deepEqual(db.check('SELECT a, a IN (SELECT a FROM s) FROM t'), [['1', 't'], ['2', 't'], ['3', null], [null, null]]);
  assert.deepEqual(db.check('SELECT a, a NOT IN (SELECT x FROM n WHERE x > 5) FROM t'), [['1', 't'], ['2', 't'], ['3', 't'], [null, 't']]);
  assert.deepEqual(db.check('SELECT a, a IN (1, NULL) FROM t'), [['1', 't'], ['2', null], ['3', null], [null, null]]);
});

test('ANY / ALL', () => {
  assert.deepEqual(db.check('SELECT a, a > ALL (SELECT x FROM n WHERE x IS NOT NULL) FROM t'), [['1', 'f'], ['2', 'f'], ['3', 't'], [null, null]]);
  assert.deepEqual(db.check('SELECT a, a < ANY (SELECT x FROM n) FROM t'), [['1', 't'], ['2', null], ['3', null], [null, null]]);
  assert.deepEqual(db.check('SELECT a = ANY (ARRAY[1, 2]), a = ALL (ARRAY[1]) FROM t'), [['f', 'f'], ['t', 'f'], ['t', 't'], [null, null]]);
});

test('correlated subqueries are decorrelated', () => {
  assert.deepEqual(db.check('SELECT a, (SELECT sum(c) FROM s WHERE s.a = t.a) FROM t'), [['1', '21'], ['2', '20'], ['3', null], [null, null]]);
  assert.deepEqual(db.check('SELECT a, (SELECT count(*) FROM s WHERE s.a = t.a) FROM t'), [['1', '2'], ['2', '1'], ['3', '0'], [null, '0']]);
  assert.deepEqual(db.check('SELECT a FROM t WHERE EXISTS (SELECT 1 FROM s WHERE s.a = t.a AND c > 10)'), [['1'], ['2']]);
  assert.deepEqual(db.check('SELECT a FROM t WHERE NOT EXISTS (SELECT 1 FROM s WHERE s.a = t.a)'), [['3'], [null]]);
  assert.deepEqual(db.check('SELECT a FROM t WHERE b IN (SELECT b FROM t t2 WHERE t2.a >= t.a)'), [['1'], ['2']]);
  // Two levels of nesting, referencing the outermost query.
  assert.deepEqual(
    db.check('SELECT a FROM t WHERE EXISTS (SELECT 1 FROM s WHERE s.a = t.a AND EXISTS (SELECT 1 FROM n WHERE n.x = t.a))'),
    [['1'], ['2']],
  );
  // Correlated subquery in the select list of a grouped query.
  assert.deepEqual(db.check('SELECT a, (SELECT count(*) FROM n WHERE n.x <= s.a) FROM s GROUP BY a'), [['1', '1'], ['2', '2'], ['4', '2'], [null, '0']]);
});

test('LATERAL and table functions', () => {
  assert.deepEqual(
    db.check('SELECT t.a, l.c FROM t, LATERAL (SELECT c FROM s WHERE s.a = t.a ORDER BY c DESC LIMIT 1) l'),
    [['1', '11'], ['2', '20']],
  );
  assert.deepEqual(db.check('SELECT * FROM generate_series(1, 3) AS g'), [['1'], ['2'], ['3']]);
  assert.deepEqual(db.check('SELECT a, g FROM t, generate_series(1, t.a) g WHERE a < 3'), [['1', '1'], ['2', '1'], ['2', '2']]);
  assert.deepEqual(db.check('SELECT * FROM generate_series(5, 6) WITH ORDINALITY'), [['5', '1'], ['6', '2']]);
  assert.deepEqual(db.check("SELECT u, x.x FROM upper('abc') AS u, upper('d') AS x"), [['ABC', 'D']]);
});

test('scalar subquery returning more than one row fails at run time', () => {
  assert.deepEqual(db.check('SELECT (SELECT c FROM s WHERE s.a = t.a) FROM t WHERE t.a > 1'), [['20'], [null]]);
  assert.throws(() => db.query('SELECT (SELECT c FROM s WHERE s.a = t.a) FROM t'), /more than one row returned/);
  assert.throws(() => db.query('SELECT (SELECT c FROM s)'), (err: Error & { code?: string }) => {
    assert.equal(err.code, '21000');
    assert.equal(err.message, 'more than one row returned by a subquery used as an expression');
    return true;
  });
  const e = planError(db, 'SELECT (SELECT a, c FROM s)');
  assert.equal(e.message, 'subquery must return only one column');
});

test('CTEs and views', () => {
  assert.deepEqual(db.check('WITH big AS (SELECT * FROM s WHERE c > 15) SELECT a FROM big WHERE a IS NOT NULL'), [['2'], ['4']]);
  assert.deepEqual(db.check('WITH x(k) AS (SELECT a FROM t), y AS (SELECT k FROM x WHERE k > 1) SELECT * FROM y'), [['2'], ['3']]);
  db.view('v', 'SELECT a, count(*) AS n FROM s GROUP BY a', ['k', 'cnt']);
  assert.deepEqual(db.check('SELECT k, cnt FROM v WHERE k = 1'), [['1', '2']]);
});

test('row IN, ARRAY(subquery) with ORDER BY, LEFT JOIN LATERAL', () => {
  assert.deepEqual(db.check('SELECT a, c FROM s WHERE (a, c) IN (SELECT a, c FROM s WHERE c > 10)'), [['1', '11'], ['2', '20'], ['4', '40']]);
  assert.deepEqual(db.check('SELECT a, (a, 10) IN (SELECT a, c FROM s) FROM t'), [['1', 't'], ['2', 'f'], ['3', 'f'], [null, null]]);
  assert.deepEqual(db.check('SELECT a, ARRAY(SELECT c FROM s WHERE s.a = t.a ORDER BY c DESC) FROM t'), [
    ['1', '{11,10}'], ['2', '{20}'], ['3', '{}'], [null, '{}'],
  ]);
  assert.deepEqual(
    db.check('SELECT t.a, l.m FROM t LEFT JOIN LATERAL (SELECT max(c) AS m FROM s WHERE s.a = t.a HAVING max(c) > 15) l ON true'),
    [['1', null], ['2', '20'], ['3', null], [null, null]],
  );
});

test('correlated VALUES, set operations, table functions, ORDER BY/LIMIT inside subqueries', () => {
  assert.deepEqual(db.check('SELECT a, (SELECT x FROM (VALUES (t.a + 1)) v(x)) FROM t'), [['1', '2'], ['2', '3'], ['3', '4'], [null, null]]);
  assert.deepEqual(
    db.check('SELECT a, (SELECT count(*) FROM (SELECT a FROM s WHERE s.a = t.a UNION ALL SELECT x FROM n WHERE n.x = t.a) u) FROM t'),
    [['1', '3'], ['2', '2'], ['3', '0'], [null, '0']],
  );
  assert.deepEqual(db.check('SELECT a, EXISTS (SELECT a FROM s WHERE s.a = t.a EXCEPT SELECT x FROM n) FROM t'), [['1', 'f'], ['2', 'f'], ['3', 'f'], [null, 'f']]);
  assert.deepEqual(db.check('SELECT a, (SELECT max(g) FROM generate_series(1, t.a) g) FROM t'), [['1', '1'], ['2', '2'], ['3', '3'], [null, null]]);
  assert.deepEqual(db.check("SELECT a, (SELECT string_agg(b, ',' ORDER BY b) FROM t t2 WHERE t2.a <= t.a) FROM t"), [['1', 'x'], ['2', 'x,y'], ['3', 'x,y'], [null, null]]);
  assert.deepEqual(db.check('SELECT a FROM t WHERE (SELECT count(*) FROM s WHERE s.a = t.a) = 0'), [['3'], [null]]);
  assert.deepEqual(db.check('SELECT a, (SELECT c FROM s WHERE s.a = t.a ORDER BY c DESC LIMIT 1) FROM t'), [['1', '11'], ['2', '20'], ['3', null], [null, null]]);
});
