// CREATE / DROP / ALTER statements for catalog objects (tables, views,
// materialized views, indexes, secrets, connections, sources, schemas, databases).
import type {
  AlterConnectionStatement,
  ColumnDef,
  CreateIndexStatement,
  CreateTableStatement,
  CreateViewStatement,
  DataType,
  Expr,
  ObjectType,
  Statement,
} from './ast.js';
import { Prec } from './expression.js';
import { SourceParser } from './source.js';

/** Object type keywords (after DROP / ALTER / SHOW CREATE) -> ObjectType. */
const OBJECT_TYPE_WORDS: Record<string, ObjectType> = {
  table: 'table',
  view: 'view',
  source: 'source',
  index: 'index',
  secret: 'secret',
  connection: 'connection',
  schema: 'schema',
  database: 'database',
  cluster: 'cluster',
  type: 'type',
  sink: 'sink',
};

/** Objects Materialize or PostgreSQL can create that Freshet does not (a clear 0A000, not a syntax error). */
const UNSUPPORTED_CREATE = ['sink', 'cluster', 'role', 'user', 'function', 'sequence', 'trigger', 'extension'];

export class DdlParser extends SourceParser {
  /** `MATERIALIZED VIEW`, `TABLE`, ... at the cursor, or undefined. */
  protected parseObjectType(): ObjectType | undefined {
    if (this.eatWords('materialized', 'view')) return 'materialized view';
    const t = this.peek();
    const type = t.kind === 'word' ? OBJECT_TYPE_WORDS[t.value] : undefined;
    if (type !== undefined) this.next();
    return type;
  }

  /** After CREATE TYPE: `name AS LIST (...)`, `name AS MAP (...)` or `name AS (field type, ...)`. */
  private parseCreateType(pos: number): Statement {
    const name = this.parseObjectName();
    this.expectWords('as');
    const typeOptions = (): { name: string; type: DataType }[] =>
      this.parenList(() => {
        const words: string[] = [];
        while (this.peek().kind === 'word') words.push(this.next().value);
        if (words.length === 0) throw this.syntaxError();
        this.eatOp('=');
        return { name: words.join(' '), type: this.parseDataType() };
      });
    if (this.eatWords('list')) return { kind: 'createType', name, definition: { kind: 'list', options: typeOptions() }, pos };
    if (this.eatWords('map')) return { kind: 'createType', name, definition: { kind: 'map', options: typeOptions() }, pos };
    const fields = this.parenList(() => ({ name: this.parseAnyIdent(), type: this.parseDataType() }));
    return { kind: 'createType', name, definition: { kind: 'record', fields }, pos };
  }

  /** After CREATE. */
  protected parseCreate(pos: number): Statement {
    const orReplace = this.eatWords('or', 'replace');
    const temporary = this.eatOneOf('temp', 'temporary') !== undefined;
    if (this.eatWords('materialized', 'view')) return this.parseCreateView(pos, { orReplace, temporary, materialized: true });
    if (this.eatWords('view')) return this.parseCreateView(pos, { orReplace, temporary, materialized: false });
    if (orReplace) throw this.syntaxError();
    if (this.eatWords('table')) return this.parseCreateTable(pos, temporary);
    if (temporary) throw this.syntaxError();
    if (this.eatWords('default', 'index')) return this.parseCreateIndex(pos, true);
    if (this.eatWords('index')) return this.parseCreateIndex(pos, false);
    if (this.eatWords('source')) return this.parseCreateSource(pos);
    if (this.eatWords('type')) return this.parseCreateType(pos);
    if (this.eatWords('secret')) {
      const ifNotExists = this.eatWords('if', 'not', 'exists');
      const name = this.parseObjectName();
      this.expectWords('as');
      return { kind: 'createSecret', name, ifNotExists, value: this.parseExpr(), pos };
    }
    if (this.eatWords('connection')) {
      const ifNotExists = this.eatWords('if', 'not', 'exists');
      const name = this.parseObjectName();
      this.expectWords('to');
      const typeWords: string[] = [];
      while (this.peek().kind === 'word') typeWords.push(this.next().value);
      if (typeWords.length === 0) throw this.syntaxError();
      const options = this.parseOptionList();
      return {
        kind: 'createConnection',
        name,
        ifNotExists,
        connectionType: typeWords.join(' '),
        options,
        withOptions: this.parseWithOptions(),
        pos,
      };
    }
    if (this.eatWords('schema')) {
      const ifNotExists = this.eatWords('if', 'not', 'exists');
      return { kind: 'createSchema', name: this.parseObjectName(), ifNotExists, pos };
    }
    if (this.eatWords('database')) {
      const ifNotExists = this.eatWords('if', 'not', 'exists');
      return { kind: 'createDatabase', name: this.parseIdent(), ifNotExists, pos };
    }
    const unsupported = this.eatOneOf(...UNSUPPORTED_CREATE);
    if (unsupported !== undefined) throw this.notSupported(`CREATE ${unsupported.toUpperCase()}`, pos);
    throw this.syntaxError();
  }

