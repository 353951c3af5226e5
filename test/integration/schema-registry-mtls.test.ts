// Schema registry over HTTPS with mutual TLS and basic auth, through the real
// `freshet serve`: the registry requires a client certificate from the test
// CA; SSL CERTIFICATE and SSL KEY (a secret) give it, without them the TLS
// handshake is refused and the error says so. No secret value shows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { connectPg, queryArrays, serveFreshet, type ServedFreshet } from '../helpers/server-process.js';
import { sqlError } from '../helpers/kafka-server.js';
import { testPki } from '../helpers/tls-proxy.js';
import { EmbeddedSchemaRegistry } from '../../src/storage/schema-registry/embedded-registry.js';

const dataDir = mkdtempSync(join(tmpdir(), 'freshet-csr-mtls-'));
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const registry = new EmbeddedSchemaRegistry({
  basicAuth: { username: 'freshet', password: PASSWORD },
  tls: { cert: testPki.serverCert, key: testPki.serverKey, ca: testPki.ca, requestCert: true },
});
let served: ServedFreshet;
let client: pg.Client;
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

before(async () => {
  await registry.start();
  registry.register('m-value', JSON.stringify({ type: 'record', name: 'M', fields: [{ name: 'id', type: 'long' }] }));
  served = await serveFreshet(dataDir);
  client = await connectPg(served.port);
  await client.query(`CREATE SECRET csr_pw AS ${literal(PASSWORD)}`);
  await client.query(`CREATE SECRET csr_key AS ${literal(testPki.clientKey)}`);
});

after(async () => {
  await client?.end();
  if (served) assert.equal(await served.stop(), 0, served.log());
  await registry.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('mutual TLS with basic auth: the client certificate is required, given by SSL CERTIFICATE and SSL KEY', async () => {
  const base = `URL '${registry.url}', USERNAME = 'freshet', PASSWORD = SECRET csr_pw, SSL CERTIFICATE AUTHORITY = ${literal(testPki.ca)}`;
  const without = await sqlError(client.query(`CREATE CONNECTION csr_none TO CONFLUENT SCHEMA REGISTRY (${base})`));
  assert.equal(without.code, '08006');
  assert.match(`${without.message} ${without.detail ?? ''}`, /certificate|socket hang up|ECONNRESET|handshake/i);

  const before = registry.requestLog.length;
  await client.query(`CREATE CONNECTION csr_mtls TO CONFLUENT SCHEMA REGISTRY (${base}, SSL CERTIFICATE = ${literal(testPki.clientCert)}, SSL KEY = SECRET csr_key)`);
  assert.ok(registry.requestLog.slice(before).includes('GET /subjects'));
  await client.query('VALIDATE CONNECTION csr_mtls');

  const shown = JSON.stringify(await queryArrays(client, 'SHOW CREATE CONNECTION csr_mtls'));
  assert.match(shown, /SSL KEY = SECRET csr_key/);
  for (const text of [shown, `${without.message} ${without.detail}`, served.log(), JSON.stringify(await queryArrays(client, 'SELECT * FROM mz_catalog.mz_connections'))]) {
    assert.ok(!text.includes(PASSWORD) && !text.includes('PRIVATE KEY'));
  }
});
