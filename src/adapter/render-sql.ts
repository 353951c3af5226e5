// Renders statements the coordinator rewrites (ALTER CONNECTION) back to SQL
// for the catalog's create_sql. Secrets appear by name only.
import type { CreateConnectionStatement, Expr, OptionValue, SqlOption } from '../sql/ast.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { quoteIdent } from '../repr/strings.js';


function quoteString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function renderExpr(expr: Expr): string {
  if (expr.kind === 'literal') {
    const v = expr.value;
    switch (v.type) {
      case 'string':
        return quoteString(v.value);
      case 'number':
        return v.text;
      case 'boolean':
        return v.value ? 'TRUE' : 'FALSE';
      case 'null':
        return 'NULL';
      default:
        break;
    }
  }
  if (expr.kind === 'identifier') return expr.parts.map(quoteIdent).join('.');
  if (expr.kind === 'unary' && expr.op === '-') return `-${renderExpr(expr.expr)}`;
  throw new SqlError(SqlState.featureNotSupported, `cannot store option value of kind ${expr.kind}`);
}

function renderValue(value: OptionValue): string {
  switch (value.kind) {
    case 'value':
      return renderExpr(value.expr);
    case 'ident':
      return value.name;
    case 'secret':
      return `SECRET ${value.name.parts.map(quoteIdent).join('.')}`;
    case 'object':
      return value.name.parts.map(quoteIdent).join('.');
    case 'list':
    case 'sequence':
      return `(${value.items.map(renderValue).join(', ')})`;
  }
}

function renderOption(option: SqlOption): string {
  return option.value === undefined ? option.name : `${option.name} = ${renderValue(option.value)}`;
}

export function renderCreateConnection(stmt: CreateConnectionStatement, qualifiedName: string): string {
  return `CREATE CONNECTION ${qualifiedName} TO ${stmt.connectionType.toUpperCase()} (${stmt.options.map(renderOption).join(', ')})`;
}
