// One client connection: after the startup handshake (handshake.ts), the
// message loop of the simple and extended query protocols, turning messages into calls on the
// connection's Session and results into messages.
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { SqlError, SqlState, toSqlError } from '../../repr/errors.js';
import type { Datum } from '../../repr/types.js';
import type { TextOptions } from '../../repr/text.js';
import { typeFromOid, typeOid } from '../../repr/pgtypes.js';
import type { ParsedStatement } from '../../sql/ast.js';
import type { ExecuteResult, Session } from '../../adapter/api.js';
import {
  writeBackendKeyData,
  writeCommandComplete,
  writeError,
  writeNotice,
  writeParameterDescription,
  writeParameterStatus,
  writeReadyForQuery,
  writeRowDescription,
} from './backend.js';
import { runCopyIn, runCopyOut } from './copy.js';
import { ClientGone, ProtocolViolation } from './errors.js';
import { type PendingRows, type Portal, type PreparedStatement, withRowCount } from './extended.js';
import {
  type BindMessage,
  type DescribeMessage,
  type ExecuteMessage,
  type ParseMessage,
  decodeBind,
  decodeClose,
  decodeDescribe,
  decodeExecute,
  decodeParse,
  decodeQuery,
} from './frontend.js';
import { type HandshakeContext, type HandshakeIo, handshake } from './handshake.js';
import { type InputBudget, MessageReader } from './message-reader.js';
import { Output } from './output.js';
import { Backend, Frontend, MAX_AUTH_MESSAGE_BYTES, type FormatCode } from './protocol.js';
import { decodeParameter, expandFormats, writeDataRow } from './values.js';

/** How long a terminated connection may take to read its last messages before it is cut. */
const TERMINATE_GRACE_MS = 1000;

/** What a connection needs from the server that accepted it. */
export interface ConnectionContext extends HandshakeContext {
  logger: Logger;
  maxMessageBytes: number;
  /** Longest Query or Parse message text accepted (54000 beyond it). */
  maxStatementBytes: number;
  /** Server-wide bound on bytes of large messages being received. */
  inputBudget: InputBudget;
  /** The certificate and key offered on SSLRequest (undefined: TLS is not offered). */
  secureContext: SecureContext | undefined;
  /** Parameters reported at startup unless the session reports its own value. */
  defaultParameters: ReadonlyMap<string, string>;
  /** The session is open: the connection can now be found by its cancel key. */
  sessionOpened(connection: Connection, session: Session): void;
  connectionClosed(connection: Connection): void;
}

