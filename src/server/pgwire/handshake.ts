// The startup phase of a connection: encryption requests (TLS when the server
// has a certificate, else declined), cancel requests, protocol negotiation,
// authentication (SCRAM-SHA-256 or the hook's own), and opening the session.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { SqlError, SqlState } from '../../repr/errors.js';
import type { Session, SessionFactory, StartupParameters } from '../../adapter/api.js';
import {
  writeAuthentication,
  writeAuthenticationOk,
  writeAuthenticationSasl,
  writeAuthenticationSaslData,
  writeNegotiateProtocolVersion,
} from './backend.js';
import { ClientGone, ProtocolViolation } from './errors.js';
import { BodyReader, decodeSingleString } from './frontend.js';
import type { MessageReader } from './message-reader.js';
import type { Output } from './output.js';
import { AuthenticationCode, Frontend, MAX_AUTH_MESSAGE_BYTES, MAX_STARTUP_PACKET_BYTES, StartupCode } from './protocol.js';
import { SCRAM_MECHANISM, ScramError, ScramServer, mockVerifier, type ScramVerifier } from './scram.js';
import { decodeStartupPacket, toStartupParameters } from './startup.js';

/** Decides whether a client may connect (the hook for authenticated SQL clients). */
export interface Authenticator {
  /** Resolves to admit the client; throws SqlError (28000, 28P01) to refuse it. */
  authenticate(request: AuthenticationRequest): Promise<void>;
}

export interface AuthenticationRequest {
  startup: StartupParameters;
  remoteAddress: string | undefined;
  /** Whether the connection is TLS-encrypted. */
  encrypted: boolean;
  /** Asks the client for its password in clear text (AuthenticationCleartextPassword). */
  requestCleartextPassword(): Promise<string>;
  /**
   * Runs a SCRAM-SHA-256 exchange against `verifier`; resolves when the
   * client proved it knows the password, else throws 28P01. Without a
   * verifier (no such role, no password) the exchange runs against a
   * made-up one and always fails, so a client cannot tell which it was.
   */
  authenticateScram(verifier: ScramVerifier | undefined): Promise<void>;
}

export interface HandshakeContext {
  sessions: SessionFactory;
  authenticator: Authenticator | undefined;
  /** A client that has not completed startup within this time is disconnected. */
  startupTimeoutMs: number;
  /** The server offers TLS (answers SSLRequest with 'S'). */
  tlsEnabled: boolean;
  /** Unencrypted connections are refused (28000) after their startup packet. */
  requireTls: boolean;
  /** Salts the stand-in SCRAM verifiers of unknown roles (stable for the process). */
  mockSecret: Buffer;
  /** A CancelRequest arrived on this (otherwise unused) connection. */
  cancelRequested(processId: number, secretKey: number): void;
}

export interface HandshakeIo {
  /** The connection's current socket (the TLS socket once upgraded). */
  readonly socket: Socket;
  readonly reader: MessageReader;
  readonly output: Output;
  readonly log: Logger;
  readonly encrypted: boolean;
  /** Answers 'S' and completes the TLS handshake; false when the client went away or failed the handshake. */
  startTls(): Promise<boolean>;
}

export interface OpenedSession {
  session: Session;
  startup: StartupParameters;
}

/**
 * Runs the startup phase up to AuthenticationOk. Resolves with the opened
 * session, or null when the connection has nothing more to do (cancel
 * request, client gone, timeout); throws SqlError (FATAL) to refuse.
 */
export async function handshake(io: HandshakeIo, context: HandshakeContext): Promise<OpenedSession | null> {
  // As PostgreSQL's authentication_timeout: a silent client must not hold a connection forever.
  const timer = setTimeout(() => {
    io.log.debug('startup timed out');
    io.socket.destroy();
  }, context.startupTimeoutMs);
  try {
    return await readStartup(io, context);
  } finally {
    clearTimeout(timer);
  }
}

