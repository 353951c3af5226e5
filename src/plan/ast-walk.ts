// Traversal of AST expressions for the collectors of aggregate and window
// calls. Subqueries are not entered: their calls belong to them.
import type * as ast from '../sql/ast.js';

/** Calls `visit` on each direct child expression of `e`. */
export function walkChildren(e: ast.Expr, visit: (child: ast.Expr) => void): void {
  switch (e.kind) {
    case 'binary':
      visit(e.left);
      visit(e.right);
      return;
    case 'unary':
    case 'cast':
    case 'collate':
    case 'fieldAccess':
    case 'wildcardAccess':
      visit(e.expr);
      return;
    case 'function':
      e.args.forEach(visit);
      if (e.filter) visit(e.filter);
      e.orderBy.forEach((o) => visit(o.expr));
      return;
    case 'case':
      if (e.operand) visit(e.operand);
      e.whens.forEach((w) => {
        visit(w.condition);
        visit(w.result);
      });
      if (e.elseResult) visit(e.elseResult);
      return;
    case 'is':
      visit(e.expr);
      return;
    case 'isDistinctFrom':
      visit(e.left);
      visit(e.right);
      return;
    case 'between':
      visit(e.expr);
      visit(e.low);
      visit(e.high);
      return;
    case 'inList':
      visit(e.expr);
      e.list.forEach(visit);
      return;
    case 'inSubquery':
      visit(e.expr);
      return;
    case 'quantifiedSubquery':
      visit(e.left);
      return;
    case 'quantifiedArray':
      visit(e.left);
      visit(e.array);
      return;
    case 'like':
      visit(e.expr);
      visit(e.pattern);
      if (e.escape) visit(e.escape);
      return;
    case 'array':
    case 'list':
    case 'row':
      e.elements.forEach(visit);
      return;
    case 'map':
      e.entries.forEach((entry) => {
        visit(entry.key);
        visit(entry.value);
      });
      return;
    case 'subscript':
      visit(e.expr);
      if (e.index) visit(e.index);
      if (e.slice?.start) visit(e.slice.start);
      if (e.slice?.end) visit(e.slice.end);
      return;
    case 'atTimeZone':
      visit(e.expr);
      visit(e.zone);
      return;
    default:
      return;
  }
}
