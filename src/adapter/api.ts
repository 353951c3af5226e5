// The contract between the wire protocol (server/) and the coordinator
// (adapter/). The server turns bytes into calls on a Session and results into
// bytes; it knows nothing about SQL semantics. Values cross this boundary as
// datums with their SqlType; the server encodes them (text or binary) with
// repr's codecs.

import type { Datum, Row, SqlType } from '../repr/types.js';
import type { SqlError } from '../repr/errors.js';
import type { ParsedStatement } from '../sql/ast.js';

export interface ResultColumn {
  name: string;
  type: SqlType;
  /** For RowDescription: the table OID and column number when the column comes straight from a table (else 0). */
  tableOid?: number;
  columnNumber?: number;
}

/** What a statement describes as, before execution (extended protocol Describe). */
export interface StatementDescription {
  /** Types of $1..$n, inferred where the client left them unspecified. */
  paramTypes: SqlType[];
  /** Result columns, or null for statements that return no rows. */
  columns: ResultColumn[] | null;
}

export type ExecuteResult =
  /** Rows for SELECT, SHOW, FETCH, EXPLAIN, INSERT ... RETURNING. `tag` is the CommandComplete tag, e.g. 'SELECT 3'. */
  | { kind: 'rows'; columns: ResultColumn[]; rows: Row[]; tag: string }
  /**
   * Rows of a query (SELECT, FETCH, EXECUTE of a SELECT) produced batch by
   * batch as the server pulls them (see RowStream); `tag(n)` is the
   * CommandComplete tag once n rows were sent, e.g. 'SELECT n'.
   */
  | { kind: 'rowStream'; columns: ResultColumn[]; stream: RowStream; tag: (rowCount: number) => string }
  /** Statements without rows: 'CREATE TABLE', 'INSERT 0 3', 'SET', ... */
  | { kind: 'command'; tag: string }
  /**
   * COPY ... TO STDOUT (including COPY (SUBSCRIBE ...) TO STDOUT). Rows arrive
   * through `next` until it resolves null (end) or the client cancels.
   */
  | {
      kind: 'copyOut';
      columns: ResultColumn[];
      stream: RowStream;
      format: 'text' | 'csv' | 'binary';
      tagOnEnd: (rowCount: number) => string;
      /** COPY ... WITH (DELIMITER, NULL, HEADER, QUOTE) as written; absent means the format's defaults. */
      options?: CopyTextOptions;
    }
  /** COPY ... FROM STDIN: the server feeds data chunks then calls finish(). */
  | { kind: 'copyIn'; columns: ResultColumn[]; sink: CopyInSink; format: 'text' | 'csv' | 'binary' }
  | { kind: 'empty' };

/** Options of COPY's text and CSV formats. */
export interface CopyTextOptions {
  /** Field delimiter: tab for text, ',' for CSV by default. */
  delimiter: string;
  /** How NULL is written: '\\N' for text, '' (unquoted) for CSV by default. */
  nullString: string;
  /** CSV only: a first line with the column names. */
  header: boolean;
  /** CSV only: the quote character ('"'). */
  quote: string;
}

/**
 * The row-batch iterator between adapter and server. The producer does work
 * only inside `next()` (in slices that yield to the event loop), so a server
 * that calls `next()` only once the socket has drained what it wrote
 * ('drain' after write() returned false) makes a slow client slow the query
 * down instead of making the server buffer its result. Memory is bounded by
 * a batch (plus what the query must hold, e.g. ORDER BY's rows). A statement
 * cancelled (CancelRequest, statement_timeout) makes `next()` reject with
 * 57014; any rejection ends the stream.
 */
export interface RowStream {
  /** Resolves with the next rows (at least one), or null when the stream ends. */
  next(): Promise<Row[] | null>;
  /** Stops the stream early (client went away or cancelled); idempotent. */
  close(): void;
}

export interface CopyInSink {
  write(chunk: Uint8Array): void;
  /** Completes the copy; resolves with the CommandComplete tag ('COPY n'). */
  finish(): Promise<string>;
  abort(reason: string): void;
}

export interface Notice {
  severity: 'NOTICE' | 'WARNING' | 'INFO' | 'DEBUG' | 'LOG';
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

/** Transaction state as reported in ReadyForQuery: 'I' idle, 'T' in a block, 'E' failed block. */
export type TransactionStatus = 'I' | 'T' | 'E';

export interface ExecuteOptions {
  /**
   * Parameter values for $1..$n, already decoded to datums of the described
   * types (null for SQL NULL).
   */
  params: Datum[];
  /** AbortSignal fired by a CancelRequest for this session. */
  signal?: AbortSignal;
}

export interface Session {
  readonly id: number;
  /** Backend key for CancelRequest. */
  readonly secretKey: number;

  /** Splits and parses a query string; throws SqlError (syntax errors carry positions). */
  parse(sql: string): ParsedStatement[];

  /** Describes a statement for the extended protocol; `paramTypes` are the client's hints (null = unspecified). */
  describe(stmt: ParsedStatement, paramTypes: (SqlType | null)[]): StatementDescription;

  /** Runs one statement. Errors are thrown as SqlError. */
  execute(stmt: ParsedStatement, options: ExecuteOptions): Promise<ExecuteResult>;

  /** Session parameters reported to the client at startup and on change (ParameterStatus). */
  reportedParameters(): Map<string, string>;
  /** Parameters changed since the last call (for ParameterStatus after SET). */
  takeChangedParameters(): Map<string, string>;

  /** Notices produced by the last statement(s), drained by the server. */
  takeNotices(): Notice[];

  transactionStatus(): TransactionStatus;

  /** regclass output: the relation's name as this session's search path shows it; undefined if the OID names no relation. */
  relationName(oid: number): string | undefined;

  /** idle_in_transaction_session_timeout in milliseconds (0: none); absent: none. */
  idleInTransactionTimeoutMs?(): number;

  /** Cancels whatever the session is running (also used by CancelRequest). */
  cancel(): void;

  /** Ends the session (connection closed). */
  close(): void;
}

export interface StartupParameters {
  user: string;
  database: string;
  applicationName?: string;
  options: Map<string, string>;
}

export interface SessionFactory {
  /** Creates a session for a new connection; throws SqlError (e.g. unknown database) to refuse it. */
  openSession(startup: StartupParameters): Session;
  /** Finds a session by its cancel key (CancelRequest comes on another connection). */
  findByCancelKey(processId: number, secretKey: number): Session | undefined;
}

export type { SqlError };
