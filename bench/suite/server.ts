// The one place the suite starts `freshet serve`: every server the suite
// measures gets the same arguments from here (storage, --workers when the
// build has it, anything passed with --server-arg), and the report records
// them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { connectPg, serveFreshet, type ServedFreshet } from '../../test/helpers/server-process.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface ServerSettings {
  /** `--workers N` asked for (suite option --workers or FRESHET_BENCH_WORKERS); null: the server's default. */
  workers: number | null;
  /** Extra `freshet serve` arguments (suite option --server-arg, repeatable, or FRESHET_BENCH_SERVER_ARGS, space-separated). */
  extra: string[];
}

export interface ServerArgs {
  args: string[];
  /** Whether this build's `freshet serve` has --workers. */
  workersSupported: boolean;
  notes: string[];
}

let resolved: ServerArgs | null = null;

/** Whether `freshet serve --help` lists an option. */
function serveHasOption(option: string): boolean {
  const help = spawnSync(process.execPath, [MAIN, 'serve', '--help'], { encoding: 'utf8' });
  return (help.stdout ?? '').includes(option);
}

/** Resolves the arguments every benchmark server gets (once per run). */
export function configureServerArgs(settings: ServerSettings): ServerArgs {
  const args: string[] = [];
  const notes: string[] = [];
  const workersSupported = serveHasOption('--workers');
  if (settings.workers !== null) {
    if (workersSupported) args.push('--workers', String(settings.workers));
    else notes.push(`--workers ${settings.workers} asked for, but this build's freshet serve has no --workers: not passed`);
  } else if (workersSupported) {
    notes.push("--workers not given: the server's default");
  } else {
    notes.push('this build has no --workers option (one JavaScript thread)');
  }
  args.push(...settings.extra);
  resolved = { args, workersSupported, notes };
  return resolved;
}

export function serverArgs(): ServerArgs {
  return resolved ?? configureServerArgs({ workers: null, extra: [] });
}

export interface BenchServer {
  server: ServedFreshet;
  port: number;
  connect(): Promise<pg.Client>;
  stop(): Promise<void>;
}

/**
 * Starts `freshet serve` on a fresh data directory with the suite's arguments.
 * `env` is set for the child only (e.g. FRESHET_DEBUG_HEAP); `nodeFlags` go
 * into its NODE_OPTIONS.
 */
export async function startServer(options: { env?: Record<string, string>; nodeFlags?: string[] } = {}): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-bench-suite-'));
  const saved: Record<string, string | undefined> = {};
  const env: Record<string, string> = { ...(options.env ?? {}) };
  // FRESHET_BENCH_SERVER_NODE_OPTIONS: node flags for every server (e.g. --import of a module that starts the inspector profiler: node refuses --cpu-prof there).
  const nodeFlags = [...(options.nodeFlags ?? []), ...(process.env.FRESHET_BENCH_SERVER_NODE_OPTIONS?.split(' ').filter((f) => f !== '') ?? [])];
  if (nodeFlags.length > 0) env.NODE_OPTIONS = [process.env.NODE_OPTIONS ?? '', ...nodeFlags].join(' ').trim();
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  let server: ServedFreshet;
  try {
    server = await serveFreshet(dataDir, serverArgs().args);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return {
    server,
    port: server.port,
    connect: () => connectPg(server.port),
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The first column of the first row, as a number. */
export async function scalar(client: pg.Client, sql: string): Promise<number> {
  const { rows } = await client.query({ text: sql, rowMode: 'array' });
  const value = (rows as unknown[][])[0]?.[0];
  return value === null || value === undefined ? NaN : Number(value);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Percentile of sorted values (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}
