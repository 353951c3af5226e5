// The maintained contents of one collection (an input, a materialized view or
// an index): its rows with multiplicities and its error stream. Indexes keep
// their rows arranged by the index key so key lookups touch one group.
//
// Joins reading a collection directly may share its rows instead of keeping
// a copy: the collection then holds them arranged by the join's key columns
// (one copy, updated before the collection's listeners run) rather than in
// its own table, for as long as a dataflow uses that arrangement.
import type { Datum, Row } from '../repr/types.js';
import type { ErrorUpdate, Update } from './api.js';
import { EncodedArrangement, EncodedRows, entriesSnapshot, type RowsSnapshot } from './encoded-rows.js';
import { OrderedRowCounts } from './row-counts.js';
import { evalError } from './stream.js';
import { Arrangement, compileGroupKey, ErrorSet, valuesGroupKey, type GroupKey } from './zset.js';

interface SharedArrangement {
  arrangement: Arrangement;
  keyOf: (row: Row) => GroupKey;
  users: number;
}

export class CollectionState {
  readonly errors = new ErrorSet();
  /**
   * The rows, in insertion order, while no arrangement is shared (unkeyed
   * collections): encoded (encoded-rows.ts) while every row can be, else
   * row objects.
   */
  private unkeyed: EncodedRows | OrderedRowCounts | undefined;
  /** An index's rows by key: encoded when the key is plain columns (until a row does not fit), else row objects. */
  private keyed: EncodedArrangement | Arrangement | undefined;
  /** Arrangements shared with joins, by key columns; while any exists, they hold the rows instead of `unkeyed`. */
  private readonly shared = new Map<string, SharedArrangement>();

  constructor(
    private readonly keyOf?: (row: Row) => GroupKey,
    keyColumns?: number[],
  ) {
    if (keyOf === undefined) this.unkeyed = new EncodedRows();
    else this.keyed = keyColumns === undefined ? new Arrangement() : new EncodedArrangement(keyColumns);
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
    let from = 0;
    if (this.keyed instanceof EncodedArrangement) {
      const keyed = this.keyed;
      for (; from < updates.length; from++) {
        const u = updates[from]!;
        if (keyed.update(u.row, u.diff) === undefined) continue;
        // A row the encoding cannot hold, or a key with many rows: row objects from now on.
        const objects = new Arrangement();
        keyed.forEach((row, diff) => objects.update(this.keyOf!(row), row, diff));
        this.keyed = objects;
        break;
      }
    }
    if (this.keyed instanceof EncodedArrangement) {
      // Everything applied above.
    } else if (this.keyed !== undefined) {
      for (let i = from; i < updates.length; i++) {
        const u = updates[i]!;
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
    } else if (this.unkeyed instanceof EncodedRows) {
      const rows = this.unkeyed;
      for (let i = 0; i < updates.length; i++) {
        const u = updates[i]!;
        if (rows.add(u.row, u.diff)) continue;
        // A row the encoding cannot hold: the collection keeps row objects from now on.
        const objects = new OrderedRowCounts();
        rows.forEach((row, diff) => objects.add(row, diff));
        for (let j = i; j < updates.length; j++) objects.add(updates[j]!.row, updates[j]!.diff);
        this.unkeyed = objects;
        break;
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
      let rows: EncodedRows | OrderedRowCounts = new EncodedRows();
      const encoded = rows;
      let fits = true;
      entry.arrangement.forEach((row, diff) => {
        fits &&= encoded.add(row, diff);
      });
      if (!fits) {
        rows = new OrderedRowCounts();
        const objects = rows;
        entry.arrangement.forEach((row, diff) => objects.add(row, diff));
      }
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
   * The rows, captured now: later changes do not affect the snapshot. For
   * an encoded collection this copies its counts (an Int32Array); for row
   * objects, one array copy.
   */
  snapshot(): RowsSnapshot {
    if (this.unkeyed instanceof EncodedRows) return this.unkeyed.snapshot();
    if (this.unkeyed !== undefined) return entriesSnapshot(this.unkeyed.snapshotEntries());
    const out: Array<Row | number> = [];
    this.forEach((row, diff) => {
      out.push(row, diff);
    });
    return entriesSnapshot(out);
  }

  /** Rows whose index key equals `key` (one value per key expression). */
  lookup(key: Datum[]): Update[] {
    const out: Update[] = [];
    if (this.keyed instanceof EncodedArrangement) this.keyed.forEachInGroup(key, (row, diff) => out.push({ row, diff }));
    else if (this.keyed !== undefined) this.keyed.forEachInGroup(valuesGroupKey(key.length)(key), (row, diff) => out.push({ row, diff }));
    return out;
  }

  private forEach(visit: (row: Row, diff: number) => void): void {
    if (this.keyed !== undefined) this.keyed.forEach(visit);
    else if (this.unkeyed !== undefined) this.unkeyed.forEach(visit);
    else this.shared.values().next().value!.arrangement.forEach(visit);
  }
}
