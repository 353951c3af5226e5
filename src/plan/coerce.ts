// Casting planned expressions to a type: untyped literals are parsed as the
// target type at plan time, untyped parameters take the type, everything
// else gets the cast function resolve.ts allows in the given context.
import type { SqlType } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { parseText } from '../repr/text.js';
import { typeName } from '../repr/pgtypes.js';
import { resolveCast, type CastContext } from '../expr/resolve.js';
import type { ScalarExpr, ScalarFunc } from './mir.js';
import type { PlanState } from './state.js';
import type { PlanContext } from './context.js';
import { hasModifier, sameKind, typeEquals, withoutModifier } from './types.js';

export function withPosition<T>(pos: number, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SqlError && err.position === undefined) err.position = pos + 1;
    throw err;
  }
}

export function displayType(type: SqlType): string {
  return typeName(type);
}

/** Converts `expr` to `target`; throws 42846 (explicit) / 42804 (implicit, assignment) when no cast exists. */
export function coerce(state: PlanState, expr: ScalarExpr, target: SqlType, context: CastContext, pos: number): ScalarExpr {
  if (typeEquals(expr.type, target)) return expr;
  if (target.kind === 'unknown') return expr;
  if (expr.kind === 'literal' && expr.type.kind === 'unknown') {
    if (expr.value === null) return { kind: 'literal', value: null, type: target };
    // Parse as the unmodified type, then apply the modifier as a cast in `context`:
    // 'abc'::varchar(2) truncates (explicit) where an INSERT would fail (assignment).
    const text = String(expr.value);
    if (target.kind === 'regclass') return { kind: 'literal', value: withPosition(pos, () => regclassOid(state.ctx, text)), type: target };
    const base = withoutModifier(target);
    const value = withPosition(pos, () => parseText(text, base, { timeZone: state.ctx.timeZone }));
    const parsed: ScalarExpr = { kind: 'literal', value, type: base };
    return hasModifier(target) ? coerce(state, parsed, target, context, pos) : parsed;
  }
  if (expr.kind === 'parameter' && (expr.type.kind === 'unknown' || state.paramType(expr.index) === undefined)) {
    state.setParamType(expr.index, target);
    return { kind: 'parameter', index: expr.index, type: target };
  }
  // Implicit coercion to a type without modifier from the same type with one is a no-op.
  if (context === 'implicit' && sameKind(expr.type, target) && !hasModifier(target)) return expr;
  const catalogCast = regclassCast(state, expr.type, target, context);
  if (catalogCast) return { kind: 'call', func: catalogCast, args: [expr], type: target };
  const func = resolveCast(expr.type, target, context, state.ctx.timeZone);
  if (func) return { kind: 'call', func, args: [expr], type: target };
  // Same type, different modifier, and no length coercion registered: keep the value as it is.
  if (sameKind(expr.type, target)) return expr;
  if (context === 'explicit') {
    throw new SqlError(SqlState.cannotCoerce, `cannot cast type ${displayType(expr.type)} to ${displayType(target)}`, { position: pos + 1 });
  }
  throw new SqlError(
    SqlState.datatypeMismatch,
    `cannot convert type ${displayType(expr.type)} to ${displayType(target)}`,
    { position: pos + 1 },
  );
}

/**
 * regclass input: a relation name, possibly schema-qualified and quoted
 * ('t', 'public.t', '"My T"'), resolved through the search path to its OID
 * when the statement is planned, as PostgreSQL's regclassin does.
 */
function regclassOid(ctx: PlanContext, text: string): number {
  // A number is an OID as it stands (range-checked like oid input).
  if (/^\s*\d+\s*$/.test(text)) return parseText(text, { kind: 'oid' }) as number;
  const parts = parseQualifiedName(text);
  if (parts === null) throw new SqlError(SqlState.invalidName, 'invalid name syntax');
  const oid = parts.length <= 3 ? (ctx.resolveRelation(parts)?.oid ?? ctx.indexOid?.(parts)) : undefined;
  if (oid === undefined) throw new SqlError(SqlState.undefinedTable, `relation "${text}" does not exist`);
  return oid;
}

const TEXT_KINDS = new Set(['text', 'varchar', 'bpchar', 'name']);

/**
 * Casts between regclass and text, which need the catalog (regclassout /
 * regclassin at run time): the name as the session's search path shows it,
 * and a name resolved through it.
 */
function regclassCast(state: PlanState, from: SqlType, to: SqlType, context: CastContext): ScalarFunc | undefined {
  const ctx = state.ctx;
  if (from.kind === 'regclass' && TEXT_KINDS.has(to.kind)) {
    return { name: 'regclass_text', strict: true, eval: (a) => ctx.relationName?.(a[0] as number) ?? String(a[0]) };
  }
  if (TEXT_KINDS.has(from.kind) && to.kind === 'regclass' && context === 'explicit') {
    return {
      name: 'text_regclass',
      strict: true,
      eval: (a) => regclassOid(ctx, a[0] as string),
    };
  }
  return undefined;
}

/** Splits `a.b."C d"` into identifiers: unquoted ones folded to lower case, quoted ones as written ("" is a quote). Null if malformed. */
export function parseQualifiedName(text: string): string[] | null {
  const parts: string[] = [];
  let i = 0;
  const s = text.trim();
  for (;;) {
    let part = '';
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (i >= s.length) return null;
        if (s[i] === '"') {
          if (s[i + 1] === '"') {
            part += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        part += s[i++];
      }
      if (part === '') return null;
    } else {
      const start = i;
      while (i < s.length && s[i] !== '.' && s[i] !== '"') i++;
      part = s.slice(start, i).trim().toLowerCase();
      if (part === '' || /\s/.test(part)) return null;
    }
    parts.push(part);
    if (i >= s.length) return parts;
    if (s[i] !== '.') return null;
    i++;
  }
}

/** Untyped expressions ('abc', NULL, unconstrained $n) become text, as PostgreSQL resolves them in outputs. */
export function resolveUnknown(state: PlanState, expr: ScalarExpr, pos: number): ScalarExpr {
  return expr.type.kind === 'unknown' ? coerce(state, expr, { kind: 'text' }, 'implicit', pos) : expr;
}

export function coerceBool(state: PlanState, expr: ScalarExpr, clause: string, pos: number): ScalarExpr {
  if (expr.type.kind === 'bool') return expr;
  if (expr.type.kind === 'unknown') return coerce(state, expr, { kind: 'bool' }, 'implicit', pos);
  throw new SqlError(SqlState.datatypeMismatch, `argument of ${clause} must be type boolean, not type ${displayType(expr.type)}`, {
    position: pos + 1,
  });
}
