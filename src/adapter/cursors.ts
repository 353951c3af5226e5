// SQL cursors: DECLARE c CURSOR FOR SELECT | SUBSCRIBE, FETCH, CLOSE.
// FETCH on a SUBSCRIBE cursor waits for at least one row unless a TIMEOUT is
// given (Materialize's semantics).
import type { DeclareStatement, FetchStatement } from '../sql/ast.js';
import type { Datum, Row } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { ExtraSqlState } from '../catalog/extra-sqlstates.js';
import type { ExecuteResult, ResultColumn, RowStream } from './api.js';
import type { ExecContext } from './exec-context.js';
import { checkOptions, optionDurationMs } from './options.js';
import { streamQuery } from './result-stream.js';
import { abortError } from '../compute/peek-stream.js';
import { rowsResult } from './results.js';
import { startSubscribe, type ActiveSubscribe, type RowQueue } from './subscribe.js';

interface Cursor {
  columns: ResultColumn[];
  /** SUBSCRIBE cursors: the subscription's queue. */
  queue?: RowQueue;
  subscribe?: ActiveSubscribe;
  /** Query cursors: the result, computed as it is fetched, and rows pulled but not yet fetched. */
  stream?: RowStream;
  /** Aborts the query cursor's evaluation: a cancelled FETCH (the transaction fails with it). */
  controller?: AbortController;
  buffered: Row[];
}

export class Cursors {
  private readonly cursors = new Map<string, Cursor>();

  async declare(exec: ExecContext, stmt: DeclareStatement, params: Datum[]): Promise<ExecuteResult> {
    if (!exec.txn.inBlock) {
      throw new SqlError(ExtraSqlState.noActiveSqlTransaction, 'DECLARE CURSOR can only be used in transaction blocks');
    }
    if (this.cursors.has(stmt.name)) throw new SqlError(SqlState.duplicateCursor, `cursor "${stmt.name}" already exists`);
    const inner = stmt.statement;
    if (inner.kind === 'subscribe') {
      const active = await startSubscribe(exec, inner, params);
      this.cursors.set(stmt.name, { columns: active.columns, queue: active.queue, subscribe: active, buffered: [] });
    } else {
      // The inputs are read now; FETCH computes rows as it needs them.
      const controller = new AbortController();
      const result = streamQuery({ ...exec, signal: controller.signal }, inner.query, params);
      this.cursors.set(stmt.name, { columns: result.columns, stream: result.stream, controller, buffered: [] });
    }
    return { kind: 'command', tag: 'DECLARE CURSOR' };
  }

  columnsOf(name: string): ResultColumn[] {
    return this.get(name).columns;
  }

  private get(name: string): Cursor {
    const cursor = this.cursors.get(name);
    if (!cursor) throw new SqlError(ExtraSqlState.undefinedCursor, `cursor "${name}" does not exist`);
    return cursor;
  }

  async fetch(exec: ExecContext, stmt: FetchStatement): Promise<ExecuteResult> {
    const cursor = this.get(stmt.name);
    const options = checkOptions(stmt.options, ['TIMEOUT'], 'FETCH');
    const timeout = options.get('TIMEOUT');
    const timeoutMs = timeout ? optionDurationMs(timeout) : undefined;
    const max = stmt.count === 'all' ? undefined : (stmt.count ?? 1);
    let rows: Row[] = [];
    if (cursor.stream !== undefined) {
      if (max === undefined) return { kind: 'rowStream', columns: cursor.columns, stream: this.restOf(cursor, exec.signal), tag: (n) => `FETCH ${n}` };
      if (max > 0) rows = await this.pull(cursor, max, exec.signal);
    } else if (cursor.queue !== undefined && (max === undefined || max > 0)) {
      await cursor.queue.waitForRows(exec.signal, timeoutMs);
      rows = cursor.queue.take(max);
    }
    return rowsResult(cursor.columns, rows, `FETCH ${rows.length}`);
  }

  /** Up to `max` rows of a query cursor, computing more only as needed. */
  private async pull(cursor: Cursor, max: number, signal: AbortSignal): Promise<Row[]> {
    const onAbort = (): void => cursor.controller?.abort(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (cursor.buffered.length < max && cursor.stream !== undefined) {
        if (signal.aborted) throw abortError(signal);
        const batch = await cursor.stream.next();
        if (batch === null) {
          cursor.stream = undefined;
          break;
        }
        for (const row of batch) cursor.buffered.push(row);
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (cursor.buffered.length <= max) {
      const rows = cursor.buffered;
      cursor.buffered = [];
      return rows;
    }
    return cursor.buffered.splice(0, max);
  }

  /** FETCH ALL of a query cursor: the rest of its rows, streamed. */
  private restOf(cursor: Cursor, signal: AbortSignal): RowStream {
    return {
      next: async () => {
        const rows = await this.pull(cursor, 2048, signal);
        return rows.length > 0 ? rows : null;
      },
      close: () => undefined,
    };
  }

  close(name: string): ExecuteResult {
    if (name === 'all') this.closeAll();
    else {
      const cursor = this.get(name);
      cursor.subscribe?.close();
      cursor.stream?.close();
      this.cursors.delete(name);
    }
    return { kind: 'command', tag: 'CLOSE CURSOR' };
  }

  closeAll(): void {
    for (const c of this.cursors.values()) {
      c.subscribe?.close();
      c.stream?.close();
    }
    this.cursors.clear();
  }
}