export class Connection {
  private readonly reader: MessageReader;
  private readonly output: Output;
  private readonly log: Logger;
  private session: Session | null = null;
  private sessionClosed = false;
  private textOptions: TextOptions = { timeZone: 'UTC' };
  private readonly statements = new Map<string, PreparedStatement>();
  private readonly portals = new Map<string, Portal>();
  /** After an error in an extended-protocol message: skip everything up to Sync. */
  private skipUntilSync = false;
  /** Aborts the running statement (CancelRequest, disconnect, shutdown). */
  private running: AbortController | null = null;
  private terminated = false;
  private encrypted = false;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private socket: Socket,
    private readonly context: ConnectionContext,
  ) {
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    // Until the client authenticated, only small messages (passwords, SASL) are accepted.
    this.reader = new MessageReader(socket, Math.min(MAX_AUTH_MESSAGE_BYTES, context.maxMessageBytes), context.inputBudget);
    this.output = new Output(socket);
    this.log = context.logger.child({ remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}` });
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'socket error'));
    socket.on('close', () => this.running?.abort(new ClientGone()));
  }

  /** Serves the connection until the client leaves; never rejects. */
  async run(): Promise<void> {
    try {
      if (await this.startup()) await this.messageLoop();
    } catch (err) {
      await this.reportFatal(err);
    } finally {
      this.clearIdleTimer();
      this.closeSession();
      this.reader.discard();
      this.socket.destroy();
      this.context.connectionClosed(this);
      this.log.debug({ session: this.session?.id }, 'connection closed');
    }
  }

  /** Cancels the running statement, if any (CancelRequest for this session). */
  cancelRunning(): void {
    this.running?.abort(new SqlError(SqlState.queryCanceled, 'canceling statement due to user request'));
  }

  /** Ends the connection from the server side (shutdown): FATAL error, then close. */
  terminate(error: SqlError): void {
    if (this.terminated) return;
    this.terminated = true;
    this.running?.abort(error);
    this.closeSession();
    writeError(this.output.writer, error);
    // Not awaited: a client that stops reading must not hold up shutdown.
    void this.output.flush();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), TERMINATE_GRACE_MS).unref();
  }

  // ---- startup ----------------------------------------------------------

  /** Runs the startup phase; false if the connection is done afterwards. */
  private async startup(): Promise<boolean> {
    const opened = await handshake(this.handshakeIo(), this.context);
    if (opened === null) return false;
    this.reader.setMaxMessageBytes(this.context.maxMessageBytes);
    const { session, startup } = opened;
    this.session = session;
    this.textOptions = { ...this.textOptions, relationName: (oid) => session.relationName(oid) };
    this.context.sessionOpened(this, session);
    const parameters = new Map(this.context.defaultParameters);
    parameters.set('application_name', startup.applicationName ?? '');
    parameters.set('session_authorization', startup.user);
    for (const [name, value] of session.reportedParameters()) parameters.set(name, value);
    for (const [name, value] of parameters) this.reportParameter(name, value);
    writeBackendKeyData(this.output.writer, session.id, session.secretKey);
    writeReadyForQuery(this.output.writer, session.transactionStatus());
    await this.output.flush();
    this.log.debug({ user: startup.user, database: startup.database, session: session.id }, 'session opened');
    return true;
  }

  private handshakeIo(): HandshakeIo {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const connection = this;
    return {
      get socket() {
        return connection.socket;
      },
      reader: this.reader,
      output: this.output,
      log: this.log,
      get encrypted() {
        return connection.encrypted;
      },
      startTls: () => this.startTls(),
    };
  }

  /** Answers an SSLRequest with 'S' and runs the TLS handshake; from then on everything goes through the TLS socket. */
  private async startTls(): Promise<boolean> {
    const secureContext = this.context.secureContext;
    if (secureContext === undefined) return false;
    // Bytes sent after the SSLRequest but before the handshake would be read as if encrypted (CVE-2021-23214).
    if (this.reader.bufferedBytes > 0) throw new ProtocolViolation('received unencrypted data after SSL request');
    const raw = this.socket;
    raw.write('S');
    const tls = new TLSSocket(raw, { isServer: true, secureContext });
    this.reader.switchTo(tls);
    this.output.switchTo(tls);
    this.socket = tls;
    this.encrypted = true;
    tls.on('close', () => this.running?.abort(new ClientGone()));
    return new Promise<boolean>((resolve) => {
      tls.once('secure', () => resolve(true));
      tls.once('error', (err) => {
        this.log.debug({ err: err.message }, 'TLS handshake failed');
        resolve(false);
      });
      tls.once('close', () => resolve(false));
    });
  }

  // ---- message loop -----------------------------------------------------

  /** As PostgreSQL's idle_in_transaction_session_timeout: a session idle inside a transaction block is ended. */
  private armIdleTimer(): void {
    this.clearIdleTimer();
    const session = this.session;
    if (session === null || session.transactionStatus() === 'I') return;
    const ms = session.idleInTransactionTimeoutMs?.() ?? 0;
    if (ms <= 0) return;
    this.idleTimer = setTimeout(() => {
      this.log.debug({ session: session.id }, 'idle-in-transaction timeout');
      this.terminate(new SqlError('25P03', 'terminating connection due to idle-in-transaction timeout', { severity: 'FATAL' }));
    }, ms);
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private checkStatementSize(body: Buffer): void {
    if (body.length > this.context.maxStatementBytes) {
      throw new SqlError(SqlState.programLimitExceeded, `statement is too long: ${body.length} bytes (the limit is ${this.context.maxStatementBytes} bytes)`);
    }
  }

  private async messageLoop(): Promise<void> {
    for (;;) {
      this.armIdleTimer();
      const message = await this.reader.readMessage();
      this.clearIdleTimer();
      if (message === null || this.terminated) return;
      if (message.type === Frontend.terminate) return;
      if (this.skipUntilSync && message.type !== Frontend.sync) continue;
      switch (message.type) {
        case Frontend.query:
          await this.simpleQuery(message.body);
          break;
        case Frontend.parse:
          await this.extended(() => {
            this.checkStatementSize(message.body);
            this.parse(decodeParse(message.body));
          });
          break;
        case Frontend.bind:
          await this.extended(() => this.bind(decodeBind(message.body)));
          break;
        case Frontend.describe:
          await this.extended(() => this.describe(decodeDescribe(message.body)));
          break;
        case Frontend.execute:
          await this.extended(() => this.execute(decodeExecute(message.body)));
          break;
        case Frontend.close:
          await this.extended(() => this.close(decodeClose(message.body)));
          break;
        case Frontend.sync:
          this.sync();
          break;
        case Frontend.flush:
          await this.output.flush();
          break;
        case Frontend.copyData:
        case Frontend.copyDone:
        case Frontend.copyFail:
          // Leftovers of a COPY FROM STDIN that already failed: PostgreSQL drops them too.
          break;
        default:
          throw new ProtocolViolation(`invalid frontend message type ${message.type}`);
      }
      // Replies to pipelined messages go out together, once the client waits for them.
      if (!this.reader.hasBufferedMessage()) await this.output.flush();
      else await this.output.flushIfFull();
    }
  }

  private get activeSession(): Session {
    if (this.session === null) throw new Error('no session');
    return this.session;
  }

  private async simpleQuery(body: Buffer): Promise<void> {
    // A simple Query ends any unnamed portal, as in PostgreSQL.
    this.dropPortal('');
    try {
      this.checkStatementSize(body);
      const statements = this.activeSession.parse(decodeQuery(body));
      if (statements.length === 0) this.output.writer.empty(Backend.emptyQueryResponse);
      for (const statement of statements) {
        await this.runStatement(statement, [], (result) => this.sendResult(result));
      }
    } catch (err) {
      this.reportError(err);
    }
    this.readyForQuery();
  }

  /** Runs one extended-protocol message; an error makes the rest up to Sync be skipped. */
  private async extended(handle: () => Promise<void> | void): Promise<void> {
    try {
      await handle();
    } catch (err) {
      this.reportError(err);
      this.skipUntilSync = true;
    }
  }

  private sync(): void {
    this.skipUntilSync = false;
    // Portals live until the end of their transaction; outside a block that is now.
    if (this.activeSession.transactionStatus() === 'I') this.dropAllPortals();
    this.readyForQuery();
  }

  private readyForQuery(): void {
    this.sendNoticesAndParameters();
    writeReadyForQuery(this.output.writer, this.activeSession.transactionStatus());
  }

  // ---- extended protocol ------------------------------------------------

  private parse(message: ParseMessage): void {
    const session = this.activeSession;
    if (message.statementName !== '' && this.statements.has(message.statementName)) {
      throw new SqlError(SqlState.duplicatePreparedStatement, `prepared statement "${message.statementName}" already exists`);
    }
    const hints = message.paramTypeOids.map((oid) => {
      if (oid === 0) return null;
      const type = typeFromOid(oid);
      if (type === undefined) throw new SqlError(SqlState.undefinedObject, `type with OID ${oid} does not exist`);
      return type;
    });
    const parsed = session.parse(message.query);
    if (parsed.length > 1) {
      throw new SqlError(SqlState.syntaxError, 'cannot insert multiple commands into a prepared statement');
    }
    let prepared: PreparedStatement;
    if (parsed.length === 0) {
      prepared = { parsed: null, paramTypes: [], paramTypeOids: [], columns: null };
    } else {
      const description = session.describe(parsed[0], hints);
      prepared = {
        parsed: parsed[0],
        paramTypes: description.paramTypes,
        // A type the client named keeps its OID even where repr maps it to a broader type.
        paramTypeOids: description.paramTypes.map((type, i) => message.paramTypeOids[i] || typeOid(type)),
        columns: description.columns,
      };
    }
    this.sendNoticesAndParameters();
    this.statements.set(message.statementName, prepared);
    this.output.writer.empty(Backend.parseComplete);
  }

  private bind(message: BindMessage): void {
    const statement = this.statements.get(message.statementName);
    if (statement === undefined) {
      throw new SqlError(SqlState.invalidSqlStatementName, `prepared statement "${message.statementName}" does not exist`);
    }
    if (message.portalName !== '' && this.portals.has(message.portalName)) {
      throw new SqlError(SqlState.duplicateCursor, `cursor "${message.portalName}" already exists`);
    }
    const paramCount = statement.paramTypes.length;
    if (message.paramValues.length !== paramCount) {
      throw new SqlError(
        SqlState.protocolViolation,
        `bind message supplies ${message.paramValues.length} parameters, but prepared statement "${message.statementName}" requires ${paramCount}`,
      );
    }
    const paramFormats = expandFormats(message.paramFormats, paramCount);
    if (paramFormats === null) {
      throw new SqlError(
        SqlState.protocolViolation,
        `bind message has ${message.paramFormats.length} parameter formats but ${paramCount} parameters`,
      );
    }
    const params: Datum[] = message.paramValues.map((raw, i) =>
      decodeParameter(raw, paramFormats[i], statement.paramTypes[i], this.textOptions),
    );
    let resultFormats: FormatCode[] | null = null;
    if (statement.columns !== null && message.resultFormats.length > 0) {
      resultFormats = expandFormats(message.resultFormats, statement.columns.length);
      if (resultFormats === null) {
        throw new SqlError(
          SqlState.protocolViolation,
          `bind message has ${message.resultFormats.length} result formats but query has ${statement.columns.length} columns`,
        );
      }
    }
    this.portals.set(message.portalName, { statement, params, resultFormats, pending: null, finishedTag: null });
    this.output.writer.empty(Backend.bindComplete);
  }

  private describe(message: DescribeMessage): void {
    const writer = this.output.writer;
    if (message.target === 'statement') {
      const statement = this.statements.get(message.name);
      if (statement === undefined) {
        throw new SqlError(SqlState.invalidSqlStatementName, `prepared statement "${message.name}" does not exist`);
      }
      writeParameterDescription(writer, statement.paramTypeOids);
      if (statement.columns === null) writer.empty(Backend.noData);
      else writeRowDescription(writer, statement.columns, null);
    } else {
      const portal = this.portals.get(message.name);
      if (portal === undefined) throw new SqlError(SqlState.invalidCursorName, `portal "${message.name}" does not exist`);
      const columns = portal.statement.columns;
      if (columns === null) writer.empty(Backend.noData);
      else writeRowDescription(writer, columns, portal.resultFormats);
    }
  }

  private async execute(message: ExecuteMessage): Promise<void> {
    const portal = this.portals.get(message.portalName);
    if (portal === undefined) {
      throw new SqlError(SqlState.invalidCursorName, `portal "${message.portalName}" does not exist`);
    }
    if (portal.pending === null) {
      if (portal.finishedTag !== null) {
        if (portal.finishedTag === '') this.output.writer.empty(Backend.emptyQueryResponse);
        else writeCommandComplete(this.output.writer, portal.finishedTag);
        return;
      }
      const parsed = portal.statement.parsed;
      if (parsed === null) {
        this.output.writer.empty(Backend.emptyQueryResponse);
        return;
      }
      await this.runStatement(parsed, portal.params, async (result) => {
        if (result.kind === 'rows' || result.kind === 'rowStream') {
          portal.pending = pendingRows(result);
        } else {
          await this.sendResult(result, { describeRows: false });
          portal.finishedTag = result.kind === 'command' ? result.tag : '';
        }
      });
    }
    const pending = portal.pending;
    if (pending === null) return;
    let complete: boolean;
    try {
      complete = await this.sendRows(pending, portal.resultFormats, message.maxRows);
    } catch (err) {
      portal.pending = null;
      pending.stream?.close();
      throw err;
    }
    if (complete) {
      portal.pending = null;
      portal.finishedTag = withRowCount(pending.tag(0, true), 0);
    } else {
      this.output.writer.empty(Backend.portalSuspended);
    }
  }

  private close(message: DescribeMessage): void {
    if (message.target === 'statement') this.statements.delete(message.name);
    else this.dropPortal(message.name);
    this.output.writer.empty(Backend.closeComplete);
  }

  /** Forgets a portal, stopping the query still streaming its rows. */
  private dropPortal(name: string): void {
    this.portals.get(name)?.pending?.stream?.close();
    this.portals.delete(name);
  }

  private dropAllPortals(): void {
    for (const name of [...this.portals.keys()]) this.dropPortal(name);
  }

  // ---- running statements and sending results ----------------------------

  /** Executes a statement with a cancel signal, then hands its result to `consume` (which sends it). */
  private async runStatement(
    statement: ParsedStatement,
    params: Datum[],
    consume: (result: ExecuteResult) => Promise<void>,
  ): Promise<void> {
    const controller = new AbortController();
    this.running = controller;
    try {
      const result = await this.activeSession.execute(statement, { params, signal: controller.signal });
      // Notices precede the result; ParameterStatus follows CommandComplete, as in PostgreSQL.
      this.sendNotices();
      await consume(result);
    } finally {
      if (this.running === controller) this.running = null;
    }
    this.sendNoticesAndParameters();
  }

  private async sendResult(result: ExecuteResult, options: { describeRows: boolean } = { describeRows: true }): Promise<void> {
    const writer = this.output.writer;
    switch (result.kind) {
      case 'rows':
      case 'rowStream': {
        if (options.describeRows) writeRowDescription(writer, result.columns, null);
        const pending = pendingRows(result);
        try {
          await this.sendRows(pending, null, 0);
        } finally {
          pending.stream?.close();
        }
        return;
      }
      case 'command':
        writeCommandComplete(writer, result.tag);
        return;
      case 'empty':
        writer.empty(Backend.emptyQueryResponse);
        return;
      case 'copyOut':
        await runCopyOut(result, { output: this.output, signal: this.runningSignal(), textOptions: this.textOptions });
        return;
      case 'copyIn':
        await runCopyIn(result, { output: this.output, reader: this.reader });
        return;
    }
  }

  private runningSignal(): AbortSignal {
    if (this.running === null) throw new Error('no running statement');
    return this.running.signal;
  }

  /**
   * Sends rows from `pending` (all, or at most `maxRows`), then CommandComplete
   * if none remain. Returns whether the rows are complete.
   */
  private async sendRows(pending: PendingRows, formats: FormatCode[] | null, maxRows: number): Promise<boolean> {
    const { columns } = pending;
    const whole = pending.sent === 0;
    let sent = 0;
    for (;;) {
      if (pending.next >= pending.rows.length) {
        if (pending.stream === null) break;
        // The next batch is computed only now: the socket has taken the previous ones.
        const batch = await pending.stream.next();
        if (batch === null) {
          pending.stream = null;
          break;
        }
        pending.rows = batch;
        pending.next = 0;
        continue;
      }
      if (maxRows > 0 && sent >= maxRows) {
        pending.sent += sent;
        return false;
      }
      const rows = pending.rows;
      const end = maxRows > 0 ? Math.min(rows.length, pending.next + maxRows - sent) : rows.length;
      for (let i = pending.next; i < end; i++) {
        writeDataRow(this.output.writer, rows[i], columns, formats, this.textOptions);
        pending.next = i + 1;
        sent++;
        // Waits for 'drain' when the socket's buffer is full.
        await this.output.flushIfFull();
      }
    }
    pending.sent += sent;
    // A portal read in pieces reports the rows of its last Execute, as PostgreSQL does.
    writeCommandComplete(this.output.writer, pending.tag(sent, whole));
    return true;
  }

  private sendNotices(): void {
    if (this.session === null) return;
    for (const notice of this.session.takeNotices()) writeNotice(this.output.writer, notice);
  }

  private sendNoticesAndParameters(): void {
    if (this.session === null) return;
    this.sendNotices();
    for (const [name, value] of this.session.takeChangedParameters()) this.reportParameter(name, value);
  }

  private reportParameter(name: string, value: string): void {
    writeParameterStatus(this.output.writer, name, value);
    if (name.toLowerCase() === 'timezone') this.textOptions = { ...this.textOptions, timeZone: value };
  }

  // ---- errors -----------------------------------------------------------

  /** Sends a statement-level error; protocol violations and disconnects propagate. */
  private reportError(err: unknown): void {
    if (err instanceof ProtocolViolation || err instanceof ClientGone) throw err;
    const error = toSqlError(err);
    if (error.severity === 'FATAL') throw error;
    if (error.code === SqlState.internalError) this.log.error({ err }, 'internal error in statement');
    this.sendNoticesAndParameters();
    writeError(this.output.writer, error);
  }

  /** Reports an error that ends the connection (if the client is still there). */
  private async reportFatal(err: unknown): Promise<void> {
    if (err instanceof ClientGone || this.terminated) return;
    const error = toSqlError(err);
    if (error.code === SqlState.internalError) this.log.error({ err }, 'internal error in connection');
    else this.log.debug({ code: error.code, message: error.message }, 'closing connection after error');
    const fatal = new SqlError(error.code, error.message, {
      severity: 'FATAL',
      detail: error.detail,
      hint: error.hint,
    });
    try {
      writeError(this.output.writer, fatal);
      await this.output.flush();
    } catch {
      // The socket is gone; nothing more to tell.
    }
  }

  private closeSession(): void {
    this.dropAllPortals();
    if (this.session === null || this.sessionClosed) return;
    this.sessionClosed = true;
    try {
      this.session.close();
    } catch (err) {
      this.log.warn({ err }, 'error closing session');
    }
  }
}

/** The rows of a result as a portal's pending rows. */
function pendingRows(result: Extract<ExecuteResult, { kind: 'rows' | 'rowStream' }>): PendingRows {
  if (result.kind === 'rows') {
    const { tag } = result;
    return { columns: result.columns, rows: result.rows, next: 0, stream: null, sent: 0, tag: (count, whole) => (whole ? tag : withRowCount(tag, count)) };
  }
  return { columns: result.columns, rows: [], next: 0, stream: result.stream, sent: 0, tag: (count) => result.tag(count) };
}
