// Compact binary codec for datums, rows, updates and resume metadata.
//
// One tag byte per value, then a type-specific body: small integers as
// zig-zag varints, strings as varint length + UTF-8, int64 bigints in 8 bytes.
// The encoding of a value is canonical (one encoding per value), so encoded
// rows can be compared and hashed as bytes (compaction consolidates by them).
//
// Besides datums it carries the plain JS values resume metadata is made of
// (arrays, Maps, plain objects, undefined) so callers can store e.g. Kafka
// offsets (Map<number, bigint>) without a JSON detour.
import { Decimal } from 'decimal.js';
import {
  ArrayValue,
  Jsonb,
  JsonbNumber,
  JsonbObject,
  ListValue,
  MapValue,
  RecordValue,
  type Datum,
  type Interval,
  type JsonbValue,
  type Row,
} from '../repr/types.js';
import type { Update } from '../repr/update.js';
import { formatNumeric, parseNumeric } from '../repr/numeric.js';
import { SHORT_ASCII_MAX, shortAscii } from './short-ascii.js';

const enum Tag {
  Null = 0,
  False = 1,
  True = 2,
  SmallInt = 3,
  Float64 = 4,
  BigInt64 = 5,
  BigIntText = 6,
  String = 7,
  Decimal = 8,
  Bytes = 9,
  Jsonb = 10,
  Interval = 11,
  Array = 12,
  List = 13,
  Map = 14,
  Record = 15,
  JsArray = 16,
  JsMap = 17,
  JsObject = 18,
  Undefined = 19,
  /** jsonb as its canonical text (Jsonb = 10 is the older tree encoding, still read). */
  JsonbText = 20,
}

const enum JsonTag {
  Null = 0,
  False = 1,
  True = 2,
  String = 3,
  Number = 4,
  Array = 5,
  Object = 6,
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const TWO_POW_32 = 4294967296;
/** Integers within ±2^51 zig-zag exactly into a double (2^52 + 1 < 2^53). */
const SMALL_INT_LIMIT = 2 ** 51;

/** A growable output buffer. `bytes()` returns a view of what was written so far. */
export class ByteWriter {
  private buf: Buffer;
  pos = 0;

  constructor(private readonly initialSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /**
   * Starts over. A buffer grown past 1 MiB (one large write) is dropped
   * rather than kept for the writer's lifetime: a shard's writer would
   * otherwise hold the largest batch ever written (16 MB after a
   * 500 000-row INSERT) next to the table's state.
   */
  reset(): void {
    this.pos = 0;
    if (this.buf.length > 1024 * 1024) this.buf = Buffer.allocUnsafe(this.initialSize);
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.pos);
    this.pos += 4;
  }

  /** Reserves 4 bytes to be filled later with `patchU32`; returns their position. */
  reserveU32(): number {
    this.ensure(4);
    const at = this.pos;
    this.pos += 4;
    return at;
  }

  patchU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v, at);
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  i64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(v, this.pos);
    this.pos += 8;
  }

  /** Unsigned varint for 0 <= v <= 2^53. */
  uvarint(v: number): void {
    this.ensure(8);
    const buf = this.buf;
    let pos = this.pos;
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v = v >= TWO_POW_32 ? Math.floor(v / 128) : v >>> 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  /** Signed (zig-zag) varint for safe integers. */
  svarint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  string(s: string): void {
    const len = s.length;
    // Fast path: ASCII strings of up to 127 characters (keys, names, numbers,
    // small JSON documents) have a one-byte length and are copied by hand: a
    // native Buffer.write call (and the byteLength before it) costs more than
    // the loop at these sizes.
    if (len <= 127) {
      this.ensure(1 + len * 3);
      const buf = this.buf;
      const start = this.pos + 1;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      if (i === len) {
        buf[this.pos] = len;
        this.pos = start + len;
        return;
      }
      // Not ASCII: at most 42 UTF-16 units still fit a one-byte length.
      if (len <= 42) {
        const written = i + buf.write(s.slice(i), start + i, 'utf8');
        buf[this.pos] = written;
        this.pos = start + written;
        return;
      }
    }
    const byteLen = Buffer.byteLength(s, 'utf8');
    this.uvarint(byteLen);
    this.ensure(byteLen);
    this.buf.write(s, this.pos, byteLen, 'utf8');
    this.pos += byteLen;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }
}

