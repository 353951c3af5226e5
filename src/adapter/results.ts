// Small builders for ExecuteResults.
import type { ExecuteResult, ResultColumn } from './api.js';
import type { RelationDesc, Row, SqlType } from '../repr/types.js';

export function columnsOf(desc: RelationDesc): ResultColumn[] {
  return desc.columns.map((c) => ({ name: c.name, type: c.type }));
}

export function textColumns(...names: string[]): ResultColumn[] {
  return names.map((name) => ({ name, type: { kind: 'text' } }));
}

export function column(name: string, type: SqlType): ResultColumn {
  return { name, type };
}

export function rowsResult(columns: ResultColumn[], rows: Row[], tag = `SELECT ${rows.length}`): ExecuteResult {
  return { kind: 'rows', columns, rows, tag };
}

export function command(tag: string): ExecuteResult {
  return { kind: 'command', tag };
}
