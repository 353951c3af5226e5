// Parser errors: PostgreSQL's wording, SQLSTATE 42601 and 1-based positions
// into the whole query string; deep nesting fails cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../src/sql/parser.js';
import { assertSyntaxError, sqlErrorOf } from './helpers.js';

test('syntax errors point at the offending token', () => {
  assertSyntaxError('SELECT * FORM t', 'syntax error at or near "FORM"', 10);
  assertSyntaxError('SELECT a FORM t', 'syntax error at or near "t"', 15);
  assertSyntaxError('SELEC 1', 'syntax error at or near "SELEC"', 1);
  assertSyntaxError('SELECT 1)', 'syntax error at or near ")"', 9);
  assertSyntaxError('SELECT 1 2', 'syntax error at or near "2"', 10);
  assertSyntaxError('CREATE TABLE t (a int,)', 'syntax error at or near ")"', 23);
  assertSyntaxError('SELECT * FROM WHERE', 'syntax error at or near "WHERE"', 15);
  assertSyntaxError('SELECT 1 < 2 < 3', 'syntax error at or near "<"', 14);
  assertSyntaxError('SELECT a = b = c', 'syntax error at or near "="', 14);
  assertSyntaxError("SELECT 1 FROM t WHERE a LIKE 'x' LIKE 'y'", 'syntax error at or near "LIKE"', 34);
  assertSyntaxError('DROP THING x', 'syntax error at or near "THING"', 6);
  assertSyntaxError('SELECT {', 'syntax error at or near "{"', 8);
});

test('errors at the end of input', () => {
  assertSyntaxError('SELECT 1 +', 'syntax error at end of input', 11);
  assertSyntaxError('SELECT (1', 'syntax error at end of input', 10);
  assertSyntaxError('SELECT 1 FROM', 'syntax error at end of input', 14);
  assertSyntaxError('INSERT INTO t VALUES (1', 'syntax error at end of input', 24);
  assertSyntaxError('SELECT CASE WHEN a THEN 1', 'syntax error at end of input', 26);
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
