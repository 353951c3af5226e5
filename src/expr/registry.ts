// The overload registry and PostgreSQL's candidate selection
// (func_select_candidate / oper_select_candidate): exact match first, then
// implicit casts ranked by exact-match count, preferred types, categories of
// unknown arguments and the "unknown takes the known type" rule.
import type { Datum, Row, SqlType } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { canCoerceImplicitly } from './cast.js';
import { displayType, isPreferred, sameBaseType, typeCategory } from './type-info.js';

export type PolyKind = 'anyelement' | 'anynonarray' | 'anyarray' | 'anylist' | 'anymap' | 'any';
export interface PolyParam {
  kind: 'poly';
  poly: PolyKind;
}
export type Param = SqlType | PolyParam;

export type Evaluator = (args: Datum[]) => Datum;

export interface Overload {
  /** Name shown by EXPLAIN, e.g. 'int4_add'. */
  name: string;
  params: Param[];
  /** Type of any further arguments (concat(any...), jsonb_build_object(any...)). */
  variadic?: Param;
  returns: SqlType | ((argTypes: SqlType[]) => SqlType);
  /** Default true: NULL in, NULL out, eval never sees NULL. */
  strict?: boolean;
  volatile?: boolean;
  /** Fixed evaluator, or a builder that specializes on the resolved argument types. */
  eval?: Evaluator;
  build?: (argTypes: SqlType[], returnType: SqlType, session: SessionContext) => Evaluator;
  /** Table functions: rows for one call (returns is then the record of output columns). */
  table?: (argTypes: SqlType[], session: SessionContext) => (args: Datum[]) => Iterable<Row>;
}

export const P = {
  anyelement: { kind: 'poly', poly: 'anyelement' },
  anynonarray: { kind: 'poly', poly: 'anynonarray' },
  anyarray: { kind: 'poly', poly: 'anyarray' },
  anylist: { kind: 'poly', poly: 'anylist' },
  anymap: { kind: 'poly', poly: 'anymap' },
  any: { kind: 'poly', poly: 'any' },
} as const satisfies Record<string, PolyParam>;

const registry = new Map<string, Overload[]>();

export function define(key: string, ...overloads: Overload[]): void {
  const list = registry.get(key);
  if (list) list.push(...overloads);
  else registry.set(key, [...overloads]);
}

/** Registers every overload of `existing` under `key` too (json_* names for jsonb_* functions). */
export function alias(key: string, existing: string): void {
  const list = registry.get(existing);
  if (!list) throw new Error(`alias of unknown function ${existing}`);
  define(key, ...list);
}

export function hasOverloads(key: string): boolean {
  return registry.has(key);
}

function isPoly(p: Param): p is PolyParam {
  return p.kind === 'poly';
}

interface Candidate {
  overload: Overload;
  /** Resolved parameter type per argument (what each argument is cast to). */
  targets: SqlType[];
  /** Declared parameter per argument; polymorphic ones never count as exact or preferred matches. */
  declared: Param[];
}

function paramAt(o: Overload, i: number): Param | undefined {
  return i < o.params.length ? o.params[i] : o.variadic;
}

function arityMatches(o: Overload, n: number): boolean {
  return o.variadic ? n >= o.params.length : n === o.params.length;
}

/** Common element type of polymorphic arguments; undefined when they cannot agree. */
function unifyPoly(types: SqlType[]): SqlType | undefined {
  let chosen: SqlType | undefined;
  for (const t of types) {
    if (!chosen || sameBaseType(chosen, t)) {
      chosen ??= t;
      continue;
    }
    if (canCoerceImplicitly(chosen, t) && !canCoerceImplicitly(t, chosen)) chosen = t;
    else if (!canCoerceImplicitly(t, chosen)) return undefined;
  }
  return chosen;
}

function polyElementOf(p: PolyKind, input: SqlType): SqlType | undefined | null {
  // null: input has the wrong shape for this polymorphic parameter.
  switch (p) {
    case 'anyelement':
      return input;
    case 'anynonarray':
      return input.kind === 'array' ? null : input;
    case 'anyarray':
      return input.kind === 'array' ? input.element : null;
    case 'anylist':
      return input.kind === 'list' ? input.element : null;
    case 'anymap':
      return input.kind === 'map' ? input.value : null;
    case 'any':
      return undefined;
  }
}

function polyTarget(p: PolyKind, element: SqlType): SqlType {
  switch (p) {
    case 'anyarray':
      return { kind: 'array', element };
    case 'anylist':
      return { kind: 'list', element };
    case 'anymap':
      return { kind: 'map', value: element };
    default:
      return element;
  }
}

