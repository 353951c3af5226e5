// Formats decode the bytes of a Kafka key or value into columns of a row.
//
// A Format is planned once (its output columns), then each running source
// creates its own Decoder (decoders may keep state, e.g. CSV headers seen per
// partition). Decoders write straight into the output row so the hot path
// allocates nothing beyond the datums. Avro and Protobuf (schema registry)
// plug in as further Format implementations: `prepare` fetches schemas.
import type { Column, Row } from '../../repr/types.js';

/** Returned by `decode` for a message that produces no row (a CSV header line). */
export const SKIP_MESSAGE = 1;

/** undefined: decoded; SKIP_MESSAGE: ignore this message; string: the decode error. */
export type DecodeOutcome = undefined | typeof SKIP_MESSAGE | string;

export interface Decoder {
  /** Decodes `bytes` into row[at], row[at + 1], ... (one slot per column of the format). */
  decode(bytes: Buffer, row: Row, at: number, partition: number, offset: number): DecodeOutcome;
}

export interface Format {
  /** Output columns with their default names. */
  readonly columns: readonly Column[];
  /** Resolves what decoding needs from outside (e.g. schema registry look-ups). */
  prepare?(): Promise<void>;
  newDecoder(): Decoder;
}

/** The JSON-serializable description of a format kept in a planned source. */
export type FormatDesc =
  | { kind: 'text' }
  | { kind: 'bytes' }
  | { kind: 'json' }
  | { kind: 'csv'; columns: number; header?: string[]; delimiter: string };
