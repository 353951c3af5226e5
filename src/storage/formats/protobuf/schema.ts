// Protobuf schemas: .proto texts (from a schema registry) and compiled
// FileDescriptorSets (USING SCHEMA '\x...', and what purification stores) to
// one resolved protobufjs Root, and back to a FileDescriptorSet.
//
// protobufjs's own Root#toDescriptor groups types by package and writes one
// syntax for all of them (proto2's `required` and defaults are lost); here
// each .proto file becomes its own FileDescriptorProto with its own syntax,
// package and dependencies, so proto2 and proto3 files mix exactly.
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor.js';
import { parseBytea } from '../../../repr/scalar-text.js';

/** A schema that cannot be used (does not parse, names an unknown type, is recursive, ...). */
export class ProtobufSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufSchemaError';
  }
}

/** One .proto file: its import path and its text. */
export interface ProtoFile {
  name: string;
  schema: string;
}

/** A set of .proto files parsed into one resolved Root. */
export interface CompiledProtoFiles {
  root: protobuf.Root;
  /** Each file's top-level messages, in declaration order (what Confluent's message indexes count). */
  messagesByFile: Map<string, protobuf.Type[]>;
}

type Edition = 'proto2' | 'proto3' | '2023' | '2024';

interface FileInfo {
  name: string;
  package: string;
  edition: Edition;
  dependencies: string[];
  /** Top-level messages, enums and extensions, in declaration order. */
  objects: protobuf.ReflectionObject[];
}

const WELL_KNOWN_PREFIX = 'google/protobuf/';

