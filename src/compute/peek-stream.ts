// One-shot evaluation in slices (ComputeController.peekStream). The inputs'
// rows are captured when the stream is created (an array copy per input: rows
// are immutable, so later writes cannot change what the query reads), then
// the same operators as a peek are fed that snapshot a slice at a time, with
// table functions expanding lazily (RenderEnv.defer). Work happens only when
// the consumer asks for the next batch, a few milliseconds at a time, so the
// consumer's pace (the client's socket) is the producer's pace, other work
// interleaves between slices, and cancellation is noticed between slices.
//
// A monotone plan (no operator that can retract: only maps, filters,
// projections, table functions, unions and joins) streams its output as it
// is produced; any other plan accumulates its consolidated output first and
// then streams that.
import { SqlError, SqlState } from '../repr/errors.js';
import type { Datum, Row } from '../repr/types.js';
import { describe as describeRel, type GlobalId, type RelExpr } from '../plan/mir.js';
import type { ErrorUpdate, PeekStreamOptions, RowBatchStream, Update } from './api.js';
import { forEachInput, render } from './render.js';
import type { RowsSnapshot } from './encoded-rows.js';
import { OrderedRowCounts } from './row-counts.js';
import { Scheduler } from './scheduler.js';
import { Stream } from './stream.js';
import { ErrorSet } from './zset.js';

/** A collection's contents as captured for a peek. */
export interface PeekInput {
  rows: RowsSnapshot;
  errors: ErrorUpdate[];
}

/** Rows of an input fed to the dataflow per step. */
const INPUT_SLICE_ROWS = 2048;
const DEFAULT_BATCH_ROWS = 2048;
const DEFAULT_SLICE_MS = 4;

/**
 * Bytes a row counts for against a result size limit, in the spirit of
 * Materialize's `Row::byte_len` plus its per-row overhead: one tag byte per
 * datum plus the datum's packed size.
 */
export function rowByteLen(row: Row): number {
  let n = 8;
  for (const d of row) n += datumByteLen(d);
  return n;
}

function datumByteLen(d: Datum): number {
  if (d === null || typeof d === 'boolean') return 1;
  if (typeof d === 'number' || typeof d === 'bigint') return 9;
  if (typeof d === 'string') return 5 + d.length;
  if (d instanceof Uint8Array) return 5 + d.length;
  return 17;
}

/** Whether every operator of `plan` only ever emits insertions when its inputs do. */
export function isMonotonePlan(plan: RelExpr): boolean {
  switch (plan.op) {
    case 'constant':
      return plan.rows.every(([, diff]) => diff > 0);
    case 'reduce':
    case 'distinct':
    case 'threshold':
    case 'topK':
    case 'negate':
      return false;
    default: {
      let ok = true;
      forEachInput(plan, (input) => {
        ok &&= isMonotonePlan(input);
      });
      return ok;
    }
  }
}

/** The reason a signal was aborted with, as the SqlError to report (57014 by default). */
export function abortError(signal: AbortSignal): SqlError {
  const reason: unknown = signal.reason;
  if (reason instanceof SqlError) return reason;
  return new SqlError(SqlState.queryCanceled, 'canceling statement due to user request');
}

type Step = () => boolean;

class SlicedPeek implements RowBatchStream {
  private readonly steps: Step[] = [];
  private readonly errors = new ErrorSet();
  private readonly monotone: boolean;
  private readonly batchRows: number;
  private readonly sliceMs: number;
  /** Rows ready for the consumer. */
  private out: Row[] = [];
  /** Non-monotone plans: the accumulated output, drained once the dataflow is done. */
  private readonly accumulated: OrderedRowCounts | undefined;
  private drain: { entries: Array<Row | number | undefined>; at: number; repeat: number } | undefined;
  private bytes = 0;
  private finished = false;
  private closed = false;

