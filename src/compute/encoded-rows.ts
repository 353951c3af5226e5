// Rows kept encoded: the compact form of a collection's state (tables,
// sources, materialized views, and indexes keyed by plain columns).
//
// A row held as a JavaScript array costs its array (32 bytes), its backing
// store (16 + 8 per column) and every string datum's own object (16 bytes
// of header, rounded to 8): an (int, text) row of 15 raw bytes costs ~100
// bytes, and the garbage collector visits three objects per row. Here rows
// whose datums are primitives (null, booleans, numbers, bigints within 64
// bits, strings) are encoded into large byte chunks (tag + payload per
// datum, ~1 byte of overhead per column), addressed by one Int32 per row,
// with one Int32 count per row and an Int32 open-addressing index over the
// rows' byte hashes: ~2.5x the raw bytes for narrow rows, and no per-row
// objects at all. Reads decode (a fresh array per row); a snapshot for a
// reader is a copy of the counts (a memcpy), the bytes being append-only.
//
// The encoding is canonical (equal rows, in the sense of rowKeyEquals, have
// equal bytes), so rows are hashed and compared as bytes. Rows it cannot
// represent canonically (-0, other datum types, very long values) make
// `add` return false: the owner then falls back to the object form.
import type { Datum, Row } from '../repr/types.js';

const TAG_NULL = 0;
const TAG_FALSE = 1;
const TAG_TRUE = 2;
const TAG_INT32 = 3;
const TAG_FLOAT64 = 4;
const TAG_INT64 = 5;
const TAG_LATIN1 = 6;
const TAG_UTF16 = 7;

const CHUNK_BITS = 18;
/** Bytes per chunk (256 KiB); a row must fit in one. */
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;
/** Byte addresses are Int32: at most 2^31 bytes of rows per store. */
const MAX_ADDRESS = 2 ** 31 - CHUNK_SIZE;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MIN_CAPACITY = 16;

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const i64 = new BigInt64Array(1);
const i64Bytes = new Uint8Array(i64.buffer);

/** The encoding of the row being added or probed for. */
let scratch = Buffer.alloc(1024);
let scratchLength = 0;

function ensureScratch(need: number): void {
  if (need <= scratch.length) return;
  let size = scratch.length * 2;
  while (size < need) size *= 2;
  const grown = Buffer.alloc(size);
  scratch.copy(grown, 0, 0, scratchLength);
  scratch = grown;
}

/** Encodes `row` into the scratch buffer; false when it cannot be encoded canonically. */
function encodeScratch(row: Row): boolean {
  let at = 0;
  for (let c = 0; c < row.length; c++) {
    const d: Datum = row[c]!;
    ensureScratch(at + 16);
    switch (typeof d) {
      case 'number':
        if ((d | 0) === d) {
          if (d === 0 && 1 / d < 0) return false; // -0 keys as 0 but prints as -0
          scratch[at] = TAG_INT32;
          scratch.writeInt32LE(d, at + 1);
          at += 5;
        } else {
          scratch[at] = TAG_FLOAT64;
          f64[0] = d !== d ? NaN : d; // one NaN
          for (let i = 0; i < 8; i++) scratch[at + 1 + i] = f64Bytes[i]!;
          at += 9;
        }
        break;
      case 'string': {
        const n = d.length;
        let wide = false;
        for (let i = 0; i < n; i++) {
          if (d.charCodeAt(i) > 0xff) {
            wide = true;
            break;
          }
        }
        const bytes = wide ? n * 2 : n;
        if (bytes > CHUNK_SIZE / 2) return false;
        ensureScratch(at + 6 + bytes);
        scratch[at++] = wide ? TAG_UTF16 : TAG_LATIN1;
        // Length in chars, as a varint.
        let len = n;
        while (len >= 0x80) {
          scratch[at++] = (len & 0x7f) | 0x80;
          len >>>= 7;
        }
        scratch[at++] = len;
        if (wide) {
          for (let i = 0; i < n; i++) {
            const code = d.charCodeAt(i);
            scratch[at++] = code & 0xff;
            scratch[at++] = code >>> 8;
          }
        } else {
          for (let i = 0; i < n; i++) scratch[at++] = d.charCodeAt(i);
        }
        break;
      }
      case 'boolean':
        scratch[at++] = d ? TAG_TRUE : TAG_FALSE;
        break;
      case 'bigint':
        if (d < INT64_MIN || d > INT64_MAX) return false;
        scratch[at] = TAG_INT64;
        i64[0] = d;
        for (let i = 0; i < 8; i++) scratch[at + 1 + i] = i64Bytes[i]!;
        at += 9;
        break;
      default:
        if (d !== null) return false;
        scratch[at++] = TAG_NULL;
    }
    if (at > CHUNK_SIZE / 2) return false;
  }
  scratchLength = at;
  return true;
}

