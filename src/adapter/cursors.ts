// SQL cursors: DECLARE c CURSOR FOR SELECT | SUBSCRIBE, FETCH, CLOSE.
// FETCH on a SUBSCRIBE cursor waits for at least one row unless a TIMEOUT is
// given (Materialize's semantics).
import type { DeclareStatement, FetchStatement } from '../sql/ast.js';
import type { Datum, Row } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { ExtraSqlState } from '../catalog/extra-sqlstates.js';
import type { ExecuteResult, ResultColumn } from './api.js';
import type { ExecContext } from './exec-context.js';
import { checkOptions, optionDurationMs } from './options.js';
import { runQuery } from './query.js';
import { rowsResult } from './results.js';
import { RowQueue, startSubscribe, type ActiveSubscribe } from './subscribe.js';

interface Cursor {
  columns: ResultColumn[];
  queue: RowQueue;
  subscribe?: ActiveSubscribe;
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
      this.cursors.set(stmt.name, { columns: active.columns, queue: active.queue, subscribe: active });
    } else {
      const result = runQuery(exec, inner.query, params);
      const queue = new RowQueue();
      queue.push(result.rows);
      queue.end();
      this.cursors.set(stmt.name, { columns: result.columns, queue });
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
    if (max === undefined || max > 0) {
      await cursor.queue.waitForRows(exec.signal, timeoutMs);
      rows = cursor.queue.take(max);
    }
    return rowsResult(cursor.columns, rows, `FETCH ${rows.length}`);
  }

  close(name: string): ExecuteResult {
    if (name === 'all') this.closeAll();
    else {
      const cursor = this.get(name);
      cursor.subscribe?.close();
      this.cursors.delete(name);
    }
    return { kind: 'command', tag: 'CLOSE CURSOR' };
  }

  closeAll(): void {
    for (const c of this.cursors.values()) c.subscribe?.close();
    this.cursors.clear();
  }
}
