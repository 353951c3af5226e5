// Tables end to end through a session: DDL, DML, queries, transactions,
// restart durability.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlError } from '../../src/repr/errors.js';
import { queryText, runSql, startTestCoordinator } from '../helpers/coordinator.js';

async function expectError(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof SqlError, `expected SqlError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
}

test('CREATE TABLE, INSERT, SELECT, UPDATE, DELETE', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, 'CREATE TABLE t (a int NOT NULL, b text)');
    const [ins] = await runSql(s, "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, NULL)");
    assert.deepEqual(ins, { kind: 'command', tag: 'INSERT 0 3' });
    assert.deepEqual(await queryText(s, 'SELECT a, b FROM t ORDER BY a'), [['1', 'one'], ['2', 'two'], ['3', null]]);
    const [upd] = await runSql(s, "UPDATE t SET b = 'zwei' WHERE a = 2");
    assert.deepEqual(upd, { kind: 'command', tag: 'UPDATE 1' });
    const [del] = await runSql(s, 'DELETE FROM t WHERE a = 1');
    assert.deepEqual(del, { kind: 'command', tag: 'DELETE 1' });
    assert.deepEqual(await queryText(s, 'SELECT * FROM t ORDER BY a DESC'), [['3', null], ['2', 'zwei']]);
    await expectError(runSql(s, 'INSERT INTO t VALUES (NULL, 1)'), '23502', /null value in column "a" of relation "t" violates not-null constraint/);
    await expectError(runSql(s, 'CREATE TABLE t (x int)'), '42P07', /relation "t" already exists/);
    await runSql(s, 'CREATE TABLE IF NOT EXISTS t (x int)');
    assert.match(s.takeNotices()[0]!.message, /already exists, skipping/);
  } finally {
    await t.stop();
  }
});

test('INSERT ... RETURNING and defaults', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, "CREATE TABLE d (id int, label text DEFAULT 'none')");
    const [res] = await runSql(s, 'INSERT INTO d (id) VALUES (7) RETURNING id, label');
    assert.equal(res!.kind, 'rows');
    assert.deepEqual(await queryText(s, 'SELECT id, label FROM d'), [['7', 'none']]);
  } finally {
    await t.stop();
  }
});

test('tables and their rows survive a restart', async () => {
  const first = await startTestCoordinator();
  await runSql(first.session, 'CREATE TABLE kept (k int, v text)');
  await runSql(first.session, "INSERT INTO kept VALUES (1, 'a'), (2, 'b')");
  await runSql(first.session, "UPDATE kept SET v = 'B' WHERE k = 2");
  await runSql(first.session, 'CREATE VIEW kept_view AS SELECT k * 10 AS k10 FROM kept');
  await runSql(first.session, 'CREATE MATERIALIZED VIEW kept_count AS SELECT count(*) AS n FROM kept');
  await runSql(first.session, 'SELECT 1; CREATE INDEX kept_upper ON kept (upper(v))');
  await runSql(first.session, 'CREATE TABLE prices (p numeric)');
  await runSql(first.session, "INSERT INTO prices VALUES (1.50), (2.000), ('3.10')");
  await first.stop(true);

  const second = await startTestCoordinator(first.dataDir);
  try {
    const s = second.session;
    assert.deepEqual(await queryText(s, 'SELECT k, v FROM kept ORDER BY k'), [['1', 'a'], ['2', 'B']]);
    assert.deepEqual(await queryText(s, 'SELECT k10 FROM kept_view ORDER BY 1'), [['10'], ['20']]);
    assert.deepEqual(await queryText(s, 'SELECT n FROM kept_count'), [['2']]);
    // numeric values keep their display scale (PostgreSQL's 1.50, not 1.5).
    assert.deepEqual(await queryText(s, 'SELECT p FROM prices ORDER BY p'), [['1.50'], ['2.000'], ['3.10']]);
    assert.deepEqual(await queryText(s, 'SHOW INDEXES ON kept'), [['kept_upper', 'kept', 'quickstart', '{upper(v)}']]);
    await runSql(s, "INSERT INTO kept VALUES (3, 'c')");
    assert.deepEqual(await queryText(s, 'SELECT n FROM kept_count'), [['3']]);
  } finally {
    await second.stop();
  }
});

test('transactions buffer writes until COMMIT and discard them on ROLLBACK', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, 'CREATE TABLE x (a int)');
    await runSql(s, 'BEGIN; INSERT INTO x VALUES (1); ROLLBACK');
    assert.deepEqual(await queryText(s, 'SELECT count(*) FROM x'), [['0']]);
    await runSql(s, 'BEGIN; INSERT INTO x VALUES (1); INSERT INTO x VALUES (2)');
    assert.equal(s.transactionStatus(), 'T');
    await runSql(s, 'COMMIT');
    assert.equal(s.transactionStatus(), 'I');
    assert.deepEqual(await queryText(s, 'SELECT sum(a) FROM x'), [['3']]);
    await runSql(s, 'BEGIN');
    await expectError(runSql(s, 'SELECT * FROM nope'), '42P01', /nope/);
    assert.equal(s.transactionStatus(), 'E');
    await expectError(runSql(s, 'SELECT 1'), '25P02', /current transaction is aborted/);
    const [rb] = await runSql(s, 'COMMIT');
    assert.deepEqual(rb, { kind: 'command', tag: 'ROLLBACK' });
  } finally {
    await t.stop();
  }
});

test('DROP with dependencies: RESTRICT fails, CASCADE drops dependents', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, 'CREATE TABLE base (a int); CREATE VIEW v1 AS SELECT a FROM base; CREATE MATERIALIZED VIEW m1 AS SELECT a FROM v1');
    await expectError(runSql(s, 'DROP TABLE base'), '2BP01', /cannot drop table "base": still depended upon by view "v1"/);
    await expectError(runSql(s, 'DROP VIEW base'), '42809', /"base" is a table not a view/);
    await runSql(s, 'DROP TABLE base CASCADE');
    assert.deepEqual(await queryText(s, 'SHOW TABLES'), []);
    assert.deepEqual(await queryText(s, 'SHOW VIEWS'), []);
    await runSql(s, 'DROP TABLE IF EXISTS base');
    assert.match(s.takeNotices().at(-1)!.message, /does not exist, skipping/);
    await expectError(runSql(s, 'DROP TABLE base'), '42P01', /table "base" does not exist/);
  } finally {
    await t.stop();
  }
});

test('objects created under another search_path are re-planned with it after a restart', async () => {
  const first = await startTestCoordinator();
  await runSql(first.session, 'CREATE SCHEMA app; SET search_path = app');
  await runSql(first.session, 'CREATE TABLE things (n int); CREATE VIEW thing_view AS SELECT things.n + 1 AS m FROM things WHERE EXISTS (SELECT 1 FROM things t2 WHERE t2.n = things.n); CREATE INDEX ON thing_view (m)');
  await runSql(first.session, 'INSERT INTO things VALUES (1)');
  await first.stop(true);
  const second = await startTestCoordinator(first.dataDir);
  try {
    assert.deepEqual(await queryText(second.session, 'SELECT m FROM app.thing_view'), [['2']]);
    assert.deepEqual(await queryText(second.session, 'SHOW INDEXES FROM app'), [['thing_view_m_idx', 'thing_view', 'quickstart', '{m}']]);
  } finally {
    await second.stop();
  }
});

test('a materialized view keeps its creating session\'s TimeZone after a restart', async () => {
  const first = await startTestCoordinator();
  await runSql(first.session, "SET TIME ZONE 'America/New_York'");
  await runSql(first.session, "CREATE TABLE events (at timestamptz); CREATE MATERIALIZED VIEW event_text AS SELECT at::text AS t, to_char(at, 'HH24:MI TZ') AS c FROM events");
  await runSql(first.session, "INSERT INTO events VALUES ('2026-01-01 12:00:00+00')");
  const expected = [['2026-01-01 07:00:00-05', '07:00 EST']];
  assert.deepEqual(await queryText(first.session, 'SELECT t, c FROM event_text'), expected);
  await first.stop(true);
  const second = await startTestCoordinator(first.dataDir);
  try {
    // A UTC session reads what the view computed in New York time, before and after new rows.
    assert.deepEqual(await queryText(second.session, 'SELECT t, c FROM event_text'), expected);
    await runSql(second.session, "INSERT INTO events VALUES ('2026-07-01 12:00:00+00')");
    assert.deepEqual(await queryText(second.session, 'SELECT t, c FROM event_text ORDER BY t'), [...expected, ['2026-07-01 08:00:00-04', '08:00 EDT']]);
  } finally {
    await second.stop();
  }
});

test('ALTER ... RENAME renames objects durably; renaming what others refer to by name is refused', async () => {
  const first = await startTestCoordinator();
  const s = first.session;
  await runSql(s, 'CREATE TABLE old_t (a int); CREATE INDEX old_t_a ON old_t (a); INSERT INTO old_t VALUES (1)');
  await runSql(s, 'ALTER TABLE old_t RENAME TO new_t');
  await runSql(s, 'CREATE VIEW uses_new AS SELECT a FROM new_t');
  await expectError(runSql(s, 'ALTER TABLE new_t RENAME TO newer_t'), '0A000', /view "uses_new" refers to it by name/);
  await runSql(s, 'ALTER INDEX old_t_a RENAME TO new_t_a');
  assert.deepEqual(await queryText(s, 'SHOW CREATE TABLE new_t'), [['materialize.public.new_t', 'CREATE TABLE public.new_t (a int)']]);
  await first.stop(true);
  const second = await startTestCoordinator(first.dataDir);
  try {
    assert.deepEqual(await queryText(second.session, 'SELECT a FROM new_t'), [['1']]);
    assert.deepEqual(await queryText(second.session, 'SHOW INDEXES'), [['new_t_a', 'new_t', 'quickstart', '{a}']]);
    await expectError(runSql(second.session, 'SELECT * FROM old_t'), '42P01', /old_t/);
  } finally {
    await second.stop();
  }
});
