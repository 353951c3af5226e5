import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleCatalog, planError } from './harness.js';

const db = sampleCatalog();

function expectError(sql: string, code: string, message: string, position?: number): void {
  const e = planError(db, sql);
  assert.deepEqual({ code: e.code, message: e.message, position: e.position }, { code, message, position }, sql);
}

test('unknown relations and columns', () => {
  expectError('SELECT * FROM nope', '42P01', 'relation "nope" does not exist', 15);
  expectError('SELECT x FROM t', '42703', 'column "x" does not exist', 8);
  expectError('SELECT t.x FROM t', '42703', 'column t.x does not exist', 8);
  expectError('SELECT u.a FROM t', '42P01', 'missing FROM-clause entry for table "u"', 8);
  expectError('SELECT a FROM t WHERE zz > 1', '42703', 'column "zz" does not exist', 23);
  expectError('SELECT t.a FROM t AS u', '42P01', 'invalid reference to FROM-clause entry for table "t"', 8);
});

test('ambiguous column references', () => {
  expectError('SELECT a FROM t, s', '42702', 'column reference "a" is ambiguous', 8);
  expectError('SELECT b FROM t JOIN s ON a = 1', '42702', 'column reference "a" is ambiguous', 27);
  // USING merges the column: no ambiguity.
  assert.deepEqual(db.check('SELECT a FROM t JOIN s USING (a) WHERE c = 20'), [['2']]);
  expectError('SELECT * FROM t, t', '42712', 'table name "t" specified more than once', 18);
});

test('grouping errors', () => {
  expectError('SELECT a, b FROM t GROUP BY a', '42803', 'column "t.b" must appear in the GROUP BY clause or be used in an aggregate function', 11);
  expectError('SELECT count(*), a FROM t', '42803', 'column "t.a" must appear in the GROUP BY clause or be used in an aggregate function', 18);
  expectError('SELECT a FROM t WHERE count(*) > 1', '42803', 'aggregate functions are not allowed in WHERE', 23);
  expectError('SELECT sum(count(*)) FROM t', '42803', 'aggregate function calls cannot be nested', 12);
  expectError('SELECT * FROM t GROUP BY a', '42803', 'column "t.b" must appear in the GROUP BY clause or be used in an aggregate function', 8);
});

test('ORDER BY / GROUP BY positions and DISTINCT', () => {
  expectError('SELECT a FROM t ORDER BY 2', '42P10', 'ORDER BY position 2 is not in select list', 26);
  expectError('SELECT a FROM t GROUP BY 3', '42P10', 'GROUP BY position 3 is not in select list', 26);
  expectError('SELECT DISTINCT a FROM t ORDER BY b', '42P10', 'for SELECT DISTINCT, ORDER BY expressions must appear in select list', 35);
});

test('type errors', () => {
  expectError('SELECT a FROM t WHERE a', '42804', 'argument of WHERE must be type boolean, not type integer', 23);
  expectError('SELECT 1::nosuchtype', '42704', 'type "nosuchtype" does not exist', 11);
  expectError('SELECT a FROM t UNION SELECT a, c FROM s', '42601', 'each UNION query must have the same number of columns', 23);
  expectError('SELECT a FROM t LIMIT -1', '2201W', 'LIMIT must not be negative', 23);
  expectError('SELECT a + true FROM t', '42883', 'operator does not exist: integer + boolean', 10);
  expectError("SELECT 'abc'::int4", '22P02', 'invalid input syntax for type integer: "abc"', 8);
});

test('subquery shape errors', () => {
  expectError('SELECT (SELECT a, c FROM s)', '42601', 'subquery must return only one column', 8);
  expectError('SELECT * FROM (SELECT 1, 2) AS x(a, b, c)', '42P10', 'table "x" has 2 columns available but 3 columns specified', 15);
  expectError('SELECT * FROM t JOIN s USING (b)', '42703', 'column "b" specified in USING clause does not exist in right table', 15);
});

test('DML errors', () => {
  expectError('INSERT INTO t (zz) VALUES (1)', '42703', 'column "zz" of relation "t" does not exist', 1);
  expectError('INSERT INTO t VALUES (1, 2, 3)', '42601', 'INSERT has more expressions than target columns', 29);
  expectError("INSERT INTO t (a) VALUES (true)", '42804', 'column "a" is of type integer but expression is of type boolean', 27);
  expectError('UPDATE nope SET a = 1', '42P01', 'relation "nope" does not exist', 8);
  expectError('UPDATE t SET a = 1, a = 2', '42601', 'multiple assignments to same column "a"', 21);
});
