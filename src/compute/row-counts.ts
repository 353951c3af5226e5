// The hash table under every stateful operator: distinct rows with a signed
// count each. Rows are hashed by their datums (rowHash) and compared by
// canonical-key equality (rowKeyEquals), so no key string is ever built.
//
// Why not a Map keyed by row-key strings: at 10^6 rows every probe of a
// large table misses the CPU caches, and a Map probe touches its bucket
// array, its entry and the stored key string (three misses), after
// building and hashing a fresh key string for the probing row. Here one
// array holds [hash, row, count] per slot, probed linearly, so a probe
// usually costs one cache line; a retraction carrying the very row object
// that was inserted (the common case: deletes come from the state itself)
// is recognised by identity without reading the stored row.
import { rowHash, rowKeyEquals } from '../repr/compare.js';
import type { Row } from '../repr/types.js';

const STRIDE = 3; // hash, row, count
const MIN_CAPACITY = 4;

type Slot = number | Row | undefined;

/**
 * Backward-shift deletion of linear probing: after a removal at `hole`, the
 * entry at slot j (home slot `home`) moves into the hole unless its home
 * lies cyclically in (hole, j], where moving it would hide it from lookups.
 */
function mayFillHole(hole: number, home: number, j: number): boolean {
  return hole <= j ? home <= hole || home > j : home <= hole && home > j;
}

export class RowCounts {
  /** capacity * STRIDE entries; a slot is empty when its row is undefined. */
  private slots: Slot[];
  private mask: number;
  private distinct = 0;

  constructor(capacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap < capacity) cap *= 2;
    this.slots = new Array<Slot>(cap * STRIDE).fill(undefined);
    this.mask = cap - 1;
  }

  /** Number of distinct rows (with a non-zero count). */
  get size(): number {
    return this.distinct;
  }

  /** Adds `diff` to the row's count, dropping the row when it reaches zero; returns the count before. */
  add(row: Row, diff: number, hash: number = rowHash(row)): number {
    const slots = this.slots;
    const mask = this.mask;
    let i = hash & mask;
    for (;;) {
      const at = i * STRIDE;
      const stored = slots[at + 1] as Row | undefined;
      if (stored === undefined) {
        if (diff !== 0) {
          slots[at] = hash;
          slots[at + 1] = row;
          slots[at + 2] = diff;
          // Linear probing stays short while at most half the slots are used.
          if (++this.distinct * 2 > mask + 1) this.resize((mask + 1) * 2);
        }
        return 0;
      }
      if (slots[at] === hash && (stored === row || rowKeyEquals(stored, row))) {
        const before = slots[at + 2] as number;
        const after = before + diff;
        if (after === 0) this.removeAt(i);
        else slots[at + 2] = after;
        return before;
      }
      i = (i + 1) & mask;
    }
  }

  /** The row's count (0 when absent). */
  count(row: Row, hash: number = rowHash(row)): number {
    const slots = this.slots;
    const mask = this.mask;
    let i = hash & mask;
    for (;;) {
      const at = i * STRIDE;
      const stored = slots[at + 1] as Row | undefined;
      if (stored === undefined) return 0;
      if (slots[at] === hash && (stored === row || rowKeyEquals(stored, row))) return slots[at + 2] as number;
      i = (i + 1) & mask;
    }
  }

  /** Visits every row with its count. The table must not change during the visit. */
  forEach(visit: (row: Row, count: number) => void): void {
    const slots = this.slots;
    for (let at = 0; at < slots.length; at += STRIDE) {
      const row = slots[at + 1] as Row | undefined;
      if (row !== undefined) visit(row, slots[at + 2] as number);
    }
  }

  clear(): void {
    if (this.distinct === 0) return;
    this.distinct = 0;
    if (this.slots.length === MIN_CAPACITY * STRIDE) this.slots.fill(undefined);
    else {
      this.slots = new Array<Slot>(MIN_CAPACITY * STRIDE).fill(undefined);
      this.mask = MIN_CAPACITY - 1;
    }
  }

  /** Empties slot i, shifting later members of its probe run back so lookups never meet a hole. */
  private removeAt(i: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const at = j * STRIDE;
      if (slots[at + 1] === undefined) break;
      if (!mayFillHole(hole, (slots[at] as number) & mask, j)) continue;
      const to = hole * STRIDE;
      slots[to] = slots[at];
      slots[to + 1] = slots[at + 1];
      slots[to + 2] = slots[at + 2];
      hole = j;
    }
    const to = hole * STRIDE;
    slots[to] = undefined;
    slots[to + 1] = undefined;
    slots[to + 2] = undefined;
    this.distinct--;
    // Give memory back after mass deletion (and keep iteration proportional to the contents).
    const capacity = mask + 1;
    if (capacity > MIN_CAPACITY && this.distinct * 8 < capacity) this.resize(capacity / 2);
  }

  private resize(capacity: number): void {
    const old = this.slots;
    this.slots = new Array<Slot>(capacity * STRIDE).fill(undefined);
    this.mask = capacity - 1;
    const slots = this.slots;
    const mask = this.mask;
    for (let at = 0; at < old.length; at += STRIDE) {
      const row = old[at + 1];
      if (row === undefined) continue;
      const hash = old[at] as number;
      let i = hash & mask;
      while (slots[i * STRIDE + 1] !== undefined) i = (i + 1) & mask;
      const to = i * STRIDE;
      slots[to] = hash;
      slots[to + 1] = row;
      slots[to + 2] = old[at + 2];
    }
  }
}

