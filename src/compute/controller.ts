// The incremental engine's front door: owns every collection's state, the
// installed dataflows and subscriptions, and logical time. Propagation is
// synchronous: applyUpdates returns once every dataflow has seen the change.
import { SqlError, SqlState, toSqlError } from '../repr/errors.js';
import type { Datum, RelationDesc, Row } from '../repr/types.js';
import type { GlobalId, RelExpr, ScalarExpr } from '../plan/mir.js';
import type {
  CollectionStats,
  ComputeController,
  ErrorUpdate,
  InputChanges,
  PeekStreamOptions,
  RowBatchStream,
  SubscribeBatch,
  SubscribeOptions,
  Subscription,
  Timestamp,
  Update,
} from './api.js';
import { CollectionState } from './collection.js';
import { collectionsRead, forEachInput, render, type ArrangedSource } from './render.js';
import { compileScalar, type EvalClock } from './scalar.js';
import { Scheduler } from './scheduler.js';
import { countFastPath, startPeekStream, type PeekInput } from './peek-stream.js';
import { Stream, type Sink } from './stream.js';
import { compileGroupKey, ErrorSet, UpdateAccumulator, type GroupKey } from './zset.js';

interface Dataflow {
  alive: boolean;
  reads: Set<GlobalId>;
  detach(): void;
}

interface Collection {
  desc: RelationDesc | undefined;
  state: CollectionState;
  /** Dataflows reading this collection's changes. */
  listeners: Set<Sink>;
  /** The dataflow computing it (materialized views and indexes). */
  dataflow: Dataflow | undefined;
  /** Key function of an index (arrangeBy). */
  indexKey: ((row: Row) => GroupKey) | undefined;
  /** Monitoring counters (collectionStats). */
  stats: CollectionStats;
}

interface ActiveSubscription {
  dataflow: Dataflow;
  pending: UpdateAccumulator;
  errors: ErrorSet;
  onBatch: (batch: SubscribeBatch) => void;
  onError: (err: SqlError) => void;
}

export interface ComputeControllerImpl extends ComputeController {
  /** Ids of maintained collections (views, indexes) whose dataflow reads `id`. */
  dependents(id: GlobalId): GlobalId[];
  /** Rows of index `id` whose key equals `key` (one value per arrangeBy expression). */
  lookupIndex(id: GlobalId, key: Datum[]): Update[];
  /** Key columns of the arrangements collection `id` maintains for joins reading it (see CollectionState.share). */
  sharedArrangements(id: GlobalId): number[][];
}

class Controller implements ComputeControllerImpl {
  private readonly clock: EvalClock = { now: 0 };
  private readonly collections = new Map<GlobalId, Collection>();
  private readonly subscriptions = new Set<ActiveSubscription>();
  private readonly scheduler = new Scheduler();

  createInput(id: GlobalId, desc: RelationDesc): void {
    this.assertNew(id);
    this.collections.set(id, { desc, state: new CollectionState(), listeners: new Set(), dataflow: undefined, indexKey: undefined, stats: newStats() });
  }

  createMaintained(id: GlobalId, plan: RelExpr, options?: { arrangeBy?: ScalarExpr[] }): void {
    this.assertNew(id);
    const arrangeBy = options?.arrangeBy;
    const indexKey = arrangeBy === undefined ? undefined : compileGroupKey(arrangeBy.map((e) => compileScalar(e, this.clock)));
    // An index on plain columns keeps its rows encoded (encoded-rows.ts).
    const keyColumns = arrangeBy?.every((e) => e.kind === 'column') === true ? arrangeBy.map((e) => (e as { index: number }).index) : undefined;
    const collection: Collection = { desc: undefined, state: new CollectionState(indexKey, keyColumns), listeners: new Set(), dataflow: undefined, indexKey, stats: newStats() };
    collection.dataflow = this.build(plan, (updates, errors) => this.publish(collection, updates, errors));
    this.collections.set(id, collection);
  }

  drop(id: GlobalId): void {
    const collection = this.collections.get(id);
    if (collection === undefined) return;
    const dependents = this.dependents(id);
    if (dependents.length > 0) {
      throw new SqlError(SqlState.dependentObjectsStillExist, `cannot drop ${id}: ${dependents.join(', ')} depend on it`);
    }
    for (const sub of [...this.subscriptions]) {
      if (sub.dataflow.reads.has(id)) this.fail(sub, new SqlError(SqlState.undefinedObject, `collection ${id} was dropped`));
    }
    collection.dataflow?.detach();
    this.collections.delete(id);
  }

  dependents(id: GlobalId): GlobalId[] {
    const out: GlobalId[] = [];
    for (const [other, c] of this.collections) if (c.dataflow?.reads.has(id)) out.push(other);
    return out;
  }

  applyUpdates(changes: InputChanges[], time: Timestamp): void {
    // Validate everything first: a change set is applied entirely or not at all.
    const targets = changes.map((change) => {
      const collection = this.collection(change.id);
      if (collection.dataflow !== undefined) {
        throw new SqlError(SqlState.internalError, `${change.id} is computed, not an input`);
      }
      return collection;
    });
    this.advanceClock(time);
    for (let i = 0; i < changes.length; i++) {
      const change = changes[i]!;
      const collection = targets[i]!;
      this.publish(collection, change.updates, change.errors ?? []);
    }
    this.flush(time, true);
  }

