// Freshet on persist storage (`freshet serve --storage ...`) end to end:
// sources (append-only, upsert, a decode error and its retraction), tables,
// views and secrets across restarts where each new server starts with an
// EMPTY --data-dir (everything durable is in the storage); and two servers
// on one PostgreSQL storage: the second fences the first out (it exits, saying
// why) and takes over with exactly the acknowledged contents.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { connectProducer, startMockCluster, type TestMessage } from '../helpers/kafka-mock.js';
import { connectPg, eventuallyError, eventuallyRows, queryArrays, serveFreshet, type ServedFreshet } from '../helpers/server-process.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

const cluster = startMockCluster(1);
const servers: ServedFreshet[] = [];
const clients: pg.Client[] = [];
const dirs: string[] = [];
let postgres: TestPostgres;

before(async () => {
  postgres = await startPostgres();
});

after(async () => {
  for (const client of clients) await client.end().catch(() => undefined);
  for (const server of servers) await server.stop();
  cluster.destroy();
  await postgres?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const emptyDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'freshet-persist-it-'));
  dirs.push(d);
  return d;
};

async function start(storage: string, dataDir = emptyDir()): Promise<{ server: ServedFreshet; c: pg.Client }> {
  const server = await serveFreshet(dataDir, ['--storage', storage]);
  servers.push(server);
  const c = await connectPg(server.port);
  clients.push(c);
  return { server, c };
}

const lines = (topic: string, from: number, to: number): TestMessage[] =>
  Array.from({ length: to - from }, (_, i) => ({ topic, partition: (from + i) % 2, value: `m${String(from + i).padStart(4, '0')}` }));

async function restartsKeepEverything(storage: () => Promise<{ url: string; dataDir?: string }>, topicPrefix: string): Promise<void> {
  const producer = await connectProducer(cluster.bootstrap);
  const linesTopic = `${topicPrefix}_lines`;
  const kvTopic = `${topicPrefix}_kv`;
  try {
    cluster.createTopic(linesTopic, 2);
    cluster.createTopic(kvTopic, 1);
    await producer.send(lines(linesTopic, 0, 100));
    await producer.send([
      { topic: kvTopic, partition: 0, key: 'a', value: '{"n": 1}' },
      { topic: kvTopic, partition: 0, key: 'b', value: 'not json' },
    ]);
    const where = await storage();
    let { server, c } = await start(where.url, where.dataDir);
    await c.query('CREATE SECRET pw AS \'hunter2\'');
    await c.query(`CREATE CONNECTION kc TO KAFKA (BROKER '${cluster.bootstrap}')`);
    await c.query(`CREATE SOURCE lines FROM KAFKA CONNECTION kc (TOPIC '${linesTopic}') FORMAT TEXT`);
    await c.query(`CREATE SOURCE kv FROM KAFKA CONNECTION kc (TOPIC '${kvTopic}') KEY FORMAT TEXT VALUE FORMAT JSON ENVELOPE UPSERT`);
    await c.query('CREATE TABLE t (id int, note text)');
    await c.query("INSERT INTO t VALUES (1, 'one'), (2, 'two')");
    await c.query('CREATE MATERIALIZED VIEW stats AS SELECT count(*) AS n, count(DISTINCT text) AS texts FROM lines');
    await c.query('CREATE MATERIALIZED VIEW joined AS SELECT t.note, count(*) FROM t, lines GROUP BY t.note');
    await eventuallyRows(c, 'SELECT n, texts FROM stats', [['100', '100']]);
    // The undecodable value is a durable error of the source.
    const decodeError = await eventuallyError(c, 'SELECT * FROM kv');
    assert.match(decodeError.message, /Decode error/);

    await server.stop();
    await producer.send(lines(linesTopic, 100, 150));
    ({ server, c } = await start(where.url, where.dataDir));
    await eventuallyRows(c, 'SELECT n, texts FROM stats', [['150', '150']]);
    assert.deepEqual(await queryArrays(c, 'SELECT id, note FROM t ORDER BY id'), [['1', 'one'], ['2', 'two']]);
    assert.deepEqual(await queryArrays(c, 'SELECT note, count FROM joined ORDER BY note'), [['one', '150'], ['two', '150']]);
    assert.match((await eventuallyError(c, 'SELECT * FROM kv')).message, /Decode error/);
    assert.deepEqual(await queryArrays(c, 'SHOW SECRETS'), [['pw']]);
    // The error is retracted by an upsert of its key; then a restart keeps that too.
    await producer.send([{ topic: kvTopic, partition: 0, key: 'b', value: '{"n": 2}' }]);
    await eventuallyRows(c, "SELECT key, data->>'n' FROM kv ORDER BY key", [['a', '1'], ['b', '2']]);
    await c.query("INSERT INTO t VALUES (3, 'three')");
    await c.query('DELETE FROM t WHERE id = 1');

    await server.stop();
    ({ server, c } = await start(where.url, where.dataDir));
    await eventuallyRows(c, "SELECT key, data->>'n' FROM kv ORDER BY key", [['a', '1'], ['b', '2']]);
    assert.deepEqual(await queryArrays(c, 'SELECT id, note FROM t ORDER BY id'), [['2', 'two'], ['3', 'three']]);
    await producer.send(lines(linesTopic, 150, 160));
    await eventuallyRows(c, 'SELECT n, texts FROM stats', [['160', '160']]);
    assert.deepEqual(
      await queryArrays(c, 'SELECT text FROM lines ORDER BY text'),
      Array.from({ length: 160 }, (_, i) => [`m${String(i).padStart(4, '0')}`]),
    );
    await server.stop();
  } finally {
    await producer.close();
  }
}

