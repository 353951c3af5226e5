// Arrays (PostgreSQL), lists and maps (Materialize): subscripts, slices,
// sizes, concatenation, search, containment. Element comparisons are
// specialized on the element type once, at resolution.
import type { Datum, SqlType } from '../repr/types.js';
import { ArrayValue, ListValue, MapValue, RecordValue } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { makeMap, mapGet } from '../repr/values.js';
import { define, P, type Evaluator, type Param } from './registry.js';
import { I4, TEXT, BOOL, TEXT_ARRAY } from './signatures.js';
import { comparatorFor } from './compare-ops.js';
import { displayType } from './type-info.js';

const elementType = (t: SqlType): SqlType => (t.kind === 'array' || t.kind === 'list' ? t.element : t.kind === 'map' ? t.value : t);
const sameAs = (i: number) => (types: SqlType[]) => types[i]!;
const elementOfArg = (i: number) => (types: SqlType[]) => elementType(types[i]!);

/** Registers `key` (a function name, or 'op <symbol>'); EXPLAIN shows `name` (default: the key). */
function def(
  key: string,
  params: Param[],
  returns: SqlType | ((t: SqlType[]) => SqlType),
  build: (types: SqlType[]) => Evaluator,
  strict = true,
  variadic?: Param,
  name = key,
): void {
  define(key, { name, params, returns, build, strict, variadic });
}

/** Equality under IS NOT DISTINCT FROM for elements of one type. */
function notDistinct(type: SqlType): (a: Datum, b: Datum) => boolean {
  const cmp = comparatorFor(type);
  return (a, b) => (a === null || b === null ? a === b : cmp(a, b) === 0);
}

// ---- arrays ----

const EMPTY_ARRAY = new ArrayValue([], []);

function oneDimensional(elements: Datum[]): ArrayValue {
  return elements.length === 0 ? EMPTY_ARRAY : new ArrayValue(elements, [elements.length]);
}

/** arr[i] or arr[i][j]...: NULL when out of range or when fewer subscripts than dimensions are given. */
function arraySubscript(arr: ArrayValue, subscripts: Datum[]): Datum {
  if (subscripts.length !== arr.dims.length) return null;
  let offset = 0;
  for (let d = 0; d < arr.dims.length; d++) {
    const s = subscripts[d];
    if (s === null) return null;
    const i = (s as number) - arr.lowerBounds[d]!;
    if (i < 0 || i >= arr.dims[d]!) return null;
    offset = offset * arr.dims[d]! + i;
  }
  return arr.elements[offset] ?? null;
}
def('array_subscript', [P.anyarray, I4], elementOfArg(0), () => (a) => arraySubscript(a[0] as ArrayValue, a.slice(1)), true, I4);

/** arr[lo:hi] on the first dimension (NULL bounds mean unbounded); the result has lower bound 1. */
def(
  'array_slice',
  [P.anyarray, I4, I4],
  sameAs(0),
  () => (a) => {
    const arr = a[0] as ArrayValue | null;
    if (arr === null) return null;
    if (arr.dims.length === 0) return EMPTY_ARRAY;
    const lb = arr.lowerBounds[0]!;
    const lo = Math.max((a[1] as number | null) ?? lb, lb);
    const hi = Math.min((a[2] as number | null) ?? lb + arr.dims[0]! - 1, lb + arr.dims[0]! - 1);
    if (lo > hi) return EMPTY_ARRAY;
    const inner = arr.dims.slice(1).reduce((x, y) => x * y, 1);
    const elements = arr.elements.slice((lo - lb) * inner, (hi - lb + 1) * inner);
    return new ArrayValue(elements, [hi - lo + 1, ...arr.dims.slice(1)]);
  },
  false,
);
def('array_length', [P.anyarray, I4], I4, () => (a) => (a[0] as ArrayValue).dims[(a[1] as number) - 1] ?? null);
def('array_lower', [P.anyarray, I4], I4, () => (a) => (a[0] as ArrayValue).lowerBounds[(a[1] as number) - 1] ?? null);
def('array_upper', [P.anyarray, I4], I4, () => (a) => {
  const arr = a[0] as ArrayValue;
  const d = (a[1] as number) - 1;
  const len = arr.dims[d];
  return len === undefined ? null : arr.lowerBounds[d]! + len - 1;
});
def('array_ndims', [P.anyarray], I4, () => (a) => {
  const n = (a[0] as ArrayValue).dims.length;
  return n === 0 ? null : n;
});
def('array_dims', [P.anyarray], TEXT, () => (a) => {
  const arr = a[0] as ArrayValue;
  if (arr.dims.length === 0) return null;
  return arr.dims.map((len, d) => `[${arr.lowerBounds[d]!}:${arr.lowerBounds[d]! + len - 1}]`).join('');
});
def('cardinality', [P.anyarray], I4, () => (a) => (a[0] as ArrayValue).elements.length);

