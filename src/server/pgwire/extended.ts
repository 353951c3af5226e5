// State of the extended query protocol: prepared statements and portals.
import type { Datum, Row, SqlType } from '../../repr/types.js';
import type { ParsedStatement } from '../../sql/ast.js';
import type { ResultColumn } from '../../adapter/api.js';
import type { FormatCode } from './protocol.js';

export interface PreparedStatement {
  /** null for an empty query string (Execute answers EmptyQueryResponse). */
  parsed: ParsedStatement | null;
  paramTypes: SqlType[];
  paramTypeOids: number[];
  /** Result columns, or null when the statement returns no rows. */
  columns: ResultColumn[] | null;
}

/** Rows computed by a portal's execution and not yet sent (Execute with a row limit). */
export interface PendingRows {
  columns: ResultColumn[];
  rows: Row[];
  next: number;
  tag: string;
}

export interface Portal {
  statement: PreparedStatement;
  params: Datum[];
  /** One code per described column; null = all text. */
  resultFormats: FormatCode[] | null;
  /** Set between an Execute that stopped at its row limit and the one that finishes. */
  pending: PendingRows | null;
  /** After the portal ran to completion: the tag a further Execute reports. */
  finishedTag: string | null;
}

/** Replaces a tag's trailing row count ('SELECT 10' -> 'SELECT 3'). */
export function withRowCount(tag: string, count: number): string {
  return /\d+$/.test(tag) ? tag.replace(/\d+$/, String(count)) : tag;
}
