// Turns a RelExpr into a circuit of operators connected by streams. The same
// rendering serves maintained dataflows (fed the inputs' contents, then every
// change) and one-shot peeks (fed the contents once).
import { SqlError, SqlState } from '../repr/errors.js';
import type { Row } from '../repr/types.js';
import { describe, type GlobalId, type RelExpr, type ScalarExpr } from '../plan/mir.js';
import { compileAggregate } from './aggregates.js';
import { renderDistinct, renderThreshold } from './ops/distinct.js';
import { renderJoin } from './ops/join.js';
import { renderFilter, renderFlatMap, renderMap, renderNegate, renderProject, renderUnion } from './ops/linear.js';
import { renderReduce } from './ops/reduce.js';
import { compileValidity, renderTemporalFilter } from './ops/temporal.js';
import { renderTopK } from './ops/topk.js';
import { compileScalar, containsMzNow, type CompiledScalar, type EvalClock } from './scalar.js';
import type { Scheduler } from './scheduler.js';
import { Stream } from './stream.js';

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
}

export function render(plan: RelExpr, env: RenderEnv): Stream {
  const locals = new Map<string, Stream>();
  let counter = 0;
  const label = (): string => `n${counter++}`;
  const compile = (e: ScalarExpr): CompiledScalar => compileScalar(e, env.clock);

  const go = (rel: RelExpr): Stream => {
    switch (rel.op) {
      case 'get':
        return env.source(rel.id);
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
        return renderFlatMap(go(rel.input), rel.func, rel.args.map(compile), label());
      case 'join': {
        if (rel.inputs.length === 0) return env.constant([[[], 1]]);
        const widths = rel.inputs.map((i) => describe(i).columns.length);
        return renderJoin(rel.inputs.map(go), widths, rel.equivalences, { compile, label });
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

/** Ids of the catalog collections a plan reads. */
export function collectionsRead(plan: RelExpr, out = new Set<GlobalId>()): Set<GlobalId> {
  switch (plan.op) {
    case 'get':
      out.add(plan.id);
      break;
    case 'getLocal':
    case 'constant':
      break;
    case 'let':
      collectionsRead(plan.value, out);
      collectionsRead(plan.body, out);
      break;
    case 'join':
    case 'union':
      for (const i of plan.inputs) collectionsRead(i, out);
      break;
    default:
      collectionsRead(plan.input, out);
  }
  return out;
}
