// The record format of shard logs: one record per appended batch.
//   version 1: u8 1 | f64 time | u8 has-meta [meta value] | varint n | n x (row, zig-zag diff)
//   version 2: version 1's layout (with u8 2) | varint m | m x (error row, zig-zag diff)
// Version 2 is written only when a batch has error updates (a source's
// decode errors as rows), so tables' and error-free sources' records are
// unchanged. Rows use the canonical codec, so compaction consolidates both
// collections on raw bytes.
import type { ShardWriteBatch } from './api.js';
import { ByteReader, ByteWriter, readUpdates, readValue, skipRow, writeUpdates, writeValue } from './codec.js';

const RECORD_VERSION = 1;
/** Records that also carry error updates. */
const RECORD_VERSION_ERRORS = 2;
/** Updates per record when writing compacted contents. */
const COMPACTED_CHUNK = 65536;

function writeHeader(w: ByteWriter, time: number, meta: unknown, withErrors = false): void {
  w.u8(withErrors ? RECORD_VERSION_ERRORS : RECORD_VERSION);
  w.f64(time);
  if (meta === undefined) {
    w.u8(0);
  } else {
    w.u8(1);
    writeValue(w, meta);
  }
}

export function encodeBatch(batch: ShardWriteBatch, w: ByteWriter = new ByteWriter()): Buffer {
  w.reset();
  const errors = batch.errors ?? [];
  writeHeader(w, batch.time, batch.meta, errors.length > 0);
  writeUpdates(w, batch.updates);
  if (errors.length > 0) writeUpdates(w, errors);
  return Buffer.from(w.bytes());
}

/** Reads a record's header; the reader is left at its updates. */
function readHeader(payload: Buffer): { time: number; hasMeta: boolean; meta: unknown; hasErrors: boolean; reader: ByteReader } {
  const reader = new ByteReader(payload);
  const version = reader.u8();
  if (version !== RECORD_VERSION && version !== RECORD_VERSION_ERRORS) throw new Error(`unsupported shard record version ${version}`);
  const time = reader.f64();
  const hasMeta = reader.u8() === 1;
  const meta = hasMeta ? readValue(reader) : undefined;
  return { time, hasMeta, meta, hasErrors: version === RECORD_VERSION_ERRORS, reader };
}

export function decodeBatch(payload: Buffer): ShardWriteBatch {
  const { time, hasMeta, meta, hasErrors, reader } = readHeader(payload);
  const updates = readUpdates(reader);
  const batch: ShardWriteBatch = hasMeta ? { time, updates, meta } : { time, updates };
  if (hasErrors) batch.errors = readUpdates(reader);
  return batch;
}

/** Sums diffs per row encoding; `rows` keeps the first encoding of each row (views into the payloads). */
class RowConsolidator {
  private readonly byRow = new Map<string, number>();
  readonly rows: Buffer[] = [];
  readonly diffs: number[] = [];

  /** Reads `n` (row, diff) pairs from `r` (over `payload`). */
  add(payload: Buffer, r: ByteReader): void {
    const n = r.uvarint();
    for (let i = 0; i < n; i++) {
      const start = r.pos;
      skipRow(r);
      const end = r.pos;
      const diff = r.svarint();
      const key = payload.toString('latin1', start, end);
      const at = this.byRow.get(key);
      if (at === undefined) {
        this.byRow.set(key, this.rows.length);
        this.rows.push(payload.subarray(start, end));
        this.diffs.push(diff);
      } else {
        this.diffs[at]! += diff;
      }
    }
  }

  live(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.rows.length; i++) if (this.diffs[i] !== 0) out.push(i);
    return out;
  }
}

/**
 * Consolidates records without decoding their rows: equal rows have equal
 * encodings, so diffs are summed per row encoding and the bytes copied over.
 */
function consolidateRecords(records: readonly Buffer[]): { data: RowConsolidator; errors: RowConsolidator; time: number; meta: unknown } {
  const data = new RowConsolidator();
  const errors = new RowConsolidator();
  let time = 0;
  let meta: unknown = undefined;
  for (const payload of records) {
    const header = readHeader(payload);
    time = header.time;
    if (header.hasMeta) meta = header.meta;
    data.add(payload, header.reader);
    if (header.hasErrors) errors.add(payload, header.reader);
  }
  return { data, errors, time, meta };
}

function writeRows(w: ByteWriter, from: RowConsolidator, live: readonly number[], start: number, end: number): void {
  w.uvarint(end - start);
  for (let i = start; i < end; i++) {
    w.raw(from.rows[live[i]!]!);
    w.svarint(from.diffs[live[i]!]!);
  }
}

/**
 * The consolidated contents of `records` as new records: the data in chunks,
 * the outstanding error updates and the latest meta on the last one (a
 * reader sees the meta only once all data is there).
 */
export function compactRecords(records: readonly Buffer[]): Buffer[] {
  if (records.length === 0) return [];
  const { data, errors, time, meta } = consolidateRecords(records);
  const live = data.live();
  const liveErrors = errors.live();
  const payloads: Buffer[] = [];
  const w = new ByteWriter();
  for (let start = 0; start < live.length || start === 0; start += COMPACTED_CHUNK) {
    const end = Math.min(live.length, start + COMPACTED_CHUNK);
    const last = end === live.length;
    w.reset();
    writeHeader(w, time, last ? meta : undefined, last && liveErrors.length > 0);
    writeRows(w, data, live, start, end);
    if (last && liveErrors.length > 0) writeRows(w, errors, liveErrors, 0, liveErrors.length);
    payloads.push(Buffer.from(w.bytes()));
  }
  return payloads;
}
