// Session behaviour: variables, SHOW, prepared statements, describe, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlError } from '../../src/repr/errors.js';
import { readResult } from '../../src/adapter/result-stream.js';
import { queryText, runSql, startTestCoordinator } from '../helpers/coordinator.js';

test('SET / SHOW / RESET with ParameterStatus for reported variables', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    assert.equal(s.reportedParameters().get('server_version'), '9.5.0');
    assert.equal(s.reportedParameters().get('TimeZone'), 'UTC');
    await runSql(s, "SET application_name = 'tests'");
    assert.deepEqual([...s.takeChangedParameters()], [['application_name', 'tests']]);
    assert.deepEqual(await queryText(s, 'SHOW application_name'), [['tests']]);
    await runSql(s, 'SET TIME ZONE "America/New_York"');
    assert.deepEqual(await queryText(s, 'SHOW timezone'), [['America/New_York']]);
    await runSql(s, 'RESET timezone');
    assert.deepEqual(await queryText(s, 'SHOW TimeZone'), [['UTC']]);
    await runSql(s, 'SET search_path = public, mz_catalog');
    assert.deepEqual(await queryText(s, 'SHOW search_path'), [['public, mz_catalog']]);
    await assert.rejects(runSql(s, 'SET nonsense = 1'), (e: unknown) => e instanceof SqlError && e.code === '42704');
    await assert.rejects(runSql(s, "SET client_encoding = 'LATIN1'"), (e: unknown) => e instanceof SqlError && e.code === '22023');
    const all = await queryText(s, 'SHOW ALL');
    assert.ok(all.some((r) => r[0] === 'DateStyle' && r[1] === 'ISO, MDY'));
  } finally {
    await t.stop();
  }
});

test('describe gives parameter types and result columns without executing', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, 'CREATE TABLE p (a int, b text)');
    const [stmt] = s.parse('SELECT a, b FROM p WHERE a = $1');
    const d = s.describe(stmt!, [null]);
    assert.deepEqual(d.paramTypes, [{ kind: 'int4' }]);
    assert.deepEqual(d.columns?.map((c) => c.name), ['a', 'b']);
    const [ins] = s.parse('INSERT INTO p VALUES ($1, $2)');
    assert.equal(s.describe(ins!, [null, null]).columns, null);
    await s.execute(ins!, { params: [5, 'five'] });
    const rows = await readResult(await s.execute(stmt!, { params: [5] }));
    assert.equal(rows.kind, 'rows');
    assert.deepEqual(rows.kind === 'rows' && rows.rows, [[5, 'five']]);
  } finally {
    await t.stop();
  }
});

test('PREPARE / EXECUTE / DEALLOCATE', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, 'CREATE TABLE q (a int)');
    await runSql(s, 'PREPARE ins AS INSERT INTO q VALUES ($1)');
    await runSql(s, 'EXECUTE ins(1); EXECUTE ins(2)');
    await runSql(s, 'PREPARE sel AS SELECT sum(a) FROM q WHERE a >= $1');
    assert.deepEqual(await queryText(s, 'EXECUTE sel(2)'), [['2']]);
    await runSql(s, 'DEALLOCATE sel');
    await assert.rejects(runSql(s, 'EXECUTE sel(1)'), (e: unknown) => e instanceof SqlError && e.code === '26000');
  } finally {
    await t.stop();
  }
});

