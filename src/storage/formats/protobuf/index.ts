// FORMAT PROTOBUF: Confluent Schema Registry subjects (Confluent's wire format
// with message indexes) and compiled FileDescriptorSets (USING SCHEMA).
//
// The reader schema is fixed at CREATE SOURCE: purification fetches the
// subject's latest schema with its references, compiles the .proto files and
// stores them as a FileDescriptorSet with the message name (SEED ... SCHEMA
// '\x...' MESSAGE '.pkg.Msg', as Materialize does), so that planning needs
// no network. Each message is decoded with that reader message: Protobuf is
// decoded by field number, so writers that added or removed fields are read
// as the reader's fields. The writer schema id is fetched once per id only to
// check that the message indexes name the reader's message.
import type protobuf from 'protobufjs';
import { SqlError, SqlState } from '../../../repr/errors.js';
import type { Column, Row } from '../../../repr/types.js';
import type { FormatSpec } from '../../../sql/ast.js';
import { SchemaRegistryError, type CsrConnectionSpec, type ResolvedSchema, type SchemaRegistryClient } from '../../schema-registry/api.js';
import type { Decoder, DecodeOutcome, FormatDesc, FormatImpl, FormatRuntime } from '../format.js';
import { MessageConverter, ProtobufDataError, WideReader } from './convert.js';
import {
  compileProtoFiles,
  descriptorSetBytes,
  findMessage,
  messageAtIndexes,
  ProtobufSchemaError,
  rootFromDescriptorSet,
  type ProtoFile,
} from './schema.js';

export { compileProtoFiles, protoFilesToDescriptorSetHex, ProtobufSchemaError, type ProtoFile } from './schema.js';

/** The planned Protobuf format. */
export interface ProtobufFormatDesc extends FormatDesc {
  kind: 'protobuf';
  /** A FileDescriptorSet holding every file the message needs, in hex. */
  descriptorSet: string;
  /** The message, fully qualified ('.pkg.Msg'). */
  message: string;
  /** The registry writer schema ids are looked up in (CSR sources). */
  registry?: CsrConnectionSpec;
  /** Messages start with Confluent's header: magic byte 0, schema id, message indexes. */
  confluentFraming: boolean;
}

type ProtobufSpec = FormatSpec & { kind: 'protobuf' };

const ERROR_PREFIX = 'protobuf deserialization error: ';

// --- compiled schemas (shared by columns(), newDecoder() and planning) ----------

interface CompiledMessage {
  type: protobuf.Type;
  converter: MessageConverter;
}

const compiledCache = new Map<string, CompiledMessage>();
const COMPILED_CACHE_SIZE = 64;

/** The message of a descriptor set, with its columns and converters (cached: planning, columns() and decoders share it). */
function compiledMessage(descriptorSetHex: string, message: string): CompiledMessage {
  const key = `${message}\u0000${descriptorSetHex}`;
  const cached = compiledCache.get(key);
  if (cached) return cached;
  const root = rootFromDescriptorSet(Buffer.from(descriptorSetHex, 'hex'));
  const type = findMessage(root, message);
  const compiled = { type, converter: new MessageConverter(type) };
  if (compiledCache.size >= COMPILED_CACHE_SIZE) compiledCache.delete(compiledCache.keys().next().value!);
  compiledCache.set(key, compiled);
  return compiled;
}

function schemaError(err: unknown, pos: number): unknown {
  if (err instanceof ProtobufSchemaError) {
    const code = err.message.startsWith('Recursive types') ? SqlState.featureNotSupported : SqlState.invalidParameterValue;
    return new SqlError(code, err.message, { position: pos + 1 });
  }
  return err;
}

// --- Confluent framing -----------------------------------------------------------

/**
 * Frames a Protobuf payload as Confluent's serializers do: magic byte 0, the
 * schema id (4 bytes, big-endian), the message indexes (zigzag varints: their
 * count, then each; [0] is written as the single byte 0), then the payload.
 */
