// PostgreSQL binary format for the types drivers commonly request in binary.
// Dates and timestamps count from PostgreSQL's epoch 2000-01-01; numeric uses
// PostgreSQL's base-10000 digit format.
import { SqlError, SqlState } from './errors.js';
import { jsonbToText, parseJsonb } from './jsonb.js';
import { Decimal, displayScaleOf, withDisplayScale } from './numeric.js';
import { typeOid } from './pgtypes.js';
import { coerceBpchar, coerceVarchar, parseUuid } from './scalar-text.js';
import { utf8Decode, utf8Encode } from './strings.js';
import {
  ArrayValue,
  Jsonb,
  RecordValue,
  TIMESTAMP_INFINITY,
  TIMESTAMP_NEG_INFINITY,
  type Datum,
  type Interval,
  type SqlType,
} from './types.js';

/** 2000-01-01 relative to 1970-01-01. */
const POSTGRES_EPOCH_DAYS = 10_957;
const POSTGRES_EPOCH_MICROS = 946_684_800_000_000n;
const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;

function fixed(size: number, write: (view: DataView) => void): Uint8Array {
  const bytes = new Uint8Array(size);
  write(new DataView(bytes.buffer));
  return bytes;
}

/** numeric_send: ndigits, weight, sign, dscale, then base-10000 digits (no leading/trailing zero digits). */
export function encodeNumeric(d: Decimal, scale?: number): Uint8Array {
  if (!d.isFinite()) {
    const sign = d.isNaN() ? NUMERIC_NAN : d.isNegative() ? NUMERIC_NINF : NUMERIC_PINF;
    return fixed(8, (v) => v.setUint16(4, sign));
  }
  const dscale = Math.max(scale ?? 0, displayScaleOf(d));
  const text = d.abs().toFixed(dscale);
  const [intPart, fracPart = ''] = text.split('.') as [string, string?];
  // Align to groups of four digits around the decimal point.
  const intPadded = intPart.padStart(Math.ceil(intPart.length / 4) * 4, '0');
  const fracPadded = fracPart.padEnd(Math.ceil(fracPart.length / 4) * 4, '0');
  const groups: number[] = [];
  for (let i = 0; i < intPadded.length; i += 4) groups.push(Number(intPadded.slice(i, i + 4)));
  for (let i = 0; i < fracPadded.length; i += 4) groups.push(Number(fracPadded.slice(i, i + 4)));
  let weight = intPadded.length / 4 - 1;
  let start = 0;
  while (start < groups.length && groups[start] === 0) {
    start++;
    weight--;
  }
  let end = groups.length;
  while (end > start && groups[end - 1] === 0) end--;
  const digits = groups.slice(start, end);
  if (digits.length === 0) weight = 0;
  return fixed(8 + digits.length * 2, (v) => {
    v.setInt16(0, digits.length);
    v.setInt16(2, weight);
    v.setUint16(4, digits.length > 0 && d.isNegative() ? NUMERIC_NEG : NUMERIC_POS);
    v.setInt16(6, dscale);
    digits.forEach((g, i) => v.setInt16(8 + i * 2, g));
  });
}

export function decodeNumeric(bytes: Uint8Array): Decimal {
  const v = view(bytes, 8);
  const ndigits = v.getInt16(0);
  const weight = v.getInt16(2);
  const sign = v.getUint16(4);
  const dscale = v.getInt16(6);
  if (sign === NUMERIC_NAN) return new Decimal(NaN);
  if (sign === NUMERIC_PINF) return new Decimal(Infinity);
  if (sign === NUMERIC_NINF) return new Decimal(-Infinity);
  if ((sign !== NUMERIC_POS && sign !== NUMERIC_NEG) || ndigits < 0 || dscale < 0 || bytes.length !== 8 + ndigits * 2) {
    throw invalidBinary('invalid sign in external "numeric" value');
  }
  let digits = '';
  for (let i = 0; i < ndigits; i++) {
    const g = v.getInt16(8 + i * 2);
    if (g < 0 || g >= 10000) throw invalidBinary('invalid digit in external "numeric" value');
    digits += String(g).padStart(4, '0');
  }
  if (ndigits === 0) return withDisplayScale(new Decimal(0), dscale);
  // digits holds groups weight, weight-1, ...; the value is digits * 10^(4 * (weight + 1 - ndigits)).
  const d = new Decimal(`${sign === NUMERIC_NEG ? '-' : ''}${digits}e${4 * (weight + 1 - ndigits)}`);
  return withDisplayScale(d.toDecimalPlaces(dscale), dscale);
}

