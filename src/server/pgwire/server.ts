// The pgwire listener: accepts connections, routes CancelRequests to the
// connection they name, and shuts everything down in order.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { SqlError, SqlState } from '../../repr/errors.js';
import type { Session, SessionFactory } from '../../adapter/api.js';
import { Connection, type ConnectionContext } from './connection.js';
import type { Authenticator } from './handshake.js';
import { writeError } from './backend.js';
import { InputBudget } from './message-reader.js';
import { MessageWriter } from './message-writer.js';
import {
  DEFAULT_MAX_BUFFERED_INPUT_BYTES,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_STATEMENT_BYTES,
  DEFAULT_STARTUP_TIMEOUT_MS,
} from './protocol.js';

export interface PgwireServerOptions {
  sessions: SessionFactory;
  logger: Logger;
  /** Admission hook; without one every client is admitted (AuthenticationOk). */
  authenticator?: Authenticator;
  /** Largest message accepted; larger ones are a protocol violation (FATAL 08P01). */
  maxMessageBytes?: number;
  /** Longest statement text (Query, Parse) accepted; longer: 54000. Default 16 MiB. */
  maxStatementBytes?: number;
  /** Bytes of large messages being received at once across all connections; default 256 MiB. */
  maxBufferedInputBytes?: number;
  /** Connections served at once; more are refused with FATAL 53300. Default 1000. */
  maxConnections?: number;
  /** PEM certificate chain and key: SSLRequest is answered 'S' and the connection upgraded to TLS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Refuse unencrypted connections (needs `tls`). */
  requireTls?: boolean;
  /** Time a client has to complete startup (and authentication); default 60 s. */
  startupTimeoutMs?: number;
  /** How long close() waits for running statements to stop; default 5 s. */
  shutdownWaitMs?: number;
  /** ParameterStatus values overriding the built-in defaults (sessions override both). */
  parameters?: Record<string, string>;
}

/**
 * What clients are told at startup. server_version 15.0 keeps psql 15+ free of
 * version warnings; the rest are the values PostgreSQL clients expect to see.
 */
export const DEFAULT_PARAMETERS: Readonly<Record<string, string>> = {
  server_version: '15.0',
  server_encoding: 'UTF8',
  client_encoding: 'UTF8',
  DateStyle: 'ISO, MDY',
  IntervalStyle: 'postgres',
  TimeZone: 'UTC',
  integer_datetimes: 'on',
  standard_conforming_strings: 'on',
  is_superuser: 'off',
  default_transaction_read_only: 'off',
  in_hot_standby: 'off',
};

/** How long close() waits by default for connections to finish their running statement. */
const DEFAULT_SHUTDOWN_WAIT_MS = 5000;

export class PgwireServer {
  private readonly server: Server;
  private readonly connections = new Map<Connection, Promise<void>>();
  private readonly byCancelKey = new Map<string, Connection>();
  private readonly context: ConnectionContext;
  private readonly log: Logger;
  private readonly maxConnections: number;

  constructor(private readonly options: PgwireServerOptions) {
    this.log = options.logger.child({ component: 'pgwire' });
    if (options.requireTls && options.tls === undefined) throw new Error('--require-tls needs a certificate and key (--tls-cert, --tls-key)');
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.context = this.connectionContext();
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Starts listening (port 0 picks a free port); resolves with the bound address. */
  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        // From now on errors (e.g. EMFILE on accept) are logged; listen() itself rejects instead.
        this.server.on('error', (err) => this.log.error({ err }, 'listener error'));
        resolve(this.address());
      });
    });
  }

  address(): AddressInfo {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('pgwire server is not listening on TCP');
    return address;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Stops accepting, ends every connection with FATAL 57P01 (as PostgreSQL
   * does on shutdown), and resolves once all of them are closed.
   */
  async close(): Promise<void> {
    const listenerClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const shutdown = new SqlError(SqlState.adminShutdown, 'terminating connection due to administrator command', {
      severity: 'FATAL',
    });
    for (const connection of this.connections.keys()) connection.terminate(shutdown);
    // A statement that ignores its cancel signal must not keep the process from stopping.
    const allClosed = Promise.all(this.connections.values()).then(() => true);
    const waited = sleep(this.options.shutdownWaitMs ?? DEFAULT_SHUTDOWN_WAIT_MS, false, { ref: false });
    if (!(await Promise.race([allClosed, waited]))) {
      this.log.warn({ connections: this.connections.size }, 'connections still busy at shutdown; not waiting for them');
    }
    await listenerClosed;
  }

  private accept(socket: Socket): void {
    if (this.connections.size >= this.maxConnections) {
      // As PostgreSQL: the refusal is sent at once, before the startup packet.
      socket.on('error', () => undefined);
      const writer = new MessageWriter();
      writeError(writer, new SqlError('53300', 'sorry, too many clients already', { severity: 'FATAL' }));
      socket.end(writer.take());
      setTimeout(() => socket.destroy(), 1000).unref();
      this.log.warn({ connections: this.connections.size, maxConnections: this.maxConnections }, 'connection refused: too many clients');
      return;
    }
    const connection = new Connection(socket, this.context);
    this.connections.set(connection, connection.run());
  }

  private connectionContext(): ConnectionContext {
    const { sessions, authenticator } = this.options;
    const defaultParameters = new Map(Object.entries({ ...DEFAULT_PARAMETERS, ...this.options.parameters }));
    const cancelKeys = new Map<Connection, string>();
    let secureContext: SecureContext | undefined;
    if (this.options.tls) secureContext = createSecureContext({ cert: this.options.tls.cert, key: this.options.tls.key });
    return {
      sessions,
      logger: this.log,
      authenticator,
      secureContext,
      tlsEnabled: secureContext !== undefined,
      requireTls: this.options.requireTls ?? false,
      mockSecret: randomBytes(32),
      maxStatementBytes: this.options.maxStatementBytes ?? DEFAULT_MAX_STATEMENT_BYTES,
      inputBudget: new InputBudget(this.options.maxBufferedInputBytes ?? DEFAULT_MAX_BUFFERED_INPUT_BYTES),
      maxMessageBytes: this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      startupTimeoutMs: this.options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS,
      defaultParameters,
      cancelRequested: (processId, secretKey) => {
        // The session stops its work; the connection stops streaming (COPY, SUBSCRIBE).
        sessions.findByCancelKey(processId, secretKey)?.cancel();
        this.byCancelKey.get(cancelKey(processId, secretKey))?.cancelRunning();
      },
      sessionOpened: (connection: Connection, session: Session) => {
        const key = cancelKey(session.id, session.secretKey);
        cancelKeys.set(connection, key);
        this.byCancelKey.set(key, connection);
      },
      connectionClosed: (connection) => {
        const key = cancelKeys.get(connection);
        if (key !== undefined) this.byCancelKey.delete(key);
        cancelKeys.delete(connection);
        this.connections.delete(connection);
      },
    };
  }
}

function cancelKey(processId: number, secretKey: number): string {
  // Keys arrive as signed int32 on the wire; normalize both sides to that.
  return `${processId | 0}:${secretKey | 0}`;
}

/** Creates a server and starts listening. */
export async function startPgwireServer(
  options: PgwireServerOptions & { host: string; port: number },
): Promise<PgwireServer> {
  const server = new PgwireServer(options);
  await server.listen(options.port, options.host);
  return server;
}
