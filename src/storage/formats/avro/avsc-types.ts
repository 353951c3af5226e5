// How Freshet builds avsc types: longs as exact bigints, unions wrapped only
// when they have several non-null branches (so a `["null", T]` value costs no
// wrapper object), and arrays and maps that refuse a block count the bytes
// left could not hold (garbage must be an error, not a billion-item loop).
import { createRequire } from 'node:module';
import avro from 'avsc';
import type { Json } from './schema.js';

/** avsc's reading cursor (internal, but stable across avsc 5.x). */
export interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
  readString(): string;
}

/** A type or a resolver: what reads one value at the tap (avsc's internal `_read`). */
export interface Readable {
  _read(tap: Tap): unknown;
}

const TapClass = (createRequire(import.meta.url)('avsc/lib/utils') as { Tap: new (buf: Buffer, pos: number) => Tap }).Tap;

/**
 * A reusable cursor: decoders point it at each message instead of calling
 * Type#decode, which allocates a cursor and a result object per message.
 */
export function newTap(): Tap {
  return new TapClass(Buffer.alloc(0), 0);
}

/** Largest block count accepted beyond the bytes left (zero-size items: null, empty records). */
const MAX_ZERO_SIZE_ITEMS = 4096;

function checkBlockCount(n: number, tap: Tap): void {
  if (n > tap.buf.length - tap.pos && n > MAX_ZERO_SIZE_ITEMS) {
    throw new Error(`block count ${n} exceeds the ${tap.buf.length - tap.pos} bytes left`);
  }
}

/** Reads a block count (negative: followed by the block's byte size). */
function readBlockCount(tap: Tap): number {
  let n = tap.readLong();
  if (n < 0) {
    n = -n;
    tap.skipLong();
  }
  checkBlockCount(n, tap);
  return n;
}

class CheckedArrayType extends avro.types.ArrayType {
  // Also used by resolvers (`this` is then the resolver, whose itemsType reads the writer's items).
  _read(tap: Tap): unknown[] {
    const items = (this as unknown as { itemsType: Readable }).itemsType;
    const out: unknown[] = [];
    let n: number;
    while ((n = readBlockCount(tap)) !== 0) {
      while (n-- > 0) out.push(items._read(tap));
    }
    return out;
  }
}

class CheckedMapType extends avro.types.MapType {
  _read(tap: Tap): Record<string, unknown> {
    const values = (this as unknown as { valuesType: Readable }).valuesType;
    const out: Record<string, unknown> = {};
    let n: number;
    while ((n = readBlockCount(tap)) !== 0) {
      while (n-- > 0) {
        const key = tap.readString();
        // defineProperty: a key named __proto__ is data, not the prototype.
        Object.defineProperty(out, key, { value: values._read(tap), enumerable: true, writable: true, configurable: true });
      }
    }
    return out;
  }
}

/** Zig-zag varint bytes (as written on the wire) -> bigint. */
function longFromVarint(buf: Buffer): bigint {
  const len = buf.length;
  if (len <= 7) {
    // Fewer than 50 bits: exact in a double.
    let n = 0;
    let m = 1;
    for (let i = 0; i < len; i++) {
      n += (buf[i]! & 0x7f) * m;
      m *= 128;
    }
    return BigInt(n % 2 ? -(n + 1) / 2 : n / 2);
  }
  let n = 0n;
  let shift = 0n;
  for (let i = 0; i < len; i++) {
    n |= BigInt(buf[i]! & 0x7f) << shift;
    shift += 7n;
  }
  n &= (1n << 64n) - 1n;
  return (n >> 1n) ^ -(n & 1n);
}

/** bigint -> zig-zag varint bytes. */
function longToVarint(v: bigint): Buffer {
  let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  const bytes: number[] = [];
  do {
    let b = Number(z & 0x7fn);
    z >>= 7n;
    if (z !== 0n) b |= 0x80;
    bytes.push(b);
  } while (z !== 0n);
  return Buffer.from(bytes);
}

const MIN_LONG = -(1n << 63n);
const MAX_LONG = (1n << 63n) - 1n;

/** Avro long as an exact bigint (avsc's own long refuses values beyond 2^53). */
const bigintLong = avro.types.LongType.__with(
  {
    fromBuffer: longFromVarint,
    toBuffer: longToVarint,
    fromJSON: (v: number | string | bigint) => BigInt(v),
    toJSON: (v: bigint) => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()),
    isValid: (v: unknown) => typeof v === 'bigint' && v >= MIN_LONG && v <= MAX_LONG,
    compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
  },
  true,
);

interface HookOptions {
  registry: { [name: string]: avro.Type };
}

function typeHook(schema: avro.Schema, opts: HookOptions): avro.Type | undefined {
  const node = schema as unknown as Json;
  if (Array.isArray(node)) {
    const types = node.map((branch) => avro.Type.forSchema(branch as unknown as avro.Schema, opts));
    const nonNull = types.filter((t) => t.typeName !== 'null').length;
    const branches = types as unknown as avro.Schema;
    return nonNull <= 1 ? new avro.types.UnwrappedUnionType(branches, opts) : new avro.types.WrappedUnionType(branches, opts);
  }
  if (typeof node === 'object' && node !== null && !Array.isArray(node)) {
    // {"type": "long", ...} (a logical type on a long) is built without the registry: it must be a bigint too.
    if (node.type === 'long') return bigintLong;
    if (node.type === 'array') return new CheckedArrayType(schema, opts);
    if (node.type === 'map') return new CheckedMapType(schema, opts);
  }
  return undefined;
}

/**
 * The avsc type for a schema: logical types are left to our converters (avsc
 * reads their underlying values), longs are bigints, `["null", T]` unions
 * unwrapped and other unions wrapped (`{branch: value}`).
 */
export function avroType(schema: unknown): avro.Type {
  return avro.Type.forSchema(schema as unknown as avro.Schema, {
    registry: { long: bigintLong },
    typeHook: typeHook as unknown as (schema: avro.Schema, opts: object) => avro.Type | undefined,
  });
}