  constructor(
    plan: RelExpr,
    inputs: ReadonlyMap<GlobalId, PeekInput>,
    now: number,
    private readonly options: PeekStreamOptions,
  ) {
    this.monotone = isMonotonePlan(plan);
    this.batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
    this.sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
    if (!this.monotone) this.accumulated = new OrderedRowCounts();
    const hydrate: Step[] = [];
    const output = render(plan, {
      // mz_now() and now() read the time the snapshot was taken, whatever happens meanwhile.
      clock: { now },
      oneShot: true,
      scheduler: new Scheduler(),
      isAlive: () => !this.closed,
      source: (id: GlobalId) => {
        const input = inputs.get(id);
        if (input === undefined) throw new SqlError(SqlState.internalError, `peek input ${id} was not captured`);
        const stream = new Stream();
        hydrate.push(sliceEmitter(stream, input));
        return stream;
      },
      constant: (rows) => {
        const stream = new Stream();
        hydrate.push(() => {
          stream.emit(
            rows.map(([row, diff]) => ({ row, diff })),
            [],
          );
          return false;
        });
        return stream;
      },
      defer: (step) => {
        this.steps.push(step);
      },
    });
    output.connect((updates, errors) => this.receive(updates, errors));
    // Last pushed runs first: inputs hydrate in plan order.
    for (let i = hydrate.length - 1; i >= 0; i--) this.steps.push(hydrate[i]!);
  }

  private receive(updates: Update[], errors: ErrorUpdate[]): void {
    if (errors.length > 0) this.errors.apply(errors);
    if (this.accumulated !== undefined) {
      for (const u of updates) this.accumulated.add(u.row, u.diff);
      return;
    }
    for (const { row, diff } of updates) {
      if (diff < 0) throw negativeMultiplicity(diff);
      // Streamed rows are counted by the consumer (after LIMIT); only accumulated ones here.
      for (let i = 0; i < diff; i++) this.out.push(row);
    }
  }

  private countBytes(row: Row, diff: number): void {
    const limit = this.options.maxResultBytes;
    if (limit === undefined) return;
    this.bytes += rowByteLen(row) * diff;
    if (this.bytes > limit) throw this.options.resultTooLarge?.() ?? new SqlError(SqlState.outOfMemory, `result exceeds max size of ${limit} bytes`);
  }

