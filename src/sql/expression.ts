// Expression parsing by precedence climbing, with PostgreSQL's operator
// precedence (gram.y), plus the primary forms (CASE, CAST, typed literals,
// subqueries, ARRAY/LIST/MAP/ROW constructors). Call syntax is in calls.ts.
import type { Expr, FunctionCallExpr, LiteralValue, ObjectName, OperatorPosition, Query } from './ast.js';
import { TypeParser } from './datatype.js';
import { FUNCTION_NAME_ONLY, RESERVED } from './parser-base.js';
import { SqlError, SqlState } from '../repr/errors.js';

/** The most parameters a statement can have: the wire protocol counts them in an Int16. */
export const MAX_PARAMETERS = 65535;

/** Binding strength of operators, weakest first (PostgreSQL's table, gram.y). */
export const Prec = {
  lowest: 0,
  or: 1,
  and: 2,
  not: 3,
  is: 4,
  comparison: 5,
  like: 6, // BETWEEN, IN, LIKE, ILIKE
  other: 7, // every other operator: ||, ->, @>, ...
  additive: 8,
  multiplicative: 9,
  exponent: 10,
  atTimeZone: 11,
  collate: 12,
  unary: 13,
  postfix: 14, // [subscript], .field, ::cast
} as const;

const COMPARISON_OPS = new Set(['<', '>', '=', '<=', '>=', '<>', '!=']);
/** Operators PostgreSQL's grammar only knows as infix (every other symbol may also be a prefix operator). */
const NOT_PREFIX_OPS = new Set([...COMPARISON_OPS, '*', '/', '%', '^', '=>']);
const LIKE_OPS: Record<string, { negated: boolean; caseInsensitive: boolean }> = {
  '~~': { negated: false, caseInsensitive: false },
  '!~~': { negated: true, caseInsensitive: false },
  '~~*': { negated: false, caseInsensitive: true },
  '!~~*': { negated: true, caseInsensitive: true },
};

/** Keywords written without parentheses that stand for zero-argument calls. */
const NILADIC_FUNCTIONS = new Set([
  'current_date', 'current_timestamp', 'localtimestamp', 'current_time', 'localtime', 'current_user',
  'session_user', 'current_role', 'current_catalog', 'current_schema', 'user',
]);

/** Words starting a query: (SELECT ...), (WITH ...), (VALUES ...), (TABLE t). */
const QUERY_START = new Set(['select', 'with', 'values', 'table']);

export abstract class ExpressionParser extends TypeParser {
  /** Implemented by the query layer: a full query (WITH ... ORDER BY ... LIMIT ...). */
  abstract parseQuery(): Query;

  parseExpr(): Expr {
    return this.parseExprAbove(Prec.lowest);
  }

  /** Parses an expression containing only operators binding at least as tight as `minPrec`. */
  protected parseExprAbove(minPrec: number): Expr {
    return this.nested(() => this.parseInfix(this.parsePrefix(minPrec), minPrec));
  }

  /** True when the tokens from `ahead` on open a query, possibly behind more parentheses. */
  protected startsQuery(ahead = 0): boolean {
    let i = ahead;
    while (this.isPunct('(', i)) i++;
    const t = this.peek(i);
    return t.kind === 'word' && QUERY_START.has(t.value);
  }

  // ------------------------------------------------------------------ prefix

  private parsePrefix(minPrec: number): Expr {
    const t = this.peek();
    const pos = t.start;
    if (t.kind === 'word' && t.value === 'not' && minPrec <= Prec.not) {
      this.next();
      return { kind: 'unary', op: 'not', expr: this.parseExprAbove(Prec.not), pos };
    }
    if (t.kind === 'op') {
      if (t.value === '-' || t.value === '+') {
        this.next();
        // -1 stays a negation of the literal 1; consumers fold it where they need a constant.
        const operand = this.parseExprAbove(Prec.unary);
        return { kind: 'unary', op: t.value, expr: operand, pos };
      }
      if (!NOT_PREFIX_OPS.has(t.value)) {
        this.next();
        return { kind: 'unary', op: t.value, expr: this.parseExprAbove(Prec.other + 1), pos };
      }
    }
    return this.parsePrimary();
  }

  // ------------------------------------------------------------------- infix

