// Protobuf message -> columns and datums, as Materialize maps them.
//
// The column types are derived once per message type, and so are the
// converters: one closure per field, chosen from the field's type when the
// source is planned, so decoding a message looks nothing up by name or type.
// Messages are decoded by protobufjs's generated decoder through WideReader,
// which returns 64-bit integers as exact bigints (protobufjs would build a
// Long object per value).
import protobuf from 'protobufjs';
import { compareCodePoints } from '../../../repr/strings.js';
import { ListValue, MapValue, RecordValue, type Column, type Datum, type Row, type SqlType } from '../../../repr/types.js';
import { ProtobufSchemaError } from './schema.js';

/** A value that cannot be converted (an enum number the schema does not name). */
export class ProtobufDataError extends Error {}

type Message = Record<string, unknown>;
type ValueConverter = (value: unknown) => Datum;
type FieldConverter = (message: Message) => Datum;

const EMPTY_BYTES = new Uint8Array(0);
const TWO_32 = 4294967296;

// --- 64-bit integers ---------------------------------------------------------

interface LongLike {
  low: number;
  high: number;
}

function isLongLike(v: unknown): v is LongLike {
  return typeof v === 'object' && v !== null && typeof (v as LongLike).low === 'number' && typeof (v as LongLike).high === 'number';
}

/** A default or a value protobufjs built (Long, number or decimal string) as an exact bigint. */
function toBigInt(v: unknown, unsigned: boolean): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'string') return BigInt(v);
  if (isLongLike(v)) {
    const bits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
    return unsigned ? bits : BigInt.asIntN(64, bits);
  }
  return 0n;
}

/** Reads wire-format 64-bit integers as bigint, exactly (plain-number arithmetic while below 2^53). */
export class WideReader extends protobuf.BufferReader {
  constructor() {
    super(Buffer.alloc(0));
    this.discardUnknown = true;
  }

  /** Points the reader at `bytes[start..]`: one reader serves every message of a decoder. */
  reset(bytes: Buffer, start: number): void {
    this.buf = bytes;
    this.pos = start;
    this.len = bytes.length;
    (this as unknown as { view: DataView | null }).view = null;
  }

  release(): void {
    this.buf = EMPTY_BUFFER;
  }

  readVarint64(): bigint {
    const buf = this.buf;
    let pos = this.pos;
    let value = 0;
    let scale = 1;
    // Up to 7 bytes (49 bits) stay exact as a number.
    for (let i = 0; i < 7; i++) {
      if (pos >= this.len) throw new RangeError('index out of range');
      const b = buf[pos++]!;
      value += (b & 127) * scale;
      if (b < 128) {
        this.pos = pos;
        return BigInt(value);
      }
      scale *= 128;
    }
    let big = BigInt(value);
    let shift = 49n;
    for (let i = 7; i < 10; i++) {
      if (pos >= this.len) throw new RangeError('index out of range');
      const b = buf[pos++]!;
      big |= BigInt(b & 127) << shift;
      if (b < 128) {
        this.pos = pos;
        return BigInt.asUintN(64, big);
      }
      shift += 7n;
    }
    throw new Error('invalid varint encoding');
  }

