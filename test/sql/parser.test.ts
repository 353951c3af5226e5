// Parser: statement splitting, queries, DML and table/view DDL with asserted AST shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../src/sql/parser.js';
import type { CreateTableStatement, CreateViewStatement, InsertStatement, Query, TableRef } from '../../src/sql/ast.js';
import { noPos, one, selectOf } from './helpers.js';

test('splits statements, skipping empty ones, with text slices and offsets', () => {
  const sql = ' SELECT 1;;  SELECT 2 ; ;\nSELECT 3';
  const statements = parse(sql);
  assert.deepEqual(
    statements.map((s) => [s.text, s.offset]),
    [
      ['SELECT 1', 1],
      ['SELECT 2', 13],
      ['SELECT 3', 26],
    ],
  );
  assert.equal(statements[2].statement.pos, 26);
  assert.deepEqual(parse(' ; -- nothing\n'), []);
  assert.deepEqual(parse(''), []);
});

test('AST positions are offsets into the whole query string', () => {
  const [, second] = parse('SELECT 1; SELECT a FROM t');
  const stmt = second.statement;
  assert.equal(stmt.kind, 'select');
  const body = (stmt as { query: Query }).query.body;
  assert.equal(body.kind, 'select');
  if (body.kind !== 'select') return;
  assert.equal(body.pos, 10);
  assert.deepEqual(body.projection[0], { kind: 'expr', expr: { kind: 'identifier', parts: ['a'], pos: 17 }, pos: 17 });
  assert.deepEqual(body.from[0], { kind: 'table', name: { parts: ['t'], pos: 24 }, pos: 24 });
});

test('identifiers fold to lower case unless quoted', () => {
  const select = selectOf('SELECT Foo, "Bar", "a""b", S.T.Col FROM Sch."Tab"');
  assert.deepEqual(
    select.projection.map((p) => (p.kind === 'expr' && p.expr.kind === 'identifier' ? p.expr.parts : null)),
    [['foo'], ['Bar'], ['a"b'], ['s', 't', 'col']],
  );
  assert.deepEqual(noPos(select.from[0]), { kind: 'table', name: { parts: ['sch', 'Tab'] } });
});

test('select list: wildcards and aliases', () => {
  const select = selectOf('SELECT *, t.*, s.t.*, a AS x, b y, c AS "Z" FROM t');
  assert.deepEqual(noPos(select.projection), [
    { kind: 'wildcard' },
    { kind: 'wildcard', qualifier: ['t'] },
    { kind: 'wildcard', qualifier: ['s', 't'] },
    { kind: 'expr', expr: { kind: 'identifier', parts: ['a'] }, alias: 'x' },
    { kind: 'expr', expr: { kind: 'identifier', parts: ['b'] }, alias: 'y' },
    { kind: 'expr', expr: { kind: 'identifier', parts: ['c'] }, alias: 'Z' },
  ]);
});

test('SELECT clauses: DISTINCT ON, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT, OFFSET', () => {
  const stmt = one('SELECT DISTINCT ON (a) a, count(*) FROM t WHERE b > 1 GROUP BY a HAVING count(*) > 1 ORDER BY a DESC NULLS LAST, 2 LIMIT 10 OFFSET 5 ROWS');
  assert.equal(stmt.kind, 'select');
  if (stmt.kind !== 'select') return;
  const { query } = stmt;
  const body = query.body;
  assert.equal(body.kind, 'select');
  if (body.kind !== 'select') return;
  assert.deepEqual(noPos(body.distinct), { on: [{ kind: 'identifier', parts: ['a'] }] });
  assert.deepEqual(noPos(body.where), {
    kind: 'binary',
    op: '>',
    left: { kind: 'identifier', parts: ['b'] },
    right: { kind: 'literal', value: { type: 'number', text: '1' } },
  });
  assert.equal(body.groupBy.length, 1);
  assert.equal(body.having?.kind, 'binary');
  assert.deepEqual(noPos(query.orderBy), [
    { expr: { kind: 'identifier', parts: ['a'] }, desc: true, nullsFirst: false },
    { expr: { kind: 'literal', value: { type: 'number', text: '2' } }, desc: false },
  ]);
  assert.deepEqual(noPos(query.limit), { kind: 'literal', value: { type: 'number', text: '10' } });
  assert.deepEqual(noPos(query.offset), { kind: 'literal', value: { type: 'number', text: '5' } });
  assert.deepEqual(selectOf('SELECT DISTINCT a FROM t').distinct, {});
});