function invalidBinary(message: string): SqlError {
  return new SqlError(SqlState.invalidBinaryRepresentation, message);
}

function view(bytes: Uint8Array, minLength: number): DataView {
  if (bytes.length < minLength) throw invalidBinary('insufficient data left in message');
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function exactly(bytes: Uint8Array, length: number): DataView {
  if (bytes.length < length) throw invalidBinary('insufficient data left in message');
  if (bytes.length > length) throw invalidBinary('incorrect binary data format');
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function uuidBytes(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, '');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function uuidFromBytes(bytes: Uint8Array): string {
  exactly(bytes, 16);
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return parseUuid(hex);
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    const s = utf8Decode(bytes);
    if (s.includes('\u0000')) throw new SqlError('22021', 'invalid byte sequence for encoding "UTF8": 0x00');
    return s;
  } catch (e) {
    if (e instanceof SqlError) throw e;
    throw new SqlError('22021', 'invalid byte sequence for encoding "UTF8"');
  }
}

function timestampToWire(micros: bigint): bigint {
  if (micros === TIMESTAMP_INFINITY || micros === TIMESTAMP_NEG_INFINITY) return micros;
  return micros - POSTGRES_EPOCH_MICROS;
}

function timestampFromWire(micros: bigint): bigint {
  if (micros === TIMESTAMP_INFINITY || micros === TIMESTAMP_NEG_INFINITY) return micros;
  return micros + POSTGRES_EPOCH_MICROS;
}

/** Whether values of `type` can be sent in binary (arrays and records need binary elements). */
export function hasBinaryFormat(type: SqlType): boolean {
  switch (type.kind) {
    case 'list':
    case 'map':
      return false;
    case 'array':
      return hasBinaryFormat(type.element);
    case 'record':
      return type.fields.every((f) => hasBinaryFormat(f.type));
    default:
      return true;
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** array_send: ndim, has-null flag, element OID, (size, lower bound) per dimension, then length-prefixed elements. */
function encodeArray(value: ArrayValue, element: SqlType): Uint8Array {
  const ndim = value.elements.length === 0 ? 0 : value.dims.length;
  const header = fixed(12 + ndim * 8, (v) => {
    v.setInt32(0, ndim);
    v.setInt32(4, value.elements.some((e) => e === null) ? 1 : 0);
    v.setUint32(8, typeOid(element));
    for (let i = 0; i < ndim; i++) {
      v.setInt32(12 + i * 8, value.dims[i]!);
      v.setInt32(16 + i * 8, value.lowerBounds[i] ?? 1);
    }
  });
  const parts: Uint8Array[] = [header];
  let total = header.length;
  for (const e of value.elements) {
    const body = e === null ? undefined : encodeBinary(e, element);
    parts.push(fixed(4, (v) => v.setInt32(0, body === undefined ? -1 : body.length)));
    total += 4;
    if (body !== undefined) {
      parts.push(body);
      total += body.length;
    }
  }
  return concat(parts, total);
}

/** record_send: field count, then (type OID, length, bytes) per field. */
function encodeRecord(value: RecordValue, type: SqlType & { kind: 'record' }): Uint8Array {
  const parts: Uint8Array[] = [fixed(4, (v) => v.setInt32(0, value.fields.length))];
  let total = 4;
  value.fields.forEach((f, i) => {
    const fieldType = type.fields[i]?.type ?? { kind: 'text' };
    const body = f === null ? undefined : encodeBinary(f, fieldType);
    parts.push(fixed(8, (v) => {
      v.setUint32(0, typeOid(fieldType));
      v.setInt32(4, body === undefined ? -1 : body.length);
    }));
    total += 8;
    if (body !== undefined) {
      parts.push(body);
      total += body.length;
    }
  });
  return concat(parts, total);
}

/** Encodes a non-null datum in PostgreSQL's binary format; undefined if the type has no binary support. */
export function encodeBinary(value: Datum, type: SqlType): Uint8Array | undefined {
  switch (type.kind) {
    case 'bool':
      return Uint8Array.of(value ? 1 : 0);
    case 'int2':
      return fixed(2, (v) => v.setInt16(0, value as number));
    case 'uint2':
      return fixed(2, (v) => v.setUint16(0, value as number));
    case 'int4':
      return fixed(4, (v) => v.setInt32(0, value as number));
    case 'uint4':
    case 'oid':
    case 'regclass':
    case 'regproc':
    case 'regtype':
      return fixed(4, (v) => v.setUint32(0, value as number));
    case 'int8':
      return fixed(8, (v) => v.setBigInt64(0, BigInt(value as bigint)));
    case 'uint8':
      return fixed(8, (v) => v.setBigUint64(0, BigInt(value as bigint)));
    case 'float4':
      return fixed(4, (v) => v.setFloat32(0, value as number));
    case 'float8':
      return fixed(8, (v) => v.setFloat64(0, value as number));
    case 'numeric':
      return encodeNumeric(value as Decimal, type.scale);
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'name':
    case 'unknown':
      return utf8Encode(value as string);
    case 'char':
      return Uint8Array.of((value as string).charCodeAt(0) & 0xff);
    case 'mz_timestamp':
      // Materialize sends mz_timestamp's binary form as its decimal text.
      return utf8Encode(String(value));
    case 'bytea':
      return (value as Uint8Array).slice();
    case 'uuid':
      return uuidBytes(value as string);
    case 'date': {
      const days = value as number;
      const wire = days === Infinity ? INT32_MAX : days === -Infinity ? INT32_MIN : days - POSTGRES_EPOCH_DAYS;
      return fixed(4, (v) => v.setInt32(0, wire));
    }
    case 'time':
      return fixed(8, (v) => v.setBigInt64(0, value as bigint));
    case 'timestamp':
    case 'timestamptz':
      return fixed(8, (v) => v.setBigInt64(0, timestampToWire(value as bigint)));
    case 'interval': {
      const iv = value as Interval;
      return fixed(16, (v) => {
        v.setBigInt64(0, iv.micros);
        v.setInt32(8, iv.days);
        v.setInt32(12, iv.months);
      });
    }
    case 'jsonb': {
      // jsonb_send: version byte 1, then the text form.
      const text = utf8Encode(jsonbToText(value as Jsonb));
      const out = new Uint8Array(text.length + 1);
      out[0] = 1;
      out.set(text, 1);
      return out;
    }
    case 'array':
      return hasBinaryFormat(type.element) ? encodeArray(value as ArrayValue, type.element) : undefined;
    case 'record':
      return hasBinaryFormat(type) ? encodeRecord(value as RecordValue, type) : undefined;
    case 'list':
    case 'map':
      return undefined;
  }
}

function decodeArray(bytes: Uint8Array, element: SqlType): ArrayValue {
  const v = view(bytes, 12);
  const ndim = v.getInt32(0);
  if (ndim < 0 || ndim > 6) throw invalidBinary(`invalid number of dimensions: ${ndim}`);
  const flags = v.getInt32(4);
  if (flags !== 0 && flags !== 1) throw invalidBinary('invalid array flags');
  view(bytes, 12 + ndim * 8);
  const dims: number[] = [];
  const lowerBounds: number[] = [];
  let count = ndim === 0 ? 0 : 1;
  for (let i = 0; i < ndim; i++) {
    dims.push(v.getInt32(12 + i * 8));
    lowerBounds.push(v.getInt32(16 + i * 8));
    count *= dims[i]!;
  }
  let offset = 12 + ndim * 8;
  const elements: Datum[] = [];
  for (let i = 0; i < count; i++) {
    if (offset + 4 > bytes.length) throw invalidBinary('insufficient data left in message');
    const len = v.getInt32(offset);
    offset += 4;
    if (len === -1) {
      elements.push(null);
      continue;
    }
    if (len < 0 || offset + len > bytes.length) throw invalidBinary('insufficient data left in message');
    elements.push(decodeBinary(bytes.subarray(offset, offset + len), element));
    offset += len;
  }
  if (offset !== bytes.length) throw invalidBinary('incorrect binary data format in array element');
  return count === 0 ? new ArrayValue([], []) : new ArrayValue(elements, dims, lowerBounds);
}

function decodeRecord(bytes: Uint8Array, type: SqlType & { kind: 'record' }): RecordValue {
  const v = view(bytes, 4);
  const n = v.getInt32(0);
  if (n !== type.fields.length) {
    throw new SqlError(SqlState.datatypeMismatch, `wrong number of columns: ${n}, expected ${type.fields.length}`);
  }
  let offset = 4;
  const fields: Datum[] = [];
  for (let i = 0; i < n; i++) {
    if (offset + 8 > bytes.length) throw invalidBinary('insufficient data left in message');
    const len = v.getInt32(offset + 4);
    offset += 8;
    if (len === -1) {
      fields.push(null);
      continue;
    }
    if (len < 0 || offset + len > bytes.length) throw invalidBinary('insufficient data left in message');
    fields.push(decodeBinary(bytes.subarray(offset, offset + len), type.fields[i]!.type));
    offset += len;
  }
  return new RecordValue(fields);
}

/** Decodes PostgreSQL binary input (parameters); throws SqlError 22P03 on bad input. */
export function decodeBinary(bytes: Uint8Array, type: SqlType): Datum {
  switch (type.kind) {
    case 'bool':
      return exactly(bytes, 1).getUint8(0) !== 0;
    case 'int2':
      return exactly(bytes, 2).getInt16(0);
    case 'uint2':
      return exactly(bytes, 2).getUint16(0);
    case 'int4':
      return exactly(bytes, 4).getInt32(0);
    case 'uint4':
    case 'oid':
    case 'regclass':
    case 'regproc':
    case 'regtype':
      return exactly(bytes, 4).getUint32(0);
    case 'int8':
      return exactly(bytes, 8).getBigInt64(0);
    case 'uint8':
      return exactly(bytes, 8).getBigUint64(0);
    case 'float4':
      return exactly(bytes, 4).getFloat32(0);
    case 'float8':
      return exactly(bytes, 8).getFloat64(0);
    case 'numeric':
      return decodeNumeric(bytes);
    case 'text':
    case 'unknown':
      return decodeUtf8(bytes);
    case 'name':
      return decodeUtf8(bytes);
    case 'varchar':
      return coerceVarchar(decodeUtf8(bytes), type.length);
    case 'bpchar':
      return coerceBpchar(decodeUtf8(bytes), type.length);
    case 'char':
      return bytes.length === 0 ? '' : String.fromCharCode(bytes[0]!);
    case 'mz_timestamp': {
      const text = decodeUtf8(bytes);
      if (!/^\d+$/.test(text)) throw invalidBinary('invalid mz_timestamp');
      return BigInt(text);
    }
    case 'bytea':
      return bytes.slice();
    case 'uuid':
      return uuidFromBytes(bytes);
    case 'date': {
      const wire = exactly(bytes, 4).getInt32(0);
      return wire === INT32_MAX ? Infinity : wire === INT32_MIN ? -Infinity : wire + POSTGRES_EPOCH_DAYS;
    }
    case 'time':
      return exactly(bytes, 8).getBigInt64(0);
    case 'timestamp':
    case 'timestamptz':
      return timestampFromWire(exactly(bytes, 8).getBigInt64(0));
    case 'interval': {
      const v = exactly(bytes, 16);
      return { micros: v.getBigInt64(0), days: v.getInt32(8), months: v.getInt32(12) };
    }
    case 'jsonb':
      if (bytes.length === 0) throw invalidBinary('insufficient data left in message');
      if (bytes[0] !== 1) throw invalidBinary(`unsupported jsonb version number ${bytes[0]}`);
      return parseJsonb(decodeUtf8(bytes.subarray(1)));
    case 'array':
      return decodeArray(bytes, type.element);
    case 'record':
      return decodeRecord(bytes, type);
    case 'list':
    case 'map':
      throw new SqlError(SqlState.featureNotSupported, `binary format for type ${type.kind} is not supported`);
  }
}