test('SHOW objects, SHOW CREATE and EXPLAIN', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, 'CREATE TABLE t1 (a int, b text)');
    await runSql(s, 'CREATE VIEW v1 AS SELECT a FROM t1');
    await runSql(s, 'CREATE MATERIALIZED VIEW m1 AS SELECT b, count(*) AS n FROM t1 GROUP BY b');
    await runSql(s, 'CREATE INDEX t1_a ON t1 (a)');
    await runSql(s, 'CREATE DEFAULT INDEX ON v1');
    assert.deepEqual(await queryText(s, 'SHOW TABLES'), [['t1']]);
    assert.deepEqual(await queryText(s, 'SHOW VIEWS'), [['v1']]);
    assert.deepEqual(await queryText(s, 'SHOW MATERIALIZED VIEWS'), [['m1', 'quickstart']]);
    assert.deepEqual(await queryText(s, 'SHOW INDEXES'), [
      ['t1_a', 't1', 'quickstart', '{a}'],
      ['v1_primary_idx', 'v1', 'quickstart', '{a}'],
    ]);
    assert.deepEqual(await queryText(s, "SHOW TABLES LIKE 't%'"), [['t1']]);
    await runSql(s, 'CREATE INDEX t1_expr ON t1 (upper(b), a + 1)');
    assert.deepEqual(await queryText(s, "SHOW INDEXES WHERE name = 't1_expr'"), [['t1_expr', 't1', 'quickstart', '{upper(b),"a + 1"}']]);
    await runSql(s, 'DROP INDEX t1_expr');
    assert.deepEqual(await queryText(s, 'SHOW CREATE VIEW v1'), [['materialize.public.v1', 'CREATE VIEW v1 AS SELECT a FROM t1']]);
    assert.deepEqual((await queryText(s, 'SHOW COLUMNS FROM m1')).map((r) => [r[0], r[2]]), [['b', 'text'], ['n', 'bigint']]);
    const [explain] = await runSql(s, 'EXPLAIN SELECT a FROM t1 WHERE a > 1');
    assert.equal(explain!.kind === 'rows' && explain!.columns[0]!.name, 'Optimized Plan');
    // Collections are named as Materialize names them, not by their ids.
    assert.match(String(explain!.kind === 'rows' && explain!.rows[0]![0]), /Get materialize\.public\.t1\n/);
    await runSql(s, "INSERT INTO t1 VALUES (1, 'x'), (2, 'x'), (3, 'y')");
    assert.deepEqual(await queryText(s, 'SELECT b, n FROM m1 ORDER BY b'), [['x', '2'], ['y', '1']]);
    assert.deepEqual(await queryText(s, 'SELECT a FROM v1 ORDER BY a'), [['1'], ['2'], ['3']]);
    // Reading an indexed view is a lookup in the index, not a recomputation of the view.
    const [[plan]] = await queryText(s, 'EXPLAIN SELECT a FROM v1');
    assert.match(plan!, /Get materialize\.public\.v1_primary_idx\b/);
  } finally {
    await t.stop();
  }
});

test('system catalog relations reflect the catalog', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, 'CREATE TABLE sys_t (a int NOT NULL)');
    await runSql(s, 'CREATE VIEW sys_v AS SELECT a FROM sys_t');
    await runSql(s, "CREATE TABLE sys_d (n int DEFAULT 42, s text DEFAULT 'x' || 'y')");
    await runSql(s, 'CREATE INDEX sys_d_n ON sys_d (n)');
    assert.deepEqual(await queryText(s, "SELECT name FROM mz_tables WHERE name = 'sys_t'"), [['sys_t']]);
    assert.deepEqual(await queryText(s, "SELECT name FROM mz_catalog.mz_views"), [['sys_v']]);
    assert.deepEqual(await queryText(s, "SELECT o.name, o.type FROM mz_objects o ORDER BY o.name"), [
      ['sys_d', 'table'],
      ['sys_d_n', 'index'],
      ['sys_t', 'table'],
      ['sys_v', 'view'],
    ]);
    assert.deepEqual(
      await queryText(s, "SELECT c.relname, c.relkind FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1"),
      [['sys_d', 'r'], ['sys_d_n', 'i'], ['sys_t', 'r'], ['sys_v', 'v']],
    );
    // mz_columns: the columns of tables, sources and views (not indexes), with their defaults as written.
    assert.deepEqual(await queryText(s, "SELECT o.name, c.name, c.default FROM mz_columns c JOIN mz_objects o ON o.id = c.id WHERE o.name LIKE 'sys_d%' ORDER BY 1, c.position"), [
      ['sys_d', 'n', '42'],
      ['sys_d', 's', "'x' || 'y'"],
    ]);
    assert.deepEqual(
      await queryText(s, "SELECT column_name, is_nullable, data_type FROM information_schema.columns WHERE table_name = 'sys_t'"),
      [['a', 'NO', 'integer']],
    );
    assert.deepEqual(await queryText(s, "SELECT name, nullable FROM mz_columns WHERE id = (SELECT id FROM mz_tables WHERE name = 'sys_t')"), [['a', 'f']]);
  } finally {
    await t.stop();
  }
});
