// Function call syntax: argument lists with DISTINCT / ORDER BY, FILTER and
// OVER (window specifications and frames), and the special forms written with
// keywords (EXTRACT, SUBSTRING, POSITION, TRIM, OVERLAY) turned into ordinary calls.
import type {
  Expr,
  FunctionCallExpr,
  ObjectName,
  OrderByExpr,
  WindowFrame,
  WindowFrameBound,
  WindowSpec,
} from './ast.js';
import { ExpressionParser, Prec } from './expression.js';
import { SqlError, SqlState } from '../repr/errors.js';

export abstract class CallParser extends ExpressionParser {
  /** The argument list and FILTER / OVER clauses of f(...). */
  protected parseCallTail(name: ObjectName): FunctionCallExpr {
    const call = this.call('', [], name.pos);
    call.name = name;
    this.expectPunct('(');
    this.nested(() => {
      if (this.isOp('*')) {
        this.next();
        call.star = true;
      } else if (!this.isPunct(')')) {
        if (this.eatWords('distinct')) call.distinct = true;
        else this.eatWords('all');
        call.args = this.commaList(() => this.parseExpr());
        if (this.eatClause('order', 'by')) call.orderBy = this.parseOrderByList();
      }
      this.expectPunct(')');
    });
    for (;;) {
      const treatment = this.isWords('ignore', 'nulls') ? 'ignore' : this.isWords('respect', 'nulls') ? 'respect' : undefined;
      if (treatment === undefined) break;
      if (call.nullTreatment !== undefined) {
        throw new SqlError(SqlState.syntaxError, 'Both IGNORE NULLS and RESPECT NULLS were given.', { position: this.peek().start + 1 });
      }
      this.eatWords(treatment, 'nulls');
      call.nullTreatment = treatment;
    }
    if (this.eatWords('filter')) {
      this.expectPunct('(');
      this.expectWords('where');
      call.filter = this.parseExpr();
      this.expectPunct(')');
    }
    if (this.eatWords('over')) call.over = this.parseWindowRef();
    return call;
  }

  /** EXTRACT, SUBSTRING, POSITION, TRIM and OVERLAY with their keyword-separated arguments. */
  protected parseSpecialCall(word: string): Expr {
    const pos = this.next().start;
    this.expectPunct('(');
    let name = word;
    let args: Expr[];
    switch (word) {
      case 'extract': {
        const fieldToken = this.next();
        if (fieldToken.kind !== 'word' && fieldToken.kind !== 'string' && fieldToken.kind !== 'quotedIdent') {
          throw this.syntaxError(fieldToken);
        }
        const field: Expr = { kind: 'literal', value: { type: 'string', value: fieldToken.value.toLowerCase() }, pos: fieldToken.start };
        this.expectWords('from');
        args = [field, this.parseExpr()];
        break;
      }
      case 'substring': {
        const value = this.parseExpr();
        if (this.eatPunct(',')) {
          args = [value, ...this.commaList(() => this.parseExpr())];
        } else if (this.eatWords('from')) {
          const from = this.parseExpr();
          args = this.eatWords('for') ? [value, from, this.parseExpr()] : [value, from];
        } else if (this.eatWords('for')) {
          const count = this.parseExpr();
          const one: Expr = { kind: 'literal', value: { type: 'number', text: '1' }, pos: count.pos };
          args = this.eatWords('from') ? [value, this.parseExpr(), count] : [value, one, count];
        } else {
          args = [value];
        }
        break;
      }
      case 'position': {
        const needle = this.parseExprAbove(Prec.other);
        this.expectWords('in');
        args = [needle, this.parseExpr()];
        break;
      }
      case 'trim': {
        const side = this.eatOneOf('both', 'leading', 'trailing') ?? 'both';
        name = side === 'both' ? 'btrim' : side === 'leading' ? 'ltrim' : 'rtrim';
        if (this.eatWords('from')) {
          args = this.commaList(() => this.parseExpr());
        } else {
          const first = this.parseExpr();
          // PostgreSQL's trim_list: chars FROM list appends chars after the list.
          if (this.eatWords('from')) args = [...this.commaList(() => this.parseExpr()), first];
          else if (this.eatPunct(',')) args = [first, ...this.commaList(() => this.parseExpr())];
          else args = [first];
        }
        break;
      }
      default: {
        // overlay(x PLACING y FROM a [FOR b]) or overlay(x, y, a[, b])
        const value = this.parseExpr();
        if (this.eatPunct(',')) {
          args = [value, ...this.commaList(() => this.parseExpr())];
        } else {
          this.expectWords('placing');
          const replacement = this.parseExpr();
          this.expectWords('from');
          const from = this.parseExpr();
          args = this.eatWords('for') ? [value, replacement, from, this.parseExpr()] : [value, replacement, from];
        }
      }
    }
    this.expectPunct(')');
    return this.call(name, args, pos);
  }

  // ----------------------------------------------------------------- windows

  private parseWindowRef(): WindowSpec {
    if (!this.isPunct('(')) return { partitionBy: [], orderBy: [], name: this.parseIdent() };
    return this.parseWindowSpec();
  }

  /** `( [name] [PARTITION BY ...] [ORDER BY ...] [frame] )` */
  protected parseWindowSpec(): WindowSpec {
    this.expectPunct('(');
    const spec: WindowSpec = { partitionBy: [], orderBy: [] };
    if (this.isIdent() && !this.isWord('partition') && !this.isWord('order') && !this.isWord('rows') &&
      !this.isWord('range') && !this.isWord('groups')) {
      spec.name = this.parseIdent();
    }
    if (this.eatClause('partition', 'by')) spec.partitionBy = this.commaList(() => this.parseExpr());
    if (this.eatClause('order', 'by')) spec.orderBy = this.parseOrderByList();
    const units = this.eatOneOf('rows', 'range', 'groups');
    if (units === 'rows' || units === 'range' || units === 'groups') spec.frame = this.parseFrame(units);
    this.expectPunct(')');
    return spec;
  }

  private parseFrame(units: WindowFrame['units']): WindowFrame {
    if (this.eatWords('between')) {
      const start = this.parseFrameBound();
      this.expectWords('and');
      return { units, start, end: this.parseFrameBound() };
    }
    return { units, start: this.parseFrameBound() };
  }

  private parseFrameBound(): WindowFrameBound {
    if (this.eatWords('current', 'row')) return { kind: 'currentRow' };
    if (this.eatWords('unbounded', 'preceding')) return { kind: 'unboundedPreceding' };
    if (this.eatWords('unbounded', 'following')) return { kind: 'unboundedFollowing' };
    const offset = this.parseExprAbove(Prec.additive);
    if (this.eatWords('preceding')) return { kind: 'preceding', offset };
    this.expectWords('following');
    return { kind: 'following', offset };
  }

  /** `expr [ASC|DESC] [NULLS FIRST|LAST], ...` */
  protected parseOrderByList(): OrderByExpr[] {
    return this.commaList(() => {
      const expr = this.parseExpr();
      const desc = this.eatOneOf('asc', 'desc') === 'desc';
      const item: OrderByExpr = { expr, desc };
      if (this.eatWords('nulls')) {
        const which = this.eatOneOf('first', 'last');
        if (which === undefined) throw this.syntaxError();
        item.nullsFirst = which === 'first';
      }
      return item;
    });
  }
}
