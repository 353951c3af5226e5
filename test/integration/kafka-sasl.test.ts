// Kafka authentication negotiated for real, end to end: `freshet serve`
// reads a topic of librdkafka's mock cluster through a SASL- (and TLS-)
// terminating Kafka proxy (test/helpers/sasl-proxy.ts) that verifies PLAIN,
// SCRAM-SHA-256/512 and OAUTHBEARER like a broker, with credentials this
// file generates: OIDC tokens from a token endpoint double, Amazon MSK IAM
// tokens checked by recomputing their SigV4 signature, STS AssumeRole from
// a double. Each failure must name its cause, at CREATE CONNECTION and in
// mz_internal.mz_source_statuses, and no secret value may show up in
// errors, logs, catalog output or the data directory.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startKafkaServer, sqlError, type KafkaServer } from '../helpers/kafka-server.js';
import { eventuallyRows, pollUntil, queryArrays } from '../helpers/server-process.js';
import { testPki } from '../helpers/tls-proxy.js';
import { startSaslProxy, type SaslMechanism, type SaslProxy, type SaslProxyOptions } from '../helpers/sasl-proxy.js';
import { startSts, startTokenEndpoint, verifyMskIamToken, type AwsKeys, type StsDouble, type TokenEndpoint } from '../helpers/auth-doubles.js';

let fixture: KafkaServer;
let sts: StsDouble;
const proxies: SaslProxy[] = [];
const endpoints: TokenEndpoint[] = [];
/** Every secret value this file gives the server: none may appear anywhere but the secrets store. */
const secretValues: string[] = [];
/** Every error the server sent, for the final check. */
const errorsSeen: string[] = [];

const generated = (prefix: string): string => {
  const value = `${prefix}-${randomBytes(12).toString('hex')}`;
  secretValues.push(value);
  return value;
};
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;
const expectedRows = [0, 1].flatMap((partition) => [0, 1, 2].map((i) => [`a${partition}-${i}`]));

// The server's own AWS identity (for ASSUME ROLE without keys), as the environment would give it.
const serverKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
const serverSecretKey = generated('server-aws');

before(async () => {
  sts = await startSts({ roles: ['arn:aws:iam::123456789012:role/freshet-msk'], callers: [serverKeyId] });
  process.env['AWS_ACCESS_KEY_ID'] = serverKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] = serverSecretKey;
  process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
  fixture = await startKafkaServer('integration-sasl');
  fixture.cluster.createTopic('auth', 2);
  // Produced before the broker advertises a proxy: the plaintext test producer could not follow it there.
  await fixture.producer.send([0, 1].flatMap((partition) => [0, 1, 2].map((i) => ({ topic: 'auth', partition, value: `a${partition}-${i}` }))));
});

after(async () => {
  for (const p of proxies) await p.close();
  for (const e of endpoints) await e.close();
  await sts?.close();
  await fixture?.stop();
});

async function proxyInFront(options: SaslProxyOptions): Promise<SaslProxy> {
  const proxy = await startSaslProxy(fixture.cluster.listenPort(1), options);
  proxies.push(proxy);
  fixture.cluster.advertise(1, '127.0.0.1', proxy.port);
  return proxy;
}

async function failure(promise: Promise<unknown>): Promise<{ message: string; code?: string; detail?: string }> {
  const err = await sqlError(promise);
  errorsSeen.push(`${err.message} ${err.detail ?? ''}`);
  return err;
}

/** Reads the topic through `connection`, checks the status, drops the source. */
async function readsThrough(connection: string, source: string): Promise<void> {
  const c = fixture.client;
  await c.query(`CREATE SOURCE ${source} FROM KAFKA CONNECTION ${connection} (TOPIC 'auth') FORMAT TEXT`);
  await eventuallyRows(c, `SELECT text FROM ${source} ORDER BY text`, expectedRows);
  await eventuallyRows(c, `SELECT status, error FROM mz_internal.mz_source_statuses WHERE name = '${source}'`, [['running', null]]);
  await c.query(`DROP SOURCE ${source}`);
}

