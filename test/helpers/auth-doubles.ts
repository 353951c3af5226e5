// Test doubles for Kafka authentication, each written from its protocol's
// own description (not from the code under test):
// - an OIDC token endpoint (OAuth 2.0 client-credentials grant, RFC 6749
//   4.4) issuing short-lived HS256 JWTs, and the broker-side check of them;
// - Amazon MSK's IAM verifier: recomputes the SigV4 query signature
//   (AWS's "Signature Version 4" description) of the presigned
//   kafka-cluster:Connect URL carried in the OAUTHBEARER token;
// - an STS endpoint answering AssumeRole with temporary credentials.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { TokenVerdict } from './sasl-proxy.js';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

// --- OIDC -------------------------------------------------------------------------------

export interface IssuedToken {
  token: string;
  issuedAtMs: number;
  expiresAtMs: number;
}

export interface TokenEndpoint {
  url: string;
  clientId: string;
  clientSecret: string;
  /** Tokens issued, in order. */
  issued: IssuedToken[];
  /** Requests refused, with the reason. */
  refused: string[];
  /** The broker's check: signed by this issuer, not expired, with the scope. */
  verify(token: string): TokenVerdict;
  close(): Promise<void>;
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An OAuth 2.0 token endpoint (client-credentials grant, client authenticated with HTTP Basic) issuing JWTs valid `lifetimeSeconds`. */
export async function startTokenEndpoint(options: { lifetimeSeconds: number; scope: string }): Promise<TokenEndpoint> {
  const clientId = `freshet-${randomBytes(4).toString('hex')}`;
  const clientSecret = `cs-${randomBytes(16).toString('hex')}`;
  const signingKey = randomBytes(32);
  const issued: IssuedToken[] = [];
  const refused: string[] = [];
  const sign = (payload: Record<string, unknown>): string => {
    const unsigned = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}`;
    return `${unsigned}.${createHmac('sha256', signingKey).update(unsigned).digest('base64url')}`;
  };
  const server = createServer((req, res) => {
    void (async () => {
      const form = new URLSearchParams(await body(req));
      const auth = req.headers.authorization ?? '';
      const [id, secret] = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':') : [form.get('client_id'), form.get('client_secret')];
      if (req.method !== 'POST' || form.get('grant_type') !== 'client_credentials') {
        refused.push('unsupported_grant_type');
        json(res, 400, { error: 'unsupported_grant_type' });
        return;
      }
      if (id !== clientId || secret !== clientSecret) {
        refused.push('invalid_client');
        json(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
        return;
      }
      if (form.get('scope') !== options.scope) {
        refused.push('invalid_scope');
        json(res, 400, { error: 'invalid_scope' });
        return;
      }
      const now = Date.now();
      const expiresAtMs = now + options.lifetimeSeconds * 1000;
      const token = sign({ sub: clientId, iat: Math.floor(now / 1000), exp: Math.floor(expiresAtMs / 1000), scope: options.scope });
      issued.push({ token, issuedAtMs: now, expiresAtMs });
      json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: options.lifetimeSeconds });
    })();
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}/oauth2/token`,
    clientId,
    clientSecret,
    issued,
    refused,
    verify(token) {
      const [header, payload, signature] = token.split('.');
      if (!header || !payload || !signature) return { ok: false, reason: 'malformed JWT' };
      const expected = createHmac('sha256', signingKey).update(`${header}.${payload}`).digest();
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid token signature' };
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub: string; exp: number; scope: string };
      if (claims.exp * 1000 <= Date.now()) return { ok: false, reason: 'token expired' };
      if (claims.scope !== options.scope) return { ok: false, reason: 'wrong scope' };
      return { ok: true, principal: claims.sub };
    },
    close: () => close(server),
  };
}

// --- MSK IAM ----------------------------------------------------------------------------

export interface AwsKeys {
  secretAccessKey: string;
  sessionToken?: string;
}

const sha256hex = (data: string): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();
const rfc3986 = (text: string): string => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * MSK's check of an IAM OAUTHBEARER token: the base64url of a SigV4
 * query-presigned GET https://kafka.<region>.amazonaws.com/?Action=
 * kafka-cluster:Connect, whose signature is recomputed with the secret key
 * of the access key id it names. `clockOffsetMs` moves the verifier's clock
 * (to see an expired token refused).
 */