/** Matches one overload against the input types, resolving polymorphic parameters. */
function matchOverload(o: Overload, inputs: SqlType[]): Candidate | undefined {
  if (!arityMatches(o, inputs.length)) return undefined;
  const targets: SqlType[] = new Array<SqlType>(inputs.length);
  const polyInputs: SqlType[] = [];
  let hasPoly = false;
  for (let i = 0; i < inputs.length; i++) {
    const p = paramAt(o, i)!;
    const input = inputs[i]!;
    if (isPoly(p)) {
      if (p.poly === 'any') {
        // 'any' keeps the argument's own type, even unknown (pg_typeof(NULL) is unknown).
        targets[i] = input;
        continue;
      }
      hasPoly = true;
      if (input.kind === 'unknown') continue;
      const el = polyElementOf(p.poly, input);
      if (el === null) return undefined;
      if (el !== undefined) polyInputs.push(el);
      continue;
    }
    if (input.kind === 'unknown') targets[i] = p;
    else if (sameBaseType(input, p)) targets[i] = input;
    else if (canCoerceImplicitly(input, p)) targets[i] = p;
    else return undefined;
  }
  if (hasPoly) {
    const element = polyInputs.length === 0 ? ({ kind: 'text' } as SqlType) : unifyPoly(polyInputs);
    if (!element) return undefined;
    for (let i = 0; i < inputs.length; i++) {
      const p = paramAt(o, i)!;
      if (!isPoly(p) || p.poly === 'any') continue;
      if (p.poly === 'anynonarray' && element.kind === 'array') return undefined;
      const target = polyTarget(p.poly, element);
      const input = inputs[i]!;
      if (input.kind !== 'unknown' && !sameBaseType(input, target) && !canCoerceImplicitly(input, target)) return undefined;
      targets[i] = input.kind !== 'unknown' && sameBaseType(input, target) ? input : target;
    }
  }
  const declared = inputs.map((_t, i) => paramAt(o, i)!);
  return { overload: o, targets, declared };
}

/** Counts positions whose declared (non-polymorphic) parameter passes `test`. */
function countWhere(c: Candidate, inputs: SqlType[], test: (input: SqlType, param: SqlType) => boolean): number {
  let n = 0;
  for (let i = 0; i < inputs.length; i++) {
    const p = c.declared[i]!;
    if (!isPoly(p) && test(inputs[i]!, p)) n++;
  }
  return n;
}

/** Category of the declared parameter ('P' for polymorphic pseudo-types, as PostgreSQL). */
function declaredCategory(c: Candidate, i: number): string {
  const p = c.declared[i]!;
  return isPoly(p) ? 'P' : typeCategory(p);
}
function declaredPreferred(c: Candidate, i: number): boolean {
  const p = c.declared[i]!;
  return !isPoly(p) && isPreferred(p);
}

function keepBest(cands: Candidate[], score: (c: Candidate) => number): Candidate[] {
  let best = -1;
  let kept: Candidate[] = [];
  for (const c of cands) {
    const s = score(c);
    if (s > best) {
      best = s;
      kept = [c];
    } else if (s === best) kept.push(c);
  }
  return kept;
}

/** PostgreSQL's func_select_candidate over the candidates that accept the inputs. */
function selectCandidate(cands: Candidate[], inputs: SqlType[]): Candidate[] {
  if (cands.length <= 1) return cands;
  const isUnknown = (t: SqlType) => t.kind === 'unknown';
  // 1. Most exact matches.
  cands = keepBest(cands, (c) => countWhere(c, inputs, (i, t) => !isUnknown(i) && sameBaseType(i, t)));
  if (cands.length === 1) return cands;
  // 2. Most positions taking the input's type or a preferred type of its category.
  cands = keepBest(cands, (c) =>
    countWhere(c, inputs, (i, t) => !isUnknown(i) && (sameBaseType(i, t) || (isPreferred(t) && typeCategory(t) === typeCategory(i)))),
  );
  if (cands.length === 1) return cands;
  // 3. Unknown arguments: prefer the string category, else the one category all accept; then preferred types.
  if (inputs.some(isUnknown)) {
    for (let i = 0; i < inputs.length; i++) {
      if (!isUnknown(inputs[i]!)) continue;
      const categories = new Set(cands.map((c) => declaredCategory(c, i)));
      let category: string | undefined;
      if (categories.has('S')) category = 'S';
      else if (categories.size === 1) category = [...categories][0];
      if (category === undefined) {
        cands = [];
        break;
      }
      cands = cands.filter((c) => declaredCategory(c, i) === category);
      if (cands.some((c) => declaredPreferred(c, i))) cands = cands.filter((c) => declaredPreferred(c, i));
    }
    if (cands.length === 1) return cands;
  }
  // 4. Unknown arguments assumed to be of the one type all known arguments share.
  const known = inputs.filter((t) => !isUnknown(t));
  if (known.length > 0 && known.length < inputs.length && known.every((t) => sameBaseType(t, known[0]!))) {
    const assumed = inputs.map((t) => (isUnknown(t) ? known[0]! : t));
    const fits = cands.filter((c) => c.targets.every((t, i) => sameBaseType(assumed[i]!, t) || canCoerceImplicitly(assumed[i]!, t)));
    if (fits.length === 1) return fits;
  }
  return cands;
}