/** Waits for the source's status to stall, and returns its error. */
async function stalledError(source: string): Promise<string> {
  const rows = await pollUntil(
    () => queryArrays(fixture.client, `SELECT status, error FROM mz_internal.mz_source_statuses WHERE name = '${source}'`),
    (r) => r[0]?.[0] === 'stalled' && typeof r[0]?.[1] === 'string',
    `${source} stalled`,
  );
  const error = String(rows[0]![1]);
  errorsSeen.push(error);
  return error;
}

const MECHANISMS: SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

for (const protocol of ['SASL_PLAINTEXT', 'SASL_SSL'] as const) {
  for (const mechanism of MECHANISMS) {
    test(`${protocol} ${mechanism}: the password (a secret) authenticates and a source reads the topic`, async () => {
      const c = fixture.client;
      const tls = protocol === 'SASL_SSL';
      const user = `user-${randomBytes(3).toString('hex')}`;
      const password = generated('pw');
      const proxy = await proxyInFront({ tls, mechanisms: [mechanism], users: { [user]: password } });
      const tag = `${protocol}_${mechanism}`.toLowerCase().replace(/-/g, '_');
      await c.query(`CREATE SECRET ${tag}_pw AS ${literal(password)}`);
      await c.query(
        `CREATE CONNECTION ${tag} TO KAFKA (BROKER '127.0.0.1:${proxy.port}', SECURITY PROTOCOL = ${protocol}, ` +
          `SASL MECHANISMS = '${mechanism}', SASL USERNAME = ${literal(user)}, SASL PASSWORD = SECRET ${tag}_pw` +
          `${tls ? `, SSL CERTIFICATE AUTHORITY = ${literal(testPki.ca)}` : ''})`,
      );
      await readsThrough(tag, `${tag}_src`);
      assert.ok(proxy.stats.authenticated.some((a) => a.mechanism === mechanism && a.principal === user), 'the proxy authenticated the user');
      assert.deepEqual(proxy.stats.failed, []);
      await c.query(`VALIDATE CONNECTION ${tag}`);
    });
  }
}

