// Query parsing: WITH, set operations (INTERSECT binding tighter than UNION
// and EXCEPT), SELECT with its FROM/joins, VALUES, TABLE, ORDER BY, LIMIT,
// OFFSET and FETCH.
import type { Cte, Expr, FunctionCallExpr, Query, Select, SelectItem, SetExpr, TableAlias, TableRef, ValuesBody } from './ast.js';
import { CallParser } from './calls.js';
import { FUNCTION_NAME_ONLY } from './parser-base.js';

/** Keywords that end a select list's expression (nothing more to parse in it). */
const SELECT_LIST_END = new Set(['from', 'where', 'group', 'having', 'window', 'order', 'limit', 'offset', 'fetch',
  'union', 'intersect', 'except', 'into']);

export class QueryParser extends CallParser {
  parseQuery(): Query {
    return this.nested(() => {
      const pos = this.peek().start;
      const hasWith = this.eatWords('with');
      const recursive = hasWith && this.eatWords('recursive');
      const ctes = hasWith ? this.commaList(() => this.parseCte()) : [];
      const query: Query = { kind: 'query', with: ctes, body: this.parseSetExpr(0), orderBy: [], pos };
      if (recursive) query.withRecursive = true;
      if (this.eatClause('order', 'by')) query.orderBy = this.parseOrderByList();
      this.parseLimitOffset(query);
      return query;
    });
  }

  private parseCte(): Cte {
    const pos = this.peek().start;
    const name = this.parseIdent();
    const columns = this.isPunct('(') ? this.parseIdentList() : undefined;
    this.expectWords('as');
    if (!this.eatWords('materialized')) this.eatWords('not', 'materialized');
    this.expectPunct('(');
    const cte: Cte = { name, query: this.parseQuery(), pos };
    this.expectPunct(')');
    if (columns) cte.columns = columns;
    return cte;
  }

  /** LIMIT n | ALL, OFFSET n [ROW|ROWS], FETCH FIRST|NEXT [n] ROW|ROWS ONLY, in either order. */
  private parseLimitOffset(query: Query): void {
    while (true) {
      if (this.eatWords('limit')) {
        if (query.limit) throw this.syntaxError(this.tokens[this.index - 1]);
        if (!this.eatWords('all')) query.limit = this.parseExpr();
      } else if (this.eatWords('offset')) {
        if (query.offset) throw this.syntaxError(this.tokens[this.index - 1]);
        query.offset = this.parseExpr();
        this.eatOneOf('row', 'rows');
      } else if (this.isWord('fetch') && (this.isWord('first', 1) || this.isWord('next', 1))) {
        this.index += 2;
        const pos = this.peek().start;
        query.limit = this.isWord('row') || this.isWord('rows')
          ? { kind: 'literal', value: { type: 'number', text: '1' }, pos }
          : this.parseExpr();
        if (!this.eatOneOf('row', 'rows')) throw this.syntaxError();
        this.expectWords('only');
      } else {
        return;
      }
    }
  }

  /** Set operations by precedence climbing: UNION/EXCEPT = 1, INTERSECT = 2. */
  private parseSetExpr(minPrec: number): SetExpr {
    let left = this.parseSetOperand();
    while (true) {
      const t = this.peek();
      if (t.kind !== 'word') return left;
      const op = t.value;
      const prec = op === 'union' || op === 'except' ? 1 : op === 'intersect' ? 2 : 0;
      if (prec === 0 || prec < minPrec) return left;
      this.next();
      const all = this.eatOneOf('all', 'distinct') === 'all';
      const right = this.parseSetExpr(prec + 1);
      left = { kind: 'setOperation', op: op as 'union' | 'intersect' | 'except', all, left, right, pos: left.pos };
    }
  }

