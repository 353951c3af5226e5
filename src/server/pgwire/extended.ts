// State of the extended query protocol: prepared statements and portals.
import type { Datum, Row, SqlType } from '../../repr/types.js';
import type { ParsedStatement } from '../../sql/ast.js';
import type { ResultColumn, RowStream } from '../../adapter/api.js';
import type { FormatCode } from './protocol.js';

export interface PreparedStatement {
  /** null for an empty query string (Execute answers EmptyQueryResponse). */
  parsed: ParsedStatement | null;
  paramTypes: SqlType[];
  paramTypeOids: number[];
  /** Result columns, or null when the statement returns no rows. */
  columns: ResultColumn[] | null;
}

/** Rows of a portal's execution not yet sent (Execute with a row limit), and where more come from. */
export interface PendingRows {
  columns: ResultColumn[];
  /** The current batch; `next` is the first row not sent. */
  rows: Row[];
  next: number;
  /** Further batches, pulled only as the client reads (null: `rows` is everything). */
  stream: RowStream | null;
  /** The CommandComplete tag for `count` rows sent by the last Execute; `whole` when one Execute sent them all. */
  tag: (count: number, whole: boolean) => string;
  /** Rows sent by earlier Executes. */
  sent: number;
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
