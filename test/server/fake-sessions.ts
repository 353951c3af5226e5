// A test double for the adapter: sessions that answer a small fixed set of
// statements, so the wire protocol can be tested on its own.
import type {
  CopyInSink,
  ExecuteOptions,
  ExecuteResult,
  Notice,
  ResultColumn,
  RowStream,
  Session,
  SessionFactory,
  StartupParameters,
  StatementDescription,
  TransactionStatus,
} from '../../src/adapter/api.js';
import { SqlError, SqlState } from '../../src/repr/errors.js';
import type { Row, SqlType } from '../../src/repr/types.js';
import { T } from '../../src/repr/types.js';
import type { ParsedStatement } from '../../src/sql/ast.js';

/**
 * Statements the fake understands (matched on the lower-cased statement text):
 * - `select one`: one int4 column `one` = 1
 * - `select many N`: N rows (n int4, label text 'row n')
 * - `select nulls`: a row with a NULL text and a text with tabs/newlines/quotes
 * - `select epoch`: timestamptz 1970-01-01 00:00:00 UTC
 * - `echo $1 .. $k`: one row with the parameters (types from the client's hints, else text)
 * - `create table`: command 'CREATE TABLE'
 * - `fail`: error 42703 at the position of the word `fail` in the query string
 * - `fatal`: a FATAL error (ends the connection)
 * - `warn`: a NOTICE then command 'DO'
 * - `set timezone <zone>`: changes TimeZone
 * - `begin` / `commit`: transaction status T / I
 * - `sleep`: waits until cancelled (signal) -> 57014
 * - `hang`: never finishes, ignoring its cancel signal (a misbehaving statement)
 * - `copy out N [csv|binary]`: COPY of N rows
 * - `subscribe`: a COPY stream that sends one row and then waits until closed
 * - `firehose`: a COPY stream producing 100 rows of ~1 KB per next() call, forever (counts calls)
 * - `copy in`: COPY FROM STDIN, counting lines
 * - `empty`: the 'empty' result
 */
export class FakeSessions implements SessionFactory {
  readonly sessions: FakeSession[] = [];
  private nextId = 1000;

  openSession(startup: StartupParameters): Session {
    if (startup.database === 'missing') {
      throw new SqlError('3D000', `database "${startup.database}" does not exist`, { severity: 'FATAL' });
    }
    const session = new FakeSession(this.nextId++, startup);
    this.sessions.push(session);
    return session;
  }

  findByCancelKey(processId: number, secretKey: number): Session | undefined {
    return this.sessions.find((s) => s.id === processId && s.secretKey === secretKey);
  }

  byId(id: number): FakeSession {
    const session = this.sessions.find((s) => s.id === id);
    if (session === undefined) throw new Error(`no session ${id}`);
    return session;
  }

  last(): FakeSession {
    const session = this.sessions.at(-1);
    if (session === undefined) throw new Error('no session opened');
    return session;
  }
}

const INT4_COLUMN = (name: string): ResultColumn => ({ name, type: T.int4 });
const TEXT_COLUMN = (name: string): ResultColumn => ({ name, type: T.text });

export class FakeSession implements Session {
  readonly secretKey: number;
  closed = false;
  cancelCount = 0;
  firehoseBatches = 0;
  readonly copiedIn: string[] = [];
  /** Resolves when a subscribe stream is closed by the server. */
  readonly subscribeClosed: Promise<void>;
  private markSubscribeClosed: () => void = () => undefined;
  /** Resolves when a `sleep` statement has started. */
  readonly sleeping: Promise<void>;
  private markSleeping: () => void = () => undefined;
  private notices: Notice[] = [];
  private changed = new Map<string, string>();
  private status: TransactionStatus = 'I';

  constructor(
    readonly id: number,
    readonly startup: StartupParameters,
  ) {
    // Deliberately above 2^31 at times, to check unsigned keys survive the int32 round trip.
    this.secretKey = (id * 2654435761) % 4294967296 | 0;
    this.subscribeClosed = new Promise((resolve) => {
      this.markSubscribeClosed = resolve;
    });
    this.sleeping = new Promise((resolve) => {
      this.markSleeping = resolve;
    });
  }

