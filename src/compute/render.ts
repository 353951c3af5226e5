// Turns a RelExpr into a circuit of operators connected by streams. The same
// rendering serves maintained dataflows (fed the inputs' contents, then every
// change) and one-shot peeks (fed the contents once).
import { SqlError, SqlState } from '../repr/errors.js';
import type { Row } from '../repr/types.js';
import { describe, type GlobalId, type RelExpr, type ScalarExpr } from '../plan/mir.js';
import { compileAggregate } from './aggregates.js';
import { renderDistinct, renderThreshold } from './ops/distinct.js';
import { planJoin, renderJoin, shareableKey, type JoinPlan, type SharedJoinInput } from './ops/join.js';
import { renderFilter, renderFlatMap, renderLazyFlatMap, renderMap, renderNegate, renderProject, renderUnion } from './ops/linear.js';
import { renderReduce } from './ops/reduce.js';
import { compileValidity, renderTemporalFilter } from './ops/temporal.js';
import { renderTopK } from './ops/topk.js';
import { compileScalar, containsMzNow, type CompiledScalar, type EvalClock } from './scalar.js';
import type { Scheduler } from './scheduler.js';
import { Stream } from './stream.js';
import type { Arrangement } from './zset.js';

export interface RenderEnv {
  /** The controller's clock: mz_now() outside temporal filters, and "now" for scheduling. */
  clock: EvalClock;
  /** One-shot (peek): temporal predicates are plain predicates evaluated at the clock. */
  oneShot: boolean;
  scheduler: Scheduler;
  isAlive: () => boolean;
  /** A stream of a collection's changes, fed its current contents at hydration. */
  source(id: GlobalId): Stream;
  /** A stream fed `rows` at hydration. */
  constant(rows: Array<[Row, number]>): Stream;
  /**
   * For a join reading collection `id` directly: the collection's own
   * arrangement of its rows by `keyColumns` and a stream of its changes
   * (hydrated with its errors only, the rows being arranged already, unless
   * `hydrateRows` is set before hydration), when the controller can share
   * one with this dataflow.
   */
  arrangedSource?(id: GlobalId, keyColumns: number[]): ArrangedSource | undefined;
  /**
   * One-shot evaluation in slices (peekStream): work an operator may postpone,
   * run later by the caller until `step` returns false (no more to do). Table
   * functions expand through it lazily.
   */
  defer?(step: () => boolean): void;
}

export interface ArrangedSource {
  stream: Stream;
  arrangement: Arrangement;
  hydrateRows: boolean;
}

export function render(plan: RelExpr, env: RenderEnv): Stream {
  const locals = new Map<string, Stream>();
  /** Streams of collections a join reads through their own arrangement (see shareInput). */
  const sharedStreams = new Map<GlobalId, Stream>();
  let counter = 0;
  const label = (): string => `n${counter++}`;
  const compile = (e: ScalarExpr): CompiledScalar => compileScalar(e, env.clock);

  const go = (rel: RelExpr): Stream => {
    switch (rel.op) {
      case 'get':
        return sharedStreams.get(rel.id) ?? env.source(rel.id);
      case 'getLocal': {
        const local = locals.get(rel.name);
        if (local === undefined) throw new SqlError(SqlState.internalError, `unbound local ${rel.name}`);
        return local;
      }
      case 'let': {
        const value = go(rel.value);
        const shadowed = locals.get(rel.name);
        locals.set(rel.name, value);
        const body = go(rel.body);
        if (shadowed === undefined) locals.delete(rel.name);
        else locals.set(rel.name, shadowed);
        return body;
      }
      case 'constant':
        return env.constant(rel.rows);
      case 'map':
        return renderMap(go(rel.input), rel.scalars.map(compile), label());
      case 'filter': {
        const input = go(rel.input);
        const temporal = env.oneShot ? [] : rel.predicates.filter(containsMzNow);
        const plain = env.oneShot ? rel.predicates : rel.predicates.filter((p) => !containsMzNow(p));
        const filtered = plain.length > 0 ? renderFilter(input, plain.map(compile), label()) : input;
        if (temporal.length === 0) return filtered;
        return renderTemporalFilter(filtered, compileValidity(temporal), env.clock, env.scheduler, env.isAlive, label());
      }
      case 'project':
        return renderProject(go(rel.input), rel.outputs);
      case 'flatMap':
        if (env.defer !== undefined) return renderLazyFlatMap(go(rel.input), rel.func, rel.args.map(compile), label(), env.defer.bind(env));
        return renderFlatMap(go(rel.input), rel.func, rel.args.map(compile), label());
      case 'join': {
        if (rel.inputs.length === 0) return env.constant([[[], 1]]);
        const widths = rel.inputs.map((i) => describe(i).columns.length);
        const plan = planJoin(widths, rel.equivalences);
        const shared = env.arrangedSource === undefined ? [] : shareInputs(rel.inputs, plan, env);
        for (const s of shared) sharedStreams.set(s.id, s.stream);
        const inputs = rel.inputs.map(go);
        for (const s of shared) sharedStreams.delete(s.id);
        return renderJoin(inputs, plan, { compile, label }, shared);
      }
      case 'reduce':
        return renderReduce(
          go(rel.input),
          rel.groupKey.map(compile),
          rel.aggregates.map((a) => compileAggregate(a, compile)),
          label(),
        );
      case 'distinct':
        return renderDistinct(go(rel.input));
      case 'threshold':
        return renderThreshold(go(rel.input));
      case 'topK':
        return renderTopK(go(rel.input), rel.groupKey, rel.order, rel.limit, rel.offset);
      case 'negate':
        return renderNegate(go(rel.input));
      case 'union':
        return renderUnion(rel.inputs.map(go));
    }
  };
  return go(plan);
}