function concatArrays(l: ArrayValue | null, r: ArrayValue | null): Datum {
  if (l === null || l.elements.length === 0) return r;
  if (r === null || r.elements.length === 0) return l;
  if (l.dims.length === r.dims.length) {
    if (l.dims.slice(1).join() !== r.dims.slice(1).join()) throw cannotConcatenate();
    return new ArrayValue([...l.elements, ...r.elements], [l.dims[0]! + r.dims[0]!, ...l.dims.slice(1)], l.lowerBounds);
  }
  // An N-1 dimensional array appended or prepended as one more row.
  if (l.dims.length === r.dims.length + 1 && l.dims.slice(1).join() === r.dims.join()) {
    return new ArrayValue([...l.elements, ...r.elements], [l.dims[0]! + 1, ...l.dims.slice(1)], l.lowerBounds);
  }
  if (r.dims.length === l.dims.length + 1 && r.dims.slice(1).join() === l.dims.join()) {
    return new ArrayValue([...l.elements, ...r.elements], [r.dims[0]! + 1, ...r.dims.slice(1)]);
  }
  throw cannotConcatenate();
}
function cannotConcatenate(): SqlError {
  return new SqlError(SqlState.arraySubscriptError, 'cannot concatenate incompatible arrays');
}
function appendElement(arr: ArrayValue | null, e: Datum): Datum {
  if (arr === null || arr.dims.length === 0) return oneDimensional([e]);
  if (arr.dims.length > 1) throw new SqlError(SqlState.datatypeMismatch, 'argument must be empty or one-dimensional array');
  return new ArrayValue([...arr.elements, e], [arr.dims[0]! + 1], arr.lowerBounds);
}
function prependElement(e: Datum, arr: ArrayValue | null): Datum {
  if (arr === null || arr.dims.length === 0) return oneDimensional([e]);
  if (arr.dims.length > 1) throw new SqlError(SqlState.datatypeMismatch, 'argument must be empty or one-dimensional array');
  // PostgreSQL 15's array_prepend keeps the lower bound (0 || ARRAY[1] is {0,1}; 0 || '[5:6]={1,2}' is [5:7]={0,1,2}).
  return new ArrayValue([e, ...arr.elements], [arr.dims[0]! + 1], arr.lowerBounds);
}
const arrayCat: Evaluator = (a) => concatArrays(a[0] as ArrayValue | null, a[1] as ArrayValue | null);
const arrayAppend: Evaluator = (a) => appendElement(a[0] as ArrayValue | null, a[1]!);
const arrayPrepend: Evaluator = (a) => prependElement(a[0]!, a[1] as ArrayValue | null);
for (const [name, key] of [
  ['array_cat', 'op ||'],
  ['array_cat', 'array_cat'],
] as const) {
  define(key, { name, params: [P.anyarray, P.anyarray], returns: sameAs(0), strict: false, eval: arrayCat });
}
for (const key of ['op ||', 'array_append']) {
  define(key, { name: 'array_append', params: [P.anyarray, P.anynonarray], returns: sameAs(0), strict: false, eval: arrayAppend });
}
for (const key of ['op ||', 'array_prepend']) {
  define(key, { name: 'array_prepend', params: [P.anynonarray, P.anyarray], returns: sameAs(1), strict: false, eval: arrayPrepend });
}

