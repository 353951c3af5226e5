// Statement dispatch and the statements that are neither catalog DDL nor
// session settings: queries, INSERT/UPDATE/DELETE, EXPLAIN, SUBSCRIBE,
// cursors, COPY and prepared statements.
import type {
  CopyStatement,
  DeclareStatement,
  ExplainStatement,
  Expr,
  FetchStatement,
  InsertStatement,
  Query,
  SelectItem,
  SelectStatement,
  SqlOption,
  Statement,
  SubscribeStatement,
} from './ast.js';
import { RoleParser } from './roles.js';

const EXPLAIN_STAGES = new Set(['raw', 'decorrelated', 'optimized', 'physical']);

/** Statements of PostgreSQL / Materialize that Freshet does not implement (a clear 0A000, not a syntax error). */
const UNSUPPORTED_STATEMENTS = new Set([
  'comment', 'truncate', 'listen', 'notify', 'unlisten', 'vacuum', 'lock', 'savepoint', 'release',
  'call', 'merge', 'reassign',
]);

export class StatementParser extends RoleParser {
  parseStatement(): Statement {
    const t = this.peek();
    const pos = t.start;
    if (t.kind === 'punct' && t.value === '(') return this.parseSelectStatement();
    if (t.kind !== 'word') throw this.syntaxError();
    switch (t.value) {
      case 'select':
      case 'with':
      case 'values':
      case 'table':
        return this.parseSelectStatement();
    }
    this.next();
    switch (t.value) {
      case 'insert':
        return this.parseInsert(pos);
      case 'update':
        return this.parseUpdate(pos);
      case 'delete':
        return this.parseDelete(pos);
      case 'create':
        if (this.isWord('role') || this.isWord('user')) return this.parseCreateRole(pos);
        return this.parseCreate(pos);
      case 'drop':
        if (this.isWord('role') || this.isWord('user')) return this.parseDropRole(pos);
        return this.parseDrop(pos);
      case 'alter':
        if (this.isWord('role') || this.isWord('user')) return this.parseAlterRole(pos);
        return this.parseAlter(pos);
      case 'grant':
        return this.parseGrant(pos, false);
      case 'revoke':
        return this.parseGrant(pos, true);
      case 'show':
        return this.parseShow(pos);
      case 'set':
        return this.parseSet(pos);
      case 'reset':
        return { kind: 'resetVariable', name: this.parseVariableName(), pos };
      case 'explain':
        return this.parseExplain(pos);
      case 'subscribe':
        return this.parseSubscribe(pos);
      case 'declare':
        return this.parseDeclare(pos);
      case 'fetch':
        return this.parseFetch(pos);
      case 'close':
        return { kind: 'close', name: this.eatWords('all') ? 'all' : this.parseIdent(), pos };
      case 'copy':
        return this.parseCopy(pos);
      case 'begin':
        this.eatOneOf('transaction', 'work');
        return { kind: 'transaction', action: 'begin', modes: this.parseTransactionModes(), pos };
      case 'start':
        this.expectWords('transaction');
        return { kind: 'transaction', action: 'begin', modes: this.parseTransactionModes(), pos };
      case 'commit':
      case 'end':
        this.parseTransactionEndTail();
        return { kind: 'transaction', action: 'commit', modes: [], pos };
      case 'rollback':
      case 'abort':
        this.parseTransactionEndTail();
        return { kind: 'transaction', action: 'rollback', modes: [], pos };
      case 'discard': {
        const target = this.eatOneOf('all', 'plans', 'sequences', 'temp', 'temporary');
        if (target === undefined) throw this.syntaxError();
        return { kind: 'discard', target: target === 'temporary' ? 'temp' : (target as 'all' | 'plans' | 'sequences' | 'temp'), pos };
      }
      case 'prepare':
        return this.parsePrepare(pos);
      case 'execute': {
        const name = this.parseIdent();
        const params = this.isPunct('(') ? this.parenList(() => this.parseExpr()) : [];
        return { kind: 'execute', name, params, pos };
      }
      case 'deallocate':
        this.eatWords('prepare');
        return { kind: 'deallocate', name: this.eatWords('all') ? 'all' : this.parseIdent(), pos };
      case 'validate':
        this.expectWords('connection');
        return { kind: 'validateConnection', name: this.parseObjectName(), pos };
      default:
        if (UNSUPPORTED_STATEMENTS.has(t.value)) throw this.notSupported(t.value.toUpperCase(), pos);
        throw this.syntaxError(t);
    }
  }