  advanceTo(time: Timestamp): void {
    this.advanceClock(time);
    this.flush(time, true);
  }

  currentTime(): Timestamp {
    return this.clock.now;
  }

  peek(plan: RelExpr): Row[] {
    let contents: Update[];
    if (plan.op === 'get') {
      const state = this.collection(plan.id).state;
      const error = state.errors.first();
      if (error !== undefined) throw error;
      contents = state.contents();
    } else {
      const rows = new UpdateAccumulator();
      const errors = new ErrorSet();
      this.build(
        plan,
        (updates, errs) => {
          rows.addAll(updates);
          errors.apply(errs);
        },
        true,
      );
      const error = errors.first();
      if (error !== undefined) throw error;
      contents = rows.drain();
    }
    const out: Row[] = [];
    for (const { row, diff } of contents) {
      if (diff < 0) throw new SqlError(SqlState.internalError, `internal error: negative multiplicity (${diff}) in query result`);
      for (let i = 0; i < diff; i++) out.push(row);
    }
    return out;
  }

  peekStream(original: RelExpr, options: PeekStreamOptions): RowBatchStream {
    // count(*) of a collection without errors: its kept total, not a scan.
    const plan = countFastPath(original, (id) => {
      const state = this.collections.get(id)?.state;
      return state === undefined || state.errors.first() !== undefined ? undefined : state.totalCount;
    });
    const inputs = new Map<GlobalId, PeekInput>();
    for (const id of collectionsRead(plan)) {
      const state = this.collection(id).state;
      const error = state.errors.first();
      if (error !== undefined) throw error;
      inputs.set(id, { rows: state.snapshot(), errors: state.errors.contents() });
    }
    return startPeekStream(plan, inputs, this.clock.now, options);
  }

  snapshot(id: GlobalId, options?: { ignoreErrors?: boolean }): Update[] {
    const state = this.collection(id).state;
    const error = options?.ignoreErrors === true ? undefined : state.errors.first();
    if (error !== undefined) throw error;
    return state.contents().map(({ row, diff }) => ({ row, diff }));
  }

  collectionStats(id: GlobalId): CollectionStats | undefined {
    const stats = this.collections.get(id)?.stats;
    return stats === undefined ? undefined : { ...stats };
  }

  lookupIndex(id: GlobalId, key: Datum[]): Update[] {
    const collection = this.collection(id);
    if (collection.indexKey === undefined) throw new SqlError(SqlState.internalError, `${id} is not an index`);
    const error = collection.state.errors.first();
    if (error !== undefined) throw error;
    return collection.state.lookup(key);
  }

  sharedArrangements(id: GlobalId): number[][] {
    return this.collection(id).state.sharedKeys();
  }

  subscribe(plan: RelExpr, options: SubscribeOptions, onBatch: (batch: SubscribeBatch) => void, onError: (err: SqlError) => void): Subscription {
    const pending = new UpdateAccumulator();
    const errors = new ErrorSet();
    let sub: ActiveSubscription | undefined;
    const dataflow = this.build(plan, (updates, errs) => {
      pending.addAll(updates);
      errors.apply(errs);
    });
    sub = { dataflow, pending, errors, onBatch, onError };
    const handle: Subscription = {
      close: () => {
        if (sub === undefined) return;
        sub.dataflow.detach();
        this.subscriptions.delete(sub);
        sub = undefined;
      },
    };
    this.subscriptions.add(sub);
    const snapshot = pending.drain();
    const error = errors.first();
    if (error !== undefined) this.fail(sub, error);
    else if (options.snapshot !== false) this.deliver(sub, { time: this.clock.now, updates: snapshot });
    return handle;
  }

  // ---- internals ----

  private assertNew(id: GlobalId): void {
    if (this.collections.has(id)) throw new SqlError(SqlState.duplicateObject, `collection ${id} already exists`);
  }

  private collection(id: GlobalId): Collection {
    const c = this.collections.get(id);
    if (c === undefined) throw new SqlError(SqlState.undefinedObject, `unknown collection ${id}`);
    return c;
  }

  private publish(collection: Collection, updates: Update[], errors: ErrorUpdate[]): void {
    const forwarded = collection.state.apply(updates, errors);
    if (updates.length === 0 && forwarded.length === 0) return;
    countChanges(collection.stats, updates);
    for (const listener of collection.listeners) listener(updates, forwarded);
  }