function arrayPosition(types: SqlType[]): Evaluator {
  const eq = notDistinct(elementType(types[0]!));
  return (a) => {
    const arr = a[0] as ArrayValue | null;
    if (arr === null) return null;
    if (arr.dims.length > 1) throw new SqlError(SqlState.featureNotSupported, 'searching for elements in multidimensional arrays is not supported');
    const start = a.length > 2 ? (a[2] as number | null) : null;
    const lb = arr.lowerBounds[0] ?? 1;
    for (let i = start === null ? 0 : Math.max(0, start - lb); i < arr.elements.length; i++) {
      if (eq(arr.elements[i]!, a[1]!)) return i + lb;
    }
    return null;
  };
}
def('array_position', [P.anyarray, P.anyelement], I4, arrayPosition, false);
def('array_position', [P.anyarray, P.anyelement, I4], I4, arrayPosition, false);
def('array_positions', [P.anyarray, P.anyelement], { kind: 'array', element: I4 }, (types) => {
  const eq = notDistinct(elementType(types[0]!));
  return (a) => {
    const arr = a[0] as ArrayValue | null;
    if (arr === null) return null;
    const lb = arr.lowerBounds[0] ?? 1;
    const found: Datum[] = [];
    arr.elements.forEach((e, i) => {
      if (eq(e, a[1]!)) found.push(i + lb);
    });
    return oneDimensional(found);
  };
}, false);
def('array_remove', [P.anyarray, P.anyelement], sameAs(0), (types) => {
  const eq = notDistinct(elementType(types[0]!));
  return (a) => {
    const arr = a[0] as ArrayValue | null;
    if (arr === null) return null;
    if (arr.dims.length > 1) throw new SqlError(SqlState.featureNotSupported, 'removing elements from multidimensional arrays is not supported');
    return oneDimensional(arr.elements.filter((e) => !eq(e, a[1]!)));
  };
}, false);
def('array_replace', [P.anyarray, P.anyelement, P.anyelement], sameAs(0), (types) => {
  const eq = notDistinct(elementType(types[0]!));
  return (a) => {
    const arr = a[0] as ArrayValue | null;
    if (arr === null) return null;
    return new ArrayValue(arr.elements.map((e) => (eq(e, a[1]!) ? a[2]! : e)), arr.dims, arr.lowerBounds);
  };
}, false);

/** Containment of element multisets ignoring NULLs never matching (PostgreSQL's @> on arrays). */
function containsAll(hay: Datum[], needles: Datum[], cmp: (a: Datum, b: Datum) => number): boolean {
  return needles.every((n) => n !== null && hay.some((h) => h !== null && cmp(h, n) === 0));
}
// @> and <@ on arrays and on lists: the containing side is argument `hay`.
for (const [param, kind] of [
  [P.anyarray, 'array'],
  [P.anylist, 'list'],
] as const) {
  for (const [key, suffix, hay] of [
    ['op @>', 'contains', 0],
    ['op <@', 'contained', 1],
  ] as const) {
    def(key, [param, param], BOOL, (types) => {
      const cmp = comparatorFor(elementType(types[0]!));
      return (a) => containsAll((a[hay] as ArrayValue | ListValue).elements, (a[1 - hay] as ArrayValue | ListValue).elements, cmp);
    }, true, undefined, `${kind}_${suffix}`);
  }
}
def('op &&', [P.anyarray, P.anyarray], BOOL, (types) => {
  const cmp = comparatorFor(elementType(types[0]!));
  return (a) => (a[0] as ArrayValue).elements.some((x) => x !== null && (a[1] as ArrayValue).elements.some((y) => y !== null && cmp(x, y) === 0));
}, true, undefined, 'array_overlap');