test('LIMIT ALL, OFFSET before LIMIT, FETCH FIRST', () => {
  const limitAll = one('SELECT 1 LIMIT ALL');
  assert.ok(limitAll.kind === 'select' && limitAll.query.limit === undefined);
  const swapped = one('SELECT 1 OFFSET 2 LIMIT 3');
  assert.ok(swapped.kind === 'select');
  if (swapped.kind !== 'select') return;
  assert.deepEqual(noPos(swapped.query.limit), { kind: 'literal', value: { type: 'number', text: '3' } });
  assert.deepEqual(noPos(swapped.query.offset), { kind: 'literal', value: { type: 'number', text: '2' } });
  const fetch = one('SELECT a FROM t FETCH FIRST 3 ROWS ONLY');
  assert.ok(fetch.kind === 'select');
  if (fetch.kind !== 'select') return;
  assert.deepEqual(noPos(fetch.query.limit), { kind: 'literal', value: { type: 'number', text: '3' } });
  const fetchOne = one('SELECT a FROM t FETCH NEXT ROW ONLY');
  assert.ok(fetchOne.kind === 'select' && fetchOne.query.limit?.kind === 'literal');
});

test('joins of every kind', () => {
  const select = selectOf(
    'SELECT * FROM a JOIN b ON a.x = b.x LEFT OUTER JOIN c USING (x, y) RIGHT JOIN d ON true FULL JOIN e ON true CROSS JOIN f NATURAL JOIN g INNER JOIN h ON false NATURAL LEFT JOIN i',
  );
  assert.equal(select.from.length, 1);
  const kinds: string[] = [];
  let ref: TableRef = select.from[0];
  while (ref.kind === 'join') {
    kinds.unshift(`${ref.natural ? 'natural ' : ''}${ref.joinType}${ref.using ? ' using ' + ref.using.join(',') : ''}${ref.on ? ' on' : ''}`);
    ref = ref.left;
  }
  assert.deepEqual(kinds, ['inner on', 'left using x,y', 'right on', 'full on', 'cross', 'natural inner', 'inner on', 'natural left']);
});

test('parenthesized joins, comma joins and aliases with column lists', () => {
  const select2 = selectOf('SELECT * FROM (a JOIN b ON true), c AS x (p, q), d y');
  assert.equal(select2.from.length, 3);
  assert.equal(select2.from[0].kind, 'join');
  assert.deepEqual(noPos(select2.from[1]), { kind: 'table', name: { parts: ['c'] }, alias: { name: 'x', columns: ['p', 'q'] } });
  assert.deepEqual(noPos(select2.from[2]), { kind: 'table', name: { parts: ['d'] }, alias: { name: 'y', columns: [] } });
});

test('table functions, WITH ORDINALITY, ROWS FROM and LATERAL', () => {
  const select = selectOf('SELECT * FROM generate_series(1, 3) WITH ORDINALITY AS g(x, n), LATERAL (SELECT x) s, ROWS FROM (unnest(a)) r, LATERAL f(1)');
  const [series, lateral, rowsFrom, lateralCall] = select.from;
  assert.equal(series.kind, 'function');
  if (series.kind === 'function') {
    assert.equal(series.withOrdinality, true);
    assert.equal(series.lateral, false);
    assert.deepEqual(series.alias, { name: 'g', columns: ['x', 'n'] });
    assert.deepEqual(series.call.name.parts, ['generate_series']);
    assert.equal(series.call.args.length, 2);
  }
  assert.ok(lateral.kind === 'subquery' && lateral.lateral && lateral.alias?.name === 's');
  assert.ok(rowsFrom.kind === 'function' && rowsFrom.call.name.parts[0] === 'unnest' && rowsFrom.alias?.name === 'r');
  assert.ok(lateralCall.kind === 'function' && lateralCall.lateral);
});

test('set operations: INTERSECT binds tighter, left associative, parenthesized operands', () => {
  const stmt = one('SELECT 1 UNION SELECT 2 INTERSECT SELECT 3 EXCEPT ALL (SELECT 4 ORDER BY 1 LIMIT 1)');
  assert.ok(stmt.kind === 'select');
  if (stmt.kind !== 'select') return;
  const body = stmt.query.body;
  assert.ok(body.kind === 'setOperation');
  if (body.kind !== 'setOperation') return;
  assert.equal(body.op, 'except');
  assert.equal(body.all, true);
  assert.equal(body.right.kind, 'nested');
  const left = body.left;
  assert.ok(left.kind === 'setOperation' && left.op === 'union' && !left.all);
  if (left.kind !== 'setOperation') return;
  assert.ok(left.right.kind === 'setOperation' && left.right.op === 'intersect');
  const distinct = one('SELECT 1 UNION DISTINCT SELECT 2');
  assert.ok(distinct.kind === 'select' && distinct.query.body.kind === 'setOperation' && !distinct.query.body.all);
});