function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 ^ (end - start);
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 16777619);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** End (exclusive) of the datum starting at `at`. */
function skipDatum(bytes: Uint8Array, at: number): number {
  switch (bytes[at]) {
    case TAG_INT32:
      return at + 5;
    case TAG_FLOAT64:
    case TAG_INT64:
      return at + 9;
    case TAG_LATIN1:
    case TAG_UTF16: {
      const wide = bytes[at] === TAG_UTF16;
      let p = at + 1;
      let len = 0;
      let shift = 0;
      for (;;) {
        const b = bytes[p++]!;
        len |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        shift += 7;
      }
      return p + (wide ? len * 2 : len);
    }
    default:
      return at + 1;
  }
}

/** Decodes `width` datums starting at `at`. */
function decodeRow(bytes: Buffer, at: number, width: number): Row {
  const row: Row = new Array<Datum>(width);
  for (let c = 0; c < width; c++) {
    const tag = bytes[at]!;
    switch (tag) {
      case TAG_NULL:
        row[c] = null;
        at++;
        break;
      case TAG_FALSE:
        row[c] = false;
        at++;
        break;
      case TAG_TRUE:
        row[c] = true;
        at++;
        break;
      case TAG_INT32:
        row[c] = bytes[at + 1]! | (bytes[at + 2]! << 8) | (bytes[at + 3]! << 16) | (bytes[at + 4]! << 24);
        at += 5;
        break;
      case TAG_FLOAT64:
        for (let i = 0; i < 8; i++) f64Bytes[i] = bytes[at + 1 + i]!;
        row[c] = f64[0]!;
        at += 9;
        break;
      case TAG_INT64:
        for (let i = 0; i < 8; i++) i64Bytes[i] = bytes[at + 1 + i]!;
        row[c] = i64[0]!;
        at += 9;
        break;
      default: {
        const wide = tag === TAG_UTF16;
        let p = at + 1;
        let len = 0;
        let shift = 0;
        for (;;) {
          const b = bytes[p++]!;
          len |= (b & 0x7f) << shift;
          if (b < 0x80) break;
          shift += 7;
        }
        const end = p + (wide ? len * 2 : len);
        row[c] = len === 0 ? '' : wide ? bytes.toString('utf16le', p, end) : latin1(bytes, p, end);
        at = end;
      }
    }
  }
  return row;
}

/** Reusable argument arrays of each short length, for String.fromCharCode.apply. */
const charCodes: number[][] = Array.from({ length: 33 }, (_, n) => new Array<number>(n).fill(0));

/** A flat string of the bytes [start, end) as Latin-1 (short ones without a native call). */
function latin1(bytes: Buffer, start: number, end: number): string {
  const n = end - start;
  if (n > 32) return bytes.toString('latin1', start, end);
  const codes = charCodes[n]!;
  for (let i = 0; i < n; i++) codes[i] = bytes[start + i]!;
  return String.fromCharCode.apply(null, codes);
}