  private parseCreateTable(pos: number, temporary: boolean): CreateTableStatement {
    const ifNotExists = this.eatWords('if', 'not', 'exists');
    const name = this.parseObjectName();
    if (this.isWord('as')) throw this.notSupported('CREATE TABLE ... AS', this.peek().start);
    const stmt: CreateTableStatement = {
      kind: 'createTable',
      name,
      columns: [],
      ifNotExists,
      temporary,
      constraints: [],
      withOptions: [],
      pos,
    };
    if (this.eatWords('from', 'source')) {
      const source = this.parseObjectName();
      const fromSource: NonNullable<CreateTableStatement['fromSource']> = { source, include: [] };
      if (this.isPunct('(') && this.isWord('reference', 1)) {
        this.index += 2;
        this.eatOp('=');
        fromSource.reference = this.parseObjectName();
        this.expectPunct(')');
      }
      this.parseDecoding(fromSource);
      stmt.fromSource = fromSource;
      stmt.withOptions = this.parseWithOptions();
      return stmt;
    }
    this.expectPunct('(');
    if (!this.isPunct(')')) {
      do {
        if (!this.parseTableConstraint(stmt)) stmt.columns.push(this.parseColumnDef(stmt));
      } while (this.eatPunct(','));
    }
    this.expectPunct(')');
    // Table constraints written after the columns they name still imply NOT NULL for a primary key.
    for (const constraint of stmt.constraints) {
      if (constraint.kind !== 'primaryKey') continue;
      for (const column of stmt.columns) if (constraint.columns.includes(column.name)) column.notNull = true;
    }
    stmt.withOptions = this.parseWithOptions();
    return stmt;
  }

  /** `[CONSTRAINT name] PRIMARY KEY (cols) | UNIQUE (cols)`; false if the cursor is at a column. */
  private parseTableConstraint(stmt: CreateTableStatement): boolean {
    const start = this.index;
    if (this.eatWords('constraint')) this.parseIdent();
    if (this.eatWords('primary', 'key')) {
      stmt.constraints.push({ kind: 'primaryKey', columns: this.parseIdentList() });
      return true;
    }
    if (this.eatWords('unique')) {
      this.eatWords('nulls', 'not', 'distinct');
      stmt.constraints.push({ kind: 'unique', columns: this.parseIdentList() });
      return true;
    }
    if (this.index !== start) throw this.syntaxError();
    return false;
  }

  private parseColumnDef(stmt: CreateTableStatement): ColumnDef {
    const pos = this.peek().start;
    const name = this.parseIdent();
    const column: ColumnDef = { name, dataType: this.parseDataType(), notNull: false, pos };
    while (true) {
      if (this.eatWords('constraint')) this.parseIdent();
      if (this.eatWords('not', 'null')) column.notNull = true;
      else if (this.eatWords('null')) column.notNull = false;
      else if (this.eatWords('default')) {
        const start = this.peek().start;
        column.defaultValue = this.parseExprAbove(Prec.comparison);
        column.defaultText = this.sql.slice(start, this.tokens[this.index - 1]!.end);
      }
      else if (this.eatWords('primary', 'key')) {
        column.notNull = true;
        stmt.constraints.push({ kind: 'primaryKey', columns: [name] });
      } else if (this.eatWords('unique')) stmt.constraints.push({ kind: 'unique', columns: [name] });
      else if (this.eatWords('collate')) this.parseObjectName();
      else return column;
    }
  }

