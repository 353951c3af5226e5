// COPY t FROM STDIN (text and csv), COPY t / (query) / (SUBSCRIBE) TO STDOUT.
import { readOnlyTable } from '../plan/dml.js';
import { parse as parseCsv } from 'csv-parse/sync';
import type { CopyStatement } from '../sql/ast.js';
import type { Datum, Row } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { parseText } from '../repr/text.js';
import { planConstantExpr } from '../plan/planner.js';
import type { CopyInSink, CopyTextOptions, ExecuteResult, ResultColumn, RowStream } from './api.js';
import { planContextFor, type ExecContext } from './exec-context.js';
import { resolveItem } from './item-planning.js';
import { checkOptions, optionBool, optionText } from './options.js';
import { evalScalar } from './query.js';
import { streamQuery } from './result-stream.js';
import { checkNotNull, writeOrBuffer } from './dml.js';
import { columnsOf } from './results.js';
import { startSubscribe, subscribeStream } from './subscribe.js';
import { wrongKind } from './ddl.js';

type CopyFormat = 'text' | 'csv' | 'binary';

interface CopyOptions extends CopyTextOptions {
  format: CopyFormat;
}

function copyOptions(stmt: CopyStatement): CopyOptions {
  const options = checkOptions(stmt.options, ['FORMAT', 'DELIMITER', 'NULL', 'HEADER', 'QUOTE', 'ESCAPE', 'CSV', 'BINARY'], 'COPY');
  let format: CopyFormat = 'text';
  const f = options.get('FORMAT');
  if (f) format = (optionText(f) ?? 'text').toLowerCase() as CopyFormat;
  if (options.has('CSV')) format = 'csv';
  if (options.has('BINARY')) format = 'binary';
  if (!['text', 'csv', 'binary'].includes(format)) throw new SqlError(SqlState.invalidParameterValue, `COPY format "${format}" not recognized`);
  const delimiterOpt = options.get('DELIMITER');
  const delimiter = delimiterOpt ? (optionText(delimiterOpt) ?? '') : format === 'csv' ? ',' : '\t';
  if (delimiter.length !== 1) throw new SqlError(SqlState.featureNotSupported, 'COPY delimiter must be a single one-byte character');
  const nullOpt = options.get('NULL');
  const headerOpt = options.get('HEADER');
  const quoteOpt = options.get('QUOTE');
  return {
    format,
    delimiter,
    nullString: nullOpt ? (optionText(nullOpt) ?? '') : format === 'csv' ? '' : '\\N',
    header: headerOpt ? optionBool(headerOpt) : false,
    quote: quoteOpt ? (optionText(quoteOpt) ?? '"') : '"',
  };
}

function textOptions(options: CopyOptions): CopyTextOptions {
  return { delimiter: options.delimiter, nullString: options.nullString, header: options.header, quote: options.quote };
}

export async function copy(exec: ExecContext, stmt: CopyStatement, params: Datum[]): Promise<ExecuteResult> {
  if (stmt.direction === 'from') return copyFrom(exec, stmt);
  const options = copyOptions(stmt);
  const tagOnEnd = (n: number): string => `COPY ${n}`;
  const source = stmt.source;
  if (source.kind === 'subscribe') {
    const active = await startSubscribe(exec, source.subscribe, params);
    return { kind: 'copyOut', columns: active.columns, stream: subscribeStream(active, exec.signal), format: options.format, tagOnEnd, options: textOptions(options) };
  }
  let columns: ResultColumn[];
  let stream: RowStream;
  if (source.kind === 'query') {
    // Computed batch by batch as the client reads (result-stream.ts).
    ({ columns, stream } = streamQuery(exec, source.query, params));
  } else {
    const item = resolveItem(exec, source.name);
    if (!item.desc || item.kind === 'index') throw wrongKind(item, 'relation');
    const all = streamQuery(exec, tableQuery(source.name), []);
    const picks = source.columns.length > 0 ? source.columns.map((c) => columnIndex(item.desc!.columns, c)) : item.desc.columns.map((_c, i) => i);
    columns = picks.map((i) => all.columns[i]!);
    stream = mapStream(all.stream, (r) => picks.map((i) => r[i] ?? null));
  }
  return { kind: 'copyOut', columns, stream, format: options.format, tagOnEnd, options: textOptions(options) };
}

function mapStream(stream: RowStream, f: (row: Row) => Row): RowStream {
  return {
    next: async () => {
      const rows = await stream.next();
      return rows === null ? null : rows.map(f);
    },
    close: () => stream.close(),
  };
}