  async next(): Promise<Row[] | null> {
    try {
      for (;;) {
        if (this.closed) return null;
        const signal = this.options.signal;
        if (signal?.aborted === true) throw abortError(signal);
        if (this.out.length >= this.batchRows || (this.finished && this.out.length > 0)) return this.take();
        if (this.finished) return null;
        this.work();
        if (this.out.length >= this.batchRows || this.finished) continue;
        // Let other clients, source ticks and timers (statement_timeout) run.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      this.close();
      throw err;
    }
  }

  close(): void {
    this.closed = true;
    this.steps.length = 0;
    this.out = [];
    this.drain = undefined;
  }

  private take(): Row[] {
    if (this.out.length <= this.batchRows) {
      const batch = this.out;
      this.out = [];
      return batch;
    }
    return this.out.splice(0, this.batchRows);
  }

  /** Runs steps until a batch is ready, the dataflow is done, or the time slice is used up. */
  private work(): void {
    const deadline = performance.now() + this.sliceMs;
    const steps = this.steps;
    while (steps.length > 0) {
      const at = steps.length - 1;
      const more = steps[at]!();
      // The step may have deferred more work above itself: those run first.
      if (!more) steps.splice(at, 1);
      if (this.monotone) {
        // Insertions only: an error cannot be retracted later.
        const error = this.errors.first();
        if (error !== undefined) throw error;
      }
      if (this.out.length >= this.batchRows || performance.now() >= deadline) return;
    }
    if (this.accumulated !== undefined) {
      if (this.drain === undefined) {
        const error = this.errors.first();
        if (error !== undefined) throw error;
        this.drain = { entries: this.accumulated.snapshotEntries(), at: 0, repeat: 0 };
        this.accumulated.clear();
      }
      this.drainSome(deadline);
      return;
    }
    this.finished = true;
  }

  /** Moves accumulated rows into the output, up to a batch or the deadline. */
  private drainSome(deadline: number): void {
    const drain = this.drain!;
    const { entries } = drain;
    while (drain.at < entries.length) {
      const row = entries[drain.at] as Row | undefined;
      if (row === undefined) {
        drain.at += 2;
        continue;
      }
      const diff = entries[drain.at + 1] as number;
      if (diff < 0) throw negativeMultiplicity(diff);
      if (drain.repeat === 0) this.countBytes(row, diff);
      while (drain.repeat < diff && this.out.length < this.batchRows) {
        this.out.push(row);
        drain.repeat++;
      }
      if (drain.repeat < diff) return;
      drain.repeat = 0;
      drain.at += 2;
      if (this.out.length >= this.batchRows || ((drain.at & 0xfff) === 0 && performance.now() >= deadline)) return;
    }
    this.finished = true;
  }
}

function negativeMultiplicity(diff: number): SqlError {
  return new SqlError(SqlState.internalError, `internal error: negative multiplicity (${diff}) in query result`);
}

/** A step that feeds an input's captured rows (then its errors) to `stream`, a slice per call. */
function sliceEmitter(stream: Stream, input: PeekInput): Step {
  let at = 0;
  let errorsSent = false;
  return () => {
    if (!errorsSent) {
      errorsSent = true;
      if (input.errors.length > 0) stream.emit([], input.errors);
    }
    const { rows } = input;
    const end = Math.min(rows.length, at + INPUT_SLICE_ROWS);
    const updates: Update[] = [];
    for (; at < end; at++) {
      const diff = rows.count(at);
      if (diff !== 0) updates.push({ row: rows.row(at), diff });
    }
    stream.emit(updates, []);
    return at < rows.length;
  };
}

/** Starts a sliced one-shot evaluation of `plan` over inputs captured now. */
export function startPeekStream(plan: RelExpr, inputs: ReadonlyMap<GlobalId, PeekInput>, now: number, options: PeekStreamOptions): RowBatchStream {
  return new SlicedPeek(plan, inputs, now, options);
}

/**
 * `count(*)` of a whole collection (a reduce without group key whose
 * aggregates are all count(*), over projections of a `get`) replaced by the
 * collection's kept total: a polling `SELECT count(*)` costs nothing per row.
 */
export function countFastPath(plan: RelExpr, totalOf: (id: GlobalId) => number | undefined): RelExpr {
  const go = (rel: RelExpr): RelExpr => {
    if (rel.op === 'reduce' && rel.groupKey.length === 0 && rel.aggregates.length > 0) {
      const countStar = rel.aggregates.every(
        (a) =>
          a.func === 'count' &&
          !a.distinct &&
          a.filter === undefined &&
          a.type.kind === 'int8' &&
          (a.args.length === 0 || (a.args.length === 1 && a.args[0]!.kind === 'literal' && a.args[0]!.value === true)),
      );
      let input = rel.input;
      while (input.op === 'project') input = input.input;
      const total = countStar && input.op === 'get' ? totalOf(input.id) : undefined;
      if (total !== undefined) {
        const row: Row = rel.aggregates.map(() => BigInt(total));
        return { op: 'constant', rows: total === 0 ? [] : [[row, 1]], desc: describeRel(rel) };
      }
    }
    switch (rel.op) {
      case 'get':
      case 'getLocal':
      case 'constant':
        return rel;
      case 'let':
        return { ...rel, value: go(rel.value), body: go(rel.body) };
      case 'join':
      case 'union':
        return { ...rel, inputs: rel.inputs.map(go) };
      default:
        return { ...rel, input: go(rel.input) };
    }
  };
  return go(plan);
}
