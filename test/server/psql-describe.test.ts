// psql's describe commands (\d, \d+, \di) against the real `freshet serve`:
// the catalog queries psql 15 sends must answer, and print what PostgreSQL
// would, with Freshet's one index method ("arrangement") where PostgreSQL says
// "btree".
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPsql } from './harness.js';
import { serveFreshet } from '../helpers/server-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'freshet-psql-describe-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('psql \\d of a table with an index, \\d of the index, \\d+ of a view, \\di', async () => {
  const served = await serveFreshet(dataDir);
  try {
    const setup = await runPsql(served.port, [
      '-v', 'ON_ERROR_STOP=1',
      '-c', 'CREATE TABLE t (a int NOT NULL DEFAULT 1, b text)',
      '-c', 'CREATE INDEX t_a ON t (a)',
      '-c', 'CREATE VIEW v AS SELECT a FROM t',
    ]);
    assert.equal(setup.code, 0, setup.stderr);

    const table = await runPsql(served.port, ['-c', '\\d t']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /Table "public\.t"/);
    assert.match(table.stdout, /^ a +\| integer +\| +\| not null \| 1/m);
    assert.match(table.stdout, /Indexes:\n {4}"t_a" arrangement \(a\)/);

    const index = await runPsql(served.port, ['-c', '\\d t_a']);
    assert.equal(index.code, 0, index.stderr);
    assert.match(index.stdout, /Index "public\.t_a"/);
    assert.match(index.stdout, /^ a +\| integer \| a\s*$/m);
    assert.doesNotMatch(index.stdout, /^ b /m);
    assert.match(index.stdout, /arrangement, for table "public\.t"/);

    const view = await runPsql(served.port, ['-c', '\\d+ v']);
    assert.equal(view.code, 0, view.stderr);
    assert.match(view.stdout, /View "public\.v"/);
    assert.match(view.stdout, /View definition:\n\s*SELECT a FROM t;/);

    const indexes = await runPsql(served.port, ['-At', '-c', '\\di']);
    assert.equal(indexes.code, 0, indexes.stderr);
    assert.equal(indexes.stdout, 'public|t_a|index|materialize|t\n');

    const sql = await runPsql(served.port, ['-At', '-c', "SELECT pg_get_indexdef('t_a'::regclass), pg_get_indexdef('t_a'::regclass, 1, true), pg_get_viewdef('v'::regclass, true)"]);
    assert.equal(sql.stdout, 'CREATE INDEX t_a ON public.t USING arrangement (a)|a|SELECT a FROM t;\n');
    // The other \d commands answer (empty where Freshet has no such objects).
    for (const command of ['\\df', '\\dx', '\\dp', '\\dm', '\\dn', '\\du', '\\l', '\\dT']) {
      const listed = await runPsql(served.port, ['-c', command]);
      assert.equal(listed.code, 0, `${command}: ${listed.stderr}`);
    }
    const types = await runPsql(served.port, ['-At', '-c', "SELECT 'pg_catalog.trigger'::regtype, 'void'::regtype::oid, 'integer'::regtype"]);
    assert.equal(types.stdout, 'trigger|2278|integer\n');
    const names = await runPsql(served.port, ['-At', '-c', "SELECT 't_a'::regclass, 'public.t_a'::regclass::oid = 't_a'::regclass::oid"]);
    assert.equal(names.stdout, 't_a|t\n');
  } finally {
    assert.equal(await served.stop(), 0);
  }
});
