// End to end: the real `freshet serve` process with the real coordinator,
// driven by psql and pg; clean shutdown on SIGTERM; data survives a restart.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runPsql } from './harness.js';
import { serveFreshet, type ServedFreshet } from '../helpers/server-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'freshet-e2e-'));

after(() => rmSync(dataDir, { recursive: true, force: true }));

const serve = (): Promise<ServedFreshet> => serveFreshet(dataDir);

async function stop(served: ServedFreshet): Promise<void> {
  assert.equal(await served.stop(), 0, served.log());
}

test('freshet serve runs SQL from psql and pg, stops cleanly, and keeps its data across a restart', async () => {
  const first = await serve();
  const script = await runPsql(first.port, [
    '-At',
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    'CREATE TABLE items (id int, name text)',
    '-c',
    "INSERT INTO items VALUES (1, 'apple'), (2, 'pear'), (3, NULL)",
    '-c',
    'SELECT id, name FROM items ORDER BY id',
  ]);
  assert.equal(script.code, 0, script.stderr);
  assert.equal(script.stdout, 'CREATE TABLE\nINSERT 0 3\n1|apple\n2|pear\n3|\n');

  const failing = await runPsql(first.port, ['-c', 'SELECT nope FROM items']);
  assert.equal(failing.code, 1);
  assert.match(failing.stderr, /ERROR: {2}column "nope" does not exist/);

  const client = new pg.Client({ host: '127.0.0.1', port: first.port, user: 'materialize', database: 'materialize' });
  await client.connect();
  const byId = await client.query('SELECT name FROM items WHERE id = $1', [2]);
  assert.deepEqual(byId.rows, [{ name: 'pear' }]);
  // LIMIT / OFFSET as parameters (pagination from a driver), counted when bound.
  const page = await client.query('SELECT id FROM items ORDER BY id LIMIT $1 OFFSET $2', [2, 1]);
  assert.deepEqual(page.rows, [{ id: 2 }, { id: 3 }]);
  const unlimited = await client.query('SELECT id FROM items ORDER BY id LIMIT $1', [null]);
  assert.equal(unlimited.rows.length, 3);
  await assert.rejects(client.query('SELECT id FROM items LIMIT $1', [-1]), (err) => (err as { code?: string }).code === '2201W');
  await assert.rejects(client.query('CREATE VIEW paged AS SELECT id FROM items LIMIT $1', [1]), (err) => (err as { code?: string }).code !== undefined);
  // regclass: names resolved through the search path when planned, printed back as the search path shows them.
  const regclass = await client.query(
    "SELECT 'items'::regclass AS r, 'public.items'::regclass::oid = (SELECT oid FROM pg_class WHERE relname = 'items') AS same, 'mz_catalog.mz_tables'::regclass AS m",
  );
  assert.deepEqual(regclass.rows, [{ r: 'items', same: true, m: 'mz_tables' }]);
  const columns = await client.query("SELECT attname FROM pg_attribute WHERE attrelid = 'items'::regclass ORDER BY attnum");
  assert.deepEqual(columns.rows.map((r: { attname: string }) => r.attname), ['id', 'name']);
  // Casts to and from text look the catalog up when they run (regclassout / regclassin).
  const casts = await client.query(
    "SELECT 'items'::regclass::text AS t, relname::regclass::oid = oid AS back, oid::regclass::text AS name FROM pg_class WHERE relname = 'items'",
  );
  assert.deepEqual(casts.rows, [{ t: 'items', back: true, name: 'items' }]);
  await assert.rejects(client.query("SELECT 'no_such'::text::regclass"), (err) => (err as { code?: string }).code === '42P01');
  await client.query('SET search_path = mz_internal');
  assert.deepEqual((await client.query("SELECT 'public.items'::regclass AS r")).rows, [{ r: 'public.items' }]);
  await client.query('SET search_path = public');
  await assert.rejects(client.query("SELECT 'no_such'::regclass"), (err) => (err as { code?: string }).code === '42P01');
  const counted = await client.query('SELECT count(*) AS n FROM items');
  assert.equal(String(counted.rows[0].n), '3');
  await assert.rejects(client.query('SELECT * FROM missing_table'), (err) => (err as { code?: string }).code === '42P01');
  // A connection still open at shutdown is told why it ends.
  const told = new Promise<string | undefined>((resolve) => client.on('error', (err) => resolve((err as { code?: string }).code)));
  await stop(first);
  assert.equal(await told, '57P01');

  const second = await serve();
  const reread = await runPsql(second.port, ['-At', '-c', 'SELECT id, name FROM items ORDER BY id']);
  assert.equal(reread.code, 0, reread.stderr);
  assert.equal(reread.stdout, '1|apple\n2|pear\n3|\n');
  await stop(second);
});
