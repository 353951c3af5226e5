// Runs the records of one Materialize sqllogictest file against a real
// `freshet serve`, as Materialize's runner does (src/sqllogictest/src/
// runner.rs): statements and queries over the extended protocol, `simple`
// blocks over the simple protocol, expected errors matched as regular
// expressions against "db error: ERROR: <message>[\nDETAIL: ..][\nHINT: ..]".
//
// Unlike Materialize's runner, a failed `statement ok` does not abandon the
// rest of the file: every record gets an outcome. Every record has a
// timeout; a record that hangs is cancelled (a CancelRequest), and a server
// that stops answering or dies is restarted and the file's successful
// statements so far are replayed, so one record cannot take the run down.
import { Socket } from 'node:net';
import pg from 'pg';
import { FormatError, formatValue, hashValues } from './format.js';
import { compareRows, compareStrings, Parser, type Expected, type QueryOutput, type Record } from './parser.js';
import { FreshetProcess } from './server.js';

export type FailKind =
  | 'error' // an error where success was expected
  | 'unexpected-success' // success where an error was expected
  | 'wrong-error' // an error, but not the expected one
  | 'output' // rows differ
  | 'colnames'
  | 'column-count'
  | 'rows-affected'
  | 'format' // a value Materialize's runner cannot format for the declared type
  | 'timeout'
  | 'crash';

export type Outcome =
  | { status: 'pass' }
  | { status: 'skip'; reason: string }
  | {
      status: 'fail';
      kind: FailKind;
      message: string;
      /** SQLSTATE of the error we returned, if any. */
      code?: string;
      expected?: Expected;
      actual?: string[];
      expectedError?: string;
      /** Our rows as text (for comparing with PostgreSQL), when the statement succeeded. */
      raw?: string[][];
    };

/** What PostgreSQL answered for the same record (the file replayed on a real PostgreSQL). */
export type PgAnswer = { raw: string[][] } | { error: string; code: string | undefined };

export interface RecordResult {
  line: number;
  kind: Record['kind'];
  sql: string;
  output: QueryOutput | undefined;
  outcome: Outcome;
  pg?: PgAnswer;
}

interface DbError {
  message: string;
  code?: string;
  detail?: string;
  hint?: string;
}

const TIMEOUT = Symbol('timeout');

const rawText = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

function errorString(e: DbError): string {
  let s = `db error: ERROR: ${e.message}`;
  if (e.detail) s += `\nDETAIL: ${e.detail}`;
  if (e.hint) s += `\nHINT: ${e.hint}`;
  return s;
}

/** Materialize's expected errors are Rust regexes; JavaScript's differ only in corners. */
export function errorMatches(pattern: string, actual: string): boolean {
  let flags = '';
  let p = pattern;
  if (p.startsWith('(?i)')) {
    flags = 'i';
    p = p.slice(4);
  }
  try {
    return new RegExp(p, flags).test(actual);
  } catch {
    return actual.includes(pattern);
  }
}

function rawRows(rows: unknown[][]): string[][] {
  return rows.map((r) => r.map((v) => (v === null ? 'NULL' : String(v)))).sort(compareRows);
}

function isConnectionLoss(e: unknown): boolean {
  const m = e instanceof Error ? e.message : String(e);
  return /Connection terminated|ECONNRESET|ECONNREFUSED|EPIPE|not queryable|Client was closed|Connection ended/i.test(m);
}

function asDbError(e: unknown): DbError {
  if (e instanceof Error) {
    const x = e as Error & { code?: string; detail?: string; hint?: string };
    return { message: x.message, code: x.code, detail: x.detail, hint: x.hint };
  }
  return { message: String(e) };
}

export interface RunnerOptions {
  timeoutMs: number;
  /** A PostgreSQL server (port on 127.0.0.1, user postgres) to replay each file on, as an oracle. */
  postgresPort?: number;
  log?: (line: string) => void;
}

export class FileRunner {
  private server = new FreshetProcess();
  private client: pg.Client | undefined;
  private named = new Map<string, pg.Client>();
  /** Statements that succeeded, replayed after a restart. */
  private replayLog: string[] = [];

  constructor(private readonly opts: RunnerOptions) {}

  private log(s: string): void {
    this.opts.log?.(s);
  }

  private async connect(): Promise<pg.Client> {
    const c = new pg.Client({ host: '127.0.0.1', port: this.server.port, user: 'materialize', database: 'materialize', types: rawText });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  }

  private async closeClients(): Promise<void> {
    const all = [...this.named.values()];
    if (this.client !== undefined) all.push(this.client);
    this.client = undefined;
    this.named.clear();
    await Promise.all(all.map((c) => Promise.race([c.end().catch(() => undefined), new Promise((r) => setTimeout(r, 500))])));
  }

