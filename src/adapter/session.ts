// A client session: settings, transaction state, prepared statements and
// cursors; dispatches each statement to the module that executes it.
import type { ParsedStatement, SetVariableStatement, Statement } from '../sql/ast.js';
import type { Datum, RelationDesc, SqlType } from '../repr/types.js';
import { storageSqlError } from '../storage/storage-error.js';
import { SqlError, SqlState, toSqlError } from '../repr/errors.js';
import { parse } from '../sql/parser.js';
import { planDelete, planInsert, planUpdate } from '../plan/planner.js';
import { formatText, parseText } from '../repr/text.js';
import { ExtraSqlState } from '../catalog/extra-sqlstates.js';
import type {
  ExecuteOptions,
  ExecuteResult,
  Notice,
  ResultColumn,
  Session,
  StartupParameters,
  StatementDescription,
  TransactionStatus,
} from './api.js';
import type { CoordinatorCore } from './core.js';
import { SessionVars, parseDurationMs } from './vars.js';
import { TransactionState } from './transaction.js';
import { Cursors } from './cursors.js';
import { planContextFor, type ExecContext } from './exec-context.js';
import { columnsOf, command } from './results.js';
import { typeFromAst } from '../plan/planner.js';
import { evalConstantExpr, prepareAsOf, planSelect } from './query.js';
import { streamQuery } from './result-stream.js';
import { abortError } from '../compute/peek-stream.js';
import { deleteRows, insert, update } from './dml.js';
import * as ddl from './ddl.js';
import { show } from './show.js';
import { rename } from './rename.js';
import { EXPLAIN_COLUMN, explain } from './explain.js';
import { copy } from './copy.js';
import { startSubscribe, subscribeStream } from './subscribe.js';
import { alterRole, authorize, createRole, dropRole, grant } from './access.js';

const text: SqlType = { kind: 'text' };


/** Statements allowed in a failed transaction block. */
function endsTransaction(stmt: Statement): boolean {
  return stmt.kind === 'transaction' && stmt.action !== 'begin';
}

export class SessionImpl implements Session {
  readonly vars: SessionVars;
  private readonly txn = new TransactionState();
  private readonly cursors = new Cursors();
  private readonly prepared = new Map<string, ParsedStatement>();
  private readonly described = new WeakMap<Statement, (SqlType | null)[]>();
  private notices: Notice[] = [];
  private running: AbortController | undefined;
  /** Controllers of COPY TO STDOUT streams still being read. */
  private readonly streams = new Set<AbortController>();
  private readonly user: string;

  constructor(
    private readonly core: CoordinatorCore,
    readonly id: number,
    readonly secretKey: number,
    startup: StartupParameters,
    private readonly onClose: (session: SessionImpl) => void,
  ) {
    const initial = new Map(startup.options);
    if (startup.applicationName !== undefined) initial.set('application_name', startup.applicationName);
    this.vars = new SessionVars(initial);
    this.user = startup.user;
  }

  parse(sql: string): ParsedStatement[] {
    return parse(sql);
  }

  relationName(oid: number): string | undefined {
    return this.core.relationName(oid, this.vars, this.user);
  }

  private context(signal: AbortSignal, paramTypes: (SqlType | null)[] = []): ExecContext {
    return {
      core: this.core,
      vars: this.vars,
      user: this.user,
      txn: this.txn,
      notice: (n) => this.notices.push(n),
      signal,
      paramTypes,
    };
  }

  describe(parsed: ParsedStatement, paramTypes: (SqlType | null)[]): StatementDescription {
    try {
      const description = this.describeStatement(parsed.statement, paramTypes);
      this.described.set(parsed.statement, description.paramTypes);
      return description;
    } catch (err) {
      throw this.internal(err);
    }
  }

  private describeStatement(stmt: Statement, hints: (SqlType | null)[]): StatementDescription {
    const exec = this.context(new AbortController().signal, hints);
    const ctx = (): ReturnType<typeof planContextFor> => planContextFor(exec, hints);
    const returning = (r: { desc: RelationDesc } | undefined): ResultColumn[] | null => (r ? columnsOf(r.desc) : null);
    switch (stmt.kind) {
      case 'select': {
        const planned = planSelect(exec, stmt.query, hints);
        return { paramTypes: planned.paramTypes, columns: columnsOf(planned.desc) };
      }
      case 'insert': {
        const p = planInsert(stmt, ctx());
        return { paramTypes: p.paramTypes, columns: returning(p.returning) };
      }
      case 'update': {
        const p = planUpdate(stmt, ctx());
        return { paramTypes: p.paramTypes, columns: returning(p.returning) };
      }
      case 'delete': {
        const p = planDelete(stmt, ctx());
        return { paramTypes: p.paramTypes, columns: returning(p.returning) };
      }
      case 'show': {
        const result = show(exec, stmt);
        return { paramTypes: [], columns: result.kind === 'rows' ? result.columns : null };
      }
      case 'explain':
        return { paramTypes: hints.map((t) => t ?? text), columns: [{ name: EXPLAIN_COLUMN[stmt.stage], type: text }] };
      case 'fetch':
        return { paramTypes: [], columns: this.cursors.columnsOf(stmt.name) };
      case 'execute': {
        const inner = this.prepared.get(stmt.name);
        if (!inner) throw unknownPrepared(stmt.name);
        return { paramTypes: [], columns: this.describeStatement(inner.statement, []).columns };
      }
      default:
        return { paramTypes: hints.map((t) => t ?? text), columns: null };
    }
  }

