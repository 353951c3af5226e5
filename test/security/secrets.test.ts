// Secrets at rest: encrypted with the secrets key (AES-256-GCM), never in
// logs, errors, SHOW CREATE, EXPLAIN, catalog relations or the data
// directory; a wrong key stops the server with a clear error; plaintext
// secrets of earlier versions are encrypted on the first start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { serveFreshet, type ServedFreshet } from '../helpers/server-process.js';
import { SecretStore } from '../../src/catalog/secrets.js';
import { decodeKeyText, resolveSecretsKey, SecretsKeyError } from '../../src/catalog/secrets-key.js';
import type { DurableDocument } from '../../src/persist/cell.js';
import { systemRelationNames } from '../../src/adapter/system/registry.js';
import { connect, isolateSecretsKey } from './helpers.js';

const SECRET = `hunter2-${randomBytes(8).toString('hex')}`;
const ROTATED = `rotated-${randomBytes(8).toString('hex')}`;
let configDir: string;
let dataDir: string;
let server: ServedFreshet;
let client: pg.Client;

/** Every file under `dir`, as bytes. */
function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push({ path, bytes: readFileSync(path) });
  }
  return out;
}

function assertNoSecretIn(text: string, where: string): void {
  for (const value of [SECRET, ROTATED]) assert.ok(!text.includes(value), `a secret value appears in ${where}`);
}

before(async () => {
  configDir = isolateSecretsKey();
  dataDir = mkdtempSync(join(tmpdir(), 'freshet-secrets-'));
  server = await serveFreshet(dataDir, ['--http-port', '0', '--log-level', 'debug']);
  client = await connect(server.port);
});

after(async () => {
  await client?.end();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(configDir, { recursive: true, force: true });
});

test('a secret value never appears in catalog output, SHOW CREATE, EXPLAIN, errors, logs or the data directory', async () => {
  await client.query(`CREATE SECRET kafka_password AS '${SECRET}'`);
  await client.query(`CREATE CONNECTION kafka_conn TO KAFKA (BROKER 'localhost:1', SECURITY PROTOCOL = 'SASL_PLAINTEXT', SASL MECHANISMS = 'PLAIN', SASL USERNAME = 'u', SASL PASSWORD = SECRET kafka_password) WITH (VALIDATE = false)`);
  await client.query(`ALTER SECRET kafka_password AS '${ROTATED}'`);
  const seen: string[] = [];
  const collect = async (sql: string): Promise<void> => {
    try {
      seen.push(JSON.stringify((await client.query(sql)).rows));
    } catch (err) {
      seen.push((err as Error).message);
    }
  };
  await collect('SHOW CREATE CONNECTION kafka_conn');
  await collect('SHOW SECRETS');
  await collect('SHOW CREATE SECRET kafka_password');
  await collect('EXPLAIN SELECT * FROM mz_secrets');
  // Errors that could quote the value.
  await collect(`CREATE SECRET kafka_password AS '${SECRET}'`);
  await collect(`CREATE SECRET bad AS '${SECRET}'::int`);
  await collect(`ALTER SECRET kafka_password AS '${SECRET}'::int`);
  // Every system relation.
  const relations = ['mz_catalog', 'mz_internal', 'pg_catalog', 'information_schema'].flatMap((s) => systemRelationNames(s).map((r) => [s, r] as const));
  assert.ok(relations.length > 20);
  for (const [s, r] of relations) await collect(`SELECT * FROM "${s}"."${r}"`);
  assert.ok(seen.some((text) => text.includes('kafka_password')), 'the secret is listed by name');
  for (const text of seen) assertNoSecretIn(text, 'query output');
  assert.ok(seen.some((text) => /invalid secret value/.test(text)));
  assertNoSecretIn(server.log(), 'the server log');
  for (const { path, bytes } of filesUnder(dataDir)) assertNoSecretIn(bytes.toString('latin1'), path);
});

