// The record format of the shard logs of Freshet's earlier file layout
// (<data-dir>/shards/<id>/shard.log): one record per appended batch. Read
// only to migrate such a data directory to the persist storage
// (persist/migrate-file-layout.ts); encodeBatch writes test fixtures.
//   version 1: u8 1 | f64 time | u8 has-meta [meta value] | varint n | n x (row, zig-zag diff)
//   version 2: version 1's layout (with u8 2) | varint m | m x (error row, zig-zag diff)
// Version 2 is written only when a batch has error updates (a source's
// decode errors as rows), so tables' and error-free sources' records are
// unchanged.
import type { ShardWriteBatch } from './api.js';
import { ByteReader, ByteWriter, readUpdates, readValue, writeUpdates, writeValue } from './codec.js';

const RECORD_VERSION = 1;
/** Records that also carry error updates. */
const RECORD_VERSION_ERRORS = 2;

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