  /** Continues an expression whose first operand is `left`. */
  protected parseInfix(left: Expr, minPrec: number): Expr {
    let lastNonAssoc = -1;
    while (true) {
      const t = this.peek();
      const pos = left.pos;
      // Postfix forms binding tightest.
      if (t.kind === 'punct' && t.value === '::') {
        this.next();
        left = { kind: 'cast', expr: left, dataType: this.parseDataType(), pos };
        continue;
      }
      if (t.kind === 'punct' && t.value === '[') {
        left = this.parseSubscript(left);
        continue;
      }
      // `.field` / `.*` only after a parenthesized expression, a call or a subscript: (r).f, a[1].key.
      if (t.kind === 'punct' && t.value === '.' && (this.followsCloser() || left.kind === 'fieldAccess')) {
        this.next();
        if (this.eatOp('*')) left = { kind: 'wildcardAccess', expr: left, pos };
        else left = { kind: 'fieldAccess', expr: left, field: this.parseAnyIdent(), pos };
        continue;
      }
      const prec = this.infixPrecedence();
      if (prec === undefined || prec < minPrec) return left;
      if ((prec === Prec.comparison || prec === Prec.like) && prec === lastNonAssoc) throw this.syntaxError();
      lastNonAssoc = prec === Prec.comparison || prec === Prec.like ? prec : -1;
      const opPos = this.peek().start;
      const combined: Expr & OperatorPosition = this.parseInfixOperator(left, prec);
      combined.opPos = opPos;
      left = combined;
    }
  }

  /** True when the token before the cursor is `)` or `]`. */
  private followsCloser(): boolean {
    const previous = this.tokens[this.index - 1];
    return previous !== undefined && previous.kind === 'punct' && (previous.value === ')' || previous.value === ']');
  }

  /** Precedence of the operator at the cursor, or undefined if none continues the expression. */
  private infixPrecedence(): number | undefined {
    const t = this.peek();
    if (t.kind === 'op') {
      if (t.value === '=>') return undefined;
      if (COMPARISON_OPS.has(t.value)) return Prec.comparison;
      if (t.value === '+' || t.value === '-') return Prec.additive;
      if (t.value === '*' || t.value === '/' || t.value === '%') return Prec.multiplicative;
      if (t.value === '^') return Prec.exponent;
      return Prec.other;
    }
    if (t.kind !== 'word') return undefined;
    switch (t.value) {
      case 'or':
        return Prec.or;
      case 'and':
        return Prec.and;
      case 'is':
      case 'isnull':
      case 'notnull':
        return Prec.is;
      case 'between':
      case 'in':
      case 'like':
      case 'ilike':
        return Prec.like;
      case 'similar':
        return this.isWord('to', 1) ? Prec.like : undefined;
      case 'not': {
        const n = this.peek(1);
        return n.kind === 'word' && ['between', 'in', 'like', 'ilike', 'similar'].includes(n.value) ? Prec.like : undefined;
      }
      case 'at':
        return this.isWord('time', 1) ? Prec.atTimeZone : undefined;
      case 'collate':
        return Prec.collate;
      case 'operator':
        return this.isPunct('(', 1) ? Prec.other : undefined;
      default:
        return undefined;
    }
  }

  /** `OPERATOR(pg_catalog.~)` (as psql writes operators): the operator symbol, schema dropped. */
  private parseOperatorSyntax(): string {
    this.expectPunct('(');
    while (this.peek().kind === 'word' || this.peek().kind === 'quotedIdent') {
      this.next();
      this.expectPunct('.');
    }
    const op = this.next();
    if (op.kind !== 'op') throw this.syntaxError(op);
    this.expectPunct(')');
    return op.value;
  }

  private parseInfixOperator(left: Expr, prec: number): Expr {
    const t = this.next();
    const pos = left.pos;
    if (t.kind === 'op') {
      const op = t.value === '!=' ? '<>' : t.value;
      const quantified = this.parseQuantified(left, op);
      if (quantified) return quantified;
      const right = this.parseExprAbove(prec + 1);
      const like = LIKE_OPS[op];
      if (like) return { kind: 'like', expr: left, pattern: right, negated: like.negated, caseInsensitive: like.caseInsensitive, pos };
      return { kind: 'binary', op, left, right, pos };
    }
    switch (t.value) {
      case 'or':
      case 'and':
        return { kind: 'binary', op: t.value, left, right: this.parseExprAbove(prec + 1), pos };
      case 'isnull':
        return { kind: 'is', expr: left, test: 'null', negated: false, pos };
      case 'notnull':
        return { kind: 'is', expr: left, test: 'null', negated: true, pos };
      case 'is':
        return this.parseIsTail(left);
      case 'at':
        this.expectWords('time', 'zone');
        return { kind: 'atTimeZone', expr: left, zone: this.parseExprAbove(Prec.collate), pos };
      case 'collate':
        return { kind: 'collate', expr: left, collation: this.parseObjectName(), pos };
      case 'operator': {
        const op = this.parseOperatorSyntax();
        return { kind: 'binary', op, left, right: this.parseExprAbove(prec + 1), pos };
      }
      case 'not':
        return this.parseLikeFamily(this.next().value, left, true);
      default:
        return this.parseLikeFamily(t.value, left, false);
    }
  }

