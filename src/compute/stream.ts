// The edges of a rendered circuit. Operators push change batches downstream
// synchronously; a stream fans a batch out to every consumer. Batches are
// shared between consumers, so nobody may mutate a batch they received.
import { rowKey } from '../repr/compare.js';
import { toSqlError } from '../repr/errors.js';
import type { Row } from '../repr/types.js';
import type { ErrorUpdate, Update } from './api.js';

export type Sink = (updates: Update[], errors: ErrorUpdate[]) => void;

export class Stream {
  private readonly sinks: Sink[] = [];

  connect(sink: Sink): void {
    this.sinks.push(sink);
  }

  emit(updates: Update[], errors: ErrorUpdate[]): void {
    if (updates.length === 0 && errors.length === 0) return;
    for (const sink of this.sinks) sink(updates, errors);
  }
}

/**
 * An evaluation error raised while processing `row` becomes an error update
 * keyed by the operator and the row, so that retracting the row (same key,
 * opposite diff) retracts the error.
 */
export function evalError(label: string, row: Row, diff: number, err: unknown): ErrorUpdate {
  return { error: toSqlError(err), key: `${label}:${rowKey(row)}`, diff };
}