  private parseCreateView(
    pos: number,
    flags: { orReplace: boolean; temporary: boolean; materialized: boolean },
  ): CreateViewStatement {
    const ifNotExists = this.eatWords('if', 'not', 'exists');
    const name = this.parseObjectName();
    const columns = this.isPunct('(') ? this.parseIdentList() : [];
    const inCluster = this.parseInCluster();
    const withOptions = this.parseWithOptions();
    this.expectWords('as');
    const query = this.parseQuery();
    const stmt: CreateViewStatement = { kind: 'createView', name, columns, query, ...flags, ifNotExists, withOptions, pos };
    if (inCluster !== undefined) stmt.inCluster = inCluster;
    return stmt;
  }

  /** After CREATE [DEFAULT] INDEX: `[IF NOT EXISTS] [name] [IN CLUSTER c] ON obj [(exprs)] [WITH (...)]`. */
  private parseCreateIndex(pos: number, isDefault: boolean): CreateIndexStatement {
    const ifNotExists = this.eatWords('if', 'not', 'exists');
    let name: string | undefined;
    if (!isDefault && !this.isWord('on') && !this.isWords('in', 'cluster')) name = this.parseIdent();
    const inCluster = this.parseInCluster();
    this.expectWords('on');
    const on = this.parseObjectName();
    if (this.eatWords('using')) this.parseIdent(); // USING arrangement: the only kind
    let keys: Expr[] = [];
    if (!isDefault || this.isPunct('(')) keys = this.parenList(() => this.parseExpr());
    const stmt: CreateIndexStatement = { kind: 'createIndex', on, keys, isDefault, ifNotExists, withOptions: [], pos };
    if (name !== undefined) stmt.name = name;
    if (inCluster !== undefined) stmt.inCluster = inCluster;
    stmt.withOptions = this.parseWithOptions();
    return stmt;
  }

  /** After DROP. */
  protected parseDrop(pos: number): Statement {
    const objectType = this.parseObjectType();
    if (objectType === undefined) {
      const unsupported = this.eatOneOf(...UNSUPPORTED_CREATE, 'owned');
      if (unsupported !== undefined) throw this.notSupported(`DROP ${unsupported.toUpperCase()}`, pos);
      throw this.syntaxError();
    }
    const ifExists = this.eatWords('if', 'exists');
    const names = this.commaList(() => this.parseObjectName());
    const behavior = this.eatOneOf('cascade', 'restrict');
    return { kind: 'drop', objectType, names, ifExists, cascade: behavior === 'cascade', pos };
  }

  /** After ALTER. */
  protected parseAlter(pos: number): Statement {
    const objectType = this.parseObjectType();
    if (objectType === undefined) throw this.syntaxError();
    const ifExists = this.eatWords('if', 'exists');
    const name = this.parseObjectName();
    if (this.eatWords('rename', 'to')) {
      return { kind: 'alterRename', objectType, name, newName: this.parseIdent(), ifExists, pos };
    }
    if (objectType === 'secret') {
      this.expectWords('as');
      return { kind: 'alterSecret', name, ifExists, value: this.parseExpr(), pos };
    }
    if (objectType === 'connection') return this.parseAlterConnection(pos, name, ifExists);
    // ALTER TABLE t ADD COLUMN ..., ALTER VIEW v OWNER TO ...: valid elsewhere, not implemented here.
    const action = this.peek();
    if (action.kind === 'word') throw this.notSupported(`ALTER ${objectType.toUpperCase()} ... ${action.value.toUpperCase()}`, action.start);
    throw this.syntaxError();
  }

  private parseAlterConnection(
    pos: number,
    name: AlterConnectionStatement['name'],
    ifExists: boolean,
  ): AlterConnectionStatement {
    const stmt: AlterConnectionStatement = { kind: 'alterConnection', name, ifExists, actions: [], withOptions: [], pos };
    do {
      if (this.eatWords('set')) {
        for (const option of this.parseOptionList()) stmt.actions.push({ kind: 'set', option });
      } else if (this.eatOneOf('reset', 'drop')) {
        for (const option of this.parseOptionList()) stmt.actions.push({ kind: 'drop', name: option.name });
      } else if (this.eatWords('rotate', 'keys')) {
        stmt.actions.push({ kind: 'rotateKeys' });
      } else {
        throw this.syntaxError();
      }
    } while (this.eatPunct(','));
    stmt.withOptions = this.parseWithOptions();
    return stmt;
  }
}
