// Restart and rehydration: how long a server takes to come back with a large
// upsert source and a large materialized view, and how much memory it holds
// afterwards. Through a real `freshet serve`:
//   1. an upsert source over N distinct keys (librdkafka's mock cluster) and
//      a materialized view of N rows over it; wait until all is ingested;
//   2. SIGTERM, then `freshet serve` again on the same storage;
//   3. report the time to the `listening` line (the catalog replayed, every
//      shard read, the upsert state and the view rehydrated: the server
//      answers from then on), to the first correct answer, and the server's
//      resident memory (VmRSS) after restart.
// Usage: node .build/NAME/bench/restart.js [keys=1000000] [storage]
// `storage` is passed to `freshet serve --storage` (postgres://..., local; default local).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectProducer, startMockCluster, type TestMessage } from '../test/helpers/kafka-mock.js';
import { connectPg, queryArrays, serveFreshet } from '../test/helpers/server-process.js';

const keys = Number(process.argv[2] ?? 1_000_000);
const storage = process.argv[3];
const partitions = 16;

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function waitForCount(port: number, sql: string, n: number): Promise<void> {
  const c = await connectPg(port);
  try {
    for (;;) {
      try {
        const [[count]] = (await queryArrays(c, sql)) as [[string]];
        if (Number(count) >= n) return;
      } catch {
        // Not there yet.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await c.end();
  }
}

const cluster = startMockCluster(1);
const dataDir = mkdtempSync(join(tmpdir(), 'freshet-bench-restart-'));
const extra = storage === undefined ? [] : ['--storage', storage];
try {
  cluster.createTopic('kv', partitions);
  const producer = await connectProducer(cluster.bootstrap);
  let t = performance.now();
  for (let start = 0; start < keys; start += 50_000) {
    const batch: TestMessage[] = [];
    for (let i = start; i < Math.min(keys, start + 50_000); i++) batch.push({ topic: 'kv', partition: i % partitions, key: `key${i}`, value: `value ${i}` });
    await producer.send(batch);
  }
  await producer.close();
  console.log(`produced ${keys} keyed messages in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  let server = await serveFreshet(dataDir, extra);
  const c = await connectPg(server.port);
  await c.query(`CREATE CONNECTION kc TO KAFKA (BROKER '${cluster.bootstrap}')`);
  t = performance.now();
  await c.query("CREATE SOURCE kv FROM KAFKA CONNECTION kc (TOPIC 'kv') KEY FORMAT TEXT VALUE FORMAT TEXT ENVELOPE UPSERT");
  await c.query("CREATE MATERIALIZED VIEW mv AS SELECT key, upper(text) AS v FROM kv WHERE text LIKE 'value%'");
  await c.end();
  await waitForCount(server.port, 'SELECT count(*) FROM mv', keys);
  console.log(`ingested ${keys} upsert keys (and a view of ${keys} rows) in ${((performance.now() - t) / 1000).toFixed(1)} s; RSS ${rssMiB(server.child.pid!)} MiB`);
  const stopStart = performance.now();
  await server.stop();
  console.log(`stopped in ${((performance.now() - stopStart) / 1000).toFixed(1)} s`);

  t = performance.now();
  server = await serveFreshet(dataDir, extra);
  const listening = performance.now() - t;
  await waitForCount(server.port, 'SELECT count(*) FROM mv', keys);
  const answered = performance.now() - t;
  const rssAfter = rssMiB(server.child.pid!);
  await new Promise((r) => setTimeout(r, 5000));
  const rssSettled = rssMiB(server.child.pid!);
  console.log(
    `restart (${storage ?? 'local (default)'}): listening after ${(listening / 1000).toFixed(2)} s, first correct answer after ${(answered / 1000).toFixed(2)} s; ` +
      `RSS ${rssAfter} MiB right after, ${rssSettled} MiB 5 s later`,
  );
  await server.stop();
} finally {
  cluster.destroy();
  rmSync(dataDir, { recursive: true, force: true });
}
