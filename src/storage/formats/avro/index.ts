// FORMAT AVRO: Confluent-framed Avro (magic byte 0, 4-byte big-endian schema
// id, Avro binary), read with a reader schema fixed at CREATE SOURCE.
//
// - purify (CREATE SOURCE, online): picks the reader schema from the registry
//   by strategy (LATEST of `<topic>-<key|value>`, ID n, INLINE '...'), inlines
//   its references and records it as the statement's SEED.
// - plan (offline): checks the schema maps to columns; the desc holds the
//   self-contained reader schema, so a restart needs no registry.
// - decoder: each writer schema (by id) is fetched once by prepare(), then
//   resolved to the reader by Avro's rules with avsc; decode runs avsc and the
//   converters compiled once from the reader schema.
import type avro from 'avsc';
import { SqlError, SqlState } from '../../../repr/errors.js';
import type { Column, Datum, Row } from '../../../repr/types.js';
import type { FormatSpec, SqlOption } from '../../../sql/ast.js';
import { collectOptions, integerOption, stringOption } from '../../kafka/options.js';
import { SchemaRegistryError, type CsrConnectionSpec, type ResolvedSchema, type SchemaRegistryClient } from '../../schema-registry/api.js';
import type { Decoder, DecodeOutcome, FormatDesc, FormatImpl, FormatPlanContext, FormatPurifyContext, FormatRuntime, MessagePart } from '../format.js';
import { avroType, newTap, type Readable, type Tap } from './avsc-types.js';
import { compileReaderSchema, fillFields, inlineReferences, parseSchemaJson, type ReaderPlan } from './schema.js';

export { avroType } from './avsc-types.js';
export { compileReaderSchema, inlineReferences } from './schema.js';

/** The planned Avro format. */
export interface AvroFormatDesc extends FormatDesc {
  kind: 'avro';
  /** The reader schema: self-contained JSON (references inlined). */
  readerSchema: string;
  /** The registry writer schemas are fetched from (by the id each message carries). */
  registry?: CsrConnectionSpec;
  /** Messages start with Confluent's 5-byte header (magic 0, schema id). */
  confluentFraming: boolean;
}

type AvroSpec = FormatSpec & { kind: 'avro' };
type AvroResolver = ReturnType<avro.Type['createResolver']>;

/** Prefix of every Avro decode error (the caller adds "Decode error: "). */
const ERROR_PREFIX = 'avro deserialization error: ';

/** Confluent's wire format: magic byte 0, the schema id (4 bytes, big-endian), the payload. */
export function confluentFrame(id: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(0, 0);
  header.writeInt32BE(id, 1);
  return Buffer.concat([header, payload]);
}

// ---------------------------------------------------------------------------
// Compiled reader schemas (shared by columns() and every decoder of a schema)

interface CompiledReader {
  type: avro.Type;
  plan: ReaderPlan;
}

const compiledReaders = new Map<string, CompiledReader>();

/** Parses and compiles a reader schema; SqlError for an invalid or unsupported one. */
function compileReader(readerSchema: string): CompiledReader {
  const cached = compiledReaders.get(readerSchema);
  if (cached) return cached;
  const json = parseSchemaJson(readerSchema);
  let type: avro.Type;
  try {
    type = avroType(json);
  } catch (err) {
    throw new SqlError(SqlState.dataException, `invalid Avro schema: ${err instanceof Error ? err.message : String(err)}`);
  }
  const compiled = { type, plan: compileReaderSchema(json) };
  if (compiledReaders.size > 1000) compiledReaders.clear();
  compiledReaders.set(readerSchema, compiled);
  return compiled;
}

// ---------------------------------------------------------------------------
// Purification and planning

/** A subject (or id) the registry does not have: CREATE SOURCE fails with this (Materialize: "No value schema found"). */
export class AvroSchemaNotFoundError extends SqlError {
  constructor(
    readonly part: MessagePart,
    message: string,
    lookup: string,
  ) {
    super(SqlState.undefinedObject, message, { detail: `The schema registry has no schema for ${lookup}.` });
  }
}

type Strategy = { kind: 'latest' } | { kind: 'id'; id: number } | { kind: 'inline'; schema: string };

function strategyOf(spec: AvroSpec, part: MessagePart): Strategy {
  const options = collectOptions(spec.options, ['KEY STRATEGY', 'VALUE STRATEGY'], 'CONFLUENT SCHEMA REGISTRY');
  const option = options.get(part === 'key' ? 'KEY STRATEGY' : 'VALUE STRATEGY');
  if (!option) return { kind: 'latest' };
  const value = option.value;
  if (value?.kind === 'ident' && value.name === 'latest') return { kind: 'latest' };
  if (value?.kind === 'sequence' && value.items.length === 2 && value.items[0]!.kind === 'ident') {
    const argument: SqlOption = { name: option.name, value: value.items[1]!, pos: option.pos };
    if (value.items[0]!.name === 'id') {
      const id = integerOption(argument);
      if (id < 0n || id > 2147483647n) throw new SqlError(SqlState.invalidParameterValue, `invalid ${option.name}: schema id ${id} is out of range`, { position: option.pos + 1 });
      return { kind: 'id', id: Number(id) };
    }
    if (value.items[0]!.name === 'inline') return { kind: 'inline', schema: stringOption(argument) };
  }
  throw new SqlError(SqlState.syntaxError, `invalid ${option.name}: expected LATEST, ID n or INLINE '...'`, { position: option.pos + 1 });
}

