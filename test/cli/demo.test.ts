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
  httpPort?: number;
  console?: string;
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

test('freshet demo: embedded Kafka feed in every format (JSON, Debezium, Avro, Protobuf), maintained views joining them out, clean exit on SIGTERM', async () => {
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
    // ... where the console is, and every topic with its format.
    assert.ok(typeof ready.httpPort === 'number' && ready.httpPort > 0 && ready.httpPort !== ready.port);
    assert.match(stdout, new RegExp(`Console: +http://127\\.0\\.0\\.1:${ready.httpPort}/`));
    for (const [topic, format] of [['purchases', 'JSON'], ['users', 'Debezium'], ['items', 'Avro'], ['pageviews', 'Protobuf']]) {
      assert.match(stdout, new RegExp(`topic "${topic}" +${format}`), `the banner shows topic ${topic} as ${format}`);
    }
    assert.match(stdout, /schema registry at http:\/\/127\.0\.0\.1:\d+/);
    const livez = await fetch(`http://127.0.0.1:${ready.httpPort}/api/livez`);
    assert.equal(livez.status, 200);

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

    // Every source runs, each in its format.
    const demoSources = ['items', 'pageviews', 'purchases', 'users'];
    let statuses: { name: string; status: string }[] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      statuses = (await client.query<{ name: string; status: string }>(
        `SELECT name, status FROM mz_internal.mz_source_statuses WHERE name IN (${demoSources.map((n) => `'${n}'`).join(', ')}) ORDER BY name`,
      )).rows;
      if (statuses.every((s) => s.status === 'running') && statuses.length === demoSources.length) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.deepEqual(statuses, demoSources.map((name) => ({ name, status: 'running' })));
    const sources = await client.query<{ name: string }>('SHOW SOURCES');
    for (const name of demoSources) assert.ok(sources.rows.some((r) => r.name === name), `SHOW SOURCES lists ${name}`);

    // Avro items through the schema registry: the catalog of 10, typed.
    const items = await client.query<{ id: number; name: string; category: string; price: number }>('SELECT id, name, category, price FROM items ORDER BY id');
    assert.equal(items.rows.length, 10);
    assert.deepEqual(items.rows[0] && { id: items.rows[0].id, name: items.rows[0].name, category: items.rows[0].category }, { id: 1, name: 'espresso machine', category: 'machines' });
    assert.ok(items.rows.every((r) => typeof r.price === 'number' && r.price > 0));
    // Debezium users: the snapshot of every user, with lookups through the index.
    const users = await client.query<{ n: string }>('SELECT count(*) AS n FROM users_typed');
    assert.equal(users.rows[0]!.n, '1000');
    const user = await client.query<{ id: number; tier: string }>('SELECT id, tier FROM users_typed WHERE id = 42');
    assert.equal(user.rows.length, 1);
    assert.match(user.rows[0]!.tier, /^(free|plus|pro)$/);
    // Protobuf pageviews through the schema registry.
    const views = await client.query<{ user_id: number; item_id: number; page: string; ts_ms: string }>('SELECT user_id, item_id, page, ts_ms FROM pageviews LIMIT 5');
    assert.ok(views.rows.length > 0);
    for (const v of views.rows) {
      assert.ok(v.user_id >= 1 && v.user_id <= 1000 && v.item_id >= 1 && v.item_id <= 10);
      assert.match(v.page, /^[a-z]+$/);
      assert.ok(Number(v.ts_ms) > 1.6e12);
    }
    // The views joining them have rows.
    const byTier = await client.query<{ tier: string; purchases: string }>('SELECT tier, purchases FROM revenue_by_tier');
    assert.ok(byTier.rows.length > 0 && byTier.rows.every((r) => /^(free|plus|pro)$/.test(r.tier) && Number(r.purchases) > 0));
    const byCategory = await client.query<{ category: string }>('SELECT category FROM revenue_by_category ORDER BY category');
    assert.ok(byCategory.rows.length > 0 && byCategory.rows.every((r) => ['brewing', 'cups', 'machines', 'supplies'].includes(r.category)));
    const funnel = await client.query<{ item: string; views: string; conversion: string }>('SELECT item, views, conversion FROM item_funnel');
    assert.ok(funnel.rows.length > 0 && funnel.rows.every((r) => Number(r.views) > 0 && Number(r.conversion) >= 0));
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
