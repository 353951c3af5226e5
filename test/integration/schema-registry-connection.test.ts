// CREATE / ALTER / VALIDATE / SHOW CREATE / DROP CONNECTION ... TO CONFLUENT
// SCHEMA REGISTRY end to end: the real `freshet serve` process against the
// embedded registry (basic auth over HTTPS with the test CA).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { connectPg, queryArrays, serveFreshet, type ServedFreshet } from '../helpers/server-process.js';
import { testPki } from '../helpers/tls-proxy.js';
import { EmbeddedSchemaRegistry } from '../../src/storage/schema-registry/embedded-registry.js';

const dataDir = mkdtempSync(join(tmpdir(), 'freshet-csr-'));
const PASSWORD = 'correct-horse-battery';
const registry = new EmbeddedSchemaRegistry({ basicAuth: { username: 'freshet', password: PASSWORD }, tls: { cert: testPki.serverCert, key: testPki.serverKey } });
let served: ServedFreshet;
let client: pg.Client;

const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

async function sqlError(promise: Promise<unknown>): Promise<{ message: string; code?: string; detail?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { message: string; code?: string; detail?: string };
  }
  throw new Error('expected the statement to fail');
}

before(async () => {
  await registry.start();
  registry.register('purchases-value', JSON.stringify({ type: 'record', name: 'Purchase', fields: [{ name: 'id', type: 'long' }] }));
  served = await serveFreshet(dataDir);
  client = await connectPg(served.port);
  await client.query(`CREATE SECRET csr_password AS ${literal(PASSWORD)}`);
  await client.query(`CREATE SECRET csr_ca AS ${literal(testPki.ca)}`);
});

