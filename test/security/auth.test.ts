// The SQL server's TLS, SCRAM-SHA-256 authentication, roles and privileges,
// end to end through `freshet serve` with pg and psql.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { serveFreshet, type ServedFreshet } from '../helpers/server-process.js';
import { connect, failure, isolateSecretsKey, tlsFile } from './helpers.js';

const run = promisify(execFile);

let dataDir: string;
let server: ServedFreshet;
let admin: pg.Client;

before(async () => {
  isolateSecretsKey();
  dataDir = mkdtempSync(join(tmpdir(), 'freshet-auth-'));
  server = await serveFreshet(dataDir, ['--tls-cert', tlsFile('server.pem'), '--tls-key', tlsFile('server.key'), '--http-port', '0']);
  admin = await connect(server.port);
  await admin.query("CREATE ROLE alice LOGIN PASSWORD 'alice-pw'");
  await admin.query("CREATE USER bob PASSWORD 'bob-pw'");
  await admin.query('CREATE ROLE nologin_role');
  await admin.query('CREATE TABLE t (a int)');
  await admin.query('INSERT INTO t VALUES (1), (2)');
});

after(async () => {
  await admin?.end();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function psql(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run('psql', ['-X', '-At', ...args], { env: { ...process.env, ...env }, timeout: 20_000 });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

test('TLS: pg with a verified certificate, and the connection is encrypted', async () => {
  const client = await connect(server.port, { ssl: true });
  try {
    const socket = (client as unknown as { connection: { stream: { encrypted?: boolean; getProtocol?: () => string } } }).connection.stream;
    assert.equal(socket.encrypted, true);
    assert.match(socket.getProtocol?.() ?? '', /TLS/);
    assert.deepEqual((await client.query('SELECT count(*)::int AS n FROM t')).rows, [{ n: 2 }]);
  } finally {
    await client.end();
  }
});

test('TLS: psql with sslmode=require (and verify-full against the CA)', async () => {
  const base = `host=127.0.0.1 port=${server.port} user=materialize dbname=materialize`;
  const required = await psql([`${base} sslmode=require`, '-c', 'SELECT 40 + 2']);
  assert.equal(required.code, 0, required.stderr);
  assert.equal(required.stdout.trim(), '42');
  const verified = await psql([`host=localhost port=${server.port} user=materialize dbname=materialize sslmode=verify-full sslrootcert=${tlsFile('ca.pem')}`, '-c', 'SELECT 1']);
  assert.equal(verified.code, 0, verified.stderr);
});

test('SCRAM-SHA-256: the right password logs in (pg and psql), a wrong one is 28P01', async () => {
  const alice = await connect(server.port, { user: 'alice', password: 'alice-pw' });
  assert.deepEqual((await alice.query('SELECT current_user AS u')).rows, [{ u: 'alice' }]);
  await alice.end();
  const overTls = await connect(server.port, { user: 'bob', password: 'bob-pw', ssl: true });
  await overTls.end();
  const wrong = await failure(connect(server.port, { user: 'alice', password: 'nope' }));
  assert.equal(wrong.code, '28P01');
  assert.equal(wrong.message, 'password authentication failed for user "alice"');
  const ok = await psql([`host=127.0.0.1 port=${server.port} user=alice dbname=materialize sslmode=disable`, '-c', 'SELECT 7'], { PGPASSWORD: 'alice-pw' });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), '7');
  const bad = await psql([`host=127.0.0.1 port=${server.port} user=alice dbname=materialize sslmode=disable`, '-c', 'SELECT 7'], { PGPASSWORD: 'wrong' });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /password authentication failed for user "alice"/);
});

test('a role with a password must give it over loopback too; a new name gets an unprivileged role (as Materialize); NOLOGIN roles are refused', async () => {
  const noPassword = await failure(connect(server.port, { user: 'alice' }));
  assert.match(noPassword.message, /password|SASL/i);
  // A name logging in for the first time from loopback gets a role of its own, without privileges.
  const mallory = await connect(server.port, { user: 'mallory' });
  assert.deepEqual((await mallory.query("SELECT rolsuper::text, rolcanlogin::text FROM pg_roles WHERE rolname = 'mallory'")).rows, [{ rolsuper: 'false', rolcanlogin: 'true' }]);
  await mallory.end();
  const nologin = await failure(connect(server.port, { user: 'nologin_role' }));
  assert.equal(nologin.code, '28000');
  assert.match(nologin.message, /not permitted to log in/);
});