export function confluentProtobufFrame(id: number, messageIndexes: readonly number[], payload: Uint8Array): Buffer {
  const indexes: number[] = [];
  const varint = (n: number): void => {
    let z = ((n << 1) ^ (n >> 31)) >>> 0;
    while (z >= 128) {
      indexes.push((z & 127) | 128);
      z >>>= 7;
    }
    indexes.push(z);
  };
  if (messageIndexes.length === 1 && messageIndexes[0] === 0) {
    indexes.push(0);
  } else {
    varint(messageIndexes.length);
    for (const i of messageIndexes) varint(i);
  }
  const out = Buffer.alloc(5 + indexes.length + payload.length);
  out[0] = 0;
  out.writeUInt32BE(id >>> 0, 1);
  out.set(indexes, 5);
  out.set(payload, 5 + indexes.length);
  return out;
}

/** Where the header's varints end, and the indexes they hold. */
interface Header {
  id: number;
  /** The message indexes; [0] when the header holds the single byte 0. */
  indexes: number[] | null;
  payload: number;
}

const ZERO_INDEXES: readonly number[] = [0];

/** Parses Confluent's Protobuf header; a string says what is wrong. */
function parseHeader(bytes: Buffer): Header | string {
  if (bytes.length < 6 || bytes[0] !== 0) {
    return bytes.length > 0 && bytes[0] !== 0
      ? `wrong Confluent-style magic byte ${bytes[0]!}: expected 0 (is the topic written with a schema registry serializer?)`
      : 'message too short for the Confluent-style header (magic byte, schema id, message indexes)';
  }
  const id = bytes.readUInt32BE(1);
  if (bytes[5] === 0) return { id, indexes: null, payload: 6 };
  let pos = 5;
  const readZigzag = (): number | null => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (pos >= bytes.length || shift > 28) return null;
      const b = bytes[pos++]!;
      value |= (b & 127) << shift;
      if (b < 128) break;
      shift += 7;
    }
    return (value >>> 1) ^ -(value & 1);
  };
  const count = readZigzag();
  if (count === null || count < 0 || count > 100) return `invalid message indexes in the Confluent-style header`;
  const indexes: number[] = [];
  for (let i = 0; i < count; i++) {
    const index = readZigzag();
    if (index === null || index < 0) return `invalid message indexes in the Confluent-style header`;
    indexes.push(index);
  }
  return { id, indexes, payload: pos };
}

// --- writer schemas --------------------------------------------------------------

/** What a writer schema id says: the message each index path names, or why it cannot be used. */
type WriterInfo = { error: string } | { messages: readonly protobuf.Type[]; byIndexes: Map<string, string | null>; zero: string | null };

function writerInfo(id: number, schema: ResolvedSchema, readerMessage: string): WriterInfo {
  if (schema.schemaType !== 'PROTOBUF') return { error: `schema id ${id} is a ${schema.schemaType} schema, not Protobuf` };
  const main = `schema-${id}.proto`;
  const files: ProtoFile[] = [...schema.references.map((r) => ({ name: r.name, schema: r.schema })), { name: main, schema: schema.schema }];
  let messages: protobuf.Type[];
  try {
    messages = compileProtoFiles(files).messagesByFile.get(main) ?? [];
  } catch (err) {
    return { error: `schema id ${id} cannot be parsed: ${err instanceof Error ? err.message : String(err)}` };
  }
  const info = { messages, byIndexes: new Map<string, string | null>(), zero: null as string | null };
  info.zero = mismatch(info, id, ZERO_INDEXES, readerMessage);
  return info;
}

/** null when the indexes name the reader's message, else the decode error. */
function mismatch(info: { messages: readonly protobuf.Type[] }, id: number, indexes: readonly number[], readerMessage: string): string | null {
  const type = messageAtIndexes(info.messages, indexes);
  if (!type) return `schema id ${id} has no message at indexes [${indexes.join(', ')}]`;
  if (type.fullName === readerMessage) return null;
  return `message written as ${type.fullName.slice(1)} (schema id ${id}, message indexes [${indexes.join(', ')}]) but the source reads ${readerMessage.slice(1)}`;
}

// --- the decoder -------------------------------------------------------------------

class ProtobufDecoder implements Decoder {
  private readonly reader = new WideReader();
  private readonly type: protobuf.Type;
  private readonly converter: MessageConverter;
  private readonly writers = new Map<number, WriterInfo>();
  private readonly pending = new Map<number, Promise<void>>();
  private client: SchemaRegistryClient | undefined;