test('on PostgreSQL storage, sources, tables, views and secrets survive restarts of servers with empty data directories', async () => {
  await restartsKeepEverything(async () => ({ url: await postgres.createDatabase('restarts') }), 'pgr');
});

test('on local persist storage (--storage local), the same holds across restarts on one data directory', async () => {
  const dataDir = emptyDir();
  await restartsKeepEverything(async () => ({ url: 'local', dataDir }), 'lcr');
});

test('a second server on the same PostgreSQL storage fences the first out and takes over exactly where it stopped', async () => {
  const url = await postgres.createDatabase('takeover');
  const first = await start(url);
  await first.c.query('CREATE TABLE w (i int)');
  await first.c.query('CREATE MATERIALIZED VIEW wn AS SELECT count(*) AS n, sum(i) AS s FROM w');
  // A writer that keeps inserting until the first server goes away.
  const acknowledged: number[] = [];
  let attempted = 0;
  const writer = (async () => {
    for (let i = 0; ; i++) {
      attempted = i + 1;
      try {
        await first.c.query(`INSERT INTO w VALUES (${i})`);
      } catch {
        return;
      }
      acknowledged.push(i);
    }
  })();
  while (acknowledged.length < 50) await new Promise((r) => setTimeout(r, 10));

  const second = await start(url);
  const code = await first.server.exited;
  await writer;
  assert.equal(code, 3, first.server.log());
  assert.match(first.server.log(), /another server took over the storage: this server stops writing/);
  assert.match(first.server.log(), /fenced out by a newer server/);

  // Every acknowledged insert is there, nothing beyond what was attempted, and no duplicates.
  const rows = (await queryArrays(second.c, 'SELECT i FROM w ORDER BY i')).map((r) => Number(r[0]));
  assert.equal(new Set(rows).size, rows.length);
  for (const i of acknowledged) assert.ok(rows.includes(i), `acknowledged row ${i} missing`);
  assert.ok(rows.every((i) => i < attempted));
  assert.deepEqual(rows, Array.from({ length: rows.length }, (_, i) => i));
  const [[n]] = (await queryArrays(second.c, 'SELECT n FROM wn')) as [[string]];
  assert.equal(Number(n), rows.length);

  // The new server writes on; a third takes over from it in turn with everything.
  await second.c.query('INSERT INTO w VALUES (-1)');
  const third = await start(url);
  assert.equal(await second.server.exited, 3);
  assert.deepEqual(await queryArrays(third.c, 'SELECT count(*) FROM w'), [[String(rows.length + 1)]]);
  assert.deepEqual(await queryArrays(third.c, 'SELECT n FROM wn'), [[String(rows.length + 1)]]);
});
