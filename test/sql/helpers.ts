// Shared helpers for parser tests: parse one statement, strip positions,
// print expressions compactly, and capture SqlErrors.
import assert from 'node:assert/strict';
import { parse } from '../../src/sql/parser.js';
import type { Expr, Query, Select, Statement } from '../../src/sql/ast.js';
import { SqlError } from '../../src/repr/errors.js';

/** Parses exactly one statement. */
export function one(sql: string): Statement {
  const statements = parse(sql);
  assert.equal(statements.length, 1, `expected one statement in ${sql}`);
  return statements[0].statement;
}

/** The body of `SELECT ...` as a Select node. */
export function selectOf(sql: string): Select {
  const stmt = one(sql);
  assert.equal(stmt.kind, 'select');
  const body = (stmt as { query: Query }).query.body;
  assert.equal(body.kind, 'select');
  return body as Select;
}

/** The single projected expression of `SELECT <expr>`. */
export function exprOf(sqlExpr: string): Expr {
  const select = selectOf(`SELECT ${sqlExpr}`);
  const item = select.projection[0];
  assert.equal(item.kind, 'expr');
  return (item as { expr: Expr }).expr;
}

/** Deep copy without `pos` / `opPos` fields, for shape comparisons. */
export function noPos<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === 'pos' || key.endsWith('Pos') ? undefined : v))) as T;
}

/** Compact parenthesized rendering of an expression tree (precedence tests). */
export function show(e: Expr): string {
  switch (e.kind) {
    case 'binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'unary':
      return `(${e.op} ${show(e.expr)})`;
    case 'literal':
      switch (e.value.type) {
        case 'number':
          return e.value.text;
        case 'string':
          return `'${e.value.value}'`;
        case 'boolean':
          return String(e.value.value);
        case 'null':
          return 'null';
        default:
          return JSON.stringify(noPos(e.value));
      }
    case 'identifier':
      return e.parts.join('.');
    case 'cast':
      return `${show(e.expr)}::${e.dataType.kind === 'named' ? e.dataType.name : e.dataType.kind}`;
    case 'is':
      return `(${show(e.expr)} is ${e.negated ? 'not ' : ''}${e.test})`;
    case 'isDistinctFrom':
      return `(${show(e.left)} is ${e.negated ? 'not ' : ''}distinct from ${show(e.right)})`;
    case 'between':
      return `(${show(e.expr)} ${e.negated ? 'not ' : ''}between ${show(e.low)} and ${show(e.high)})`;
    case 'like':
      return `(${show(e.expr)} ${e.negated ? 'not ' : ''}${e.caseInsensitive ? 'ilike' : 'like'} ${show(e.pattern)})`;
    case 'inList':
      return `(${show(e.expr)} ${e.negated ? 'not ' : ''}in [${e.list.map(show).join(', ')}])`;
    case 'function':
      return `${e.name.parts.join('.')}(${e.star ? '*' : e.args.map(show).join(', ')})`;
    case 'atTimeZone':
      return `(${show(e.expr)} at time zone ${show(e.zone)})`;
    case 'collate':
      return `(${show(e.expr)} collate ${e.collation.parts.join('.')})`;
    case 'subscript':
      return e.index ? `${show(e.expr)}[${show(e.index)}]` : `${show(e.expr)}[slice]`;
    case 'fieldAccess':
      return `${show(e.expr)}.${e.field}`;
    default:
      return e.kind;
  }
}

/** Runs `fn`, asserting it throws a SqlError; returns it. */
export function sqlErrorOf(fn: () => unknown): SqlError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof SqlError, `expected SqlError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected an error');
}

/** Asserts that parsing `sql` fails with `message` at 1-based `position`. */
export function assertSyntaxError(sql: string, message: string, position: number, code = '42601'): void {
  const error = sqlErrorOf(() => parse(sql));
  assert.equal(error.message, message, `message for ${sql}`);
  assert.equal(error.position, position, `position for ${sql}`);
  assert.equal(error.code, code, `code for ${sql}`);
}