/** A captured, immutable view of a collection's rows: positions [0, length), count 0 where a row is gone. */
export interface RowsSnapshot {
  readonly length: number;
  /** The row at `i` (a fresh array for encoded rows); only read where count(i) !== 0. */
  row(i: number): Row;
  count(i: number): number;
}

/** A snapshot over [row, count, ...] pairs (undefined rows are holes). */
export function entriesSnapshot(entries: ReadonlyArray<Row | number | undefined>): RowsSnapshot {
  return {
    length: entries.length / 2,
    row: (i) => entries[2 * i] as Row,
    count: (i) => (entries[2 * i] === undefined ? 0 : (entries[2 * i + 1] as number)),
  };
}

function grow(array: Int32Array, need: number): Int32Array {
  if (need <= array.length) return array;
  let size = Math.max(MIN_CAPACITY, array.length);
  // Doubling while small, then 1.25x: at 10^5-10^7 rows the per-row columns keep at most 25% slack.
  while (size < need) size = size < 1 << 16 ? size * 2 : Math.ceil((size * 1.25) / 16) * 16;
  const grown = new Int32Array(size);
  grown.set(array);
  return grown;
}

/**
 * Distinct rows with counts, in insertion order, encoded (see the top of
 * this file). `add` returns false, changing nothing, for a row it cannot
 * encode; the owner then moves the rows to an object form.
 */
export class EncodedRows {
  /** The chunks of row bytes; a row's address is chunk << CHUNK_BITS | offset. */
  private chunks: Buffer[] = [];
  private used = CHUNK_SIZE; // bytes used in the last chunk (full: none yet)
  /** Address of each position's row bytes. */
  private addresses: Int32Array = new Int32Array(MIN_CAPACITY);
  /** Count of each position (0: removed). */
  private counts: Int32Array = new Int32Array(MIN_CAPACITY);
  private positions = 0;
  private live = 0;
  /** Open addressing over positions + 1 (0: empty), by hashBytes of the row. */
  private index: Int32Array = new Int32Array(MIN_CAPACITY * 2);
  private width = -1;

  get size(): number {
    return this.live;
  }

  /** Adds `diff` to the row's count (dropping it at zero); false if the row cannot be encoded (nothing changed). */
  add(row: Row, diff: number): boolean {
    if (diff === 0) return true;
    if (this.width === -1) this.width = row.length;
    else if (row.length !== this.width) return false;
    if (!encodeScratch(row)) return false;
    const length = scratchLength;
    const hash = hashBytes(scratch, 0, length);
    const index = this.index;
    const mask = index.length - 1;
    let slot = hash & mask;
    for (;;) {
      const p = index[slot]!;
      if (p === 0) break;
      if (this.equalsScratch(p - 1, length)) {
        const after = this.counts[p - 1]! + diff;
        if (!Number.isSafeInteger(after) || after > 0x7fffffff || after < -0x80000000) return false;
        if (after === 0) this.remove(slot, p - 1);
        else this.counts[p - 1] = after;
        return true;
      }
      slot = (slot + 1) & mask;
    }
    if (diff > 0x7fffffff || diff < -0x80000000) return false;
    const address = this.append(length);
    if (address < 0) return false;
    const position = this.positions++;
    this.addresses = grow(this.addresses, this.positions);
    this.counts = grow(this.counts, this.positions);
    this.addresses[position] = address;
    this.counts[position] = diff;
    index[slot] = position + 1;
    if (++this.live * 2 > index.length) this.rebuild(index.length * 2, false);
    return true;
  }

  /** Visits every row with its count, in insertion order. The store must not change during the visit. */
  forEach(visit: (row: Row, count: number) => void): void {
    const { addresses, counts, chunks, width } = this;
    for (let p = 0; p < this.positions; p++) {
      const count = counts[p]!;
      if (count === 0) continue;
      const address = addresses[p]!;
      visit(decodeRow(chunks[address >>> CHUNK_BITS]!, address & CHUNK_MASK, width), count);
    }
  }

