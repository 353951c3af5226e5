// Results stream and reads never stall the server (issue 11, items 2 and 3),
// end to end through a real `freshet serve`: multi-million-row COPY TO STDOUT
// and SUBSCRIBE snapshots through a reader that pauses, with the server's RSS
// checked; statement_timeout and CancelRequest stopping heavy statements;
// another client's SELECT 1 answered meanwhile; linear-time regexes;
// max_query_result_size.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type pg from 'pg';
import { makeTempDir } from '../helpers/coordinator.js';
import { connectPg, serveFreshet, type ServedFreshet } from '../helpers/server-process.js';
import { rssBytes, sendCancelRequest, SlowPgReader } from '../helpers/pg-raw-reader.js';

const MB = 1024 * 1024;
let server: ServedFreshet;
let dataDir: string;

before(async () => {
  dataDir = makeTempDir('freshet-streaming-');
  server = await serveFreshet(dataDir);
});

after(async () => {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Reads in bursts (a slow client) until `done`, sampling the server's RSS; returns the largest sample. */
async function readSlowly(reader: SlowPgReader, done: () => boolean, timeoutMs: number): Promise<number> {
  const pid = server.child.pid!;
  let peak = rssBytes(pid);
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`slow read timed out after ${reader.count('d')} rows`);
    reader.resume();
    await sleep(15);
    reader.pause();
    await sleep(15);
    peak = Math.max(peak, rssBytes(pid));
  }
  reader.resume();
  return peak;
}

async function backendKey(client: pg.Client): Promise<{ pid: number; key: number }> {
  const c = client as unknown as { processID: number; secretKey: number };
  return { pid: c.processID, key: c.secretKey };
}

/** Runs `sql` expecting it to fail; returns the error and how long it took. */
async function failure(client: pg.Client, sql: string): Promise<{ code: string | undefined; message: string; ms: number }> {
  const start = Date.now();
  try {
    await client.query(sql);
  } catch (err) {
    const e = err as { code?: string; message: string };
    return { code: e.code, message: e.message, ms: Date.now() - start };
  }
  throw new Error(`expected ${sql} to fail`);
}

test('COPY (SELECT ... 3 000 000 rows) TO STDOUT through a paused reader: the server stops producing, memory stays bounded', async () => {
  const pid = server.child.pid!;
  const reader = await SlowPgReader.connect(server.port);
  try {
    const baseline = rssBytes(pid);
    reader.pause();
    reader.query('COPY (SELECT g, g * 2 FROM generate_series(1, 3000000) g) TO STDOUT');
    // The client reads nothing for a while: the socket fills and the query must wait.
    await sleep(1500);
    const whilePaused = rssBytes(pid);
    const peak = await readSlowly(reader, () => reader.count('C') >= 1 || reader.count('E') >= 1, 120_000);
    await reader.until(() => reader.count('Z') >= 2, 10_000);
    assert.equal(reader.lastError, undefined, reader.lastError?.get('M'));
    assert.equal(reader.count('d'), 3_000_000);
    // Every row materialized at once would be ~300 MB here; a batch is a few hundred KB.
    assert.ok(whilePaused - baseline < 60 * MB, `RSS grew ${((whilePaused - baseline) / MB).toFixed(0)} MB while the client was paused`);
    assert.ok(peak - baseline < 120 * MB, `RSS grew ${((peak - baseline) / MB).toFixed(0)} MB while streaming`);
  } finally {
    reader.close();
  }
});

test('SUBSCRIBE snapshot of a 2 000 000-row table through a paused reader: no stack overflow, rows converted as read', async () => {
  const client = await connectPg(server.port);
  const pid = server.child.pid!;
  try {
    await client.query('CREATE TABLE big (a int, b text)');
    await client.query("INSERT INTO big SELECT g, 'row ' || g FROM generate_series(1, 2000000) g");
    const baseline = rssBytes(pid);
    const reader = await SlowPgReader.connect(server.port);
    try {
      reader.pause();
      reader.query('COPY (SUBSCRIBE big) TO STDOUT');
      await sleep(1000);
      const peak = await readSlowly(reader, () => reader.count('d') >= 2_000_000 || reader.count('E') >= 1, 180_000);
      assert.equal(reader.lastError, undefined, reader.lastError?.get('M'));
      assert.equal(reader.count('d'), 2_000_000);
      // The snapshot's updates are held once (as compute hands them over); its output rows are made a chunk at a time.
      assert.ok(peak - baseline < 400 * MB, `RSS grew ${((peak - baseline) / MB).toFixed(0)} MB`);
    } finally {
      reader.close();
    }
  } finally {
    await client.end();
  }
});