  /** `[TRANSACTION | WORK] [AND [NO] CHAIN]` after COMMIT / ROLLBACK. */
  private parseTransactionEndTail(): void {
    this.eatOneOf('transaction', 'work');
    if (this.eatWords('and')) {
      this.eatWords('no');
      this.expectWords('chain');
    }
  }

  // ------------------------------------------------------------------ queries

  protected parseSelectStatement(): SelectStatement {
    const pos = this.peek().start;
    const query = this.parseQuery();
    const stmt: SelectStatement = { kind: 'select', query, pos };
    if (this.eatWords('as', 'of')) {
      if (this.eatWords('at', 'least')) stmt.asOfAtLeast = true;
      stmt.asOf = this.parseExpr();
    }
    return stmt;
  }

  // ---------------------------------------------------------------------- DML

  private parseInsert(pos: number): InsertStatement {
    this.expectWords('into');
    const table = this.parseObjectName();
    const alias = this.eatWords('as') ? this.parseIdent() : undefined;
    const columns = this.isPunct('(') && !this.startsQuery(1) ? this.parseIdentList() : [];
    const sourcePos = this.peek().start;
    const defaultValues = this.eatWords('default', 'values');
    const source: Query = defaultValues
      ? { kind: 'query', with: [], body: { kind: 'values', rows: [[]], pos: sourcePos }, orderBy: [], pos: sourcePos }
      : this.parseQuery();
    const stmt: InsertStatement = { kind: 'insert', table, columns, source, defaultValues, returning: this.parseReturning(), pos };
    if (alias !== undefined) stmt.alias = alias;
    return stmt;
  }

  private parseReturning(): SelectItem[] {
    return this.eatWords('returning') ? this.commaList(() => this.parseSelectItem()) : [];
  }

  /** `[AS] alias` after the target table of UPDATE / DELETE. */
  private parseDmlAlias(): string | undefined {
    if (this.eatWords('as')) return this.parseIdent();
    if (this.isBareAlias() && !this.isWord('set')) return this.next().value;
    return undefined;
  }

  private parseUpdate(pos: number): Statement {
    const table = this.parseObjectName();
    const alias = this.parseDmlAlias();
    this.expectWords('set');
    const assignments = this.commaList(() => {
      const at = this.peek().start;
      const column = this.parseIdent();
      this.expectOp('=');
      if (this.isWord('default') && !this.isPunct('(', 1)) {
        const value: Expr = { kind: 'literal', value: { type: 'null' }, pos: this.next().start };
        return { column, value, pos: at, isDefault: true };
      }
      return { column, value: this.parseExpr(), pos: at };
    });
    const where = this.eatWords('where') ? this.parseExpr() : undefined;
    const stmt: Statement = { kind: 'update', table, assignments, returning: this.parseReturning(), pos };
    if (alias !== undefined) stmt.alias = alias;
    if (where) stmt.where = where;
    return stmt;
  }

  private parseDelete(pos: number): Statement {
    this.expectWords('from');
    const table = this.parseObjectName();
    const alias = this.parseDmlAlias();
    const using = this.eatWords('using') ? this.commaList(() => this.parseTableRef()) : [];
    const where = this.eatWords('where') ? this.parseExpr() : undefined;
    const stmt: Statement = { kind: 'delete', table, using, returning: this.parseReturning(), pos };
    if (alias !== undefined) stmt.alias = alias;
    if (where) stmt.where = where;
    return stmt;
  }