// ---- lists (1-based, out of range is NULL) ----

/** l[i][j]...: walks nested lists; NULL when any index is out of range. */
function listSubscript(list: ListValue, subscripts: Datum[]): Datum {
  let cur: Datum = list;
  for (const s of subscripts) {
    if (s === null || !(cur instanceof ListValue)) return null;
    const i = s as number;
    if (i < 1 || i > cur.elements.length) return null;
    cur = cur.elements[i - 1]!;
  }
  return cur;
}
/** The element type after `depth` subscripts of a (nested) list type. */
function listElementAt(t: SqlType, depth: number): SqlType {
  let cur = t;
  for (let i = 0; i < depth && cur.kind === 'list'; i++) cur = cur.element;
  return cur;
}
define('list_subscript', {
  name: 'list_subscript',
  params: [P.anylist, I4],
  variadic: I4,
  returns: (types) => listElementAt(types[0]!, types.length - 1),
  eval: (a) => listSubscript(a[0] as ListValue, a.slice(1)),
});
def(
  'list_slice',
  [P.anylist, I4, I4],
  sameAs(0),
  () => (a) => {
    const list = a[0] as ListValue | null;
    if (list === null) return null;
    const lo = Math.max((a[1] as number | null) ?? 1, 1);
    const hi = Math.min((a[2] as number | null) ?? list.elements.length, list.elements.length);
    if (lo > hi) return null;
    return new ListValue(list.elements.slice(lo - 1, hi));
  },
  false,
);
def('list_length', [P.anylist], I4, () => (a) => (a[0] as ListValue).elements.length);
// map_build(list of (text, value) records): later entries win, NULL records and NULL keys are skipped.
define('map_build', {
  name: 'map_build',
  params: [P.anylist],
  returns: (types) => {
    const element = types[0]!.kind === 'list' ? types[0]!.element : undefined;
    return { kind: 'map', value: element?.kind === 'record' && element.fields.length === 2 ? element.fields[1]!.type : { kind: 'text' } };
  },
  build: (types) => {
    const element = types[0]!.kind === 'list' ? types[0]!.element : undefined;
    const valid = element?.kind === 'record' && element.fields.length === 2 && element.fields[0]!.type.kind === 'text';
    return (a) => {
      // Only lists of (text, value) records have a map_build; checked here so resolution stays total.
      if (!valid) throw new SqlError(SqlState.undefinedFunction, `function map_build(${displayType(types[0]!)}) does not exist`);
      const entries: [string, Datum][] = [];
      for (const e of (a[0] as ListValue).elements) {
        if (!(e instanceof RecordValue) || e.fields[0] === null) continue;
        entries.push([e.fields[0] as string, e.fields[1] ?? null]);
      }
      return makeMap(entries);
    };
  },
});
def('list_length_max', [P.anylist, I4], I4, (types) => {
  let layers = 0;
  for (let t: SqlType = types[0]!; t.kind === 'list'; t = t.element) layers++;
  // The longest list at `layer` (1 is the list itself).
  const longest = (l: ListValue, layer: number): number | null => {
    if (layer === 1) return l.elements.length;
    let max: number | null = null;
    for (const e of l.elements) {
      if (e === null) continue;
      const n = longest(e as ListValue, layer - 1);
      if (n !== null && (max === null || n > max)) max = n;
    }
    return max;
  };
  return (a) => {
    const layer = a[1] as number;
    if (layer < 1 || layer > layers) throw new SqlError(SqlState.invalidParameterValue, `invalid layer: ${layer}; must use value within [1, ${layers}]`);
    return longest(a[0] as ListValue, layer);
  };
});
def('list_n_layers', [P.anylist], I4, (types) => {
  let n = 0;
  for (let t: SqlType = types[0]!; t.kind === 'list'; t = t.element) n++;
  return () => n;
});
const listCat: Evaluator = (a) => {
  const l = a[0] as ListValue | null;
  const r = a[1] as ListValue | null;
  if (l === null) return r;
  if (r === null) return l;
  return new ListValue([...l.elements, ...r.elements]);
};
const listAppend: Evaluator = (a) => new ListValue([...((a[0] as ListValue | null)?.elements ?? []), a[1]!]);
const listPrepend: Evaluator = (a) => new ListValue([a[0]!, ...((a[1] as ListValue | null)?.elements ?? [])]);
for (const key of ['op ||', 'list_cat']) define(key, { name: 'list_cat', params: [P.anylist, P.anylist], returns: sameAs(0), strict: false, eval: listCat });
for (const key of ['op ||', 'list_append']) {
  define(key, { name: 'list_append', params: [P.anylist, P.anyelement], returns: sameAs(0), strict: false, eval: listAppend });
}
for (const key of ['op ||', 'list_prepend']) {
  define(key, { name: 'list_prepend', params: [P.anyelement, P.anylist], returns: sameAs(1), strict: false, eval: listPrepend });
}
def('list_remove', [P.anylist, P.anyelement], sameAs(0), (types) => {
  const eq = notDistinct(elementType(types[0]!));
  return (a) => (a[0] === null ? null : new ListValue((a[0] as ListValue).elements.filter((e) => !eq(e, a[1]!))));
}, false);
def('list_to_array', [P.anylist], (types) => ({ kind: 'array', element: elementType(types[0]!) }), () => (a) =>
  oneDimensional([...(a[0] as ListValue).elements]),
);

