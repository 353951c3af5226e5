// The real `freshet serve` under disk faults, on its default storage (the
// persist layer on local disk under <data-dir>/persist), tested from outside:
// - its data directory on a small real file system (a tmpfs) that fills up:
//   INSERT and DDL fail with 53100, a source stalls with the disk-full error
//   and stays stalled while writes fail, everything resumes by itself when
//   space returns, and after a restart the rows are exactly the acknowledged
//   INSERTs and the source's messages, each once;
// - a flipped byte in, a truncation to zero and the deletion of a table's
//   blob: the damaged tables are not loaded and the log names them and the
//   blob, the rest is served;
// - a damaged consensus log (it holds the catalog, the secrets and every
//   collection's state): the server refuses to start, naming it;
// - a data directory of the earlier file layout: moved to the persist
//   storage on first start (refused, naming the file, when damaged).
// The tmpfs needs root on Linux; without it the disk-full test is skipped.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, readFileSync, writeFileSync, truncateSync, unlinkSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { connectProducer, startMockCluster, type TestMessage } from '../helpers/kafka-mock.js';
import { connectPg, eventuallyRows, pollUntil, queryArrays, serveFreshet, type ServedFreshet } from '../helpers/server-process.js';
import { mountSmallFs, type SmallFs } from '../helpers/small-fs.js';
import { tableItem, writeOldLayout } from '../helpers/file-layout.js';

const cluster = startMockCluster(1);
const servers: ServedFreshet[] = [];
const clients: pg.Client[] = [];
const cleanups: (() => void)[] = [];

after(async () => {
  for (const client of clients) await client.end().catch(() => undefined);
  for (const server of servers) await server.stop();
  cluster.destroy();
  for (const cleanup of cleanups.reverse()) cleanup();
});

async function start(dataDir: string): Promise<{ server: ServedFreshet; c: pg.Client }> {
  const server = await serveFreshet(dataDir);
  servers.push(server);
  const c = await connectPg(server.port);
  clients.push(c);
  return { server, c };
}

/** Fills the file system of `dir` with a filler file until a write fails with ENOSPC; returns the filler's path. */
function fillUp(dir: string, name: string): string {
  const path = join(dir, name);
  const fd = openSync(path, 'a');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return path;
}

async function sqlError(c: pg.Client, sql: string): Promise<{ code?: string; message: string }> {
  try {
    await c.query(sql);
  } catch (err) {
    return err as { code?: string; message: string };
  }
  assert.fail(`${sql} succeeded on a full disk`);
}

const sourceMessages = (from: number, to: number): TestMessage[] =>
  Array.from({ length: to - from }, (_, i) => ({ topic: 'diskfull', partition: (from + i) % 2, value: `m${String(from + i).padStart(5, '0')}${'p'.repeat(2000)}` }));

test('disk full: 53100 for INSERT and DDL, the source stays stalled, all resumes by itself, and a restart finds exactly what was acknowledged', async (t) => {
  const small: SmallFs | undefined = mountSmallFs('16m');
  if (!small) {
    t.skip('cannot mount a small file system here (needs root on Linux); the injected-ENOSPC unit tests cover the storage layer');
    return;
  }
  cleanups.push(() => small.unmount());
  const dataDir = join(small.dir, 'data');
  cluster.createTopic('diskfull', 2);
  const producer = await connectProducer(cluster.bootstrap);
  try {
    await producer.send(sourceMessages(0, 100));
    let { server, c } = await start(dataDir);
    await c.query('CREATE TABLE t (id int, pad text)');
    await c.query(`CREATE CONNECTION kc TO KAFKA (BROKER '${cluster.bootstrap}')`);
    await c.query("CREATE SOURCE s FROM KAFKA CONNECTION kc (TOPIC 'diskfull') FORMAT TEXT");
    await eventuallyRows(c, 'SELECT count(*) FROM s', [['100']]);

    const acked: number[] = [];
    let next = 0;
    const insert = async (): Promise<{ code?: string; message: string } | null> => {
      const id = next++;
      try {
        await c.query(`INSERT INTO t VALUES (${id}, repeat('x', 1000))`);
        acked.push(id);
        return null;
      } catch (err) {
        return err as { code?: string; message: string };
      }
    };
    for (let i = 0; i < 20; i++) assert.equal(await insert(), null);

    // The disk fills up.
    const fillers = [fillUp(small.dir, 'filler1')];
    let failure: { code?: string; message: string } | null = null;
    for (let i = 0; i < 200 && failure === null; i++) failure = await insert();
    fillers.push(fillUp(small.dir, 'filler2'));
    for (let i = 0; i < 5; i++) {
      const err = failure ?? (await insert());
      assert.ok(err !== null, 'INSERT fails on a full disk');
      assert.equal(err.code, '53100', err.message);
      assert.match(err.message, /disk full/);
      failure = null;
    }
    const ddl = await sqlError(c, 'CREATE TABLE u (a int)');
    assert.equal(ddl.code, '53100', ddl.message);

    // The source cannot store its tick: stalled with the disk-full error, and it stays so.
    await producer.send(sourceMessages(100, 300));
    await pollUntil(
      () => queryArrays(c, "SELECT status, error FROM mz_internal.mz_source_statuses WHERE name = 's'"),
      (rows) => rows[0]?.[0] === 'stalled' && /disk full/.test(String(rows[0]?.[1])),
      'source s stalled with the disk-full error',
    );
    for (let i = 0; i < 15; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const [row] = await queryArrays(c, "SELECT status, error FROM mz_internal.mz_source_statuses WHERE name = 's'");
      assert.equal(row?.[0], 'stalled', `still stalled while the disk is full (${JSON.stringify(row)})`);
    }

    // Space returns: everything resumes by itself.
    for (const f of fillers) unlinkSync(f);
    await eventuallyRows(c, 'SELECT count(*) FROM s', [['300']]);
    await eventuallyRows(c, "SELECT status FROM mz_internal.mz_source_statuses WHERE name = 's'", [['running']]);
    for (let i = 0; i < 10; i++) assert.equal(await insert(), null);
    await c.query('CREATE TABLE u (a int)');

    // Restart: exactly the acknowledged rows and messages, each once.
    assert.equal(await server.stop(), 0, server.log());
    ({ server, c } = await start(dataDir));
    const ids = (await queryArrays(c, 'SELECT id FROM t ORDER BY id')).map((r) => Number(r[0]));
    assert.deepEqual(ids, acked);
    await eventuallyRows(c, 'SELECT count(*), count(DISTINCT text) FROM s', [['300', '300']]);
    await producer.send(sourceMessages(300, 310));
    await eventuallyRows(c, 'SELECT count(*), count(DISTINCT text) FROM s', [['310', '310']]);
    assert.equal(await server.stop(), 0, server.log());
  } finally {
    await producer.close();
  }
});

