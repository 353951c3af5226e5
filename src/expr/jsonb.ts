// jsonb operators and functions (PostgreSQL 15 semantics): field and index
// access, paths, containment, existence, concatenation, deletion, builders
// and the jsonb_each / jsonb_array_elements / jsonb_object_keys table functions.
import type { Datum, JsonbValue } from '../repr/types.js';
import { ArrayValue, Jsonb, JsonbObject } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { jsonbTypeName } from './cast.js';
import { alias, define, P } from './registry.js';
import { defineBinaryOperator as op2, defineFunction as fn, JSONB, TEXT, I4, BOOL, TEXT_ARRAY } from './signatures.js';
import { invalidParameter } from './errors.js';
import { aliasTable, defineTable } from './table-funcs.js';
import {
  isJsonbObject,
  jsonbContains,
  jsonbObjectOf,
  jsonbPretty,
  toJsonbConverter,
  toJsonbKeyConverter,
} from './jsonb-value.js';
import { jsonbObjectGet, jsonbValueToText } from '../repr/jsonb.js';
import { fieldTextOf, pathTextOf, unescapeJson } from '../repr/jsonb-datum.js';

const jv = (d: Datum): JsonbValue => (d as Jsonb).value;
/** Wraps a found value as a jsonb datum; a missing one is SQL NULL. */
const wrap = (v: JsonbValue | undefined): Datum => (v === undefined ? null : new Jsonb(v));
/** ->> and #>> text: strings unquoted, JSON null as SQL NULL, the rest as JSON text. */
const asText = (v: JsonbValue | undefined): Datum => (v === undefined || v === null ? null : typeof v === 'string' ? v : jsonbValueToText(v));

export function fieldOf(v: JsonbValue, key: string): JsonbValue | undefined {
  return isJsonbObject(v) ? jsonbObjectGet(v, key) : undefined;
}
export function elementOf(v: JsonbValue, index: number): JsonbValue | undefined {
  if (!Array.isArray(v)) return undefined;
  const i = index < 0 ? v.length + index : index;
  return i >= 0 && i < v.length ? v[i] : undefined;
}
/** Follows a text[] path: object keys, or array indexes given as integers. */
export function pathOf(v: JsonbValue, path: ArrayValue): JsonbValue | undefined {
  let cur: JsonbValue | undefined = v;
  for (const step of path.elements) {
    if (cur === undefined || step === null) return undefined;
    if (Array.isArray(cur)) {
      if (!/^-?\d+$/.test(step as string)) return undefined;
      cur = elementOf(cur, Number(step));
    } else cur = fieldOf(cur, step as string);
  }
  return cur;
}

/** A found value's canonical text as a jsonb datum (null: not found). */
const fromText = (text: string | null): Datum => (text === null ? null : Jsonb.fromCanonicalText(text));
/** ->> and #>> of a found value's canonical text: strings unquoted, JSON null as SQL NULL. */
function textOfText(text: string | null): Datum {
  if (text === null || text === 'null') return null;
  if (text.charCodeAt(0) !== 0x22) return text;
  const body = text.slice(1, -1);
  return body.indexOf('\\') < 0 ? body : unescapeJson(body);
}

/** `->` with a key: found in the text when the datum has no tree (a JSON source's rows). */
function getField(d: Datum, key: string): Datum {
  const text = fieldTextOf(d as Jsonb, key);
  return text === undefined ? wrap(fieldOf(jv(d), key)) : fromText(text);
}
/** `->>` with a key, likewise. */
function getFieldText(d: Datum, key: string): Datum {
  const text = fieldTextOf(d as Jsonb, key);
  return text === undefined ? asText(fieldOf(jv(d), key)) : textOfText(text);
}
/** `#>` / `#>>`, likewise. */
function getPath(d: Datum, path: ArrayValue): Datum {
  const text = pathTextOf(d as Jsonb, path.elements as (string | null)[]);
  return text === undefined ? wrap(pathOf(jv(d), path)) : fromText(text);
}
function getPathText(d: Datum, path: ArrayValue): Datum {
  const text = pathTextOf(d as Jsonb, path.elements as (string | null)[]);
  return text === undefined ? asText(pathOf(jv(d), path)) : textOfText(text);
}