test('the key lives outside the data directory (mode 0600); the secrets survive a restart with it', async () => {
  const keyFile = join(configDir, 'secrets.key');
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.ok(decodeKeyText(readFileSync(keyFile, 'utf8')));
  await client.end();
  await server.stop();
  server = await serveFreshet(dataDir, ['--http-port', '0']);
  client = await connect(server.port);
  assert.deepEqual((await client.query('SHOW SECRETS')).rows, [{ name: 'kafka_password' }]);
});

test('a wrong key is a clear startup error, never garbage', async () => {
  await client.end();
  await server.stop();
  process.env.FRESHET_SECRETS_KEY = randomBytes(32).toString('base64');
  try {
    await assert.rejects(serveFreshet(dataDir, ['--http-port', '0']), /encrypted with a different key than the FRESHET_SECRETS_KEY/);
  } finally {
    delete process.env.FRESHET_SECRETS_KEY;
  }
  // --secrets-key-file with the right key works.
  server = await serveFreshet(dataDir, ['--http-port', '0', '--secrets-key-file', join(configDir, 'secrets.key')]);
  client = await connect(server.port);
  assert.deepEqual((await client.query('SHOW SECRETS')).rows, [{ name: 'kafka_password' }]);
});

/** A DurableDocument in memory (the persist cell's contract). */
function memoryDocument(initial: unknown): DurableDocument & { value: unknown } {
  return {
    value: initial,
    read() {
      return this.value;
    },
    write(value: unknown) {
      this.value = JSON.parse(JSON.stringify(value)) as unknown;
    },
    flushed: () => Promise.resolve(),
  };
}

test('SecretStore: plaintext secrets (version 1) are encrypted on load; values round-trip; a tampered value is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-secretstore-'));
  try {
    const key = { key: randomBytes(32), source: 'test key' };
    const doc = memoryDocument({ u1: SECRET, u2: 'other' });
    const store = new SecretStore(dir, doc, key);
    assert.equal(store.migrated, 2);
    assert.equal(store.get('u1'), SECRET);
    const stored = JSON.stringify(doc.value);
    assertNoSecretIn(stored, 'the migrated document');
    assert.match(stored, /"format":"freshet-secrets","version":2,"cipher":"aes-256-gcm"/);
    // Each write uses fresh nonces: the same value never encrypts the same way twice.
    store.set('u3', SECRET);
    const values = (doc.value as { values: Record<string, string> }).values;
    assert.notEqual(values.u1, values.u3);
    assert.equal(new SecretStore(dir, doc, key).get('u3'), SECRET);
    // Another key: refused with a message, not garbage.
    assert.throws(() => new SecretStore(dir, doc, { key: randomBytes(32), source: 'other key' }), SecretsKeyError);
    // A value moved to another id fails its authentication (the id is bound in).
    const swapped = memoryDocument(JSON.parse(JSON.stringify(doc.value)));
    const v = (swapped.value as { values: Record<string, string> }).values;
    [v.u1, v.u2] = [v.u2!, v.u1!];
    assert.throws(() => new SecretStore(dir, swapped, key), /cannot be decrypted/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resolveSecretsKey: FRESHET_SECRETS_KEY as base64 or hex; a key file inside the data directory is refused', () => {
  const raw = randomBytes(32);
  assert.deepEqual(resolveSecretsKey({ dataDir: '/nonexistent', env: { FRESHET_SECRETS_KEY: raw.toString('base64') } }).key, raw);
  assert.deepEqual(resolveSecretsKey({ dataDir: '/nonexistent', env: { FRESHET_SECRETS_KEY: raw.toString('hex') } }).key, raw);
  assert.throws(() => resolveSecretsKey({ dataDir: '/nonexistent', env: { FRESHET_SECRETS_KEY: 'short' } }), /32-byte key/);
  const dir = mkdtempSync(join(tmpdir(), 'freshet-keyfile-'));
  try {
    assert.throws(() => resolveSecretsKey({ dataDir: dir, env: { FRESHET_CONFIG_DIR: join(dir, 'config') } }), /inside the data directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