// ---- maps (entries sorted by key) ----

define('op ->', { name: 'map_get', params: [P.anymap, TEXT], returns: elementOfArg(0), eval: (a) => mapGet(a[0] as MapValue, a[1] as string) ?? null });
define('map_get', { name: 'map_get', params: [P.anymap, TEXT], returns: elementOfArg(0), eval: (a) => mapGet(a[0] as MapValue, a[1] as string) ?? null });
def('map_length', [P.anymap], I4, () => (a) => (a[0] as MapValue).entries.length);
def('map_keys', [P.anymap], TEXT_ARRAY, () => (a) => oneDimensional((a[0] as MapValue).entries.map(([k]) => k)));
def('map_values', [P.anymap], (types) => ({ kind: 'array', element: elementType(types[0]!) }), () => (a) =>
  oneDimensional((a[0] as MapValue).entries.map(([, v]) => v)),
);
define('op ?', { name: 'map_contains_key', params: [P.anymap, TEXT], returns: BOOL, eval: (a) => mapGet(a[0] as MapValue, a[1] as string) !== undefined });
define('op ?&', {
  name: 'map_contains_all_keys',
  params: [P.anymap, TEXT_ARRAY],
  returns: BOOL,
  eval: (a) => (a[1] as ArrayValue).elements.every((k) => k !== null && mapGet(a[0] as MapValue, k as string) !== undefined),
});
define('op ?|', {
  name: 'map_contains_any_keys',
  params: [P.anymap, TEXT_ARRAY],
  returns: BOOL,
  eval: (a) => (a[1] as ArrayValue).elements.some((k) => k !== null && mapGet(a[0] as MapValue, k as string) !== undefined),
});
function mapContains(type: SqlType): (outer: MapValue, inner: MapValue) => boolean {
  const eq = notDistinct(elementType(type));
  return (outer, inner) =>
    inner.entries.every(([k, v]) => {
      const o = mapGet(outer, k);
      return o !== undefined && eq(o, v);
    });
}
def('op @>', [P.anymap, P.anymap], BOOL, (types) => {
  const contains = mapContains(types[0]!);
  return (a) => contains(a[0] as MapValue, a[1] as MapValue);
}, true, undefined, 'map_contains');
def('op <@', [P.anymap, P.anymap], BOOL, (types) => {
  const contains = mapContains(types[0]!);
  return (a) => contains(a[1] as MapValue, a[0] as MapValue);
}, true, undefined, 'map_contained');
