import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleCatalog } from './harness.js';

const db = sampleCatalog();

test('inner joins: comma, ON, USING, NATURAL', () => {
  const expected = [['1', 'x', '10'], ['1', 'x', '11'], ['2', 'y', '20']];
  assert.deepEqual(db.check('SELECT t.a, b, c FROM t, s WHERE t.a = s.a'), expected);
  assert.deepEqual(db.check('SELECT t.a, b, c FROM t JOIN s ON t.a = s.a'), expected);
  assert.deepEqual(db.check('SELECT a, b, c FROM t JOIN s USING (a)'), expected);
  assert.deepEqual(db.check('SELECT * FROM t NATURAL JOIN s'), expected);
  assert.deepEqual(db.plan('SELECT * FROM t JOIN s USING (a)').desc.columns.map((c) => c.name), ['a', 'b', 'c']);
  assert.deepEqual(db.check('SELECT count(*) FROM t CROSS JOIN s'), [['20']]);
});

test('outer joins (PostgreSQL answers)', () => {
  assert.deepEqual(db.check('SELECT t.a, b, c FROM t LEFT JOIN s ON t.a = s.a'), [
    ['1', 'x', '10'], ['1', 'x', '11'], ['2', 'y', '20'], ['3', null, null], [null, 'z', null],
  ]);
  assert.deepEqual(db.check('SELECT t.a, s.a, c FROM t RIGHT JOIN s ON t.a = s.a'), [
    ['1', '1', '10'], ['1', '1', '11'], ['2', '2', '20'], [null, '4', '40'], [null, null, '50'],
  ]);
  assert.deepEqual(db.check('SELECT t.a, s.a FROM t FULL JOIN s ON t.a = s.a AND s.c > 10'), [
    ['1', '1'], ['2', '2'], ['3', null], [null, '1'], [null, '4'], [null, null], [null, null],
  ]);
  assert.deepEqual(db.check('SELECT a, b, c FROM t FULL JOIN s USING (a)'), [
    ['1', 'x', '10'], ['1', 'x', '11'], ['2', 'y', '20'], ['3', null, null], ['4', null, '40'], [null, 'z', null], [null, null, '50'],
  ]);
  // Duplicate left rows keep their multiplicity when unmatched.
  assert.deepEqual(db.check('SELECT n1.x, n2.x FROM (SELECT x FROM n UNION ALL SELECT x FROM n) n1 LEFT JOIN n n2 ON n1.x = n2.x + 10'), [
    ['1', null], ['1', null], ['2', null], ['2', null], [null, null], [null, null],
  ]);
});

test('group by, having, aggregates', () => {
  assert.deepEqual(db.check('SELECT a, count(*), sum(c), min(c), max(c) FROM s GROUP BY a'), [
    ['1', '2', '21', '10', '11'], ['2', '1', '20', '20', '20'], ['4', '1', '40', '40', '40'], [null, '1', '50', '50', '50'],
  ]);
  assert.deepEqual(db.check('SELECT a, count(c) FROM s GROUP BY 1 HAVING count(*) > 1'), [['1', '2']]);
  assert.deepEqual(db.check('SELECT a AS k, sum(c) FROM s GROUP BY k HAVING sum(c) >= 40'), [['4', '40'], [null, '50']]);
  assert.deepEqual(db.check('SELECT a % 2, count(*) FROM s WHERE a IS NOT NULL GROUP BY a % 2'), [['0', '2'], ['1', '2']]);
  assert.deepEqual(db.check('SELECT count(DISTINCT a), count(a), count(*) FROM s'), [['3', '4', '5']]);
  assert.deepEqual(db.check('SELECT sum(c) FILTER (WHERE a = 1) FROM s'), [['21']]);
  assert.equal(Number(db.check('SELECT avg(c) FROM s WHERE a = 1')[0]![0]), 10.5);
  assert.deepEqual(db.check('SELECT avg(c::float8), var_samp(c::float8), stddev_pop(c::float8) FROM s WHERE a = 1'), [['10.5', '0.5', '0.5']]);
  assert.deepEqual(db.check('SELECT var_samp(c), stddev(c) FROM s WHERE a = 2'), [[null, null]]);
});

test('global aggregates on empty input return one row', () => {
  assert.deepEqual(db.check('SELECT count(*), sum(a), max(b) FROM empty'), [['0', null, null]]);
  assert.deepEqual(db.check('SELECT count(*) FROM t WHERE false'), [['0']]);
  assert.deepEqual(db.check('SELECT avg(a) FROM empty'), [[null]]);
  assert.deepEqual(db.check('SELECT count(*) FROM empty GROUP BY a'), []);
  assert.deepEqual(db.check('SELECT count(*) FROM empty HAVING count(*) > 0'), []);
});
