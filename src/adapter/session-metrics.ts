// Statement counts and latencies by statement kind, for every session
// (pgwire, the HTTP API, the demo's setup): recorded around Session.execute.
// A query's latency runs until its last row was produced (its rows are
// computed as the client pulls them); a SUBSCRIBE or COPY TO STDOUT counts
// until its stream is set up (it then runs for as long as the client wants).
import { performance } from 'node:perf_hooks';
import type { ExecuteResult, Session } from './api.js';
import { recordQuery } from '../server/metrics.js';

export function instrumentSession<S extends Session>(session: S): S {
  const execute = session.execute.bind(session);
  session.execute = async (parsed, options): Promise<ExecuteResult> => {
    const kind = parsed.statement.kind;
    const start = performance.now();
    let result: ExecuteResult;
    try {
      result = await execute(parsed, options);
    } catch (err) {
      recordQuery(kind, (performance.now() - start) / 1000, false);
      throw err;
    }
    if (result.kind !== 'rowStream') {
      recordQuery(kind, (performance.now() - start) / 1000, true);
      return result;
    }
    const { stream } = result;
    let recorded = false;
    const record = (ok: boolean): void => {
      if (recorded) return;
      recorded = true;
      recordQuery(kind, (performance.now() - start) / 1000, ok);
    };
    return {
      ...result,
      stream: {
        next: async () => {
          try {
            const rows = await stream.next();
            if (rows === null) record(true);
            return rows;
          } catch (err) {
            record(false);
            throw err;
          }
        },
        close: () => {
          record(true);
          stream.close();
        },
      },
    };
  };
  return session;
}