  /** The rows as of now: later changes do not show (the counts are copied; bytes are never rewritten). */
  snapshot(): RowsSnapshot {
    const chunks = this.chunks.slice();
    const addresses = this.addresses;
    const counts = this.counts.slice(0, this.positions);
    const width = this.width;
    return {
      length: counts.length,
      row: (i) => {
        const address = addresses[i]!;
        return decodeRow(chunks[address >>> CHUNK_BITS]!, address & CHUNK_MASK, width);
      },
      count: (i) => counts[i]!,
    };
  }

  private equalsScratch(position: number, length: number): boolean {
    const address = this.addresses[position]!;
    const chunk = this.chunks[address >>> CHUNK_BITS]!;
    const start = address & CHUNK_MASK;
    if (start + length > CHUNK_SIZE) return false;
    for (let i = 0; i < length; i++) if (chunk[start + i] !== scratch[i]) return false;
    // Same prefix: the stored row must end here too (equal widths, and each datum's length is self-describing).
    return true;
  }

  /** Copies the scratch encoding into the chunks; its address (-1: the store is full). */
  private append(length: number): number {
    if (this.used + length > CHUNK_SIZE) {
      if (this.chunks.length * CHUNK_SIZE >= MAX_ADDRESS) return -1;
      this.chunks.push(Buffer.allocUnsafeSlow(CHUNK_SIZE));
      this.used = 0;
    }
    const chunk = this.chunks.length - 1;
    scratch.copy(this.chunks[chunk]!, this.used, 0, length);
    const address = chunk * CHUNK_SIZE + this.used;
    this.used += length;
    return address;
  }

  private hashAt(position: number): number {
    const address = this.addresses[position]!;
    const chunk = this.chunks[address >>> CHUNK_BITS]!;
    const start = address & CHUNK_MASK;
    let end = start;
    for (let c = 0; c < this.width; c++) end = skipDatum(chunk, end);
    return hashBytes(chunk, start, end);
  }

  private remove(slot: number, position: number): void {
    this.counts[position] = 0;
    this.live--;
    const index = this.index;
    const mask = index.length - 1;
    // Backward-shift deletion (see row-counts.ts).
    let hole = slot;
    let j = slot;
    for (;;) {
      j = (j + 1) & mask;
      const p = index[j]!;
      if (p === 0) break;
      const home = this.hashAt(p - 1) & mask;
      const mayFill = hole <= j ? home <= hole || home > j : home <= hole && home > j;
      if (!mayFill) continue;
      index[hole] = p;
      hole = j;
    }
    index[hole] = 0;
    const holes = this.positions - this.live;
    if (holes > 64 && holes > this.live) {
      let capacity = index.length;
      while (capacity > MIN_CAPACITY * 2 && this.live * 4 < capacity) capacity /= 2;
      this.rebuild(capacity, true);
    }
  }

  /**
   * Re-indexes at `capacity` slots; with `compact`, first copies the live
   * rows into fresh chunks and arrays (order kept; never in place, so
   * snapshots taken before keep reading what they captured).
   */
  private rebuild(capacity: number, compact: boolean): void {
    if (compact) {
      const { addresses, counts, chunks } = this;
      this.chunks = [];
      this.used = CHUNK_SIZE;
      this.addresses = new Int32Array(Math.max(MIN_CAPACITY, this.live));
      this.counts = new Int32Array(Math.max(MIN_CAPACITY, this.live));
      let to = 0;
      for (let p = 0; p < this.positions; p++) {
        const count = counts[p]!;
        if (count === 0) continue;
        const address = addresses[p]!;
        const chunk = chunks[address >>> CHUNK_BITS]!;
        const start = address & CHUNK_MASK;
        let end = start;
        for (let c = 0; c < this.width; c++) end = skipDatum(chunk, end);
        ensureScratch(end - start);
        chunk.copy(scratch, 0, start, end);
        this.addresses[to] = this.append(end - start);
        this.counts[to] = count;
        to++;
      }
      this.positions = to;
    }
    const index = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let p = 0; p < this.positions; p++) {
      if (this.counts[p] === 0) continue;
      let slot = this.hashAt(p) & mask;
      while (index[slot] !== 0) slot = (slot + 1) & mask;
      index[slot] = p + 1;
    }
    this.index = index;
  }
}

