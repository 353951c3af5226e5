// Shared by the security tests: a temporary config directory for the secrets
// key (never the user's ~/.config), pg clients with passwords and TLS, and the
// server process's resident memory.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Points the generated secrets key file of servers spawned from now on at a fresh temporary directory. */
export function isolateSecretsKey(): string {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-config-'));
  process.env.FRESHET_CONFIG_DIR = dir;
  delete process.env.FRESHET_SECRETS_KEY;
  return dir;
}

/** test/fixtures/tls (tests run from the repository root). */
export const tlsFile = (name: string): string => join(process.cwd(), 'test', 'fixtures', 'tls', name);

export interface ConnectOptions {
  user?: string;
  password?: string;
  ssl?: boolean;
}

export async function connect(port: number, options: ConnectOptions = {}): Promise<pg.Client> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: options.user ?? 'materialize',
    database: 'materialize',
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.ssl ? { ssl: { ca: readFileSync(tlsFile('ca.pem')), servername: 'localhost' } } : {}),
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** SQLSTATE and message of a rejected promise. */
export async function failure(promise: Promise<unknown>): Promise<{ code: string | undefined; message: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { code?: string; message: string };
    return { code: e.code, message: e.message };
  }
  throw new Error('expected a failure');
}

/** Resident memory of a process in bytes (Linux). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!m) throw new Error('no VmRSS');
  return Number(m[1]) * 1024;
}