test('failures name their cause: wrong password, wrong mechanism, untrusted certificate; at CREATE, VALIDATE and in the source status', async () => {
  const c = fixture.client;
  const password = generated('right');
  const wrong = generated('wrong');
  const proxy = await proxyInFront({ tls: true, mechanisms: ['SCRAM-SHA-512'], users: { svc: password } });
  await c.query(`CREATE SECRET f_right AS ${literal(password)}`);
  await c.query(`CREATE SECRET f_wrong AS ${literal(wrong)}`);
  const options = (mechanism: string, secret: string, ca = testPki.ca): string =>
    `BROKER '127.0.0.1:${proxy.port}', SECURITY PROTOCOL = SASL_SSL, SASL MECHANISMS = '${mechanism}', SASL USERNAME = 'svc', ` +
    `SASL PASSWORD = SECRET ${secret}, SSL CERTIFICATE AUTHORITY = ${literal(ca)}`;

  const badPassword = await failure(c.query(`CREATE CONNECTION f_bad TO KAFKA (${options('SCRAM-SHA-512', 'f_wrong')})`));
  assert.equal(badPassword.code, '08006');
  assert.match(badPassword.message, /^Meta data fetch error: /);
  assert.match(badPassword.detail ?? '', /SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/);

  const badMechanism = await failure(c.query(`CREATE CONNECTION f_mech TO KAFKA (${options('SCRAM-SHA-256', 'f_right')})`));
  assert.equal(badMechanism.code, '08006');
  assert.match(badMechanism.detail ?? '', /SASL SCRAM-SHA-256 mechanism handshake failed: Broker: Unsupported SASL mechanism: broker's supported mechanisms: SCRAM-SHA-512/);

  const untrusted = await failure(c.query(`CREATE CONNECTION f_ca TO KAFKA (${options('SCRAM-SHA-512', 'f_right', testPki.otherCa)})`));
  assert.equal(untrusted.code, '08006');
  assert.match(untrusted.detail ?? '', /SSL handshake failed: .*certificate verify failed/);

  // Created without validation, the same causes show at VALIDATE CONNECTION and in the source status.
  await c.query(`CREATE CONNECTION f_bad TO KAFKA (${options('SCRAM-SHA-512', 'f_wrong')}) WITH (VALIDATE = false)`);
  const validated = await failure(c.query('VALIDATE CONNECTION f_bad'));
  assert.match(validated.detail ?? '', /invalid credentials with SASL mechanism SCRAM-SHA-512/);
  await c.query("CREATE SOURCE f_bad_src FROM KAFKA CONNECTION f_bad (TOPIC 'auth') FORMAT TEXT");
  assert.match(await stalledError('f_bad_src'), /^Meta data fetch error: .*: .*SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512$/);

  await c.query(`CREATE CONNECTION f_mech TO KAFKA (${options('PLAIN', 'f_right')}) WITH (VALIDATE = false)`);
  await c.query("CREATE SOURCE f_mech_src FROM KAFKA CONNECTION f_mech (TOPIC 'auth') FORMAT TEXT");
  assert.match(await stalledError('f_mech_src'), /SASL PLAIN mechanism handshake failed: Broker: Unsupported SASL mechanism/);

  await c.query(`CREATE CONNECTION f_ca TO KAFKA (${options('SCRAM-SHA-512', 'f_right', testPki.otherCa)}) WITH (VALIDATE = false)`);
  await c.query("CREATE SOURCE f_ca_src FROM KAFKA CONNECTION f_ca (TOPIC 'auth') FORMAT TEXT");
  assert.match(await stalledError('f_ca_src'), /SSL handshake failed: .*certificate verify failed/);

  // Fixing the password: the source reconnects with it and reads.
  await c.query(`ALTER SECRET f_wrong AS ${literal(password)}`);
  await c.query('ALTER CONNECTION f_bad SET (SASL USERNAME = \'svc\')');
  await eventuallyRows(c, 'SELECT text FROM f_bad_src ORDER BY text', expectedRows);
  await c.query('DROP SOURCE f_bad_src, f_mech_src, f_ca_src');
});

test('OAUTHBEARER with OIDC client credentials: tokens from the endpoint, refreshed before they expire; a wrong client secret is refused', async () => {
  const c = fixture.client;
  const endpoint = await startTokenEndpoint({ lifetimeSeconds: 6, scope: 'kafka.read' });
  endpoints.push(endpoint);
  secretValues.push(endpoint.clientSecret);
  const proxy = await proxyInFront({ tls: true, mechanisms: ['OAUTHBEARER'], verifyToken: (t) => endpoint.verify(t) });
  await c.query(`CREATE SECRET oidc_secret AS ${literal(endpoint.clientSecret)}`);
  const options = (secret: string): string =>
    `BROKER '127.0.0.1:${proxy.port}', SECURITY PROTOCOL = SASL_SSL, SSL CERTIFICATE AUTHORITY = ${literal(testPki.ca)}, ` +
    `SASL MECHANISMS = 'OAUTHBEARER', SASL OAUTHBEARER TOKEN ENDPOINT = '${endpoint.url}', ` +
    `SASL CLIENT ID = '${endpoint.clientId}', SASL CLIENT SECRET = SECRET ${secret}, SASL SCOPE = 'kafka.read'`;
  await c.query(`CREATE CONNECTION oidc TO KAFKA (${options('oidc_secret')})`);
  await c.query("CREATE SOURCE oidc_src FROM KAFKA CONNECTION oidc (TOPIC 'auth') FORMAT TEXT");
  await eventuallyRows(c, 'SELECT text FROM oidc_src ORDER BY text', expectedRows);
  assert.ok(proxy.stats.authenticated.some((a) => a.mechanism === 'OAUTHBEARER' && a.principal === endpoint.clientId));

  // The source's client asks for a new token before its current one expires (librdkafka: at 80% of its lifetime).
  const firstOfSource = endpoint.issued.length - 1;
  await pollUntil(
    async () => endpoint.issued.length,
    (n) => n > firstOfSource + 1,
    'a refreshed token',
    200,
  );
  const [current, refreshed] = [endpoint.issued[firstOfSource]!, endpoint.issued[firstOfSource + 1]!];
  assert.ok(refreshed.issuedAtMs < current.expiresAtMs, 'refreshed before the old token expired');
  // Connections made after the first token expired authenticate with the new one (the broker refuses expired tokens).
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, current.expiresAtMs - Date.now() + 200)));
  const before = proxy.stats.authenticated.length;
  await c.query('VALIDATE CONNECTION oidc');
  assert.ok(proxy.stats.authenticated.length > before);
  await eventuallyRows(c, "SELECT status FROM mz_internal.mz_source_statuses WHERE name = 'oidc_src'", [['running']]);
  await c.query('DROP SOURCE oidc_src');

  // A wrong client secret: the token endpoint refuses it, and the error says so.
  const wrong = generated('oidc-wrong');
  await c.query(`CREATE SECRET oidc_wrong AS ${literal(wrong)}`);
  const refused = await failure(c.query(`CREATE CONNECTION oidc_bad TO KAFKA (${options('oidc_wrong')})`));
  assert.equal(refused.code, '08006');
  assert.match(refused.detail ?? '', /Failed to retrieve OIDC token from "http:\/\/127\.0\.0\.1:\d+\/oauth2\/token": .*invalid_client.*\(401\)/);
  await c.query(`CREATE CONNECTION oidc_bad TO KAFKA (${options('oidc_wrong')}) WITH (VALIDATE = false)`);
  await c.query("CREATE SOURCE oidc_bad_src FROM KAFKA CONNECTION oidc_bad (TOPIC 'auth') FORMAT TEXT");
  assert.match(await stalledError('oidc_bad_src'), /Failed to retrieve OIDC token .*invalid_client/);
  await c.query('DROP SOURCE oidc_bad_src');
  assert.ok(endpoint.refused.includes('invalid_client'));
});