async function readStartup(io: HandshakeIo, context: HandshakeContext): Promise<OpenedSession | null> {
  // One request of each kind, as PostgreSQL: libpq may ask for GSSAPI encryption, then TLS.
  let sslRequested = false;
  let gssRequested = false;
  for (;;) {
    const body = await io.reader.readStartupPacket(MAX_STARTUP_PACKET_BYTES);
    if (body === null) return null;
    const packet = decodeStartupPacket(body);
    switch (packet.kind) {
      case 'sslRequest':
        // One encryption request per connection, before anything else (as PostgreSQL).
        if (sslRequested || io.encrypted) throw new ProtocolViolation('unexpected SSL request');
        sslRequested = true;
        if (context.tlsEnabled) {
          if (!(await io.startTls())) return null;
        } else {
          io.socket.write('N');
        }
        continue;
      case 'gssEncRequest':
        if (gssRequested || io.encrypted) throw new ProtocolViolation('unexpected GSSAPI encryption request');
        gssRequested = true;
        // GSSAPI encryption is not offered: 'N', and the client continues (TLS or in the clear).
        io.socket.write('N');
        continue;
      case 'cancelRequest':
        context.cancelRequested(packet.processId, packet.secretKey);
        return null;
      case 'unsupportedProtocol':
        throw new SqlError(
          SqlState.featureNotSupported,
          `unsupported frontend protocol ${packet.major}.${packet.minor}: server supports 3.0 to 3.0`,
          { severity: 'FATAL' },
        );
      case 'startup':
        if (context.requireTls && !io.encrypted) {
          throw new SqlError(SqlState.invalidAuthorizationSpecification, 'this server requires TLS: connect with sslmode=require (or stronger)', {
            severity: 'FATAL',
            hint: 'The server was started with --require-tls and refuses unencrypted connections.',
          });
        }
        return openSession(io, context, packet.minorVersion, packet.parameters);
    }
  }
}

async function openSession(
  io: HandshakeIo,
  context: HandshakeContext,
  minorVersion: number,
  raw: Map<string, string>,
): Promise<OpenedSession> {
  const writer = io.output.writer;
  // Protocol extensions (_pq_.*) and minor versions above 3.0 are declined, not refused.
  const unrecognized = [...raw.keys()].filter((name) => name.startsWith('_pq_.'));
  for (const name of unrecognized) raw.delete(name);
  if (minorVersion > 0 || unrecognized.length > 0) writeNegotiateProtocolVersion(writer, StartupCode.protocol3, unrecognized);

  const startup = toStartupParameters(raw);
  if (context.authenticator !== undefined) {
    await context.authenticator.authenticate({
      startup,
      remoteAddress: io.socket.remoteAddress,
      encrypted: io.encrypted,
      requestCleartextPassword: () => requestCleartextPassword(io),
      authenticateScram: (verifier) => scramExchange(io, context, startup.user, verifier),
    });
  }
  const session = context.sessions.openSession(startup);
  writeAuthenticationOk(writer);
  return { session, startup };
}

async function readAuthResponse(io: HandshakeIo): Promise<Buffer> {
  await io.output.flush();
  const message = await io.reader.readMessage();
  if (message === null) throw new ClientGone();
  if (message.type !== Frontend.password) {
    throw new ProtocolViolation(`expected password response, got message type ${message.type}`);
  }
  return message.body;
}

async function requestCleartextPassword(io: HandshakeIo): Promise<string> {
  writeAuthentication(io.output.writer, AuthenticationCode.cleartextPassword);
  return decodeSingleString(await readAuthResponse(io));
}

export function passwordFailed(user: string): SqlError {
  return new SqlError(SqlState.invalidPassword, `password authentication failed for user "${user}"`, { severity: 'FATAL' });
}

async function scramExchange(io: HandshakeIo, context: HandshakeContext, user: string, verifier: ScramVerifier | undefined): Promise<void> {
  const writer = io.output.writer;
  writeAuthenticationSasl(writer, [SCRAM_MECHANISM]);
  const initial = new BodyReader(await readAuthResponse(io));
  const mechanism = initial.cstring();
  if (mechanism !== SCRAM_MECHANISM) throw new ProtocolViolation('client selected an invalid SASL authentication mechanism');
  const length = initial.int32();
  if (length < 0) throw new ProtocolViolation('malformed SASL message: no initial response');
  const clientFirst = initial.bytes(length).toString('utf8');
  initial.end();
  const server = new ScramServer(verifier ?? mockVerifier(user, context.mockSecret));
  try {
    writeAuthenticationSaslData(writer, AuthenticationCode.saslContinue, server.first(clientFirst));
    const clientFinal = (await readAuthResponse(io)).toString('utf8');
    const serverFinal = server.final(clientFinal);
    if (serverFinal === undefined || verifier === undefined) throw passwordFailed(user);
    writeAuthenticationSaslData(writer, AuthenticationCode.saslFinal, serverFinal);
  } catch (err) {
    if (err instanceof ScramError) throw new ProtocolViolation(err.message);
    throw err;
  }
}

export { MAX_AUTH_MESSAGE_BYTES };