  /** `op ANY|SOME|ALL (subquery | array)` after the operator. */
  private parseQuantified(left: Expr, op: string): Expr | undefined {
    const t = this.peek();
    // ANY, SOME and ALL are reserved: after an operator they can only start a quantified operand.
    if (t.kind !== 'word' || !['any', 'some', 'all'].includes(t.value)) return undefined;
    this.next();
    const quantifier = t.value === 'all' ? 'all' : 'any';
    this.expectPunct('(');
    const pos = left.pos;
    const contents = this.parseParenthesizedContents();
    if ('query' in contents) return { kind: 'quantifiedSubquery', left, op, quantifier, query: contents.query, pos };
    if (contents.exprs.length !== 1) throw this.syntaxError(this.tokens[this.index - 1]);
    return { kind: 'quantifiedArray', left, op, quantifier, array: contents.exprs[0], pos };
  }

  private parseIsTail(left: Expr): Expr {
    const pos = left.pos;
    const negated = this.eatWords('not');
    const t = this.next();
    if (t.kind === 'word') {
      switch (t.value) {
        case 'null':
        case 'true':
        case 'false':
        case 'unknown':
          return { kind: 'is', expr: left, test: t.value, negated, pos };
        case 'distinct':
          this.expectWords('from');
          return { kind: 'isDistinctFrom', left, right: this.parseExprAbove(Prec.is + 1), negated, pos };
      }
    }
    throw this.syntaxError(t);
  }

  private parseLikeFamily(keyword: string, left: Expr, negated: boolean): Expr {
    const pos = left.pos;
    switch (keyword) {
      case 'between': {
        const symmetric = this.eatOneOf('symmetric', 'asymmetric') === 'symmetric';
        const low = this.parseExprAbove(Prec.other);
        this.expectWords('and');
        const high = this.parseExprAbove(Prec.other);
        return { kind: 'between', expr: left, low, high, negated, symmetric, pos };
      }
      case 'in': {
        this.expectPunct('(');
        const contents = this.parseParenthesizedContents();
        if ('query' in contents) return { kind: 'inSubquery', expr: left, query: contents.query, negated, pos };
        return { kind: 'inList', expr: left, list: contents.exprs, negated, pos };
      }
      case 'like':
      case 'ilike': {
        // x [NOT] LIKE ANY|ALL (...): the quantified form of the ~~ operators.
        const quantified = this.parseQuantified(left, (negated ? '!' : '') + (keyword === 'ilike' ? '~~*' : '~~'));
        if (quantified) return quantified;
        const pattern = this.parseExprAbove(Prec.other);
        const escape = this.eatWords('escape') ? this.parseExprAbove(Prec.other) : undefined;
        const like: Expr = { kind: 'like', expr: left, pattern, negated, caseInsensitive: keyword === 'ilike', pos };
        if (escape) like.escape = escape;
        return like;
      }
      case 'similar':
        // Recognized so that users get a clear answer rather than a syntax error.
        throw this.notSupported('SIMILAR TO', this.tokens[this.index - 1].start);
      default:
        throw this.syntaxError();
    }
  }

  /** x[i], x[a:b], x[:b], x[a:]. */
  private parseSubscript(expr: Expr): Expr {
    this.expectPunct('[');
    const pos = expr.pos;
    const start = this.isPunct(':') ? undefined : this.parseExpr();
    if (this.eatPunct(':')) {
      const end = this.isPunct(']') ? undefined : this.parseExpr();
      this.expectPunct(']');
      const slice: { start?: Expr; end?: Expr } = {};
      if (start) slice.start = start;
      if (end) slice.end = end;
      return { kind: 'subscript', expr, slice, pos };
    }
    this.expectPunct(']');
    if (!start) throw this.syntaxError();
    return { kind: 'subscript', expr, index: start, pos };
  }

  // ----------------------------------------------------------------- primary

