// The maintained contents of one collection (an input, a materialized view or
// an index): its rows with multiplicities and its error stream. Indexes keep
// their rows arranged by the index key so key lookups touch one group.
//
// Joins reading a collection directly may share its rows instead of keeping
// a copy: the collection then holds them arranged by the join's key columns
// (one copy, updated before the collection's listeners run) rather than in
// its own table, for as long as a dataflow uses that arrangement.
import type { Row } from '../repr/types.js';
import type { ErrorUpdate, Update } from './api.js';
import { OrderedRowCounts } from './row-counts.js';
import { evalError } from './stream.js';
import { Arrangement, compileGroupKey, ErrorSet, type GroupKey } from './zset.js';

interface SharedArrangement {
  arrangement: Arrangement;
  keyOf: (row: Row) => GroupKey;
  users: number;
}

export class CollectionState {
  readonly errors = new ErrorSet();
  /** The rows, in insertion order, while no arrangement is shared (unkeyed collections). */
  private unkeyed: OrderedRowCounts | undefined;
  private readonly keyed: Arrangement | undefined;
  /** Arrangements shared with joins, by key columns; while any exists, they hold the rows instead of `unkeyed`. */
  private readonly shared = new Map<string, SharedArrangement>();

  constructor(private readonly keyOf?: (row: Row) => GroupKey) {
    if (keyOf === undefined) this.unkeyed = new OrderedRowCounts();
    else this.keyed = new Arrangement();
  }

  /** The sum of the rows' multiplicities (count(*)), kept as changes apply. */
  get totalCount(): number {
    return this.total;
  }

  private total = 0;

  /** Applies changes; returns the errors to forward (input errors plus index-key evaluation errors). */
  apply(updates: readonly Update[], errors: ErrorUpdate[]): ErrorUpdate[] {
    let forwarded = errors;
    let total = this.total;
    for (const u of updates) total += u.diff;
    if (this.keyed !== undefined) {
      for (const u of updates) {
        let key: GroupKey;
        try {
          key = this.keyOf!(u.row);
        } catch (err) {
          if (forwarded === errors) forwarded = [...errors];
          forwarded.push(evalError('index', u.row, u.diff, err));
          total -= u.diff;
          continue;
        }
        this.keyed.update(key, u.row, u.diff);
      }
    } else if (this.unkeyed !== undefined) {
      const rows = this.unkeyed;
      for (const u of updates) rows.add(u.row, u.diff);
    } else {
      for (const { arrangement, keyOf } of this.shared.values()) {
        for (const u of updates) arrangement.update(keyOf(u.row), u.row, u.diff);
      }
    }
    this.total = total;
    if (forwarded.length > 0) this.errors.apply(forwarded);
    return forwarded;
  }

  /**
   * The collection's rows arranged by `keyColumns`, maintained by the
   * collection from now on (until `release`); undefined for indexes.
   */
  share(keyColumns: number[]): Arrangement | undefined {
    if (this.keyed !== undefined) return undefined;
    const signature = keyColumns.join(',');
    let entry = this.shared.get(signature);
    if (entry === undefined) {
      const keyOf = compileGroupKey(keyColumns.map((c) => (row: Row) => row[c] ?? null));
      const arrangement = new Arrangement();
      this.forEach((row, diff) => arrangement.update(keyOf(row), row, diff));
      entry = { arrangement, keyOf, users: 0 };
      this.shared.set(signature, entry);
      this.unkeyed = undefined;
    }
    entry.users++;
    return entry.arrangement;
  }

  /** Ends one use of a shared arrangement; the last use of the last one gives the rows back to the collection's table. */
  release(keyColumns: number[]): void {
    const signature = keyColumns.join(',');
    const entry = this.shared.get(signature);
    if (entry === undefined || --entry.users > 0) return;
    if (this.shared.size === 1) {
      const rows = new OrderedRowCounts();
      entry.arrangement.forEach((row, diff) => rows.add(row, diff));
      this.unkeyed = rows;
    }
    this.shared.delete(signature);
  }

  /** Key columns of the arrangements currently shared. */
  sharedKeys(): number[][] {
    return [...this.shared.keys()].map((signature) => signature.split(',').map(Number));
  }

  /** The rows with multiplicities. */
  contents(): Update[] {
    const out: Update[] = [];
    this.forEach((row, diff) => out.push({ row, diff }));
    return out;
  }

  /**
   * The rows as [row, count, ...] pairs (undefined rows are holes to skip),
   * captured now: later changes do not affect the copy. For an unkeyed
   * collection this is one array copy.
   */
  snapshotEntries(): Array<Row | number | undefined> {
    if (this.unkeyed !== undefined) return this.unkeyed.snapshotEntries();
    const out: Array<Row | number> = [];
    this.forEach((row, diff) => {
      out.push(row, diff);
    });
    return out;
  }

  /** Rows whose index key equals `key` (as produced by the index's key function). */
  lookup(key: GroupKey): Update[] {
    const out: Update[] = [];
    if (this.keyed !== undefined) this.keyed.forEachInGroup(key, (row, diff) => out.push({ row, diff }));
    return out;
  }

  private forEach(visit: (row: Row, diff: number) => void): void {
    if (this.keyed !== undefined) this.keyed.forEach(visit);
    else if (this.unkeyed !== undefined) this.unkeyed.forEach(visit);
    else this.shared.values().next().value!.arrangement.forEach(visit);
  }
}
