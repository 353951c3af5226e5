// SQL over HTTP: statements run through an ordinary Session of the
// coordinator, exactly as over pgwire. The request and response shapes follow
// Materialize's HTTP API (POST /api/sql with {"query": "..."}; one result per
// statement: {tag, rows, desc} / {ok} / {error}), with values in PostgreSQL's
// text format (strings; null for SQL NULL). SUBSCRIBE streams over
// server-sent events instead (see `streamSubscribe`).
import type { ExecuteResult, Notice, ResultColumn, Session, SessionFactory } from '../../adapter/api.js';
import type { Datum, Row } from '../../repr/types.js';
import { formatText, type TextOptions } from '../../repr/text.js';
import { typeName } from '../../repr/pgtypes.js';
import { toSqlError } from '../../repr/errors.js';

export interface ApiColumn {
  name: string;
  type: string;
}

export interface ApiError {
  message: string;
  code: string;
  detail?: string;
  hint?: string;
  position?: number;
}

export type ApiResult =
  | { tag: string; rows: (string | null)[][]; desc: { columns: ApiColumn[] }; truncated?: boolean; notices: ApiNotice[] }
  | { ok: string; notices: ApiNotice[] }
  | { error: ApiError; notices: ApiNotice[] };

export interface ApiNotice {
  severity: string;
  message: string;
  code: string;
}

/** Rows a statement may return over /api/sql; the rest is cut off (`truncated: true`). */
export const DEFAULT_MAX_ROWS = 10_000;

export function openApiSession(sessions: SessionFactory, applicationName: string): Session {
  return sessions.openSession({ user: 'materialize', database: 'materialize', applicationName, options: new Map() });
}

export function apiError(err: unknown): ApiError {
  const e = toSqlError(err);
  const out: ApiError = { message: e.message, code: e.code };
  if (e.detail !== undefined) out.detail = e.detail;
  if (e.hint !== undefined) out.hint = e.hint;
  if (e.position !== undefined) out.position = e.position;
  return out;
}

export function apiColumns(columns: readonly ResultColumn[]): ApiColumn[] {
  return columns.map((c) => ({ name: c.name, type: typeName(c.type) }));
}

/** A row's datums as PostgreSQL text (null stays null). */
export function textRow(row: Row, columns: readonly ResultColumn[], options: TextOptions): (string | null)[] {
  const out: (string | null)[] = new Array<string | null>(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const value: Datum = row[i] ?? null;
    out[i] = value === null ? null : formatText(value, columns[i]!.type, options);
  }
  return out;
}

function notices(session: Session): ApiNotice[] {
  return session.takeNotices().map((n: Notice) => ({ severity: n.severity, message: n.message, code: n.code }));
}

/**
 * Runs every statement of `query` in one fresh session, in order, stopping at
 * the first error (as Materialize does). Each call is its own session: SET
 * lasts for the request only.
 */
export async function runSql(
  sessions: SessionFactory,
  query: string,
  options: { maxRows?: number; signal?: AbortSignal } = {},
): Promise<{ results: ApiResult[] }> {
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const session = openApiSession(sessions, 'freshet http api');
  const results: ApiResult[] = [];
  try {
    let statements;
    try {
      statements = session.parse(query);
    } catch (err) {
      return { results: [{ error: apiError(err), notices: [] }] };
    }
    const textOptions: TextOptions = { timeZone: 'UTC', relationName: (oid) => session.relationName(oid) };
    for (const stmt of statements) {
      let result: ExecuteResult;
      try {
        result = await session.execute(stmt, { params: [], ...(options.signal ? { signal: options.signal } : {}) });
        textOptions.timeZone = session.reportedParameters().get('TimeZone') ?? 'UTC';
        results.push(await toApiResult(result, maxRows, textOptions, session));
      } catch (err) {
        results.push({ error: apiError(err), notices: notices(session) });
        break;
      }
      if ('error' in results[results.length - 1]!) break;
    }
    return { results };
  } finally {
    session.close();
  }
}

async function toApiResult(result: ExecuteResult, maxRows: number, textOptions: TextOptions, session: Session): Promise<ApiResult> {
  switch (result.kind) {
    case 'rows': {
      const truncated = result.rows.length > maxRows;
      const rows = (truncated ? result.rows.slice(0, maxRows) : result.rows).map((r) => textRow(r, result.columns, textOptions));
      return { tag: result.tag, rows, desc: { columns: apiColumns(result.columns) }, ...(truncated ? { truncated } : {}), notices: notices(session) };
    }
    case 'rowStream': {
      const rows: (string | null)[][] = [];
      let truncated = false;
      try {
        for (;;) {
          const batch = await result.stream.next();
          if (batch === null) break;
          for (const r of batch) {
            if (rows.length >= maxRows) {
              truncated = true;
              break;
            }
            rows.push(textRow(r, result.columns, textOptions));
          }
          if (truncated) break;
        }
      } finally {
        if (truncated) result.stream.close();
      }
      return { tag: result.tag(rows.length), rows, desc: { columns: apiColumns(result.columns) }, ...(truncated ? { truncated } : {}), notices: notices(session) };
    }
    case 'command':
      return { ok: result.tag, notices: notices(session) };
    case 'empty':
      return { ok: '', notices: notices(session) };
    case 'copyOut':
      result.stream.close();
      return {
        error: { message: 'SUBSCRIBE and COPY ... TO STDOUT stream their rows: use /api/subscribe', code: '0A000' },
        notices: notices(session),
      };
    case 'copyIn':
      result.sink.abort('COPY FROM STDIN is not available over HTTP');
      return { error: { message: 'COPY FROM STDIN is not available over HTTP', code: '0A000' }, notices: notices(session) };
  }
}