const INDEX_STRIDE = 2; // hash, entry position + 1 (0: empty)

/**
 * RowCounts that remembers insertion order: reads of a table return its rows
 * in the order they were inserted, as PostgreSQL returns a freshly written
 * heap (and as `LIMIT` without `ORDER BY` is then expected to pick). Entries
 * live in an append-only array of [row, count] with holes where rows were
 * removed (compacted when holes outnumber rows); an Int32Array of [hash,
 * position] slots indexes them. A probe costs two cache lines, one more than
 * RowCounts, so only collections that are read back in order use it.
 */
export class OrderedRowCounts {
  private index: Int32Array;
  private mask: number;
  /** [row, count] per position; a removed entry's row is undefined. */
  private entries: Slot[] = [];
  private live = 0;

  constructor() {
    this.index = new Int32Array(MIN_CAPACITY * INDEX_STRIDE);
    this.mask = MIN_CAPACITY - 1;
  }

  get size(): number {
    return this.live;
  }

  /** Adds `diff` to the row's count, dropping the row when it reaches zero; returns the count before. */
  add(row: Row, diff: number, hash: number = rowHash(row)): number {
    const index = this.index;
    const entries = this.entries;
    const mask = this.mask;
    let i = hash & mask;
    for (;;) {
      const position = index[i * INDEX_STRIDE + 1]!;
      if (position === 0) break;
      if (index[i * INDEX_STRIDE] === hash) {
        const at = (position - 1) * 2;
        const stored = entries[at] as Row;
        if (stored === row || rowKeyEquals(stored, row)) {
          const before = entries[at + 1] as number;
          const after = before + diff;
          if (after !== 0) entries[at + 1] = after;
          else this.removeAt(i, at);
          return before;
        }
      }
      i = (i + 1) & mask;
    }
    if (diff === 0) return 0;
    entries.push(row, diff);
    index[i * INDEX_STRIDE] = hash;
    index[i * INDEX_STRIDE + 1] = entries.length / 2;
    if (++this.live * 2 > mask + 1) this.rebuild((mask + 1) * 2, false);
    return 0;
  }

  /**
   * A copy of the entries as [row, count, row, count, ...] in insertion order
   * (a removed entry's row is undefined): one array copy, so a reader can walk
   * it in slices while the table keeps changing (rows are never mutated).
   */
  snapshotEntries(): Array<Row | number | undefined> {
    return this.entries.slice();
  }

  /** Visits every row with its count, in insertion order. The table must not change during the visit. */
  forEach(visit: (row: Row, count: number) => void): void {
    const entries = this.entries;
    for (let at = 0; at < entries.length; at += 2) {
      const row = entries[at] as Row | undefined;
      if (row !== undefined) visit(row, entries[at + 1] as number);
    }
  }

  clear(): void {
    if (this.entries.length === 0) return;
    this.entries = [];
    this.live = 0;
    this.index = new Int32Array(MIN_CAPACITY * INDEX_STRIDE);
    this.mask = MIN_CAPACITY - 1;
  }

  private removeAt(slot: number, at: number): void {
    this.entries[at] = undefined;
    this.entries[at + 1] = undefined;
    this.live--;
    const index = this.index;
    const mask = this.mask;
    let hole = slot;
    let j = slot;
    for (;;) {
      j = (j + 1) & mask;
      if (index[j * INDEX_STRIDE + 1] === 0) break;
      if (!mayFillHole(hole, index[j * INDEX_STRIDE]! & mask, j)) continue;
      index[hole * INDEX_STRIDE] = index[j * INDEX_STRIDE]!;
      index[hole * INDEX_STRIDE + 1] = index[j * INDEX_STRIDE + 1]!;
      hole = j;
    }
    index[hole * INDEX_STRIDE] = 0;
    index[hole * INDEX_STRIDE + 1] = 0;
    const holes = this.entries.length / 2 - this.live;
    if (holes > 16 && holes > this.live) {
      let capacity = mask + 1;
      while (capacity > MIN_CAPACITY && this.live * 8 < capacity) capacity /= 2;
      this.rebuild(capacity, true);
    }
  }

  /**
   * Rebuilds the index at `capacity` slots from its own [hash, position]
   * pairs (no row is hashed again), compacting the entries first when asked
   * (order kept, positions remapped).
   */
  private rebuild(capacity: number, compact: boolean): void {
    let remap: Int32Array | undefined;
    if (compact) {
      const old = this.entries;
      const entries: Slot[] = [];
      remap = new Int32Array(old.length / 2 + 1);
      for (let at = 0; at < old.length; at += 2) {
        if (old[at] === undefined) continue;
        entries.push(old[at], old[at + 1]);
        remap[at / 2 + 1] = entries.length / 2;
      }
      this.entries = entries;
    }
    const old = this.index;
    const index = new Int32Array(capacity * INDEX_STRIDE);
    const mask = capacity - 1;
    for (let s = 0; s < old.length; s += INDEX_STRIDE) {
      const position = old[s + 1]!;
      if (position === 0) continue;
      const hash = old[s]!;
      let i = hash & mask;
      while (index[i * INDEX_STRIDE + 1] !== 0) i = (i + 1) & mask;
      index[i * INDEX_STRIDE] = hash;
      index[i * INDEX_STRIDE + 1] = remap === undefined ? position : remap[position]!;
    }
    this.index = index;
    this.mask = mask;
  }
}
