// The schema registry connection planner, client and embedded registry: the
// client against the embedded registry over HTTP, HTTPS and mutual TLS, with
// basic auth, references, caching, every error code and outages.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { parse } from '../../src/sql/parser.js';
import type { CreateConnectionStatement, ObjectName } from '../../src/sql/ast.js';
import { SqlError } from '../../src/repr/errors.js';
import { SchemaRegistryError, type CsrConnectionSpec, type SchemaRegistryClient } from '../../src/storage/schema-registry/api.js';
import { createSchemaRegistryClient, registryRequestCount, SchemaRegistryClients } from '../../src/storage/schema-registry/client.js';
import { planCsrConnection } from '../../src/storage/schema-registry/connection-plan.js';
import { EmbeddedSchemaRegistry, type EmbeddedRegistryOptions } from '../../src/storage/schema-registry/embedded-registry.js';
import { validateCsrConnection } from '../../src/storage/schema-registry/validate.js';
import { testPki } from '../helpers/tls-proxy.js';

const registries: EmbeddedSchemaRegistry[] = [];
after(async () => {
  for (const r of registries) await r.close();
});

async function startRegistry(options: EmbeddedRegistryOptions = {}): Promise<EmbeddedSchemaRegistry> {
  const registry = new EmbeddedSchemaRegistry(options);
  registries.push(registry);
  await registry.start();
  return registry;
}

const secrets = new Map<string, string>();
const readSecret = (id: string): string => {
  const value = secrets.get(id);
  if (value === undefined) throw new Error(`no secret ${id}`);
  return value;
};
const secretRef = (id: string, value: string) => {
  secrets.set(id, value);
  return { id, name: id };
};

const record = (name: string, fields: { name: string; type: unknown }[]): string => JSON.stringify({ type: 'record', name, fields });

/** Resolves to the rejection, which must be a SchemaRegistryError. */
async function registryError(promise: Promise<unknown>): Promise<SchemaRegistryError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof SchemaRegistryError, `expected a SchemaRegistryError, got ${String(err)}`);
    return err;
  }
  throw new Error('expected the call to fail');
}

// ---------------------------------------------------------------- planning

const resolveSecret = (name: ObjectName) => ({ id: `id-${name.parts.join('.')}`, name: name.parts.join('.') });

function connection(sql: string): CreateConnectionStatement {
  const stmt = parse(sql)[0]!.statement;
  assert.equal(stmt.kind, 'createConnection');
  return stmt as CreateConnectionStatement;
}

const plan = (options: string): CsrConnectionSpec => planCsrConnection(connection(`CREATE CONNECTION c TO CONFLUENT SCHEMA REGISTRY (${options})`), resolveSecret);

function planError(options: string, code: string, pattern: RegExp): void {
  assert.throws(
    () => plan(options),
    (err: unknown) => err instanceof SqlError && err.code === code && pattern.test(err.message),
  );
}

test('plan: URL with and without =, trailing slash removed, secrets stay references', () => {
  assert.equal(connection("CREATE CONNECTION c TO CONFLUENT SCHEMA REGISTRY (URL 'http://r:8081')").connectionType, 'confluent schema registry');
  assert.deepEqual(plan("URL 'http://registry:8081/'"), { url: 'http://registry:8081' });
  assert.deepEqual(plan("URL = 'https://registry.example.com/prefix/'"), { url: 'https://registry.example.com/prefix' });
  assert.deepEqual(
    plan(
      "URL 'https://r:8081', USERNAME = 'u', PASSWORD = SECRET pw, SSL CERTIFICATE AUTHORITY = SECRET ca, SSL CERTIFICATE = 'CERT', SSL KEY = SECRET key",
    ),
    {
      url: 'https://r:8081',
      username: 'u',
      password: { id: 'id-pw', name: 'pw' },
      sslCa: { id: 'id-ca', name: 'ca' },
      sslCertificate: 'CERT',
      sslKey: { id: 'id-key', name: 'key' },
    },
  );
  assert.deepEqual(plan("URL 'http://r', USERNAME = SECRET usr, PASSWORD = SECRET pw"), {
    url: 'http://r',
    username: { id: 'id-usr', name: 'usr' },
    password: { id: 'id-pw', name: 'pw' },
  });
});