test('Amazon MSK IAM through an AWS connection: signed tokens accepted; a wrong secret key and an expired token refused', async () => {
  const c = fixture.client;
  const keyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const secretKey = generated('aws-secret');
  const keys = new Map<string, AwsKeys>([[keyId, { secretAccessKey: secretKey }]]);
  let clockOffsetMs = 0;
  const proxy = await proxyInFront({
    tls: true,
    mechanisms: ['OAUTHBEARER'],
    verifyToken: (t) => verifyMskIamToken(t, new Map([...keys, ...sts.issued]), { region: 'eu-west-1', clockOffsetMs }),
  });
  await c.query(`CREATE SECRET aws_secret AS ${literal(secretKey)}`);
  await c.query(`CREATE CONNECTION aws_keys TO AWS (ACCESS KEY ID = '${keyId}', SECRET ACCESS KEY = SECRET aws_secret, REGION = 'eu-west-1')`);
  const kafka = (aws: string): string =>
    `BROKER '127.0.0.1:${proxy.port}', SECURITY PROTOCOL = SASL_SSL, SSL CERTIFICATE AUTHORITY = ${literal(testPki.ca)}, AWS CONNECTION = ${aws}`;
  await c.query(`CREATE CONNECTION msk TO KAFKA (${kafka('aws_keys')})`);
  await readsThrough('msk', 'msk_src');
  assert.ok(proxy.stats.authenticated.some((a) => a.mechanism === 'OAUTHBEARER' && a.principal === keyId));

  // A wrong secret key signs a token whose signature does not match.
  const wrongSecret = generated('aws-wrong');
  await c.query(`CREATE SECRET aws_wrong AS ${literal(wrongSecret)}`);
  await c.query(`CREATE CONNECTION aws_wrong_keys TO AWS (ACCESS KEY ID = '${keyId}', SECRET ACCESS KEY = SECRET aws_wrong, REGION = 'eu-west-1')`);
  const mismatch = await failure(c.query(`CREATE CONNECTION msk_wrong TO KAFKA (${kafka('aws_wrong_keys')})`));
  assert.equal(mismatch.code, '08006');
  assert.match(mismatch.detail ?? '', /SASL authentication error: .*signature does not match/);
  await c.query(`CREATE CONNECTION msk_wrong TO KAFKA (${kafka('aws_wrong_keys')}) WITH (VALIDATE = false)`);
  await c.query("CREATE SOURCE msk_wrong_src FROM KAFKA CONNECTION msk_wrong (TOPIC 'auth') FORMAT TEXT");
  assert.match(await stalledError('msk_wrong_src'), /SASL authentication error: .*signature does not match/);
  await c.query('DROP SOURCE msk_wrong_src');

  // A token presented after its 15 minutes (the broker's clock an hour ahead) is refused as expired.
  clockOffsetMs = 3_600_000;
  const expired = await failure(c.query('VALIDATE CONNECTION msk'));
  assert.match(expired.detail ?? '', /SASL authentication error: .*token has expired/);
  clockOffsetMs = 0;

  // ASSUME ROLE: the server's own AWS identity assumes the role at STS (ENDPOINT), and its temporary keys sign the tokens.
  await c.query(`CREATE CONNECTION aws_role TO AWS (ASSUME ROLE ARN = 'arn:aws:iam::123456789012:role/freshet-msk', ASSUME ROLE SESSION NAME = 'freshet-test', REGION = 'eu-west-1', ENDPOINT = '${sts.url}')`);
  await c.query(`CREATE CONNECTION msk_role TO KAFKA (${kafka('aws_role')})`);
  await readsThrough('msk_role', 'msk_role_src');
  assert.ok(sts.calls.some((call) => call.roleArn.endsWith('role/freshet-msk') && call.sessionName === 'freshet-test' && call.signedBy === serverKeyId));
  const temporary = [...sts.issued.keys()];
  assert.ok(proxy.stats.authenticated.some((a) => temporary.includes(a.principal)), 'authenticated with the temporary keys');
  for (const k of sts.issued.values()) secretValues.push(k.secretAccessKey, k.sessionToken!);

  // A role STS refuses: the error names it.
  await c.query(`CREATE CONNECTION aws_norole TO AWS (ASSUME ROLE ARN = 'arn:aws:iam::123456789012:role/other', REGION = 'eu-west-1', ENDPOINT = '${sts.url}') WITH (VALIDATE = false)`);
  const denied = await failure(c.query(`CREATE CONNECTION msk_norole TO KAFKA (${kafka('aws_norole')})`));
  assert.equal(denied.code, '08006');
  assert.match(denied.detail ?? '', /AssumeRole arn:aws:iam::123456789012:role\/other failed: AccessDenied/);
  const deniedDirect = await failure(c.query('VALIDATE CONNECTION aws_norole'));
  assert.match(deniedDirect.message, /AccessDenied/);
});