function registryFailure(err: unknown, lookup: string): SqlError {
  if (err instanceof SchemaRegistryError) {
    // The client's messages name the registry ("schema registry at <url>: ...").
    const from = err.message.startsWith('schema registry') ? err.message : `schema registry: ${err.message}`;
    return new SqlError(err.transient ? SqlState.connectionFailure : SqlState.dataException, `failed to fetch schema ${lookup} from ${from}`);
  }
  if (err instanceof SqlError) return err;
  return new SqlError(SqlState.connectionFailure, `failed to fetch schema ${lookup} from schema registry: ${err instanceof Error ? err.message : String(err)}`);
}

/** The reader schema for one part of a CSR format, self-contained, or a SqlError. */
async function fetchReaderSchema(client: SchemaRegistryClient, strategy: Strategy, subject: string, part: MessagePart): Promise<string> {
  if (strategy.kind === 'inline') return strategy.schema;
  const lookup = strategy.kind === 'latest' ? `subject "${subject}"` : `ID ${strategy.id}`;
  let resolved: ResolvedSchema;
  try {
    resolved = strategy.kind === 'latest' ? await client.latest(subject) : await client.schemaById(strategy.id);
  } catch (err) {
    const notFound = err instanceof SchemaRegistryError && (err.errorCode === 40401 || err.errorCode === 40403 || err.errorCode === 40402);
    if (notFound) {
      throw new AvroSchemaNotFoundError(part, `No ${part} schema found`, lookup);
    }
    throw registryFailure(err, lookup);
  }
  if (resolved.schemaType !== 'AVRO') {
    throw new SqlError(SqlState.dataException, `schema ${lookup} is a ${resolved.schemaType} schema, not an Avro schema`);
  }
  return inlineReferences(resolved.schema, resolved.references);
}

function checkSpec(spec: FormatSpec): AvroSpec {
  if (spec.kind !== 'avro') throw new Error(`avro format planned from a ${spec.kind} spec`);
  return spec;
}

/** FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION c [strategies] | USING SCHEMA '...'. */
export const avroFormat: FormatImpl<AvroFormatDesc> = {
  kind: 'avro',

  async purify(spec: FormatSpec, ctx: FormatPurifyContext): Promise<void> {
    const avroSpec = checkSpec(spec);
    if (avroSpec.csrConnection === undefined || avroSpec.seed?.[ctx.part] !== undefined) return;
    const strategy = strategyOf(avroSpec, ctx.part);
    const connection = ctx.csrConnection(avroSpec.csrConnection);
    const subject = `${ctx.topic}-${ctx.part}`;
    const schema = strategy.kind === 'inline' ? strategy.schema : await fetchReaderSchema(ctx.schemaRegistry(connection), strategy, subject, ctx.part);
    compileReader(schema); // a schema we cannot read fails CREATE here
    avroSpec.seed = { ...avroSpec.seed, [ctx.part]: { schema } };
  },

  plan(spec: FormatSpec, ctx: FormatPlanContext): AvroFormatDesc {
    const avroSpec = checkSpec(spec);
    const at = <T extends SqlError>(err: T): T => {
      if (err.position === undefined) err.position = ctx.pos + 1;
      return err;
    };
    let desc: AvroFormatDesc;
    if (avroSpec.csrConnection !== undefined) {
      strategyOf(avroSpec, ctx.part); // options are checked even when seeded
      const seeded = avroSpec.seed?.[ctx.part];
      if (!seeded) throw new SqlError(SqlState.internalError, `internal error: the ${ctx.part} schema of FORMAT AVRO was not fixed at CREATE (purification must run first)`);
      desc = { kind: 'avro', readerSchema: seeded.schema, registry: ctx.csrConnection(avroSpec.csrConnection), confluentFraming: true };
    } else if (avroSpec.schema !== undefined) {
      desc = { kind: 'avro', readerSchema: avroSpec.schema, confluentFraming: true };
    } else {
      throw at(new SqlError(SqlState.syntaxError, 'FORMAT AVRO requires USING CONFLUENT SCHEMA REGISTRY CONNECTION or USING SCHEMA'));
    }
    try {
      compileReader(desc.readerSchema);
    } catch (err) {
      throw err instanceof SqlError ? at(err) : err;
    }
    return desc;
  },

  columns(desc: AvroFormatDesc): Column[] {
    return compileReader(desc.readerSchema).plan.columns.map((c) => ({ ...c }));
  },

  recordFields(desc: AvroFormatDesc): boolean {
    return compileReader(desc.readerSchema).plan.topLevelRecord;
  },

  newDecoder(desc: AvroFormatDesc, runtime: FormatRuntime): Decoder {
    return new AvroDecoder(desc, runtime);
  },
};