after(async () => {
  await client?.end();
  if (served) assert.equal(await served.stop(), 0, served.log());
  await registry.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const createCsr = (name: string, passwordSecret: string, extra = ''): string =>
  `CREATE CONNECTION ${name} TO CONFLUENT SCHEMA REGISTRY (URL '${registry.url}', USERNAME = 'freshet', PASSWORD = SECRET ${passwordSecret}, SSL CERTIFICATE AUTHORITY = SECRET csr_ca)${extra}`;

test('CREATE CONNECTION validates against the registry; SHOW CREATE CONNECTION shows no secret; the connection survives a restart', async () => {
  const before = registry.requestLog.length;
  await client.query(createCsr('csr', 'csr_password'));
  assert.ok(registry.requestLog.slice(before).includes('GET /subjects'), 'creation asked the registry for its subjects');

  const shown = await queryArrays(client, 'SHOW CREATE CONNECTION csr');
  const createSql = String(shown[0]![1]);
  assert.match(createSql, /TO CONFLUENT SCHEMA REGISTRY/);
  assert.match(createSql, /PASSWORD = SECRET csr_password/);
  assert.doesNotMatch(createSql, new RegExp(PASSWORD));
  assert.doesNotMatch(createSql, /BEGIN CERTIFICATE/);
  const listed = await queryArrays(client, "SELECT name FROM mz_catalog.mz_connections WHERE name = 'csr'");
  assert.deepEqual(listed, [['csr']]);

  await client.query('VALIDATE CONNECTION csr');

  // Restart: the catalog is re-planned without the registry's help.
  await client.end();
  assert.equal(await served.stop(), 0, served.log());
  registry.setDown(true);
  served = await serveFreshet(dataDir);
  client = await connectPg(served.port);
  assert.deepEqual(await queryArrays(client, "SELECT name FROM mz_catalog.mz_connections WHERE name = 'csr'"), [['csr']]);
  const down = await sqlError(client.query('VALIDATE CONNECTION csr'));
  assert.equal(down.code, '08006');
  assert.match(down.detail ?? '', /HTTP 503: Error in the backend data store \(50001\)/);
  registry.setDown(false);
  await client.query('VALIDATE CONNECTION csr');
});

test('a wrong password fails validation with a clear error that does not contain the password; VALIDATE = false skips validation', async () => {
  await client.query("CREATE SECRET wrong_password AS 'not-the-password-123'");
  const wrong = await sqlError(client.query(createCsr('csr_wrong', 'wrong_password')));
  assert.equal(wrong.code, '08006');
  assert.equal(wrong.message, `failed to connect to schema registry at ${registry.url}`);
  assert.equal(wrong.detail, 'unauthorized: the registry rejected the credentials (40101)');
  assert.doesNotMatch(`${wrong.message} ${wrong.detail}`, /not-the-password-123|correct-horse/);
  assert.deepEqual(await queryArrays(client, "SELECT name FROM mz_catalog.mz_connections WHERE name = 'csr_wrong'"), []);

  // Unreachable, and not trusted: both say why.
  const refused = await sqlError(client.query("CREATE CONNECTION csr_refused TO CONFLUENT SCHEMA REGISTRY (URL 'http://127.0.0.1:1')"));
  assert.equal(refused.code, '08006');
  assert.match(refused.detail ?? '', /ECONNREFUSED/);
  const untrusted = await sqlError(client.query(`CREATE CONNECTION csr_untrusted TO CONFLUENT SCHEMA REGISTRY (URL '${registry.url}')`));
  assert.equal(untrusted.code, '08006');
  assert.match(untrusted.detail ?? '', /certificate/);

  await client.query(createCsr('csr_unvalidated', 'wrong_password', ' WITH (VALIDATE = false)'));
  const validate = await sqlError(client.query('VALIDATE CONNECTION csr_unvalidated'));
  assert.equal(validate.code, '08006');
  assert.match(validate.detail ?? '', /40101/);

  // ALTER CONNECTION validates the new options (unless VALIDATE = false) and keeps secrets out of the stored SQL.
  const stillWrong = await sqlError(client.query("ALTER CONNECTION csr_unvalidated SET (USERNAME = 'someone-else')"));
  assert.equal(stillWrong.code, '08006');
  await client.query('ALTER CONNECTION csr_unvalidated SET (PASSWORD = SECRET csr_password)');
  await client.query('VALIDATE CONNECTION csr_unvalidated');
  const shown = String((await queryArrays(client, 'SHOW CREATE CONNECTION csr_unvalidated'))[0]![1]);
  assert.match(shown, /PASSWORD = SECRET/);
  assert.doesNotMatch(shown, new RegExp(PASSWORD));
  await client.query("ALTER CONNECTION csr_unvalidated SET (USERNAME = 'someone-else') WITH (VALIDATE = false)");
  assert.match(String((await queryArrays(client, 'SHOW CREATE CONNECTION csr_unvalidated'))[0]![1]), /USERNAME = 'someone-else'/);
  assert.equal((await sqlError(client.query('VALIDATE CONNECTION csr_unvalidated'))).code, '08006');

  // ALTER SECRET applies to the next use of the connection.
  await client.query(`ALTER SECRET wrong_password AS ${literal(PASSWORD)}`);
  await client.query("ALTER CONNECTION csr_unvalidated SET (USERNAME = 'freshet', PASSWORD = SECRET wrong_password)");
  await client.query('VALIDATE CONNECTION csr_unvalidated');
});

test('planning errors and DROP', async () => {
  const badUrl = await sqlError(client.query("CREATE CONNECTION bad TO CONFLUENT SCHEMA REGISTRY (URL 'registry:8081')"));
  assert.equal(badUrl.code, '22023');
  assert.match(badUrl.message, /scheme must be http or https/);
  const noUrl = await sqlError(client.query("CREATE CONNECTION bad TO CONFLUENT SCHEMA REGISTRY (USERNAME = 'u')"));
  assert.equal(noUrl.code, '42601');
  const tunnel = await sqlError(client.query("CREATE CONNECTION bad TO CONFLUENT SCHEMA REGISTRY (URL 'http://r', SSH TUNNEL t)"));
  assert.equal(tunnel.code, '0A000');

  await client.query(createCsr('csr_drop', 'csr_password'));
  // The secret is in use.
  assert.ok((await sqlError(client.query('DROP SECRET csr_ca'))).code);
  await client.query('DROP CONNECTION csr_drop');
  assert.deepEqual(await queryArrays(client, "SELECT name FROM mz_catalog.mz_connections WHERE name = 'csr_drop'"), []);
  await client.query('DROP CONNECTION IF EXISTS csr_drop');
});