/** The blob files of the shard of collection `id` (its data once a batch exceeds the inline size, or after compaction). */
function blobsOf(dataDir: string, id: string): string[] {
  const dir = join(dataDir, 'persist', 'blob');
  return readdirSync(dir)
    .filter((name) => decodeURIComponent(name).startsWith(`shard/${id}/`))
    .map((name) => join(dir, name));
}

test('damaged blobs (a flipped byte, truncated to zero, deleted): those tables are not loaded, the log names them, the rest is served', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-integration-damage-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  let { server, c } = await start(dataDir);
  const tables = ['flipped', 'zeroed', 'deleted', 'intact'];
  for (const name of tables) {
    await c.query(`CREATE TABLE ${name} (id int, pad text)`);
    // One batch larger than the inline limit (4 MiB): it is stored as a blob.
    await c.query(`INSERT INTO ${name} SELECT g, repeat('y', 200) FROM generate_series(1, 25000) AS g`);
  }
  await c.query('CREATE MATERIALIZED VIEW flipped_count AS SELECT count(*) FROM flipped');
  const ids = new Map((await queryArrays(c, "SELECT name, id FROM mz_tables WHERE name IN ('flipped', 'zeroed', 'deleted', 'intact')")).map((r) => [String(r[0]), String(r[1])]));
  assert.equal(await server.stop(), 0, server.log());

  const blob = (name: string): string => {
    const found = blobsOf(dataDir, ids.get(name)!);
    assert.equal(found.length, 1, `table ${name} has one blob`);
    return found[0]!;
  };
  const data = readFileSync(blob('flipped'));
  data[Math.floor(data.length / 2)]! ^= 0x10;
  writeFileSync(blob('flipped'), data);
  truncateSync(blob('zeroed'), 0);
  unlinkSync(blob('deleted'));

  ({ server, c } = await start(dataDir));
  assert.deepEqual(await queryArrays(c, 'SELECT count(*) FROM intact'), [['25000']]);
  for (const name of ['flipped', 'zeroed', 'deleted']) {
    await assert.rejects(c.query(`SELECT * FROM ${name}`), /does not exist/, `${name} is not served with partial rows`);
    assert.match(server.log(), new RegExp(`the stored data of table \\\\"${name}\\\\" is damaged and was not loaded: blob shard/${ids.get(name)}/`), `the log names ${name} and its blob`);
  }
  await assert.rejects(c.query('SELECT * FROM flipped_count'), /does not exist/);
  assert.match(server.log(), /is corrupted: checksum mismatch/);
  assert.match(server.log(), /is corrupted: not a Freshet batch/);
  assert.match(server.log(), /is corrupted: missing/);
  // The rest goes on: writes, DDL, and a restart.
  await c.query('INSERT INTO intact VALUES (0, NULL)');
  await c.query('CREATE TABLE more (a int)');
  assert.equal(await server.stop(), 0, server.log());
  ({ server, c } = await start(dataDir));
  assert.deepEqual(await queryArrays(c, 'SELECT count(*) FROM intact'), [['25001']]);
  assert.equal(await server.stop(), 0, server.log());
});

