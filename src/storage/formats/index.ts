// The registry of formats: FORMAT keyword -> implementation. A new format is
// one module implementing FormatImpl and one line here; nothing else in the
// tree switches on format kinds.
import { SqlError, SqlState } from '../../repr/errors.js';
import type { FormatSpec } from '../../sql/ast.js';
import type { Column } from '../../repr/types.js';
import type { Decoder, FormatDesc, FormatImpl, FormatPlanContext, FormatPurifyContext, FormatRuntime } from './format.js';
import { bytesFormat, textFormat } from './text.js';
import { jsonFormat } from './json.js';
import { csvFormat } from './csv.js';
import { avroFormat } from './avro/index.js';
import { protobufFormat } from './protobuf/index.js';

const formats = new Map<string, FormatImpl>();

/** Registers a format under its kind (its FORMAT keyword). */
export function registerFormat<D extends FormatDesc>(impl: FormatImpl<D>): void {
  formats.set(impl.kind, impl as unknown as FormatImpl);
}

for (const impl of [textFormat, bytesFormat, jsonFormat, csvFormat as unknown as FormatImpl, avroFormat as unknown as FormatImpl, protobufFormat as unknown as FormatImpl]) registerFormat(impl);

function formatFor(kind: string, pos?: number): FormatImpl {
  const impl = formats.get(kind);
  if (!impl) {
    throw new SqlError(SqlState.featureNotSupported, `FORMAT ${kind.toUpperCase()} is not yet supported`, pos === undefined ? {} : { position: pos + 1 });
  }
  return impl;
}

/** Contacts the outside world (schema registry) once for a FORMAT clause, recording the result in `spec`. */
export async function purifyFormat(spec: FormatSpec, ctx: FormatPurifyContext): Promise<void> {
  await formatFor(spec.kind, ctx.pos).purify?.(spec, ctx);
}

export function planFormat(spec: FormatSpec, ctx: FormatPlanContext): FormatDesc {
  return formatFor(spec.kind, ctx.pos).plan(spec, ctx);
}

export function formatColumns(desc: FormatDesc): Column[] {
  return formatFor(desc.kind).columns(desc);
}

/** The format's columns are a record's fields (see FormatImpl.recordFields). */
export function formatHasRecordFields(desc: FormatDesc): boolean {
  return formatFor(desc.kind).recordFields?.(desc) ?? false;
}

export function newFormatDecoder(desc: FormatDesc, runtime: FormatRuntime): Decoder {
  return formatFor(desc.kind).newDecoder(desc, runtime);
}

export type { Decoder, DecodeOutcome, FormatDesc, FormatImpl, FormatRuntime } from './format.js';
export { SKIP_MESSAGE } from './format.js';