  readFixed64(): bigint {
    const pos = this.pos;
    if (pos + 8 > this.len) throw new RangeError('index out of range');
    const buf = this.buf;
    const lo = (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
    const hi = (buf[pos + 4]! | (buf[pos + 5]! << 8) | (buf[pos + 6]! << 16) | (buf[pos + 7]! << 24)) >>> 0;
    this.pos = pos + 8;
    return hi < 0x200000 ? BigInt(hi * TWO_32 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
  }
}

const EMPTY_BUFFER = Buffer.alloc(0);

// protobufjs's generated decoders call these by name; their declared types say Long.
const wide = WideReader.prototype as unknown as Record<string, unknown>;
wide.uint64 = function (this: WideReader): bigint {
  return this.readVarint64();
};
wide.int64 = function (this: WideReader): bigint {
  return BigInt.asIntN(64, this.readVarint64());
};
wide.sint64 = function (this: WideReader): bigint {
  const u = this.readVarint64();
  return (u >> 1n) ^ -(u & 1n);
};
wide.fixed64 = function (this: WideReader): bigint {
  return this.readFixed64();
};
wide.sfixed64 = function (this: WideReader): bigint {
  return BigInt.asIntN(64, this.readFixed64());
};
/** bytes as a plain Uint8Array view of the message (no copy), as the BYTES format does. */
wide.bytes = function (this: WideReader): Uint8Array {
  const length = this.uint32();
  const start = this.pos;
  const end = start + length;
  if (end > this.len) throw new RangeError('index out of range');
  this.pos = end;
  return new Uint8Array(this.buf.buffer, this.buf.byteOffset + start, length);
};

// --- types --------------------------------------------------------------------

const SCALAR_TYPES: Record<string, SqlType> = {
  bool: { kind: 'bool' },
  int32: { kind: 'int4' },
  sint32: { kind: 'int4' },
  sfixed32: { kind: 'int4' },
  int64: { kind: 'int8' },
  sint64: { kind: 'int8' },
  sfixed64: { kind: 'int8' },
  uint32: { kind: 'uint4' },
  fixed32: { kind: 'uint4' },
  uint64: { kind: 'uint8' },
  fixed64: { kind: 'uint8' },
  float: { kind: 'float4' },
  double: { kind: 'float8' },
  string: { kind: 'text' },
  bytes: { kind: 'bytea' },
};

const WIDE_TYPES = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);
const UNSIGNED_WIDE = new Set(['uint64', 'fixed64']);

/** The oneof a field belongs to, real or synthetic (proto3 `optional`): absent members are NULL. */
function oneofOf(field: protobuf.Field): protobuf.OneOf | null {
  return field.partOf ?? null;
}

/** Column types of a message's fields, converters included, compiled once. */
export class MessageConverter {
  readonly columns: Column[];
  private readonly fields: FieldConverter[];

  constructor(readonly type: protobuf.Type) {
    const compiler = new Compiler();
    const compiled = compiler.messageFields(type);
    this.columns = compiled.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable }));
    this.fields = compiled.map((c) => c.convert);
  }

  /** Writes the fields of a decoded message into row[at], row[at + 1], ... */
  write(message: Message, row: Row, at: number): void {
    const fields = this.fields;
    for (let i = 0; i < fields.length; i++) row[at + i] = fields[i]!(message);
  }
}

interface CompiledField {
  name: string;
  type: SqlType;
  nullable: boolean;
  convert: FieldConverter;
}

class Compiler {
  /** Messages on the path from the top-level message (recursion is an error, as in Materialize). */
  private readonly path = new Set<string>();

  messageFields(type: protobuf.Type): CompiledField[] {
    if (this.path.has(type.fullName)) {
      throw new ProtobufSchemaError(`Recursive types are not supported: ${type.fullName.slice(1)}`);
    }
    this.path.add(type.fullName);
    const out = type.fieldsArray.map((f) => this.field(f.resolve()));
    this.path.delete(type.fullName);
    return out;
  }

