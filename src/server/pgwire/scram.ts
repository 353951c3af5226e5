// SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it: verifiers in
// PostgreSQL's format, and the server side of the exchange
// (AuthenticationSASL -> SASLInitialResponse -> AuthenticationSASLContinue ->
// SASLResponse -> AuthenticationSASLFinal). Channel binding (-PLUS) is not
// offered; clients that support it send the 'y' flag and go on without it.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export const SCRAM_MECHANISM = 'SCRAM-SHA-256';
/** PostgreSQL's default scram_iterations. */
export const SCRAM_ITERATIONS = 4096;
const SALT_BYTES = 16;
const NONCE_BYTES = 18;

export interface ScramVerifier {
  iterations: number;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

/**
 * SASLprep (RFC 4013) as the clients apply it before hashing (libpq, pg):
 * non-ASCII spaces to ' ', "mapped to nothing" characters removed, NFKC.
 */
export function saslprep(password: string): string {
  return password
    .replace(/[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g, ' ')
    // RFC 3454 table B.1: characters that combine with their neighbours, which is why they are removed.
    // eslint-disable-next-line no-misleading-character-class
    .replace(/[\u00AD\u034F\u1806\u180B\u180C\u180D\u200C\u200D\u2060\uFE00-\uFE0F\uFEFF]/gu, '')
    .normalize('NFKC');
}

function hmac(key: Buffer, data: string | Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

export function makeVerifier(password: string, iterations = SCRAM_ITERATIONS, salt: Buffer = randomBytes(SALT_BYTES)): ScramVerifier {
  const salted = pbkdf2Sync(saslprep(password), salt, iterations, 32, 'sha256');
  return { iterations, salt, storedKey: sha256(hmac(salted, 'Client Key')), serverKey: hmac(salted, 'Server Key') };
}

/** PostgreSQL's text form: SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey> (base64). */
export function formatVerifier(v: ScramVerifier): string {
  return `${SCRAM_MECHANISM}$${v.iterations}:${v.salt.toString('base64')}$${v.storedKey.toString('base64')}:${v.serverKey.toString('base64')}`;
}

export function parseVerifier(text: string): ScramVerifier | undefined {
  const m = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(text);
  if (!m) return undefined;
  return { iterations: Number(m[1]), salt: Buffer.from(m[2]!, 'base64'), storedKey: Buffer.from(m[3]!, 'base64'), serverKey: Buffer.from(m[4]!, 'base64') };
}

/** A stand-in verifier for a role that does not exist or has no password, so the exchange looks the same (and always fails). */
export function mockVerifier(user: string, serverSecret: Buffer): ScramVerifier {
  const salt = hmac(serverSecret, `salt:${user}`).subarray(0, SALT_BYTES);
  return { iterations: SCRAM_ITERATIONS, salt, storedKey: randomBytes(32), serverKey: randomBytes(32) };
}

export class ScramError extends Error {}

/** Parses `a=1,b=2` attributes in order. */
function attributes(text: string): [string, string][] {
  return text.split(',').map((part) => {
    if (part.length < 2 || part[1] !== '=') throw new ScramError('malformed SCRAM message');
    return [part[0]!, part.slice(2)];
  });
}

/** The server's half of one exchange. */
export class ScramServer {
  private clientFirstBare = '';
  private serverFirst = '';
  private gs2Header = '';
  private nonce = '';

  constructor(private readonly verifier: ScramVerifier) {}

  /** Handles client-first-message; returns server-first-message. */
  first(clientFirst: string): string {
    // gs2-header: cbind-flag "," [authzid] ","
    const firstComma = clientFirst.indexOf(',');
    const secondComma = clientFirst.indexOf(',', firstComma + 1);
    if (firstComma < 0 || secondComma < 0) throw new ScramError('malformed SCRAM message');
    const flag = clientFirst.slice(0, firstComma);
    if (flag.startsWith('p=')) throw new ScramError('channel binding is not supported by this server (use channel_binding=disable or prefer)');
    if (flag !== 'n' && flag !== 'y') throw new ScramError('malformed SCRAM message (unexpected channel-binding flag)');
    if (clientFirst.slice(firstComma + 1, secondComma) !== '') throw new ScramError('client uses authorization identity, but it is not supported');
    this.gs2Header = clientFirst.slice(0, secondComma + 1);
    this.clientFirstBare = clientFirst.slice(secondComma + 1);
    const attrs = attributes(this.clientFirstBare);
    // The user name is the startup packet's (PostgreSQL ignores n=).
    if (attrs[0]?.[0] === 'm') throw new ScramError('unsupported SCRAM extension');
    const clientNonce = attrs.find(([k]) => k === 'r')?.[1];
    if (clientNonce === undefined || clientNonce === '' || !/^[\x21-\x2b\x2d-\x7e]+$/.test(clientNonce)) throw new ScramError('malformed SCRAM message (nonce)');
    this.nonce = clientNonce + randomBytes(NONCE_BYTES).toString('base64');
    this.serverFirst = `r=${this.nonce},s=${this.verifier.salt.toString('base64')},i=${this.verifier.iterations}`;
    return this.serverFirst;
  }

  /** Handles client-final-message; returns server-final-message, or undefined when the proof is wrong. */
  final(clientFinal: string): string | undefined {
    const proofAt = clientFinal.lastIndexOf(',p=');
    if (proofAt < 0) throw new ScramError('malformed SCRAM message (no proof)');
    const withoutProof = clientFinal.slice(0, proofAt);
    const attrs = attributes(withoutProof);
    const binding = attrs.find(([k]) => k === 'c')?.[1];
    const nonce = attrs.find(([k]) => k === 'r')?.[1];
    if (binding === undefined || Buffer.from(binding, 'base64').toString('latin1') !== this.gs2Header) {
      throw new ScramError('SCRAM channel binding check failed');
    }
    if (nonce !== this.nonce) throw new ScramError('SCRAM nonce mismatch');
    const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64');
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const signature = hmac(this.verifier.storedKey, authMessage);
    if (proof.length !== signature.length) return undefined;
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ signature[i]!;
    if (!timingSafeEqual(sha256(clientKey), this.verifier.storedKey)) return undefined;
    return `v=${hmac(this.verifier.serverKey, authMessage).toString('base64')}`;
  }
}
