// A throwaway PostgreSQL server for tests and benchmarks: initdb into a
// temporary directory, pg_ctl start on a free 127.0.0.1 port, stop and
// delete afterwards. Uses Debian's server binaries (package `postgresql`,
// installed by scripts/install-deps.sh); FRESHET_PG_BIN overrides where
// they are. initdb refuses to run as root, so as root everything runs as the
// `postgres` user (runuser, or su). Missing binaries are an error, never a skip.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPostgres {
  /** postgres://freshet@127.0.0.1:<port>/<database> */
  url: string;
  port: number;
  /** A new, empty database on the same server (its URL). */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

function findBinDir(): string {
  const override = process.env.FRESHET_PG_BIN;
  if (override) {
    if (!existsSync(join(override, 'initdb'))) throw new Error(`FRESHET_PG_BIN=${override} has no initdb`);
    return override;
  }
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) {
    throw new Error(
      'PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin: install the Debian package `postgresql` (bash scripts/install-deps.sh) or set FRESHET_PG_BIN',
    );
  }
  return join(base, versions[0]!, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs a server binary, as the `postgres` user when we are root. */
async function runPg(bin: string, args: string[]): Promise<string> {
  const asRoot = userInfo().uid === 0;
  const [file, argv] = !asRoot
    ? [bin, args]
    : existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser')
      ? ['runuser', ['-u', 'postgres', '--', bin, ...args]]
      : ['su', ['postgres', '-s', '/bin/sh', '-c', [bin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')]];
  try {
    const { stdout } = await run(file, argv as string[], { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

export interface StartPostgresOptions {
  /** Keep PostgreSQL's fsync and synchronous commit on (benchmarks); tests turn them off for speed. */
  durable?: boolean;
}

/** Starts a new PostgreSQL server in a temporary directory, with database `freshet` owned by user `freshet`. */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<TestPostgres> {
  const binDir = findBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'freshet-pg-'));
  if (userInfo().uid === 0) chownSync(dir, Number((await run('id', ['-u', 'postgres'])).stdout.trim()), Number((await run('id', ['-g', 'postgres'])).stdout.trim()));
  const data = join(dir, 'data');
  const port = await freePort();
  try {
    await runPg(join(binDir, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'freshet', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    const settings = ['-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
    if (!options.durable) settings.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
    await runPg(join(binDir, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-o', settings.join(' '), '-w', '-t', '60', 'start']);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const psql = async (sql: string): Promise<void> => {
    await runPg(join(binDir, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'freshet', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql]);
  };
  await psql('CREATE DATABASE freshet');
  let stopped = false;
  return {
    url: `postgres://freshet@127.0.0.1:${port}/freshet`,
    port,
    async createDatabase(name: string): Promise<string> {
      await psql(`CREATE DATABASE "${name}"`);
      return `postgres://freshet@127.0.0.1:${port}/${name}`;
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      try {
        await runPg(join(binDir, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
