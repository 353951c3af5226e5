// Differential tests through the whole SQL path: random inserts, updates and
// deletes on tables and an upsert Kafka source; after every step each materialized view must equal the
// same query computed from scratch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queryText, runSql, startTestCoordinator } from '../helpers/coordinator.js';
import { connectProducer, startMockCluster } from '../helpers/kafka-mock.js';

/** A small deterministic PRNG (mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const QUERIES: Record<string, string> = {
  grouped: 'SELECT k % 5 AS g, count(*) AS n, sum(v) AS s, min(v) AS lo, max(v) AS hi FROM t1 GROUP BY k % 5',
  inner_join: 'SELECT t1.k, t1.v, t2.w FROM t1 JOIN t2 ON t1.k = t2.k',
  left_join: 'SELECT t1.k, t2.w FROM t1 LEFT JOIN t2 ON t1.k = t2.k',
  distinct: 'SELECT DISTINCT v % 3 AS r FROM t1',
  except_all: 'SELECT k FROM t1 EXCEPT ALL SELECT k FROM t2',
  correlated: 'SELECT k, v FROM t1 WHERE v > (SELECT coalesce(max(w), 0) FROM t2 WHERE t2.k = t1.k)',
  top3: 'SELECT k, v FROM t1 ORDER BY v DESC, k LIMIT 3',
  join_agg: 'SELECT t2.w % 4 AS b, count(*) AS n, sum(t1.v) AS s FROM t1 JOIN t2 ON t1.k = t2.k GROUP BY t2.w % 4',
};

function sortedLines(rows: (string | null)[][]): string[] {
  return rows.map((r) => r.map((v) => v ?? 'NULL').join('|')).sort();
}

test('materialized views equal their queries from scratch after every random write', async () => {
  const t = await startTestCoordinator();
  const random = prng(20261125);
  const int = (n: number): number => Math.floor(random() * n);
  let restarted: Awaited<ReturnType<typeof startTestCoordinator>> | undefined;
  try {
    const s = t.session;
    await runSql(s, 'CREATE TABLE t1 (k int, v int); CREATE TABLE t2 (k int, w int)');
    for (const [name, sql] of Object.entries(QUERIES)) await runSql(s, `CREATE MATERIALIZED VIEW mv_${name} AS ${sql}`);
    for (let step = 0; step < 60; step++) {
      const table = random() < 0.6 ? 't1' : 't2';
      const col = table === 't1' ? 'v' : 'w';
      const op = int(4);
      let sql: string;
      if (op === 0 || step < 8) {
        const rows = Array.from({ length: 1 + int(4) }, () => `(${int(8)}, ${int(10)})`);
        sql = `INSERT INTO ${table} VALUES ${rows.join(', ')}`;
      } else if (op === 1) {
        sql = `UPDATE ${table} SET ${col} = ${col} + ${1 + int(3)} WHERE k = ${int(8)}`;
      } else if (op === 2) {
        sql = `DELETE FROM ${table} WHERE k = ${int(8)}`;
      } else {
        sql = `BEGIN; INSERT INTO ${table} VALUES (${int(8)}, ${int(10)}); DELETE FROM ${table} WHERE ${col} = ${int(10)}; COMMIT`;
      }
      await runSql(s, sql);
      for (const [name, query] of Object.entries(QUERIES)) {
        const maintained = sortedLines(await queryText(s, `SELECT * FROM mv_${name}`));
        const fresh = sortedLines(await queryText(s, query));
        assert.deepEqual(maintained, fresh, `step ${step} (${sql}): view ${name} differs from its query`);
      }
    }
    // After a restart the views are rebuilt from the durable tables.
    await t.stop(true);
    restarted = await startTestCoordinator(t.dataDir);
    for (const [name, query] of Object.entries(QUERIES)) {
      const maintained = sortedLines(await queryText(restarted.session, `SELECT * FROM mv_${name}`));
      const fresh = sortedLines(await queryText(restarted.session, query));
      assert.deepEqual(maintained, fresh, `after restart: view ${name} differs from its query`);
    }
  } finally {
    await restarted?.stop();
    await t.stop().catch(() => undefined);
  }
});

test('materialized views over an upsert Kafka source and a table stay equal to their queries', async () => {
  const cluster = startMockCluster(1);
  const producer = await connectProducer(cluster.bootstrap);
  cluster.createTopic('diff', 2);
  const t = await startTestCoordinator();
  const random = prng(7);
  const int = (n: number): number => Math.floor(random() * n);
  try {
    const s = t.session;
    await runSql(s, `CREATE CONNECTION kc TO KAFKA (BROKER '${cluster.bootstrap}', SECURITY PROTOCOL PLAINTEXT)`);
    await runSql(s, "CREATE SOURCE src FROM KAFKA CONNECTION kc (TOPIC 'diff') KEY FORMAT TEXT VALUE FORMAT TEXT ENVELOPE UPSERT");
    await runSql(s, 'CREATE TABLE dims (key text, label text)');
    const queries: Record<string, string> = {
      by_value: 'SELECT text, count(*) AS n FROM src GROUP BY text',
      labelled: 'SELECT src.key, src.text, dims.label FROM src LEFT JOIN dims ON dims.key = src.key',
      label_counts: 'SELECT dims.label, count(*) AS n FROM src JOIN dims ON dims.key = src.key GROUP BY dims.label',
    };
    for (const [name, sql] of Object.entries(queries)) await runSql(s, `CREATE MATERIALIZED VIEW mv_${name} AS ${sql}`);
    let produced = 0;
    const compare = async (when: string): Promise<void> => {
      for (const [name, query] of Object.entries(queries)) {
        const maintained = sortedLines(await queryText(s, `SELECT * FROM mv_${name}`));
        const fresh = sortedLines(await queryText(s, query));
        assert.deepEqual(maintained, fresh, `${when}: view ${name} differs from its query`);
      }
    };
    for (let step = 0; step < 20; step++) {
      const messages = Array.from({ length: 5 }, () => ({
        topic: 'diff',
        partition: int(2),
        key: `k${int(6)}`,
        value: random() < 0.2 ? null : `v${int(3)}`,
      }));
      await producer.send(messages);
      produced += messages.length;
      if (step % 4 === 0) await runSql(s, `INSERT INTO dims VALUES ('k${int(6)}', 'L${int(2)}')`);
      if (step % 7 === 3) await runSql(s, `DELETE FROM dims WHERE key = 'k${int(6)}'`);
      // Reads are consistent at every instant, also while messages are still arriving.
      await compare(`step ${step}`);
    }
    let committed = 0;
    for (let waited = 0; committed < produced && waited < 20_000; waited += 50) {
      await new Promise((r) => setTimeout(r, 50));
      committed = Number((await queryText(s, 'SELECT sum("offset") FROM src_progress'))[0]![0]);
    }
    assert.equal(committed, produced, 'the source read every produced message');
    assert.ok(Number((await queryText(s, 'SELECT count(*) FROM src'))[0]![0]) > 0);
    await compare('after ingestion caught up');
  } finally {
    await t.stop();
    await producer.close();
    cluster.destroy();
  }
});