/** Reads what ByteWriter wrote; throws RangeError on truncated input. */
export class ByteReader {
  pos: number;

  constructor(
    private readonly buf: Buffer,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** Advances over `n` bytes. */
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new RangeError('truncated record');
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  i64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  uvarint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
      if (scale > 2 ** 56) throw new RangeError('varint too long');
    }
  }

  svarint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  string(): string {
    const len = this.uvarint();
    this.need(len);
    const start = this.pos;
    this.pos += len;
    return (len <= SHORT_ASCII_MAX ? shortAscii(this.buf, start, start + len) : null) ?? this.buf.toString('utf8', start, start + len);
  }

  bytes(): Uint8Array {
    const len = this.uvarint();
    this.need(len);
    // Copy: the record buffer is shared and may be large.
    const out = new Uint8Array(len);
    out.set(this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
    return out;
  }
}

function isInterval(v: object): v is Interval {
  const candidate = v as Partial<Interval>;
  return typeof candidate.micros === 'bigint' && typeof candidate.months === 'number' && typeof candidate.days === 'number';
}

/** Encodes any datum, or a metadata value (arrays, Maps, plain objects, undefined). */
export function writeValue(w: ByteWriter, v: unknown): void {
  switch (typeof v) {
    case 'string':
      w.u8(Tag.String);
      w.string(v);
      return;
    case 'number':
      // -0 and non-integers keep their exact bits as float64.
      if (Number.isInteger(v) && v <= SMALL_INT_LIMIT && v >= -SMALL_INT_LIMIT && !Object.is(v, -0)) {
        w.u8(Tag.SmallInt);
        w.svarint(v);
      } else {
        w.u8(Tag.Float64);
        w.f64(v);
      }
      return;
    case 'boolean':
      w.u8(v ? Tag.True : Tag.False);
      return;
    case 'bigint':
      if (v >= INT64_MIN && v <= INT64_MAX) {
        w.u8(Tag.BigInt64);
        w.i64(v);
      } else {
        w.u8(Tag.BigIntText);
        w.string(v.toString());
      }
      return;
    case 'undefined':
      w.u8(Tag.Undefined);
      return;
    case 'object':
      writeObject(w, v);
      return;
    default:
      throw new TypeError(`cannot encode a ${typeof v}`);
  }
}

function writeObject(w: ByteWriter, v: object | null): void {
  if (v === null) {
    w.u8(Tag.Null);
  } else if (v instanceof Uint8Array) {
    w.u8(Tag.Bytes);
    w.uvarint(v.length);
    w.raw(v);
  } else if (v instanceof Jsonb) {
    w.u8(Tag.JsonbText);
    w.string(v.text);
  } else if (Decimal.isDecimal(v)) {
    w.u8(Tag.Decimal);
    // numeric_out's text keeps the value's display scale (1.50 stays 1.50 across a restart).
    w.string(formatNumeric(v as Decimal));
  } else if (v instanceof RecordValue) {
    w.u8(Tag.Record);
    writeList(w, v.fields);
  } else if (v instanceof ListValue) {
    w.u8(Tag.List);
    writeList(w, v.elements);
  } else if (v instanceof MapValue) {
    w.u8(Tag.Map);
    w.uvarint(v.entries.length);
    for (const [key, value] of v.entries) {
      w.string(key);
      writeValue(w, value);
    }
  } else if (v instanceof ArrayValue) {
    w.u8(Tag.Array);
    w.uvarint(v.dims.length);
    for (let i = 0; i < v.dims.length; i++) {
      w.uvarint(v.dims[i]!);
      w.svarint(v.lowerBounds[i] ?? 1);
    }
    writeList(w, v.elements);
  } else if (Array.isArray(v)) {
    w.u8(Tag.JsArray);
    writeList(w, v);
  } else if (v instanceof Map) {
    w.u8(Tag.JsMap);
    w.uvarint(v.size);
    for (const [key, value] of v) {
      writeValue(w, key);
      writeValue(w, value);
    }
  } else if (isInterval(v)) {
    w.u8(Tag.Interval);
    w.svarint(v.months);
    w.svarint(v.days);
    w.i64(v.micros);
  } else {
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) throw new TypeError(`cannot encode a ${v.constructor.name}`);
    const entries = Object.entries(v);
    w.u8(Tag.JsObject);
    w.uvarint(entries.length);
    for (const [key, value] of entries) {
      w.string(key);
      writeValue(w, value);
    }
  }
}

