// Runs the real `freshet demo` as a child process (JSON logs on stderr) and
// waits until it is ready: for tests of the HTTP endpoint, the console and
// the metrics against live sources in every format.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const FRESHET_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface DemoLogRecord {
  level: number;
  msg: string;
  port?: number;
  httpPort?: number;
  console?: string;
  bootstrapServers?: string;
  [field: string]: unknown;
}

export interface RunningDemo {
  child: ChildProcess;
  /** The `demo ready` log record. */
  ready: DemoLogRecord;
  records: DemoLogRecord[];
  /** What the demo printed on stdout so far. */
  stdout(): string;
  /** The HTTP endpoint, e.g. http://127.0.0.1:41234 */
  httpUrl: string;
  /** SIGTERM, then resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function startDemo(extraArgs: string[] = [], readyTimeoutMs = 60_000): Promise<RunningDemo> {
  const child = spawn(process.execPath, [FRESHET_MAIN, 'demo', '--port', '0', '--log-format', 'json', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const records: DemoLogRecord[] = [];
  let pending = '';
  const ready = await new Promise<DemoLogRecord>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`freshet demo not ready after ${readyTimeoutMs} ms: ${JSON.stringify(records)}`)), readyTimeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      let newline;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (!line.startsWith('{')) continue;
        const record = JSON.parse(line) as DemoLogRecord;
        records.push(record);
        if (record.msg === 'demo ready') {
          clearTimeout(timer);
          resolve(record);
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`freshet demo exited (${code}) before it was ready: ${JSON.stringify(records)}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
  return {
    child,
    ready,
    records,
    stdout: () => stdout,
    httpUrl: `http://127.0.0.1:${ready.httpPort}`,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** POSTs SQL to /api/sql; returns the results array. */
export async function apiSql(httpUrl: string, query: string): Promise<Array<Record<string, unknown>>> {
  const res = await fetch(`${httpUrl}/api/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as { results: Array<Record<string, unknown>> };
  return body.results;
}