// ---------------------------------------------------------------------------
// Decoding

/** What a writer schema id gives: a resolver to the reader (undefined: same schema), or why it cannot be used. */
type WriterEntry = { resolver: AvroResolver | undefined; error: undefined } | { resolver: undefined; error: string };

const SAME_AS_READER: WriterEntry = { resolver: undefined, error: undefined };

class AvroDecoder implements Decoder {
  private readonly reader: avro.Type;
  private readonly plan: ReaderPlan;
  private readonly whole: boolean;
  private readonly framing: boolean;
  private readonly registry: CsrConnectionSpec | undefined;
  private readonly writers = new Map<number, WriterEntry>();
  private readonly fetching = new Map<number, Promise<void>>();
  private client: SchemaRegistryClient | undefined;
  private lastId = -1;
  private lastEntry: WriterEntry = SAME_AS_READER;
  private readonly tap: Tap = newTap();
  private static readonly EMPTY = Buffer.alloc(0);

  constructor(
    desc: AvroFormatDesc,
    private readonly runtime: FormatRuntime,
  ) {
    const compiled = compileReader(desc.readerSchema);
    this.reader = compiled.type;
    this.plan = compiled.plan;
    this.whole = !compiled.plan.topLevelRecord;
    this.framing = desc.confluentFraming;
    this.registry = desc.registry;
  }

  prepare(bytes: Buffer): Promise<void> | null {
    if (this.registry === undefined || bytes.length < 5 || bytes[0] !== 0) return null;
    const id = bytes.readInt32BE(1);
    if (id === this.lastId || this.writers.has(id)) return null;
    let pending = this.fetching.get(id);
    if (pending === undefined) {
      pending = this.fetchWriter(id).finally(() => this.fetching.delete(id));
      this.fetching.set(id, pending);
    }
    return pending;
  }

  private async fetchWriter(id: number): Promise<void> {
    this.client ??= this.runtime.schemaRegistry(this.registry!);
    let schema: ResolvedSchema;
    try {
      schema = await this.client.schemaById(id);
    } catch (err) {
      if (err instanceof SchemaRegistryError && !err.transient) {
        this.writers.set(id, { resolver: undefined, error: `${ERROR_PREFIX}failed to resolve Avro schema (id = ${id}): ${err.message}` });
        return;
      }
      throw err;
    }
    this.writers.set(id, this.resolveWriter(id, schema));
  }

  private resolveWriter(id: number, schema: ResolvedSchema): WriterEntry {
    const fail = (why: string): WriterEntry => ({ resolver: undefined, error: `${ERROR_PREFIX}failed to resolve Avro schema (id = ${id}): ${why}` });
    if (schema.schemaType !== 'AVRO') return fail(`it is a ${schema.schemaType} schema`);
    let writer: avro.Type;
    try {
      writer = avroType(parseSchemaJson(inlineReferences(schema.schema, schema.references)));
    } catch (err) {
      return fail(`invalid writer schema: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (writer.equals(this.reader)) return SAME_AS_READER;
    try {
      return { resolver: this.reader.createResolver(writer), error: undefined };
    } catch (err) {
      return fail(`writer schema is incompatible with the reader schema: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  decode(bytes: Buffer, row: Row, at: number): DecodeOutcome {
    let pos = 0;
    let resolver: AvroResolver | undefined;
    if (this.framing) {
      if (bytes.length < 5) return `${ERROR_PREFIX}Confluent-style avro datum is too few bytes: expected at least 5 bytes, got ${bytes.length}`;
      if (bytes[0] !== 0) return `${ERROR_PREFIX}wrong Confluent-style avro serialization magic: expected 0, got ${bytes[0]}`;
      pos = 5;
      if (this.registry !== undefined) {
        const id = bytes.readInt32BE(1);
        let entry: WriterEntry | undefined;
        if (id === this.lastId) {
          entry = this.lastEntry;
        } else {
          entry = this.writers.get(id);
          if (entry === undefined) return `${ERROR_PREFIX}the writer schema (id = ${id}) was not fetched before decoding`;
          this.lastId = id;
          this.lastEntry = entry;
        }
        if (entry.error !== undefined) return entry.error;
        resolver = entry.resolver;
      }
    }
    // What Type#decode does, on one reused cursor (no cursor or result object per message).
    const tap = this.tap;
    tap.buf = bytes;
    tap.pos = pos;
    try {
      const value = ((resolver as Readable | undefined) ?? (this.reader as unknown as Readable))._read(tap);
      const offset = tap.pos;
      if (offset > bytes.length) return `${ERROR_PREFIX}unexpected end of message (${bytes.length - pos} bytes of Avro)`;
      if (offset !== bytes.length) return `${ERROR_PREFIX}unexpected bytes remaining after the datum (${bytes.length - offset} of ${bytes.length - pos})`;
      fillFields(this.plan.fields, value, row as Datum[], at, this.whole);
      return undefined;
    } catch (err) {
      return `${ERROR_PREFIX}${err instanceof Error ? err.message : String(err)}`;
    } finally {
      tap.buf = AvroDecoder.EMPTY;
    }
  }
}
