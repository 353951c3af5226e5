// `freshet demo` end to end: the real command with its embedded Kafka broker,
// queried over the PostgreSQL wire protocol like a user would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

interface LogRecord {
  level: number;
  msg: string;
  port?: number;
}

/** Collects a child's stderr JSON log lines and resolves when one matches (or rejects when the child exits first). */
function waitForLog(child: ChildProcess, msg: string, records: LogRecord[]): Promise<LogRecord> {
  return new Promise((resolve, reject) => {
    let pending = '';
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString('utf8');
      let newline;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (!line.startsWith('{')) continue;
        const record = JSON.parse(line) as LogRecord;
        records.push(record);
        if (record.msg === msg) {
          child.stderr!.off('data', onData);
          child.off('exit', onExit);
          resolve(record);
        }
      }
    };
    const onExit = (code: number | null): void => reject(new Error(`freshet demo exited (${code}) before "${msg}": ${JSON.stringify(records)}`));
    child.stderr!.on('data', onData);
    child.on('exit', onExit);
  });
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}

async function revenueByCountry(client: pg.Client): Promise<Map<string, { purchases: number; revenue: string }>> {
  const result = await client.query<{ country: string; purchases: string; revenue: string }>('SELECT country, purchases, revenue FROM revenue_by_country');
  return new Map(result.rows.map((r) => [r.country, { purchases: Number(r.purchases), revenue: r.revenue }]));
}

test('freshet demo: embedded Kafka feed in, maintained views out, clean exit on SIGTERM', async () => {
  const child = spawn(process.execPath, [MAIN, 'demo', '--port', '0', '--log-format', 'json', '--rate', '200'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const records: LogRecord[] = [];
  const client = new pg.Client({ host: '127.0.0.1', user: 'materialize', database: 'materialize' });
  try {
    const ready = await waitForLog(child, 'demo ready', records);
    assert.ok(typeof ready.port === 'number' && ready.port > 0);
    client.port = ready.port;
    await client.connect();

    // The banner tells the user how to connect and what to try.
    assert.match(stdout, new RegExp(`psql -h 127\\.0\\.0\\.1 -p ${ready.port} -U materialize materialize`));
    assert.match(stdout, /MATERIALIZED VIEW revenue_by_country/);
    assert.match(stdout, /COPY \(SUBSCRIBE revenue_by_country\) TO STDOUT/);

    const first = await revenueByCountry(client);
    assert.ok(first.size > 0, 'revenue_by_country has rows');
    const topItems = await client.query<{ item: string; units: string }>('SELECT item, units FROM top_items ORDER BY units DESC');
    assert.ok(topItems.rows.length > 0 && topItems.rows.length <= 5, `top_items has 1 to 5 rows, got ${topItems.rows.length}`);

    // The feed keeps producing: the view's numbers change (bounded polling, no timing assertion).
    let changed = false;
    for (let attempt = 0; attempt < 100 && !changed; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const now = await revenueByCountry(client);
      changed = [...now].some(([country, row]) => {
        const before = first.get(country);
        return before === undefined || before.purchases !== row.purchases || before.revenue !== row.revenue;
      });
    }
    assert.ok(changed, 'revenue_by_country changes as purchases arrive');

    const statuses = await client.query<{ name: string; status: string }>("SELECT name, status FROM mz_internal.mz_source_statuses WHERE name = 'purchases'");
    assert.deepEqual(statuses.rows, [{ name: 'purchases', status: 'running' }]);

    const sources = await client.query<{ name: string }>('SHOW SOURCES');
    assert.ok(sources.rows.some((r) => r.name === 'purchases'));
  } finally {
    await client.end().catch(() => undefined);
    child.kill('SIGTERM');
  }
  assert.equal(await exitCode(child), 0);
  assert.ok(records.every((r) => r.level < 50), `no error logged: ${JSON.stringify(records.filter((r) => r.level >= 50))}`);
  // The temporary data directory named in the banner is gone.
  const dataDir = /Data directory: (\S+) \(deleted on exit\)/.exec(stdout)?.[1];
  assert.ok(dataDir !== undefined, 'the banner names the temporary data directory');
  assert.equal(existsSync(dataDir), false);
});

test('freshet demo --help explains the demo and its options', async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [MAIN, 'demo', '--help'], (error, out) => (error ? reject(error) : resolve(out)));
  });
  const help = stdout.replace(/\s+/g, ' ');
  assert.match(help, /embedded Kafka broker/);
  assert.match(help, /freshet serve/);
  for (const option of ['--host <address>', '--port <number>', '--data-dir <path>', '--rate <messages>']) {
    assert.ok(help.includes(option), `${option} is documented`);
  }
  assert.match(help, /default: 100/);
});

test('freshet demo rejects a bad rate with a clear message', async () => {
  const stderr = await new Promise<string>((resolve) => {
    execFile(process.execPath, [MAIN, 'demo', '--rate', 'fast'], (_error, _out, err) => resolve(err));
  });
  assert.match(stderr, /--rate <messages>.*must be a number of messages per second/);
});
