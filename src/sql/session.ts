// Session statements: SHOW (object lists, columns, CREATE, variables),
// SET / RESET with PostgreSQL's special spellings, and transaction modes.
import type { Expr, SetVariableStatement, ShowStatement } from './ast.js';
import { Prec } from './expression.js';
import { DdlParser } from './ddl.js';

type ShowObjectType = (ShowStatement & { show: 'objects' })['objectType'];
const SHOW_OBJECT_TYPES = new Set<string>([
  'tables', 'sources', 'views', 'indexes', 'secrets', 'connections', 'subsources', 'schemas', 'databases',
  'clusters', 'objects', 'types', 'sinks',
]);

export class SessionParser extends DdlParser {
  // --------------------------------------------------------------------- SHOW

  protected parseShow(pos: number): ShowStatement {
    if (this.eatWords('create')) {
      const objectType = this.parseObjectType();
      if (objectType === undefined) throw this.syntaxError();
      return { kind: 'show', show: 'create', objectType, name: this.parseObjectName(), pos };
    }
    if (this.eatWords('columns')) {
      if (!this.eatOneOf('from', 'in')) throw this.syntaxError();
      const stmt: ShowStatement = { kind: 'show', show: 'columns', table: this.parseObjectName(), pos };
      const filter = this.parseShowFilter();
      if (filter) stmt.filter = filter;
      return stmt;
    }
    const objectType = this.parseShowObjectType();
    if (objectType !== undefined) {
      const stmt: ShowStatement & { show: 'objects' } = { kind: 'show', show: 'objects', objectType, pos };
      while (true) {
        if (this.eatWords('in', 'cluster')) stmt.inCluster = this.parseIdent();
        else if (this.eatOneOf('from', 'in')) stmt.from = this.parseObjectName();
        else if (this.eatWords('on')) stmt.on = this.parseObjectName();
        else break;
      }
      const filter = this.parseShowFilter();
      if (filter) stmt.filter = filter;
      return stmt;
    }
    return { kind: 'show', show: 'variable', name: this.parseVariableName(), pos };
  }

  private parseShowObjectType(): ShowObjectType | undefined {
    if (this.eatWords('materialized', 'views')) return 'materialized views';
    const t = this.peek();
    if (t.kind === 'word' && SHOW_OBJECT_TYPES.has(t.value)) {
      this.next();
      return t.value as ShowObjectType;
    }
    return undefined;
  }

  private parseShowFilter(): { like: string } | { where: Expr } | undefined {
    if (this.eatWords('like')) return { like: this.parseStringLiteral() };
    if (this.eatWords('where')) return { where: this.parseExpr() };
    return undefined;
  }

  /** Variable names of SHOW / SET / RESET, with the multi-word spellings PostgreSQL accepts. */
  protected parseVariableName(): string {
    if (this.eatWords('time', 'zone')) return 'timezone';
    if (this.eatWords('transaction', 'isolation', 'level')) return 'transaction_isolation';
    if (this.eatWords('all')) return 'all';
    const parts = [this.parseAnyIdent()];
    while (this.eatPunct('.')) parts.push(this.parseAnyIdent());
    return parts.join('.').toLowerCase();
  }

  // ---------------------------------------------------------------------- SET

  protected parseSet(pos: number): SetVariableStatement {
    if (this.eatWords('session', 'characteristics', 'as', 'transaction')) {
      return this.setFromTransactionModes('default_', false, pos);
    }
    let local = false;
    if (this.eatWords('local')) local = true;
    else this.eatWords('session');
    if (this.eatWords('transaction')) return this.setFromTransactionModes('', local, pos);
    if (this.eatWords('time', 'zone')) {
      const values: SetVariableStatement['values'] = [];
      if (this.eatOneOf('local', 'default')) values.push({ kind: 'default' });
      else values.push(this.parseSetValue());
      return { kind: 'setVariable', name: 'timezone', local, values, pos };
    }
    if (this.eatWords('names')) {
      const values: SetVariableStatement['values'] = this.eatWords('default') ? [{ kind: 'default' }] : [this.parseSetValue()];
      return { kind: 'setVariable', name: 'client_encoding', local, values, pos };
    }
    if (this.eatWords('schema')) {
      return { kind: 'setVariable', name: 'search_path', local, values: [this.parseSetValue()], pos };
    }
    const name = this.parseVariableName();
    if (!this.eatOp('=') && !this.eatWords('to')) throw this.syntaxError();
    const afterDefault = this.peek(1);
    if (this.isWord('default') && (afterDefault.kind === 'eof' || this.isPunct(';', 1))) {
      this.next();
      return { kind: 'setVariable', name, local, values: [{ kind: 'default' }], pos };
    }
    return { kind: 'setVariable', name, local, values: this.commaList(() => this.parseSetValue()), pos };
  }