  private parsePrimary(): Expr {
    const t = this.peek();
    const pos = t.start;
    switch (t.kind) {
      case 'number':
        this.next();
        return { kind: 'literal', value: { type: 'number', text: t.value }, pos };
      case 'string':
        this.next();
        return { kind: 'literal', value: { type: 'string', value: t.value }, pos };
      case 'hexString':
        this.next();
        return { kind: 'literal', value: { type: 'hexString', value: t.value }, pos };
      case 'param': {
        this.next();
        // The protocol binds at most 65535 parameters (an Int16 count): a
        // larger number can never have a value (and must not size an array).
        const index = Number(t.value);
        if (!(index >= 1 && index <= MAX_PARAMETERS)) {
          throw new SqlError(SqlState.undefinedParameter, `there is no parameter $${t.value}`, { position: pos + 1 });
        }
        return { kind: 'parameter', index, pos };
      }
      case 'punct':
        if (t.value === '(') return this.parseParenthesized();
        throw this.syntaxError();
      case 'quotedIdent':
        return this.parseNameOrCall();
      case 'word':
        return this.parseWordPrimary();
      default:
        throw this.syntaxError();
    }
  }

  private parseWordPrimary(): Expr {
    const t = this.peek();
    const pos = t.start;
    const word = t.value;
    const callFollows = this.isPunct('(', 1);
    switch (word) {
      case 'true':
      case 'false':
        this.next();
        return { kind: 'literal', value: { type: 'boolean', value: word === 'true' }, pos };
      case 'null':
        this.next();
        return { kind: 'literal', value: { type: 'null' }, pos };
      case 'case':
        return this.parseCase();
      case 'cast': {
        this.next();
        this.expectPunct('(');
        const expr = this.parseExpr();
        this.expectWords('as');
        const dataType = this.parseDataType();
        this.expectPunct(')');
        return { kind: 'cast', expr, dataType, pos };
      }
      case 'exists': {
        if (!callFollows) break;
        this.next();
        this.expectPunct('(');
        const query = this.parseQuery();
        this.expectPunct(')');
        return { kind: 'exists', query, pos };
      }
      case 'array':
        return this.parseCollectionConstructor('array');
      case 'list':
        if (callFollows || this.isPunct('[', 1)) return this.parseCollectionConstructor('list');
        break;
      case 'map':
        if (this.isPunct('[', 1)) return this.parseMap();
        break;
      case 'row':
        if (!callFollows) break;
        this.next();
        return { kind: 'row', elements: this.parseOptionalExprList(), explicit: true, pos };
      case 'extract':
      case 'substring':
      case 'position':
      case 'trim':
      case 'overlay':
        // With no arguments these are ordinary calls (and fail later as such).
        if (callFollows && !this.isPunct(')', 2)) return this.parseSpecialCall(word);
        break;
    }
    if (NILADIC_FUNCTIONS.has(word) && !(callFollows && (word === 'current_schema' || word === 'user'))) {
      this.next();
      // CURRENT_TIMESTAMP(3) and friends take an optional precision.
      const args = this.isPunct('(') && this.peek(1).kind === 'number' ? this.parenList(() => this.parseExpr()) : [];
      return this.call(word === 'user' ? 'current_user' : word, args, pos);
    }
    const typed = this.tryTypedLiteral();
    if (typed) return typed;
    if (RESERVED.has(word)) throw this.syntaxError();
    if (FUNCTION_NAME_ONLY.has(word) && !callFollows) {
      // only a call can follow: PostgreSQL reports the token where '(' was expected
      this.next();
      throw this.syntaxError();
    }
    return this.parseNameOrCall();
  }

  /** `DATE '2020-01-01'`, `INTERVAL '1' DAY`, `TIMESTAMP WITH TIME ZONE '...'`, `int4 '1'`. */
  private tryTypedLiteral(): Expr | undefined {
    const start = this.index;
    const pos = this.peek().start;
    const special = this.startsSpecialTypeName();
    if (!special && this.peek(1).kind !== 'string') return undefined;
    if (!special && RESERVED.has(this.peek().value)) return undefined;
    let dataType;
    try {
      dataType = this.parseDataType();
    } catch {
      this.index = start;
      return undefined;
    }
    const literal = this.peek();
    if (literal.kind !== 'string') {
      this.index = start;
      return undefined;
    }
    this.next();
    const value: LiteralValue = { type: 'typedString', dataType, value: literal.value };
    if (dataType.kind === 'named' && dataType.name === 'interval') {
      const qualifier = this.parseIntervalQualifier();
      if (qualifier) value.intervalQualifier = qualifier;
    }
    return { kind: 'literal', value, pos };
  }

  /** (expr), (a, b) row, or (subquery). */
  private parseParenthesized(): Expr {
    const open = this.expectPunct('(');
    const contents = this.parseParenthesizedContents();
    if ('query' in contents) return { kind: 'subquery', query: contents.query, pos: open.start };
    if (contents.exprs.length === 1) return contents.exprs[0];
    return { kind: 'row', elements: contents.exprs, explicit: false, pos: open.start };
  }