function writeList(w: ByteWriter, items: readonly unknown[]): void {
  w.uvarint(items.length);
  for (let i = 0; i < items.length; i++) writeValue(w, items[i]);
}

/** Decodes one value written by `writeValue`. */
export function readValue(r: ByteReader): unknown {
  const tag = r.u8();
  switch (tag) {
    case Tag.Null:
      return null;
    case Tag.False:
      return false;
    case Tag.True:
      return true;
    case Tag.SmallInt:
      return r.svarint();
    case Tag.Float64:
      return r.f64();
    case Tag.BigInt64:
      return r.i64();
    case Tag.BigIntText:
      return BigInt(r.string());
    case Tag.String:
      return r.string();
    case Tag.Decimal:
      return parseNumeric(r.string());
    case Tag.Bytes:
      return r.bytes();
    case Tag.Jsonb:
      return new Jsonb(readJsonb(r));
    case Tag.JsonbText:
      return Jsonb.fromCanonicalText(r.string());
    case Tag.Interval: {
      const months = r.svarint();
      const days = r.svarint();
      const interval: Interval = { months, days, micros: r.i64() };
      return interval;
    }
    case Tag.Array: {
      const ndims = r.uvarint();
      const dims: number[] = [];
      const lowerBounds: number[] = [];
      for (let i = 0; i < ndims; i++) {
        dims.push(r.uvarint());
        lowerBounds.push(r.svarint());
      }
      return new ArrayValue(readDatumList(r), dims, lowerBounds);
    }
    case Tag.List:
      return new ListValue(readDatumList(r));
    case Tag.Map: {
      const n = r.uvarint();
      const entries: [string, Datum][] = [];
      for (let i = 0; i < n; i++) {
        const key = r.string();
        entries.push([key, readValue(r) as Datum]);
      }
      return new MapValue(entries);
    }
    case Tag.Record:
      return new RecordValue(readDatumList(r));
    case Tag.JsArray: {
      const n = r.uvarint();
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(readValue(r));
      return out;
    }
    case Tag.JsMap: {
      const n = r.uvarint();
      const out = new Map<unknown, unknown>();
      for (let i = 0; i < n; i++) {
        const key = readValue(r);
        out.set(key, readValue(r));
      }
      return out;
    }
    case Tag.JsObject: {
      const n = r.uvarint();
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const key = r.string();
        out[key] = readValue(r);
      }
      return out;
    }
    case Tag.Undefined:
      return undefined;
    default:
      throw new RangeError(`unknown value tag ${tag}`);
  }
}

function readDatumList(r: ByteReader): Datum[] {
  const n = r.uvarint();
  const out: Datum[] = new Array<Datum>(n);
  for (let i = 0; i < n; i++) out[i] = readValue(r) as Datum;
  return out;
}

function readJsonb(r: ByteReader): JsonbValue {
  const tag = r.u8();
  switch (tag) {
    case JsonTag.Null:
      return null;
    case JsonTag.False:
      return false;
    case JsonTag.True:
      return true;
    case JsonTag.String:
      return r.string();
    case JsonTag.Number:
      return new JsonbNumber(r.string());
    case JsonTag.Array: {
      const n = r.uvarint();
      const out: JsonbValue[] = [];
      for (let i = 0; i < n; i++) out.push(readJsonb(r));
      return out;
    }
    case JsonTag.Object: {
      const n = r.uvarint();
      const entries: [string, JsonbValue][] = [];
      for (let i = 0; i < n; i++) {
        const key = r.string();
        entries.push([key, readJsonb(r)]);
      }
      return new JsonbObject(entries);
    }
    default:
      throw new RangeError(`unknown jsonb tag ${tag}`);
  }
}