  /** SET [SESSION CHARACTERISTICS AS] TRANSACTION ISOLATION LEVEL x | READ ONLY | READ WRITE. */
  private setFromTransactionModes(prefix: string, local: boolean, pos: number): SetVariableStatement {
    const modes = this.parseTransactionModes();
    if (modes.length === 0) throw this.syntaxError();
    const mode = modes[0];
    if (mode.startsWith('isolation level ')) {
      const level = mode.slice('isolation level '.length);
      return { kind: 'setVariable', name: `${prefix}transaction_isolation`, local, values: [{ kind: 'literal', value: { type: 'string', value: level } }], pos };
    }
    const readOnly = mode === 'read only' ? 'on' : 'off';
    const name = mode.includes('deferrable') ? `${prefix}transaction_deferrable` : `${prefix}transaction_read_only`;
    const value = mode.includes('deferrable') ? (mode === 'deferrable' ? 'on' : 'off') : readOnly;
    return { kind: 'setVariable', name, local, values: [{ kind: 'literal', value: { type: 'string', value } }], pos };
  }

  /** One SET value: 'string', number, signed number, INTERVAL '...', or a bare word (on, off, names). */
  private parseSetValue(): SetVariableStatement['values'][number] {
    const t = this.peek();
    if (t.kind === 'string' || t.kind === 'number') {
      this.next();
      return { kind: 'literal', value: t.kind === 'string' ? { type: 'string', value: t.value } : { type: 'number', text: t.value } };
    }
    if (t.kind === 'op' && (t.value === '-' || t.value === '+') && this.peek(1).kind === 'number') {
      this.next();
      const text = this.next().value;
      return { kind: 'literal', value: { type: 'number', text: t.value === '-' ? `-${text}` : text } };
    }
    if (this.isWord('interval') && this.peek(1).kind === 'string') {
      const literal = this.parseExprAbove(Prec.postfix);
      if (literal.kind === 'literal') return { kind: 'literal', value: literal.value };
    }
    if (t.kind === 'word' || t.kind === 'quotedIdent') {
      const parts = [this.next().value];
      while (this.eatPunct('.')) parts.push(this.parseAnyIdent());
      return { kind: 'ident', name: parts.join('.') };
    }
    throw this.syntaxError();
  }

  /** ISOLATION LEVEL ..., READ ONLY | READ WRITE, [NOT] DEFERRABLE; recorded lower-cased. */
  protected parseTransactionModes(): string[] {
    const modes: string[] = [];
    do {
      if (this.eatWords('isolation', 'level')) {
        modes.push(`isolation level ${this.parseIsolationLevel()}`);
      } else if (this.eatWords('read')) {
        const access = this.eatOneOf('only', 'write');
        if (access === undefined) throw this.syntaxError();
        modes.push(`read ${access}`);
      } else if (this.eatWords('not', 'deferrable')) {
        modes.push('not deferrable');
      } else if (this.eatWords('deferrable')) {
        modes.push('deferrable');
      } else if (modes.length === 0) {
        return modes;
      } else {
        throw this.syntaxError();
      }
    } while (this.eatPunct(',') || (!this.atEnd() && this.peek().kind === 'word'));
    return modes;
  }

  /** SERIALIZABLE | STRICT SERIALIZABLE (Materialize) | REPEATABLE READ | READ COMMITTED | READ UNCOMMITTED */
  private parseIsolationLevel(): string {
    if (this.eatWords('serializable')) return 'serializable';
    if (this.eatWords('strict', 'serializable')) return 'strict serializable';
    if (this.eatWords('repeatable', 'read')) return 'repeatable read';
    if (this.eatWords('read')) {
      const level = this.eatOneOf('committed', 'uncommitted');
      if (level === undefined) throw this.syntaxError();
      return `read ${level}`;
    }
    throw this.syntaxError();
  }

}