test('VALUES, TABLE, WITH RECURSIVE', () => {
  const values = one('VALUES (1, 2), (3, 4)');
  assert.ok(values.kind === 'select' && values.query.body.kind === 'values');
  if (values.kind === 'select' && values.query.body.kind === 'values') assert.equal(values.query.body.rows.length, 2);
  const table = one('TABLE s.t');
  assert.deepEqual(noPos(table.kind === 'select' ? table.query.body : null), { kind: 'table', name: { parts: ['s', 't'] } });
  const cte = one('WITH RECURSIVE c (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 10), d AS (SELECT 2) SELECT * FROM c, d');
  assert.ok(cte.kind === 'select');
  if (cte.kind !== 'select') return;
  assert.equal(cte.query.withRecursive, true);
  assert.deepEqual(cte.query.with.map((c) => [c.name, c.columns]), [
    ['c', ['n']],
    ['d', undefined],
  ]);
  assert.equal(cte.query.with[0].pos, 15);
});

test('AS OF on a query', () => {
  const stmt = one('SELECT * FROM t AS OF now()');
  assert.ok(stmt.kind === 'select');
  if (stmt.kind !== 'select') return;
  assert.equal(stmt.asOf?.kind, 'function');
  const body = stmt.query.body;
  assert.ok(body.kind === 'select' && body.from[0].kind === 'table' && body.from[0].alias === undefined);
  const atLeast = one('SELECT 1 AS OF AT LEAST 5');
  assert.ok(atLeast.kind === 'select' && atLeast.asOfAtLeast === true && atLeast.asOf?.kind === 'literal');
});

test('SELECT with no columns and FROM-less SELECT', () => {
  assert.deepEqual(selectOf('SELECT FROM t').projection, []);
  assert.equal(selectOf('SELECT 1').from.length, 0);
});

test('INSERT forms', () => {
  const insert = one("INSERT INTO s.t (a, b) VALUES (1, 'x'), (2, DEFAULT) RETURNING *, a") as InsertStatement;
  assert.equal(insert.kind, 'insert');
  assert.deepEqual(insert.table.parts, ['s', 't']);
  assert.deepEqual(insert.columns, ['a', 'b']);
  assert.equal(insert.defaultValues, false);
  const body = insert.source.body;
  assert.ok(body.kind === 'values');
  if (body.kind !== 'values') return;
  assert.equal(body.rows.length, 2);
  assert.deepEqual(body.defaultCells, [{ row: 1, column: 1 }]);
  assert.deepEqual(noPos(body.rows[1][1]), { kind: 'literal', value: { type: 'null' } });
  assert.equal(insert.returning.length, 2);

  const fromSelect = one('INSERT INTO t SELECT * FROM u') as InsertStatement;
  assert.equal(fromSelect.source.body.kind, 'select');
  assert.deepEqual(fromSelect.columns, []);

  const parenthesized = one('INSERT INTO t (SELECT 1)') as InsertStatement;
  assert.equal(parenthesized.source.body.kind, 'nested');

  const defaults = one('INSERT INTO t DEFAULT VALUES') as InsertStatement;
  assert.equal(defaults.defaultValues, true);
  assert.deepEqual(noPos(defaults.source.body), { kind: 'values', rows: [[]] });

  const aliased = one('INSERT INTO t AS x (a) VALUES (1)') as InsertStatement;
  assert.equal(aliased.alias, 'x');
});

