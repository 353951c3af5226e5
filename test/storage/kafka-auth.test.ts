// Planning of Kafka authentication options (OIDC OAUTHBEARER, AWS
// connections and MSK IAM) and the MSK IAM token itself, checked against an
// independent SigV4 verifier (test/helpers/auth-doubles.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planKafkaConnection } from '../../src/storage/kafka/plan.js';
import { planAwsConnection, awsCredentials, type AwsConnectionSpec } from '../../src/storage/aws/connection.js';
import { mskIamToken, mskRegionFromBroker } from '../../src/storage/kafka/msk-iam.js';
import { authenticationCause } from '../../src/storage/kafka/client.js';
import { SqlError } from '../../src/repr/errors.js';
import type { CreateConnectionStatement, ObjectName, SqlOption } from '../../src/sql/ast.js';
import { ident, kafkaConnection, opt, secret, str } from '../helpers/kafka-ast.js';
import { verifyMskIamToken } from '../helpers/auth-doubles.js';

const resolve = (name: ObjectName) => ({ id: `id-${name.parts.join('.')}`, name: name.parts.join('.') });
const awsConnection = (...options: SqlOption[]): CreateConnectionStatement => ({ ...kafkaConnection(...options), connectionType: 'aws' });

function sqlError(code: string, pattern: RegExp) {
  return (err: unknown) => err instanceof SqlError && err.code === code && pattern.test(err.message);
}

test('OAUTHBEARER with OIDC client credentials maps onto librdkafka oidc settings; the client secret stays a reference', () => {
  const spec = planKafkaConnection(
    kafkaConnection(
      opt('BROKER', str('k:9093')),
      opt('SASL MECHANISMS', str('OAUTHBEARER')),
      opt('SASL OAUTHBEARER TOKEN ENDPOINT', str('https://idp.example.com/oauth2/token')),
      opt('SASL CLIENT ID', str('freshet')),
      opt('SASL CLIENT SECRET', secret('cs')),
      opt('SASL SCOPE', str('kafka')),
    ),
    resolve,
  );
  assert.deepEqual(spec.config, {
    'bootstrap.servers': 'k:9093',
    'security.protocol': 'sasl_ssl',
    'sasl.mechanisms': 'OAUTHBEARER',
    'sasl.oauthbearer.method': 'oidc',
    'sasl.oauthbearer.token.endpoint.url': 'https://idp.example.com/oauth2/token',
    'sasl.oauthbearer.client.id': 'freshet',
    'sasl.oauthbearer.scope': 'kafka',
  });
  assert.deepEqual(spec.secretConfig, { 'sasl.oauthbearer.client.secret': { id: 'id-cs', name: 'cs' } });
});

test('OAUTHBEARER option errors', () => {
  const base = [opt('BROKER', str('k:1')), opt('SASL MECHANISMS', str('OAUTHBEARER'))];
  assert.throws(() => planKafkaConnection(kafkaConnection(...base), resolve), sqlError('22023', /SASL OAUTHBEARER TOKEN ENDPOINT must be specified/));
  assert.throws(
    () => planKafkaConnection(kafkaConnection(...base, opt('SASL OAUTHBEARER TOKEN ENDPOINT', str('ftp://x')), opt('SASL CLIENT ID', str('c')), opt('SASL CLIENT SECRET', secret('s'))), resolve),
    sqlError('22023', /not an http:\/\/ or https:\/\/ URL/),
  );
  assert.throws(
    () => planKafkaConnection(kafkaConnection(...base, opt('SASL OAUTHBEARER TOKEN ENDPOINT', str('https://x')), opt('SASL CLIENT ID', str('c')), opt('SASL CLIENT SECRET', str('plain'))), resolve),
    sqlError('22023', /SASL CLIENT SECRET: expected a SECRET/),
  );
  assert.throws(
    () => planKafkaConnection(kafkaConnection(opt('BROKER', str('k:1')), opt('SASL MECHANISMS', str('PLAIN')), opt('SASL USERNAME', str('u')), opt('SASL PASSWORD', secret('p')), opt('SASL SCOPE', str('x'))), resolve),
    sqlError('22023', /SASL SCOPE requires SASL MECHANISMS = 'OAUTHBEARER'/),
  );
});

test('AWS connections: keys (secret key must be a secret), or a role; checked', () => {
  const keys = planAwsConnection(awsConnection(opt('ACCESS KEY ID', str('AKIA1')), opt('SECRET ACCESS KEY', secret('sk')), opt('SESSION TOKEN', secret('st')), opt('REGION', str('eu-west-1'))), resolve);
  assert.deepEqual(keys, { region: 'eu-west-1', accessKeyId: { value: 'AKIA1' }, secretAccessKey: { id: 'id-sk', name: 'sk' }, sessionToken: { secret: { id: 'id-st', name: 'st' } } });
  const role = planAwsConnection(awsConnection(opt('ASSUME ROLE ARN', str('arn:aws:iam::123456789012:role/r')), opt('ENDPOINT', str('http://127.0.0.1:1'))), resolve);
  assert.deepEqual(role, { endpoint: 'http://127.0.0.1:1', assumeRoleArn: 'arn:aws:iam::123456789012:role/r' });
  assert.throws(() => planAwsConnection(awsConnection(opt('REGION', str('x'))), resolve), sqlError('22023', /must specify ACCESS KEY ID and SECRET ACCESS KEY, or ASSUME ROLE ARN/));
  assert.throws(() => planAwsConnection(awsConnection(opt('ACCESS KEY ID', str('a')), opt('SECRET ACCESS KEY', str('plain'))), resolve), sqlError('22023', /expected a SECRET/));
  assert.throws(() => planAwsConnection(awsConnection(opt('ASSUME ROLE SESSION NAME', str('s'))), resolve), sqlError('22023', /requires ASSUME ROLE ARN/));
  assert.throws(() => planAwsConnection(awsConnection(opt('NOPE', str('s'))), resolve), sqlError('42601', /unexpected AWS connection option NOPE/));
});