  private async startServer(): Promise<void> {
    await this.server.start();
    this.client = await this.connect();
  }

  async restart(replay: boolean): Promise<void> {
    await this.closeClients();
    await this.server.stop();
    await this.startServer();
    if (replay) {
      for (const sql of this.replayLog) {
        const r = await this.timed(this.client!.query({ text: sql, queryMode: 'extended' } as pg.QueryConfig));
        if (r === TIMEOUT) {
          this.log('    replay timed out; continuing without it');
          await this.restart(false);
          return;
        }
      }
    }
  }

  private timed<T>(p: Promise<T>, ms = this.opts.timeoutMs): Promise<T | typeof TIMEOUT | { error: unknown }> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(TIMEOUT), ms);
      p.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (error: unknown) => {
          clearTimeout(timer);
          resolve({ error });
        },
      );
    });
  }

  /** Sends a CancelRequest for the client's running statement. */
  private cancel(client: pg.Client): Promise<void> {
    const keys = client as unknown as { processID?: number | null; secretKey?: number | null };
    if (keys.processID == null || keys.secretKey == null) return Promise.resolve();
    const pid = keys.processID;
    const secret = keys.secretKey;
    return new Promise((resolve) => {
      const s = new Socket();
      const done = (): void => {
        s.destroy();
        resolve();
      };
      s.setTimeout(2000, done);
      s.on('error', done);
      s.connect(this.server.port, '127.0.0.1', () => {
        const b = Buffer.alloc(16);
        b.writeInt32BE(16, 0);
        b.writeInt32BE(80877102, 4);
        b.writeInt32BE(pid, 8);
        b.writeInt32BE(secret, 12);
        s.end(b);
      });
      s.on('close', done);
    });
  }

  /** After a timeout: cancel; if the server is stuck or gone, restart it and replay. */
  private async recoverFromHang(client: pg.Client, pending: Promise<unknown>): Promise<string> {
    await this.cancel(client);
    const settled = await this.timed(pending.catch(() => undefined), 3000);
    if (settled !== TIMEOUT && !this.server.exited) {
      // The statement was cancelled; the session may still be usable.
      const ping = await this.timed(client.query('SELECT 1'), 3000);
      if (ping !== TIMEOUT && !(typeof ping === 'object' && ping !== null && 'error' in ping)) return 'cancelled';
    }
    // Is the server still answering on a new connection?
    if (!this.server.exited) {
      const probe = await this.timed(
        (async () => {
          const c = await this.connect();
          try {
            await c.query('SELECT 1');
          } finally {
            await c.end().catch(() => undefined);
          }
        })(),
        3000,
      );
      if (probe !== TIMEOUT && !(typeof probe === 'object' && probe !== null && 'error' in probe)) {
        // The server answers; only this session is stuck: replace it.
        await Promise.race([client.end().catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
        const fresh = await this.connect();
        if (client === this.client) this.client = fresh;
        else for (const [k, v] of this.named) if (v === client) this.named.set(k, fresh);
        for (const sql of this.replayLog.filter((s) => /^\s*SET\b/i.test(s))) await this.timed(fresh.query(sql));
        return 'session replaced';
      }
    }
    this.log('    server unresponsive: restarting');
    await this.restart(true);
    return 'server restarted';
  }

  private async afterCrash(): Promise<string> {
    const tail = this.server.tail();
    this.log('    server died: restarting');
    await this.restart(true);
    return tail;
  }

  async runFile(fileName: string, text: string): Promise<RecordResult[]> {
    const records = new Parser(fileName, text).parseAll();
    const results: RecordResult[] = [];
    this.replayLog = [];
    await this.startServer();
    const oracle = this.opts.postgresPort === undefined ? undefined : await PgOracle.open(this.opts.postgresPort);
    try {
      for (const record of records) {
        const outcome = await this.runRecord(record);
        const result: RecordResult = {
          line: record.line,
          kind: record.kind,
          sql: 'sql' in record ? record.sql : '',
          output: record.kind === 'query' ? record.output : undefined,
          outcome,
        };
        if (oracle !== undefined) {
          if (record.kind === 'reset-server') await oracle.reset();
          else if (record.kind === 'statement' || record.kind === 'query') result.pg = await oracle.run(record.sql);
        }
        results.push(result);
      }
    } finally {
      await oracle?.close();
      await this.closeClients();
      await this.server.stop();
    }
    return results;
  }

  private async runRecord(record: Record): Promise<Outcome> {
    switch (record.kind) {
      case 'reset-server':
        this.replayLog = [];
        await this.restart(false);
        return { status: 'pass' };
      case 'copy':
        return { status: 'skip', reason: 'copy directive (reads a file of the Materialize repository)' };
      case 'simple':
        return this.runSimple(record);
      case 'statement':
        return this.runStatement(record);
      case 'query':
        return this.runQuery(record);
    }
  }

  /** Runs one SQL text on a client with the timeout, turning hangs and crashes into outcomes. */
  private async exec(
    client: pg.Client,
    config: pg.QueryConfig,
  ): Promise<{ ok: pg.QueryResult<unknown[]> } | { err: DbError } | { fail: Outcome }> {
    const pending = client.query<unknown[]>(config);
    const r = await this.timed(pending);
    if (r === TIMEOUT) {
      const how = await this.recoverFromHang(client, pending);
      return { fail: { status: 'fail', kind: 'timeout', message: `no answer within ${this.opts.timeoutMs} ms (${how})` } };
    }
    if (typeof r === 'object' && r !== null && 'error' in r) {
      if (this.server.exited || isConnectionLoss(r.error)) {
        await new Promise((res) => setTimeout(res, 200));
        if (this.server.exited) {
          const tail = await this.afterCrash();
          return { fail: { status: 'fail', kind: 'crash', message: `server exited: ${tail.slice(-600)}` } };
        }
        // The connection broke but the server lives: reconnect.
        await this.restartSession(client);
        return { fail: { status: 'fail', kind: 'crash', message: `connection lost: ${asDbError(r.error).message}` } };
      }
      return { err: asDbError(r.error) };
    }
    return { ok: r as pg.QueryResult<unknown[]> };
  }

  private async restartSession(client: pg.Client): Promise<void> {
    const fresh = await this.connect().catch(async () => {
      await this.restart(true);
      return this.client!;
    });
    if (client === this.client) this.client = fresh;
    else for (const [k, v] of this.named) if (v === client) this.named.set(k, fresh);
  }

  private async runStatement(record: Extract<Record, { kind: 'statement' }>): Promise<Outcome> {
    if (/^(CREATE UNIQUE INDEX|REINDEX)/.test(record.sql)) return { status: 'pass' };
    const r = await this.exec(this.client!, { text: record.sql, queryMode: 'extended' } as pg.QueryConfig);
    if ('fail' in r) return r.fail;
    if ('err' in r) {
      const s = errorString(r.err);
      if (record.expectedError !== undefined) {
        if (errorMatches(record.expectedError, s)) return { status: 'pass' };
        return { status: 'fail', kind: 'wrong-error', message: s, code: r.err.code, expectedError: record.expectedError };
      }
      return { status: 'fail', kind: 'error', message: s, code: r.err.code };
    }
    if (record.expectedError !== undefined) {
      return { status: 'fail', kind: 'unexpected-success', message: 'statement succeeded', expectedError: record.expectedError, raw: [] };
    }
    this.replayLog.push(record.sql);
    if (record.rowsAffected !== undefined && (r.ok.rowCount ?? 0) !== record.rowsAffected) {
      return { status: 'fail', kind: 'rows-affected', message: `expected ${record.rowsAffected} rows affected, got ${r.ok.rowCount}` };
    }
    return { status: 'pass' };
  }

  private async runQuery(record: Extract<Record, { kind: 'query' }>): Promise<Outcome> {
    const r = await this.exec(this.client!, { text: record.sql, rowMode: 'array', queryMode: 'extended' } as pg.QueryConfig);
    if ('fail' in r) return r.fail;
    if ('err' in r) {
      const s = errorString(r.err);
      if (record.error !== undefined) {
        if (errorMatches(record.error, s)) return { status: 'pass' };
        return { status: 'fail', kind: 'wrong-error', message: s, code: r.err.code, expectedError: record.error };
      }
      return { status: 'fail', kind: 'error', message: s, code: r.err.code };
    }
    if (record.error !== undefined) {
      return { status: 'fail', kind: 'unexpected-success', message: 'query succeeded', expectedError: record.error, raw: rawRows(r.ok.rows) };
    }
    const out = record.output!;
    const rows = r.ok.rows;
    const fields = r.ok.fields;
    let formatted: string[][] = [];
    try {
      for (const row of rows) {
        if (row.length !== out.types.length) {
          return { status: 'fail', kind: 'column-count', message: `expected ${out.types.length} columns, got ${row.length}` };
        }
        formatted.push(row.map((v, i) => formatValue(v as string | null, fields[i]!.dataTypeID, out.types[i]!, out.mode)));
      }
    } catch (e) {
      if (e instanceof FormatError) return { status: 'fail', kind: 'format', message: e.message };
      throw e;
    }
    if (out.sort === 'row') formatted = formatted.sort(compareRows);
    let values = formatted.flat();
    if (out.sort === 'value') values = values.sort(compareStrings);
    if (rows.length > 0 && out.columnNames !== undefined) {
      const actualNames = fields.map((f) => f.name);
      if (actualNames.join('\u0000') !== out.columnNames.join('\u0000')) {
        return {
          status: 'fail',
          kind: 'colnames',
          message: `expected columns ${out.columnNames.join(', ')}; got ${actualNames.join(', ')}`,
          actual: values,
          expected: out.expected,
        };
      }
    }
    if (out.expected.kind === 'values') {
      const exp = out.expected.values;
      if (exp.length !== values.length || exp.some((v, i) => v !== values[i])) {
        return { status: 'fail', kind: 'output', message: 'output differs', expected: out.expected, actual: values, raw: rawRows(rows) };
      }
    } else {
      const md5 = hashValues(values);
      if (values.length !== out.expected.count || md5 !== out.expected.md5) {
        return {
          status: 'fail',
          kind: 'output',
          message: `${values.length} values hashing to ${md5}`,
          expected: out.expected,
          actual: values,
          raw: rawRows(rows),
        };
      }
    }
    return { status: 'pass' };
  }

  private async runSimple(record: Extract<Record, { kind: 'simple' }>): Promise<Outcome> {
    if (record.user === 'mz_system' || record.user === 'mz_support') {
      return { status: 'skip', reason: `simple conn=${record.conn},user=${record.user} (Materialize's internal system port)` };
    }
    let client = this.client!;
    if (record.conn !== undefined) {
      let c = this.named.get(record.conn);
      if (c === undefined) {
        c = await this.connect();
        this.named.set(record.conn, c);
      }
      client = c;
    }
    const r = await this.exec(client, { text: record.sql, rowMode: 'array' } as pg.QueryConfig);
    if ('fail' in r) return r.fail;
    let actual: string[];
    if ('err' in r) {
      actual = errorString(r.err).split('\n');
    } else {
      actual = [];
      const results = (Array.isArray(r.ok) ? r.ok : [r.ok]) as pg.QueryResult<unknown[]>[];
      for (const res of results) {
        for (const row of res.rows) actual.push(row.map((v) => (v === null ? 'NULL' : String(v))).join(','));
        actual.push(`COMPLETE ${res.rowCount ?? 0}`);
      }
      if (record.sort === 'row') actual.sort(compareStrings);
    }
    if (record.multiline) {
      // Expected: the EOF-delimited text, then the COMPLETE lines.
      const completes = actual.filter((l) => l.startsWith('COMPLETE '));
      const body = actual.filter((l) => !l.startsWith('COMPLETE ')).join('\n') + '\n';
      actual = [body, ...completes];
    }
    const exp = record.expected;
    if (exp.length !== actual.length || exp.some((v, i) => v !== actual[i])) {
      return { status: 'fail', kind: 'output', message: 'output differs', expected: { kind: 'values', values: exp }, actual };
    }
    return { status: 'pass' };
  }
}

/** A scratch database on a real PostgreSQL, replaying a file's records to compare answers. */
class PgOracle {
  private static counter = 0;
  private constructor(
    private readonly port: number,
    private admin: pg.Client,
    private db: string,
    private client: pg.Client,
  ) {}

  private static async connect(port: number, database: string): Promise<pg.Client> {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database, types: rawText });
    c.on('error', () => undefined);
    await c.connect();
    await c.query("SET statement_timeout = '10s'");
    await c.query("SET TimeZone = 'UTC'");
    await c.query('SET extra_float_digits = 3');
    return c;
  }

  static async open(port: number): Promise<PgOracle> {
    const admin = await PgOracle.connect(port, 'postgres');
    const db = `mzslt_${process.pid}_${PgOracle.counter++}`;
    await admin.query(`CREATE DATABASE ${db}`);
    return new PgOracle(port, admin, db, await PgOracle.connect(port, db));
  }

  async reset(): Promise<void> {
    await this.client.end().catch(() => undefined);
    await this.admin.query(`DROP DATABASE IF EXISTS ${this.db} WITH (FORCE)`);
    this.db = `mzslt_${process.pid}_${PgOracle.counter++}`;
    await this.admin.query(`CREATE DATABASE ${this.db}`);
    this.client = await PgOracle.connect(this.port, this.db);
  }

  async run(sql: string): Promise<PgAnswer> {
    try {
      const r = await this.client.query<unknown[]>({ text: sql, rowMode: 'array', queryMode: 'extended' } as pg.QueryConfig);
      return { raw: rawRows(r.rows ?? []) };
    } catch (e) {
      const err = asDbError(e);
      if (isConnectionLoss(e)) this.client = await PgOracle.connect(this.port, this.db);
      return { error: err.message, code: err.code };
    }
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
    await this.admin.query(`DROP DATABASE IF EXISTS ${this.db} WITH (FORCE)`).catch(() => undefined);
    await this.admin.end().catch(() => undefined);
  }
}