  parse(sql: string): ParsedStatement[] {
    const statements: ParsedStatement[] = [];
    let offset = 0;
    for (const piece of sql.split(';')) {
      const start = offset + (piece.length - piece.trimStart().length);
      offset += piece.length + 1;
      const text = piece.trim();
      if (text === '') continue;
      const bad = text.toLowerCase().indexOf('syntaxerror');
      if (bad !== -1) {
        throw new SqlError(SqlState.syntaxError, 'syntax error at or near "syntaxerror"', { position: start + bad + 1 });
      }
      statements.push({ statement: { kind: 'discard', target: 'all', pos: start }, text, offset: start });
    }
    return statements;
  }

  describe(stmt: ParsedStatement, paramTypes: (SqlType | null)[]): StatementDescription {
    const text = stmt.text.toLowerCase();
    if (text.startsWith('echo')) {
      const count = (text.match(/\$\d+/g) ?? []).length;
      const types = Array.from({ length: count }, (_, i) => paramTypes[i] ?? T.text);
      return { paramTypes: types, columns: types.map((type, i) => ({ name: `p${i + 1}`, type })) };
    }
    if (text.startsWith('select') || text === 'fail') {
      const probe = this.rowsFor(text, stmt);
      return { paramTypes: [], columns: probe.columns };
    }
    return { paramTypes: [], columns: null };
  }

  async execute(stmt: ParsedStatement, options: ExecuteOptions): Promise<ExecuteResult> {
    const text = stmt.text.toLowerCase();
    const words = text.split(/\s+/);
    switch (words[0]) {
      case 'select':
      case 'fail':
        return { kind: 'rows', ...this.rowsFor(text, stmt) };
      case 'echo': {
        const description = this.describe(stmt, options.params.map(() => null));
        return { kind: 'rows', columns: description.columns ?? [], rows: [options.params], tag: 'SELECT 1' };
      }
      case 'create':
        return { kind: 'command', tag: 'CREATE TABLE' };
      case 'fatal':
        throw new SqlError(SqlState.adminShutdown, 'terminating connection for the test', { severity: 'FATAL' });
      case 'warn':
        this.notices.push({ severity: 'NOTICE', code: '00000', message: 'this is a notice', hint: 'a hint' });
        return { kind: 'command', tag: 'DO' };
      case 'set':
        this.changed.set('TimeZone', stmt.text.split(/\s+/)[2] ?? 'UTC');
        return { kind: 'command', tag: 'SET' };
      case 'begin':
        this.status = 'T';
        return { kind: 'command', tag: 'BEGIN' };
      case 'commit':
        this.status = 'I';
        return { kind: 'command', tag: 'COMMIT' };
      case 'sleep':
        this.markSleeping();
        return new Promise((_, reject) => {
          const signal = options.signal;
          if (signal === undefined) return;
          signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        });
      case 'hang':
        return new Promise(() => undefined);
      case 'copy':
        return words[1] === 'in' ? this.copyIn() : this.copyOut(Number(words[2]), words[3]);
      case 'subscribe':
        return this.subscribe();
      case 'firehose':
        return this.firehose();
      case 'empty':
        return { kind: 'empty' };
      default:
        throw new SqlError(SqlState.featureNotSupported, `fake session does not know "${stmt.text}"`);
    }
  }

  reportedParameters(): Map<string, string> {
    return new Map([['mz_version', 'v0.0.0-test']]);
  }

  takeChangedParameters(): Map<string, string> {
    const changed = this.changed;
    this.changed = new Map();
    return changed;
  }

  takeNotices(): Notice[] {
    const notices = this.notices;
    this.notices = [];
    return notices;
  }

  transactionStatus(): TransactionStatus {
    return this.status;
  }

  relationName(oid: number): string | undefined {
    return oid === 16384 ? 'fake_table' : undefined;
  }

  cancel(): void {
    this.cancelCount++;
  }