/** A join input that reads a collection through projections and key IS NOT NULL filters. */
interface CollectionRead {
  id: GlobalId;
  /** Column of the input -> column of the collection. */
  projection: number[];
  /** Collection columns the filters require to be non-null. */
  nonNull: Set<number>;
}

/** `col IS NOT NULL` (as the planner lowers SQL `=` in joins): the column, else undefined. */
function notNullColumn(p: ScalarExpr): number | undefined {
  if (p.kind !== 'call' || p.func.name !== 'not' || p.args.length !== 1) return undefined;
  const inner = p.args[0]!;
  if (inner.kind !== 'call' || inner.func.name !== 'isnull' || inner.args.length !== 1) return undefined;
  const arg = inner.args[0]!;
  return arg.kind === 'column' ? arg.index : undefined;
}

function collectionRead(rel: RelExpr): CollectionRead | undefined {
  switch (rel.op) {
    case 'get':
      return { id: rel.id, projection: rel.desc.columns.map((_, i) => i), nonNull: new Set() };
    case 'project': {
      const inner = collectionRead(rel.input);
      return inner === undefined ? undefined : { ...inner, projection: rel.outputs.map((c) => inner.projection[c]!) };
    }
    case 'filter': {
      const inner = collectionRead(rel.input);
      if (inner === undefined) return undefined;
      for (const p of rel.predicates) {
        const c = notNullColumn(p);
        if (c === undefined) return undefined;
        inner.nonNull.add(inner.projection[c]!);
      }
      return inner;
    }
    default:
      return undefined;
  }
}

/**
 * The join inputs to read through their collections' own arrangements
 * instead of copies: those reading a collection through projections and
 * IS NOT NULL filters on the join key only (every row of the collection
 * then joins by key or has a NULL key no lookup may find), when the
 * controller agrees. Shared inputs hydrate without rows (their arrangements
 * are full already) and the others' hydration computes the join's first
 * result; when every input is shared, the first one hydrates its rows.
 */
function shareInputs(inputs: RelExpr[], plan: JoinPlan, env: RenderEnv): SharedJoinInput[] {
  const shared: SharedJoinInput[] = [];
  let first: ArrangedSource | undefined;
  inputs.map(collectionRead).forEach((read, input) => {
    const columns = read === undefined ? undefined : shareableKey(plan, input);
    if (read === undefined || columns === undefined) return;
    const key = columns.map((c) => read.projection[c]!);
    if ([...read.nonNull].some((c) => !key.includes(c))) return;
    const arranged = env.arrangedSource!(read.id, key);
    if (arranged === undefined) return;
    first ??= arranged;
    shared.push({
      input,
      id: read.id,
      stream: arranged.stream,
      arrangement: arranged.arrangement,
      projection: read.projection,
      skipNullKeys: key.map((c) => read.nonNull.has(c)),
    });
  });
  if (first !== undefined && shared.length === inputs.length) first.hydrateRows = true;
  return shared;
}

/** Calls `visit` on each direct input of a plan node. */
export function forEachInput(plan: RelExpr, visit: (input: RelExpr) => void): void {
  switch (plan.op) {
    case 'get':
    case 'getLocal':
    case 'constant':
      return;
    case 'let':
      visit(plan.value);
      visit(plan.body);
      return;
    case 'join':
    case 'union':
      plan.inputs.forEach(visit);
      return;
    default:
      visit(plan.input);
  }
}

/** Ids of the catalog collections a plan reads. */
export function collectionsRead(plan: RelExpr, out = new Set<GlobalId>()): Set<GlobalId> {
  if (plan.op === 'get') out.add(plan.id);
  forEachInput(plan, (input) => collectionsRead(input, out));
  return out;
}