  async execute(parsed: ParsedStatement, options: ExecuteOptions): Promise<ExecuteResult> {
    const controller = new AbortController();
    const outer = options.signal;
    // The outer signal's reason (57014 user request, a disconnect) is the error to report.
    const onOuterAbort = (): void => controller.abort(outer?.reason);
    if (outer?.aborted) controller.abort(outer.reason);
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    this.running = controller;
    const timeout = this.statementTimeout(controller);
    const stmt = parsed.statement;
    let streaming = false;
    const release = (): void => {
      if (timeout) clearTimeout(timeout);
      outer?.removeEventListener('abort', onOuterAbort);
      if (this.running === controller) this.running = undefined;
    };
    try {
      if (this.txn.status === 'E' && !endsTransaction(stmt)) {
        throw new SqlError(ExtraSqlState.inFailedSqlTransaction, 'current transaction is aborted, commands ignored until end of transaction block');
      }
      const exec = this.context(controller.signal, this.described.get(stmt) ?? []);
      const result = await this.dispatch(exec, parsed, options.params);
      if (result.kind !== 'copyOut' && result.kind !== 'rowStream') return result;
      // The statement goes on while its rows stream: its timeout and cancellation too.
      streaming = true;
      return this.trackStream(result, controller, release);
    } catch (err) {
      if (this.txn.status === 'T') this.txn.status = 'E';
      throw this.internal(err);
    } finally {
      if (!streaming) release();
    }
  }

  /** Arms statement_timeout (0 = none): waiting statements (FETCH, SUBSCRIBE) are aborted with 57014. */
  private statementTimeout(controller: AbortController): NodeJS.Timeout | undefined {
    const ms = parseDurationMs(this.vars.get('statement_timeout'));
    if (!ms) return undefined;
    return setTimeout(() => controller.abort(new SqlError(SqlState.queryCanceled, 'canceling statement due to statement timeout')), ms);
  }