test('plan: errors name the problem with a SQLSTATE, and never echo credentials', () => {
  planError("USERNAME = 'u'", '42601', /^invalid CONNECTION: must specify URL$/);
  planError("URL 'not a url'", '22023', /^invalid URL: "not a url"/);
  planError("URL 'ftp://r:21'", '22023', /scheme must be http or https, not ftp/);
  planError("URL 'http://'", '22023', /invalid URL/);
  planError("URL 'http://r?x=1'", '22023', /query or fragment/);
  assert.throws(
    () => plan("URL 'https://alice:hunter2@r:8081'"),
    (err: unknown) => err instanceof SqlError && err.code === '22023' && /credentials in the URL/.test(err.message) && !err.message.includes('hunter2'),
  );
  planError("URL 'http://r', SSL CERTIFICATE AUTHORITY = 'x'", '22023', /SSL CERTIFICATE AUTHORITY requires an https URL/);
  planError("URL 'https://r', SSL CERTIFICATE = 'x'", '22023', /requires both SSL KEY and SSL CERTIFICATE/);
  planError("URL 'https://r', SSL KEY = SECRET k", '22023', /requires both SSL KEY and SSL CERTIFICATE/);
  planError("URL 'https://r', SSL CERTIFICATE = 'x', SSL KEY = 'plain'", '22023', /invalid SSL KEY: expected a SECRET/);
  planError("URL 'http://r', USERNAME 'u', PASSWORD = 'plain'", '22023', /invalid PASSWORD: expected a SECRET/);
  planError("URL 'http://r', PASSWORD = SECRET pw", '22023', /PASSWORD requires USERNAME/);
  planError("URL 'http://r', AWS PRIVATELINK pl", '0A000', /AWS PRIVATELINK is not yet supported/);
  planError("URL 'http://r', SSH TUNNEL t", '0A000', /SSH TUNNEL is not yet supported/);
  planError("URL 'http://r', BROKER 'b'", '42601', /unexpected CONFLUENT SCHEMA REGISTRY connection option BROKER/);
  planError("URL 'http://r', URL 'http://s'", '42601', /URL specified more than once/);
});

// ---------------------------------------------------------------- client

test('client: latest, a version, by id; schema types; subjects', async () => {
  const registry = await startRegistry();
  const v1 = record('t', [{ name: 'a', type: 'long' }]);
  const v2 = record('t', [{ name: 'a', type: 'long' }, { name: 'b', type: ['null', 'string'] }]);
  const id1 = registry.register('t-value', v1);
  const id2 = registry.register('t-value', v2);
  const protoId = registry.register('p-value', 'syntax = "proto3"; message M { int64 a = 1; }', 'PROTOBUF');
  const client = createSchemaRegistryClient({ url: registry.url }, readSecret);

  assert.deepEqual(await client.latest('t-value'), { id: id2, version: 2, schemaType: 'AVRO', schema: v2, references: [] });
  assert.deepEqual(await client.version('t-value', 1), { id: id1, version: 1, schemaType: 'AVRO', schema: v1, references: [] });
  assert.deepEqual(await client.version('t-value', 'latest'), await client.latest('t-value'));
  assert.deepEqual(await client.schemaById(id1), { id: id1, schemaType: 'AVRO', schema: v1, references: [] });
  const proto = await client.schemaById(protoId);
  assert.equal(proto.schemaType, 'PROTOBUF');
  assert.deepEqual(await client.subjects(), ['p-value', 't-value']);
  // A subject's name is escaped in the path.
  const odd = registry.register('a/b c', v1);
  assert.equal((await client.latest('a/b c')).id, odd);
});

