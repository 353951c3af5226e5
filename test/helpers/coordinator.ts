// Test helpers: a coordinator on a temporary data directory and a session to
// run SQL text against it directly (no sockets).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startCoordinator, type Coordinator } from '../../src/adapter/coordinator.js';
import type { ExecuteResult, Session } from '../../src/adapter/api.js';
import { readResult } from '../../src/adapter/result-stream.js';
import type { Datum, Row } from '../../src/repr/types.js';
import { formatText } from '../../src/repr/text.js';

export interface TestCoordinator {
  coordinator: Coordinator;
  dataDir: string;
  session: Session;
  /** Shuts down; `keepData` leaves the directory for a restart. */
  stop(keepData?: boolean): Promise<void>;
}

export function makeTempDir(prefix = 'freshet-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestCoordinator(dataDir: string = makeTempDir()): Promise<TestCoordinator> {
  const coordinator = await startCoordinator({ dataDir, logger: pino({ level: 'silent' }) });
  const session = openTestSession(coordinator);
  return {
    coordinator,
    dataDir,
    session,
    stop: async (keepData = false) => {
      session.close();
      await coordinator.shutdown();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function openTestSession(coordinator: Coordinator): Session {
  return coordinator.openSession({ user: 'materialize', database: 'materialize', options: new Map() });
}

/** Runs every statement of `sql` in order and returns their results. */
export async function runSql(session: Session, sql: string, params: Datum[] = []): Promise<ExecuteResult[]> {
  const results: ExecuteResult[] = [];
  for (const stmt of session.parse(sql)) results.push(await readResult(await session.execute(stmt, { params })));
  return results;
}

/** Runs `sql` (the last statement must return rows) and returns those rows. */
export async function queryRows(session: Session, sql: string, params: Datum[] = []): Promise<Row[]> {
  const results = await runSql(session, sql, params);
  const last = results[results.length - 1];
  if (!last || last.kind !== 'rows') throw new Error(`expected rows from: ${sql}`);
  return last.rows;
}

/** Like queryRows, with every value in PostgreSQL's text format (NULL as null). */
export async function queryText(session: Session, sql: string, params: Datum[] = []): Promise<(string | null)[][]> {
  const results = await runSql(session, sql, params);
  const last = results[results.length - 1];
  if (!last || last.kind !== 'rows') throw new Error(`expected rows from: ${sql}`);
  return last.rows.map((row) => row.map((v, i) => (v === null ? null : formatText(v, last.columns[i]!.type))));
}