function editionOf(text: string): Edition {
  const syntax = /^\s*syntax\s*=\s*["'](proto[23])["']\s*;/m.exec(text);
  if (syntax) return syntax[1] as Edition;
  const edition = /^\s*edition\s*=\s*["'](\d+)["']\s*;/m.exec(text);
  if (edition && (edition[1] === '2023' || edition[1] === '2024')) return edition[1];
  return 'proto2';
}

/** Top-level objects (messages, enums, extension fields) under `ns`, skipping into packages but not into messages. */
function collectTopLevel(ns: protobuf.NamespaceBase, out: protobuf.ReflectionObject[]): void {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type || nested instanceof protobuf.Enum || nested instanceof protobuf.Field) out.push(nested);
    else if (nested instanceof protobuf.Namespace && !(nested instanceof protobuf.Service)) collectTopLevel(nested, out);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

class FileSetBuilder {
  readonly root = new protobuf.Root();
  readonly files: FileInfo[] = [];
  private readonly owned = new Set<protobuf.ReflectionObject>();
  private readonly names = new Set<string>();

  /** Marks the top-level objects no file owns yet as `file`'s. */
  private claim(file: FileInfo): void {
    const all: protobuf.ReflectionObject[] = [];
    collectTopLevel(this.root, all);
    for (const obj of all) {
      if (this.owned.has(obj)) continue;
      this.owned.add(obj);
      file.objects.push(obj);
    }
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  addText(file: ProtoFile): void {
    let parsed: protobuf.IParserResult;
    try {
      parsed = protobuf.parse(file.schema, this.root, { keepCase: true });
    } catch (err) {
      throw new ProtobufSchemaError(`invalid Protobuf schema ${file.name}: ${message(err)}`);
    }
    const info: FileInfo = {
      name: file.name,
      package: parsed.package ?? '',
      edition: editionOf(file.schema),
      dependencies: [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])],
      objects: [],
    };
    this.names.add(file.name);
    this.claim(info);
    this.files.push(info);
  }

  /** Adds google/protobuf/*.proto files imported but not provided (protobufjs bundles them). */
  addWellKnown(imports: readonly string[]): void {
    for (const name of imports) {
      if (this.names.has(name) || !name.startsWith(WELL_KNOWN_PREFIX)) continue;
      const json = protobuf.common.get(name);
      if (!json) continue;
      this.root.addJSON(json.nested ?? {});
      const info: FileInfo = { name, package: 'google.protobuf', edition: 'proto3', dependencies: [], objects: [] };
      this.names.add(name);
      this.claim(info);
      this.files.push(info);
    }
  }

  resolve(): void {
    try {
      this.root.resolveAll();
    } catch (err) {
      throw new ProtobufSchemaError(`invalid Protobuf schema: ${message(err)}`);
    }
  }
}

/**
 * Parses .proto files (dependencies first is customary but not required) into
 * one resolved Root. Imports of google/protobuf/*.proto well-known types that
 * are not among `files` are provided. Field names keep their case.
 */
export function compileProtoFiles(files: readonly ProtoFile[]): CompiledProtoFiles & { fileSet: Uint8Array } {
  const builder = new FileSetBuilder();
  for (const file of files) {
    if (builder.has(file.name)) continue;
    builder.addText(file);
  }
  for (const file of [...builder.files]) builder.addWellKnown(file.dependencies);
  builder.resolve();
  const messagesByFile = new Map<string, protobuf.Type[]>();
  for (const f of builder.files) messagesByFile.set(f.name, f.objects.filter((o): o is protobuf.Type => o instanceof protobuf.Type));
  return { root: builder.root, messagesByFile, fileSet: encodeFileSet(builder.files) };
}

function encodeFileSet(files: readonly FileInfo[]): Uint8Array {
  const set = descriptor.FileDescriptorSet.create({ file: [] }) as protobuf.Message & descriptor.IFileDescriptorSet;
  const out: descriptor.IFileDescriptorProto[] = [];
  for (const f of files) {
    const file: descriptor.IFileDescriptorProto = {
      name: f.name,
      dependency: f.dependencies,
      messageType: [],
      enumType: [],
      extension: [],
    };
    if (f.package !== '') file.package = f.package;
    if (f.edition === 'proto2' || f.edition === 'proto3') {
      file.syntax = f.edition;
    } else {
      file.syntax = 'editions';
      file.edition = f.edition === '2023' ? 1000 : 1001; // Edition.EDITION_2023, EDITION_2024
    }
    for (const obj of f.objects) {
      if (obj instanceof protobuf.Type) file.messageType!.push(obj.toDescriptor(f.edition));
      else if (obj instanceof protobuf.Enum) file.enumType!.push(obj.toDescriptor());
      else if (obj instanceof protobuf.Field) file.extension!.push(obj.toDescriptor(f.edition));
    }
    out.push(file);
  }
  set.file = out;
  return descriptor.FileDescriptorSet.encode(set).finish();
}

/** Compiles .proto texts into a FileDescriptorSet, as lower-case hex (what `USING SCHEMA '\x...'` takes after the `\x`). */
export function protoFilesToDescriptorSetHex(files: readonly ProtoFile[] | string): string {
  const list = typeof files === 'string' ? [{ name: 'schema.proto', schema: files }] : files;
  return Buffer.from(compileProtoFiles(list).fileSet).toString('hex');
}

/** A schema literal or seed: `\x0a...` (bytea hex), plain hex, or bytea escape text. */
export function descriptorSetBytes(text: string): Uint8Array {
  if (text.startsWith('\\x')) return parseBytea(text);
  if (/^(?:[0-9a-fA-F]{2})+$/.test(text)) return Buffer.from(text, 'hex');
  return parseBytea(text);
}

/** Reads a FileDescriptorSet (as protoc --include_imports -o writes it) into a resolved Root. */
export function rootFromDescriptorSet(bytes: Uint8Array): protobuf.Root {
  try {
    return protobuf.Root.fromDescriptor(bytes, { keepCase: true });
  } catch (err) {
    throw new ProtobufSchemaError(`invalid FileDescriptorSet: ${message(err)}`);
  }
}

/** Every message type under `ns`, nested ones included. */
export function allMessages(ns: protobuf.NamespaceBase, out: protobuf.Type[] = []): protobuf.Type[] {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) out.push(nested);
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) allMessages(nested, out);
  }
  return out;
}

/** '.pkg.Msg' for 'pkg.Msg' or '.pkg.Msg'. */
export function qualifiedName(name: string): string {
  return name.startsWith('.') ? name : `.${name}`;
}

/**
 * The message a name designates: its fully qualified name ('pkg.Msg' or
 * '.pkg.Msg'), or a name that ends exactly one message's full name (a message
 * name without its package, as some tools write it).
 */
export function findMessage(root: protobuf.Root, name: string): protobuf.Type {
  const full = qualifiedName(name);
  const all = allMessages(root);
  const exact = all.find((t) => t.fullName === full);
  if (exact) return exact;
  const suffix = all.filter((t) => t.fullName.endsWith(`.${name.replace(/^\./, '')}`));
  if (suffix.length === 1) return suffix[0]!;
  throw new ProtobufSchemaError(`protobuf message "${name.replace(/^\./, '')}" not found in file descriptor set`);
}

/**
 * The message Confluent's message indexes name in a file: [i] the file's i-th
 * top-level message, [i, j] that message's j-th nested message, and so on.
 */
export function messageAtIndexes(topLevel: readonly protobuf.Type[], indexes: readonly number[]): protobuf.Type | undefined {
  let type = topLevel[indexes[0] ?? 0];
  for (let i = 1; i < indexes.length && type; i++) {
    type = type.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type)[indexes[i]!];
  }
  return type;
}