  private parseSetOperand(): SetExpr {
    const t = this.peek();
    const pos = t.start;
    if (this.isPunct('(')) {
      this.next();
      const query = this.parseQuery();
      this.expectPunct(')');
      return { kind: 'nested', query, pos };
    }
    if (this.isWord('select')) return this.parseSelect();
    if (this.isWord('values')) return this.parseValues();
    if (this.eatWords('table')) return { kind: 'table', name: this.parseObjectName(), pos };
    throw this.syntaxError();
  }

  /** VALUES (a, b), (c, d); DEFAULT cells become NULL placeholders listed in `defaultCells`. */
  protected parseValues(): ValuesBody {
    const pos = this.next().start;
    const values: ValuesBody = { kind: 'values', rows: [], pos };
    const defaults: { row: number; column: number }[] = [];
    do {
      const row = values.rows.length;
      let column = 0;
      values.rows.push(
        this.parenList((): Expr => {
          const at = this.peek().start;
          const cell = column++;
          if (this.isWord('default') && (this.isPunct(',', 1) || this.isPunct(')', 1))) {
            this.next();
            defaults.push({ row, column: cell });
            return { kind: 'literal', value: { type: 'null' }, pos: at };
          }
          return this.parseExpr();
        }),
      );
    } while (this.eatPunct(','));
    if (defaults.length > 0) values.defaultCells = defaults;
    return values;
  }

  private parseSelect(): Select {
    const pos = this.next().start;
    const select: Select = { kind: 'select', projection: [], from: [], groupBy: [], pos };
    if (this.eatWords('distinct')) {
      select.distinct = {};
      if (this.eatWords('on')) select.distinct.on = this.parenList(() => this.parseExpr());
    } else {
      this.eatWords('all');
    }
    if (!this.selectListEnds()) select.projection = this.commaList(() => this.parseSelectItem());
    if (this.eatWords('from')) select.from = this.commaList(() => this.parseTableRef());
    if (this.eatWords('where')) select.where = this.parseExpr();
    if (this.eatClause('group', 'by')) {
      this.eatOneOf('all', 'distinct'); // the set quantifier only matters for grouping sets
      select.groupBy = this.commaList(() => this.parseExpr());
    }
    if (this.eatWords('having')) select.having = this.parseExpr();
    if (this.eatWords('window')) {
      select.windows = this.commaList(() => {
        const name = this.parseIdent();
        this.expectWords('as');
        return { name, spec: this.parseWindowSpec() };
      });
    }
    return select;
  }

  private selectListEnds(): boolean {
    const t = this.peek();
    if (this.atEnd() || this.isPunct(')')) return true;
    return t.kind === 'word' && SELECT_LIST_END.has(t.value);
  }

  /** `*`, `t.*`, `expr [AS] alias`. */
  protected parseSelectItem(): SelectItem {
    const pos = this.peek().start;
    if (this.eatOp('*')) return { kind: 'wildcard', pos };
    const qualifier = this.wildcardQualifierLength();
    if (qualifier > 0) {
      const parts: string[] = [];
      for (let i = 0; i < qualifier; i++) {
        parts.push(this.next().value);
        this.next(); // '.'
      }
      this.next(); // '*'
      return { kind: 'wildcard', qualifier: parts, pos };
    }
    const expr = this.parseExpr();
    const alias = this.parseColumnAlias();
    return alias === undefined ? { kind: 'expr', expr, pos } : { kind: 'expr', expr, alias, pos };
  }

  /** Number of name parts before `.*` at the cursor (0 when this is not a qualified wildcard). */
  private wildcardQualifierLength(): number {
    let i = 0;
    while (true) {
      const t = this.peek(i);
      if (t.kind !== 'word' && t.kind !== 'quotedIdent') return 0;
      if (!this.isPunct('.', i + 1)) return 0;
      if (this.isOp('*', i + 2)) return i / 2 + 1;
      i += 2;
    }
  }

  private parseColumnAlias(): string | undefined {
    if (this.isWords('as', 'of')) return undefined; // AS OF <timestamp> ends the query
    if (this.eatWords('as')) return this.parseAnyIdent();
    if (this.isBareAlias()) return this.next().value;
    return undefined;
  }