test('a CancelRequest stops SELECT count(*) FROM generate_series(1, 30000000); SELECT 1 from another client is answered meanwhile', async () => {
  const heavy = await connectPg(server.port);
  const other = await connectPg(server.port);
  try {
    const { pid, key } = await backendKey(heavy);
    const running = failure(heavy, 'SELECT count(*) FROM generate_series(1, 30000000)');
    await sleep(400);
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const start = performance.now();
      await other.query('SELECT 1');
      latencies.push(performance.now() - start);
    }
    const cancelledAt = Date.now();
    await sendCancelRequest(server.port, pid, key);
    const err = await running;
    assert.equal(err.code, '57014');
    assert.equal(err.message, 'canceling statement due to user request');
    assert.ok(Date.now() - cancelledAt < 1000, `cancel took ${Date.now() - cancelledAt} ms`);
    latencies.sort((a, b) => a - b);
    assert.ok(latencies[latencies.length - 1]! < 250, `SELECT 1 took up to ${latencies[latencies.length - 1]!.toFixed(1)} ms`);
    // The session is usable afterwards.
    assert.deepEqual((await heavy.query('SELECT 2 AS x')).rows, [{ x: '2' }]);
  } finally {
    await heavy.end();
    await other.end();
  }
});

test('statement_timeout stops a heavy SELECT with 57014', async () => {
  const client = await connectPg(server.port);
  try {
    await client.query("SET statement_timeout = '500ms'");
    const err = await failure(client, 'SELECT count(*) FROM generate_series(1, 30000000)');
    assert.equal(err.code, '57014');
    assert.equal(err.message, 'canceling statement due to statement timeout');
    assert.ok(err.ms < 2000, `took ${err.ms} ms`);
    const sorted = await failure(client, 'SELECT g FROM generate_series(1, 3000000000) g ORDER BY g DESC LIMIT 1');
    assert.equal(sorted.code, '57014');
  } finally {
    await client.end();
  }
});

test('regular expressions run in linear time: catastrophic backtracking patterns answer at once', async () => {
  const client = await connectPg(server.port);
  try {
    const start = Date.now();
    const { rows } = await client.query({ text: "SELECT regexp_match(repeat('x', 32), '(x+x+)+y'), repeat('x', 100000) ~ '(x+x+)+y', repeat('a', 50000) LIKE '%a%a%a%a%b'", rowMode: 'array' });
    assert.deepEqual(rows, [[null, 'f', 'f']]);
    assert.ok(Date.now() - start < 2000, `took ${Date.now() - start} ms`);
  } finally {
    await client.end();
  }
});

test('SELECT * FROM generate_series(1, 4294967296) streams with bounded memory and is cancelled by a CancelRequest', async () => {
  const pid = server.child.pid!;
  const reader = await SlowPgReader.connect(server.port);
  try {
    const baseline = rssBytes(pid);
    reader.query('SELECT * FROM generate_series(1, 4294967296)');
    await reader.until(() => reader.count('D') >= 500_000, 60_000);
    const during = rssBytes(pid);
    await sendCancelRequest(server.port, reader.processId, reader.secretKey);
    await reader.until(() => reader.count('E') >= 1, 5_000);
    assert.equal(reader.lastError?.get('C'), '57014');
    assert.ok(during - baseline < 100 * MB, `RSS grew ${((during - baseline) / MB).toFixed(0)} MB`);
  } finally {
    reader.close();
  }
});

test('max_query_result_size bounds a result (53200, Materialize\'s message)', async () => {
  const client = await connectPg(server.port);
  try {
    await client.query("SET max_query_result_size = '1MB'");
    const err = await failure(client, 'SELECT g FROM generate_series(1, 1000000) g');
    assert.equal(err.code, '53200');
    assert.equal(err.message, 'result exceeds max size of 1048.6 KB');
    const sorted = await failure(client, 'SELECT g FROM generate_series(1, 1000000) g ORDER BY g DESC');
    assert.equal(sorted.code, '53200');
    assert.deepEqual((await client.query({ text: 'SELECT g FROM generate_series(1, 1000000) g ORDER BY g DESC LIMIT 2', rowMode: 'array' })).rows, [['1000000'], ['999999']]);
    assert.deepEqual((await client.query({ text: 'SELECT count(*) FROM generate_series(1, 1000000)', rowMode: 'array' })).rows, [['1000000']]);
  } finally {
    await client.end();
  }
});
