// A SASL- (and optionally TLS-) terminating Kafka-protocol proxy in front of
// librdkafka's mock broker, which has no SASL listener: the proxy reads the
// client's first requests itself — ApiVersions (forwarded to the mock, with
// SaslHandshake and SaslAuthenticate added to the answer), SaslHandshake v1
// and SaslAuthenticate — verifies PLAIN, SCRAM-SHA-256/512 (RFC 5802/7677,
// server side) or OAUTHBEARER (RFC 7628, the token judged by a verifier the
// test gives) like a Kafka broker, and once the client has authenticated
// pipes the rest, unchanged, to the mock. Like the TLS proxy, the mock must
// advertise the proxy's address (MockCluster.advertise) so that every
// connection the client makes goes through it.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { testPki } from './tls-proxy.js';

export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';

export type TokenVerdict = { ok: true; principal: string } | { ok: false; reason: string };

export interface SaslProxyOptions {
  /** Terminate TLS too (SASL_SSL) with the test server certificate; default false (SASL_PLAINTEXT). */
  tls?: boolean;
  /** The mechanisms the "broker" enables (SaslHandshake refuses the others, listing these). */
  mechanisms: readonly SaslMechanism[];
  /** User name -> password, for PLAIN and SCRAM (SCRAM keeps only salted keys, as a broker does). */
  users?: Record<string, string>;
  /** Judges an OAUTHBEARER token (the proxy parses the RFC 7628 initial response). */
  verifyToken?: (token: string) => TokenVerdict;
}

export interface SaslProxyStats {
  connections: number;
  /** Successful authentications, with the mechanism and principal of each. */
  authenticated: { mechanism: string; principal: string }[];
  /** Refused authentications, with the message the client was sent. */
  failed: string[];
  /** Every OAUTHBEARER token presented. */
  tokens: string[];
}

export interface SaslProxy {
  readonly port: number;
  readonly stats: SaslProxyStats;
  close(): Promise<void>;
}

const API_SASL_HANDSHAKE = 17;
const API_VERSIONS = 18;
const API_SASL_AUTHENTICATE = 36;
const ERR_SASL_AUTHENTICATION_FAILED = 58;
const ERR_UNSUPPORTED_SASL_MECHANISM = 33;
const ERR_ILLEGAL_SASL_STATE = 34;

interface ScramCredential {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

const SCRAM_HASH: Record<string, 'sha256' | 'sha512'> = { 'SCRAM-SHA-256': 'sha256', 'SCRAM-SHA-512': 'sha512' };
const SCRAM_ITERATIONS = 4096;

function hmac(hash: string, key: Buffer, data: string | Buffer): Buffer {
  return createHmac(hash, key).update(data).digest();
}

function scramCredential(mechanism: string, password: string): ScramCredential {
  const hash = SCRAM_HASH[mechanism]!;
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, hash === 'sha256' ? 32 : 64, hash);
  const clientKey = hmac(hash, salted, 'Client Key');
  return {
    salt,
    iterations: SCRAM_ITERATIONS,
    storedKey: createHash(hash).update(clientKey).digest(),
    serverKey: hmac(hash, salted, 'Server Key'),
  };
}

/** Thrown by a mechanism to refuse the client: the message goes back in SaslAuthenticate's error_message. */
class AuthFailure extends Error {}

