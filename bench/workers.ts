// Source worker threads, end to end: the rate at which a real `freshet serve`
// ingests a filled topic into an indexed materialized view with --workers 0
// (decoding on the main thread), 1 and 2, beside the raw client's rate on the
// same topic measured in the same run (issue 13, item 1).
//
// For each case and each run (interleaved: raw, then each --workers setting,
// then raw again), a fresh server on a fresh data directory: CREATE SOURCE on
// the filled topic, a materialized view over it and an index on the view;
// timed from CREATE SOURCE until the progress subsource shows every offset
// and the view shows the last message. The raw client rate is
// KafkaConsumer.consume batches of the runtime's size with no processing.
//
// Usage: node .build/NAME/bench/workers.js [messages=500000] [partitions=16] [runs=2] [case filter] [workers=0,1,2]
// FRESHET_BENCH_PROFILE=dir: each server runs with --cpu-prof into dir.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { startMockCluster } from '../test/helpers/kafka-mock.js';
import { connectPg, queryArrays, serveFreshet } from '../test/helpers/server-process.js';
import { EmbeddedSchemaRegistry } from '../src/storage/schema-registry/embedded-registry.js';
import { produceBenchTopics, rawRate } from './ingest.js';
import type { KafkaConnectionSpec } from '../src/storage/kafka/plan.js';

const total = Number(process.argv[2] ?? 500_000);
const partitions = Number(process.argv[3] ?? 16);
const runs = Number(process.argv[4] ?? 2);
const only = process.argv[5] && process.argv[5] !== 'all' ? process.argv[5] : undefined;
const settings = (process.argv[6] ?? '0,1,2').split(',').map(Number);

interface Case {
  name: string;
  topic: string;
  source: string;
  /** The materialized view over the source `src` (indexed by id); null: the source alone. */
  view: string | null;
  /** The view's largest id once everything is ingested. */
  lastId: number;
}

const cases: Case[] = [
  {
    name: 'JSON upsert (TEXT key)',
    topic: 'json',
    source: "KEY FORMAT TEXT VALUE FORMAT JSON ENVELOPE UPSERT",
    view: "SELECT key, (data->>'id')::int8 AS id, data->>'user' AS usr, (data->>'amount')::float8 AS amount, (data->>'ok')::bool AS ok FROM src",
    lastId: total - 1,
  },
  {
    name: 'JSON upsert, source only',
    topic: 'json',
    source: 'KEY FORMAT TEXT VALUE FORMAT JSON ENVELOPE UPSERT',
    view: null,
    lastId: total - 1,
  },
  {
    name: 'Avro upsert (Avro key)',
    topic: 'avro',
    source: 'FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr ENVELOPE UPSERT',
    view: 'SELECT k, id, "user" AS usr, amount, ok FROM src',
    lastId: total - 1,
  },
  {
    name: 'JSON append-only',
    topic: 'json',
    source: 'FORMAT JSON',
    view: "SELECT (data->>'id')::int8 AS id, data->>'user' AS usr, (data->>'amount')::float8 AS amount FROM src",
    lastId: total - 1,
  },
];

async function scalar(c: pg.Client, sql: string): Promise<string | null> {
  try {
    const rows = (await queryArrays(c, sql)) as (string | null)[][];
    return rows[0]?.[0] ?? null;
  } catch {
    return null;
  }
}

/** Messages/s of a fresh server with `--workers w` from CREATE SOURCE until the view shows everything. */
async function serverRate(bootstrap: string, registryUrl: string, c: Case, workers: number): Promise<{ rate: number; cpuSeconds: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-bench-workers-'));
  const profileDir = process.env['FRESHET_BENCH_PROFILE'];
  const server = await serveFreshet(dataDir, ['--workers', String(workers)], profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
  const client = await connectPg(server.port);
  try {
    await client.query(`CREATE CONNECTION kc TO KAFKA (BROKER '${bootstrap}')`);
    await client.query(`CREATE CONNECTION csr TO CONFLUENT SCHEMA REGISTRY (URL '${registryUrl}')`);
    const cpuBefore = processCpuSeconds(server.child.pid!);
    const started = performance.now();
    await client.query(`CREATE SOURCE src FROM KAFKA CONNECTION kc (TOPIC '${c.topic}') ${c.source}`);
    if (c.view !== null) {
      await client.query(`CREATE MATERIALIZED VIEW mv AS ${c.view}`);
      await client.query('CREATE INDEX mv_idx ON mv (id)');
    }
    for (;;) {
      const offsets = await scalar(client, 'SELECT sum("offset")::text FROM src_progress');
      if (offsets !== null && Number(offsets) >= total) {
        if (c.view === null) break;
        const last = await scalar(client, 'SELECT max(id)::text FROM mv');
        if (last !== null && Number(last) >= c.lastId) break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    return { rate: total / seconds, cpuSeconds: processCpuSeconds(server.child.pid!) - cpuBefore };
  } finally {
    await client.end();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** User + system CPU seconds of a process so far (all its threads), from /proc. */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}


async function main(): Promise<void> {
  const cluster = startMockCluster(1);
  const registry = new EmbeddedSchemaRegistry();
  const { url } = await registry.start();
  const connection: KafkaConnectionSpec = { brokers: [cluster.bootstrap], config: { 'bootstrap.servers': cluster.bootstrap }, secretConfig: {} };
  const selected = cases.filter((c) => !only || c.name.includes(only));
  const topics = new Set(selected.map((c) => c.topic));
  console.log(`producing ${total} messages (${partitions} partitions) to ${[...topics].join(', ')}...`);
  await produceBenchTopics(cluster, registry, total, partitions, topics);
  console.log(`\n${'case'.padEnd(26)}${'run'.padStart(4)}${'raw msg/s'.padStart(11)}${settings.map((w) => `w=${w} msg/s`.padStart(13) + '% raw'.padStart(7) + 'CPU s'.padStart(7)).join('')}`);
  for (const c of selected) {
    for (let run = 1; run <= runs; run++) {
      const before = await rawRate(connection, c.topic, total, partitions);
      const results: { rate: number; cpuSeconds: number }[] = [];
      for (const w of settings) results.push(await serverRate(cluster.bootstrap, url, c, w));
      const after = await rawRate(connection, c.topic, total, partitions);
      const raw = (before + after) / 2;
      console.log(
        `${c.name.padEnd(26)}${String(run).padStart(4)}${Math.round(raw).toString().padStart(11)}` +
          results.map((r) => Math.round(r.rate).toString().padStart(13) + `${Math.round((r.rate / raw) * 100)}%`.padStart(7) + r.cpuSeconds.toFixed(1).padStart(7)).join(''),
      );
    }
  }
  cluster.destroy();
  await registry.close();
}

await main();