test('AWS and OAUTHBEARER options are checked at CREATE CONNECTION', async () => {
  const c = fixture.client;
  const cases: [string, RegExp][] = [
    ["CREATE CONNECTION x TO KAFKA (BROKER 'k:9092', SASL MECHANISMS = 'OAUTHBEARER')", /SASL OAUTHBEARER TOKEN ENDPOINT must be specified/],
    ["CREATE CONNECTION x TO KAFKA (BROKER 'k:9092', AWS CONNECTION = aws_keys, SASL USERNAME = 'u')", /SASL USERNAME not supported with AWS CONNECTION/],
    ["CREATE CONNECTION x TO KAFKA (BROKER 'k:9092', SECURITY PROTOCOL = SSL, AWS CONNECTION = aws_keys)", /AWS CONNECTION not supported with this configuration/],
    ["CREATE CONNECTION x TO KAFKA (BROKER 'k:9092', AWS CONNECTION = msk)", /"msk" is not an AWS CONNECTION/],
    ["CREATE CONNECTION x TO AWS (ACCESS KEY ID = 'a')", /ACCESS KEY ID and SECRET ACCESS KEY must be specified together/],
    ["CREATE CONNECTION x TO AWS (SECRET ACCESS KEY = 'plain', ACCESS KEY ID = 'a')", /SECRET ACCESS KEY: expected a SECRET/],
    ["CREATE CONNECTION x TO AWS (ASSUME ROLE ARN = 'nope')", /not an IAM role ARN/],
  ];
  for (const [sql, pattern] of cases) {
    const err = await failure(c.query(sql));
    assert.match(err.message, pattern, sql);
  }
  // Without REGION, an MSK broker name gives it.
  await c.query(`CREATE CONNECTION aws_noregion TO AWS (ACCESS KEY ID = 'AKIAEXAMPLE', SECRET ACCESS KEY = SECRET aws_secret)`);
  await c.query("CREATE CONNECTION msk_named TO KAFKA (BROKER 'b-1.demo.abc123.c2.kafka.eu-west-1.amazonaws.com:9098', AWS CONNECTION = aws_noregion) WITH (VALIDATE = false)");
  const noRegion = await failure(c.query("CREATE CONNECTION x TO KAFKA (BROKER 'k:9098', AWS CONNECTION = aws_noregion)"));
  assert.match(noRegion.message, /has no REGION/);
  const dropSecret = await failure(c.query('DROP SECRET aws_secret'));
  assert.match(dropSecret.message, /still depended upon/);
});

