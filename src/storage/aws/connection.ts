// CREATE CONNECTION ... TO AWS: Materialize's options -> an AwsConnectionSpec
// (region, static keys or a role to assume; secrets by reference), and the
// credentials it stands for, read when used: static keys from the secrets,
// or temporary keys from STS AssumeRole (cached until shortly before they
// expire). Used by Kafka connections for Amazon MSK IAM.
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { CreateConnectionStatement, ObjectName, SqlOption } from '../../sql/ast.js';
import { SqlError, SqlState } from '../../repr/errors.js';
import { collectOptions, optionErrorAt, secretOption, stringOption, stringOrSecretOption } from '../kafka/options.js';
import type { SecretReader, SecretRef, SecretResolver } from '../kafka/plan.js';

export const AWS_CONNECTION_TYPE = 'aws';

const AWS_OPTIONS = ['ENDPOINT', 'REGION', 'ACCESS KEY ID', 'SECRET ACCESS KEY', 'SESSION TOKEN', 'ASSUME ROLE ARN', 'ASSUME ROLE SESSION NAME'] as const;

/** A value given inline or through a secret. */
export type ValueOrSecret = { value: string } | { secret: SecretRef };

/** A validated AWS connection: JSON-serializable (stored in the catalog). */
export interface AwsConnectionSpec {
  region?: string;
  /** ENDPOINT: overrides the AWS endpoint (used for STS). */
  endpoint?: string;
  accessKeyId?: ValueOrSecret;
  secretAccessKey?: SecretRef;
  sessionToken?: ValueOrSecret;
  assumeRoleArn?: string;
  assumeRoleSessionName?: string;
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials expire (ms since the epoch). */
  expiresAtMs?: number;
}

function valueOrSecret(option: SqlOption, resolveSecret: SecretResolver): ValueOrSecret {
  const value = stringOrSecretOption(option);
  return 'secret' in value ? { secret: resolveSecret(value.secret) } : { value: value.value };
}

export function planAwsConnection(stmt: CreateConnectionStatement, resolveSecret: SecretResolver): AwsConnectionSpec {
  if (stmt.connectionType !== AWS_CONNECTION_TYPE) {
    throw new SqlError(SqlState.featureNotSupported, `CONNECTION TO ${stmt.connectionType.toUpperCase()} is not supported by the AWS planner`);
  }
  const options = collectOptions(stmt.options, AWS_OPTIONS, 'AWS connection');
  const spec: AwsConnectionSpec = {};
  const region = options.get('REGION');
  if (region) spec.region = stringOption(region);
  const endpoint = options.get('ENDPOINT');
  if (endpoint) {
    spec.endpoint = stringOption(endpoint);
    if (!/^https?:\/\/[^\s/]+/.test(spec.endpoint)) throw optionErrorAt(endpoint, `invalid ENDPOINT: expected an http:// or https:// URL`);
  }
  const keyId = options.get('ACCESS KEY ID');
  const secretKey = options.get('SECRET ACCESS KEY');
  const sessionToken = options.get('SESSION TOKEN');
  if (keyId) spec.accessKeyId = valueOrSecret(keyId, resolveSecret);
  if (secretKey) spec.secretAccessKey = resolveSecret(secretOption(secretKey));
  if (sessionToken) spec.sessionToken = valueOrSecret(sessionToken, resolveSecret);
  if ((keyId === undefined) !== (secretKey === undefined)) {
    throw new SqlError(SqlState.invalidParameterValue, 'ACCESS KEY ID and SECRET ACCESS KEY must be specified together', { position: stmt.pos + 1 });
  }
  if (sessionToken && !keyId) throw optionErrorAt(sessionToken, 'SESSION TOKEN requires ACCESS KEY ID and SECRET ACCESS KEY');
  const role = options.get('ASSUME ROLE ARN');
  const sessionName = options.get('ASSUME ROLE SESSION NAME');
  if (role) {
    spec.assumeRoleArn = stringOption(role);
    if (!/^arn:[^:]+:iam::\d{12}:role\/.+$/.test(spec.assumeRoleArn)) throw optionErrorAt(role, `invalid ASSUME ROLE ARN: "${spec.assumeRoleArn}" is not an IAM role ARN`);
  }
  if (sessionName) {
    if (!role) throw optionErrorAt(sessionName, 'ASSUME ROLE SESSION NAME requires ASSUME ROLE ARN');
    spec.assumeRoleSessionName = stringOption(sessionName);
  }
  if (!keyId && !role) {
    throw new SqlError(SqlState.invalidParameterValue, 'must specify ACCESS KEY ID and SECRET ACCESS KEY, or ASSUME ROLE ARN', { position: stmt.pos + 1 });
  }
  return spec;
}

