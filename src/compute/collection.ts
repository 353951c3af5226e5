// The maintained contents of one collection (an input, a materialized view or
// an index): its rows with multiplicities and its error stream. Indexes keep
// their rows arranged by the index key so key lookups touch one group.
import type { Row } from '../repr/types.js';
import type { ErrorUpdate, Update } from './api.js';
import { evalError } from './stream.js';
import { OrderedRowCounts } from './row-counts.js';
import { Arrangement, ErrorSet, type GroupKey } from './zset.js';

export class CollectionState {
  readonly errors = new ErrorSet();
  private readonly unkeyed: OrderedRowCounts | undefined;
  private readonly keyed: Arrangement | undefined;

  constructor(private readonly keyOf?: (row: Row) => GroupKey) {
    if (keyOf === undefined) this.unkeyed = new OrderedRowCounts();
    else this.keyed = new Arrangement();
  }

  /** Applies changes; returns the errors to forward (input errors plus index-key evaluation errors). */
  apply(updates: readonly Update[], errors: ErrorUpdate[]): ErrorUpdate[] {
    let forwarded = errors;
    if (this.keyed !== undefined) {
      for (const u of updates) {
        let key: GroupKey;
        try {
          key = this.keyOf!(u.row);
        } catch (err) {
          if (forwarded === errors) forwarded = [...errors];
          forwarded.push(evalError('index', u.row, u.diff, err));
          continue;
        }
        this.keyed.update(key, u.row, u.diff);
      }
    } else {
      const rows = this.unkeyed!;
      for (const u of updates) rows.add(u.row, u.diff);
    }
    if (forwarded.length > 0) this.errors.apply(forwarded);
    return forwarded;
  }

  /** The rows with multiplicities. */
  contents(): Update[] {
    const out: Update[] = [];
    if (this.keyed !== undefined) this.keyed.forEach((row, diff) => out.push({ row, diff }));
    else this.unkeyed!.forEach((row, diff) => out.push({ row, diff }));
    return out;
  }

  /** Rows whose index key equals `key` (as produced by the index's key function). */
  lookup(key: GroupKey): Update[] {
    const out: Update[] = [];
    if (this.keyed !== undefined) this.keyed.forEachInGroup(key, (row, diff) => out.push({ row, diff }));
    return out;
  }
}