test('UPDATE and DELETE', () => {
  const update = one('UPDATE t AS x SET a = 1, b = DEFAULT WHERE a > 2 RETURNING a');
  assert.ok(update.kind === 'update');
  if (update.kind !== 'update') return;
  assert.equal(update.alias, 'x');
  assert.deepEqual(noPos(update.assignments), [
    { column: 'a', value: { kind: 'literal', value: { type: 'number', text: '1' } } },
    { column: 'b', value: { kind: 'literal', value: { type: 'null' } }, isDefault: true },
  ]);
  assert.equal(update.where?.kind, 'binary');
  assert.equal(update.returning.length, 1);
  const bare = one('UPDATE t SET a = a + 1');
  assert.ok(bare.kind === 'update' && bare.alias === undefined && bare.where === undefined);

  const del = one('DELETE FROM t x USING u WHERE x.a = u.a');
  assert.ok(del.kind === 'delete');
  if (del.kind !== 'delete') return;
  assert.equal(del.alias, 'x');
  assert.equal(del.using.length, 1);
  assert.equal(del.where?.kind, 'binary');
  const all = one('DELETE FROM t');
  assert.ok(all.kind === 'delete' && all.where === undefined && all.using.length === 0);
});

test('CREATE TABLE with column options and constraints', () => {
  const stmt = one('CREATE TABLE IF NOT EXISTS t (a int NOT NULL DEFAULT 1, b text NULL, c numeric(10, 2) PRIMARY KEY, d varchar(5) UNIQUE, PRIMARY KEY (a), CONSTRAINT u UNIQUE (b, d))') as CreateTableStatement;
  assert.equal(stmt.kind, 'createTable');
  assert.equal(stmt.ifNotExists, true);
  assert.equal(stmt.temporary, false);
  assert.deepEqual(noPos(stmt.columns), [
    { name: 'a', dataType: { kind: 'named', name: 'int4', modifiers: [] }, notNull: true, defaultValue: { kind: 'literal', value: { type: 'number', text: '1' } }, defaultText: '1' },
    { name: 'b', dataType: { kind: 'named', name: 'text', modifiers: [] }, notNull: false },
    { name: 'c', dataType: { kind: 'named', name: 'numeric', modifiers: [10, 2] }, notNull: true },
    { name: 'd', dataType: { kind: 'named', name: 'varchar', modifiers: [5] }, notNull: false },
  ]);
  assert.deepEqual(stmt.constraints, [
    { kind: 'primaryKey', columns: ['c'] },
    { kind: 'unique', columns: ['d'] },
    { kind: 'primaryKey', columns: ['a'] },
    { kind: 'unique', columns: ['b', 'd'] },
  ]);
  assert.equal(stmt.columns[0].pos, 30);
  const temp = one('CREATE TEMP TABLE t (a int)') as CreateTableStatement;
  assert.equal(temp.temporary, true);
  const temporary = one('CREATE TEMPORARY TABLE t ()') as CreateTableStatement;
  assert.ok(temporary.temporary && temporary.columns.length === 0);
});

test('CREATE VIEW and MATERIALIZED VIEW', () => {
  const mv = one("CREATE OR REPLACE MATERIALIZED VIEW IF NOT EXISTS s.v (a, b) IN CLUSTER c WITH (RETAIN HISTORY = FOR '1h') AS SELECT 1, 2") as CreateViewStatement;
  assert.equal(mv.kind, 'createView');
  assert.equal(mv.materialized, true);
  assert.equal(mv.orReplace, true);
  assert.equal(mv.ifNotExists, true);
  assert.equal(mv.temporary, false);
  assert.deepEqual(mv.name.parts, ['s', 'v']);
  assert.deepEqual(mv.columns, ['a', 'b']);
  assert.equal(mv.inCluster, 'c');
  assert.deepEqual(noPos(mv.withOptions), [{ name: 'RETAIN HISTORY', value: { kind: 'value', expr: { kind: 'literal', value: { type: 'string', value: '1h' } } } }]);
  assert.equal(mv.query.body.kind, 'select');
  const asserted = one('CREATE MATERIALIZED VIEW v WITH (ASSERT NOT NULL = a, ASSERT NOT NULL b) AS SELECT 1 AS a, 2 AS b') as CreateViewStatement;
  assert.deepEqual(noPos(asserted.withOptions), [
    { name: 'ASSERT NOT NULL', value: { kind: 'ident', name: 'a' } },
    { name: 'ASSERT NOT NULL', value: { kind: 'ident', name: 'b' } },
  ]);
  const view = one('CREATE TEMP VIEW v AS SELECT 1') as CreateViewStatement;
  assert.ok(!view.materialized && view.temporary && view.columns.length === 0 && view.inCluster === undefined);
  const withQuery = one('CREATE VIEW v AS WITH x AS (SELECT 1) SELECT * FROM x') as CreateViewStatement;
  assert.equal(withQuery.query.with.length, 1);
});
