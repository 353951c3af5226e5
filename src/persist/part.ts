// Encoded batches ("parts") of a shard: the updates and decode errors of one
// time, checksummed so that a damaged blob or entry is reported, never
// half-read. Backends store them without looking inside.
//   "FPT1" | u32 CRC32 of the rest | f64 time | updates | errors
// Rows use storage/codec.ts's canonical encoding, so merging parts can
// consolidate on raw bytes without decoding rows.
import { crc32 } from 'node:zlib';
import type { Timestamp, Update } from '../repr/update.js';
import { ByteReader, ByteWriter, readUpdates, skipRow, writeUpdates } from '../storage/codec.js';
import { PersistCorruptionError } from './api.js';

const MAGIC = 0x31545046; // "FPT1" little-endian
const HEADER = 8;
/** Updates per part when writing merged contents. */
export const MERGED_CHUNK = 65536;

export interface DecodedPart {
  time: Timestamp;
  updates: Update[];
  errors: Update[];
}

function seal(body: Uint8Array): Uint8Array {
  // Not from the shared pool: parts are transferred between threads.
  const out = Buffer.alloc(HEADER + body.length);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(crc32(body), 4);
  out.set(body, HEADER);
  return out;
}

/** The checked body of a part; throws PersistCorruptionError naming `object`. */
function open(bytes: Uint8Array, object: string): Buffer {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < HEADER || buf.readUInt32LE(0) !== MAGIC) throw new PersistCorruptionError(object, 'not a Freshet batch');
  const body = buf.subarray(HEADER);
  if (crc32(body) !== buf.readUInt32LE(4)) throw new PersistCorruptionError(object, 'checksum mismatch');
  return body;
}

export function encodePart(time: Timestamp, updates: readonly Update[], errors: readonly Update[], w: ByteWriter = new ByteWriter()): Uint8Array {
  w.reset();
  w.f64(time);
  writeUpdates(w, updates);
  writeUpdates(w, errors);
  const sealed = seal(w.bytes());
  // seal copied the bytes: a shared writer that grew for a large part lets its buffer go now.
  w.reset();
  return sealed;
}

export function decodePart(bytes: Uint8Array, object: string): DecodedPart {
  const body = open(bytes, object);
  try {
    const r = new ByteReader(body);
    const time = r.f64();
    const updates = readUpdates(r);
    const errors = readUpdates(r);
    return { time, updates, errors };
  } catch (err) {
    throw new PersistCorruptionError(object, `does not decode (${err instanceof Error ? err.message : String(err)})`);
  }
}

/**
 * Merges parts into consolidated parts at `time` (the new since): diffs of
 * equal rows (equal encodings) summed, rows that cancel dropped, without
 * decoding any row. Runs in a worker thread for large shards.
 */
export function mergeParts(parts: readonly { bytes: Uint8Array; object: string }[], time: Timestamp): Uint8Array[] {
  const collections = [new Map<string, number>(), new Map<string, number>()];
  const rows: Buffer[][] = [[], []];
  const diffs: number[][] = [[], []];
  for (const part of parts) {
    const body = open(part.bytes, part.object);
    const r = new ByteReader(body);
    r.f64();
    for (let c = 0; c < 2; c++) {
      const n = r.uvarint();
      for (let i = 0; i < n; i++) {
        const start = r.pos;
        skipRow(r);
        const end = r.pos;
        const diff = r.svarint();
        const row = body.subarray(start, end);
        const key = row.toString('latin1');
        const at = collections[c]!.get(key);
        if (at === undefined) {
          collections[c]!.set(key, rows[c]!.length);
          rows[c]!.push(row);
          diffs[c]!.push(diff);
        } else {
          diffs[c]![at]! += diff;
        }
      }
    }
  }
  const live = [0, 1].map((c) => rows[c]!.map((_, i) => i).filter((i) => diffs[c]![i] !== 0));
  const out: Uint8Array[] = [];
  const w = new ByteWriter();
  const chunks = Math.max(1, Math.ceil(live[0]!.length / MERGED_CHUNK));
  for (let k = 0; k < chunks; k++) {
    w.reset();
    w.f64(time);
    const data = live[0]!.slice(k * MERGED_CHUNK, (k + 1) * MERGED_CHUNK);
    w.uvarint(data.length);
    for (const i of data) {
      w.raw(rows[0]![i]!);
      w.svarint(diffs[0]![i]!);
    }
    // The errors go with the first chunk.
    const errs = k === 0 ? live[1]! : [];
    w.uvarint(errs.length);
    for (const i of errs) {
      w.raw(rows[1]![i]!);
      w.svarint(diffs[1]![i]!);
    }
    out.push(seal(w.bytes()));
  }
  return out;
}
