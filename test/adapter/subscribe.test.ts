// SUBSCRIBE through cursors and COPY, COPY FROM STDIN, temporal time advance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { SqlError } from '../../src/repr/errors.js';
import type { ExecuteResult } from '../../src/adapter/api.js';
import { openTestSession, queryRows, queryText, runSql, startTestCoordinator } from '../helpers/coordinator.js';

test('DECLARE ... CURSOR FOR SUBSCRIBE and FETCH see the snapshot, then changes', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    const writer = openTestSession(t.coordinator);
    await runSql(s, 'CREATE TABLE sub (a int)');
    await runSql(s, 'INSERT INTO sub VALUES (1)');
    await runSql(s, 'BEGIN; DECLARE c CURSOR FOR SUBSCRIBE sub');
    const snapshot = await queryRows(s, 'FETCH ALL c');
    assert.equal(snapshot.length, 1);
    assert.ok(snapshot[0]![0] instanceof Decimal);
    assert.deepEqual(snapshot[0]!.slice(1), [1n, 1]);
    assert.deepEqual(await queryRows(s, "FETCH ALL c WITH (timeout = '0s')"), []);
    await runSql(writer, 'INSERT INTO sub VALUES (2)');
    await runSql(writer, 'DELETE FROM sub WHERE a = 1');
    const changes = await queryRows(s, "FETCH 10 c WITH (timeout = '1s')");
    const more = changes.length < 2 ? await queryRows(s, "FETCH 10 c WITH (timeout = '1s')") : [];
    assert.deepEqual([...changes, ...more].map((r) => r.slice(1)), [[1n, 2], [-1n, 1]]);
    await runSql(s, 'COMMIT');
    await assert.rejects(runSql(s, 'FETCH 1 c'), (e: unknown) => e instanceof SqlError && e.code === '34000');
    await assert.rejects(runSql(s, 'DECLARE d CURSOR FOR SELECT 1'), (e: unknown) => e instanceof SqlError && e.code === '25P01');
    writer.close();
  } finally {
    await t.stop();
  }
});

test('SUBSCRIBE WITH (PROGRESS) adds mz_progressed and progress rows', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, 'CREATE TABLE sp (a int)');
    await runSql(s, 'INSERT INTO sp VALUES (5)');
    await runSql(s, 'BEGIN; DECLARE c CURSOR FOR SUBSCRIBE (SELECT a * 2 AS d FROM sp) WITH (PROGRESS)');
    const results = await runSql(s, 'FETCH ALL c');
    const fetched = results[0] as Extract<ExecuteResult, { kind: 'rows' }>;
    assert.deepEqual(fetched.columns.map((c) => c.name), ['mz_timestamp', 'mz_progressed', 'mz_diff', 'd']);
    assert.ok(fetched.rows.some((r) => r[1] === false && r[2] === 1n && r[3] === 10));
    await runSql(s, 'COMMIT');
  } finally {
    await t.stop();
  }
});

test('COPY (SUBSCRIBE ...) TO STDOUT streams until closed', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, 'CREATE TABLE cs (a text)');
    await runSql(s, "INSERT INTO cs VALUES ('x')");
    const [result] = await runSql(s, 'COPY (SUBSCRIBE cs) TO STDOUT');
    assert.equal(result!.kind, 'copyOut');
    if (result!.kind !== 'copyOut') return;
    const first = await result.stream.next();
    assert.deepEqual(first?.map((r) => r.slice(1)), [[1n, 'x']]);
    const writer = openTestSession(t.coordinator);
    await runSql(writer, "INSERT INTO cs VALUES ('y')");
    const second = await result.stream.next();
    assert.deepEqual(second?.map((r) => r.slice(1)), [[1n, 'y']]);
    result.stream.close();
    assert.equal(await result.stream.next(), null);
    writer.close();
    const [again] = await runSql(s, 'COPY (SUBSCRIBE cs) TO STDOUT');
    if (again!.kind !== 'copyOut') throw new Error('expected copyOut');
    await again.stream.next();
    const waiting = again.stream.next();
    s.cancel();
    await assert.rejects(waiting, (e: unknown) => e instanceof SqlError && e.code === '57014');
  } finally {
    await t.stop();
  }
});

