// The real `freshet serve` process for end-to-end tests: spawned on an
// ephemeral port (read from its JSON `listening` log line), plus pg clients
// and bounded polling over the wire.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface ServedFreshet {
  child: ChildProcess;
  port: number;
  /** Everything the process wrote to stderr (its JSON log lines). */
  log: () => string;
  exited: Promise<number | null>;
  /** SIGTERM, then the exit code (a process still running after 30 s is killed). */
  stop(): Promise<number | null>;
}

/** Spawns `freshet serve --port 0 --data-dir dataDir [...extraArgs]` (node given `nodeArgs`, e.g. --cpu-prof) and waits for its `listening` log line. */
export async function serveFreshet(dataDir: string, extraArgs: readonly string[] = [], nodeArgs: readonly string[] = []): Promise<ServedFreshet> {
  const child = spawn(process.execPath, [...nodeArgs, MAIN, 'serve', '--port', '0', '--data-dir', dataDir, '--log-format', 'json', ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    let scanned = 0;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const complete = stderr.lastIndexOf('\n');
      if (complete < scanned) return;
      for (const line of stderr.slice(scanned, complete).split('\n')) {
        if (!line.startsWith('{')) continue;
        const record = JSON.parse(line) as { msg?: string; port?: number };
        if (record.msg === 'listening' && typeof record.port === 'number') resolve(record.port);
      }
      scanned = complete + 1;
    });
    void exited.then((code) => reject(new Error(`freshet serve exited with ${code}: ${stderr}`)));
  });
  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      return await exited;
    } finally {
      clearTimeout(killer);
    }
  };
  return { child, port, log: () => stderr, exited, stop };
}

// Every value as the server's text, unparsed, so tests compare exact output.
const serverText = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

/**
 * A connected pg client that returns every value as the server's text
 * format; errors after the server goes away are swallowed (the test sees
 * them on its queries).
 */
export async function connectPg(port: number): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'materialize', database: 'materialize', types: serverText });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Rows as arrays of text values (pg's default parsing for the types it knows, text for the rest). */
export async function queryArrays(client: pg.Client, sql: string): Promise<unknown[][]> {
  const result = await client.query({ text: sql, rowMode: 'array' });
  return result.rows as unknown[][];
}

/**
 * Polls `read` until `matches` holds (ingestion is asynchronous); fails after
 * `attempts` tries 100 ms apart with the last value or error seen.
 */
export async function pollUntil<T>(read: () => Promise<T>, matches: (value: T) => boolean, what: string, attempts = 300): Promise<T> {
  let last: unknown = undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      const value = await read();
      if (matches(value)) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: gave up waiting; last seen: ${last instanceof Error ? last.message : JSON.stringify(last, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
}

/** Polls `sql` until its rows (arrays) deep-equal `expected` (compared as JSON). */
export async function eventuallyRows(client: pg.Client, sql: string, expected: unknown[][], attempts = 300): Promise<unknown[][]> {
  const want = JSON.stringify(expected);
  return pollUntil(() => queryArrays(client, sql), (rows) => JSON.stringify(rows) === want, `${sql} (expected ${want})`, attempts);
}

/** Polls `sql` until it fails, and returns the error (message and SQLSTATE). */
export async function eventuallyError(client: pg.Client, sql: string, attempts = 300): Promise<{ message: string; code?: string }> {
  let failure: { message: string; code?: string } | null = null;
  await pollUntil(
    async () => {
      try {
        await client.query(sql);
        return false;
      } catch (err) {
        failure = err as { message: string; code?: string };
        return true;
      }
    },
    (failed) => failed,
    `${sql} (expected an error)`,
    attempts,
  );
  return failure!;
}
