// Serving benchmarks through a real `freshet serve` (issue 11, items 3 and 5):
//   poll    ingestion rate of a TEXT source with one client polling
//           `SELECT count(*)` every 50 ms, against the rate with no reader
//           (target: at least 80%);
//   latency `SELECT 1` latency (p50/p99) from one client while another scans
//           a 10^6-row materialized view over and over (target p99 < 10 ms);
//   memory  bytes per row of state for an (int, text) table, a materialized
//           view over it and an index on it, beside the raw bytes (target
//           at most 3x), from the server's heap (--expose-gc, via
//           mz_internal? no: from process.memoryUsage in the server, read as
//           RSS and heap deltas over /proc and a GC'd heap probe).
// Usage: node .build/NAME/bench/serving.js [poll|latency|memory ...] [rows]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { connectProducer, startMockCluster, type TestMessage } from '../test/helpers/kafka-mock.js';
import { connectPg, serveFreshet, type ServedFreshet } from '../test/helpers/server-process.js';
import { rssBytes } from '../test/helpers/pg-raw-reader.js';

const which = process.argv.slice(2).filter((a) => /^[a-z]+$/.test(a));
const rowsArg = process.argv.slice(2).find((a) => /^\d+$/.test(a));
const want = (name: string): boolean => which.length === 0 || which.includes(name);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function withServer<T>(extraArgs: string[], nodeFlags: string[], run: (server: ServedFreshet) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-bench-serving-'));
  const previous = process.env.NODE_OPTIONS;
  if (nodeFlags.length > 0) process.env.NODE_OPTIONS = [previous ?? '', ...nodeFlags].join(' ').trim();
  const server = await serveFreshet(dataDir, extraArgs);
  if (nodeFlags.length > 0) {
    if (previous === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = previous;
  }
  try {
    return await run(server);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function count(client: pg.Client, relation: string): Promise<number> {
  const { rows } = await client.query({ text: `SELECT count(*) FROM ${relation}`, rowMode: 'array' });
  return Number((rows as string[][])[0]![0]);
}

// ---- (a) ingestion under a polling reader ----

async function ingestionRate(messages: number, poll: boolean): Promise<number> {
  const cluster = startMockCluster(1);
  const producer = await connectProducer(cluster.bootstrap);
  try {
    const topic = `lines_${poll ? 'poll' : 'plain'}`;
    cluster.createTopic(topic, 8);
    for (let start = 0; start < messages; start += 50_000) {
      const batch: TestMessage[] = [];
      for (let i = start; i < Math.min(messages, start + 50_000); i++) batch.push({ topic, partition: i % 8, value: `line ${i} of the benchmark text` });
      await producer.send(batch);
    }
    return await withServer([], [], async (server) => {
      const client = await connectPg(server.port);
      const watcher = await connectPg(server.port);
      try {
        await client.query(`CREATE CONNECTION kc TO KAFKA (BROKER '${cluster.bootstrap}', SECURITY PROTOCOL PLAINTEXT)`);
        const start = performance.now();
        await client.query(`CREATE SOURCE lines FROM KAFKA CONNECTION kc (TOPIC '${topic}') FORMAT TEXT`);
        let polls = 0;
        let done = false;
        const poller = (async () => {
          while (poll && !done) {
            await count(client, 'lines');
            polls++;
            await sleep(50);
          }
        })();
        // The end is seen by a watcher polling rarely (its own cost is small beside 50 ms polling).
        while ((await count(watcher, 'lines')) < messages) await sleep(200);
        const seconds = (performance.now() - start) / 1000;
        done = true;
        await poller;
        if (poll) console.log(`  (${polls} count(*) polls answered)`);
        return messages / seconds;
      } finally {
        await client.end();
        await watcher.end();
      }
    });
  } finally {
    await producer.close();
    cluster.destroy();
  }
}

// ---- (b) SELECT 1 latency during a 10^6-row scan ----

async function latencyDuringScan(rows: number): Promise<void> {
  await withServer([], [], async (server) => {
    const setup = await connectPg(server.port);
    const probe = await connectPg(server.port);
    try {
      await setup.query('CREATE TABLE t (a int, b text)');
      await setup.query(`INSERT INTO t SELECT g, 'value ' || g FROM generate_series(1, ${rows}) g`);
      await setup.query('CREATE MATERIALIZED VIEW v AS SELECT a, b, a % 7 AS c FROM t');
      const measure = async (): Promise<number[]> => {
        const out: number[] = [];
        const until = performance.now() + 5000;
        while (performance.now() < until) {
          const s = performance.now();
          await probe.query('SELECT 1');
          out.push(performance.now() - s);
          await sleep(5);
        }
        return out.sort((x, y) => x - y);
      };
      const pct = (xs: number[], p: number): string => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!.toFixed(2);
      const idle = await measure();
      let scans = 0;
      let scanning = true;
      // The scanning client is another process (psql reading every row), so
      // its parsing does not share this process's event loop with the probe.
      const scanOnce = (): Promise<void> =>
        new Promise((resolve, reject) => {
          const child = spawn('/usr/bin/psql', ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'materialize', '-d', 'materialize', '-qAt', '-c', 'SELECT * FROM v'], { stdio: ['ignore', 'ignore', 'inherit'] });
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited with ${code}`))));
        });
      const scanLoop = (async () => {
        while (scanning) {
          await scanOnce();
          scans++;
        }
      })();
      await sleep(300);
      const busy = await measure();
      scanning = false;
      await scanLoop;
      const scanStart = performance.now();
      await scanOnce();
      const scanMs = performance.now() - scanStart;
      console.log(`latency: SELECT 1 idle          p50 ${pct(idle, 50)} ms  p99 ${pct(idle, 99)} ms  (${idle.length} probes)`);
      console.log(`latency: SELECT 1 during scans  p50 ${pct(busy, 50)} ms  p99 ${pct(busy, 99)} ms  max ${busy[busy.length - 1]!.toFixed(2)} ms  (${busy.length} probes, ${scans} full scans of ${rows} rows, one scan ${scanMs.toFixed(0)} ms)`);
      console.log('  reference: issue 11 measured 1.4-2 s for SELECT 1 during a 10^6-row scan before streaming; target p99 < 10 ms');
    } finally {
      await setup.end();
      await probe.end();
    }
  });
}

// ---- (c) memory per row ----

async function memoryPerRow(rows: number): Promise<void> {
  await withServer([], ['--expose-gc'], async (server) => {
    const client = await connectPg(server.port);
    const pid = server.child.pid!;
    try {
      // The server's heap, after a full GC, through a tiny debugging hook: mz_internal has none, so RSS after settling.
      const settle = async (): Promise<number> => {
        await sleep(1500);
        return rssBytes(pid);
      };
      const base = await settle();
      await client.query('CREATE TABLE t (id int, name text)');
      // Raw bytes: 4 (int) + the text's UTF-8 length ('name-123456' ~ 11).
      await client.query(`INSERT INTO t SELECT g, 'name-' || g FROM generate_series(1, ${rows}) g`);
      const { rows: raw } = await client.query({ text: "SELECT sum(4 + octet_length(name))::int8 FROM t", rowMode: 'array' });
      const rawPerRow = Number((raw as string[][])[0]![0]) / rows;
      const afterTable = await settle();
      await client.query('CREATE MATERIALIZED VIEW mv AS SELECT id, name FROM t WHERE id > 0');
      const afterView = await settle();
      await client.query('CREATE INDEX t_id ON t (id)');
      const afterIndex = await settle();
      const per = (bytes: number): string => `${(bytes / rows).toFixed(1)} B/row (${(bytes / rows / rawPerRow).toFixed(2)}x raw)`;
      console.log(`memory: raw (int, text) row ${rawPerRow.toFixed(1)} B over ${rows} rows`);
      console.log(`memory: table                ${per(afterTable - base)}`);
      console.log(`memory: materialized view    ${per(afterView - afterTable)}`);
      console.log(`memory: index on t (id)      ${per(afterIndex - afterView)}`);
      console.log('  reference: issue 11 target at most 3x raw in each; RSS deltas (the server runs with --expose-gc, measured after 1.5 s of settling)');
    } finally {
      await client.end();
    }
  });
}

const rows = Number(rowsArg ?? 1_000_000);
if (want('poll')) {
  const messages = Math.min(rows, 500_000);
  const plain = await ingestionRate(messages, false);
  const polled = await ingestionRate(messages, true);
  console.log(`poll: TEXT source, ${messages} messages: ${plain.toFixed(0)} msg/s alone, ${polled.toFixed(0)} msg/s with count(*) every 50 ms = ${((polled / plain) * 100).toFixed(0)}%`);
  console.log('  reference: issue 11 measured 0.34-0.41 / 0.70 of the raw client rate (about 50-60%) before; target at least 80%');
}
if (want('latency')) await latencyDuringScan(rows);
if (want('memory')) await memoryPerRow(rows);
