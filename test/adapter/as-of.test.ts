// SELECT / SUBSCRIBE ... AS OF [AT LEAST]: Materialize's timestamp selection
// with no history kept (every collection is readable at the present only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlError } from '../../src/repr/errors.js';
import { queryText, runSql, startTestCoordinator } from '../helpers/coordinator.js';

test('AS OF AT LEAST a past time reads now; AS OF a past time is not valid; a future time is waited for and read exactly', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, 'CREATE TABLE a (x int)');
    await runSql(s, 'INSERT INTO a VALUES (1), (2)');
    assert.deepEqual(await queryText(s, 'SELECT x FROM a ORDER BY x AS OF AT LEAST 0'), [['1'], ['2']]);
    await assert.rejects(
      runSql(s, 'SELECT count(*) FROM a AS OF 0'),
      (e: unknown) => e instanceof SqlError && e.code === '22000' && /^Timestamp \(0\) is not valid for all inputs: /.test(e.message),
    );
    // 300 ms ahead: the read waits for the clock and happens exactly then (mz_now() is the read time).
    const [[now]] = (await queryText(s, 'SELECT mz_now()')) as [[string]];
    const ahead = BigInt(now) + 300n;
    const started = Date.now();
    assert.deepEqual(await queryText(s, `SELECT mz_now(), count(*) FROM a AS OF ${ahead}`), [[String(ahead), '2']]);
    assert.ok(Date.now() - started >= 200, 'waited for the clock');
    // Timestamps as timestamptz work too.
    assert.deepEqual(await queryText(s, "SELECT count(*) FROM a AS OF AT LEAST TIMESTAMPTZ '2000-01-01 00:00:00+00'"), [['2']]);
    await assert.rejects(runSql(s, "SELECT 1 AS OF AT LEAST 'x'::text"), (e: unknown) => e instanceof SqlError && e.code === '42804');
  } finally {
    await t.stop();
  }
});

test('SUBSCRIBE AS OF AT LEAST starts from the present snapshot; an UP TO below it is an error; waiting is cancellable', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, 'CREATE TABLE b (x int)');
    await runSql(s, 'INSERT INTO b VALUES (7)');
    await runSql(s, 'BEGIN');
    await runSql(s, 'DECLARE c CURSOR FOR SUBSCRIBE b AS OF AT LEAST 0');
    const rows = await queryText(s, "FETCH ALL c WITH (timeout = '0s')");
    assert.deepEqual(rows.map((r) => r.slice(1)), [['1', '7']]);
    await runSql(s, 'COMMIT');
    await assert.rejects(
      runSql(s, 'SUBSCRIBE b AS OF AT LEAST 0 UP TO 1'),
      (e: unknown) => e instanceof SqlError && e.code === '22023' && /lower \("as of"\) bound is beyond its upper \("up to"\) bound/.test(e.message),
    );
    // A time a little ahead waits until statement_timeout cancels it.
    await runSql(s, "SET statement_timeout = '100ms'");
    await assert.rejects(runSql(s, `SELECT count(*) FROM b AS OF ${Date.now() + 30_000}`), (e: unknown) => e instanceof SqlError && e.code === '57014');
    // A time further ahead than a read waits for (an hour, u64::MAX) is Materialize's error at once.
    await runSql(s, "SET statement_timeout = '0'");
    await assert.rejects(
      runSql(s, `SELECT count(*) FROM b AS OF ${Date.now() + 3_600_000}`),
      (e: unknown) => e instanceof SqlError && e.code === '22000' && /is not valid for all inputs/.test(e.message),
    );
    await assert.rejects(runSql(s, 'SELECT count(*) FROM b AS OF 18446744073709551614'), (e: unknown) => e instanceof SqlError && /is not valid for all inputs/.test(e.message));
  } finally {
    await t.stop();
  }
});