/** Advances past one value without materializing it (byte-level consolidation). */
export function skipValue(r: ByteReader): void {
  const tag = r.u8();
  switch (tag) {
    case Tag.Null:
    case Tag.False:
    case Tag.True:
    case Tag.Undefined:
      return;
    case Tag.SmallInt:
      r.uvarint();
      return;
    case Tag.Float64:
    case Tag.BigInt64:
      r.skip(8);
      return;
    case Tag.BigIntText:
    case Tag.String:
    case Tag.Decimal:
    case Tag.Bytes:
      r.skip(r.uvarint());
      return;
    case Tag.Jsonb:
      skipJsonb(r);
      return;
    case Tag.JsonbText:
      r.skip(r.uvarint());
      return;
    case Tag.Interval:
      r.uvarint();
      r.uvarint();
      r.skip(8);
      return;
    case Tag.Array: {
      const ndims = r.uvarint();
      for (let i = 0; i < ndims; i++) {
        r.uvarint();
        r.uvarint();
      }
      skipList(r);
      return;
    }
    case Tag.List:
    case Tag.Record:
    case Tag.JsArray:
      skipList(r);
      return;
    case Tag.Map:
    case Tag.JsObject: {
      const n = r.uvarint();
      for (let i = 0; i < n; i++) {
        r.skip(r.uvarint());
        skipValue(r);
      }
      return;
    }
    case Tag.JsMap: {
      const n = r.uvarint();
      for (let i = 0; i < 2 * n; i++) skipValue(r);
      return;
    }
    default:
      throw new RangeError(`unknown value tag ${tag}`);
  }
}

/** Advances past one encoded row. */
export function skipRow(r: ByteReader): void {
  skipList(r);
}

function skipList(r: ByteReader): void {
  const n = r.uvarint();
  for (let i = 0; i < n; i++) skipValue(r);
}

function skipJsonb(r: ByteReader): void {
  const tag = r.u8();
  switch (tag) {
    case JsonTag.Null:
    case JsonTag.False:
    case JsonTag.True:
      return;
    case JsonTag.String:
    case JsonTag.Number:
      r.skip(r.uvarint());
      return;
    case JsonTag.Array: {
      const n = r.uvarint();
      for (let i = 0; i < n; i++) skipJsonb(r);
      return;
    }
    case JsonTag.Object: {
      const n = r.uvarint();
      for (let i = 0; i < n; i++) {
        r.skip(r.uvarint());
        skipJsonb(r);
      }
      return;
    }
    default:
      throw new RangeError(`unknown jsonb tag ${tag}`);
  }
}

export function writeRow(w: ByteWriter, row: Row): void {
  writeList(w, row);
}

export function readRow(r: ByteReader): Row {
  return readDatumList(r);
}

export function writeUpdates(w: ByteWriter, updates: readonly Update[]): void {
  w.uvarint(updates.length);
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i]!;
    writeList(w, u.row);
    w.svarint(u.diff);
  }
}

export function readUpdates(r: ByteReader): Update[] {
  const n = r.uvarint();
  const out: Update[] = new Array<Update>(n);
  for (let i = 0; i < n; i++) {
    const row = readDatumList(r);
    out[i] = { row, diff: r.svarint() };
  }
  return out;
}

/** Encodes a row on its own (e.g. as a consolidation or upsert-state key). */
export function encodeRow(row: Row, w: ByteWriter = new ByteWriter(256)): Buffer {
  w.reset();
  writeList(w, row);
  return w.bytes();
}

export function decodeRow(bytes: Buffer): Row {
  return readDatumList(new ByteReader(bytes));
}