  // ------------------------------------------------------------------ EXPLAIN

  /**
   * EXPLAIN [[RAW | DECORRELATED | [LOCALLY] OPTIMIZED | PHYSICAL] PLAN] [WITH (...)]
   * [AS [VERBOSE] TEXT | JSON | DOT] FOR target; FOR may be left out when nothing precedes it.
   */
  private parseExplain(pos: number): ExplainStatement {
    let stage: ExplainStatement['stage'] = 'optimized';
    let explicit = this.eatWords('locally', 'optimized');
    const word = explicit ? undefined : this.eatOneOf(...EXPLAIN_STAGES);
    if (word !== undefined) stage = word as ExplainStatement['stage'];
    if (this.eatWords('plan')) explicit = true;
    else if (word !== undefined && !this.isWord('with') && !this.isWord('as') && !this.isWord('for')) throw this.syntaxError();
    const options: string[] = [];
    if (this.isWord('with') && this.isPunct('(', 1)) {
      for (const option of this.parseWithOptions()) options.push(option.name.toLowerCase());
      explicit = true;
    }
    let format: ExplainStatement['format'];
    if (this.isWord('as') && !this.isWord('of', 1)) {
      this.next();
      this.eatWords('verbose');
      format = this.eatOneOf('text', 'json', 'dot') as ExplainStatement['format'];
      if (format === undefined) throw this.syntaxError();
      explicit = true;
    }
    if (explicit || word !== undefined) this.expectWords('for');
    else this.eatWords('for');
    const stmt: ExplainStatement = { kind: 'explain', stage, target: this.parseExplainTarget(), options, pos };
    if (format !== undefined) stmt.format = format;
    return stmt;
  }


  private parseExplainTarget(): ExplainStatement['target'] {
    const start = this.peek();
    if (this.eatWords('materialized', 'view')) return { kind: 'object', objectType: 'materialized view', name: this.parseObjectName() };
    if (this.isWord('index') || this.isWord('view')) {
      const objectType = this.next().value as 'index' | 'view';
      return { kind: 'object', objectType, name: this.parseObjectName() };
    }
    const statement = this.parseStatement();
    if (statement.kind === 'select' || statement.kind === 'createIndex' || (statement.kind === 'createView' && statement.materialized)) {
      return { kind: 'statement', statement };
    }
    throw this.syntaxError(start);
  }

  // ---------------------------------------------------------------- SUBSCRIBE

  protected parseSubscribe(pos: number): SubscribeStatement {
    this.eatWords('to');
    let target: SubscribeStatement['target'];
    if (this.isPunct('(')) {
      this.next();
      target = { kind: 'query', query: this.parseQuery() };
      this.expectPunct(')');
    } else {
      target = { kind: 'object', name: this.parseObjectName() };
    }
    const stmt: SubscribeStatement = { kind: 'subscribe', target, options: [], pos };
    while (true) {
      if (this.eatWords('envelope')) {
        const kind = this.eatOneOf('upsert', 'debezium');
        if (kind === undefined) throw this.syntaxError();
        this.expectPunct('(');
        this.expectWords('key');
        const key = this.parseIdentList();
        this.expectPunct(')');
        stmt.envelope = { kind: kind as 'upsert' | 'debezium', key };
      } else if (this.eatWords('within', 'timestamp', 'order', 'by')) {
        stmt.withinTimestampOrderBy = this.parseOrderByList();
      } else if (this.isWord('with') && this.isPunct('(', 1)) {
        stmt.options = this.parseWithOptions();
      } else if (this.eatWords('as', 'of')) {
        if (this.eatWords('at', 'least')) stmt.asOfAtLeast = true;
        stmt.asOf = this.parseExpr();
      } else if (this.eatWords('up', 'to')) {
        stmt.upTo = this.parseExpr();
      } else {
        return stmt;
      }
    }
  }

