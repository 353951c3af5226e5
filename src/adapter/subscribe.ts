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


/** Rows produced by a subscription, waiting to be read. */
export class RowQueue {
  private rows: Row[] = [];
  private waiters: (() => void)[] = [];
  private failure: SqlError | undefined;
  private ended = false;

  push(rows: Row[]): void {
    if (this.ended || rows.length === 0) return;
    this.rows.push(...rows);
    this.wake();
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
    const n = max === undefined ? this.rows.length : Math.min(max, this.rows.length);
    return this.rows.splice(0, n);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Waits until rows are available, the queue ends or fails, `timeoutMs`
   * passes or `signal` aborts (then throws 57014).
   */
  async waitForRows(signal: AbortSignal | undefined, timeoutMs?: number): Promise<void> {
    if (this.rows.length > 0 || this.failure || this.ended) return;
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
    const rows = output.rows(batch.time, batch.updates);
    // A progress row says: nothing more will arrive at times before this one.
    if (options.progress) rows.push(output.progressRow(batch.time + 1));
    queue.push(rows);
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
          const rows = active.queue.take();
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

