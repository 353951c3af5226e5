// Source worker threads through a real `freshet serve`: the same topics read
// with --workers 1 and --workers 2 give the same rows, dead-letter rows,
// errors and statistics; killed with SIGKILL in the middle of ingesting
// and started again, each server ends with exactly the same contents
// (nothing lost, nothing twice) as one that was never killed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { connectProducer, startMockCluster, type TestMessage } from '../helpers/kafka-mock.js';
import { connectPg, queryArrays, serveFreshet, type ServedFreshet } from '../helpers/server-process.js';

const cluster = startMockCluster(1);
const dirs: string[] = [];
const servers: ServedFreshet[] = [];
const clients: pg.Client[] = [];

after(async () => {
  for (const client of clients) await client.end().catch(() => undefined);
  for (const server of servers) await server.stop();
  cluster.destroy();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const PARTITIONS = 4;
const KEYS = 500;

/** Upsert messages: updates, deletes, undecodable values (NULL keys: test/storage/kafka-workers); a key stays in its partition. */
function messages(from: number, to: number): TestMessage[] {
  const out: TestMessage[] = [];
  for (let i = from; i < to; i++) {
    const k = i % KEYS;
    const key: string | null = `k${k}`;
    const value = i % 13 === 0 ? null : i % 101 === 0 ? 'not json' : `{"n": ${i}, "g": ${k % 7}}`;
    out.push({ topic: 'kv', partition: key === null ? 0 : k % PARTITIONS, key, value });
  }
  return out;
}

async function start(dataDir: string, workers: number): Promise<{ server: ServedFreshet; c: pg.Client }> {
  const server = await serveFreshet(dataDir, ['--workers', String(workers)]);
  servers.push(server);
  const c = await connectPg(server.port);
  clients.push(c);
  return { server, c };
}

/** The fewer offsets of the two sources (each reads the whole topic). */
async function offsets(c: pg.Client): Promise<number> {
  const count = async (relation: string): Promise<number> => {
    const rows = (await queryArrays(c, `SELECT sum("offset")::text FROM ${relation}`)) as [string | null][];
    return Number(rows[0]?.[0] ?? 0);
  };
  return Math.min(await count('kv_progress'), await count('kv_inline_progress'));
}

async function until(c: pg.Client, total: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await offsets(c)) < total) {
    if (Date.now() > deadline) throw new Error(`not all ${total} offsets ingested`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What a user sees: the rows (with errors inline), the dead-letter relation, the view and the statistics. */
async function observe(c: pg.Client): Promise<unknown> {
  return {
    rows: await queryArrays(c, 'SELECT key, data::text, (error).description FROM kv_inline ORDER BY key'),
    dlq: await queryArrays(c, `SELECT partition, "offset", convert_from(key, 'utf8'), error FROM kv_dlq ORDER BY partition, "offset"`),
    view: await queryArrays(c, 'SELECT g, count(*), sum(n) FROM kv_view GROUP BY g ORDER BY g'),
    // Which of the outstanding errors a query reports is not defined; that it fails is.
    errors: await c.query('SELECT count(*) FROM kv').then(
      () => 'no error',
      (err: Error) => err.message.replace(/\(partition \d+, offset \d+\), decoded key: "k\d+"$/, '(partition, offset), decoded key'),
    ),
    stats: await settledStatistics(c),
  };
}

/** The sources' statistics once both count their snapshot as committed (statistics trail the data a little). */
async function settledStatistics(c: pg.Client): Promise<unknown[][]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const rows = await queryArrays(
      c,
      `SELECT s.name, st.records_indexed, st.offset_committed, st.snapshot_committed
         FROM mz_internal.mz_source_statistics st JOIN mz_sources s ON s.id = st.id WHERE s.name IN ('kv', 'kv_inline') ORDER BY s.name`,
    );
    if (rows.every((r) => r[3] === 't') || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function createSources(c: pg.Client): Promise<void> {
  await c.query(`CREATE CONNECTION kc TO KAFKA (BROKER '${cluster.bootstrap}')`);
  await c.query("CREATE SOURCE kv FROM KAFKA CONNECTION kc (TOPIC 'kv') KEY FORMAT TEXT VALUE FORMAT JSON INCLUDE OFFSET AS o ENVELOPE UPSERT EXPOSE ERRORS AS kv_dlq");
  await c.query("CREATE SOURCE kv_inline FROM KAFKA CONNECTION kc (TOPIC 'kv') KEY FORMAT TEXT VALUE FORMAT JSON ENVELOPE UPSERT (VALUE DECODING ERRORS = INLINE)");
  await c.query("CREATE MATERIALIZED VIEW kv_view AS SELECT (data->>'g')::int AS g, (data->>'n')::int8 AS n FROM kv_inline WHERE data IS NOT NULL");
}

test('--workers 1 and --workers 2 give the same results; SIGKILL mid-ingest and a restart give them again (exactly once)', async () => {
  cluster.createTopic('kv', PARTITIONS);
  const producer = await connectProducer(cluster.bootstrap);
  await producer.send(messages(0, 20_000));

  const seen = new Map<number, unknown>();
  for (const workers of [1, 2]) {
    const dir = mkdtempSync(join(tmpdir(), `freshet-integration-workers-${workers}-`));
    dirs.push(dir);
    const { c } = await start(dir, workers);
    await createSources(c);
    await until(c, 20_000);
    // Both sources read the whole topic (offsets of both summed).
    const rows = (await queryArrays(c, 'SELECT sum("offset")::text FROM kv_inline_progress')) as [string][];
    assert.equal(Number(rows[0]![0]), 20_000);
    seen.set(workers, await observe(c));
  }
  assert.deepEqual(seen.get(2), seen.get(1));

  // Kill -9 each server while it ingests more, start it again with the other setting, and compare.
  await producer.send(messages(20_000, 60_000));
  const after = new Map<number, unknown>();
  for (const [i, workers] of [1, 2].entries()) {
    const server = servers[i]!;
    await new Promise((r) => setTimeout(r, 150 + 100 * i));
    server.child.kill('SIGKILL');
    await server.exited;
    const { c } = await start(dirs[i]!, workers === 1 ? 2 : 1);
    await until(c, 60_000);
    const rows = (await queryArrays(c, 'SELECT sum("offset")::text FROM kv_inline_progress')) as [string][];
    assert.equal(Number(rows[0]![0]), 60_000);
    after.set(workers, await observe(c));
  }
  assert.deepEqual(after.get(2), after.get(1));

  // The reference: a server that read all 60 000 messages in one go, on the main thread.
  const dir = mkdtempSync(join(tmpdir(), 'freshet-integration-workers-0-'));
  dirs.push(dir);
  const { c } = await start(dir, 0);
  await createSources(c);
  await until(c, 60_000);
  assert.deepEqual(after.get(1), await observe(c));
  await producer.close();
});