test('client: references are followed, nested and shared, dependencies first, each once', async () => {
  const registry = await startRegistry();
  const a = record('com.example.A', [{ name: 'x', type: 'int' }]);
  const b = record('com.example.B', [{ name: 'a', type: 'com.example.A' }]);
  const c = record('com.example.C', [{ name: 'a', type: 'com.example.A' }, { name: 'b', type: 'com.example.B' }]);
  const top = record('com.example.Top', [{ name: 'c', type: 'com.example.C' }, { name: 'b', type: 'com.example.B' }]);
  registry.register('A', a);
  registry.register('B', b, 'AVRO', [{ name: 'com.example.A', subject: 'A', version: 1 }]);
  registry.register('C', c, 'AVRO', [
    { name: 'com.example.A', subject: 'A', version: 1 },
    { name: 'com.example.B', subject: 'B', version: 1 },
  ]);
  const topId = registry.register('top-value', top, 'AVRO', [
    { name: 'com.example.C', subject: 'C', version: 1 },
    { name: 'com.example.B', subject: 'B', version: 1 },
  ]);
  const client = createSchemaRegistryClient({ url: registry.url }, readSecret);
  const expected = [
    { name: 'com.example.A', schemaType: 'AVRO', schema: a },
    { name: 'com.example.B', schemaType: 'AVRO', schema: b },
    { name: 'com.example.C', schemaType: 'AVRO', schema: c },
  ];
  assert.deepEqual((await client.latest('top-value')).references, expected);
  const byId = await client.schemaById(topId);
  assert.equal(byId.schema, top);
  assert.deepEqual(byId.references, expected);

  // Protobuf imports: the reference name is the import path.
  registry.register('common.proto', 'syntax = "proto3"; package common; message Money { int64 units = 1; }', 'PROTOBUF');
  const orderId = registry.register('orders-value', 'syntax = "proto3"; import "common.proto"; message Order { common.Money total = 1; }', 'PROTOBUF', [
    { name: 'common.proto', subject: 'common.proto', version: 1 },
  ]);
  const order = await client.schemaById(orderId);
  assert.deepEqual(
    order.references.map((r) => [r.name, r.schemaType]),
    [['common.proto', 'PROTOBUF']],
  );

  // A reference to a subject that was deleted later: a permanent error naming it.
  const dId = registry.register('D', record('D', [{ name: 'x', type: 'int' }]));
  const eId = registry.register('E', record('E', [{ name: 'd', type: 'D' }]), 'AVRO', [{ name: 'D', subject: 'D', version: 1 }]);
  assert.ok(dId !== eId);
  const deleted = await fetch(`${registry.url}/subjects/D`, { method: 'DELETE' });
  assert.deepEqual(await deleted.json(), [1]);
  const missing = await registryError(client.schemaById(eId));
  assert.equal(missing.errorCode, 40401);
  assert.equal(missing.transient, false);
  assert.match(missing.message, /subject "D" not found \(40401\)/);
});

test('client: schemas by id are fetched once (concurrent calls share the request); subject lookups are not cached', async () => {
  const registry = await startRegistry();
  registry.register('base', record('Base', [{ name: 'x', type: 'int' }]));
  const id = registry.register('t-value', record('T', [{ name: 'b', type: 'Base' }]), 'AVRO', [{ name: 'Base', subject: 'base', version: 1 }]);
  const client = createSchemaRegistryClient({ url: registry.url }, readSecret);
  const before = registry.requestLog.length;
  const [first, second] = await Promise.all([client.schemaById(id), client.schemaById(id)]);
  assert.deepEqual(first, second);
  // One GET for the id, one for its reference.
  assert.deepEqual(registry.requestLog.slice(before), [`GET /schemas/ids/${id}`, 'GET /subjects/base/versions/1']);
  await client.schemaById(id);
  assert.equal(registry.requestLog.length, before + 2);
  assert.equal(registryRequestCount(client), 2);

  await client.latest('t-value');
  await client.latest('t-value');
  assert.equal(registry.requestLog.length, before + 6, 'latest asks the registry every time (it changes)');

  // A failed fetch is not cached: it is retried once the registry is back.
  const fresh = createSchemaRegistryClient({ url: registry.url }, readSecret);
  registry.setDown(true);
  assert.equal((await registryError(fresh.schemaById(id))).transient, true);
  registry.setDown(false);
  assert.equal((await fresh.schemaById(id)).id, id);
});