op2('->', 'jsonb_get_field', JSONB, TEXT, JSONB, (a) => getField(a[0]!, a[1] as string));
op2('->', 'jsonb_get_element', JSONB, I4, JSONB, (a) => wrap(elementOf(jv(a[0]!), a[1] as number)));
op2('->>', 'jsonb_get_field_text', JSONB, TEXT, TEXT, (a) => getFieldText(a[0]!, a[1] as string));
op2('->>', 'jsonb_get_element_text', JSONB, I4, TEXT, (a) => asText(elementOf(jv(a[0]!), a[1] as number)));
op2('#>', 'jsonb_get_path', JSONB, TEXT_ARRAY, JSONB, (a) => getPath(a[0]!, a[1] as ArrayValue));
op2('#>>', 'jsonb_get_path_text', JSONB, TEXT_ARRAY, TEXT, (a) => getPathText(a[0]!, a[1] as ArrayValue));
define('jsonb_extract_path', {
  name: 'jsonb_extract_path',
  params: [JSONB],
  variadic: TEXT,
  returns: JSONB,
  eval: (a) => getPath(a[0]!, new ArrayValue(a.slice(1), [a.length - 1])),
});
define('jsonb_extract_path_text', {
  name: 'jsonb_extract_path_text',
  params: [JSONB],
  variadic: TEXT,
  returns: TEXT,
  eval: (a) => getPathText(a[0]!, new ArrayValue(a.slice(1), [a.length - 1])),
});

// ---- containment and existence ----

op2('@>', 'jsonb_contains', JSONB, JSONB, BOOL, (a) => jsonbContains(jv(a[0]!), jv(a[1]!)));
op2('<@', 'jsonb_contained', JSONB, JSONB, BOOL, (a) => jsonbContains(jv(a[1]!), jv(a[0]!)));

/** `?`: a top-level object key, or a string element of a top-level array. */
function hasKey(v: JsonbValue, key: string): boolean {
  if (isJsonbObject(v)) return jsonbObjectGet(v, key) !== undefined;
  if (Array.isArray(v)) return v.some((x) => x === key);
  return v === key;
}
op2('?', 'jsonb_exists', JSONB, TEXT, BOOL, (a) => hasKey(jv(a[0]!), a[1] as string));
op2('?|', 'jsonb_exists_any', JSONB, TEXT_ARRAY, BOOL, (a) =>
  (a[1] as ArrayValue).elements.some((k) => k !== null && hasKey(jv(a[0]!), k as string)),
);
op2('?&', 'jsonb_exists_all', JSONB, TEXT_ARRAY, BOOL, (a) =>
  (a[1] as ArrayValue).elements.every((k) => k !== null && hasKey(jv(a[0]!), k as string)),
);

// ---- concatenation and deletion ----

export function jsonbConcat(l: JsonbValue, r: JsonbValue): JsonbValue {
  if (isJsonbObject(l) && isJsonbObject(r)) return jsonbObjectOf([...l.entries, ...r.entries]);
  const la = Array.isArray(l) ? l : [l];
  const ra = Array.isArray(r) ? r : [r];
  return [...la, ...ra];
}
op2('||', 'jsonb_concat', JSONB, JSONB, JSONB, (a) => new Jsonb(jsonbConcat(jv(a[0]!), jv(a[1]!))));

function cannotDeleteFromScalar(): SqlError {
  return invalidParameter('cannot delete from scalar');
}
function deleteKeys(v: JsonbValue, keys: Set<string>): JsonbValue {
  if (isJsonbObject(v)) return new JsonbObject(v.entries.filter(([k]) => !keys.has(k)));
  if (Array.isArray(v)) return v.filter((x) => typeof x !== 'string' || !keys.has(x));
  throw cannotDeleteFromScalar();
}
function deleteIndex(v: JsonbValue, index: number): JsonbValue {
  if (isJsonbObject(v)) throw invalidParameter('cannot delete from object using integer index');
  if (!Array.isArray(v)) throw cannotDeleteFromScalar();
  const i = index < 0 ? v.length + index : index;
  return i >= 0 && i < v.length ? v.filter((_x, j) => j !== i) : v;
}
op2('-', 'jsonb_delete_key', JSONB, TEXT, JSONB, (a) => new Jsonb(deleteKeys(jv(a[0]!), new Set([a[1] as string]))));
op2('-', 'jsonb_delete_index', JSONB, I4, JSONB, (a) => new Jsonb(deleteIndex(jv(a[0]!), a[1] as number)));
op2('-', 'jsonb_delete_keys', JSONB, TEXT_ARRAY, JSONB, (a) => {
  const keys = (a[1] as ArrayValue).elements.filter((k): k is string => typeof k === 'string');
  return new Jsonb(deleteKeys(jv(a[0]!), new Set(keys)));
});

