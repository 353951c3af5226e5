// Crash soak: hundreds of kill -9 / restart cycles of a real `freshet serve`
// while a Kafka source ingests and a client INSERTs into a table, then a
// report of what was produced, ingested, lost and duplicated.
//
// A producer writes `messages` unique values (m0, m1, ...) to librdkafka's
// mock cluster (in this process, so it outlives every server), spread over
// the run; the server reads them through an append-only source. Meanwhile a
// client INSERTs numbered rows one at a time and remembers which were
// acknowledged. Each cycle starts the server on the same data directory,
// lets it work for a random time, and kills it with SIGKILL (mid-append,
// mid-compaction, mid-startup: wherever it happens to be). At the end one
// more server is started and left to catch up, and every message and
// acknowledged INSERT is counted:
//   lost        produced (or acknowledged) but not there
//   duplicated  there more than once
//   unacked     INSERTs there whose acknowledgement the kill cut off (allowed)
//
// Usage: node dist/bench/crash-soak.js [messages=200000] [cycles=30] [partitions=8]
//        [min-ms=300] [max-ms=1500]
// Exit code 1 when anything was lost or duplicated.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { connectProducer, startMockCluster, type TestMessage } from '../test/helpers/kafka-mock.js';
import { connectPg, queryArrays, serveFreshet, type ServedFreshet } from '../test/helpers/server-process.js';

const total = Number(process.argv[2] ?? 200_000);
const cycles = Number(process.argv[3] ?? 30);
const partitions = Number(process.argv[4] ?? 8);
const minMs = Number(process.argv[5] ?? 300);
const maxMs = Number(process.argv[6] ?? 1500);
const TOPIC = 'soak';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Counts {
  rows: number;
  distinct: number;
}

async function count(c: pg.Client, sql: string): Promise<Counts> {
  const [row] = await queryArrays(c, sql);
  return { rows: Number(row?.[0] ?? 0), distinct: Number(row?.[1] ?? 0) };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'freshet-crash-soak-'));
  const cluster = startMockCluster(1);
  cluster.createTopic(TOPIC, partitions);
  const producer = await connectProducer(cluster.bootstrap);
  const started = performance.now();

  // The producer spreads the messages over the cycles (a little faster, so the end is not all backlog).
  let produced = 0;
  const chunk = Math.max(1000, Math.ceil(total / Math.max(1, cycles) / 4));
  // A cycle lasts its random run time plus about 1.5 s of start-up and catch-up.
  const perChunkMs = Math.max(5, ((cycles * ((minMs + maxMs) / 2 + 1500)) / Math.ceil(total / chunk)) * 0.7);
  const producing = (async () => {
    while (produced < total) {
      const messages: TestMessage[] = [];
      const end = Math.min(total, produced + chunk);
      for (let i = produced; i < end; i++) messages.push({ topic: TOPIC, partition: i % partitions, value: `m${i}` });
      await producer.send(messages);
      produced = end;
      await sleep(perChunkMs);
    }
  })();

  const acked = new Set<number>();
  let nextInsert = 0;
  let kills = 0;
  let startFailures = 0;
  let server: ServedFreshet | undefined;
  for (let cycle = 0; cycle < cycles; cycle++) {
    try {
      server = await serveFreshet(dataDir);
    } catch (err) {
      // A server that cannot start after a kill is exactly what this soak looks for.
      startFailures++;
      console.error(`cycle ${cycle}: the server did not start: ${err instanceof Error ? err.message.slice(0, 2000) : String(err)}`);
      continue;
    }
    let client: pg.Client | undefined;
    let inserting = true;
    let inserter: Promise<void> = Promise.resolve();
    try {
      client = await connectPg(server.port);
      if (cycle === 0) {
        await client.query(`CREATE CONNECTION kc TO KAFKA (BROKER '${cluster.bootstrap}')`);
        await client.query(`CREATE SOURCE s FROM KAFKA CONNECTION kc (TOPIC '${TOPIC}') FORMAT TEXT`);
        await client.query('CREATE TABLE acks (n int)');
      }
      const c = client;
      inserter = (async () => {
        while (inserting) {
          const n = nextInsert++;
          try {
            await c.query(`INSERT INTO acks VALUES (${n})`);
            acked.add(n);
          } catch {
            return;
          }
        }
      })();
    } catch (err) {
      console.error(`cycle ${cycle}: ${err instanceof Error ? err.message : String(err)}`);
    }
    await sleep(minMs + Math.random() * (maxMs - minMs));
    server.child.kill('SIGKILL');
    await server.exited;
    kills++;
    inserting = false;
    await inserter;
    await client?.end().catch(() => undefined);
    if (cycle % 10 === 9) console.error(`cycle ${cycle + 1}/${cycles}: produced ${produced}, INSERTs acknowledged ${acked.size}`);
  }
  await producing;
  await producer.close();

  // The last server catches up; then everything is counted.
  server = await serveFreshet(dataDir);
  const c = await connectPg(server.port);
  let source: Counts = { rows: 0, distinct: 0 };
  let stableSince = performance.now();
  for (;;) {
    const now = await count(c, 'SELECT count(*), count(DISTINCT text) FROM s');
    if (now.rows !== source.rows) stableSince = performance.now();
    source = now;
    if (source.distinct >= total || performance.now() - stableSince > 10_000) break;
    await sleep(250);
  }
  const table = await count(c, 'SELECT count(*), count(DISTINCT n) FROM acks');
  const present = new Set((await queryArrays(c, 'SELECT DISTINCT n FROM acks')).map((r) => Number(r[0])));
  let insertsLost = 0;
  for (const n of acked) if (!present.has(n)) insertsLost++;
  let unacked = 0;
  for (const n of present) if (!acked.has(n)) unacked++;
  const [status] = await queryArrays(c, "SELECT status, error FROM mz_internal.mz_source_statuses WHERE name = 's'");
  await c.end();
  await server.stop();

  const report = {
    cycles,
    kills,
    serverStartFailures: startFailures,
    seconds: Math.round((performance.now() - started) / 1000),
    source: {
      produced: total,
      ingested: source.distinct,
      rows: source.rows,
      lost: total - source.distinct,
      duplicated: source.rows - source.distinct,
      status: status?.[0],
    },
    inserts: {
      acknowledged: acked.size,
      rows: table.rows,
      lost: insertsLost,
      duplicated: table.rows - table.distinct,
      unacknowledgedPresent: unacked,
    },
  };
  console.log(JSON.stringify(report, null, 2));
  cluster.destroy();
  const bad = report.source.lost !== 0 || report.source.duplicated !== 0 || insertsLost !== 0 || report.inserts.duplicated !== 0 || startFailures !== 0;
  if (!bad) await rm(dataDir, { recursive: true, force: true });
  else console.error(`data directory kept for inspection: ${dataDir}`);
  process.exitCode = bad ? 1 : 0;
}

await main();
