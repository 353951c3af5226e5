// Comparison operators for every type, three-valued boolean logic and the
// generic conditional functions (coalesce, nullif, greatest, least,
// is_distinct_from). Comparisons resolve on one unified argument type and are
// specialized: native JS comparison where it is exact, repr's compareDatums
// otherwise (floats with NaN, numeric, text by code point, composites).
import type { Datum, SqlType } from '../repr/types.js';
import { T } from '../repr/types.js';
import { compareDatums } from '../repr/compare.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { define, P, type Evaluator } from './registry.js';
import { displayType, sameType, withoutModifiers } from './type-info.js';

type Comparison = '=' | '<>' | '<' | '<=' | '>' | '>=';
const COMPARISON_NAMES: Record<Comparison, string> = { '=': 'eq', '<>': 'neq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };

/** Kinds whose JS value (number without NaN, or bigint) orders exactly with < and ===. */
function hasNativeOrder(t: SqlType): boolean {
  switch (t.kind) {
    case 'bool':
    case 'int2':
    case 'int4':
    case 'int8':
    case 'uint2':
    case 'uint4':
    case 'uint8':
    case 'oid':
    case 'date':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'mz_timestamp':
      return true;
    default:
      return false;
  }
}

type Primitive = number | bigint | boolean;

function nativeComparison(op: Comparison): Evaluator {
  switch (op) {
    case '=':
      return (a) => a[0] === a[1];
    case '<>':
      return (a) => a[0] !== a[1];
    case '<':
      return (a) => (a[0] as Primitive) < (a[1] as Primitive);
    case '<=':
      return (a) => (a[0] as Primitive) <= (a[1] as Primitive);
    case '>':
      return (a) => (a[0] as Primitive) > (a[1] as Primitive);
    case '>=':
      return (a) => (a[0] as Primitive) >= (a[1] as Primitive);
  }
}

function genericComparison(op: Comparison): Evaluator {
  switch (op) {
    case '=':
      return (a) => compareDatums(a[0]!, a[1]!) === 0;
    case '<>':
      return (a) => compareDatums(a[0]!, a[1]!) !== 0;
    case '<':
      return (a) => compareDatums(a[0]!, a[1]!) < 0;
    case '<=':
      return (a) => compareDatums(a[0]!, a[1]!) <= 0;
    case '>':
      return (a) => compareDatums(a[0]!, a[1]!) > 0;
    case '>=':
      return (a) => compareDatums(a[0]!, a[1]!) >= 0;
  }
}

/** A comparison evaluator specialized for the (unified) argument type. */
export function comparisonFor(op: Comparison, type: SqlType): Evaluator {
  return hasNativeOrder(type) ? nativeComparison(op) : genericComparison(op);
}

/** Three-way comparison specialized for a type (greatest/least, array functions). */
export function comparatorFor(type: SqlType): (a: Datum, b: Datum) => number {
  if (hasNativeOrder(type)) return (a, b) => ((a as Primitive) < (b as Primitive) ? -1 : a === b ? 0 : 1);
  return compareDatums;
}

export function isComparison(op: string): op is Comparison {
  return op in COMPARISON_NAMES;
}

function defineComparison(key: string, op: Comparison): void {
  define(`op ${key}`, {
    name: COMPARISON_NAMES[op],
    params: [P.anyelement, P.anyelement],
    returns: T.bool,
    build: (types) => comparisonFor(op, types[0]!),
  });
}
for (const op of Object.keys(COMPARISON_NAMES) as Comparison[]) defineComparison(op, op);
defineComparison('!=', '<>'); // PostgreSQL's other spelling of <>

// ---- boolean logic (non-strict: NULL AND false is false) ----

// The dominant value decides alone (false for AND, true for OR); otherwise NULL
// makes the result unknown.
for (const [name, dominant] of [
  ['and', false],
  ['or', true],
] as const) {
  define(`op ${name}`, {
    name,
    params: [T.bool, T.bool],
    returns: T.bool,
    strict: false,
    eval: (a) => {
      const l = a[0];
      const r = a[1];
      if (l === dominant || r === dominant) return dominant;
      if (l === null || r === null) return null;
      return !dominant;
    },
  });
}
define('prefix not', { name: 'not', params: [T.bool], returns: T.bool, eval: (a) => !a[0] });

// ---- conditionals ----

const sameAsFirst = (types: SqlType[]) => types[0]!;

for (const [name, distinct] of [
  ['is_distinct_from', true],
  ['is_not_distinct_from', false],
] as const) {
  define(name, {
    name,
    params: [P.anyelement, P.anyelement],
    returns: T.bool,
    strict: false,
    build: (types) => {
      const cmp = comparatorFor(types[0]!);
      return (a) => {
        const l = a[0]!;
        const r = a[1]!;
        const equal = l === null || r === null ? l === r : cmp(l, r) === 0;
        return equal !== distinct;
      };
    },
  });
}
define('coalesce', {
  name: 'coalesce',
  params: [P.anyelement],
  variadic: P.anyelement,
  returns: sameAsFirst,
  strict: false,
  eval: (a) => {
    for (const v of a) if (v !== null) return v;
    return null;
  },
});
define('nullif', {
  name: 'nullif',
  params: [P.anyelement, P.anyelement],
  returns: sameAsFirst,
  strict: false,
  build: (types) => {
    const cmp = comparatorFor(types[0]!);
    return (a) => {
      const l = a[0]!;
      const r = a[1]!;
      if (l === null) return null;
      if (r === null) return l;
      return cmp(l, r) === 0 ? null : l;
    };
  },
});
for (const [name, sign] of [
  ['greatest', 1],
  ['least', -1],
] as const) {
  define(name, {
    name,
    params: [P.anyelement],
    variadic: P.anyelement,
    // As PostgreSQL's select_common_typmod: the arguments' modifier if they all share it, else none.
    returns: (types) => (types.every((t) => sameType(t, types[0]!)) ? types[0]! : withoutModifiers(types[0]!)),
    strict: false,
    build: (types) => {
      const cmp = comparatorFor(types[0]!);
      return (a) => {
        let best: Datum = null;
        for (const v of a) if (v !== null && (best === null || cmp(v, best) * sign > 0)) best = v;
        return best;
      };
    },
  });
}

// ---- introspection ----

define('pg_typeof', {
  name: 'pg_typeof',
  params: [P.any],
  returns: T.text,
  strict: false,
  build: (types) => {
    const name = displayType(types[0]!);
    return () => name;
  },
});
define('version', {
  name: 'version',
  params: [],
  returns: T.text,
  eval: () => 'PostgreSQL 15.0 on Freshet (a streaming SQL database, Materialize-compatible)',
});
define('gen_random_uuid', {
  name: 'gen_random_uuid',
  params: [],
  returns: T.uuid,
  volatile: true,
  eval: () => globalThis.crypto.randomUUID(),
});
define('error_if_null', {
  name: 'error_if_null',
  params: [P.anyelement, T.text],
  returns: sameAsFirst,
  strict: false,
  eval: (a) => {
    if (a[0] === null) throw new SqlError(SqlState.internalError, String(a[1]));
    return a[0]!;
  },
});
