// SUBSCRIBE: a maintained dataflow whose changes stream to the client, as
// rows (mz_timestamp, [mz_progressed,] mz_diff, columns...), through
// COPY (SUBSCRIBE ...) TO STDOUT or a cursor (DECLARE ... FETCH).
import type { Query, SubscribeStatement } from '../sql/ast.js';
import type { Datum, Row, SqlType } from '../repr/types.js';
import type { SubscribeBatch, Subscription } from '../compute/api.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { bindParameters } from '../plan/planner.js';
import type { ResultColumn, RowStream } from './api.js';
import { checkOptions, optionBool } from './options.js';
import { diffOutput, upsertOutput, type SubscribeOutput } from './subscribe-output.js';
import { checkMaintainable, maintainedPlan, mzTimestampOf, planSelect, prepareAsOf } from './query.js';
import { paramHints, type ExecContext } from './exec-context.js';


/** Rows per chunk a queue converts or hands out at a time. */
const QUEUE_CHUNK_ROWS = 2048;

/**
 * Rows produced by a subscription, waiting to be read. A batch may be queued
 * as a length and a function producing its rows by range, so a snapshot of
 * millions of updates is turned into output rows a chunk at a time as the
 * client reads, not all at once.
 */
export class RowQueue {
  /** Queued batches: rows, or [count, rows of a range]. */
  private readonly batches: Array<{ count: number; at: number; rows: (from: number, to: number) => Row[] }> = [];
  private waiters: (() => void)[] = [];
  private failure: SqlError | undefined;
  private ended = false;

  push(rows: Row[]): void {
    this.pushLazy(rows.length, (from, to) => (from === 0 && to === rows.length ? rows : rows.slice(from, to)));
  }

  /** Queues `count` rows that `rows(from, to)` produces on demand. */
  pushLazy(count: number, rows: (from: number, to: number) => Row[]): void {
    if (this.ended || count === 0) return;
    this.batches.push({ count, at: 0, rows });
    this.wake();
  }

  private get available(): boolean {
    return this.batches.length > 0;
  }

