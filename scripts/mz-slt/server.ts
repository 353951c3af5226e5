// A real `freshet serve` process for the conformance runner: spawned on an
// ephemeral port with its own data directory, killed and restarted when a
// record crashes or hangs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export class FreshetProcess {
  private child: ChildProcess | undefined;
  private dataDir: string | undefined;
  private stderr = '';
  port = 0;
  private exitedFlag = false;

  /** Starts a server on a fresh, empty data directory. */
  async start(): Promise<void> {
    this.dataDir = mkdtempSync(join(tmpdir(), 'mz-slt-'));
    this.stderr = '';
    this.exitedFlag = false;
    const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--data-dir', this.dataDir, '--log-format', 'json'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    child.on('exit', () => {
      this.exitedFlag = true;
    });
    this.port = await new Promise<number>((resolve, reject) => {
      let scanned = 0;
      const timer = setTimeout(() => reject(new Error('freshet serve did not start within 60 s')), 60_000);
      child.stderr?.on('data', (chunk: Buffer) => {
        if (this.stderr.length < 1_000_000) this.stderr += chunk.toString('utf8');
        const complete = this.stderr.lastIndexOf('\n');
        if (complete < scanned) return;
        for (const line of this.stderr.slice(scanned, complete).split('\n')) {
          if (!line.startsWith('{')) continue;
          try {
            const record = JSON.parse(line) as { msg?: string; port?: number };
            if (record.msg === 'listening' && typeof record.port === 'number') {
              clearTimeout(timer);
              resolve(record.port);
            }
          } catch {
            // not a log record
          }
        }
        scanned = complete + 1;
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`freshet serve exited with ${code}: ${this.stderr.slice(-2000)}`));
      });
    });
  }

  get exited(): boolean {
    return this.exitedFlag;
  }

  /** The last lines the server logged (for crash reports). */
  tail(): string {
    return this.stderr.slice(-1500);
  }

  /** Kills the server (SIGKILL: it may be stuck) and removes its data. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child !== undefined && !this.exitedFlag) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await gone;
    }
    if (this.dataDir !== undefined) rmSync(this.dataDir, { recursive: true, force: true });
    this.dataDir = undefined;
  }
}
