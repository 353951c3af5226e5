// TLS and mutual TLS to Kafka, end to end: `freshet serve` reads a topic of
// librdkafka's mock cluster through a TLS-terminating proxy (the mock has no
// TLS listener; the broker advertises the proxy's address in its metadata,
// so every connection the client makes goes through TLS).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKafkaServer, sqlError, type KafkaServer } from '../helpers/kafka-server.js';
import { eventuallyRows } from '../helpers/server-process.js';
import { startTlsProxy, testPki, type TlsProxy } from '../helpers/tls-proxy.js';

let fixture: KafkaServer;
const proxies: TlsProxy[] = [];

before(async () => {
  fixture = await startKafkaServer('integration-tls');
  fixture.cluster.createTopic('secure', 2);
  // Produced before the broker advertises the proxy: the plaintext test producer could not follow it there.
  await fixture.producer.send([0, 1].flatMap((partition) => [0, 1, 2].map((i) => ({ topic: 'secure', partition, value: `p${partition}-${i}` }))));
});

after(async () => {
  for (const p of proxies) await p.close();
  await fixture?.stop();
});

const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;
const expectedRows = [0, 1].flatMap((partition) => [0, 1, 2].map((i) => [`p${partition}-${i}`]));

async function proxyInFront(requireClientCert: boolean): Promise<TlsProxy> {
  const proxy = await startTlsProxy(fixture.cluster.listenPort(1), { requireClientCert });
  proxies.push(proxy);
  fixture.cluster.advertise(1, '127.0.0.1', proxy.port);
  return proxy;
}

test('SSL: the broker certificate is verified against SSL CERTIFICATE AUTHORITY (a secret), and a source reads through TLS', async () => {
  const c = fixture.client;
  const proxy = await proxyInFront(false);
  await c.query(`CREATE SECRET kafka_ca AS ${literal(testPki.ca)}`);
  await c.query(`CREATE CONNECTION tls_kc TO KAFKA (BROKER '127.0.0.1:${proxy.port}', SECURITY PROTOCOL = 'SSL', SSL CERTIFICATE AUTHORITY = SECRET kafka_ca)`);
  await c.query("CREATE SOURCE secure_src FROM KAFKA CONNECTION tls_kc (TOPIC 'secure') FORMAT TEXT");
  await eventuallyRows(c, 'SELECT text FROM secure_src ORDER BY text', expectedRows);
  await eventuallyRows(c, "SELECT status FROM mz_internal.mz_source_statuses WHERE name = 'secure_src'", [['running']]);
  assert.ok(proxy.stats.accepted > 0, 'connections went through the TLS proxy');

  // The CA may also be given inline; SECURITY PROTOCOL then defaults to SSL.
  await c.query(`CREATE CONNECTION tls_inline TO KAFKA (BROKER '127.0.0.1:${proxy.port}', SSL CERTIFICATE AUTHORITY = ${literal(testPki.ca)})`);

  // A certificate the given CA did not sign is refused when the connection is validated.
  const untrusted = await sqlError(
    c.query(`CREATE CONNECTION tls_untrusted TO KAFKA (BROKER '127.0.0.1:${proxy.port}', SECURITY PROTOCOL = 'SSL', SSL CERTIFICATE AUTHORITY = ${literal(testPki.otherCa)})`),
  );
  assert.equal(untrusted.code, '08006');
  assert.match(untrusted.message, /^Meta data fetch error: /);
  // The detail says why, as librdkafka does.
  assert.match(untrusted.detail ?? '', /certificate verify failed/);
  assert.doesNotMatch(`${untrusted.message} ${untrusted.detail}`, /BEGIN CERTIFICATE/);
  // Plaintext to a TLS listener fails validation too.
  const plaintext = await sqlError(c.query(`CREATE CONNECTION tls_plain TO KAFKA (BROKER '127.0.0.1:${proxy.port}', SECURITY PROTOCOL = 'PLAINTEXT')`));
  assert.equal(plaintext.code, '08006');
  assert.match(plaintext.detail ?? '', /Disconnected|connection closed/i);

  const shown = await c.query('SHOW CREATE CONNECTION tls_kc');
  assert.match(String(shown.rows[0].create_sql), /SSL CERTIFICATE AUTHORITY = SECRET/);
  assert.doesNotMatch(String(shown.rows[0].create_sql), /BEGIN CERTIFICATE/);
  await c.query('DROP SOURCE secure_src');
});

test('mutual TLS: SSL CERTIFICATE and SSL KEY (a secret) authenticate the client; without them the broker refuses', async () => {
  const c = fixture.client;
  const proxy = await proxyInFront(true);
  await c.query(`CREATE SECRET kafka_client_key AS ${literal(testPki.clientKey)}`);
  const withoutCert = await sqlError(
    c.query(`CREATE CONNECTION mtls_none TO KAFKA (BROKER '127.0.0.1:${proxy.port}', SECURITY PROTOCOL = 'SSL', SSL CERTIFICATE AUTHORITY = SECRET kafka_ca)`),
  );
  assert.equal(withoutCert.code, '08006');
  assert.match(withoutCert.detail ?? '', /certificate required/);
  assert.ok(proxy.stats.refused > 0, 'the proxy refused a client without a certificate');

  await c.query(
    `CREATE CONNECTION mtls_kc TO KAFKA (BROKER '127.0.0.1:${proxy.port}', SECURITY PROTOCOL = 'SSL', ` +
      `SSL CERTIFICATE AUTHORITY = SECRET kafka_ca, SSL CERTIFICATE = ${literal(testPki.clientCert)}, SSL KEY = SECRET kafka_client_key)`,
  );
  await c.query("CREATE SOURCE mtls_src FROM KAFKA CONNECTION mtls_kc (TOPIC 'secure') FORMAT TEXT INCLUDE PARTITION");
  await eventuallyRows(
    c,
    'SELECT partition, text FROM mtls_src ORDER BY text',
    expectedRows.map(([text]) => [text!.slice(1, 2), text]),
  );
  const shown = await c.query('SHOW CREATE CONNECTION mtls_kc');
  assert.match(String(shown.rows[0].create_sql), /SSL KEY = SECRET/);
  assert.doesNotMatch(String(shown.rows[0].create_sql), /PRIVATE KEY/);
});
