// Transaction state of a session. Transactions are read-only with respect to
// isolation (every read sees the latest consistent state) and write-only in
// the sense of Materialize: table writes are buffered and applied at COMMIT,
// all at one timestamp.
import type { Update } from '../compute/api.js';
import type { GlobalId } from '../plan/mir.js';
import type { TransactionStatus } from './api.js';

export class TransactionState {
  status: TransactionStatus = 'I';
  /** Writes buffered until COMMIT, per table. */
  readonly pendingWrites = new Map<GlobalId, Update[]>();

  get inBlock(): boolean {
    return this.status !== 'I';
  }

  bufferWrite(table: GlobalId, updates: Update[]): void {
    const list = this.pendingWrites.get(table);
    // A loop, not push(...updates): spreading a large batch into one call overflows the stack.
    if (list) for (const u of updates) list.push(u);
    else this.pendingWrites.set(table, updates.slice());
  }

  /** Ends the transaction; returns the writes to apply (none after a failure or ROLLBACK). */
  finish(commit: boolean): Map<GlobalId, Update[]> {
    const writes = commit && this.status === 'T' ? new Map(this.pendingWrites) : new Map<GlobalId, Update[]>();
    this.pendingWrites.clear();
    this.status = 'I';
    return writes;
  }
}