test('COPY FROM STDIN in text and csv formats, COPY TO STDOUT', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, 'CREATE TABLE cp (a int, b text)');
    const [textCopy] = await runSql(s, 'COPY cp FROM STDIN');
    assert.equal(textCopy!.kind, 'copyIn');
    if (textCopy!.kind !== 'copyIn') return;
    textCopy.sink.write(Buffer.from('1\tone\n2\t\\N\n3\ttab\\there\n\\.\n'));
    assert.equal(await textCopy.sink.finish(), 'COPY 3');
    const [csvCopy] = await runSql(s, 'COPY cp (b, a) FROM STDIN WITH (FORMAT csv, HEADER true)');
    if (csvCopy!.kind !== 'copyIn') throw new Error('expected copyIn');
    csvCopy.sink.write(Buffer.from('b,a\n"quoted, comma",4\n,5\n"",6\n'));
    assert.equal(await csvCopy.sink.finish(), 'COPY 3');
    assert.deepEqual(await queryText(s, 'SELECT a, b FROM cp ORDER BY a'), [
      ['1', 'one'],
      ['2', null],
      ['3', 'tab\there'],
      ['4', 'quoted, comma'],
      ['5', null],
      ['6', ''],
    ]);
    const [out] = await runSql(s, 'COPY (SELECT a FROM cp WHERE a < 3 ORDER BY a) TO STDOUT');
    if (out!.kind !== 'copyOut') throw new Error('expected copyOut');
    assert.deepEqual(await out.stream.next(), [[1], [2]]);
    assert.equal(await out.stream.next(), null);
    const [bad] = await runSql(s, 'COPY cp FROM STDIN');
    if (bad!.kind !== 'copyIn') throw new Error('expected copyIn');
    bad.sink.write(Buffer.from('x\ty\n'));
    await assert.rejects(bad.sink.finish(), (e: unknown) => e instanceof SqlError && e.code === '22P02');
  } finally {
    await t.stop();
  }
});

test('temporal filters: rows leave a view as time passes without writes', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, 'CREATE TABLE events (at_ms numeric)');
    await runSql(s, 'CREATE MATERIALIZED VIEW recent AS SELECT at_ms FROM events WHERE mz_now() <= at_ms + 300');
    const [now] = await queryRows(s, 'SELECT mz_now()::text::numeric');
    const at = new Decimal(String(now![0]));
    await runSql(s, `INSERT INTO events VALUES (${at.toString()})`);
    assert.deepEqual(await queryText(s, 'SELECT count(*) FROM recent'), [['1']]);
    // No more writes: only the coordinator's periodic time advance can retire the row.
    let count = '1';
    for (let waited = 0; count !== '0' && waited < 20_000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
      count = (await queryText(s, 'SELECT count(*) FROM recent'))[0]![0]!;
    }
    assert.equal(count, '0');
  } finally {
    await t.stop();
  }
});

test('SUBSCRIBE ... UP TO ends the stream once that time is complete', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, 'CREATE TABLE ut (a int)');
    await runSql(s, 'INSERT INTO ut VALUES (1)');
    const [[now]] = await queryText(s, 'SELECT mz_now()::text');
    const [result] = await runSql(s, `COPY (SUBSCRIBE ut UP TO ${BigInt(now!) + 1n}) TO STDOUT`);
    if (result!.kind !== 'copyOut') throw new Error('expected copyOut');
    assert.deepEqual((await result.stream.next())?.map((r) => r.slice(1)), [[1n, 1]]);
    const writer = openTestSession(t.coordinator);
    await runSql(writer, 'INSERT INTO ut VALUES (2)');
    assert.equal(await result.stream.next(), null);
    writer.close();
  } finally {
    await t.stop();
  }
});

test('statement_timeout cancels a FETCH that waits too long', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, 'CREATE TABLE st (a int)');
    await runSql(s, "SET statement_timeout = '50ms'");
    await runSql(s, 'BEGIN; DECLARE c CURSOR FOR SUBSCRIBE st');
    await assert.rejects(runSql(s, 'FETCH 1 c'), (e: unknown) => e instanceof SqlError && e.code === '57014' && /statement timeout/.test(e.message));
    await runSql(s, 'ROLLBACK');
    await assert.rejects(runSql(s, "SET statement_timeout = 'soon'"), (e: unknown) => e instanceof SqlError && e.code === '22023');
  } finally {
    await t.stop();
  }
});

test('SUBSCRIBE ... ENVELOPE UPSERT (KEY (...)) emits upsert and delete states per key', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    const writer = openTestSession(t.coordinator);
    await runSql(s, 'CREATE TABLE kv (k text, v int)');
    await runSql(s, "INSERT INTO kv VALUES ('a', 1)");
    await runSql(s, 'BEGIN; DECLARE c CURSOR FOR SUBSCRIBE kv ENVELOPE UPSERT (KEY (k))');
    const snapshot = await runSql(s, 'FETCH ALL c');
    const first = snapshot[0] as Extract<ExecuteResult, { kind: 'rows' }>;
    assert.deepEqual(first.columns.map((c) => c.name), ['mz_timestamp', 'mz_state', 'k', 'v']);
    assert.deepEqual(first.rows.map((r) => r.slice(1)), [['upsert', 'a', 1]]);
    await runSql(writer, "UPDATE kv SET v = 2 WHERE k = 'a'");
    assert.deepEqual((await queryRows(s, "FETCH ALL c WITH (timeout = '5s')")).map((r) => r.slice(1)), [['upsert', 'a', 2]]);
    await runSql(writer, "DELETE FROM kv WHERE k = 'a'");
    assert.deepEqual((await queryRows(s, "FETCH ALL c WITH (timeout = '5s')")).map((r) => r.slice(1)), [['delete', 'a', null]]);
    await runSql(s, 'COMMIT');
    writer.close();
  } finally {
    await t.stop();
  }
});