test('client: basic auth; wrong or missing credentials are transient errors that never show the password; secrets are read per request', async () => {
  const registry = await startRegistry({ basicAuth: { username: 'alice', password: 's3cr3t-pw' } });
  registry.register('t-value', record('T', [{ name: 'a', type: 'int' }]));
  const spec: CsrConnectionSpec = { url: registry.url, username: 'alice', password: secretRef('auth-pw', 's3cr3t-pw') };
  const client = createSchemaRegistryClient(spec, readSecret);
  assert.deepEqual(await client.subjects(), ['t-value']);

  secrets.set('auth-pw', 'wrong-password');
  const wrong = await registryError(client.subjects());
  assert.equal(wrong.errorCode, 40101);
  assert.equal(wrong.transient, true);
  assert.equal(wrong.message, `schema registry at ${registry.url}: unauthorized: the registry rejected the credentials (40101)`);
  assert.doesNotMatch(wrong.message, /wrong-password|s3cr3t/);

  // ALTER SECRET applies to the next request: the cached client recovers.
  secrets.set('auth-pw', 's3cr3t-pw');
  assert.equal((await client.latest('t-value')).version, 1);

  const anonymous = await registryError(createSchemaRegistryClient({ url: registry.url }, readSecret).subjects());
  assert.equal(anonymous.errorCode, 40101);
  assert.equal(anonymous.transient, true);

  // USERNAME may be a secret too.
  const secretUser = createSchemaRegistryClient({ url: registry.url, username: secretRef('auth-user', 'alice'), password: secretRef('auth-pw2', 's3cr3t-pw') }, readSecret);
  assert.deepEqual(await secretUser.subjects(), ['t-value']);
});