  close(): void {
    this.closed = true;
  }

  private rowsFor(text: string, stmt: ParsedStatement): { columns: ResultColumn[]; rows: Row[]; tag: string } {
    if (text === 'fail') {
      throw new SqlError(SqlState.undefinedColumn, 'column "fail" does not exist', { position: stmt.offset + 1 });
    }
    if (text === 'select one') return { columns: [INT4_COLUMN('one')], rows: [[1]], tag: 'SELECT 1' };
    if (text === 'select nulls') {
      return { columns: [TEXT_COLUMN('a'), TEXT_COLUMN('b')], rows: [[null, 'x\ty\n"z",\\']], tag: 'SELECT 1' };
    }
    if (text === 'select epoch') return { columns: [{ name: 'epoch', type: T.timestamptz }], rows: [[0n]], tag: 'SELECT 1' };
    const many = /^select many (\d+)$/.exec(text);
    if (many !== null) {
      const count = Number(many[1]);
      const rows: Row[] = [];
      for (let i = 1; i <= count; i++) rows.push([i, `row ${i}`]);
      return { columns: [INT4_COLUMN('n'), TEXT_COLUMN('label')], rows, tag: `SELECT ${count}` };
    }
    throw new SqlError(SqlState.featureNotSupported, `fake session does not know "${text}"`);
  }

  private copyOut(count: number, format: string | undefined): ExecuteResult {
    const { columns, rows } = this.rowsFor('select nulls', { statement: { kind: 'discard', target: 'all', pos: 0 }, text: '', offset: 0 });
    const all: Row[] = Array.from({ length: count }, () => rows[0]);
    let sent = false;
    const stream: RowStream = {
      next: async () => {
        if (sent || all.length === 0) return null;
        sent = true;
        return all;
      },
      close: () => undefined,
    };
    return {
      kind: 'copyOut',
      columns,
      stream,
      format: format === 'csv' ? 'csv' : format === 'binary' ? 'binary' : 'text',
      tagOnEnd: (n) => `COPY ${n}`,
    };
  }

  private subscribe(): ExecuteResult {
    let sent = false;
    let wakeOnClose: ((rows: null) => void) | null = null;
    const stream: RowStream = {
      next: () => {
        if (!sent) {
          sent = true;
          return Promise.resolve([[1, 'first']]);
        }
        // Waits for more data that never comes, as an idle SUBSCRIBE does.
        return new Promise((resolve) => {
          wakeOnClose = resolve;
        });
      },
      close: () => {
        this.markSubscribeClosed();
        wakeOnClose?.(null);
      },
    };
    return {
      kind: 'copyOut',
      columns: [INT4_COLUMN('n'), TEXT_COLUMN('label')],
      stream,
      format: 'text',
      tagOnEnd: (n) => `SUBSCRIBE ${n}`,
    };
  }

  private firehose(): ExecuteResult {
    const batch: Row[] = Array.from({ length: 100 }, (_, i) => [i, 'x'.repeat(1000)]);
    let closed = false;
    const stream: RowStream = {
      next: async () => {
        if (closed) return null;
        this.firehoseBatches++;
        return batch;
      },
      close: () => {
        closed = true;
        this.markSubscribeClosed();
      },
    };
    return { kind: 'copyOut', columns: [INT4_COLUMN('n'), TEXT_COLUMN('label')], stream, format: 'text', tagOnEnd: (n) => `COPY ${n}` };
  }

  private copyIn(): ExecuteResult {
    const chunks: Buffer[] = [];
    const sink: CopyInSink = {
      write: (chunk) => {
        chunks.push(Buffer.from(chunk));
      },
      finish: async () => {
        const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter((line) => line !== '' && line !== '\\.');
        this.copiedIn.push(...lines);
        return `COPY ${lines.length}`;
      },
      abort: (reason) => {
        this.copiedIn.push(`aborted: ${reason}`);
      },
    };
    return { kind: 'copyIn', columns: [TEXT_COLUMN('line')], sink, format: 'text' };
  }
}
