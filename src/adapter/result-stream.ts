// Query results as streams of row batches (the RowStream contract of api.ts):
// a SELECT, COPY (query) TO STDOUT or cursor reads its inputs at one
// timestamp (compute captures them when the stream is created), then computes
// batch by batch as the server pulls, which it does only as fast as the
// client's socket drains. ORDER BY sorts runs of rows as they arrive and
// merges them lazily; LIMIT stops the evaluation once it has its rows.
// max_query_result_size bounds what a result may return or hold.
import type { Query } from '../sql/ast.js';
import type { Datum, Row } from '../repr/types.js';
import type { RowSetFinishing } from '../plan/mir.js';
import { bindFinishing, bindParameters, type PlannedQuery } from '../plan/planner.js';
import { optimize } from '../optimize/optimizer.js';
import { SqlError, SqlState } from '../repr/errors.js';
import type { RowBatchStream } from '../compute/api.js';
import { rowByteLen } from '../compute/peek-stream.js';
import type { ExecuteResult, ResultColumn, RowStream } from './api.js';
import type { ExecContext } from './exec-context.js';
import { paramHints } from './exec-context.js';
import { columnsOf } from './results.js';
import { compareByOrder, planSelect, withLookups } from './query.js';
import { catalogIndexes } from './lookup.js';
import { parseByteSize } from './vars.js';

/** Rows per sorted run of ORDER BY, and per batch handed to the server. */
const RUN_ROWS = 4096;
const BATCH_ROWS = 2048;

export interface StreamedQuery {
  columns: ResultColumn[];
  stream: RowStream;
}

/**
 * Materialize's wording for a result over max_query_result_size (the size
 * printed as Rust's bytesize crate prints it, e.g. "1073.7 MB"), with
 * SQLSTATE 53200 out_of_memory.
 */
export function resultSizeError(limit: number): SqlError {
  return new SqlError(SqlState.outOfMemory, `result exceeds max size of ${formatByteSize(limit)}`, {
    hint: 'Raise max_query_result_size (SET max_query_result_size = \'2GB\'), or narrow the query.',
  });
}

/** bytesize 1.x's Display: decimal units, the exponent chosen with ln(1024) as bytesize does. */
export function formatByteSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const exp = Math.max(1, Math.floor(Math.log(bytes) / 6.931471806));
  return `${(bytes / 1000 ** exp).toFixed(1)} ${'KMGTPE'[exp - 1]!}B`;
}

/** The session's max_query_result_size in bytes. */
export function maxResultBytes(exec: ExecContext): number {
  return parseByteSize(exec.vars.get('max_query_result_size')) ?? Number.MAX_SAFE_INTEGER;
}

/** Starts a SELECT as a stream (its inputs are read now). */
export function streamQuery(exec: ExecContext, query: Query, params: Datum[]): StreamedQuery {
  const planned = planSelect(exec, query, paramHints(exec, params.length), true);
  return streamPlanned(exec, planned, params);
}

export function streamPlanned(exec: ExecContext, planned: PlannedQuery, params: Datum[]): StreamedQuery {
  // Collections constrained to index keys are read by lookups (lookup.ts), at the same time as the rest.
  const plan = withLookups(exec.core.compute, optimize(bindParameters(planned.plan, params)), catalogIndexes(exec.core.catalog.allItems()));
  const finishing = bindFinishing(planned.finishing, params);
  const limit = maxResultBytes(exec);
  const tooLarge = (): SqlError => resultSizeError(limit);
  const source = exec.core.compute.peekStream(plan, { signal: exec.signal, maxResultBytes: limit, resultTooLarge: tooLarge });
  return { columns: columnsOf(planned.desc), stream: finish(source, finishing, limit, tooLarge) };
}

/** Applies ORDER BY / OFFSET / LIMIT / the final projection to a stream, counting the result's bytes against `maxBytes`. */
export function finish(source: RowBatchStream, finishing: RowSetFinishing, maxBytes: number, tooLarge: () => SqlError): RowStream {
  const project = finishing.project;
  let projectRow: ((row: Row) => Row) | undefined;
  const projected = (row: Row): Row => {
    if (projectRow === undefined) {
      const identity = project.length === row.length && project.every((c, i) => c === i);
      projectRow = identity ? (r) => r : (r) => project.map((c) => r[c] ?? null);
    }
    return projectRow(row);
  };
  let bytes = 0;
  const count = (row: Row): void => {
    bytes += rowByteLen(row);
    if (bytes > maxBytes) throw tooLarge();
  };
  const ordered = finishing.order.length > 0 ? sortedRows(source, finishing, count) : source;
  let toSkip = finishing.offset;
  let remaining = finishing.limit ?? Infinity;
  let done = false;
  const stop = (): void => {
    done = true;
    ordered.close();
  };
  return {
    next: async () => {
      try {
        while (!done && remaining > 0) {
          const rows = await ordered.next();
          if (rows === null) break;
          let start = 0;
          if (toSkip > 0) {
            start = Math.min(toSkip, rows.length);
            toSkip -= start;
          }
          const end = Math.min(rows.length, start + remaining);
          if (end <= start) continue;
          const out: Row[] = new Array<Row>(end - start);
          for (let i = start; i < end; i++) {
            const row = projected(rows[i]!);
            if (ordered === source) count(row);
            out[i - start] = row;
          }
          remaining -= out.length;
          return out;
        }
        if (!done) stop();
        return null;
      } catch (err) {
        stop();
        throw err;
      }
    },
    close: stop,
  };
}