/** The secrets an AWS connection refers to. */
export function awsSecretRefs(spec: AwsConnectionSpec): SecretRef[] {
  const refs: SecretRef[] = [];
  for (const v of [spec.accessKeyId, spec.sessionToken]) if (v && 'secret' in v) refs.push(v.secret);
  if (spec.secretAccessKey) refs.push(spec.secretAccessKey);
  return refs;
}

function read(value: ValueOrSecret, readSecret: SecretReader): string {
  return 'secret' in value ? readSecret(value.secret.id) : value.value;
}

function staticCredentials(spec: AwsConnectionSpec, readSecret: SecretReader): AwsCredentials | undefined {
  if (!spec.accessKeyId || !spec.secretAccessKey) return undefined;
  const credentials: AwsCredentials = { accessKeyId: read(spec.accessKeyId, readSecret), secretAccessKey: readSecret(spec.secretAccessKey.id) };
  if (spec.sessionToken) credentials.sessionToken = read(spec.sessionToken, readSecret);
  return credentials;
}

/** Why getting AWS credentials failed, without any credential in it. */
export class AwsCredentialsError extends Error {}

/** Temporary credentials from AssumeRole, per role and base identity, reused until 5 minutes before they expire. */
const assumed = new Map<string, Promise<AwsCredentials>>();
const REUSE_MARGIN_MS = 5 * 60_000;

async function assumeRole(spec: AwsConnectionSpec, base: AwsCredentials | undefined): Promise<AwsCredentials> {
  const region = spec.region ?? process.env['AWS_REGION'] ?? 'us-east-1';
  const client = new STSClient({
    region,
    ...(spec.endpoint ? { endpoint: spec.endpoint } : {}),
    // Without static keys, the server's own AWS identity (environment, shared config, instance role) assumes the role.
    ...(base ? { credentials: base } : {}),
    maxAttempts: 2,
  });
  try {
    const out = await client.send(
      new AssumeRoleCommand({ RoleArn: spec.assumeRoleArn, RoleSessionName: spec.assumeRoleSessionName ?? 'freshet', DurationSeconds: 3600 }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new AwsCredentialsError(`AssumeRole ${spec.assumeRoleArn} returned no credentials`);
    const credentials: AwsCredentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey };
    if (c.SessionToken) credentials.sessionToken = c.SessionToken;
    if (c.Expiration) credentials.expiresAtMs = c.Expiration.getTime();
    return credentials;
  } catch (err) {
    if (err instanceof AwsCredentialsError) throw err;
    const name = err instanceof Error ? err.name : 'Error';
    const message = err instanceof Error ? err.message : String(err);
    throw new AwsCredentialsError(`AssumeRole ${spec.assumeRoleArn} failed: ${name}: ${message}`);
  } finally {
    client.destroy();
  }
}

/** The credentials of an AWS connection now: its static keys, or keys for its role from STS. */
export async function awsCredentials(spec: AwsConnectionSpec, readSecret: SecretReader, nowMs: number = Date.now()): Promise<AwsCredentials> {
  const base = staticCredentials(spec, readSecret);
  if (!spec.assumeRoleArn) {
    if (!base) throw new AwsCredentialsError('the AWS connection has no credentials');
    return base;
  }
  const key = JSON.stringify([spec.assumeRoleArn, spec.assumeRoleSessionName, spec.endpoint, spec.region, base?.accessKeyId, base?.secretAccessKey, base?.sessionToken]);
  const cached = assumed.get(key);
  if (cached) {
    try {
      const credentials = await cached;
      if (credentials.expiresAtMs === undefined || credentials.expiresAtMs - REUSE_MARGIN_MS > nowMs) return credentials;
    } catch {
      // Failed before: ask again.
    }
  }
  const fresh = assumeRole(spec, base);
  assumed.set(key, fresh);
  fresh.catch(() => assumed.delete(key));
  return fresh;
}

/** VALIDATE CONNECTION for AWS: a role is assumed (static keys are checked when a Kafka connection uses them). */
export async function validateAwsConnection(spec: AwsConnectionSpec, readSecret: SecretReader): Promise<void> {
  if (!spec.assumeRoleArn) return;
  try {
    await awsCredentials(spec, readSecret);
  } catch (err) {
    throw new SqlError(SqlState.connectionFailure, err instanceof Error ? err.message : String(err));
  }
}

/** AWS CONNECTION = name in another connection's options. */
export function objectNameOption(option: SqlOption): ObjectName {
  const value = option.value;
  if (value?.kind === 'object') return value.name;
  if (value?.kind === 'ident') return { parts: [value.name], pos: option.pos };
  if (value?.kind === 'value' && value.expr.kind === 'identifier') return { parts: value.expr.parts, pos: option.pos };
  throw optionErrorAt(option, `invalid ${option.name}: expected a connection name`);
}