test('privileges: 42501 without SELECT, GRANT makes it work, REVOKE takes it back', async () => {
  const alice = await connect(server.port, { user: 'alice', password: 'alice-pw' });
  try {
    const denied = await failure(alice.query('SELECT * FROM t'));
    assert.equal(denied.code, '42501');
    assert.equal(denied.message, 'permission denied for table t');
    await admin.query('GRANT SELECT ON TABLE t TO alice');
    assert.equal((await alice.query('SELECT * FROM t ORDER BY a')).rows.length, 2);
    // SELECT does not allow INSERT, and a CTE of the same name is not the table.
    assert.equal((await failure(alice.query('INSERT INTO t VALUES (3)'))).code, '42501');
    assert.equal((await alice.query('WITH x AS (SELECT 1 AS a) SELECT * FROM x')).rows.length, 1);
    await admin.query('GRANT INSERT ON t TO alice');
    await alice.query('INSERT INTO t VALUES (3)');
    await admin.query('REVOKE SELECT, INSERT ON t FROM alice');
    assert.equal((await failure(alice.query('SELECT * FROM t'))).code, '42501');
    assert.equal((await failure(alice.query('COPY t TO STDOUT'))).code, '42501');
    assert.equal((await failure(alice.query('SELECT * FROM (SELECT * FROM t) AS s'))).code, '42501');
    // Only the owner (or a superuser) grants.
    assert.equal((await failure(alice.query('GRANT SELECT ON t TO alice'))).code, '42501');
  } finally {
    await alice.end();
  }
});

test('ownership: the creator owns (may drop, read, grant); others need grants; superusers bypass', async () => {
  const alice = await connect(server.port, { user: 'alice', password: 'alice-pw' });
  const bob = await connect(server.port, { user: 'bob', password: 'bob-pw' });
  try {
    const noCreate = await failure(alice.query('CREATE TABLE mine (x int)'));
    assert.equal(noCreate.code, '42501');
    assert.equal(noCreate.message, 'permission denied for schema public');
    await admin.query('GRANT CREATE ON SCHEMA public TO alice');
    await alice.query('CREATE TABLE mine (x int)');
    await alice.query('INSERT INTO mine VALUES (10)');
    await alice.query('CREATE VIEW mine_v AS SELECT x * 2 AS y FROM mine');
    assert.deepEqual((await admin.query('SELECT * FROM mine')).rows, [{ x: 10 }]);
    const owner = await admin.query("SELECT r.name FROM mz_tables t JOIN mz_roles r ON t.owner_id = r.id WHERE t.name = 'mine'");
    assert.deepEqual(owner.rows, [{ name: 'alice' }]);
    // bob may read the view once granted, through alice's access to the table (as PostgreSQL).
    assert.equal((await failure(bob.query('SELECT * FROM mine_v'))).message, 'permission denied for view mine_v');
    await alice.query('GRANT SELECT ON mine_v TO bob');
    assert.deepEqual((await bob.query('SELECT * FROM mine_v')).rows, [{ y: 20 }]);
    assert.equal((await failure(bob.query('SELECT * FROM mine'))).code, '42501');
    // Not the owner: cannot drop, alter or rename.
    const drop = await failure(bob.query('DROP TABLE mine CASCADE'));
    assert.equal(drop.code, '42501');
    assert.equal(drop.message, 'must be owner of table mine');
    assert.equal((await failure(alice.query('DROP TABLE t'))).message, 'must be owner of table t');
    // An owner cannot be dropped while it owns objects.
    assert.equal((await failure(admin.query('DROP ROLE alice'))).code, '2BP01');
    await alice.query('DROP VIEW mine_v');
    await alice.query('DROP TABLE mine');
    await admin.query('REVOKE CREATE ON SCHEMA public FROM alice');
  } finally {
    await alice.end();
    await bob.end();
  }
});