/** Among exact matches, a concrete signature beats a polymorphic one (text || text over text || anynonarray). */
function preferConcrete(cands: Candidate[]): Candidate[] {
  const concrete = cands.filter((c) => !c.declared.some(isPoly));
  return concrete.length > 0 ? concrete : cands;
}

export interface Selected {
  overload: Overload;
  argTypes: SqlType[];
  returnType: SqlType;
}

export type LookupResult = { ok: Selected } | { missing: true } | { ambiguous: true };

function finish(c: Candidate): Selected {
  const o = c.overload;
  const returnType = typeof o.returns === 'function' ? o.returns(c.targets) : o.returns;
  return { overload: o, argTypes: c.targets, returnType };
}

/** Finds the overload of `key` for `inputs`; `operator` enables the binary-operator exact rule for unknowns. */
export function lookup(key: string, inputs: SqlType[], operator: boolean): LookupResult {
  const overloads = registry.get(key);
  if (!overloads) return { missing: true };
  const cands: Candidate[] = [];
  for (const o of overloads) {
    const c = matchOverload(o, inputs);
    if (c) cands.push(c);
  }
  if (cands.length === 0) return { missing: true };
  // Exact match on every (known) argument.
  const exact = preferConcrete(cands.filter((c) => inputs.every((t, i) => t.kind !== 'unknown' && sameBaseType(t, c.targets[i]!))));
  if (exact.length === 1) return { ok: finish(exact[0]!) };
  if (operator && inputs.length === 2) {
    // binary_oper_exact: an unknown operand is assumed to have the other operand's type.
    const [l, r] = inputs as [SqlType, SqlType];
    if ((l.kind === 'unknown') !== (r.kind === 'unknown')) {
      const known = l.kind === 'unknown' ? r : l;
      const same = preferConcrete(cands.filter((c) => c.targets.every((t) => sameBaseType(t, known))));
      if (same.length === 1) return { ok: finish(same[0]!) };
    }
  }
  const chosen = selectCandidate(cands, inputs);
  if (chosen.length === 1) return { ok: finish(chosen[0]!) };
  // Several candidates and no way to choose (PostgreSQL's FUNCDETAIL_MULTIPLE).
  return { ambiguous: true };
}

/** Session settings some functions depend on (PostgreSQL's STABLE functions of TimeZone). */
export interface SessionContext {
  timeZone: string;
  /** Whether the relation with this oid is found by its bare name on the session's search_path (pg_table_is_visible). */
  relationVisible?: (oid: number) => boolean;
  /** pg_get_indexdef: the index's definition (column 0) or its nth key expression; undefined if the oid is no index. */
  indexDefinition?: (oid: number, column: number) => string | undefined;
  /** pg_get_viewdef: a view's query; undefined if the oid is no view. */
  viewDefinition?: (oid: number) => string | undefined;
}
export const UTC_SESSION: SessionContext = { timeZone: 'UTC' };

/** The session's time zone, or undefined when it is UTC (callers then keep their zone-free fast path). */
export function nonUtcZone(session: SessionContext): string | undefined {
  return session.timeZone.toUpperCase() === 'UTC' ? undefined : session.timeZone;
}

/** Builds the evaluator of a selected overload. */
export function instantiate(s: Selected, session: SessionContext = UTC_SESSION): Evaluator {
  const o = s.overload;
  if (o.eval) return o.eval;
  if (o.build) return o.build(s.argTypes, s.returnType, session);
  throw new SqlError(SqlState.internalError, `function ${o.name} has no implementation`);
}

export function argList(types: SqlType[]): string {
  return types.map(displayType).join(', ');
}

/**
 * PostgreSQL's error for a call that no single overload fits: 42725 when
 * candidates tie, 42883 when none applies. `signature` is the call as the
 * message shows it: `f(integer, text)`, or `integer + text` for an operator.
 */
export function noSingleOverload(found: Exclude<LookupResult, { ok: Selected }>, kind: 'operator' | 'function', signature: string): SqlError {
  if ('ambiguous' in found) {
    return new SqlError(SqlState.ambiguousFunction, kind === 'operator' ? `operator is not unique: ${signature}` : `function ${signature} is not unique`, {
      hint: `Could not choose a best candidate ${kind}. You might need to add explicit type casts.`,
    });
  }
  return new SqlError(SqlState.undefinedFunction, kind === 'operator' ? `operator does not exist: ${signature}` : `function ${signature} does not exist`, {
    hint: `No ${kind} matches the given name and argument types. You might need to add explicit type casts.`,
  });
}

/** Every registered overload with its key (tests sweep them; tools can list functions). */
export function listOverloads(): Array<{ key: string; overload: Overload }> {
  const out: Array<{ key: string; overload: Overload }> = [];
  for (const [key, list] of registry) for (const overload of list) out.push({ key, overload });
  return out;
}
