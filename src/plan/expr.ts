// Scalar planning: AST expressions -> typed ScalarExprs over the relation
// being built. Subqueries are delegated to the relational planner, which
// decorrelates them and appends their values as columns (see subquery.ts).
import { parseNumeric } from '../repr/numeric.js';
import type { Datum, Interval, SqlType } from '../repr/types.js';
import { ArrayValue } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';
import type * as ast from '../sql/ast.js';
import {
  commonType,
  isAggregate,
  isTableFunction,
  resolveCast,
  resolveFunction,
  resolveOperator,
  resolveTableFunction,
  zipTableFuncs,
  type SessionContext,
} from '../expr/resolve.js';
import { columnsUsed } from '../optimize/scalar.js';
import type { RelExpr, ScalarExpr, ScalarFunc, TableFunc } from './mir.js';
import type { PlanState } from './state.js';
import { astKey, type ExprCtx } from './frame.js';
import { groupingError, hasTable, resolveColumn, unresolvedError } from './scope.js';
import { coerce, coerceBool, displayType, resolveUnknown, withPosition } from './coerce.js';
import { typeFromAst } from './types.js';
import { arity, columnTypes, range } from './rel.js';
import * as b from './builtins.js';
import { operatorSymbols } from './explain.js';

/** The relational planner's side of subqueries: each returns a column of ec.rel (appending to it). */
export interface SubqueryHost {
  scalarSubquery(ec: ExprCtx, query: ast.Query, pos: number): ScalarExpr;
  existsSubquery(ec: ExprCtx, query: ast.Query): ScalarExpr;
  /** `left` has one expression, or several for a row: (a, b) IN (SELECT x, y ...). */
  quantifiedSubquery(ec: ExprCtx, left: ScalarExpr[], op: string, quantifier: 'any' | 'all', query: ast.Query, pos: number): ScalarExpr;
  collectSubquery(ec: ExprCtx, query: ast.Query, kind: 'array' | 'list', pos: number): ScalarExpr;
}

const BOOL: SqlType = { kind: 'bool' };
const TEXT: SqlType = { kind: 'text' };
const INT4_MIN = -2147483648n;
const INT4_MAX = 2147483647n;
const INT8_MIN = -9223372036854775808n;
const INT8_MAX = 9223372036854775807n;

/** Calls that PostgreSQL's `=` resolved to: the optimizer may turn them into join equivalences. */
export const equalityFuncs = new WeakSet<ScalarFunc>();
/** `x = ANY(array)` calls whose elements need no cast (index lookups read their elements). */
export const anyEqualityFuncs = new WeakSet<ScalarFunc>();

export function numberLiteral(text: string): ScalarExpr {
  if (/^-?\d+$/.test(text)) {
    const n = BigInt(text);
    if (n >= INT4_MIN && n <= INT4_MAX) return b.literal(Number(n), { kind: 'int4' });
    if (n >= INT8_MIN && n <= INT8_MAX) return b.literal(n, { kind: 'int8' });
  }
  return b.literal(parseNumeric(text), { kind: 'numeric' });
}

/** flatMaps made for set-returning functions of a SELECT list (the next one in the list joins them). */
const selectListFlatMaps = new WeakSet<RelExpr>();

/**
 * Adds a SELECT-list set-returning function to `rel`. Several of them run in
 * lockstep, as PostgreSQL's ProjectSet does (SELECT generate_series(1, 2),
 * generate_series(1, 3) gives 3 rows, not 6): the flatMap the previous one
 * made is widened into a zip, whose columns keep the same positions.
 */
function selectListTableFunction(rel: RelExpr, func: TableFunc, args: ScalarExpr[]): RelExpr {
  let next: RelExpr = { op: 'flatMap', input: rel, func, args };
  if (rel.op === 'flatMap' && selectListFlatMaps.has(rel)) {
    const inputArity = arity(rel.input);
    const independent = args.every((a) => [...columnsUsed(a)].every((c) => c < inputArity));
    if (independent) {
      const zipped = zipTableFuncs([rel.func, func], [rel.args.length, args.length]);
      next = { op: 'flatMap', input: rel.input, func: zipped, args: [...rel.args, ...args] };
    }
  }
  selectListFlatMaps.add(next);
  return next;
}