  fail(err: SqlError): void {
    this.failure = err;
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Takes up to `max` rows (all when undefined) without waiting. */
  take(max?: number): Row[] {
    if (this.failure) throw this.failure;
    const out: Row[] = [];
    let wanted = max ?? Infinity;
    while (wanted > 0 && this.batches.length > 0) {
      const batch = this.batches[0]!;
      const to = Math.min(batch.count, batch.at + Math.min(wanted, QUEUE_CHUNK_ROWS));
      for (const row of batch.rows(batch.at, to)) out.push(row);
      wanted -= to - batch.at;
      batch.at = to;
      if (batch.at >= batch.count) this.batches.shift();
    }
    return out;
  }

  /** Takes up to one chunk of rows (what a streaming reader sends at a time). */
  takeChunk(): Row[] {
    return this.take(QUEUE_CHUNK_ROWS);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Waits until rows are available, the queue ends or fails, `timeoutMs`
   * passes or `signal` aborts (then throws 57014).
   */
  async waitForRows(signal: AbortSignal | undefined, timeoutMs?: number): Promise<void> {
    if (this.available || this.failure || this.ended) return;
    if (timeoutMs !== undefined && timeoutMs <= 0) return;
    await new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        if (timer) clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        // A statement timeout aborts with its own error as the reason.
        reject(signal?.reason instanceof SqlError ? signal.reason : new SqlError(SqlState.queryCanceled, 'canceling statement due to user request'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs);
      this.waiters.push(done);
    });
  }
}

export interface ActiveSubscribe {
  columns: ResultColumn[];
  queue: RowQueue;
  close(): void;
}

function subscribeQuery(stmt: SubscribeStatement): Query {
  if (stmt.target.kind === 'query') return stmt.target.query;
  const name = stmt.target.name;
  return {
    kind: 'query',
    pos: stmt.pos,
    with: [],
    orderBy: [],
    body: {
      kind: 'select',
      pos: name.pos,
      projection: [{ kind: 'wildcard', pos: name.pos }],
      from: [{ kind: 'table', name, pos: name.pos }],
      groupBy: [],
    },
  };
}

export function subscribeColumns(exec: ExecContext, stmt: SubscribeStatement, paramTypes: (SqlType | null)[]): ResultColumn[] {
  const planned = planSelect(exec, subscribeQuery(stmt), paramTypes);
  return outputFor(stmt, planned.desc.columns, readOptions(stmt).progress).columns;
}

function outputFor(stmt: SubscribeStatement, data: ResultColumn[], progress: boolean): SubscribeOutput {
  const columns = data.map((c) => ({ name: c.name, type: c.type }));
  if (stmt.envelope?.kind === 'upsert') return upsertOutput(columns, stmt.envelope.key, progress);
  return diffOutput(columns, progress);
}

function readOptions(stmt: SubscribeStatement): { snapshot: boolean; progress: boolean } {
  const options = checkOptions(stmt.options, ['SNAPSHOT', 'PROGRESS'], 'SUBSCRIBE');
  const snapshot = options.get('SNAPSHOT');
  const progress = options.get('PROGRESS');
  if (stmt.envelope?.kind === 'debezium') throw new SqlError(SqlState.featureNotSupported, 'SUBSCRIBE ... ENVELOPE DEBEZIUM is not supported yet');
  return { snapshot: snapshot ? optionBool(snapshot) : true, progress: progress ? optionBool(progress) : false };
}

export async function startSubscribe(exec: ExecContext, stmt: SubscribeStatement, params: Datum[]): Promise<ActiveSubscribe> {
  const options = readOptions(stmt);
  const checkReadTime = await prepareAsOf(exec, stmt.asOf, stmt.asOfAtLeast === true);
  const planned = planSelect(exec, subscribeQuery(stmt), paramHints(exec, params.length));
  const plan = bindParameters(maintainedPlan(planned), params);
  checkMaintainable(plan, 'SUBSCRIBE');
  const output = outputFor(stmt, planned.desc.columns, options.progress);
  const queue = new RowQueue();
  const upTo = stmt.upTo ? mzTimestampOf(exec, stmt.upTo, 'UP TO') : undefined;
  let subscription: Subscription | undefined;
  const finish = (): void => {
    subscription?.close();
    queue.end();
  };
  const onBatch = (batch: SubscribeBatch): void => {
    // UP TO t: the subscription ends once everything before t has been sent.
    if (upTo !== undefined && batch.time >= upTo) {
      finish();
      return;
    }
    // Output rows are made a chunk at a time as they are read (a snapshot may hold millions).
    const { time, updates } = batch;
    if (output.perUpdate) queue.pushLazy(updates.length, (from, to) => output.rows(time, from === 0 && to === updates.length ? updates : updates.slice(from, to)));
    else queue.push(output.rows(time, updates));
    // A progress row says: nothing more will arrive at times before this one.
    if (options.progress) queue.push([output.progressRow(time + 1)]);
  };
  try {
    checkReadTime();
    const start = exec.core.compute.currentTime();
    if (stmt.asOf && upTo !== undefined && upTo < start) {
      throw new SqlError(SqlState.invalidParameterValue, `subscription lower ("as of") bound is beyond its upper ("up to") bound: ${upTo} < ${start}`);
    }
    subscription = exec.core.compute.subscribe(plan, { snapshot: options.snapshot }, onBatch, (err) => queue.fail(err));
  } catch (err) {
    queue.end();
    throw err;
  }
  if (queue.isEnded) subscription.close();
  return { columns: output.columns, queue, close: finish };
}

/** COPY (SUBSCRIBE ...) TO STDOUT: a stream that stays open until the client cancels. */
export function subscribeStream(active: ActiveSubscribe, signal: AbortSignal): RowStream {
  return {
    next: async () => {
      try {
        for (;;) {
          await active.queue.waitForRows(signal);
          const rows = active.queue.takeChunk();
          if (rows.length > 0) return rows;
          if (active.queue.isEnded) return null;
        }
      } catch (err) {
        active.close();
        throw err;
      }
    },
    close: () => active.close(),
  };
}