function tableQuery(name: { parts: string[]; pos: number }): import('../sql/ast.js').Query {
  return {
    kind: 'query',
    pos: name.pos,
    with: [],
    orderBy: [],
    body: { kind: 'select', pos: name.pos, projection: [{ kind: 'wildcard', pos: name.pos }], from: [{ kind: 'table', name, pos: name.pos }], groupBy: [] },
  };
}

function columnIndex(columns: { name: string }[], name: string): number {
  const i = columns.findIndex((c) => c.name === name);
  if (i < 0) throw new SqlError(SqlState.undefinedColumn, `column "${name}" does not exist`);
  return i;
}

function copyFrom(exec: ExecContext, stmt: CopyStatement): ExecuteResult {
  const source = stmt.source;
  if (source.kind !== 'table') throw new SqlError(SqlState.featureNotSupported, 'COPY FROM requires a table');
  const options = copyOptions(stmt);
  if (options.format === 'binary') throw new SqlError(SqlState.featureNotSupported, 'COPY FROM with FORMAT BINARY is not supported');
  const item = resolveItem(exec, source.name);
  if (item.kind !== 'table' || !item.desc) throw wrongKind(item, 'table');
  if (item.source) throw readOnlyTable(item.name, 'copy into');
  const desc = item.desc;
  const targets = source.columns.length > 0 ? source.columns.map((c) => columnIndex(desc.columns, c)) : desc.columns.map((_c, i) => i);
  // Columns not listed get their DEFAULT (or NULL), evaluated once.
  const ctx = planContextFor(exec, []);
  const fill: Datum[] = desc.columns.map((_c, i) => {
    const def = item.table?.defaults[i];
    return def && !targets.includes(i) ? evalScalar(exec.core.compute, planConstantExpr(def, ctx)) : null;
  });
  const chunks: Buffer[] = [];
  const sink: CopyInSink = {
    write: (chunk) => {
      chunks.push(Buffer.from(chunk));
    },
    abort: () => {
      chunks.length = 0;
    },
    finish: async () => {
      const input = Buffer.concat(chunks).toString('utf8');
      const records = options.format === 'csv' ? csvRecords(input, options) : textRecords(input, options);
      const timeZone = exec.vars.get('TimeZone');
      const rows: Row[] = records.map((fields, line) => {
        if (fields.length !== targets.length) {
          throw new SqlError(SqlState.badCopyFileFormat, fields.length < targets.length ? 'missing data for column' : 'extra data after last expected column', {
            detail: `COPY ${item.name}, line ${line + 1}`,
          });
        }
        const row = [...fill];
        targets.forEach((col, j) => {
          const f = fields[j]!;
          row[col] = f === null ? null : parseText(f, desc.columns[col]!.type, { timeZone });
        });
        return row;
      });
      checkNotNull({ name: item.name, desc }, rows);
      await writeOrBuffer(exec, item.id, rows.map((row) => ({ row, diff: 1 })));
      return `COPY ${rows.length}`;
    },
  };
  return { kind: 'copyIn', columns: columnsOf({ columns: targets.map((i) => desc.columns[i]!) }), sink, format: options.format };
}

const TEXT_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function unescapeText(field: string): string {
  return field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return TEXT_ESCAPES[e] ?? e;
  });
}

/** PostgreSQL's text COPY format: one line per row, delimiter-separated, backslash escapes, \N for NULL. */
export function textRecords(input: string, options: CopyOptions): (string | null)[][] {
  const lines = input.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const out: (string | null)[][] = [];
  for (let i = options.header ? 1 : 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '\\.') break;
    const fields: string[] = [];
    let current = '';
    for (let j = 0; j < line.length; j++) {
      const ch = line[j]!;
      if (ch === '\\' && j + 1 < line.length) {
        current += ch + line[++j]!;
      } else if (ch === options.delimiter) {
        fields.push(current);
        current = '';
      } else {
        current += ch;
      }
    }
    fields.push(current);
    out.push(fields.map((f) => (f === options.nullString ? null : unescapeText(f))));
  }
  return out;
}

function csvRecords(input: string, options: CopyOptions): (string | null)[][] {
  const body = input.replace(/(^|\n)\\\.\r?\n?$/, '$1');
  const records = parseCsv(body, {
    delimiter: options.delimiter,
    quote: options.quote,
    relax_column_count: true,
    from_line: options.header ? 2 : 1,
    // Keep the quoting information: an unquoted empty field is NULL, a quoted one is ''.
    cast: (value: string, context: { quoting: boolean }) => (!context.quoting && value === options.nullString ? null : value),
  }) as (string | null)[][];
  return records;
}
