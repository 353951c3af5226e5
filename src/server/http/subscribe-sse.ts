// SUBSCRIBE over server-sent events: GET /api/subscribe?query=SUBSCRIBE ...
// runs the statement in its own session and streams its rows:
//
//   event: columns   data: {"columns": [{"name": "mz_timestamp", "type": "numeric"}, ...]}
//   event: rows      data: {"rows": [["1718000000000", "1", ...], ...]}   (PostgreSQL text values)
//   event: error     data: {"message": ..., "code": ...}                   (then the stream ends)
//
// Rows that arrive close together go out in one event (at most every
// FLUSH_MS), and the next batch is pulled only once the socket has drained
// what was written, so a slow browser slows the subscription instead of
// making the server buffer. Closing the connection ends the SUBSCRIBE.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionFactory } from '../../adapter/api.js';
import type { TextOptions } from '../../repr/text.js';
import { SqlError, SqlState } from '../../repr/errors.js';
import { apiColumns, apiError, openApiSession, textRow } from './sql-api.js';

const FLUSH_MS = 100;
const HEARTBEAT_MS = 15_000;
/** Rows per event at most (a large snapshot goes out in several). */
const MAX_EVENT_ROWS = 5000;

/** Starts streaming; returns a function that ends the stream (server shutdown). */
export function streamSubscribe(sessions: SessionFactory, query: string, req: IncomingMessage, res: ServerResponse, onEnd: () => void): () => void {
  const session = openApiSession(sessions, 'freshet console subscribe');
  const abort = new AbortController();
  let ended = false;
  // eslint-disable-next-line prefer-const -- assigned once the response has started, read by end() before that
  let heartbeat: NodeJS.Timeout | undefined;
  let closeStream: (() => void) | undefined;
  const end = (): void => {
    if (ended) return;
    ended = true;
    if (heartbeat) clearInterval(heartbeat);
    abort.abort();
    closeStream?.();
    session.close();
    if (!res.writableEnded) res.end();
    onEnd();
  };
  req.on('close', end);
  res.on('close', end);

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const send = (event: string, data: unknown): boolean => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const drained = (): Promise<void> => new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
  heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();

  const run = async (): Promise<void> => {
    const statements = session.parse(query);
    const stmt = statements[0];
    if (statements.length !== 1 || stmt === undefined || stmt.statement.kind !== 'subscribe') {
      throw new SqlError(SqlState.syntaxError, 'send exactly one SUBSCRIBE statement');
    }
    const result = await session.execute(stmt, { params: [], signal: abort.signal });
    if (result.kind !== 'copyOut') throw new SqlError(SqlState.internalError, 'SUBSCRIBE did not stream');
    const { stream, columns } = result;
    closeStream = () => stream.close();
    if (ended) {
      stream.close();
      return;
    }
    const textOptions: TextOptions = { timeZone: session.reportedParameters().get('TimeZone') ?? 'UTC', relationName: (oid) => session.relationName(oid) };
    send('columns', { columns: apiColumns(columns) });
    let pending: (string | null)[][] = [];
    let lastFlush = 0;
    let flushTimer: NodeJS.Timeout | undefined;
    const flush = async (): Promise<void> => {
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = undefined;
      while (pending.length > 0 && !ended) {
        const rows = pending.length > MAX_EVENT_ROWS ? pending.splice(0, MAX_EVENT_ROWS) : pending.splice(0);
        lastFlush = Date.now();
        if (!send('rows', { rows })) await drained();
      }
    };
    while (!ended) {
      const batch = await stream.next();
      if (batch === null) break;
      for (const row of batch) pending.push(textRow(row, columns, textOptions));
      // Coalesce: at most one event per FLUSH_MS, unless a lot is pending.
      if (Date.now() - lastFlush >= FLUSH_MS || pending.length >= MAX_EVENT_ROWS) await flush();
      else if (flushTimer === undefined) flushTimer = setTimeout(() => void flush(), FLUSH_MS);
    }
    await flush();
    pending = [];
  };
  run().then(
    () => end(),
    (err: unknown) => {
      if (!ended) send('error', apiError(err));
      end();
    },
  );
  return end;
}
