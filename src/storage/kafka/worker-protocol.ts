// What the main thread and a source worker send each other (see
// source-worker.ts and worker-pool.ts): a batch of Kafka messages packed
// into one ArrayBuffer (transferred, never copied by postMessage), and a
// worker's output for it — updates and decode errors in the storage codec's
// row encoding (storage/codec.ts), also one transferred ArrayBuffer.
import { SqlError } from '../../repr/errors.js';
import type { ErrorUpdate, Update } from '../../compute/api.js';
import type { Row } from '../../repr/types.js';
import { ByteReader, ByteWriter, readRow, writeRow } from '../codec.js';
import type { KafkaRecord } from './records.js';

/** A Kafka record as a worker sees it, with its position in the main thread's batch. */
export interface WorkerRecord extends KafkaRecord {
  seq: number;
}

/** Per message: seq, partition, offset, timestamp, key length, value length. */
const FIXED = 4 + 4 + 8 + 8 + 4 + 4;
const NULL_LENGTH = -1;

function headerBytes(records: readonly KafkaRecord[], indexes: readonly number[]): number {
  let size = 0;
  for (const i of indexes) {
    size += 4;
    for (const h of records[i]!.headers ?? []) {
      for (const k in h) {
        const v = h[k];
        size += 8 + Buffer.byteLength(k) + (v === undefined || v === null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length);
      }
    }
  }
  return size;
}

function keyOf(record: KafkaRecord): Buffer | null {
  const key = record.key;
  if (key === null || key === undefined) return null;
  return typeof key === 'string' ? Buffer.from(key) : key;
}

/**
 * Packs `records[indexes[i]]` (in that order) into one buffer; headers only
 * when the source reads them. The seq of each is its index in `records`.
 */
export function packRecords(records: readonly KafkaRecord[], indexes: readonly number[], withHeaders: boolean): ArrayBuffer {
  let size = 4 + (withHeaders ? headerBytes(records, indexes) : 0);
  for (const i of indexes) {
    const r = records[i]!;
    const key = r.key;
    size += FIXED + (r.value === null ? 0 : r.value.length) + (key === null || key === undefined ? 0 : typeof key === 'string' ? Buffer.byteLength(key) : key.length);
  }
  const ab = new ArrayBuffer(size);
  const buf = Buffer.from(ab);
  let at = buf.writeUInt32LE(indexes.length, 0);
  for (const i of indexes) {
    const r = records[i]!;
    at = buf.writeUInt32LE(i, at);
    at = buf.writeUInt32LE(r.partition, at);
    at = buf.writeDoubleLE(r.offset, at);
    at = buf.writeDoubleLE(r.timestamp === undefined ? Number.NaN : r.timestamp, at);
    const key = keyOf(r);
    if (key === null) at = buf.writeInt32LE(NULL_LENGTH, at);
    else {
      at = buf.writeInt32LE(key.length, at);
      buf.set(key, at);
      at += key.length;
    }
    const value = r.value;
    if (value === null) at = buf.writeInt32LE(NULL_LENGTH, at);
    else {
      at = buf.writeInt32LE(value.length, at);
      buf.set(value, at);
      at += value.length;
    }
    if (withHeaders) {
      const headers = r.headers ?? [];
      let count = 0;
      for (const h of headers) for (const k in h) if (h[k] !== undefined) count++;
      at = buf.writeUInt32LE(count, at);
      for (const h of headers) {
        for (const k in h) {
          const v = h[k];
          if (v === undefined) continue;
          const name = Buffer.from(k);
          at = buf.writeUInt32LE(name.length, at);
          buf.set(name, at);
          at += name.length;
          if (v === null) at = buf.writeInt32LE(NULL_LENGTH, at);
          else {
            const bytes = typeof v === 'string' ? Buffer.from(v) : v;
            at = buf.writeInt32LE(bytes.length, at);
            buf.set(bytes, at);
            at += bytes.length;
          }
        }
      }
    }
  }
  return ab;
}