  private field(field: protobuf.Field): CompiledField {
    const name = field.name;
    if (field instanceof protobuf.MapField) {
      const value = this.value(field.type, field.resolvedType, field);
      return { name, type: { kind: 'map', value: value.type }, nullable: false, convert: mapConverter(name, value.convert) };
    }
    const value = this.value(field.type, field.resolvedType, field);
    if (field.repeated) {
      return { name, type: { kind: 'list', element: value.type }, nullable: false, convert: listConverter(name, value.convert) };
    }
    if (oneofOf(field)) {
      // The decoder sets a member only when it is on the wire (and drops the others of its oneof).
      const convert = value.convert;
      return { name, type: value.type, nullable: true, convert: (m) => (Object.hasOwn(m, name) ? convert(m[name]) : null) };
    }
    if (field.resolvedType instanceof protobuf.Type) {
      const convert = value.convert;
      return {
        name,
        type: value.type,
        nullable: true,
        convert: (m) => {
          const v = m[name];
          return v === null || v === undefined ? null : convert(v);
        },
      };
    }
    if (WIDE_TYPES.has(field.type)) {
      // Absent: the (proto2) default, from the prototype as a Long or number: converted once here.
      const fallback = toBigInt(field.typeDefault, UNSIGNED_WIDE.has(field.type));
      return {
        name,
        type: value.type,
        nullable: false,
        convert: (m) => {
          const v = m[name];
          return typeof v === 'bigint' ? v : fallback;
        },
      };
    }
    const convert = value.convert;
    return { name, type: value.type, nullable: false, convert: (m) => convert(m[name]) };
  }

  /** The SQL type and value converter of one value of a field (an element, for repeated and map fields). */
  private value(typeName: string, resolved: protobuf.Type | protobuf.Enum | null, field: protobuf.Field): { type: SqlType; convert: ValueConverter } {
    if (resolved instanceof protobuf.Type) {
      const fields = this.messageFields(resolved);
      const converters = fields.map((f) => f.convert);
      const n = converters.length;
      return {
        type: { kind: 'record', fields: fields.map((f) => ({ name: f.name, type: f.type })) },
        convert: (v) => {
          if (v === null || v === undefined) return null;
          const m = v as Message;
          const out: Datum[] = new Array<Datum>(n);
          for (let i = 0; i < n; i++) out[i] = converters[i]!(m);
          return new RecordValue(out);
        },
      };
    }
    if (resolved instanceof protobuf.Enum) {
      const names = new Map<number, string>();
      for (const [label, number] of Object.entries(resolved.values)) if (!names.has(number)) names.set(number, label);
      const fieldName = field.name;
      return {
        type: { kind: 'text' },
        convert: (v) => {
          const label = names.get(v as number);
          if (label === undefined) throw new ProtobufDataError(`unknown enum value ${String(v)} while decoding field ${fieldName}`);
          return label;
        },
      };
    }
    const type = SCALAR_TYPES[typeName];
    if (!type) throw new ProtobufSchemaError(`Protobuf type "${typeName}" of field ${field.name} is not supported`);
    if (WIDE_TYPES.has(typeName)) {
      const unsigned = UNSIGNED_WIDE.has(typeName);
      return { type, convert: (v) => (typeof v === 'bigint' ? v : toBigInt(v, unsigned)) };
    }
    if (typeName === 'bytes') {
      return {
        type,
        convert: (v) => {
          if (!(v instanceof Uint8Array)) return typeof v === 'string' ? Buffer.from(v, 'base64') : EMPTY_BYTES;
          return Buffer.isBuffer(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : v;
        },
      };
    }
    return { type, convert: (v) => v as Datum };
  }
}

function listConverter(name: string, convert: ValueConverter): FieldConverter {
  return (m) => {
    const v = m[name] as unknown[] | undefined;
    if (v === undefined || v === null || v.length === 0) return new ListValue([]);
    const out: Datum[] = new Array<Datum>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = convert(v[i]);
    return new ListValue(out);
  };
}

function mapConverter(name: string, convert: ValueConverter): FieldConverter {
  return (m) => {
    const v = m[name] as Record<string, unknown> | undefined;
    if (v === undefined || v === null) return new MapValue([]);
    const keys = Object.keys(v);
    if (keys.length > 1) keys.sort(compareCodePoints);
    const entries = new Array<readonly [string, Datum]>(keys.length);
    for (let i = 0; i < keys.length; i++) entries[i] = [keys[i]!, convert(v[keys[i]!])];
    return new MapValue(entries);
  };
}
