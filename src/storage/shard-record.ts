// The record format of shard logs: one record per appended batch.
//   u8 version | f64 time | u8 has-meta [meta value] | varint n | n x (row, zig-zag diff)
// Rows use the canonical codec, so compaction can consolidate on raw bytes.
import type { ShardWriteBatch } from './api.js';
import { ByteReader, ByteWriter, readUpdates, readValue, skipRow, writeUpdates, writeValue } from './codec.js';

const RECORD_VERSION = 1;
/** Updates per record when writing compacted contents. */
const COMPACTED_CHUNK = 65536;

function writeHeader(w: ByteWriter, time: number, meta: unknown): void {
  w.u8(RECORD_VERSION);
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
  writeHeader(w, batch.time, batch.meta);
  writeUpdates(w, batch.updates);
  return Buffer.from(w.bytes());
}

/** Reads a record's header; the reader is left at its updates. */
function readHeader(payload: Buffer): { time: number; hasMeta: boolean; meta: unknown; reader: ByteReader } {
  const reader = new ByteReader(payload);
  const version = reader.u8();
  if (version !== RECORD_VERSION) throw new Error(`unsupported shard record version ${version}`);
  const time = reader.f64();
  const hasMeta = reader.u8() === 1;
  const meta = hasMeta ? readValue(reader) : undefined;
  return { time, hasMeta, meta, reader };
}

export function decodeBatch(payload: Buffer): ShardWriteBatch {
  const { time, hasMeta, meta, reader } = readHeader(payload);
  const updates = readUpdates(reader);
  return hasMeta ? { time, updates, meta } : { time, updates };
}

/**
 * Consolidates records without decoding their rows: equal rows have equal
 * encodings, so diffs are summed per row encoding and the bytes copied over.
 */
function consolidateRecords(records: readonly Buffer[]): { rows: Buffer[]; diffs: number[]; time: number; meta: unknown } {
  const byRow = new Map<string, number>();
  const rows: Buffer[] = [];
  const diffs: number[] = [];
  let time = 0;
  let meta: unknown = undefined;
  for (const payload of records) {
    const header = readHeader(payload);
    time = header.time;
    if (header.hasMeta) meta = header.meta;
    const r = header.reader;
    const n = r.uvarint();
    for (let i = 0; i < n; i++) {
      const start = r.pos;
      skipRow(r);
      const end = r.pos;
      const diff = r.svarint();
      const key = payload.toString('latin1', start, end);
      const at = byRow.get(key);
      if (at === undefined) {
        byRow.set(key, rows.length);
        rows.push(payload.subarray(start, end));
        diffs.push(diff);
      } else {
        diffs[at]! += diff;
      }
    }
  }
  return { rows, diffs, time, meta };
}

/** The consolidated contents of `records` as new records (the latest meta on the last one). */
export function compactRecords(records: readonly Buffer[]): Buffer[] {
  if (records.length === 0) return [];
  const { rows, diffs, time, meta } = consolidateRecords(records);
  const live: number[] = [];
  for (let i = 0; i < rows.length; i++) if (diffs[i] !== 0) live.push(i);
  const payloads: Buffer[] = [];
  const w = new ByteWriter();
  for (let start = 0; start < live.length || start === 0; start += COMPACTED_CHUNK) {
    const end = Math.min(live.length, start + COMPACTED_CHUNK);
    w.reset();
    // The metadata goes with the last chunk: a reader sees it only once all data is there.
    writeHeader(w, time, end === live.length ? meta : undefined);
    w.uvarint(end - start);
    for (let i = start; i < end; i++) {
      w.raw(rows[live[i]!]!);
      w.svarint(diffs[live[i]!]!);
    }
    payloads.push(Buffer.from(w.bytes()));
  }
  return payloads;
}