/** Byte ranges [start, end) of the key columns of the row encoded in the scratch buffer, in key order. */
function scratchKeyRanges(keyColumns: readonly number[], width: number, out: Int32Array): void {
  let at = 0;
  for (let c = 0; c < width; c++) {
    const end = skipDatum(scratch, at);
    for (let k = 0; k < keyColumns.length; k++) {
      if (keyColumns[k] === c) {
        out[2 * k] = at;
        out[2 * k + 1] = end;
      }
    }
    at = end;
  }
}

/** hashBytes over several ranges of one buffer, as if they were contiguous. */
function hashRanges(bytes: Uint8Array, base: number, ranges: Int32Array, n: number): number {
  let length = 0;
  for (let k = 0; k < n; k++) length += ranges[2 * k + 1]! - ranges[2 * k]!;
  let h = 0x811c9dc5 ^ length;
  for (let k = 0; k < n; k++) {
    for (let i = base + ranges[2 * k]!; i < base + ranges[2 * k + 1]!; i++) h = Math.imul(h ^ bytes[i]!, 16777619);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Rows in one group that a key's chain is walked through before the arrangement gives up on the encoded form. */
const MAX_CHAIN = 64;

/** Why EncodedArrangement.update refused a row (the owner then moves to row objects). */
export type EncodedRefusal = 'unencodable' | 'large-group';

/**
 * Rows arranged by plain key columns (an index on columns), encoded as in
 * EncodedRows: each key's rows form a chain (one Int32 per row), found
 * through an Int32 open-addressing table over the key bytes' hash. Meant
 * for keys with few rows each (what point lookups read): `update` refuses
 * (returns a reason) a row it cannot encode or whose key already holds
 * more than MAX_CHAIN rows, and the owner moves to the object form.
 */
export class EncodedArrangement {
  private chunks: Buffer[] = [];
  private used = CHUNK_SIZE;
  private addresses: Int32Array = new Int32Array(MIN_CAPACITY);
  private counts: Int32Array = new Int32Array(MIN_CAPACITY);
  /** Next position + 1 in the same key's chain (0: end). */
  private next: Int32Array = new Int32Array(MIN_CAPACITY);
  private positions = 0;
  private live = 0;
  private keys = 0;
  /** Open addressing over chain heads (position + 1; 0: empty), by hash of the key columns' bytes. */
  private index: Int32Array = new Int32Array(MIN_CAPACITY * 2);
  private width = -1;
  private readonly ranges: Int32Array;
  private readonly storedRanges: Int32Array;

  constructor(private readonly keyColumns: readonly number[]) {
    this.ranges = new Int32Array(keyColumns.length * 2);
    this.storedRanges = new Int32Array(keyColumns.length * 2);
  }

  get size(): number {
    return this.live;
  }

  update(row: Row, diff: number): EncodedRefusal | undefined {
    if (diff === 0) return undefined;
    if (this.width === -1) this.width = row.length;
    else if (row.length !== this.width) return 'unencodable';
    if (diff > 0x7fffffff || diff < -0x80000000 || !encodeScratch(row)) return 'unencodable';
    const length = scratchLength;
    const n = this.keyColumns.length;
    scratchKeyRanges(this.keyColumns, this.width, this.ranges);
    const slot = this.findKey(hashRanges(scratch, 0, this.ranges, n));
    const head = this.index[slot]!;
    let walked = 0;
    for (let p = head; p !== 0; p = this.next[p - 1]!) {
      if (++walked > MAX_CHAIN) return 'large-group';
      if (!this.rowEqualsScratch(p - 1, length)) continue;
      const before = this.counts[p - 1]!;
      const after = before + diff;
      if (after > 0x7fffffff || after < -0x80000000) return 'unencodable';
      this.counts[p - 1] = after;
      if (before === 0) this.live++;
      else if (after === 0) this.removed();
      return undefined;
    }
    const address = this.append(length);
    if (address < 0) return 'unencodable';
    const position = this.positions++;
    this.addresses = grow(this.addresses, this.positions);
    this.counts = grow(this.counts, this.positions);
    this.next = grow(this.next, this.positions);
    this.addresses[position] = address;
    this.counts[position] = diff;
    this.next[position] = head;
    this.index[slot] = position + 1;
    this.live++;
    if (head === 0 && ++this.keys * 2 > this.index.length) this.rebuild(this.index.length * 2, false);
    return undefined;
  }

  /** Visits the rows whose key columns equal `key` (one datum per key column). */
  forEachInGroup(key: Row, visit: (row: Row, count: number) => void): void {
    if (this.width === -1 || key.length !== this.keyColumns.length) return;
    // -0 keys as 0 (and is never stored encoded).
    const values = key.map((d) => (d === 0 ? 0 : d));
    if (!encodeScratch(values)) return;
    const ranges = this.ranges;
    let at = 0;
    for (let k = 0; k < values.length; k++) {
      ranges[2 * k] = at;
      at = skipDatum(scratch, at);
      ranges[2 * k + 1] = at;
    }
    const slot = this.findKey(hashRanges(scratch, 0, ranges, values.length));
    for (let p = this.index[slot]!; p !== 0; p = this.next[p - 1]!) {
      const count = this.counts[p - 1]!;
      if (count === 0) continue;
      const address = this.addresses[p - 1]!;
      visit(decodeRow(this.chunks[address >>> CHUNK_BITS]!, address & CHUNK_MASK, this.width), count);
    }
  }

  /** Visits every row with its count, in insertion order. */
  forEach(visit: (row: Row, count: number) => void): void {
    const { addresses, counts, chunks, width } = this;
    for (let p = 0; p < this.positions; p++) {
      const count = counts[p]!;
      if (count === 0) continue;
      const address = addresses[p]!;
      visit(decodeRow(chunks[address >>> CHUNK_BITS]!, address & CHUNK_MASK, width), count);
    }
  }

  /**
   * The slot of the key whose byte ranges in the scratch buffer are
   * `this.ranges`: its chain's head, or the empty slot where it goes.
   */
  private findKey(hash: number): number {
    const index = this.index;
    const mask = index.length - 1;
    let slot = hash & mask;
    for (;;) {
      const p = index[slot]!;
      if (p === 0 || this.keyEqualsScratch(p - 1)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private keyEqualsScratch(position: number): boolean {
    const address = this.addresses[position]!;
    const chunk = this.chunks[address >>> CHUNK_BITS]!;
    const base = address & CHUNK_MASK;
    const stored = this.storedRanges;
    scratchRangesOf(chunk, base, this.keyColumns, this.width, stored);
    const ranges = this.ranges;
    for (let k = 0; k < this.keyColumns.length; k++) {
      const s = ranges[2 * k]!;
      const len = ranges[2 * k + 1]! - s;
      const t = base + stored[2 * k]!;
      if (base + stored[2 * k + 1]! - t !== len) return false;
      for (let i = 0; i < len; i++) if (chunk[t + i] !== scratch[s + i]) return false;
    }
    return true;
  }

  private rowEqualsScratch(position: number, length: number): boolean {
    const address = this.addresses[position]!;
    const chunk = this.chunks[address >>> CHUNK_BITS]!;
    const start = address & CHUNK_MASK;
    if (start + length > CHUNK_SIZE) return false;
    for (let i = 0; i < length; i++) if (chunk[start + i] !== scratch[i]) return false;
    return true;
  }

  private append(length: number): number {
    if (this.used + length > CHUNK_SIZE) {
      if (this.chunks.length * CHUNK_SIZE >= MAX_ADDRESS) return -1;
      this.chunks.push(Buffer.allocUnsafeSlow(CHUNK_SIZE));
      this.used = 0;
    }
    const chunk = this.chunks.length - 1;
    scratch.copy(this.chunks[chunk]!, this.used, 0, length);
    const address = chunk * CHUNK_SIZE + this.used;
    this.used += length;
    return address;
  }

  private removed(): void {
    this.live--;
    const holes = this.positions - this.live;
    if (holes > 64 && holes > this.live) {
      let capacity = this.index.length;
      while (capacity > MIN_CAPACITY * 2 && this.live * 4 < capacity) capacity /= 2;
      this.rebuild(capacity, true);
    }
  }

  /** Re-indexes the chains at `capacity` slots; with `compact`, copies the live rows into fresh storage first. */
  private rebuild(capacity: number, compact: boolean): void {
    const { addresses, counts, chunks } = this;
    const positions = this.positions;
    if (compact) {
      this.chunks = [];
      this.used = CHUNK_SIZE;
      this.addresses = new Int32Array(Math.max(MIN_CAPACITY, this.live));
      this.counts = new Int32Array(Math.max(MIN_CAPACITY, this.live));
      let to = 0;
      for (let p = 0; p < positions; p++) {
        const count = counts[p]!;
        if (count === 0) continue;
        const address = addresses[p]!;
        const chunk = chunks[address >>> CHUNK_BITS]!;
        const start = address & CHUNK_MASK;
        let end = start;
        for (let c = 0; c < this.width; c++) end = skipDatum(chunk, end);
        ensureScratch(end - start);
        chunk.copy(scratch, 0, start, end);
        this.addresses[to] = this.append(end - start);
        this.counts[to] = count;
        to++;
      }
      this.positions = to;
    }
    // Chains are rebuilt in position order (each key's chain newest first, as update links them).
    this.next = new Int32Array(Math.max(MIN_CAPACITY, this.addresses.length));
    this.index = new Int32Array(capacity);
    this.keys = 0;
    const mask = capacity - 1;
    const n = this.keyColumns.length;
    for (let p = 0; p < this.positions; p++) {
      if (this.counts[p] === 0 && compact) continue;
      const address = this.addresses[p]!;
      const chunk = this.chunks[address >>> CHUNK_BITS]!;
      const base = address & CHUNK_MASK;
      ensureScratch(CHUNK_SIZE);
      let end = base;
      for (let c = 0; c < this.width; c++) end = skipDatum(chunk, end);
      chunk.copy(scratch, 0, base, end);
      scratchKeyRanges(this.keyColumns, this.width, this.ranges);
      let slot = hashRanges(scratch, 0, this.ranges, n) & mask;
      for (;;) {
        const q = this.index[slot]!;
        if (q === 0 || this.keyEqualsScratch(q - 1)) break;
        slot = (slot + 1) & mask;
      }
      if (this.index[slot] === 0) this.keys++;
      this.next[p] = this.index[slot]!;
      this.index[slot] = p + 1;
    }
  }
}

/** Like scratchKeyRanges, over a stored row at `base` in `bytes` (ranges relative to `base`). */
function scratchRangesOf(bytes: Uint8Array, base: number, keyColumns: readonly number[], width: number, out: Int32Array): void {
  let at = base;
  for (let c = 0; c < width; c++) {
    const end = skipDatum(bytes, at);
    for (let k = 0; k < keyColumns.length; k++) {
      if (keyColumns[k] === c) {
        out[2 * k] = at - base;
        out[2 * k + 1] = end - base;
      }
    }
    at = end;
  }
}
