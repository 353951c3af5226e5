// Kafka sources through the coordinator against librdkafka's mock cluster:
// ingestion, progress subsource, statuses and statistics, decode errors,
// and exactly-once resumption after a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlError } from '../../src/repr/errors.js';
import type { Session } from '../../src/adapter/api.js';
import { queryText, runSql, startTestCoordinator } from '../helpers/coordinator.js';
import { connectProducer, startMockCluster } from '../helpers/kafka-mock.js';

/** Polls `sql` until its text result equals `expected` (ingestion is asynchronous); fails after 20 s. */
async function eventually(s: Session, sql: string, expected: (string | null)[][]): Promise<void> {
  let last: unknown;
  for (let waited = 0; waited < 20_000; waited += 50) {
    try {
      last = await queryText(s, sql);
      if (JSON.stringify(last) === JSON.stringify(expected)) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(last, expected, `${sql} never returned the expected rows`);
}

test('a TEXT source ingests, reports progress and status, and resumes exactly once after restart', async () => {
  const cluster = startMockCluster(1);
  const producer = await connectProducer(cluster.bootstrap);
  cluster.createTopic('lines', 2);
  const first = await startTestCoordinator();
  let second: Awaited<ReturnType<typeof startTestCoordinator>> | undefined;
  try {
    const s = first.session;
    await producer.send([
      { topic: 'lines', partition: 0, value: 'a' },
      { topic: 'lines', partition: 1, value: 'b' },
      { topic: 'lines', partition: 0, value: 'c' },
    ]);
    await runSql(s, `CREATE CONNECTION kc TO KAFKA (BROKER '${cluster.bootstrap}', SECURITY PROTOCOL PLAINTEXT)`);
    await runSql(s, "CREATE SOURCE lines FROM KAFKA CONNECTION kc (TOPIC 'lines') FORMAT TEXT");
    await eventually(s, 'SELECT text FROM lines ORDER BY text', [['a'], ['b'], ['c']]);
    await eventually(s, 'SELECT partition, "offset" FROM lines_progress ORDER BY partition', [
      ['(1,)', '0'],
      ['[0,0]', '2'],
      ['[1,1]', '1'],
    ]);
    await eventually(s, "SELECT status FROM mz_internal.mz_source_statuses WHERE name = 'lines'", [['running']]);
    await eventually(
      s,
      "SELECT st.messages_received, st.offset_committed FROM mz_internal.mz_source_statistics st JOIN mz_sources so ON so.id = st.id WHERE so.name = 'lines'",
      [['3', '3']],
    );
    assert.deepEqual(await queryText(s, 'SHOW SOURCES'), [
      ['lines', 'kafka', 'quickstart'],
      ['lines_progress', 'progress', null],
    ]);
    const [[, createSql]] = await queryText(s, 'SHOW CREATE SOURCE lines');
    assert.match(createSql!, /CREATE SOURCE lines FROM KAFKA CONNECTION kc/);
    await runSql(s, 'CREATE MATERIALIZED VIEW line_count AS SELECT count(*) AS n FROM lines');
    await first.stop(true);

    await producer.send([{ topic: 'lines', partition: 1, value: 'd' }]);
    second = await startTestCoordinator(first.dataDir);
    await eventually(second.session, 'SELECT n FROM line_count', [['4']]);
    await eventually(second.session, 'SELECT text FROM lines ORDER BY text', [['a'], ['b'], ['c'], ['d']]);
    await assert.rejects(runSql(second.session, 'DROP CONNECTION kc'), (e: unknown) => e instanceof SqlError && e.code === '2BP01');
    await runSql(second.session, 'DROP SOURCE lines CASCADE');
    assert.deepEqual(await queryText(second.session, 'SHOW SOURCES'), []);
  } finally {
    await second?.stop();
    await first.stop().catch(() => undefined);
    await producer.close();
    cluster.destroy();
  }
});

test('an undecodable JSON message makes queries over the source fail with a decode error', async () => {
  const cluster = startMockCluster(1);
  const producer = await connectProducer(cluster.bootstrap);
  cluster.createTopic('docs', 1);
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await producer.send([
      { topic: 'docs', partition: 0, value: '{"a": 1}' },
      { topic: 'docs', partition: 0, value: '{not json' },
    ]);
    await runSql(s, `CREATE CONNECTION kc TO KAFKA (BROKER '${cluster.bootstrap}', SECURITY PROTOCOL PLAINTEXT) WITH (VALIDATE = false)`);
    await runSql(s, "CREATE SOURCE docs FROM KAFKA CONNECTION kc (TOPIC 'docs') FORMAT JSON");
    let message = '';
    for (let waited = 0; waited < 20_000 && message === ''; waited += 50) {
      try {
        await queryText(s, 'SELECT count(*) FROM docs');
        await new Promise((r) => setTimeout(r, 50));
      } catch (err) {
        message = err instanceof Error ? err.message : String(err);
      }
    }
    assert.match(message, /Decode error/);
  } finally {
    await t.stop();
    await producer.close();
    cluster.destroy();
  }
});

test('an UPSERT source keeps one row per key across a restart; connections validate', async () => {
  const cluster = startMockCluster(1);
  const producer = await connectProducer(cluster.bootstrap);
  cluster.createTopic('kv', 1);
  const first = await startTestCoordinator();
  let second: Awaited<ReturnType<typeof startTestCoordinator>> | undefined;
  try {
    const s = first.session;
    await runSql(s, `CREATE CONNECTION kc TO KAFKA (BROKER '${cluster.bootstrap}', SECURITY PROTOCOL PLAINTEXT)`);
    await runSql(s, 'VALIDATE CONNECTION kc');
    await producer.send([
      { topic: 'kv', partition: 0, key: 'k1', value: 'v1' },
      { topic: 'kv', partition: 0, key: 'k2', value: 'v2' },
      { topic: 'kv', partition: 0, key: 'k1', value: 'v1b' },
    ]);
    await runSql(s, "CREATE SOURCE kv FROM KAFKA CONNECTION kc (TOPIC 'kv') KEY FORMAT TEXT VALUE FORMAT TEXT ENVELOPE UPSERT");
    await eventually(s, 'SELECT key, text FROM kv ORDER BY key', [['k1', 'v1b'], ['k2', 'v2']]);
    await first.stop(true);

    await producer.send([
      { topic: 'kv', partition: 0, key: 'k2', value: 'v2b' },
      { topic: 'kv', partition: 0, key: 'k1', value: null },
    ]);
    second = await startTestCoordinator(first.dataDir);
    await eventually(second.session, 'SELECT key, text FROM kv ORDER BY key', [['k2', 'v2b']]);
  } finally {
    await second?.stop();
    await first.stop().catch(() => undefined);
    await producer.close();
    cluster.destroy();
  }
});

test('ALTER CONNECTION restarts its sources on the new brokers, resuming at the stored offsets', async () => {
  const before = startMockCluster(1);
  const after = startMockCluster(1);
  const producerBefore = await connectProducer(before.bootstrap);
  const producerAfter = await connectProducer(after.bootstrap);
  before.createTopic('moving', 1);
  after.createTopic('moving', 1);
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await producerBefore.send([
      { topic: 'moving', partition: 0, value: 'a' },
      { topic: 'moving', partition: 0, value: 'b' },
    ]);
    await producerAfter.send([
      { topic: 'moving', partition: 0, value: 'x' },
      { topic: 'moving', partition: 0, value: 'y' },
      { topic: 'moving', partition: 0, value: 'c' },
    ]);
    await runSql(s, `CREATE CONNECTION kc TO KAFKA (BROKER '${before.bootstrap}', SECURITY PROTOCOL PLAINTEXT)`);
    await runSql(s, "CREATE SOURCE moving FROM KAFKA CONNECTION kc (TOPIC 'moving') FORMAT TEXT");
    await eventually(s, 'SELECT text FROM moving ORDER BY text', [['a'], ['b']]);
    await runSql(s, `ALTER CONNECTION kc SET (BROKER = '${after.bootstrap}')`);
    await eventually(s, 'SELECT text FROM moving ORDER BY text', [['a'], ['b'], ['c']]);
    const [[, createSql]] = await queryText(s, 'SHOW CREATE CONNECTION kc');
    assert.ok(createSql!.includes(after.bootstrap));
  } finally {
    await t.stop();
    await producerBefore.close();
    await producerAfter.close();
    before.destroy();
    after.destroy();
  }
});