test('no secret value in errors, logs, SHOW CREATE CONNECTION, mz_connections, statuses or the data directory (but its secrets store)', async () => {
  const c = fixture.client;
  const shown: string[] = [];
  for (const [name] of await queryArrays(c, 'SELECT name FROM mz_catalog.mz_connections')) {
    const rows = await queryArrays(c, `SHOW CREATE CONNECTION "${String(name)}"`);
    shown.push(JSON.stringify(rows));
  }
  assert.ok(shown.some((s) => /SASL PASSWORD = SECRET/.test(s)) && shown.some((s) => /SECRET ACCESS KEY = SECRET/.test(s)) && shown.some((s) => /SASL CLIENT SECRET = SECRET/.test(s)));
  const catalog = JSON.stringify([
    await queryArrays(c, 'SELECT * FROM mz_catalog.mz_connections'),
    await queryArrays(c, 'SELECT * FROM mz_catalog.mz_secrets'),
    await queryArrays(c, 'SHOW SECRETS'),
    await queryArrays(c, 'SELECT * FROM mz_internal.mz_source_statuses'),
  ]);
  const log = fixture.server.log();
  assert.ok(log.length > 0 && errorsSeen.length > 10);
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk(fixture.dataDir);
  assert.ok(secretValues.length >= 10);
  for (const value of secretValues) {
    for (const [where, text] of [['errors', errorsSeen.join('\n')], ['SHOW CREATE CONNECTION', shown.join('\n')], ['catalog relations', catalog], ['server log', log]] as const) {
      assert.ok(!text.includes(value), `a secret value appears in the ${where}`);
    }
    // Secrets are not encrypted at rest yet (issue 12 item 3): only the secrets store may hold them.
    const holding = files.filter((f) => readFileSync(f).includes(value)).map((f) => f.slice(fixture.dataDir.length));
    assert.ok(holding.every((f) => /secrets/.test(f)), `a secret value appears in ${holding.join(', ')}`);
  }
});
