// Amazon MSK IAM authentication: the token MSK's IAM listener expects over
// SASL/OAUTHBEARER, as AWS's own MSK IAM SASL signer builds it — a SigV4
// query-presigned `GET https://kafka.<region>.amazonaws.com/?Action=
// kafka-cluster%3AConnect` (service `kafka-cluster`, valid 900 s), the URL
// base64url-encoded without padding. Signed with AWS's signer library
// (@smithy/signature-v4 with @aws-crypto/sha256-js).
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials } from '../aws/connection.js';

export const MSK_IAM_SERVICE = 'kafka-cluster';
export const MSK_IAM_TOKEN_SECONDS = 900;
const USER_AGENT = 'freshet-msk-iam';

export interface MskIamToken {
  /** The OAUTHBEARER token value. */
  token: string;
  /** When librdkafka must have a new one (ms since the epoch): the signature's or the credentials' expiry, whichever comes first. */
  lifetimeMs: number;
  /** The principal librdkafka reports (the access key id, never the secret). */
  principal: string;
}

/** The MSK region from a broker address such as b-1.cluster.abc123.c2.kafka.us-east-1.amazonaws.com:9098. */
export function mskRegionFromBroker(broker: string): string | undefined {
  const host = broker.replace(/:\d+$/, '');
  return /\.kafka(?:-serverless)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host)?.[1];
}

/** RFC 3986 escaping, as AWS's query-string builder does. */
function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export async function mskIamToken(region: string, credentials: AwsCredentials, now: Date = new Date()): Promise<MskIamToken> {
  const hostname = `kafka.${region}.amazonaws.com`;
  const signer = new SignatureV4({
    service: MSK_IAM_SERVICE,
    region,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
    },
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.presign(
    { method: 'GET', protocol: 'https:', hostname, path: '/', headers: { host: hostname }, query: { Action: 'kafka-cluster:Connect' } },
    { expiresIn: MSK_IAM_TOKEN_SECONDS, signingDate: now },
  );
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(signed.query ?? {})) {
    if (typeof value === 'string') query[key] = value;
    else if (Array.isArray(value) && value.length > 0) query[key] = value[0]!;
  }
  query['User-Agent'] = USER_AGENT;
  const queryString = Object.keys(query)
    .sort()
    .map((key) => `${escapeUri(key)}=${escapeUri(query[key]!)}`)
    .join('&');
  const url = `https://${hostname}/?${queryString}`;
  let lifetimeMs = now.getTime() + MSK_IAM_TOKEN_SECONDS * 1000;
  if (credentials.expiresAtMs !== undefined) lifetimeMs = Math.min(lifetimeMs, credentials.expiresAtMs);
  return { token: Buffer.from(url, 'utf8').toString('base64url'), lifetimeMs, principal: credentials.accessKeyId };
}