  /**
   * A COPY ... TO STDOUT stream outlives its execute() call; cancelling or
   * closing the session must still stop it.
   */
  private trackStream<R extends Extract<ExecuteResult, { kind: 'copyOut' | 'rowStream' }>>(result: R, controller: AbortController, done: () => void): R {
    this.streams.add(controller);
    const { stream } = result;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.streams.delete(controller);
      done();
    };
    const signal = controller.signal;
    return {
      ...result,
      stream: {
        next: async () => {
          try {
            if (signal.aborted) throw abortError(signal);
            const rows = await stream.next();
            if (rows === null) release();
            return rows;
          } catch (err) {
            release();
            stream.close();
            if (this.txn.status === 'T') this.txn.status = 'E';
            throw this.internal(err);
          }
        },
        close: () => {
          release();
          stream.close();
        },
      },
    };
  }

  /** Converts anything thrown to a SqlError, logging the ones that are bugs. */
  private internal(err: unknown): SqlError {
    const sqlError = toSqlError(err);
    if (sqlError.code === SqlState.internalError) this.core.logger.error({ err }, 'internal error while executing a statement');
    return sqlError;
  }

  private async dispatch(exec: ExecContext, parsed: ParsedStatement, params: Datum[]): Promise<ExecuteResult> {
    const stmt = parsed.statement;
    // Privileges (42501) before anything runs; EXECUTE checks its prepared statement when it dispatches it.
    authorize(exec, stmt);
    switch (stmt.kind) {
      case 'createRole':
        return this.ddl(() => createRole(exec, stmt));
      case 'alterRole':
        return this.ddl(() => alterRole(exec, stmt));
      case 'dropRole':
        return this.ddl(() => dropRole(exec, stmt));
      case 'grant':
        return this.ddl(() => grant(exec, stmt));
      case 'select': {
        if (this.txn.pendingWrites.size > 0) {
          throw new SqlError(SqlState.invalidTransactionState, 'transaction in write-only mode', {
            hint: 'a transaction that writes to tables cannot also read; COMMIT first',
          });
        }
        const checkReadTime = await prepareAsOf(exec, stmt.asOf, stmt.asOfAtLeast === true);
        checkReadTime();
        // The inputs are read now; the rows are computed as the client reads them.
        const { columns, stream } = streamQuery(exec, stmt.query, params);
        return { kind: 'rowStream', columns, stream, tag: (n) => `SELECT ${n}` };
      }
      case 'insert':
        return insert(exec, stmt, params);
      case 'update':
        return update(exec, stmt, params);
      case 'delete':
        return deleteRows(exec, stmt, params);
      case 'createTable':
        return this.ddl(() => ddl.createTable(exec, stmt, parsed));
      case 'createView':
        return this.ddl(() => ddl.createView(exec, stmt, parsed));
      case 'createIndex':
        return this.ddl(() => ddl.createIndex(exec, stmt, parsed));
      case 'createSecret':
        return this.ddl(() => ddl.createSecret(exec, stmt));
      case 'createType':
        return this.ddl(() => ddl.createType(exec, stmt, parsed));
      case 'alterSecret':
        return this.ddl(() => ddl.alterSecret(exec, stmt));
      case 'createConnection':
        return this.ddl(() => ddl.createConnection(exec, stmt, parsed));
      case 'alterConnection':
        return this.ddl(() => ddl.alterConnection(exec, stmt));
      case 'validateConnection':
        return ddl.validateConnection(exec, stmt);
      case 'createSource':
        return this.ddl(() => ddl.createSource(exec, stmt, parsed));
      case 'createSchema':
        return this.ddl(() => ddl.createSchema(exec, stmt));
      case 'createDatabase':
        if (stmt.name === 'materialize' && stmt.ifNotExists) {
          exec.notice({ severity: 'NOTICE', code: SqlState.duplicateDatabase, message: `database '${stmt.name}' already exists, skipping` });
          return command('CREATE DATABASE');
        }
        throw new SqlError(SqlState.featureNotSupported, 'CREATE DATABASE is not supported: Freshet has the one database "materialize"');
      case 'drop':
        return this.ddl(() => ddl.drop(exec, stmt));
      case 'alterRename':
        return this.ddl(() => rename(exec, stmt));
      case 'show': {
        const result = show(exec, stmt);
        return stmt.show === 'variable' && result.kind === 'rows' ? { ...result, tag: 'SHOW' } : result;
      }
      case 'setVariable':
        return this.setVariable(stmt);
      case 'resetVariable':
        this.vars.reset(stmt.name);
        return command('RESET');
      case 'explain':
        return explain(exec, stmt);
      case 'subscribe': {
        const active = await startSubscribe(exec, stmt, params);
        return { kind: 'copyOut', columns: active.columns, stream: subscribeStream(active, exec.signal), format: 'text', tagOnEnd: (n) => `SUBSCRIBE ${n}` };
      }
      case 'declare':
        return this.cursors.declare(exec, stmt, params);
      case 'fetch':
        return this.cursors.fetch(exec, stmt);
      case 'close':
        return this.cursors.close(stmt.name);
      case 'copy':
        return copy(exec, stmt, params);
      case 'transaction':
        return this.transaction(exec, stmt.action);
      case 'discard':
        if (this.txn.inBlock) throw new SqlError(SqlState.activeSqlTransaction, 'DISCARD ALL cannot run inside a transaction block');
        if (stmt.target === 'all') {
          this.vars.reset('all');
          this.prepared.clear();
          this.cursors.closeAll();
        }
        return command(`DISCARD ${stmt.target.toUpperCase()}`);
      case 'prepare': {
        if (this.prepared.has(stmt.name)) throw new SqlError(SqlState.duplicatePreparedStatement, `prepared statement "${stmt.name}" already exists`);
        const innerText = parsed.text.replace(/^\s*PREPARE\s+("[^"]*"|\S+?)\s*(\([^)]*\)\s*)?AS\s+/i, '');
        const inner: ParsedStatement = { statement: stmt.statement, text: innerText, offset: parsed.offset + parsed.text.length - innerText.length };
        // PREPARE p (int8, text) AS ...: the declared types are the parameters' types.
        this.describe(inner, (stmt.paramTypes ?? []).map((t) => typeFromAst(t)));
        this.prepared.set(stmt.name, inner);
        return command('PREPARE');
      }
      case 'execute':
        return this.executePrepared(exec, stmt.name, stmt.params);
      case 'deallocate':
        if (stmt.name === 'all') this.prepared.clear();
        else if (!this.prepared.delete(stmt.name)) throw unknownPrepared(stmt.name);
        return command(stmt.name === 'all' ? 'DEALLOCATE ALL' : 'DEALLOCATE');
    }
  }

  /** DDL statements run one at a time across all sessions. */
  private ddl(fn: () => Promise<ExecuteResult> | ExecuteResult): Promise<ExecuteResult> {
    return this.core.ddlQueue.exclusive(async () => {
      const { catalog } = this.core;
      // What this statement creates is owned by the session's role.
      catalog.actingRole = catalog.access.roleByName(this.user)?.id;
      try {
        return await fn();
      } finally {
        catalog.actingRole = undefined;
        // Answered only once the catalog and secrets it changed are durable (persist storage writes them asynchronously).
        await this.core.catalog.flushed();
        await this.core.secrets.flushed().catch((err: unknown) => {
          throw storageSqlError(err, 'the secrets');
        });
      }
    });
  }

  private setVariable(stmt: SetVariableStatement): ExecuteResult {
    if (stmt.values.length === 1 && stmt.values[0]!.kind === 'default') {
      this.vars.reset(stmt.name);
      return command('SET');
    }
    const parts = stmt.values.map((v) => {
      if (v.kind === 'ident') return v.name;
      if (v.kind === 'default') throw new SqlError(SqlState.syntaxError, 'DEFAULT cannot be combined with other values');
      const lit = v.value;
      switch (lit.type) {
        case 'string':
          return lit.value;
        case 'number':
          return lit.text;
        case 'boolean':
          return lit.value ? 'on' : 'off';
        case 'null':
          throw new SqlError(SqlState.invalidParameterValue, `parameter "${stmt.name}" cannot be NULL`);
        default:
          return 'value' in lit ? lit.value : '';
      }
    });
    this.vars.set(stmt.name, parts.join(', '));
    return command('SET');
  }

  private async executePrepared(exec: ExecContext, name: string, args: import('../sql/ast.js').Expr[]): Promise<ExecuteResult> {
    const inner = this.prepared.get(name);
    if (!inner) throw unknownPrepared(name);
    const types = this.described.get(inner.statement) ?? [];
    if (args.length !== types.length) {
      throw new SqlError(SqlState.syntaxError, `wrong number of parameters for prepared statement "${name}"`, {
        detail: `Expected ${types.length} parameters but got ${args.length}.`,
      });
    }
    const params = args.map((arg, i) => {
      const { value, type } = evalConstantExpr(exec, arg);
      const want = types[i] ?? type;
      // Values of another type are converted through their text form, as an assignment cast would.
      if (value === null || want.kind === type.kind) return value;
      return parseText(formatText(value, type), want);
    });
    return this.dispatch({ ...exec, paramTypes: types }, inner, params);
  }

  private async transaction(exec: ExecContext, action: 'begin' | 'commit' | 'rollback'): Promise<ExecuteResult> {
    if (action === 'begin') {
      if (this.txn.inBlock) {
        exec.notice({ severity: 'WARNING', code: SqlState.activeSqlTransaction, message: 'there is already a transaction in progress' });
      } else this.txn.status = 'T';
      return command('BEGIN');
    }
    if (!this.txn.inBlock) {
      exec.notice({ severity: 'WARNING', code: ExtraSqlState.noActiveSqlTransaction, message: 'there is no transaction in progress' });
      return command(action === 'commit' ? 'COMMIT' : 'ROLLBACK');
    }
    const failed = this.txn.status === 'E';
    const writes = this.txn.finish(action === 'commit');
    this.cursors.closeAll();
    if (writes.size > 0) await this.core.writeTables(writes);
    return command(action === 'commit' && !failed ? 'COMMIT' : 'ROLLBACK');
  }

  reportedParameters(): Map<string, string> {
    return this.vars.reported();
  }

  takeChangedParameters(): Map<string, string> {
    return this.vars.takeChanged();
  }

  takeNotices(): Notice[] {
    const out = this.notices;
    this.notices = [];
    return out;
  }

  transactionStatus(): TransactionStatus {
    return this.txn.status;
  }

  idleInTransactionTimeoutMs(): number {
    return parseDurationMs(this.vars.get('idle_in_transaction_session_timeout')) ?? 0;
  }

  cancel(): void {
    const reason = new SqlError(SqlState.queryCanceled, 'canceling statement due to user request');
    this.running?.abort(reason);
    for (const stream of this.streams) stream.abort(reason);
    this.streams.clear();
  }

  close(): void {
    this.cancel();
    this.cursors.closeAll();
    this.txn.finish(false);
    this.onClose(this);
  }
}

function unknownPrepared(name: string): SqlError {
  return new SqlError(SqlState.invalidSqlStatementName, `prepared statement "${name}" does not exist`);
}