  /** Renders `plan`, connects it to its inputs (unless one-shot) and hydrates it from their contents. */
  private build(plan: RelExpr, sink: Sink, oneShot = false): Dataflow {
    const hydrate: Array<() => void> = [];
    const detachers: Array<() => void> = [];
    const dataflow: Dataflow = {
      alive: true,
      reads: collectionsRead(plan),
      detach: () => {
        dataflow.alive = false;
        for (const d of detachers) d();
      },
    };
    try {
      const output = render(plan, {
        clock: this.clock,
        oneShot,
        scheduler: this.scheduler,
        isAlive: () => dataflow.alive,
        source: (id) => {
          const collection = this.collection(id);
          const stream = new Stream();
          hydrate.push(() => stream.emit(collection.state.contents(), collection.state.errors.contents()));
          if (!oneShot) {
            const listener: Sink = (updates, errors) => stream.emit(updates, errors);
            collection.listeners.add(listener);
            detachers.push(() => collection.listeners.delete(listener));
          }
          return stream;
        },
        constant: (rows) => {
          const stream = new Stream();
          hydrate.push(() => stream.emit(rows.map(([row, diff]) => ({ row, diff })), []));
          return stream;
        },
        ...(oneShot
          ? {}
          : {
              arrangedSource: (id: GlobalId, keyColumns: number[]) => {
                if (!this.mayShare(plan, id)) return undefined;
                const collection = this.collection(id);
                const arrangement = collection.state.share(keyColumns);
                if (arrangement === undefined) return undefined;
                detachers.push(() => collection.state.release(keyColumns));
                const source: ArrangedSource = { stream: new Stream(), arrangement, hydrateRows: false };
                // The rows are in the arrangement already: only the errors flow in, unless asked.
                hydrate.push(() => source.stream.emit(source.hydrateRows ? collection.state.contents() : [], collection.state.errors.contents()));
                const listener: Sink = (updates, errors) => source.stream.emit(updates, errors);
                collection.listeners.add(listener);
                detachers.push(() => collection.listeners.delete(listener));
                return source;
              },
            }),
      });
      output.connect((updates, errors) => {
        if (dataflow.alive) sink(updates, errors);
      });
      for (const h of hydrate) h();
    } catch (err) {
      // Rendering (e.g. an unbound parameter) or hydration failed: disconnect what was connected.
      dataflow.detach();
      throw toSqlError(err);
    }
    return dataflow;
  }

  /**
   * Whether a dataflow computing `plan` may read collection `id` through an
   * arrangement the collection maintains: the collection updates it before
   * any dataflow sees the batch, so nothing else in the dataflow may see
   * that batch (by reading `id` again, or a view computed from it) before
   * the join has; a join's other inputs must still be at their old state.
   */
  private mayShare(plan: RelExpr, id: GlobalId): boolean {
    let reads = 0;
    const others = new Set<GlobalId>();
    const visit = (rel: RelExpr): void => {
      if (rel.op === 'get') {
        if (rel.id === id) reads++;
        else others.add(rel.id);
      }
      forEachInput(rel, visit);
    };
    visit(plan);
    if (reads !== 1) return false;
    const seen = new Set<GlobalId>();
    const dependsOnId = (other: GlobalId): boolean => {
      if (seen.has(other)) return false;
      seen.add(other);
      const reads = this.collections.get(other)?.dataflow?.reads;
      if (reads === undefined) return false;
      for (const r of reads) if (r === id || dependsOnId(r)) return true;
      return false;
    };
    for (const other of others) if (dependsOnId(other)) return false;
    return true;
  }

  /** Moves time forward to `time`, firing scheduled (temporal) changes at their own times on the way. */
  private advanceClock(time: Timestamp): void {
    if (time < this.clock.now) {
      throw new SqlError(SqlState.internalError, `time went backwards: ${time} < ${this.clock.now}`);
    }
    for (;;) {
      const next = this.scheduler.next();
      if (next === undefined || next > time) break;
      this.clock.now = next;
      for (const fire of this.scheduler.take()) fire();
      if (next < time) this.flush(next, false);
    }
    this.clock.now = time;
  }

  /** Delivers every subscription's changes at `time` (empty batches too when reporting progress). */
  private flush(time: Timestamp, progress: boolean): void {
    for (const sub of [...this.subscriptions]) {
      const error = sub.errors.first();
      if (error !== undefined) {
        this.fail(sub, error);
        continue;
      }
      const updates = sub.pending.drain();
      if (updates.length > 0 || progress) this.deliver(sub, { time, updates });
    }
  }

  private deliver(sub: ActiveSubscription, batch: SubscribeBatch): void {
    try {
      sub.onBatch(batch);
    } catch (err) {
      this.fail(sub, toSqlError(err));
    }
  }

  /** Ends a subscription with an error. */
  private fail(sub: ActiveSubscription, error: SqlError): void {
    sub.dataflow.detach();
    this.subscriptions.delete(sub);
    try {
      sub.onError(error);
    } catch {
      // The subscriber is gone either way.
    }
  }
}

function newStats(): CollectionStats {
  return { rows: 0, updates: 0, lastChangeMs: 0 };
}

function countChanges(stats: CollectionStats, updates: readonly Update[]): void {
  if (updates.length === 0) return;
  let rows = 0;
  for (const u of updates) rows += u.diff;
  stats.rows += rows;
  stats.updates += updates.length;
  stats.lastChangeMs = Date.now();
}

export function createComputeController(): ComputeControllerImpl {
  return new Controller();
}