function hexToBytes(hex: string): Uint8Array {
  const clean = hex.length % 2 === 0 ? hex : `0${hex}`;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** A plain number written as an interval with a unit: INTERVAL '1' DAY. */
function intervalText(value: string, qualifier: ast.IntervalQualifier | undefined): string {
  if (qualifier && /^\s*[-+]?\d+(\.\d+)?\s*$/.test(value)) return `${value.trim()} ${qualifier.trailing ?? qualifier.leading}`;
  return value;
}

/**
 * INTERVAL '...' <qualifier>: fields below the qualifier's last field are
 * dropped, and SECOND(p) rounds to p digits, as PostgreSQL's interval
 * typmod does (INTERVAL '12:34:56' HOUR is 12:00:00).
 */
function truncateInterval(v: Interval, q: ast.IntervalQualifier): Interval {
  const last = q.trailing ?? q.leading;
  const MICROS_PER: Record<string, bigint> = { hour: 3_600_000_000n, minute: 60_000_000n };
  switch (last) {
    case 'year':
      return { months: v.months - (v.months % 12), days: 0, micros: 0n };
    case 'month':
      return { months: v.months, days: 0, micros: 0n };
    case 'day':
      return { months: v.months, days: v.days, micros: 0n };
    case 'hour':
    case 'minute': {
      const unit = MICROS_PER[last]!;
      return { months: v.months, days: v.days, micros: v.micros - (v.micros % unit) };
    }
    case 'second': {
      if (q.precision === undefined || q.precision >= 6) return v;
      const unit = 10n ** BigInt(6 - q.precision);
      const abs = v.micros < 0n ? -v.micros : v.micros;
      const rounded = ((abs + unit / 2n) / unit) * unit;
      return { months: v.months, days: v.days, micros: v.micros < 0n ? -rounded : rounded };
    }
    default:
      return v;
  }
}

/** Name of a result column as PostgreSQL's FigureColname picks it. */
export function columnName(expr: ast.Expr): string {
  return figureName(expr)[0];
}

/** [name, strength]: 2 for names taken from the expression, 1 for fallbacks (casts, CASE), 0 for none. */
function figureName(expr: ast.Expr): [string, number] {
  switch (expr.kind) {
    case 'identifier':
      return [expr.parts[expr.parts.length - 1]!, 2];
    case 'function':
      return [expr.name.parts[expr.name.parts.length - 1]!, 2];
    case 'cast': {
      const inner = figureName(expr.expr);
      if (inner[1] === 2) return inner;
      const name = dataTypeName(expr.dataType);
      return name ? [name, 1] : inner;
    }
    case 'literal':
      if (expr.value.type === 'typedString') {
        const name = dataTypeName(expr.value.dataType);
        if (name) return [name, 1];
      }
      return ['?column?', 0];
    case 'case':
      return ['case', 1];
    case 'exists':
      return ['exists', 2];
    case 'array':
    case 'arraySubquery':
      return ['array', 2];
    case 'list':
    case 'listSubquery':
      return ['list', 2];
    case 'map':
      return ['map', 2];
    case 'row':
      return ['row', 2];
    case 'subscript':
    case 'collate':
      return figureName(expr.expr);
    case 'fieldAccess':
      return [expr.field, 2];
    case 'atTimeZone':
      return ['timezone', 2];
    case 'subquery': {
      const body = expr.query.body;
      if (body.kind === 'select' && body.projection.length >= 1) {
        const item = body.projection[0]!;
        if (item.kind === 'expr') return item.alias !== undefined ? [item.alias, 2] : figureName(item.expr);
      }
      return ['?column?', 0];
    }
    default:
      return ['?column?', 0];
  }
}

function dataTypeName(dataType: ast.DataType): string | undefined {
  switch (dataType.kind) {
    case 'named':
      return dataType.name;
    case 'array':
      return dataTypeName(dataType.element);
    default:
      return undefined;
  }
}

function functionName(call: ast.FunctionCallExpr): string {
  return call.name.parts[call.name.parts.length - 1]!;
}

export class ExprPlanner {
  constructor(
    private readonly state: PlanState,
    private readonly host: SubqueryHost,
  ) {}

  plan(e: ast.Expr, ec: ExprCtx): ScalarExpr {
    if (ec.grouping && e.kind !== 'identifier' && e.kind !== 'literal' && e.kind !== 'parameter') {
      const key = astKey(e);
      const grouped = ec.grouping.keys.get(key) ?? ec.grouping.aggregates.get(key);
      if (grouped) return grouped;
    }
    switch (e.kind) {
      case 'identifier':
        return this.identifier(e, ec);
      case 'literal':
        return this.literal(e);
      case 'parameter': {
        this.state.noteParam(e.index);
        return { kind: 'parameter', index: e.index, type: this.state.paramType(e.index) ?? { kind: 'unknown' } };
      }
      case 'binary':
        return this.binary(e, ec);
      case 'unary':
        return this.unary(e, ec);
      case 'cast':
        return this.cast(e, ec);
      case 'function':
        return this.functionCall(e, ec);
      case 'case':
        return this.caseExpr(e, ec);
      case 'is':
        return this.isExpr(e, ec);
      case 'isDistinctFrom': {
        const left = this.plan(e.left, ec);
        const right = this.plan(e.right, ec);
        const eq = this.operator('=', left, right, e.opPos ?? e.pos);
        const distinct = b.ifThen(
          b.isNull(left),
          b.isNotNull(right),
          b.ifThen(b.isNull(right), b.TRUE_LITERAL, b.not(eq)),
        );
        return e.negated ? b.not(distinct) : distinct;
      }
      case 'between':
        return this.between(e, ec);
      case 'inList': {
        const left = this.plan(e.expr, ec);
        const tests = e.list.map((item) => this.operator('=', left, this.plan(item, ec), e.opPos ?? e.pos));
        const any = b.or(tests);
        return e.negated ? b.not(any) : any;
      }
      case 'inSubquery': {
        const any = this.host.quantifiedSubquery(ec, this.rowOperands(e.expr, ec), '=', 'any', e.query, e.opPos ?? e.pos);
        return e.negated ? b.not(any) : any;
      }
      case 'exists':
        return this.host.existsSubquery(ec, e.query);
      case 'subquery':
        return this.host.scalarSubquery(ec, e.query, e.pos);
      case 'quantifiedSubquery':
        return this.host.quantifiedSubquery(ec, this.rowOperands(e.left, ec), e.op, e.quantifier, e.query, e.opPos ?? e.pos);
      case 'quantifiedArray':
        return this.quantifiedArray(e, ec);
      case 'like': {
        const args = [e.expr, e.pattern, ...(e.escape ? [e.escape] : [])].map((a) => this.plan(a, ec));
        const matched = this.callFunction(e.caseInsensitive ? 'ilike' : 'like', args, e.opPos ?? e.pos);
        return e.negated ? b.not(matched) : matched;
      }
      case 'array':
        return this.arrayExpr(e, ec);
      case 'arraySubquery':
        return this.host.collectSubquery(ec, e.query, 'array', e.pos);
      case 'list': {
        const elements = this.unify(e.elements.map((el) => this.plan(el, ec)), 'LIST', e.pos);
        const element = elements[0]?.type ?? TEXT;
        return b.call(b.LIST_CONSTRUCT, elements, { kind: 'list', element });
      }
      case 'listSubquery':
        return this.host.collectSubquery(ec, e.query, 'list', e.pos);
      case 'map': {
        const keys = e.entries.map((entry) => coerce(this.state, this.plan(entry.key, ec), TEXT, 'implicit', entry.key.pos));
        const values = this.unify(e.entries.map((entry) => this.plan(entry.value, ec)), 'MAP', e.pos);
        const args = keys.flatMap((k, i) => [k, values[i]!]);
        return b.call(b.MAP_CONSTRUCT, args, { kind: 'map', value: values[0]?.type ?? TEXT });
      }
      case 'row': {
        const fields = e.elements.map((el) => resolveUnknown(this.state, this.plan(el, ec), el.pos));
        return b.call(b.RECORD_CONSTRUCT, fields, {
          kind: 'record',
          fields: fields.map((f, i) => ({ name: `f${i + 1}`, type: f.type })),
        });
      }
      case 'subscript':
        return this.subscript(e, ec);
      case 'fieldAccess':
        return this.fieldAccess(this.plan(e.expr, ec), e.field, e.pos);
      case 'collate':
        return this.plan(e.expr, ec);
      case 'atTimeZone': {
        const value = this.plan(e.expr, ec);
        const zone = this.plan(e.zone, ec);
        return this.callFunction('timezone', [zone, value], e.opPos ?? e.pos);
      }
      case 'wildcardAccess':
        throw new SqlError(SqlState.featureNotSupported, 'row expansion via ".*" is not supported here', { position: e.pos + 1 });
    }
  }

  /** The operands of a row comparison: (a, b) gives two, anything else one. */
  private rowOperands(e: ast.Expr, ec: ExprCtx): ScalarExpr[] {
    if (e.kind === 'row' && e.elements.length > 1) return e.elements.map((el) => this.plan(el, ec));
    return [this.plan(e, ec)];
  }

  private identifier(e: ast.IdentifierExpr, ec: ExprCtx): ScalarExpr {
    const found = resolveColumn(ec.scope, e.parts, e.pos);
    if (found) {
      if (found.item.ungrouped) throw groupingError(found.item, e.pos);
      if (found.level > 0) ec.frame.used.add(found.item.index);
      return b.column(found.item.index, found.item.type);
    }
    // a.b where a is a record-typed column: field access without parentheses.
    if (e.parts.length >= 2) {
      const base = resolveColumn(ec.scope, e.parts.slice(0, -1), e.pos);
      if (base && base.item.type.kind === 'record') {
        if (base.item.ungrouped) throw groupingError(base.item, e.pos);
        if (base.level > 0) ec.frame.used.add(base.item.index);
        return this.fieldAccess(b.column(base.item.index, base.item.type), e.parts[e.parts.length - 1]!, e.pos);
      }
    }
    const wholeRow = this.wholeRow(e, ec);
    if (wholeRow) return wholeRow;
    throw unresolvedError(ec.scope, e.parts, e.pos);
  }

  /** `t` naming a FROM item, where no column has that name: the whole row as a record (to_jsonb(t)). */
  private wholeRow(e: ast.IdentifierExpr, ec: ExprCtx): ScalarExpr | undefined {
    for (let level = 0; level < ec.scope.levels.length; level++) {
      const items = ec.scope.levels[level]!.filter((it) => hasTable([it], e.parts));
      if (items.length === 0) continue;
      if (items.length === 1 && items[0]!.scalarFunctionValue) {
        const it = items[0]!;
        if (it.ungrouped) throw groupingError(it, e.pos);
        if (level > 0) ec.frame.used.add(it.index);
        return b.column(it.index, it.type);
      }
      const fields = items.map((it) => {
        if (it.ungrouped) throw groupingError(it, e.pos);
        if (level > 0) ec.frame.used.add(it.index);
        return b.column(it.index, it.type);
      });
      return b.call(b.RECORD_CONSTRUCT, fields, { kind: 'record', fields: items.map((it) => ({ name: it.name, type: it.type })) });
    }
    return undefined;
  }

  literal(e: ast.LiteralExpr): ScalarExpr {
    const v = e.value;
    switch (v.type) {
      case 'number':
        return numberLiteral(v.text);
      case 'string':
        return b.literal(v.value, { kind: 'unknown' });
      case 'hexString':
        return b.literal(hexToBytes(v.value), { kind: 'bytea' });
      case 'boolean':
        return b.literal(v.value, BOOL);
      case 'null':
        return b.literal(null, { kind: 'unknown' });
      case 'typedString': {
        const type = typeFromAst(v.dataType);
        const text = type.kind === 'interval' ? intervalText(v.value, v.intervalQualifier) : v.value;
        const value = coerce(this.state, b.literal(text, { kind: 'unknown' }), type, 'explicit', e.pos);
        if (type.kind === 'interval' && v.intervalQualifier && value.kind === 'literal' && value.value !== null) {
          return b.literal(truncateInterval(value.value as Interval, v.intervalQualifier), type);
        }
        return value;
      }
    }
  }

  /**
   * Resolves a binary operator and casts its operands as the chosen overload requires.
   * `argPos` are the operands' own positions: a bad untyped literal is reported where it is written.
   */
  operator(op: string, left: ScalarExpr, right: ScalarExpr, pos: number, argPos?: [number, number]): ScalarExpr {
    const resolved = withPosition(pos, () => resolveOperator(op, left.type, right.type, this.session()));
    const args = [
      coerce(this.state, left, resolved.argTypes[0]!, 'implicit', argPos?.[0] ?? pos),
      coerce(this.state, right, resolved.argTypes[1]!, 'implicit', argPos?.[1] ?? pos),
    ];
    if (op === '=') equalityFuncs.add(resolved.func);
    operatorSymbols.set(resolved.func, op);
    return b.call(resolved.func, args, resolved.returnType);
  }

  /** Session settings functions may depend on (TimeZone). */
  session(): SessionContext {
    const { timeZone, relationVisible, indexDefinition, viewDefinition } = this.state.ctx;
    return {
      timeZone,
      ...(relationVisible === undefined ? {} : { relationVisible: (oid: number) => relationVisible(oid) }),
      ...(indexDefinition === undefined ? {} : { indexDefinition: (oid: number, column: number) => indexDefinition(oid, column) }),
      ...(viewDefinition === undefined ? {} : { viewDefinition: (oid: number) => viewDefinition(oid) }),
    };
  }

  callFunction(name: string, args: ScalarExpr[], pos: number, argPos?: number[]): ScalarExpr {
    const resolved = withPosition(pos, () => resolveFunction(name, args.map((a) => a.type), this.session()));
    const cast = args.map((a, i) => coerce(this.state, a, resolved.argTypes[i] ?? a.type, 'implicit', argPos?.[i] ?? pos));
    return b.call(resolved.func, cast, resolved.returnType);
  }

  /** Casts expressions to their common type (CASE, COALESCE, ARRAY[...], VALUES, UNION). */
  unify(exprs: ScalarExpr[], construct: string, pos: number, argPos?: number[]): ScalarExpr[] {
    if (exprs.length === 0) return exprs;
    const target = withPosition(pos, () => commonType(exprs.map((x) => x.type), construct));
    return exprs.map((x, i) => coerce(this.state, x, target, 'implicit', argPos?.[i] ?? pos));
  }

  private binary(e: ast.BinaryExpr, ec: ExprCtx): ScalarExpr {
    if (e.op === 'and' || e.op === 'or') {
      const clause = e.op.toUpperCase();
      const left = coerceBool(this.state, this.plan(e.left, ec), clause, e.left.pos);
      const right = coerceBool(this.state, this.plan(e.right, ec), clause, e.right.pos);
      const parts = [left, right].flatMap((p) =>
        p.kind === 'call' && p.func === (e.op === 'and' ? b.AND : b.OR) ? p.args : [p],
      );
      return e.op === 'and' ? b.and(parts) : b.or(parts);
    }
    // PostgreSQL points operator errors at the operator itself.
    return this.operator(e.op, this.plan(e.left, ec), this.plan(e.right, ec), e.opPos ?? e.pos, [e.left.pos, e.right.pos]);
  }

  private unary(e: ast.UnaryExpr, ec: ExprCtx): ScalarExpr {
    if (e.op === 'not') return b.not(coerceBool(this.state, this.plan(e.expr, ec), 'NOT', e.expr.pos));
    if (e.op === '-' && e.expr.kind === 'literal' && e.expr.value.type === 'number') {
      const text = e.expr.value.text;
      return numberLiteral(text.startsWith('-') ? text.slice(1) : `-${text}`);
    }
    if (e.op === '+' && e.expr.kind === 'literal' && e.expr.value.type === 'number') return numberLiteral(e.expr.value.text);
    const operand = this.plan(e.expr, ec);
    const resolved = withPosition(e.pos, () => resolveOperator(e.op, null, operand.type));
    operatorSymbols.set(resolved.func, e.op);
    return b.call(resolved.func, [coerce(this.state, operand, resolved.argTypes[0]!, 'implicit', e.pos)], resolved.returnType);
  }

  private cast(e: ast.CastExpr, ec: ExprCtx): ScalarExpr {
    const target = typeFromAst(e.dataType);
    // ARRAY[]::t[], and ARRAY[[]]::t[] (nested empty constructors): an empty array, as in PostgreSQL.
    const emptyTree = (x: ast.Expr): boolean => x.kind === 'array' && x.elements.every(emptyTree);
    if (emptyTree(e.expr)) {
      if (target.kind !== 'array') {
        throw new SqlError(SqlState.cannotCoerce, `cannot cast type ${displayType({ kind: 'array', element: TEXT })} to ${displayType(target)}`, {
          position: e.pos + 1,
        });
      }
      return b.literal(new ArrayValue([], []), target);
    }
    const inner = this.plan(e.expr, ec);
    return coerce(this.state, inner, target, 'explicit', e.pos);
  }

  private caseExpr(e: ast.CaseExpr, ec: ExprCtx): ScalarExpr {
    const operand = e.operand ? this.plan(e.operand, ec) : undefined;
    const conditions = e.whens.map((w) => {
      const cond = this.plan(w.condition, ec);
      return operand ? this.operator('=', operand, cond, w.condition.pos) : coerceBool(this.state, cond, 'CASE', w.condition.pos);
    });
    const results = e.whens.map((w) => this.plan(w.result, ec));
    const otherwise = e.elseResult ? this.plan(e.elseResult, ec) : b.literal(null, { kind: 'unknown' });
    const resultPos = [...e.whens.map((w) => w.result.pos), e.elseResult?.pos ?? e.pos];
    const unified = this.unify([...results, otherwise], 'CASE', e.pos, resultPos).map((x) => resolveUnknown(this.state, x, e.pos));
    let out = unified[unified.length - 1]!;
    for (let i = conditions.length - 1; i >= 0; i--) out = b.ifThen(conditions[i]!, unified[i]!, out);
    return out;
  }

  private isExpr(e: ast.IsExpr, ec: ExprCtx): ScalarExpr {
    const inner = this.plan(e.expr, ec);
    let test: ScalarExpr;
    if (e.test === 'null') test = b.isNull(inner);
    else {
      const value = coerceBool(this.state, inner, `IS ${e.test.toUpperCase()}`, e.expr.pos);
      test = e.test === 'true' ? b.isTrue(value) : e.test === 'false' ? b.isFalse(value) : b.isNull(value);
    }
    return e.negated ? b.not(test) : test;
  }

  private between(e: ast.BetweenExpr, ec: ExprCtx): ScalarExpr {
    const x = this.plan(e.expr, ec);
    const low = this.plan(e.low, ec);
    const high = this.plan(e.high, ec);
    const pos = e.opPos ?? e.pos;
    const within = (lo: ScalarExpr, hi: ScalarExpr): ScalarExpr =>
      b.and([this.operator('>=', x, lo, pos), this.operator('<=', x, hi, pos)]);
    const test = e.symmetric ? b.or([within(low, high), within(high, low)]) : within(low, high);
    return e.negated ? b.not(test) : test;
  }

  private quantifiedArray(e: ast.QuantifiedArrayExpr, ec: ExprCtx): ScalarExpr {
    const left = this.plan(e.left, ec);
    let array = this.plan(e.array, ec);
    if (array.type.kind === 'unknown') {
      array = coerce(this.state, array, { kind: 'array', element: left.type.kind === 'unknown' ? TEXT : left.type }, 'implicit', e.array.pos);
    }
    if (array.type.kind !== 'array' && array.type.kind !== 'list') {
      throw new SqlError(SqlState.wrongObjectType, `op ANY/ALL (array) requires array on right side`, { position: e.pos + 1 });
    }
    const elementType = array.type.element;
    const resolved = withPosition(e.opPos ?? e.pos, () => resolveOperator(e.op, left.type, elementType));
    const leftArg = coerce(this.state, left, resolved.argTypes[0]!, 'implicit', e.pos);
    const elementCast = resolveCast(elementType, resolved.argTypes[1]!, 'implicit');
    const compare = resolved.func;
    const all = e.quantifier === 'all';
    const func: ScalarFunc = {
      name: `${all ? 'all' : 'any'}[${compare.name}]`,
      strict: false,
      eval: (args) => {
        const x = args[0] ?? null;
        const container = args[1];
        if (container === null || container === undefined) return null;
        const elements = (container as { elements: Datum[] }).elements;
        let sawNull = false;
        for (const raw of elements) {
          const el = raw !== null && elementCast ? elementCast.eval([raw]) : raw;
          const r = compare.strict && (x === null || el === null) ? null : compare.eval([x, el]);
          if (r === null) sawNull = true;
          else if (r === !all) return !all;
        }
        return sawNull ? null : all;
      },
    };
    if (e.op === '=' && !all && (elementCast === undefined || elementCast.name === `${resolved.argTypes[1]!.kind}_identity`)) anyEqualityFuncs.add(func);
    return b.call(func, [leftArg, array], BOOL);
  }

  private arrayExpr(e: ast.ArrayExpr, ec: ExprCtx): ScalarExpr {
    const elements = e.elements.map((el) => this.plan(el, ec));
    if (elements.length === 0) {
      throw new SqlError(SqlState.indeterminateDatatype, 'cannot determine type of empty array', {
        position: e.pos + 1,
        hint: 'Explicitly cast to the desired type, for example ARRAY[]::integer[].',
      });
    }
    const unified = this.unify(elements, 'ARRAY', e.pos, e.elements.map((el) => el.pos)).map((x) => resolveUnknown(this.state, x, e.pos));
    const first = unified[0]!.type;
    const type: SqlType = first.kind === 'array' && e.elements.every((el) => el.kind === 'array') ? first : { kind: 'array', element: first };
    return b.call(b.ARRAY_CONSTRUCT, unified, type);
  }

  private subscript(e: ast.SubscriptExpr, ec: ExprCtx): ScalarExpr {
    const base = this.plan(e.expr, ec);
    const int4: SqlType = { kind: 'int4' };
    const bound = (x: ast.Expr | undefined): ScalarExpr =>
      x ? coerce(this.state, this.plan(x, ec), int4, 'implicit', x.pos) : b.literal(null, int4);
    // List positions are bigint, and take any number (rounded), as in Materialize.
    const int8: SqlType = { kind: 'int8' };
    const listBound = (x: ast.Expr): ScalarExpr => coerce(this.state, this.plan(x, ec), int8, 'assignment', x.pos);
    const type = base.type;
    if (e.slice) {
      if (type.kind === 'array') return b.call(b.ARRAY_SLICE, [base, bound(e.slice.start), bound(e.slice.end)], type);
      if (type.kind === 'list') {
        // An absent bound is the list's end; an explicit NULL bound makes the slice NULL (as in Materialize).
        const start = e.slice.start ? listBound(e.slice.start) : b.literal(1n, int8);
        const end = e.slice.end ? listBound(e.slice.end) : b.literal(INT8_MAX, int8);
        return b.call(b.LIST_SLICE, [base, start, end], type);
      }
    } else if (e.index) {
      if (type.kind === 'array') return b.call(b.ARRAY_INDEX, [base, bound(e.index)], type.element);
      if (type.kind === 'list') return b.call(b.LIST_INDEX, [base, listBound(e.index)], type.element);
      if (type.kind === 'map') {
        const key = coerce(this.state, this.plan(e.index, ec), TEXT, 'implicit', e.index.pos);
        return b.call(b.MAP_GET, [base, key], type.value);
      }
      if (type.kind === 'jsonb') return this.operator('->', base, this.plan(e.index, ec), e.pos);
    }
    throw new SqlError(
      SqlState.datatypeMismatch,
      `cannot subscript type ${displayType(type)} because it does not support subscripting`,
      { position: e.pos + 1 },
    );
  }

  private fieldAccess(base: ScalarExpr, field: string, pos: number): ScalarExpr {
    const type = base.type;
    if (type.kind !== 'record') {
      throw new SqlError(SqlState.wrongObjectType, `column notation .${field} applied to type ${displayType(type)}, which is not a composite type`, {
        position: pos + 1,
      });
    }
    const index = type.fields.findIndex((f) => f.name === field);
    if (index < 0) {
      throw new SqlError(SqlState.undefinedColumn, `column "${field}" not found in data type ${displayType(type)}`, { position: pos + 1 });
    }
    return b.call(b.recordField(index, field), [base], type.fields[index]!.type);
  }

  private functionCall(e: ast.FunctionCallExpr, ec: ExprCtx): ScalarExpr {
    const name = functionName(e);
    if (e.over) {
      const computed = ec.windows?.get(astKey(e));
      if (computed) return computed;
      throw new SqlError(SqlState.windowingError, `window functions are not allowed in ${ec.clause}`, { position: e.pos + 1 });
    }
    if (isAggregate(name)) {
      const clause = ec.clause === 'aggregate' ? 'aggregate function calls cannot be nested' : `aggregate functions are not allowed in ${ec.clause}`;
      throw new SqlError(SqlState.groupingError, clause, { position: e.pos + 1 });
    }
    if (e.star) throw new SqlError(SqlState.syntaxError, `${name}(*) specified, but ${name} is not an aggregate function`, { position: e.pos + 1 });
    if (e.distinct || e.filter || e.orderBy.length > 0) {
      throw new SqlError(SqlState.syntaxError, `DISTINCT, ORDER BY or FILTER specified, but ${name} is not an aggregate function`, {
        position: e.pos + 1,
      });
    }
    const special = this.specialFunction(name, e, ec);
    if (special) return special;
    const args = e.args.map((a) => this.plan(a, ec));
    if (isTableFunction(name)) return this.tableFunctionInExpr(name, args, ec, e.pos);
    return this.callFunction(name, args, e.pos, e.args.map((a) => a.pos));
  }

  private contextText(value: string | null): ScalarExpr {
    return b.literal(value, TEXT);
  }

  /** Functions whose meaning is structural (lazy evaluation) or comes from the session. */
  private specialFunction(name: string, e: ast.FunctionCallExpr, ec: ExprCtx): ScalarExpr | undefined {
    const ctx = this.state.ctx;
    switch (name) {
      case 'coalesce': {
        const args = this.unify(e.args.map((a) => this.plan(a, ec)), 'COALESCE', e.pos, e.args.map((a) => a.pos));
        let out = args[args.length - 1]!;
        for (let i = args.length - 2; i >= 0; i--) out = b.ifThen(b.isNotNull(args[i]!), args[i]!, out);
        return resolveUnknown(this.state, out, e.pos);
      }
      case 'nullif': {
        if (e.args.length !== 2) return undefined;
        const left = this.plan(e.args[0]!, ec);
        const right = this.plan(e.args[1]!, ec);
        const eq = this.operator('=', left, right, e.pos);
        const value = resolveUnknown(this.state, eq.kind === 'call' ? eq.args[0]! : left, e.pos);
        return b.ifThen(eq, b.literal(null, value.type), value);
      }
      case 'greatest':
      case 'least': {
        // Arguments take their common type first, as PostgreSQL resolves GREATEST/LEAST.
        const args = this.unify(e.args.map((a) => this.plan(a, ec)), name.toUpperCase(), e.pos, e.args.map((a) => a.pos)).map((x) => resolveUnknown(this.state, x, e.pos));
        return this.callFunction(name, args, e.pos);
      }
      case 'mz_now':
        return e.args.length === 0 ? { kind: 'mzNow', type: { kind: 'mz_timestamp' } } : undefined;
      case 'current_user':
      case 'session_user':
      case 'user':
      case 'current_role':
        return e.args.length === 0 ? this.contextText(ctx.currentUser) : undefined;
      case 'current_database':
      case 'current_catalog':
        return e.args.length === 0 ? this.contextText(ctx.currentDatabase) : undefined;
      case 'current_schema': {
        if (e.args.length !== 0) return undefined;
        const path = ctx.settings.get('search_path') ?? 'public';
        return this.contextText(path.split(',')[0]!.trim().replace(/^"|"$/g, '') || null);
      }
      case 'current_setting': {
        if (e.args.length < 1 || e.args.length > 2) return undefined;
        const arg = e.args[0]!;
        if (arg.kind !== 'literal' || arg.value.type !== 'string') return undefined;
        const setting = arg.value.value.toLowerCase();
        const value = ctx.settings.get(setting);
        const missingOk = e.args[1]?.kind === 'literal' && e.args[1].value.type === 'boolean' && e.args[1].value.value;
        if (value === undefined && !missingOk) {
          throw new SqlError(SqlState.undefinedObject, `unrecognized configuration parameter "${setting}"`, { position: e.pos + 1 });
        }
        return this.contextText(value ?? null);
      }
      case 'version':
        return e.args.length === 0 ? this.contextText(ctx.settings.get('server_version_full') ?? 'PostgreSQL 9.5 on Freshet') : undefined;
      case 'pg_backend_pid':
        return e.args.length === 0 ? b.literal(Number(ctx.settings.get('backend_pid') ?? process.pid), { kind: 'int4' }) : undefined;
      default:
        return undefined;
    }
  }

  /** A set-returning function in the SELECT list: a flatMap over the relation, its value a new column. */
  private tableFunctionInExpr(name: string, args: ScalarExpr[], ec: ExprCtx, pos: number): ScalarExpr {
    if (!ec.allowTableFunctions) {
      throw new SqlError(SqlState.featureNotSupported, `set-returning functions are not allowed in ${ec.clause}`, { position: pos + 1 });
    }
    const resolved = withPosition(pos, () => resolveTableFunction(name, args.map((a) => a.type), this.session()));
    const cast = args.map((a, i) => coerce(this.state, a, resolved.argTypes[i] ?? a.type, 'implicit', pos));
    const base = arity(ec.rel);
    ec.rel = selectListTableFunction(ec.rel, resolved.func, cast);
    const types = columnTypes(ec.rel);
    const columns = range(base, types.length).map((i) => b.column(i, types[i]!));
    if (columns.length === 1) return columns[0]!;
    return b.call(b.RECORD_CONSTRUCT, columns, {
      kind: 'record',
      fields: resolved.func.columns.map((c) => ({ name: c.name, type: c.type })),
    });
  }
}
