// Aggregate type rules (the accumulation itself lives in compute/). Overloads
// go through the same resolution as functions, under the key 'agg <name>'.
import type { SqlType } from '../repr/types.js';
import { T } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { argList, define, lookup, noSingleOverload, P, type Param } from './registry.js';
import type { ResolvedAggregate } from './resolve.js';

type AggName = ResolvedAggregate['name'];

interface AggregateDef {
  /** Name handed to the planner (every -> bool_and). */
  name: AggName;
  signatures: Array<{ params: Param[]; returns: SqlType | ((args: SqlType[]) => SqlType) }>;
}

const unsupported = (): never => {
  throw new SqlError(SqlState.internalError, 'aggregates are evaluated by compute');
};
const same = (a: SqlType[]) => a[0]!;
const NUMERIC: SqlType = T.numeric;

const SUM = [
  { params: [T.int2], returns: T.int8 },
  { params: [T.int4], returns: T.int8 },
  { params: [T.int8], returns: NUMERIC },
  { params: [{ kind: 'uint2' }], returns: { kind: 'uint8' } },
  { params: [{ kind: 'uint4' }], returns: { kind: 'uint8' } },
  { params: [{ kind: 'uint8' }], returns: NUMERIC },
  // sum keeps the inputs' display scale (sum of numeric(10,2) prints 2 decimals), not their precision.
  { params: [NUMERIC], returns: (a) => (a[0]!.kind === 'numeric' && a[0]!.scale !== undefined ? { kind: 'numeric', scale: a[0]!.scale } : NUMERIC) },
  { params: [T.float4], returns: T.float4 },
  { params: [T.float8], returns: T.float8 },
  { params: [T.interval], returns: T.interval },
] satisfies AggregateDef['signatures'];

const AVG = [
  { params: [T.int2], returns: NUMERIC },
  { params: [T.int4], returns: NUMERIC },
  { params: [T.int8], returns: NUMERIC },
  { params: [NUMERIC], returns: NUMERIC },
  { params: [T.float4], returns: T.float8 },
  { params: [T.float8], returns: T.float8 },
  { params: [T.interval], returns: T.interval },
] satisfies AggregateDef['signatures'];

/** stddev/variance: like avg without interval. */
const STATISTIC = AVG.filter((s) => s.params[0] !== T.interval);

const AGGREGATES: Record<string, AggregateDef> = {
  count: { name: 'count', signatures: [{ params: [], returns: T.int8 }, { params: [P.any], returns: T.int8 }] },
  sum: { name: 'sum', signatures: SUM },
  avg: { name: 'avg', signatures: AVG },
  min: { name: 'min', signatures: [{ params: [P.anyelement], returns: same }] },
  max: { name: 'max', signatures: [{ params: [P.anyelement], returns: same }] },
  any_value: { name: 'any_value', signatures: [{ params: [P.anyelement], returns: same }] },
  bool_and: { name: 'bool_and', signatures: [{ params: [T.bool], returns: T.bool }] },
  every: { name: 'bool_and', signatures: [{ params: [T.bool], returns: T.bool }] },
  bool_or: { name: 'bool_or', signatures: [{ params: [T.bool], returns: T.bool }] },
  string_agg: {
    name: 'string_agg',
    signatures: [
      { params: [T.text, T.text], returns: T.text },
      { params: [T.bytea, T.bytea], returns: T.bytea },
    ],
  },
  array_agg: {
    name: 'array_agg',
    signatures: [
      { params: [P.anynonarray], returns: (a) => ({ kind: 'array', element: a[0]! }) },
      { params: [P.anyarray], returns: same },
    ],
  },
  list_agg: { name: 'list_agg', signatures: [{ params: [P.anyelement], returns: (a) => ({ kind: 'list', element: a[0]! }) }] },
  jsonb_agg: { name: 'jsonb_agg', signatures: [{ params: [P.any], returns: T.jsonb }] },
  jsonb_object_agg: { name: 'jsonb_object_agg', signatures: [{ params: [P.any, P.any], returns: T.jsonb }] },
  map_agg: { name: 'map_agg', signatures: [{ params: [T.text, P.any], returns: (a) => ({ kind: 'map', value: a[1]! }) }] },
  json_agg: { name: 'jsonb_agg', signatures: [{ params: [P.any], returns: T.jsonb }] },
  json_object_agg: { name: 'jsonb_object_agg', signatures: [{ params: [P.any, P.any], returns: T.jsonb }] },
  stddev: { name: 'stddev', signatures: STATISTIC },
  stddev_samp: { name: 'stddev_samp', signatures: STATISTIC },
  stddev_pop: { name: 'stddev_pop', signatures: STATISTIC },
  variance: { name: 'variance', signatures: STATISTIC },
  var_samp: { name: 'var_samp', signatures: STATISTIC },
  var_pop: { name: 'var_pop', signatures: STATISTIC },
};

for (const [key, def] of Object.entries(AGGREGATES)) {
  for (const s of def.signatures) define(`agg ${key}`, { name: def.name, params: s.params, returns: s.returns, eval: unsupported });
}

export const aggregateNames: ReadonlySet<string> = new Set(Object.keys(AGGREGATES));

export function resolveAggregateType(name: string, argTypes: SqlType[]): ResolvedAggregate {
  const def = AGGREGATES[name];
  const found = def ? lookup(`agg ${name}`, argTypes, false) : { missing: true as const };
  if ('ok' in found) {
    const argTypesOut = found.ok.argTypes.map((t) => (t.kind === 'unknown' ? (T.text as SqlType) : t));
    const returnType = found.ok.returnType.kind === 'unknown' ? T.text : found.ok.returnType;
    return { name: def!.name, argTypes: argTypesOut, returnType };
  }
  throw noSingleOverload(found, 'function', `${name}(${argList(argTypes)})`);
}