test('ALTER CONNECTION restarts a source that holds a decode error; it keeps reading and keeps the error', async () => {
  const cluster = startMockCluster(1);
  const producer = await connectProducer(cluster.bootstrap);
  cluster.createTopic('bad', 1);
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await producer.send([
      { topic: 'bad', partition: 0, value: '{"a": 1}' },
      { topic: 'bad', partition: 0, value: 'not json' },
    ]);
    await runSql(s, `CREATE CONNECTION kc TO KAFKA (BROKER '${cluster.bootstrap}', SECURITY PROTOCOL PLAINTEXT)`);
    await runSql(s, "CREATE SOURCE bad FROM KAFKA CONNECTION kc (TOPIC 'bad') FORMAT JSON");
    await eventually(s, "SELECT messages_received FROM mz_internal.mz_source_statistics WHERE id = (SELECT id FROM mz_sources WHERE name = 'bad')", [['2']]);
    await runSql(s, `ALTER CONNECTION kc SET (BROKER = '${cluster.bootstrap}')`);
    await producer.send([{ topic: 'bad', partition: 0, value: '{"a": 2}' }]);
    // The restarted source reads on from the stored offsets...
    await eventually(s, "SELECT messages_received FROM mz_internal.mz_source_statistics WHERE id = (SELECT id FROM mz_sources WHERE name = 'bad')", [['1']]);
    // ...and the undecodable message still makes queries fail.
    await assert.rejects(queryText(s, 'SELECT count(*) FROM bad'), /Decode error/);
  } finally {
    await t.stop();
    await producer.close();
    cluster.destroy();
  }
});

test('secrets: CREATE, ALTER, SHOW, never shown in SHOW CREATE', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, "CREATE SECRET pw AS 'hunter2'");
    await runSql(s, "ALTER SECRET pw AS 'hunter3'");
    assert.deepEqual(await queryText(s, 'SHOW SECRETS'), [['pw']]);
    const [[, createSql]] = await queryText(s, 'SHOW CREATE SECRET pw');
    assert.doesNotMatch(createSql!, /hunter/);
    await runSql(s, 'DROP SECRET pw');
    assert.deepEqual(await queryText(s, 'SHOW SECRETS'), []);
  } finally {
    await t.stop();
  }
});