  constructor(
    private readonly desc: ProtobufFormatDesc,
    private readonly runtime: FormatRuntime,
  ) {
    const compiled = compiledMessage(desc.descriptorSet, desc.message);
    this.type = compiled.type;
    this.converter = compiled.converter;
    if (desc.confluentFraming) this.prepare = (bytes) => this.prepareWriter(bytes);
  }

  prepare?: (bytes: Buffer) => Promise<void> | null;

  decode(bytes: Buffer, row: Row, at: number): DecodeOutcome {
    let start = 0;
    if (this.desc.confluentFraming) {
      const header = parseHeader(bytes);
      if (typeof header === 'string') return ERROR_PREFIX + header;
      const problem = this.checkWriter(header);
      if (problem !== null) return ERROR_PREFIX + problem;
      start = header.payload;
    }
    const reader = this.reader;
    reader.reset(bytes, start);
    try {
      this.converter.write(this.type.decode(reader) as unknown as Record<string, unknown>, row, at);
      return undefined;
    } catch (err) {
      return ERROR_PREFIX + (err instanceof ProtobufDataError || err instanceof Error ? err.message : String(err));
    } finally {
      reader.release();
    }
  }

  /** null when the writer id is known and its indexes name the reader's message. */
  private checkWriter(header: Header): string | null {
    const info = this.writers.get(header.id);
    if (info === undefined) return `schema id ${header.id} was not looked up in the schema registry`;
    if ('error' in info) return info.error;
    if (header.indexes === null) return info.zero;
    const key = header.indexes.join(',');
    let problem = info.byIndexes.get(key);
    if (problem === undefined) {
      problem = mismatch(info, header.id, header.indexes, this.desc.message);
      info.byIndexes.set(key, problem);
    }
    return problem;
  }

  private prepareWriter(bytes: Buffer): Promise<void> | null {
    if (bytes.length < 5 || bytes[0] !== 0) return null;
    const id = bytes.readUInt32BE(1);
    if (this.writers.has(id)) return null;
    const pending = this.pending.get(id);
    if (pending) return pending;
    const fetch = this.fetchWriter(id);
    this.pending.set(id, fetch);
    return fetch;
  }

  private async fetchWriter(id: number): Promise<void> {
    try {
      if (!this.desc.registry) {
        this.writers.set(id, { error: `schema id ${id}: no schema registry connection` });
        return;
      }
      this.client ??= this.runtime.schemaRegistry(this.desc.registry);
      let schema: ResolvedSchema;
      try {
        schema = await this.client.schemaById(id);
      } catch (err) {
        // Permanent answers (unknown id) become decode errors; anything else may pass: the source retries.
        if (err instanceof SchemaRegistryError && !err.transient) {
          this.writers.set(id, { error: `schema id ${id} not found in the schema registry: ${err.message}` });
          return;
        }
        throw err;
      }
      this.writers.set(id, writerInfo(id, schema, this.desc.message));
    } finally {
      this.pending.delete(id);
    }
  }
}

// --- planning ----------------------------------------------------------------------

function checkOptions(spec: ProtobufSpec): void {
  const option = spec.options[0];
  if (option) {
    throw new SqlError(SqlState.featureNotSupported, `FORMAT PROTOBUF does not support the ${option.name} option`, { position: option.pos + 1 });
  }
}

function seedSchemaText(bytes: Uint8Array): string {
  return `\\x${Buffer.from(bytes).toString('hex')}`;
}

