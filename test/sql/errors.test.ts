// Parser errors: PostgreSQL's wording, SQLSTATE 42601 and 1-based positions
// into the whole query string (checked against PostgreSQL 15); deep nesting
// fails cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../src/sql/parser.js';
import { assertSyntaxError, sqlErrorOf } from './helpers.js';

const NEAR_TOKEN: [sql: string, token: string, position: number][] = [
  ['SELECT * FORM t', 'FORM', 10],
  ['SELECT a FORM t', 't', 15],
  ['SELEC 1', 'SELEC', 1],
  ['SELECT 1)', ')', 9],
  ['SELECT 1 2', '2', 10],
  ['CREATE TABLE t (a int,)', ')', 23],
  ['SELECT * FROM WHERE', 'WHERE', 15],
  ['SELECT 1 < 2 < 3', '<', 14],
  ['SELECT a = b = c', '=', 14],
  ["SELECT 1 FROM t WHERE a LIKE 'x' LIKE 'y'", 'LIKE', 34],
  ['DROP THING x', 'THING', 6],
  ['SELECT {', '{', 8],
  ["SET x = 'a' || 'b'", '||', 13],
  // A clause keyword commits to its clause: the error is at the token after it.
  ['SELECT * FROM t ORDER a', 'a', 23],
  ['SELECT count(* FROM t', 'FROM', 16],
  ['SELECT count(*) OVER (PARTITION a)', 'a', 33],
  ["SELECT 1 AT TIME 'x'", "'x'", 18],
  // Field selection needs parentheses (or a subscript) before the dot; prefix = is not an operator.
  ['SELECT 1 BETWEEN 1 AND 2 . d', '.', 26],
  ['SELECT * FROM t WHERE = 1', '=', 23],
  ['SELECT * FROM t JOIN u ON t.) = 1', ')', 29],
  // JOIN, LEFT, LIKE ... may name functions but not tables or columns.
  ['SELECT * FROM left JOIN u ON true', 'JOIN', 20],
  ['SELECT * FROM JOIN u ON true', 'u', 20],
  ['SELECT like FROM t', 'FROM', 13],
  ['SET x = (1)', '(', 9],
];

test('syntax errors point at the offending token', () => {
  for (const [sql, token, position] of NEAR_TOKEN) assertSyntaxError(sql, `syntax error at or near "${token}"`, position);
});

const AT_END: string[] = [
  'SELECT 1 +',
  'SELECT (1',
  'SELECT 1 FROM',
  'INSERT INTO t VALUES (1',
  'SELECT CASE WHEN a THEN 1',
  'SELECT * FROM t GROUP',
  'BEGIN READ',
  'COMMIT AND',
  'SELECT * FROM t WHERE a = ANY',
  'SELECT 1 = ALL',
  'SELECT 1 FROM t GROUP BY ALL',
  'SELECT * FROM t JOIN u ON t.a = u.',
  'SELECT * FROM t CROSS',
  'SELECT * FROM t LEFT',
  'SELECT count(*) FILTER',
];

test('errors at the end of input', () => {
  for (const sql of AT_END) assertSyntaxError(sql, 'syntax error at end of input', sql.length + 1);
});

test('SIMILAR TO is recognized and reported as not supported', () => {
  assertSyntaxError("SELECT 'a' SIMILAR TO 'b'", 'SIMILAR TO is not supported', 12, '0A000');
  assertSyntaxError("SELECT 'a' NOT SIMILAR TO 'b'", 'SIMILAR TO is not supported', 16, '0A000');
});

test('known but unimplemented statements are reported as not supported', () => {
  assertSyntaxError("CREATE SINK s FROM t INTO KAFKA CONNECTION k (TOPIC 'x')", 'CREATE SINK is not supported', 1, '0A000');
  assertSyntaxError("SELECT 1; CREATE CLUSTER c (SIZE = 'xsmall')", 'CREATE CLUSTER is not supported', 11, '0A000');
  assertSyntaxError("COMMENT ON TABLE t IS 'x'", 'COMMENT is not supported', 1, '0A000');
  assertSyntaxError('TRUNCATE t', 'TRUNCATE is not supported', 1, '0A000');
  assertSyntaxError('ALTER TABLE t ADD COLUMN b int', 'ALTER TABLE ... ADD is not supported', 15, '0A000');
  assertSyntaxError('CREATE TABLE t AS SELECT 1', 'CREATE TABLE ... AS is not supported', 16, '0A000');
});

test('positions count from the start of the whole query string', () => {
  assertSyntaxError('SELECT 1; SELECT * FORM t', 'syntax error at or near "FORM"', 20);
  assertSyntaxError('SELECT 1;\nSELECT 1 +; SELECT 2', 'syntax error at or near ";"', 21);
  // Nothing is returned when any statement fails.
  const error = sqlErrorOf(() => parse('SELECT 1; SELEC 2'));
  assert.equal(error.position, 11);
});

test('deeply nested input gives an error, not a crash', () => {
  const depth = 10000;
  for (const sql of [
    'SELECT ' + '('.repeat(depth) + '1' + ')'.repeat(depth),
    'SELECT ' + '- '.repeat(depth) + '1',
    'SELECT ' + 'NOT '.repeat(depth) + 'true',
    'SELECT ' + 'ARRAY['.repeat(depth) + ']'.repeat(depth),
    'SELECT ' + '(SELECT '.repeat(depth) + '1' + ')'.repeat(depth),
    'SELECT * FROM ' + '('.repeat(depth) + 't' + ')'.repeat(depth),
    'SELECT 1::' + 'map[text=>'.repeat(depth) + 'int' + ']'.repeat(depth),
    'SELECT ' + 'CASE WHEN '.repeat(depth),
  ]) {
    const error = sqlErrorOf(() => parse(sql));
    assert.equal(error.code, '54001');
    assert.equal(error.message, 'stack depth limit exceeded');
  }
  // Long but flat input is fine.
  const flat = parse('SELECT 1' + ' + 1'.repeat(20000) + ' AND true'.repeat(1000));
  assert.equal(flat.length, 1);
  // Moderate nesting is fine.
  assert.equal(parse('SELECT ' + '('.repeat(100) + '1' + ')'.repeat(100)).length, 1);
});

test('only SqlErrors escape', () => {
  for (const sql of ['\u0000', '$', '$1$', '"', "'", 'SELECT $', 'SELECT 1::', 'SELECT a[', 'SELECT a.', '::', 'CREATE', 'SHOW', 'SET', 'EXPLAIN', 'COPY']) {
    try {
      parse(sql);
    } catch (error) {
      assert.equal((error as Error).name, 'SqlError', sql);
    }
  }
});