export function verifyMskIamToken(token: string, keys: ReadonlyMap<string, AwsKeys>, options: { region: string; clockOffsetMs?: number }): TokenVerdict {
  let url: URL;
  try {
    url = new URL(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'token is not a base64url-encoded URL' };
  }
  const q = url.searchParams;
  if (url.host !== `kafka.${options.region}.amazonaws.com`) return { ok: false, reason: `wrong host ${url.host}` };
  if (q.get('Action') !== 'kafka-cluster:Connect') return { ok: false, reason: 'Action is not kafka-cluster:Connect' };
  if (q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return { ok: false, reason: 'unsupported algorithm' };
  if (q.get('X-Amz-SignedHeaders') !== 'host') return { ok: false, reason: 'signed headers must be host' };
  const [accessKeyId, date, region, service, terminator] = (q.get('X-Amz-Credential') ?? '').split('/');
  if (region !== options.region || service !== 'kafka-cluster' || terminator !== 'aws4_request' || !date) return { ok: false, reason: 'invalid credential scope' };
  const amzDate = q.get('X-Amz-Date') ?? '';
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m || amzDate.slice(0, 8) !== date) return { ok: false, reason: 'invalid X-Amz-Date' };
  const signedAt = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  const expires = Number(q.get('X-Amz-Expires'));
  const now = Date.now() + (options.clockOffsetMs ?? 0);
  if (!(expires > 0) || now > signedAt + expires * 1000) return { ok: false, reason: 'Access denied: the IAM authentication token has expired' };
  if (signedAt > now + 5 * 60_000) return { ok: false, reason: 'token signed in the future' };
  const key = keys.get(accessKeyId ?? '');
  if (!key) return { ok: false, reason: `Access denied: unknown access key id ${accessKeyId}` };
  if ((key.sessionToken ?? null) !== q.get('X-Amz-Security-Token')) return { ok: false, reason: 'Access denied: invalid session token' };
  // The signer adds User-Agent after signing; the signature itself is not part of what is signed.
  const canonicalQuery = [...q.entries()]
    .filter(([k]) => k !== 'X-Amz-Signature' && k !== 'User-Agent')
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${url.host}`, '', 'host', sha256hex('')].join('\n');
  const scope = `${date}/${region}/kafka-cluster/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${key.secretAccessKey}`, date), region), 'kafka-cluster'), 'aws4_request');
  const expected = hmac(signingKey, stringToSign).toString('hex');
  if (expected !== q.get('X-Amz-Signature')) return { ok: false, reason: 'Access denied: the signature does not match' };
  return { ok: true, principal: accessKeyId! };
}

// --- STS --------------------------------------------------------------------------------

export interface StsDouble {
  url: string;
  /** AssumeRole calls: role ARN, session name and the access key id that signed the call. */
  calls: { roleArn: string; sessionName: string; signedBy: string }[];
  /** Temporary keys issued, by access key id. */
  issued: Map<string, AwsKeys>;
  close(): Promise<void>;
}

/** STS AssumeRole (query protocol): any role in `roles` may be assumed by a caller signing with an access key id in `callers`. */
export async function startSts(options: { roles: readonly string[]; callers: readonly string[]; lifetimeSeconds?: number }): Promise<StsDouble> {
  const calls: StsDouble['calls'] = [];
  const issued = new Map<string, AwsKeys>();
  const server = createServer((req, res) => {
    void (async () => {
      const form = new URLSearchParams(await body(req));
      const signedBy = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const roleArn = form.get('RoleArn') ?? '';
      const sessionName = form.get('RoleSessionName') ?? '';
      calls.push({ roleArn, sessionName, signedBy });
      const error = (status: number, code: string, message: string): void => {
        res.writeHead(status, { 'content-type': 'text/xml' });
        res.end(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`);
      };
      if (form.get('Action') !== 'AssumeRole') return error(400, 'InvalidAction', 'only AssumeRole');
      if (!options.callers.includes(signedBy)) return error(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
      if (!options.roles.includes(roleArn)) return error(403, 'AccessDenied', `User is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
      const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
      const keys = { secretAccessKey: randomBytes(20).toString('base64'), sessionToken: `IQoJ${randomBytes(48).toString('base64')}` };
      issued.set(accessKeyId, keys);
      const expiration = new Date(Date.now() + (options.lifetimeSeconds ?? 3600) * 1000).toISOString();
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>` +
          `<AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${keys.secretAccessKey}</SecretAccessKey>` +
          `<SessionToken>${keys.sessionToken}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
          `<AssumedRoleUser><AssumedRoleId>AROATEST:${sessionName}</AssumedRoleId><Arn>${roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${sessionName}</Arn></AssumedRoleUser>` +
          `</AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`,
      );
    })();
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, calls, issued, close: () => close(server) };
}
