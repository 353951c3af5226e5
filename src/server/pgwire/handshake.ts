// The startup phase of a connection: encryption requests (declined), cancel
// requests, protocol negotiation, authentication, and opening the session.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { SqlError, SqlState } from '../../repr/errors.js';
import type { Session, SessionFactory, StartupParameters } from '../../adapter/api.js';
import { writeAuthentication, writeAuthenticationOk, writeNegotiateProtocolVersion } from './backend.js';
import { ClientGone, ProtocolViolation } from './errors.js';
import { decodeSingleString } from './frontend.js';
import type { MessageReader } from './message-reader.js';
import type { Output } from './output.js';
import { AuthenticationCode, Frontend, MAX_STARTUP_PACKET_BYTES, StartupCode } from './protocol.js';
import { decodeStartupPacket, toStartupParameters } from './startup.js';

/** Decides whether a client may connect (the hook for authenticated SQL clients). */
export interface Authenticator {
  /** Resolves to admit the client; throws SqlError (28000, 28P01) to refuse it. */
  authenticate(request: AuthenticationRequest): Promise<void>;
}

export interface AuthenticationRequest {
  startup: StartupParameters;
  remoteAddress: string | undefined;
  /** Asks the client for its password in clear text (AuthenticationCleartextPassword). */
  requestCleartextPassword(): Promise<string>;
}

export interface HandshakeContext {
  sessions: SessionFactory;
  authenticator: Authenticator | undefined;
  /** A client that has not completed startup within this time is disconnected. */
  startupTimeoutMs: number;
  /** A CancelRequest arrived on this (otherwise unused) connection. */
  cancelRequested(processId: number, secretKey: number): void;
}

export interface HandshakeIo {
  socket: Socket;
  reader: MessageReader;
  output: Output;
  log: Logger;
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
  for (;;) {
    const body = await io.reader.readStartupPacket(MAX_STARTUP_PACKET_BYTES);
    if (body === null) return null;
    const packet = decodeStartupPacket(body);
    switch (packet.kind) {
      case 'sslRequest':
      case 'gssEncRequest':
        // Encryption is not offered: 'N', and the client continues in the clear (or gives up).
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
      requestCleartextPassword: () => requestCleartextPassword(io),
    });
  }
  const session = context.sessions.openSession(startup);
  writeAuthenticationOk(writer);
  return { session, startup };
}

async function requestCleartextPassword(io: HandshakeIo): Promise<string> {
  writeAuthentication(io.output.writer, AuthenticationCode.cleartextPassword);
  await io.output.flush();
  const message = await io.reader.readMessage();
  if (message === null) throw new ClientGone();
  if (message.type !== Frontend.password) {
    throw new ProtocolViolation(`expected password response, got message type ${message.type}`);
  }
  return decodeSingleString(message.body);
}