test('a damaged consensus log (the catalog, the secrets and every collection\'s state) stops the server with a message naming the file and what is wrong', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-integration-catalog-damage-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const { server, c } = await start(dataDir);
  await c.query('CREATE TABLE t (a int)');
  await c.query("CREATE SECRET s AS 'hunter2'");
  await c.query('INSERT INTO t VALUES (1)');
  assert.equal(await server.stop(), 0, server.log());

  const log = join(dataDir, 'persist', 'consensus.log');
  const good = readFileSync(log);
  const refused = (pattern: RegExp) => (err: Error) =>
    /the storage in .*persist cannot be opened/.test(err.message) && err.message.includes('consensus.log') && pattern.test(err.message) && /restore the data directory from a backup/.test(err.message);
  // A flipped byte in the catalog's last record, then in the secrets' record.
  for (const marker of ['CREATE TABLE', 'freshet-secrets']) {
    const at = good.lastIndexOf(marker);
    assert.ok(at > 0, `${marker} is in the consensus log`);
    const flipped = Buffer.from(good);
    flipped[at]! ^= 0x20;
    writeFileSync(log, flipped);
    await assert.rejects(serveFreshet(dataDir), refused(/fails its checksum, before the end of the \d+ bytes acknowledged/), marker);
  }
  writeFileSync(log, good.subarray(0, good.length - 20));
  await assert.rejects(serveFreshet(dataDir), refused(/shorter than the \d+ bytes acknowledged/));
  truncateSync(log, 0);
  await assert.rejects(serveFreshet(dataDir), refused(/0 bytes long \(truncated\)/));
  unlinkSync(log);
  await assert.rejects(serveFreshet(dataDir), refused(/missing \(deleted\)/));
  writeFileSync(log, good);
  const back = await start(dataDir);
  assert.deepEqual(await queryArrays(back.c, 'SELECT a FROM t'), [['1']]);
  assert.equal(await back.server.stop(), 0, back.server.log());
});

test('a data directory of the earlier file layout is moved to the persist storage on first start; a damaged old file refuses, naming it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-integration-migrate-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const layout = {
    items: [
      tableItem('u1', 't', 'CREATE TABLE t (id int, note text)'),
      { ...tableItem('u2', 'tv', 'CREATE MATERIALIZED VIEW tv AS SELECT count(*) AS n FROM materialize.public.t'), kind: 'materialized-view' as const, dependsOn: ['u1'] },
      { ...tableItem('u3', 'pw', 'CREATE SECRET pw AS \'********\''), kind: 'secret' as const },
    ],
    secrets: { u3: 'hunter2' },
    shards: {
      u1: [
        { time: 1000, updates: [1, 2, 3].map((i) => ({ row: [i, `n${i}`], diff: 1 })) },
        { time: 1001, updates: [{ row: [2, 'n2'], diff: -1 }] },
      ],
    },
  };
  const paths = await writeOldLayout(dataDir, layout);
  // Damaged first: refused with the file named, nothing changed.
  const good = readFileSync(paths['u1']!);
  const bad = Buffer.from(good);
  bad[20]! ^= 0x01;
  writeFileSync(paths['u1']!, bad);
  await assert.rejects(serveFreshet(dataDir), (err: Error) => err.message.includes(paths['u1']!) && /cannot move the data directory .* from the earlier file layout/.test(err.message));
  assert.ok(existsSync(join(dataDir, 'catalog', 'catalog.json')));
  writeFileSync(paths['u1']!, good);

  let { server, c } = await start(dataDir);
  assert.match(server.log(), /moved the data directory from the earlier file layout to the persist storage/);
  assert.equal(existsSync(join(dataDir, 'shards')) || existsSync(join(dataDir, 'catalog', 'catalog.json')), false, 'the old files are gone');
  assert.deepEqual(await queryArrays(c, 'SELECT id, note FROM t ORDER BY id'), [['1', 'n1'], ['3', 'n3']]);
  assert.deepEqual(await queryArrays(c, 'SELECT n FROM tv'), [['2']]);
  assert.deepEqual(await queryArrays(c, 'SHOW SECRETS'), [['pw']]);
  await c.query("INSERT INTO t VALUES (4, 'n4')");
  assert.equal(await server.stop(), 0, server.log());
  ({ server, c } = await start(dataDir));
  assert.doesNotMatch(server.log(), /earlier file layout/);
  assert.deepEqual(await queryArrays(c, 'SELECT n FROM tv'), [['3']]);
  assert.equal(await server.stop(), 0, server.log());
});