test('roles: pg_roles and mz_roles list them, verifiers never shown; ALTER ROLE changes a password; DROP ROLE', async () => {
  const roles = await admin.query("SELECT rolname, rolsuper, rolcanlogin, rolpassword FROM pg_roles WHERE rolname IN ('materialize', 'alice', 'nologin_role') ORDER BY rolname");
  assert.deepEqual(roles.rows, [
    { rolname: 'alice', rolsuper: false, rolcanlogin: true, rolpassword: '********' },
    { rolname: 'materialize', rolsuper: true, rolcanlogin: true, rolpassword: null },
    { rolname: 'nologin_role', rolsuper: false, rolcanlogin: false, rolpassword: null },
  ]);
  assert.deepEqual((await admin.query('SELECT count(*)::int AS n FROM pg_authid WHERE rolpassword IS NOT NULL')).rows, [{ n: 0 }]);
  await admin.query('CREATE ROLE carol LOGIN PASSWORD $$first$$');
  const carol = await connect(server.port, { user: 'carol', password: 'first' });
  // A role may change its own password, not its attributes.
  await carol.query("ALTER ROLE carol PASSWORD 'second'");
  assert.equal((await failure(carol.query('ALTER ROLE carol SUPERUSER'))).code, '42501');
  assert.equal((await failure(carol.query('CREATE ROLE dave'))).code, '42501');
  await carol.end();
  assert.equal((await failure(connect(server.port, { user: 'carol', password: 'first' }))).code, '28P01');
  (await connect(server.port, { user: 'carol', password: 'second' })).end();
  await admin.query('DROP ROLE carol');
  // The password went with the role: carol logging in again from loopback is a new, unprivileged role.
  const again = await connect(server.port, { user: 'carol', password: 'second' });
  assert.deepEqual((await again.query("SELECT rolsuper::text FROM pg_roles WHERE rolname = 'carol'")).rows, [{ rolsuper: 'false' }]);
  await again.end();
  await admin.query('DROP ROLE carol');
  assert.equal((await failure(admin.query('DROP ROLE materialize'))).code, '55006');
});

test('roles and grants survive a restart; the superuser may log in without a password only over loopback', async () => {
  await admin.query('GRANT SELECT ON t TO bob');
  await admin.end();
  await server.stop();
  server = await serveFreshet(dataDir, ['--http-port', '0']);
  admin = await connect(server.port);
  const bob = await connect(server.port, { user: 'bob', password: 'bob-pw' });
  assert.ok((await bob.query('SELECT * FROM t')).rows.length >= 2);
  await bob.end();
});

test('--require-tls refuses unencrypted clients with a clear error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-tls-'));
  const strict = await serveFreshet(dir, ['--tls-cert', tlsFile('server.pem'), '--tls-key', tlsFile('server.key'), '--require-tls', '--http-port', '0']);
  try {
    const plain = await failure(connect(strict.port));
    assert.equal(plain.code, '28000');
    assert.match(plain.message, /requires TLS/);
    const encrypted = await connect(strict.port, { ssl: true });
    await encrypted.end();
    const viaPsql = await psql([`host=127.0.0.1 port=${strict.port} user=materialize dbname=materialize sslmode=disable`, '-c', 'SELECT 1']);
    assert.notEqual(viaPsql.code, 0);
    assert.match(viaPsql.stderr, /requires TLS/);
  } finally {
    await strict.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('listening beyond loopback without any password is refused at startup unless --allow-insecure-listen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-listen-'));
  try {
    await assert.rejects(serveFreshet(dir, ['--host', '0.0.0.0', '--http-port', '0']), /refusing to listen on 0\.0\.0\.0 without authentication/);
    const insecure = await serveFreshet(dir, ['--host', '0.0.0.0', '--http-port', '0', '--allow-insecure-listen']);
    const client = await connect(insecure.port);
    await client.query("ALTER ROLE materialize PASSWORD 'root-pw'");
    await client.end();
    await insecure.stop();
    // With a password set, listening everywhere is allowed, and the superuser must now give it.
    const secured = await serveFreshet(dir, ['--host', '0.0.0.0', '--http-port', '0']);
    try {
      assert.match((await failure(connect(secured.port))).message, /password/i);
      const withPassword = await connect(secured.port, { password: 'root-pw' });
      await withPassword.end();
    } finally {
      await secured.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