  // -------------------------------------------------------------------- FROM

  protected parseTableRef(): TableRef {
    return this.nested(() => {
      let left = this.parseTablePrimary();
      while (true) {
        const pos = left.pos;
        if (this.eatClause('cross', 'join')) {
          left = { kind: 'join', joinType: 'cross', left, right: this.parseTablePrimary(), natural: false, pos };
          continue;
        }
        const natural = this.eatWords('natural');
        const joinType = this.parseJoinType();
        if (joinType === undefined) {
          if (natural) throw this.syntaxError();
          return left;
        }
        const right = this.parseTablePrimary();
        const join: TableRef = { kind: 'join', joinType, left, right, natural, pos };
        if (!natural) {
          if (this.eatWords('on')) join.on = this.parseExpr();
          else if (this.eatWords('using')) {
            join.using = this.parseIdentList();
            if (this.isWords('as') && !this.isWords('as', 'of') && this.eatWords('as')) join.usingAlias = this.parseAnyIdent();
          }
          else throw this.syntaxError();
        }
        left = join;
      }
    });
  }

  /** JOIN, INNER JOIN, LEFT|RIGHT|FULL [OUTER] JOIN; a join keyword commits to a join. */
  private parseJoinType(): 'inner' | 'left' | 'right' | 'full' | undefined {
    if (this.eatWords('join') || this.eatClause('inner', 'join')) return 'inner';
    const side = this.eatOneOf('left', 'right', 'full');
    if (side === undefined) return undefined;
    this.eatWords('outer');
    this.expectWords('join');
    return side as 'left' | 'right' | 'full';
  }

  private parseTablePrimary(): TableRef {
    const pos = this.peek().start;
    const lateral = this.eatWords('lateral');
    if (this.isPunct('(')) {
      if (this.startsQuery(1)) {
        this.next();
        const query = this.parseQuery();
        this.expectPunct(')');
        const ref: TableRef = { kind: 'subquery', query, lateral, pos };
        const alias = this.parseTableAlias();
        if (alias) ref.alias = alias;
        return ref;
      }
      if (lateral) throw this.syntaxError();
      this.next();
      const inner = this.parseTableRef();
      this.expectPunct(')');
      return inner;
    }
    if (this.isWord('rows') && this.isWord('from', 1)) {
      this.index += 2;
      this.expectPunct('(');
      const name = this.parseObjectName();
      const call = this.parseCallTail(name);
      this.expectPunct(')');
      return this.finishTableFunction(call, lateral, pos);
    }
    if (this.peek().kind === 'word' && FUNCTION_NAME_ONLY.has(this.peek().value)) {
      // left(...) and friends can only be table functions here
      const name = { parts: [this.next().value], pos };
      return this.finishTableFunction(this.parseCallTail(name), lateral, pos);
    }
    const name = this.parseObjectName();
    if (this.isPunct('(')) return this.finishTableFunction(this.parseCallTail(name), lateral, pos);
    if (lateral) throw this.syntaxError();
    const ref: TableRef = { kind: 'table', name, pos };
    const alias = this.parseTableAlias();
    if (alias) ref.alias = alias;
    return ref;
  }

  private finishTableFunction(call: FunctionCallExpr, lateral: boolean, pos: number): TableRef {
    const withOrdinality = this.eatWords('with', 'ordinality');
    const ref: TableRef = { kind: 'function', call, withOrdinality, lateral, pos };
    const alias = this.parseTableAlias();
    if (alias) ref.alias = alias;
    return ref;
  }

  /** `[AS] name [(col, ...)]` */
  private parseTableAlias(): TableAlias | undefined {
    let name: string;
    if (this.isWords('as', 'of')) return undefined; // AS OF <timestamp> ends the query
    if (this.eatWords('as')) name = this.parseIdent();
    else if (this.isBareAlias()) name = this.next().value;
    else return undefined;
    const columns = this.isPunct('(') ? this.parseIdentList() : [];
    return { name, columns };
  }
}
