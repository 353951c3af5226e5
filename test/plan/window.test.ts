import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleCatalog, planError } from './harness.js';

const db = sampleCatalog();

test('ranking window functions', () => {
  assert.deepEqual(db.check('SELECT a, c, row_number() OVER (PARTITION BY a ORDER BY c DESC) FROM s ORDER BY a, c'), [
    ['1', '10', '2'], ['1', '11', '1'], ['2', '20', '1'], ['4', '40', '1'], [null, '50', '1'],
  ]);
  assert.deepEqual(db.check('SELECT a, c, rank() OVER (ORDER BY a), dense_rank() OVER (ORDER BY a) FROM s ORDER BY a, c'), [
    ['1', '10', '1', '1'], ['1', '11', '1', '1'], ['2', '20', '3', '2'], ['4', '40', '4', '3'], [null, '50', '5', '4'],
  ]);
  assert.deepEqual(db.check('SELECT * FROM (SELECT a, c, row_number() OVER (PARTITION BY a ORDER BY c) AS rn FROM s) x WHERE rn = 1'), [
    ['1', '10', '1'], ['2', '20', '1'], ['4', '40', '1'], [null, '50', '1'],
  ]);
});

test('aggregate and value window functions use the default frame', () => {
  assert.deepEqual(db.check('SELECT a, c, sum(c) OVER (ORDER BY a), count(*) OVER () FROM s ORDER BY a, c'), [
    ['1', '10', '21', '5'], ['1', '11', '21', '5'], ['2', '20', '41', '5'], ['4', '40', '81', '5'], [null, '50', '131', '5'],
  ]);
  assert.deepEqual(
    db.check('SELECT c, lag(c) OVER (ORDER BY c), lead(c, 2, 0) OVER (ORDER BY c), first_value(c) OVER (PARTITION BY a ORDER BY c), last_value(c) OVER (ORDER BY a) FROM s ORDER BY c'),
    [['10', null, '20', '10', '11'], ['11', '10', '40', '10', '11'], ['20', '11', '50', '20', '20'], ['40', '20', '0', '40', '40'], ['50', '40', '0', '50', '50']],
  );
  assert.deepEqual(db.check('SELECT a, count(*), rank() OVER (ORDER BY count(*) DESC) FROM s GROUP BY a ORDER BY a'), [
    ['1', '2', '1'], ['2', '1', '2'], ['4', '1', '2'], [null, '1', '2'],
  ]);
});

test('ROWS and RANGE frames', () => {
  assert.deepEqual(db.check('SELECT c, sum(c) OVER (ORDER BY c ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM s ORDER BY c'), [
    ['10', '10'], ['11', '21'], ['20', '31'], ['40', '60'], ['50', '90'],
  ]);
  assert.deepEqual(
    db.check('SELECT c, last_value(c) OVER (PARTITION BY a ORDER BY c ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM s ORDER BY c'),
    [['10', '11'], ['11', '11'], ['20', '20'], ['40', '40'], ['50', '50']],
  );
  assert.deepEqual(
    db.check('SELECT c, first_value(c) OVER (ORDER BY c ROWS BETWEEN 2 FOLLOWING AND 3 FOLLOWING), count(*) OVER (ORDER BY a RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM s ORDER BY c'),
    [['10', '20', '5'], ['11', '40', '5'], ['20', '50', '3'], ['40', null, '2'], ['50', null, '1']],
  );
  const e = planError(db, 'SELECT sum(c) OVER (ORDER BY c RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM s');
  assert.equal(e.code, '0A000');
});

test('named windows', () => {
  assert.deepEqual(db.check('SELECT c, row_number() OVER (w ORDER BY c DESC), sum(c) OVER w FROM s WHERE a = 1 WINDOW w AS (PARTITION BY a)'), [
    ['10', '2', '21'], ['11', '1', '21'],
  ]);
  const e = planError(db, 'SELECT row_number() OVER nope FROM s');
  assert.deepEqual([e.code, e.message], ['42704', 'window "nope" does not exist']);
});

test('window functions outside the SELECT list are errors', () => {
  const e = planError(db, 'SELECT a FROM s WHERE row_number() OVER () > 1');
  assert.deepEqual([e.code, e.message, e.position], ['42P20', 'window functions are not allowed in WHERE', 23]);
});