  // ------------------------------------------------------------------ cursors

  private parseDeclare(pos: number): DeclareStatement {
    const name = this.parseIdent();
    this.eatWords('binary');
    this.eatWords('insensitive');
    if (!this.eatWords('no', 'scroll')) this.eatWords('scroll');
    this.expectWords('cursor');
    if (!this.eatWords('without', 'hold')) this.eatWords('with', 'hold');
    this.expectWords('for');
    if (this.isWord('subscribe')) {
      const at = this.next().start;
      return { kind: 'declare', name, statement: this.parseSubscribe(at), pos };
    }
    return { kind: 'declare', name, statement: this.parseSelectStatement(), pos };
  }

  private parseFetch(pos: number): FetchStatement {
    this.eatOneOf('forward', 'next');
    let count: FetchStatement['count'];
    const t = this.peek();
    if (t.kind === 'number') {
      if (!/^\d+$/.test(t.value)) throw this.syntaxError();
      this.next();
      count = Number(t.value);
    } else if (this.eatWords('all')) {
      count = 'all';
    }
    this.eatOneOf('from', 'in');
    const stmt: FetchStatement = { kind: 'fetch', name: this.parseIdent(), options: this.parseWithOptions(), pos };
    if (count !== undefined) stmt.count = count;
    return stmt;
  }

  // --------------------------------------------------------------------- COPY

  private parseCopy(pos: number): CopyStatement {
    let source: CopyStatement['source'];
    if (this.eatPunct('(')) {
      if (this.isWord('subscribe')) {
        const at = this.next().start;
        source = { kind: 'subscribe', subscribe: this.parseSubscribe(at) };
      } else {
        source = { kind: 'query', query: this.parseQuery() };
      }
      this.expectPunct(')');
    } else {
      const name = this.parseObjectName();
      source = { kind: 'table', name, columns: this.isPunct('(') ? this.parseIdentList() : [] };
    }
    const direction = this.eatOneOf('to', 'from');
    if (direction === undefined) throw this.syntaxError();
    const target = direction === 'to' ? this.eatOneOf('stdout') : this.eatOneOf('stdin');
    if (target === undefined) throw this.syntaxError();
    if (source.kind !== 'table' && direction === 'from') throw this.syntaxError();
    this.eatWords('with');
    const options = this.isPunct('(') ? this.parseOptionList() : this.parseLegacyCopyOptions();
    return { kind: 'copy', source, direction: direction as 'to' | 'from', target: target as 'stdout' | 'stdin', options, pos };
  }

  /** Pre-9.0 COPY options without parentheses: CSV, HEADER, BINARY, DELIMITER [AS] 'c', NULL [AS] 's'. */
  private parseLegacyCopyOptions(): SqlOption[] {
    const options: SqlOption[] = [];
    while (true) {
      const pos = this.peek().start;
      const word = this.eatOneOf('csv', 'binary', 'text', 'header', 'delimiter', 'null', 'quote', 'escape');
      if (word === undefined) return options;
      if (word === 'csv' || word === 'binary' || word === 'text') {
        options.push({ name: 'FORMAT', value: { kind: 'ident', name: word }, pos });
      } else if (word === 'header') {
        options.push({ name: 'HEADER', pos });
      } else {
        this.eatWords('as');
        options.push({ name: word.toUpperCase(), value: { kind: 'value', expr: this.parseExpr() }, pos });
      }
    }
  }

  // ------------------------------------------------------------------ PREPARE

  private parsePrepare(pos: number): Statement {
    const name = this.parseIdent();
    const paramTypes = this.isPunct('(') ? this.parenList(() => this.parseDataType()) : [];
    this.expectWords('as');
    const stmt: Statement = { kind: 'prepare', name, statement: this.parseStatement(), pos };
    if (paramTypes.length > 0) stmt.paramTypes = paramTypes;
    return stmt;
  }
}