test('AWS CONNECTION on a Kafka connection: OAUTHBEARER over SASL_SSL, region from the AWS connection or the MSK host name', () => {
  const aws: AwsConnectionSpec = { accessKeyId: { value: 'AKIA1' }, secretAccessKey: { id: 'id-sk', name: 'sk' } };
  const resolveAws = (name: ObjectName) => ({ id: 'u7', name: name.parts.join('.'), spec: aws });
  const spec = planKafkaConnection(kafkaConnection(opt('BROKER', str('b-1.c.abc.c2.kafka.eu-central-1.amazonaws.com:9098')), opt('AWS CONNECTION', ident('aws'))), resolve, resolveAws);
  assert.deepEqual(spec.config, { 'bootstrap.servers': 'b-1.c.abc.c2.kafka.eu-central-1.amazonaws.com:9098', 'security.protocol': 'sasl_ssl', 'sasl.mechanisms': 'OAUTHBEARER' });
  assert.deepEqual(spec.aws, { connection: { id: 'u7', name: 'aws' }, spec: aws, region: 'eu-central-1' });
  assert.throws(() => planKafkaConnection(kafkaConnection(opt('BROKER', str('k:9098')), opt('AWS CONNECTION', ident('aws'))), resolve, resolveAws), sqlError('22023', /has no REGION/));
  assert.throws(
    () => planKafkaConnection(kafkaConnection(opt('BROKER', str('k:9098')), opt('AWS CONNECTION', ident('aws')), opt('SASL MECHANISMS', str('PLAIN'))), resolve, resolveAws),
    sqlError('22023', /SASL MECHANISMS must be OAUTHBEARER/),
  );
  assert.equal(mskRegionFromBroker('boot-abc.c3.kafka-serverless.us-east-2.amazonaws.com:9098'), 'us-east-2');
  assert.equal(mskRegionFromBroker('localhost:9092'), undefined);
});

test('MSK IAM token: a presigned kafka-cluster:Connect URL, base64url, valid 900 s, that an independent SigV4 check accepts', async () => {
  const keys = new Map([['AKIAEXAMPLE', { secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'session+token/=' }]]);
  const now = new Date();
  const token = await mskIamToken('us-west-2', { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'session+token/=' }, now);
  assert.doesNotMatch(token.token, /[=+/]/, 'base64url without padding');
  const url = new URL(Buffer.from(token.token, 'base64url').toString('utf8'));
  assert.equal(url.host, 'kafka.us-west-2.amazonaws.com');
  assert.equal(url.searchParams.get('Action'), 'kafka-cluster:Connect');
  assert.equal(url.searchParams.get('X-Amz-Expires'), '900');
  assert.equal(token.lifetimeMs, now.getTime() + 900_000);
  assert.equal(token.principal, 'AKIAEXAMPLE');
  assert.deepEqual(verifyMskIamToken(token.token, keys, { region: 'us-west-2' }), { ok: true, principal: 'AKIAEXAMPLE' });
  assert.deepEqual(verifyMskIamToken(token.token, keys, { region: 'us-west-2', clockOffsetMs: 901_000 }), { ok: false, reason: 'Access denied: the IAM authentication token has expired' });
  const other = new Map([['AKIAEXAMPLE', { secretAccessKey: 'another', sessionToken: 'session+token/=' }]]);
  assert.deepEqual(verifyMskIamToken(token.token, other, { region: 'us-west-2' }), { ok: false, reason: 'Access denied: the signature does not match' });
  // Temporary credentials expiring sooner shorten the token's lifetime.
  const short = await mskIamToken('us-west-2', { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x', expiresAtMs: now.getTime() + 60_000 }, now);
  assert.equal(short.lifetimeMs, now.getTime() + 60_000);
});

test('AWS credentials: static keys read from secrets when asked', async () => {
  const spec: AwsConnectionSpec = { accessKeyId: { secret: { id: 'k', name: 'k' } }, secretAccessKey: { id: 's', name: 's' } };
  const values: Record<string, string> = { k: 'AKIA2', s: 'secret-1' };
  assert.deepEqual(await awsCredentials(spec, (id) => values[id]!), { accessKeyId: 'AKIA2', secretAccessKey: 'secret-1' });
  values['s'] = 'secret-2';
  assert.equal((await awsCredentials(spec, (id) => values[id]!)).secretAccessKey, 'secret-2', 'ALTER SECRET applies to the next token');
});

test('authentication causes are kept for the source status, without the changing timing tail; other failures are not', () => {
  assert.equal(
    authenticationCause('sasl_ssl://h:1/bootstrap: SASL authentication error: Authentication failed (after 5ms in state AUTH_REQ, 1 identical error(s) suppressed)'),
    'sasl_ssl://h:1/bootstrap: SASL authentication error: Authentication failed',
  );
  assert.equal(authenticationCause('h:1/bootstrap: Connect to ipv4#127.0.0.1:1 failed: Connection refused (after 0ms in state CONNECT)'), undefined);
  assert.equal(authenticationCause(undefined), undefined);
});
