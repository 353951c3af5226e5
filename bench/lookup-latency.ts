// Point-lookup latency against state size, through a real `freshet serve`.
// For each size N: a table t (id int, v int) filled with N rows by
// INSERT ... SELECT generate_series (in chunks of 10^6), a view over it with
// an index on id, then point lookups `SELECT * FROM v WHERE id = $k` with
// random keys (p50/p99 over pg's simple query protocol, round trip included),
// beside the reference: the same query on the unindexed table (a full scan).
// Usage: node dist/bench/lookup-latency.js [sizes=10000,100000,1000000,10000000] [lookups=2000] [heapMB=12288]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectPg, serveFreshet } from '../test/helpers/server-process.js';

const sizes = (process.argv[2] ?? '10000,100000,1000000,10000000').split(',').map(Number);
const lookups = Number(process.argv[3] ?? 2000);
const heapMb = Number(process.argv[4] ?? 12288);
const CHUNK = 1_000_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Figures {
  n: number;
  fill: number;
  lookupP50: number;
  lookupP99: number;
  scanP50: number;
  rssMb: number;
}

async function measure(n: number): Promise<Figures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-bench-lookup-'));
  // The child inherits NODE_OPTIONS: a heap big enough for 10^7 rows held twice (table and index).
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${heapMb}`.trim();
  const server = await serveFreshet(dataDir);
  const client = await connectPg(server.port);
  try {
    const fillStart = performance.now();
    await client.query('CREATE TABLE t (id int, v int)');
    for (let from = 1; from <= n; from += CHUNK) {
      const to = Math.min(n, from + CHUNK - 1);
      await client.query(`INSERT INTO t SELECT g, g % 1000 FROM generate_series(${from}, ${to}) g`);
    }
    await client.query('CREATE VIEW v AS SELECT id, v FROM t');
    await client.query('CREATE INDEX v_id ON v (id)');
    const fill = (performance.now() - fillStart) / 1000;
    const explain = await client.query({ text: 'EXPLAIN SELECT * FROM v WHERE id = 777', rowMode: 'array' });
    const plan = String((explain.rows[0] as unknown[])[0]);
    if (!plan.includes('lookup value=(777)')) throw new Error(`not a lookup:\n${plan}`);
    const key = (): number => 1 + Math.floor(Math.random() * n);
    for (let i = 0; i < 200; i++) await client.query(`SELECT * FROM v WHERE id = ${key()}`);
    const times: number[] = [];
    for (let i = 0; i < lookups; i++) {
      const k = key();
      const start = performance.now();
      const result = await client.query(`SELECT * FROM v WHERE id = ${k}`);
      times.push(performance.now() - start);
      if (result.rows.length !== 1) throw new Error(`id ${k}: ${result.rows.length} rows`);
    }
    times.sort((a, b) => a - b);
    // Reference: the same query without an index (a scan of the table), fewer times at large sizes.
    const scans: number[] = [];
    const scanCount = Math.max(3, Math.min(200, Math.floor(2e7 / n)));
    for (let i = 0; i < scanCount; i++) {
      const start = performance.now();
      await client.query(`SELECT * FROM t WHERE id = ${key()}`);
      scans.push(performance.now() - start);
    }
    scans.sort((a, b) => a - b);
    const rss = await client.query({ text: "SELECT 1", rowMode: 'array' }).then(() => rssOf(server.child.pid));
    return { n, fill, lookupP50: percentile(times, 50), lookupP99: percentile(times, 99), scanP50: percentile(scans, 50), rssMb: rss };
  } finally {
    await client.end();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Resident memory of the server process (Linux /proc), in MB. */
async function rssOf(pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN;
  try {
    const { readFile } = await import('node:fs/promises');
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

const results: Figures[] = [];
console.log('rows        fill s   lookup p50 ms   lookup p99 ms   scan p50 ms (no index)   server RSS MB');
for (const n of sizes) {
  try {
    const f = await measure(n);
    results.push(f);
    console.log(
      `${String(n).padEnd(11)} ${f.fill.toFixed(1).padStart(6)}   ${f.lookupP50.toFixed(3).padStart(13)}   ${f.lookupP99.toFixed(3).padStart(13)}   ${f.scanP50.toFixed(2).padStart(22)}   ${f.rssMb.toFixed(0).padStart(13)}`,
    );
  } catch (err) {
    console.log(`${String(n).padEnd(11)} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
const base = results[0];
if (base !== undefined) {
  for (const f of results.slice(1)) console.log(`p50 at ${f.n} rows / p50 at ${base.n} rows: ${(f.lookupP50 / base.lookupP50).toFixed(2)}x (target <= 2x)`);
}