const invalidCredentials = (mechanism: string): AuthFailure =>
  new AuthFailure(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`);

/** One SASL exchange: each client message in, the server's answer out; `done` once authenticated. */
interface SaslExchange {
  step(clientMessage: Buffer): Buffer;
  done: boolean;
  principal: string;
}

function plainExchange(users: Record<string, string>): SaslExchange {
  const exchange: SaslExchange = {
    done: false,
    principal: '',
    step(message) {
      const [, user = '', password = ''] = message.toString('utf8').split('\0');
      const expected = users[user];
      if (expected === undefined || !safeEqual(Buffer.from(expected), Buffer.from(password))) {
        throw new AuthFailure('Authentication failed: Invalid username or password');
      }
      exchange.done = true;
      exchange.principal = user;
      return Buffer.alloc(0);
    },
  };
  return exchange;
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function scramAttributes(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) attributes.set(part[0]!, part.slice(2));
  }
  return attributes;
}

function scramExchange(mechanism: string, credentials: Map<string, ScramCredential>): SaslExchange {
  const hash = SCRAM_HASH[mechanism]!;
  let state: { clientFirstBare: string; serverFirst: string; nonce: string; credential: ScramCredential; user: string } | null = null;
  const exchange: SaslExchange = {
    done: false,
    principal: '',
    step(message) {
      const text = message.toString('utf8');
      if (state === null) {
        // client-first-message: gs2-header "n,," (or "n,a=authzid,") then "n=user,r=nonce".
        const match = /^[nyp][^,]*,[^,]*,(.*)$/.exec(text);
        if (!match) throw new AuthFailure('Invalid SCRAM client first message');
        const clientFirstBare = match[1]!;
        const attributes = scramAttributes(clientFirstBare);
        const user = (attributes.get('n') ?? '').replace(/=2C/g, ',').replace(/=3D/g, '=');
        const clientNonce = attributes.get('r');
        if (!clientNonce) throw new AuthFailure('Invalid SCRAM client first message');
        const credential = credentials.get(user);
        if (!credential) throw invalidCredentials(mechanism);
        const nonce = clientNonce + randomBytes(18).toString('base64');
        const serverFirst = `r=${nonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`;
        state = { clientFirstBare, serverFirst, nonce, credential, user };
        return Buffer.from(serverFirst);
      }
      // client-final-message: "c=biws,r=nonce,p=proof".
      const proofAt = text.lastIndexOf(',p=');
      if (proofAt < 0) throw new AuthFailure('Invalid SCRAM client final message');
      const withoutProof = text.slice(0, proofAt);
      const attributes = scramAttributes(withoutProof);
      if (attributes.get('r') !== state.nonce) throw new AuthFailure('Invalid SCRAM nonce');
      const authMessage = `${state.clientFirstBare},${state.serverFirst},${withoutProof}`;
      const proof = Buffer.from(text.slice(proofAt + 3), 'base64');
      const clientSignature = hmac(hash, state.credential.storedKey, authMessage);
      if (proof.length !== clientSignature.length) throw invalidCredentials(mechanism);
      const clientKey = Buffer.from(proof.map((b, i) => b ^ clientSignature[i]!));
      if (!safeEqual(createHash(hash).update(clientKey).digest(), state.credential.storedKey)) throw invalidCredentials(mechanism);
      exchange.done = true;
      exchange.principal = state.user;
      return Buffer.from(`v=${hmac(hash, state.credential.serverKey, authMessage).toString('base64')}`);
    },
  };
  return exchange;
}

function oauthBearerExchange(verify: (token: string) => TokenVerdict, stats: SaslProxyStats): SaslExchange {
  const exchange: SaslExchange = {
    done: false,
    principal: '',
    step(message) {
      // RFC 7628: gs2-header, then key=value pairs separated (and ended) by \x01: "n,,\x01auth=Bearer <token>\x01\x01".
      const text = message.toString('utf8');
      const parts = text.split('\x01');
      const auth = parts.find((p) => p.startsWith('auth='));
      const match = auth ? /^auth=Bearer ([^\s]+)$/i.exec(auth) : null;
      if (!match) throw new AuthFailure('Invalid OAUTHBEARER initial client response: no "auth=Bearer <token>"');
      const token = match[1]!;
      stats.tokens.push(token);
      const verdict = verify(token);
      if (!verdict.ok) throw new AuthFailure(`Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER: ${verdict.reason}`);
      exchange.done = true;
      exchange.principal = verdict.principal;
      return Buffer.alloc(0);
    },
  };
  return exchange;
}

// --- Kafka protocol framing ---------------------------------------------------------------

class Reader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}
  i16(): number {
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  i32(): number {
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  nullableString(): string | null {
    const length = this.i16();
    if (length < 0) return null;
    const s = this.buf.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return s;
  }
  bytes(): Buffer {
    const length = this.i32();
    const b = this.buf.subarray(this.offset, this.offset + Math.max(0, length));
    this.offset += Math.max(0, length);
    return b;
  }
}

function i16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(v);
  return b;
}
function i32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
}
function str(s: string | null): Buffer {
  if (s === null) return i16(-1);
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([i16(b.length), b]);
}
function frame(correlationId: number, body: Buffer[]): Buffer {
  const payload = Buffer.concat([i32(correlationId), ...body]);
  return Buffer.concat([i32(payload.length), payload]);
}

/** Splits length-prefixed Kafka frames off a growing buffer. */
class Framer {
  private pending: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    while (this.pending.length >= 4) {
      const length = this.pending.readInt32BE(0);
      if (this.pending.length < 4 + length) break;
      frames.push(this.pending.subarray(4, 4 + length));
      this.pending = this.pending.subarray(4 + length);
    }
    return frames;
  }
  rest(): Buffer {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return rest;
  }
}

/** The mock's ApiVersions answer (v0-v2) with SaslHandshake v0-1 and SaslAuthenticate v0-1 added. */
function withSaslApis(response: Buffer, version: number): Buffer {
  const r = new Reader(response);
  const correlationId = r.i32();
  const error = r.i16();
  if (error !== 0 || version > 2) return Buffer.concat([i32(response.length), response]);
  const count = r.i32();
  const entries: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const key = r.i16();
    const min = r.i16();
    const max = r.i16();
    if (key !== API_SASL_HANDSHAKE && key !== API_SASL_AUTHENTICATE) entries.push(Buffer.concat([i16(key), i16(min), i16(max)]));
  }
  const rest = response.subarray(r.offset);
  entries.push(Buffer.concat([i16(API_SASL_HANDSHAKE), i16(0), i16(1)]), Buffer.concat([i16(API_SASL_AUTHENTICATE), i16(0), i16(1)]));
  return frame(correlationId, [i16(0), i32(entries.length), ...entries, rest]);
}

export async function startSaslProxy(targetPort: number, options: SaslProxyOptions): Promise<SaslProxy> {
  const sockets = new Set<Socket>();
  const stats: SaslProxyStats = { connections: 0, authenticated: [], failed: [], tokens: [] };
  const scram = new Map<string, Map<string, ScramCredential>>();
  for (const mechanism of options.mechanisms) {
    if (!SCRAM_HASH[mechanism]) continue;
    scram.set(mechanism, new Map(Object.entries(options.users ?? {}).map(([user, password]) => [user, scramCredential(mechanism, password)])));
  }

  const newExchange = (mechanism: SaslMechanism): SaslExchange => {
    if (mechanism === 'PLAIN') return plainExchange(options.users ?? {});
    if (mechanism === 'OAUTHBEARER') return oauthBearerExchange(options.verifyToken ?? (() => ({ ok: false, reason: 'no token verifier' })), stats);
    return scramExchange(mechanism, scram.get(mechanism)!);
  };

  const handle = (client: Socket): void => {
    stats.connections++;
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);

    const fromClient = new Framer();
    const fromUpstream = new Framer();
    const apiVersionsAsked = new Map<number, number>();
    let mechanism: SaslMechanism | null = null;
    let exchange: SaslExchange | null = null;

    const onUpstream = (chunk: Buffer): void => {
      for (const response of fromUpstream.push(chunk)) {
        const correlationId = response.readInt32BE(0);
        const version = apiVersionsAsked.get(correlationId);
        apiVersionsAsked.delete(correlationId);
        client.write(version === undefined ? Buffer.concat([i32(response.length), response]) : withSaslApis(response, version));
      }
    };
    const authenticated = (): void => {
      // From here on the bytes pass through unchanged.
      client.removeListener('data', onClient);
      upstream.removeListener('data', onUpstream);
      const rest = fromClient.rest();
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
    };
    const onClient = (chunk: Buffer): void => {
      const frames = fromClient.push(chunk);
      for (let f = 0; f < frames.length; f++) {
        const request = frames[f]!;
        const r = new Reader(request);
        const apiKey = r.i16();
        const apiVersion = r.i16();
        const correlationId = r.i32();
        if (apiKey === API_VERSIONS) {
          apiVersionsAsked.set(correlationId, apiVersion);
          upstream.write(Buffer.concat([i32(request.length), request]));
          continue;
        }
        r.nullableString(); // client id
        if (apiKey === API_SASL_HANDSHAKE) {
          const asked = r.nullableString() ?? '';
          const enabled = options.mechanisms.map((m) => str(m));
          const known = (options.mechanisms as readonly string[]).includes(asked);
          if (known) {
            mechanism = asked as SaslMechanism;
            exchange = newExchange(mechanism);
          } else {
            stats.failed.push(`Unsupported SASL mechanism ${asked}`);
          }
          client.write(frame(correlationId, [i16(known ? 0 : ERR_UNSUPPORTED_SASL_MECHANISM), i32(enabled.length), ...enabled]));
          continue;
        }
        if (apiKey === API_SASL_AUTHENTICATE) {
          const authBytes = r.bytes();
          const answer = (error: number, message: string | null, bytes: Buffer): void => {
            const body = [i16(error), str(message), i32(bytes.length), bytes];
            if (apiVersion >= 1) body.push(Buffer.alloc(8)); // session_lifetime_ms 0: no re-authentication
            client.write(frame(correlationId, body));
          };
          if (exchange === null || mechanism === null) {
            answer(ERR_ILLEGAL_SASL_STATE, 'SaslAuthenticate before SaslHandshake', Buffer.alloc(0));
            continue;
          }
          try {
            const reply = exchange.step(authBytes);
            answer(0, null, reply);
            if (exchange.done) {
              stats.authenticated.push({ mechanism, principal: exchange.principal });
              // Anything the client sent after its last SaslAuthenticate goes to the broker first.
              const later = frames.slice(f + 1).map((b) => Buffer.concat([i32(b.length), b]));
              for (const b of later) upstream.write(b);
              authenticated();
              return;
            }
          } catch (err) {
            const message = err instanceof AuthFailure ? err.message : `Authentication failed: ${String(err)}`;
            stats.failed.push(message);
            answer(ERR_SASL_AUTHENTICATION_FAILED, message, Buffer.alloc(0));
            // A broker closes the connection after a failed authentication.
            setTimeout(end, 50);
          }
          continue;
        }
        // Any other request before authentication: a broker drops the connection.
        stats.failed.push(`request ${apiKey} before authentication`);
        end();
        return;
      }
    };
    client.on('data', onClient);
    upstream.on('data', onUpstream);
  };

  let server: Server;
  if (options.tls) {
    server = createTlsServer({ key: testPki.serverKey, cert: testPki.serverCert }, (socket: TLSSocket) => handle(socket));
  } else {
    server = createTcpServer(handle);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('SASL proxy has no port');
  return {
    port: address.port,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