test('client: HTTPS verified against SSL CERTIFICATE AUTHORITY; mutual TLS with SSL CERTIFICATE and SSL KEY', async () => {
  const registry = await startRegistry({ tls: { cert: testPki.serverCert, key: testPki.serverKey } });
  assert.match(registry.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  registry.register('t-value', record('T', [{ name: 'a', type: 'int' }]));
  assert.deepEqual(await createSchemaRegistryClient({ url: registry.url, sslCa: testPki.ca }, readSecret).subjects(), ['t-value']);
  assert.deepEqual(await createSchemaRegistryClient({ url: registry.url, sslCa: secretRef('ca', testPki.ca) }, readSecret).subjects(), ['t-value']);

  const untrusted = await registryError(createSchemaRegistryClient({ url: registry.url, sslCa: testPki.otherCa }, readSecret).subjects());
  assert.equal(untrusted.errorCode, 0);
  assert.equal(untrusted.transient, true);
  assert.match(untrusted.message, /: TLS error: unable to verify the first certificate \(is SSL CERTIFICATE AUTHORITY the CA that signed/);
  assert.doesNotMatch(untrusted.message, /BEGIN CERTIFICATE/);
  // Without a CA the system's trust store is used, which does not know the test CA.
  assert.match((await registryError(createSchemaRegistryClient({ url: registry.url }, readSecret).subjects())).message, /certificate/);
  // Plain HTTP to a TLS listener fails too.
  const plain = await registryError(createSchemaRegistryClient({ url: registry.url.replace('https:', 'http:') }, readSecret).subjects());
  assert.equal(plain.transient, true);

  const mutual = await startRegistry({ tls: { cert: testPki.serverCert, key: testPki.serverKey, ca: testPki.ca, requestCert: true } });
  mutual.register('m-value', record('M', [{ name: 'a', type: 'int' }]));
  const noCert = await registryError(createSchemaRegistryClient({ url: mutual.url, sslCa: testPki.ca }, readSecret).subjects());
  assert.equal(noCert.transient, true);
  assert.equal(noCert.errorCode, 0);
  assert.match(noCert.message, /: TLS error: tlsv13 alert certificate required$/);
  const withCert = createSchemaRegistryClient(
    { url: mutual.url, sslCa: testPki.ca, sslCertificate: testPki.clientCert, sslKey: secretRef('client-key', testPki.clientKey) },
    readSecret,
  );
  assert.deepEqual(await withCert.subjects(), ['m-value']);
  assert.equal((await withCert.latest('m-value')).version, 1);
});

test('client: each registry error code, with clear messages and the right transience', async () => {
  const registry = await startRegistry();
  const id = registry.register('t-value', record('T', [{ name: 'a', type: 'int' }]));
  const client = createSchemaRegistryClient({ url: registry.url }, readSecret);
  const check = async (promise: Promise<unknown>, code: number, transient: boolean, message: string): Promise<void> => {
    const err = await registryError(promise);
    assert.equal(err.errorCode, code);
    assert.equal(err.transient, transient);
    assert.equal(err.message, `schema registry at ${registry.url}: ${message}`);
  };
  await check(client.latest('nope-value'), 40401, false, 'subject "nope-value" not found (40401)');
  await check(client.version('t-value', 7), 40402, false, 'version 7 of subject "t-value" not found (40402)');
  await check(client.schemaById(id + 100), 40403, false, `schema ${id + 100} not found (40403)`);
  const badVersion = await registryError(client.version('t-value', 0));
  assert.equal(badVersion.errorCode, 42202);
  assert.equal(badVersion.transient, false);

  // 42201: the registry refuses schema text that is not JSON for AVRO (directly and over REST).
  assert.throws(
    () => registry.register('bad', '{not json'),
    (err: unknown) => err instanceof SchemaRegistryError && err.errorCode === 42201,
  );
  const posted = await fetch(`${registry.url}/subjects/bad/versions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema: '{not json' }),
  });
  assert.equal(posted.status, 422);
  assert.equal((await posted.json() as { error_code: number }).error_code, 42201);

  // A server that is not a registry (an HTML page): a permanent error that says so.
  const notJson = createServer((socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 6\r\nConnection: close\r\n\r\n<html>'));
    socket.resume();
  });
  await new Promise<void>((resolve) => notJson.listen(0, '127.0.0.1', resolve));
  const port = (notJson.address() as { port: number }).port;
  const html = await registryError(createSchemaRegistryClient({ url: `http://127.0.0.1:${port}` }, readSecret).subjects());
  assert.equal(html.transient, false);
  assert.match(html.message, /not JSON .*is this a schema registry\?/);
  await new Promise((resolve) => notJson.close(resolve));
});

test('client: registry down (503 / 50001 or dropped connections), connection refused and timeouts are transient', async () => {
  const registry = await startRegistry();
  registry.register('t-value', record('T', [{ name: 'a', type: 'int' }]));
  const client = createSchemaRegistryClient({ url: registry.url }, readSecret, { timeoutMs: 300 });

  registry.setDown(true);
  const down = await registryError(client.latest('t-value'));
  assert.equal(down.errorCode, 50001);
  assert.equal(down.transient, true);
  assert.match(down.message, /HTTP 503: Error in the backend data store \(50001\)/);

  registry.setDown(true, 'drop');
  const dropped = await registryError(client.subjects());
  assert.equal(dropped.errorCode, 0);
  assert.equal(dropped.transient, true);
  assert.match(dropped.message, /socket hang up|ECONNRESET/);

  registry.setDown(false);
  assert.deepEqual(await client.subjects(), ['t-value']);

  registry.setLatency(1000);
  const slow = await registryError(client.subjects());
  assert.equal(slow.transient, true);
  assert.match(slow.message, /no answer within 300 ms/);
  registry.setLatency(0);

  const closed = await startRegistry();
  const url = closed.url;
  await closed.close();
  const refused = await registryError(createSchemaRegistryClient({ url }, readSecret).subjects());
  assert.equal(refused.errorCode, 0);
  assert.equal(refused.transient, true);
  assert.match(refused.message, new RegExp(`^schema registry at ${url.replace(/[.]/g, '\\.')}: connect ECONNREFUSED`));
});

test('SchemaRegistryClients shares one client per spec; validateCsrConnection gives 08006 with the reason as detail', async () => {
  const clients = new SchemaRegistryClients(readSecret);
  const a: SchemaRegistryClient = clients.get({ url: 'http://127.0.0.1:1' });
  assert.equal(clients.get({ url: 'http://127.0.0.1:1' }), a);
  assert.notEqual(clients.get({ url: 'http://127.0.0.1:2' }), a);

  const registry = await startRegistry({ basicAuth: { username: 'u', password: 'right-password' } });
  await validateCsrConnection({ url: registry.url, username: 'u', password: secretRef('v-pw', 'right-password') }, readSecret);
  secrets.set('v-pw', 'bad-password');
  await assert.rejects(
    validateCsrConnection({ url: registry.url, username: 'u', password: { id: 'v-pw', name: 'v-pw' } }, readSecret),
    (err: unknown) =>
      err instanceof SqlError &&
      err.code === '08006' &&
      err.message === `failed to connect to schema registry at ${registry.url}` &&
      err.detail === 'unauthorized: the registry rejected the credentials (40101)',
  );
});

// ---------------------------------------------------------------- embedded registry REST API

test('embedded registry: the Confluent REST API subset', async () => {
  const registry = await startRegistry();
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; type: string | null; json: unknown }> => {
    const res = await fetch(`${registry.url}${path}`, {
      method,
      headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, type: res.headers.get('content-type'), json: await res.json() };
  };
  const schema = record('T', [{ name: 'a', type: 'int' }]);
  const first = await call('POST', '/subjects/t-value/versions', { schema });
  assert.deepEqual(first, { status: 200, type: 'application/vnd.schemaregistry.v1+json', json: { id: 1 } });
  // The same schema (whitespace aside) under another subject reuses its id; again under the same subject adds no version.
  assert.deepEqual((await call('POST', '/subjects/u-value/versions', { schema: ` ${schema} ` })).json, { id: 1 });
  assert.deepEqual((await call('POST', '/subjects/t-value/versions', { schema })).json, { id: 1 });
  // A different type or references make a different schema.
  assert.deepEqual((await call('POST', '/subjects/j-value/versions', { schema, schemaType: 'JSON' })).json, { id: 2 });
  assert.deepEqual((await call('POST', '/subjects/r-value/versions', { schema, references: [{ name: 'x', subject: 't-value', version: 1 }] })).json, { id: 3 });
  const v2 = record('T', [{ name: 'a', type: 'long' }]);
  assert.deepEqual((await call('POST', '/subjects/t-value/versions', { schema: v2 })).json, { id: 4 });

  assert.deepEqual((await call('GET', '/subjects')).json, ['j-value', 'r-value', 't-value', 'u-value']);
  assert.deepEqual((await call('GET', '/subjects/t-value/versions')).json, [1, 2]);
  assert.deepEqual((await call('GET', '/subjects/t-value/versions/latest')).json, { subject: 't-value', version: 2, id: 4, schema: v2 });
  assert.deepEqual((await call('GET', '/subjects/t-value/versions/1')).json, { subject: 't-value', version: 1, id: 1, schema });
  assert.deepEqual((await call('GET', '/subjects/j-value/versions/1')).json, { subject: 'j-value', version: 1, id: 2, schema, schemaType: 'JSON' });
  assert.deepEqual((await call('GET', '/schemas/ids/3')).json, { schema, references: [{ name: 'x', subject: 't-value', version: 1 }] });

  assert.deepEqual(await call('GET', '/subjects/nope/versions'), {
    status: 404,
    type: 'application/vnd.schemaregistry.v1+json',
    json: { error_code: 40401, message: "Subject 'nope' not found." },
  });
  assert.deepEqual((await call('GET', '/subjects/t-value/versions/9')).json, { error_code: 40402, message: 'Version 9 not found.' });
  assert.equal(((await call('GET', '/schemas/ids/99')).json as { error_code: number }).error_code, 40403);
  assert.equal(((await call('POST', '/subjects/x/versions', { schema: 'nope' })).json as { error_code: number }).error_code, 42201);
  assert.equal(((await call('POST', '/subjects/x/versions', { schema, references: [{ name: 'm', subject: 'missing', version: 1 }] })).json as { error_code: number }).error_code, 42201);
  assert.equal(((await call('GET', '/subjects/t-value/versions/zero')).json as { error_code: number }).error_code, 42202);

  assert.deepEqual((await call('DELETE', '/subjects/u-value')).json, [1]);
  assert.deepEqual((await call('GET', '/subjects')).json, ['j-value', 'r-value', 't-value']);
  assert.equal((await call('DELETE', '/subjects/u-value')).status, 404);
  // The id outlives the subject.
  assert.equal((await call('GET', '/schemas/ids/1')).status, 200);

  registry.setDown(true);
  assert.deepEqual(await call('GET', '/subjects'), {
    status: 503,
    type: 'application/vnd.schemaregistry.v1+json',
    json: { error_code: 50001, message: 'Error in the backend data store' },
  });
  registry.setDown(false);

  const secured = await startRegistry({ basicAuth: { username: 'u', password: 'p' } });
  const unauthorized = await fetch(`${secured.url}/subjects`);
  assert.equal(unauthorized.status, 401);
  assert.deepEqual(await unauthorized.json(), { error_code: 40101, message: 'Unauthorized' });
  const authorized = await fetch(`${secured.url}/subjects`, { headers: { Authorization: `Basic ${Buffer.from('u:p').toString('base64')}` } });
  assert.deepEqual(await authorized.json(), []);
});