/** FORMAT PROTOBUF [MESSAGE 'm'] USING CONFLUENT SCHEMA REGISTRY CONNECTION c | MESSAGE 'm' USING SCHEMA '\x...'. */
export const protobufFormat: FormatImpl<ProtobufFormatDesc> = {
  kind: 'protobuf',

  async purify(spec, ctx) {
    if (spec.kind !== 'protobuf' || spec.csrConnection === undefined || spec.seed?.[ctx.part]) return;
    checkOptions(spec);
    const registry = ctx.csrConnection(spec.csrConnection);
    const subject = `${ctx.topic}-${ctx.part}`;
    let schema: ResolvedSchema;
    try {
      schema = await ctx.schemaRegistry(registry).latest(subject);
    } catch (err) {
      if (err instanceof SchemaRegistryError) {
        const cause = err.errorCode === 40401 ? 'subject not found' : err.message;
        const code = err.transient ? SqlState.connectionFailure : SqlState.undefinedObject;
        throw new SqlError(code, `failed to fetch schema subject "${subject}" from ccsr: ${cause}`, { position: ctx.pos + 1 });
      }
      throw err;
    }
    if (schema.schemaType !== 'PROTOBUF') {
      throw new SqlError(SqlState.invalidParameterValue, `subject "${subject}" holds a ${schema.schemaType} schema, not a Protobuf schema`, { position: ctx.pos + 1 });
    }
    const main = `${subject}.proto`;
    try {
      const compiled = compileProtoFiles([...schema.references.map((r) => ({ name: r.name, schema: r.schema })), { name: main, schema: schema.schema }]);
      let type: protobuf.Type;
      if (spec.messageName !== undefined) {
        type = findMessage(compiled.root, spec.messageName);
      } else {
        const first = compiled.messagesByFile.get(main)?.[0];
        if (!first) throw new ProtobufSchemaError(`the Protobuf schema of subject "${subject}" has no messages`);
        type = first;
      }
      new MessageConverter(type); // recursive or unsupported types: an error now, at CREATE
      const seedSchema = seedSchemaText(compiled.fileSet);
      spec.seed = { ...spec.seed, [ctx.part]: { schema: seedSchema, message: type.fullName } };
    } catch (err) {
      throw schemaError(err, ctx.pos);
    }
  },

  plan(spec, ctx): ProtobufFormatDesc {
    if (spec.kind !== 'protobuf') throw new Error('protobuf format planned from a non-Protobuf spec');
    checkOptions(spec);
    let schemaText: string;
    let message: string | undefined;
    let registry: CsrConnectionSpec | undefined;
    if (spec.csrConnection !== undefined) {
      const seed = spec.seed?.[ctx.part];
      if (!seed) {
        throw new SqlError(SqlState.internalError, `FORMAT PROTOBUF USING CONFLUENT SCHEMA REGISTRY was not purified (no SEED for the ${ctx.part})`, { position: ctx.pos + 1 });
      }
      registry = ctx.csrConnection(spec.csrConnection);
      schemaText = seed.schema;
      message = seed.message ?? spec.messageName;
    } else {
      if (spec.schema === undefined) {
        // Not from the parser (it requires USING): a FORMAT PROTOBUF without a schema is not supported.
        throw new SqlError(SqlState.featureNotSupported, 'FORMAT PROTOBUF requires USING SCHEMA or USING CONFLUENT SCHEMA REGISTRY', { position: ctx.pos + 1 });
      }
      schemaText = spec.schema;
      message = spec.messageName;
    }
    if (message === undefined) {
      throw new SqlError(SqlState.invalidParameterValue, "FORMAT PROTOBUF USING SCHEMA requires the message: FORMAT PROTOBUF MESSAGE 'pkg.Msg' USING SCHEMA '\\x...'", { position: ctx.pos + 1 });
    }
    let descriptorSet: string;
    try {
      descriptorSet = Buffer.from(descriptorSetBytes(schemaText)).toString('hex');
    } catch (err) {
      throw new SqlError(SqlState.invalidParameterValue, `invalid Protobuf schema: ${err instanceof Error ? err.message : String(err)}`, { position: ctx.pos + 1 });
    }
    let compiled: CompiledMessage;
    try {
      const root = rootFromDescriptorSet(Buffer.from(descriptorSet, 'hex'));
      const fullName = findMessage(root, message).fullName;
      compiled = compiledMessage(descriptorSet, fullName);
    } catch (err) {
      throw schemaError(err, ctx.pos);
    }
    const desc: ProtobufFormatDesc = { kind: 'protobuf', descriptorSet, message: compiled.type.fullName, confluentFraming: registry !== undefined };
    if (registry) desc.registry = registry;
    return desc;
  },

  columns(desc): Column[] {
    return compiledMessage(desc.descriptorSet, desc.message).converter.columns.map((c) => ({ ...c }));
  },

  recordFields(): boolean {
    return true;
  },

  newDecoder(desc, runtime) {
    return new ProtobufDecoder(desc, runtime);
  },
};