/** #- : deletes the element at a path (missing paths leave the value unchanged). */
function deletePath(v: JsonbValue, path: Datum[]): JsonbValue {
  if (path.length === 0) return v;
  const [step, ...rest] = path;
  if (step === null) throw invalidParameter('path element at position 1 is null');
  if (isJsonbObject(v)) {
    const child = jsonbObjectGet(v, step as string);
    if (child === undefined) return v;
    if (rest.length === 0) return new JsonbObject(v.entries.filter(([k]) => k !== step));
    return new JsonbObject(v.entries.map(([k, x]) => [k, k === step ? deletePath(x, rest) : x] as const));
  }
  if (Array.isArray(v)) {
    if (!/^-?\d+$/.test(step as string)) throw invalidParameter(`path element at position 1 is not an integer: "${step as string}"`);
    const n = Number(step);
    const i = n < 0 ? v.length + n : n;
    if (i < 0 || i >= v.length) return v;
    return rest.length === 0 ? v.filter((_x, j) => j !== i) : v.map((x, j) => (j === i ? deletePath(x, rest) : x));
  }
  throw invalidParameter('cannot delete path in scalar');
}
op2('#-', 'jsonb_delete_path', JSONB, TEXT_ARRAY, JSONB, (a) => new Jsonb(deletePath(jv(a[0]!), (a[1] as ArrayValue).elements)));

/** jsonb_set: replaces (or with create_missing adds) the value at a path. */
function setPath(v: JsonbValue, path: Datum[], value: JsonbValue, create: boolean): JsonbValue {
  if (path.length === 0) return value;
  const [step, ...rest] = path;
  if (step === null) throw invalidParameter('path element at position 1 is null');
  if (isJsonbObject(v)) {
    const child = jsonbObjectGet(v, step as string);
    if (child === undefined) {
      return rest.length === 0 && create ? jsonbObjectOf([...v.entries, [step as string, value]]) : v;
    }
    return jsonbObjectOf(v.entries.map(([k, x]) => [k, k === step ? setPath(x, rest, value, create) : x] as const));
  }
  if (Array.isArray(v)) {
    if (!/^-?\d+$/.test(step as string)) throw invalidParameter(`path element at position 1 is not an integer: "${step as string}"`);
    const n = Number(step);
    const i = n < 0 ? v.length + n : n;
    if (i < 0 || i >= v.length) {
      if (rest.length > 0 || !create) return v;
      return i < 0 ? [value, ...v] : [...v, value];
    }
    return v.map((x, j) => (j === i ? setPath(x, rest, value, create) : x));
  }
  throw invalidParameter('cannot set path in scalar');
}
fn('jsonb_set', 'jsonb_set', [JSONB, TEXT_ARRAY, JSONB], JSONB, (a) =>
  new Jsonb(setPath(jv(a[0]!), (a[1] as ArrayValue).elements, jv(a[2]!), true)),
);
fn('jsonb_set', 'jsonb_set', [JSONB, TEXT_ARRAY, JSONB, BOOL], JSONB, (a) =>
  new Jsonb(setPath(jv(a[0]!), (a[1] as ArrayValue).elements, jv(a[2]!), a[3] as boolean)),
);

// ---- inspection ----

fn('jsonb_typeof', 'jsonb_typeof', [JSONB], TEXT, (a) => jsonbTypeName(jv(a[0]!)));
fn('jsonb_array_length', 'jsonb_array_length', [JSONB], I4, (a) => {
  const v = jv(a[0]!);
  if (Array.isArray(v)) return v.length;
  throw invalidParameter(isJsonbObject(v) ? 'cannot get array length of a non-array' : 'cannot get array length of a scalar');
});
function stripNulls(v: JsonbValue): JsonbValue {
  if (isJsonbObject(v)) return new JsonbObject(v.entries.filter(([, x]) => x !== null).map(([k, x]) => [k, stripNulls(x)] as const));
  if (Array.isArray(v)) return v.map(stripNulls);
  return v;
}
fn('jsonb_strip_nulls', 'jsonb_strip_nulls', [JSONB], JSONB, (a) => new Jsonb(stripNulls(jv(a[0]!))));
fn('jsonb_pretty', 'jsonb_pretty', [JSONB], TEXT, (a) => jsonbPretty(jv(a[0]!)));

// ---- builders ----

