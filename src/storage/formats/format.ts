// Formats decode the bytes of a Kafka key or value into columns of a row.
//
// A format is a registered implementation of `FormatImpl` (see registry.ts):
// planning turns the statement's FORMAT clause into a plain, serializable
// `FormatDesc` (the schema fixed at CREATE, never the SQL AST), and each
// running source builds its own Decoder from that desc (decoders may keep
// state: CSV headers seen per partition, writer schemas by id). Decoders
// write straight into the output row so the hot path allocates nothing beyond
// the datums, and look nothing up per message: what a message needs from
// outside (a writer schema named by its id) is fetched once by `prepare`
// before the batch is decoded.
import type { Column, Row } from '../../repr/types.js';
import type { FormatSpec } from '../../sql/ast.js';
import type { CsrConnectionSpec, SchemaRegistryClient } from '../schema-registry/api.js';

/** Returned by `decode` for a message that produces no row (a CSV header line). */
export const SKIP_MESSAGE = 1;

/** undefined: decoded; SKIP_MESSAGE: ignore this message; string: the decode error. */
export type DecodeOutcome = undefined | typeof SKIP_MESSAGE | string;

export interface Decoder {
  /** Decodes `bytes` into row[at], row[at + 1], ... (one slot per column of the format). */
  decode(bytes: Buffer, row: Row, at: number, partition: number, offset: number): DecodeOutcome;
  /**
   * Registry formats: makes sure what decode() needs for these bytes is at
   * hand (the writer schema their id names, fetched once and cached). null
   * when nothing is missing (the common case: no promise per message). The
   * promise rejects only for a failure that may pass (registry unreachable,
   * 5xx, wrong credentials): the source stalls with the message and retries
   * the same batch. A schema that can never be used (unknown id, incompatible
   * with the reader) resolves, and decode() reports it for that message.
   */
  prepare?(bytes: Buffer): Promise<void> | null;
}

/** The serializable description of a planned format (kept in a source's spec). */
export interface FormatDesc {
  readonly kind: string;
}

/** What a running decoder may use from outside. */
export interface FormatRuntime {
  /** A (cached) client for a schema registry connection. */
  schemaRegistry(spec: CsrConnectionSpec): SchemaRegistryClient;
}

/** Which side of a Kafka message a format decodes. */
export type MessagePart = 'key' | 'value';

/** What planning a FORMAT clause may need. */
export interface FormatPlanContext {
  part: MessagePart;
  topic: string;
  /** Position of the statement (for errors). */
  pos: number;
  /** Resolves `USING CONFLUENT SCHEMA REGISTRY CONNECTION c` to its spec (42704 / 42809 when not one). */
  csrConnection(name: NonNullable<(FormatSpec & { kind: 'avro' })['csrConnection']>): CsrConnectionSpec;
}

/** What purifying a FORMAT clause may use: the registry, contacted once at CREATE. */
export interface FormatPurifyContext extends FormatPlanContext {
  schemaRegistry(spec: CsrConnectionSpec): SchemaRegistryClient;
}

/** A registered format. `D` is the format's own desc type. */
export interface FormatImpl<D extends FormatDesc = FormatDesc> {
  /** The FormatDesc kind (and the FORMAT keyword: 'avro', 'protobuf', 'json', ...). */
  readonly kind: string;
  /**
   * Purification: contacts what is outside (the schema registry) once, at
   * CREATE SOURCE, and records what it learned in the spec (its `seed`), so
   * that planning the stored statement again needs no network. Formats that
   * need nothing from outside leave it out.
   */
  purify?(spec: FormatSpec, ctx: FormatPurifyContext): Promise<void>;
  /** SQL options -> desc; throws SqlError for bad options. Synchronous and offline (runs at catalog replay). */
  plan(spec: FormatSpec, ctx: FormatPlanContext): D;
  /** Output columns with their default names. */
  columns(desc: D): Column[];
  /**
   * True when the columns are the fields of a record (an Avro record, a
   * Protobuf message): as a key they keep their field names even when there
   * is only one, as in Materialize (a one-column key is otherwise `key`).
   */
  recordFields?(desc: D): boolean;
  newDecoder(desc: D, runtime: FormatRuntime): Decoder;
}

/** For decoders that need nothing from outside (tests, tools): asking it for a registry is an error. */
export const OFFLINE_FORMAT_RUNTIME: FormatRuntime = {
  schemaRegistry(spec) {
    throw new Error(`no schema registry client is available here (asked for ${spec.url})`);
  },
};
