// Purification (Materialize's term): before a source is planned, everything
// it needs from outside — the reader schemas in the schema registry — is
// fetched once and written into the statement as a SEED clause. The catalog
// keeps the purified statement, so replaying it at boot needs no network and
// what the source means never changes behind the user's back; SHOW CREATE
// SOURCE prints it.
import type { FormatSpec, SourceDecoding } from '../sql/ast.js';
import { purifyFormat } from '../storage/formats/index.js';
import type { FormatPurifyContext, MessagePart } from '../storage/formats/format.js';
import { keyDecoded, sourceFormatSpecs } from '../storage/kafka/source-plan.js';
import type { CsrConnectionSpec } from '../storage/schema-registry/api.js';
import type { ExecContext } from './exec-context.js';
import { resolveCsrConnection } from './item-planning.js';

function quote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

type RegistrySpec = FormatSpec & { kind: 'avro' | 'protobuf' };

function isRegistrySpec(spec: FormatSpec | undefined): spec is RegistrySpec {
  return spec !== undefined && (spec.kind === 'avro' || spec.kind === 'protobuf') && spec.csrConnection !== undefined;
}

function seedClause(spec: RegistrySpec): string {
  const side = (part: string, s: { schema: string; message?: string } | undefined): string =>
    s ? ` ${part} SCHEMA ${quote(s.schema)}${s.message !== undefined ? ` MESSAGE ${quote(s.message)}` : ''}` : '';
  return ` SEED${side('KEY', spec.seed?.key)}${side('VALUE', spec.seed?.value)}`;
}

/**
 * Fetches the schemas a source's (or source table's) registry formats need
 * and returns the statement text with their SEED clauses written in. `text`
 * is the statement's text, starting at `offset` of the query that positions
 * in the AST refer to. Formats already seeded (a pasted purified statement)
 * are left as written.
 */
export async function purifyDecoding(exec: ExecContext, decoding: SourceDecoding & { pos: number }, topic: string, text: string, offset: number): Promise<string> {
  const { keySpec, valueSpec } = sourceFormatSpecs(decoding);
  const wanted: [FormatSpec | undefined, MessagePart][] = [[valueSpec, 'value']];
  if (keyDecoded(decoding)) wanted.push([keySpec, 'key']);
  const changed = new Set<RegistrySpec>();
  for (const [spec, part] of wanted) {
    if (!isRegistrySpec(spec) || spec.seed?.[part] !== undefined) continue;
    if (spec.seed !== undefined && !changed.has(spec)) continue; // written by the user: kept as is
    const ctx: FormatPurifyContext = {
      part,
      topic,
      pos: decoding.pos,
      csrConnection: (name) => resolveCsrConnection(exec, name).spec,
      schemaRegistry: (csr: CsrConnectionSpec) => exec.core.schemaRegistries.get(csr),
    };
    await purifyFormat(spec, ctx);
    changed.add(spec);
  }
  // Insert from the end so earlier offsets stay valid.
  const inserts = [...changed].filter((s) => s.endPos !== undefined).sort((a, b) => b.endPos! - a.endPos!);
  let out = text;
  for (const spec of inserts) {
    const at = spec.endPos! - offset;
    out = out.slice(0, at) + seedClause(spec) + out.slice(at);
  }
  return out;
}