/** The records of a packed batch; keys and values are views of `ab` (no copies). */
export function unpackRecords(ab: ArrayBuffer, withHeaders: boolean): WorkerRecord[] {
  const buf = Buffer.from(ab);
  const n = buf.readUInt32LE(0);
  let at = 4;
  const out = new Array<WorkerRecord>(n);
  for (let j = 0; j < n; j++) {
    const seq = buf.readUInt32LE(at);
    const partition = buf.readUInt32LE(at + 4);
    const offset = buf.readDoubleLE(at + 8);
    const ts = buf.readDoubleLE(at + 16);
    at += 24;
    const keyLength = buf.readInt32LE(at);
    at += 4;
    let key: Buffer | null = null;
    if (keyLength >= 0) {
      key = buf.subarray(at, at + keyLength);
      at += keyLength;
    }
    const valueLength = buf.readInt32LE(at);
    at += 4;
    let value: Buffer | null = null;
    if (valueLength >= 0) {
      value = buf.subarray(at, at + valueLength);
      at += valueLength;
    }
    const record: WorkerRecord = { seq, partition, offset, timestamp: Number.isNaN(ts) ? undefined : ts, key, value };
    if (withHeaders) {
      const count = buf.readUInt32LE(at);
      at += 4;
      const headers: { [key: string]: Buffer }[] = [];
      for (let h = 0; h < count; h++) {
        const nameLength = buf.readUInt32LE(at);
        at += 4;
        const name = buf.toString('utf8', at, at + nameLength);
        at += nameLength;
        const length = buf.readInt32LE(at);
        at += 4;
        // The client gives a header without a value as null; keep it so.
        const v = length < 0 ? (null as unknown as Buffer) : buf.subarray(at, at + length);
        if (length > 0) at += length;
        headers.push({ [name]: v });
      }
      record.headers = headers;
    }
    out[j] = record;
  }
  return out;
}

/**
 * A decode error as an encoded row: [key, code, message, detail, partition,
 * offset, key bytes, value bytes] (the last four null without a dead letter).
 */
function errorRow(e: ErrorUpdate): Row {
  const d = e.deadLetter;
  return [e.key, e.error.code, e.error.message, e.error.detail ?? null, d ? d.partition : null, d ? d.offset : null, d ? d.key : null, d ? d.value : null];
}

function errorFromRow(row: Row, diff: number): ErrorUpdate {
  const [key, code, message, detail, partition, offset, k, v] = row;
  const update: ErrorUpdate = { key: key as string, diff, error: new SqlError(code as string, message as string, typeof detail === 'string' ? { detail } : {}) };
  if (typeof partition === 'number' && typeof offset === 'number') {
    update.deadLetter = { partition, offset, key: k instanceof Uint8Array ? k : null, value: v instanceof Uint8Array ? v : null };
  }
  return update;
}

/** Appends updates and errors to `w`: what a worker sends back for a batch (or a restore). */
export function writeOutput(w: ByteWriter, updates: readonly Update[], errors: readonly ErrorUpdate[]): void {
  w.uvarint(updates.length);
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i]!;
    writeRow(w, u.row);
    w.svarint(u.diff);
  }
  w.uvarint(errors.length);
  for (let i = 0; i < errors.length; i++) {
    const e = errors[i]!;
    writeRow(w, errorRow(e));
    w.svarint(e.diff);
  }
}

/** Reads what writeOutput wrote, appending to `updates` and `errors`. */
export function readOutput(buf: Buffer, updates: Update[], errors: ErrorUpdate[]): void {
  const r = new ByteReader(buf);
  const n = r.uvarint();
  for (let i = 0; i < n; i++) {
    const row = readRow(r);
    updates.push({ row, diff: r.svarint() });
  }
  const m = r.uvarint();
  for (let i = 0; i < m; i++) {
    const row = readRow(r);
    errors.push(errorFromRow(row, r.svarint()));
  }
}

/** The written bytes as a fresh ArrayBuffer of their own (to transfer). */
export function detach(w: ByteWriter): ArrayBuffer {
  const bytes = w.bytes();
  const ab = new ArrayBuffer(bytes.length);
  new Uint8Array(ab).set(bytes);
  return ab;
}

/** Main thread -> worker. */
export type ToWorker =
  | { t: 'open'; sid: number; details: unknown; secrets: Record<string, string>; index: number; workers: number }
  | { t: 'restore'; sid: number; req: number; data: ArrayBuffer; names: string[] | null }
  | { t: 'batch'; sid: number; req: number; bid: number; data: ArrayBuffer }
  | { t: 'replay'; sid: number; req: number; bid: number; from: number }
  | { t: 'close'; sid: number };

/** Worker -> main thread, answering a request. */
export type FromWorker =
  | { req: number; kind: 'ok'; data: ArrayBuffer | null; stateSize: number; truncates: number[] }
  | { req: number; kind: 'notReady'; message: string }
  | { req: number; kind: 'failed'; message: string };