define('to_jsonb', {
  name: 'to_jsonb',
  params: [P.any],
  returns: JSONB,
  build: (types, _returns, session) => {
    const convert = toJsonbConverter(types[0]!, session.timeZone);
    return (a) => new Jsonb(convert(a[0]!));
  },
});
define('jsonb_build_array', {
  name: 'jsonb_build_array',
  params: [],
  variadic: P.any,
  returns: JSONB,
  strict: false,
  build: (types, _returns, session) => {
    const convert = types.map((t) => toJsonbConverter(t, session.timeZone));
    return (a) => new Jsonb(a.map((v, i) => (v === null ? null : convert[i]!(v))));
  },
});
define('jsonb_build_object', {
  name: 'jsonb_build_object',
  params: [],
  variadic: P.any,
  returns: JSONB,
  strict: false,
  build: (types, _returns, session) => {
    if (types.length % 2 !== 0) {
      throw new SqlError(SqlState.invalidParameterValue, 'argument list must have even number of elements', {
        hint: 'The arguments of jsonb_build_object() must consist of alternating keys and values.',
      });
    }
    const keyText = types.map((t) => toJsonbKeyConverter(t, session.timeZone));
    const convert = types.map((t) => toJsonbConverter(t, session.timeZone));
    return (a) => {
      const entries: Array<readonly [string, JsonbValue]> = [];
      for (let i = 0; i < a.length; i += 2) {
        const k = a[i]!;
        if (k === null) throw new SqlError(SqlState.invalidParameterValue, `argument ${i + 1}: key must not be null`);
        const v = a[i + 1]!;
        entries.push([keyText[i]!(k), v === null ? null : convert[i + 1]!(v)]);
      }
      return new Jsonb(jsonbObjectOf(entries));
    };
  },
});

// ---- table functions ----

const NO_ROWS: Datum[][] = [];

function objectEntries(v: JsonbValue, fname: string): JsonbObject {
  if (isJsonbObject(v)) return v;
  throw invalidParameter(`cannot call ${fname} on a non-object`);
}
function arrayElements(v: JsonbValue): JsonbValue[] {
  if (Array.isArray(v)) return v;
  throw invalidParameter(isJsonbObject(v) ? 'cannot extract elements from an object' : 'cannot extract elements from a scalar');
}

defineTable('jsonb_each', [JSONB], [{ name: 'key', type: TEXT }, { name: 'value', type: JSONB }], () => (a) =>
  a[0] === null ? NO_ROWS : objectEntries(jv(a[0]), 'jsonb_each').entries.map(([k, v]) => [k, new Jsonb(v)]),
);
defineTable('jsonb_each_text', [JSONB], [{ name: 'key', type: TEXT }, { name: 'value', type: TEXT }], () => (a) =>
  a[0] === null ? NO_ROWS : objectEntries(jv(a[0]), 'jsonb_each_text').entries.map(([k, v]) => [k, asText(v)]),
);
defineTable('jsonb_object_keys', [JSONB], [{ name: 'jsonb_object_keys', type: TEXT }], () => (a) => {
  if (a[0] === null) return NO_ROWS;
  const v = jv(a[0]);
  if (isJsonbObject(v)) return v.entries.map(([k]) => [k]);
  throw invalidParameter(`cannot call jsonb_object_keys on ${Array.isArray(v) ? 'an array' : 'a scalar'}`);
});
defineTable('jsonb_array_elements', [JSONB], [{ name: 'value', type: JSONB }], () => (a) =>
  a[0] === null ? NO_ROWS : arrayElements(jv(a[0])).map((v) => [new Jsonb(v)]),
);
defineTable('jsonb_array_elements_text', [JSONB], [{ name: 'value', type: TEXT }], () => (a) =>
  a[0] === null ? NO_ROWS : arrayElements(jv(a[0])).map((v) => [asText(v)]),
);

// ---- json_* spellings: Materialize reads json as jsonb, so they are the same functions ----

for (const name of [
  'build_object',
  'build_array',
  'typeof',
  'array_length',
  'strip_nulls',
  'extract_path',
  'extract_path_text',
]) {
  alias(`json_${name}`, `jsonb_${name}`);
}
alias('to_json', 'to_jsonb');
alias('row_to_json', 'to_jsonb');
alias('array_to_json', 'to_jsonb');
for (const name of ['each', 'each_text', 'array_elements', 'array_elements_text', 'object_keys']) aliasTable(`json_${name}`, `jsonb_${name}`);