/**
 * ORDER BY over a stream: runs of RUN_ROWS rows are sorted as they arrive
 * (each a short synchronous step), then merged lazily batch by batch. With
 * LIMIT, each run keeps only the rows that can still be returned. Buffered
 * rows count against the result size limit.
 */
function sortedRows(source: RowBatchStream, finishing: RowSetFinishing, count: (row: Row) => void): RowBatchStream {
  const compare = compareByOrder(finishing.order);
  const keep = finishing.limit === undefined ? Infinity : finishing.offset + finishing.limit;
  const runs: Row[][] = [];
  let run: Row[] = [];
  const seal = (): void => {
    if (run.length === 0) return;
    run.sort(compare);
    if (run.length > keep) run.length = keep;
    for (const row of run) count(row);
    runs.push(run);
    run = [];
  };
  let merger: ((max: number) => Row[]) | undefined;
  let closed = false;
  return {
    next: async () => {
      if (closed) return null;
      if (merger === undefined) {
        for (;;) {
          const rows = await source.next();
          if (rows === null) break;
          for (const row of rows) {
            run.push(row);
            if (run.length >= RUN_ROWS) seal();
          }
        }
        seal();
        merger = mergeRuns(runs, compare);
      }
      const batch = merger(BATCH_ROWS);
      return batch.length > 0 ? batch : null;
    },
    close: () => {
      closed = true;
      runs.length = 0;
      source.close();
    },
  };
}

/** A k-way merge of sorted runs (stable: ties keep run order), taken `max` rows at a time. */
function mergeRuns(runs: Row[][], compare: (a: Row, b: Row) => number): (max: number) => Row[] {
  if (runs.length === 1) {
    const only = runs[0]!;
    let at = 0;
    return (max) => {
      const out = only.slice(at, at + max);
      at += out.length;
      return out;
    };
  }
  const positions = runs.map(() => 0);
  // Min-heap of run indexes by their current row.
  const heap: number[] = [];
  const less = (a: number, b: number): boolean => {
    const c = compare(runs[a]![positions[a]!]!, runs[b]![positions[b]!]!);
    return c < 0 || (c === 0 && a < b);
  };
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  runs.forEach((r, i) => {
    if (r.length > 0) heap.push(i);
  });
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
  return (max) => {
    const out: Row[] = [];
    while (out.length < max && heap.length > 0) {
      const top = heap[0]!;
      out.push(runs[top]![positions[top]!]!);
      positions[top]!++;
      if (positions[top]! >= runs[top]!.length) {
        heap[0] = heap[heap.length - 1]!;
        heap.pop();
      }
      if (heap.length > 0) down(0);
    }
    return out;
  };
}

/** Reads a whole stream into an array (for callers that need every row, e.g. INSERT ... SELECT). */
export async function collectRows(stream: RowStream): Promise<Row[]> {
  const rows: Row[] = [];
  for (;;) {
    const batch = await stream.next();
    if (batch === null) return rows;
    for (const row of batch) rows.push(row);
  }
}

/** A stream over rows already computed, in batches. */
export function arrayStream(rows: Row[]): RowStream {
  let at = 0;
  return {
    next: () => {
      if (at >= rows.length) return Promise.resolve(null);
      const batch = at === 0 && rows.length <= BATCH_ROWS ? rows : rows.slice(at, at + BATCH_ROWS);
      at += batch.length;
      return Promise.resolve(batch);
    },
    close: () => {
      at = rows.length;
    },
  };
}

/** A result with a streamed row set read to the end, as a plain 'rows' result (for in-process callers and tests). */
export async function readResult(result: ExecuteResult): Promise<ExecuteResult> {
  if (result.kind !== 'rowStream') return result;
  const rows = await collectRows(result.stream);
  return { kind: 'rows', columns: result.columns, rows, tag: result.tag(rows.length) };
}