  /**
   * What follows an opening parenthesis up to and including the closing one: a
   * query, or a list of expressions. A query that turns out to be followed by an
   * operator or a comma was the first expression: `((SELECT 1) + 1)`, `IN ((SELECT 1), 2)`.
   */
  private parseParenthesizedContents(): { query: Query } | { exprs: Expr[] } {
    let first: Expr;
    if (this.startsQuery()) {
      const query = this.parseQuery();
      if (this.eatPunct(')')) return { query };
      if (query.body.kind !== 'nested' || query.with.length > 0 || query.orderBy.length > 0 || query.limit || query.offset) {
        throw this.syntaxError();
      }
      const inner = query.body;
      first = this.parseInfix({ kind: 'subquery', query: inner.query, pos: inner.pos }, Prec.lowest);
    } else {
      first = this.parseExpr();
    }
    const exprs = [first];
    while (this.eatPunct(',')) exprs.push(this.parseExpr());
    this.expectPunct(')');
    return { exprs };
  }

  private parseOptionalExprList(): Expr[] {
    this.expectPunct('(');
    if (this.eatPunct(')')) return [];
    const list = this.commaList(() => this.parseExpr());
    this.expectPunct(')');
    return list;
  }

  private parseCase(): Expr {
    const pos = this.next().start;
    const operand = this.isWord('when') ? undefined : this.parseExpr();
    const whens: { condition: Expr; result: Expr }[] = [];
    while (this.eatWords('when')) {
      const condition = this.parseExpr();
      this.expectWords('then');
      whens.push({ condition, result: this.parseExpr() });
    }
    if (whens.length === 0) throw this.syntaxError();
    const elseResult = this.eatWords('else') ? this.parseExpr() : undefined;
    this.expectWords('end');
    const expr: Expr = { kind: 'case', whens, pos };
    if (operand) expr.operand = operand;
    if (elseResult) expr.elseResult = elseResult;
    return expr;
  }

  /** ARRAY[...] / ARRAY(subquery) / LIST[...] / LIST(subquery); inner brackets nest. */
  private parseCollectionConstructor(kind: 'array' | 'list'): Expr {
    const pos = this.next().start;
    if (this.eatPunct('(')) {
      const query = this.parseQuery();
      this.expectPunct(')');
      return kind === 'array' ? { kind: 'arraySubquery', query, pos } : { kind: 'listSubquery', query, pos };
    }
    return this.parseBracketElements(kind, pos);
  }

  private parseBracketElements(kind: 'array' | 'list', pos: number): Expr {
    return this.nested(() => {
      this.expectPunct('[');
      const elements: Expr[] = [];
      if (!this.isPunct(']')) {
        do {
          const at = this.peek().start;
          elements.push(this.isPunct('[') ? this.parseBracketElements(kind, at) : this.parseExpr());
        } while (this.eatPunct(','));
      }
      this.expectPunct(']');
      return { kind, elements, pos };
    });
  }

  private parseMap(): Expr {
    const pos = this.next().start;
    this.expectPunct('[');
    const entries: { key: Expr; value: Expr }[] = [];
    if (!this.isPunct(']')) {
      do {
        const key = this.parseExpr();
        this.expectOp('=>');
        entries.push({ key, value: this.parseExpr() });
      } while (this.eatPunct(','));
    }
    this.expectPunct(']');
    return { kind: 'map', entries, pos };
  }

  // ---------------------------------------------------------- names and calls

  private parseNameOrCall(): Expr {
    const pos = this.peek().start;
    const parts = [this.parseAnyIdent()];
    while (this.isPunct('.') && !this.isOp('*', 1)) {
      this.next();
      parts.push(this.parseAnyIdent());
    }
    if (this.isPunct('(')) return this.parseCallTail({ parts, pos });
    const identifier: Expr = { kind: 'identifier', parts, pos };
    if (this.isPunct('.') && this.isOp('*', 1)) {
      // t.* inside an expression: count(t.*), row_to_json(t.*)
      this.index += 2;
      return { kind: 'wildcardAccess', expr: identifier, pos };
    }
    return identifier;
  }

  protected call(name: string, args: Expr[], pos: number): FunctionCallExpr {
    return { kind: 'function', name: { parts: [name], pos }, args, star: false, distinct: false, orderBy: [], pos };
  }

  /** The argument list and FILTER / OVER clauses of f(...); implemented by the call layer. */
  protected abstract parseCallTail(name: ObjectName): FunctionCallExpr;

  /** EXTRACT, SUBSTRING, POSITION, TRIM, OVERLAY; implemented by the call layer. */
  protected abstract parseSpecialCall(word: string): Expr;
}
