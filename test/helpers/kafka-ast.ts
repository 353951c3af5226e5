// Builders for the AST of Kafka CREATE CONNECTION / CREATE SOURCE statements,
// so storage tests do not depend on the parser.
import type { CreateConnectionStatement, CreateSourceStatement, Envelope, FormatSpec, IncludeItem, OptionValue, SqlOption } from '../../src/sql/ast.js';

export const str = (value: string): OptionValue => ({ kind: 'value', expr: { kind: 'literal', value: { type: 'string', value }, pos: 0 } });
export const num = (n: number | bigint): OptionValue => {
  const literal: OptionValue = { kind: 'value', expr: { kind: 'literal', value: { type: 'number', text: String(n < 0 ? -n : n) }, pos: 0 } };
  if (n >= 0 || literal.kind !== 'value') return literal;
  return { kind: 'value', expr: { kind: 'unary', op: '-', expr: literal.expr, pos: 0 } };
};
export const ident = (name: string): OptionValue => ({ kind: 'ident', name });
export const secret = (name: string): OptionValue => ({ kind: 'secret', name: { parts: [name], pos: 0 } });
export const list = (...items: OptionValue[]): OptionValue => ({ kind: 'sequence', items });
export const opt = (name: string, value?: OptionValue): SqlOption => (value ? { name, value, pos: 10 } : { name, pos: 10 });

export function kafkaConnection(...options: SqlOption[]): CreateConnectionStatement {
  return { kind: 'createConnection', name: { parts: ['k'], pos: 18 }, ifNotExists: false, connectionType: 'kafka', options, withOptions: [], pos: 0 };
}

export interface SourceParts {
  topic?: string;
  options?: SqlOption[];
  columnNames?: string[];
  format?: FormatSpec;
  keyFormat?: FormatSpec;
  valueFormat?: FormatSpec;
  include?: IncludeItem[];
  envelope?: Envelope;
}

export function kafkaSource(parts: SourceParts): CreateSourceStatement {
  const options = [...(parts.topic === undefined ? [] : [opt('TOPIC', str(parts.topic))]), ...(parts.options ?? [])];
  const stmt: CreateSourceStatement = {
    kind: 'createSource',
    name: { parts: ['s'], pos: 14 },
    ifNotExists: false,
    columnNames: parts.columnNames ?? [],
    connector: { kind: 'kafka', connection: { parts: ['k'], pos: 40 }, options },
    include: parts.include ?? [],
    withOptions: [],
    pos: 0,
  };
  if (parts.format) stmt.format = parts.format;
  if (parts.keyFormat) stmt.keyFormat = parts.keyFormat;
  if (parts.valueFormat) stmt.valueFormat = parts.valueFormat;
  if (parts.envelope) stmt.envelope = parts.envelope;
  return stmt;
}

export const include = {
  key: (alias?: string): IncludeItem => (alias ? { kind: 'key', alias, pos: 60 } : { kind: 'key', pos: 60 }),
  partition: (alias?: string): IncludeItem => (alias ? { kind: 'partition', alias, pos: 60 } : { kind: 'partition', pos: 60 }),
  offset: (alias?: string): IncludeItem => (alias ? { kind: 'offset', alias, pos: 60 } : { kind: 'offset', pos: 60 }),
  timestamp: (alias?: string): IncludeItem => (alias ? { kind: 'timestamp', alias, pos: 60 } : { kind: 'timestamp', pos: 60 }),
  headers: (alias?: string): IncludeItem => (alias ? { kind: 'headers', alias, pos: 60 } : { kind: 'headers', pos: 60 }),
  header: (key: string, alias: string, bytes = false): IncludeItem => ({ kind: 'header', key, alias, bytes, pos: 60 }),
};

export const csv = (columnCount: number, header?: string[], delimiter = ','): FormatSpec =>
  header ? { kind: 'csv', columnCount, header, delimiter } : { kind: 'csv', columnCount, delimiter };
