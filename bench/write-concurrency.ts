// Write throughput through a real `freshet serve`: how well concurrent writers
// share durability (group commit).
//   inserts/N  N pg clients, each running single-row INSERTs into its own
//              table back to back for a fixed time: acknowledged INSERTs/s;
//   sources/4  4 append-only TEXT sources created at once over 4 topics of
//              M messages each (librdkafka's mock cluster): messages/s until
//              all 4 have everything.
// Usage: node .build/NAME/bench/write-concurrency.js [seconds=5] [messages=200000] [storage]
// `storage` is passed to `freshet serve --storage` (postgres://..., local; default local);
// without it the server keeps its shard files under a temporary --data-dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { connectProducer, startMockCluster, type TestMessage } from '../test/helpers/kafka-mock.js';
import { connectPg, queryArrays, serveFreshet } from '../test/helpers/server-process.js';

const seconds = Number(process.argv[2] ?? 5);
const messages = Number(process.argv[3] ?? 200_000);
const storage = process.argv[4];

async function insertCase(clients: number): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-bench-writes-'));
  const server = await serveFreshet(dataDir, storage === undefined ? [] : ['--storage', storage]);
  const conns: pg.Client[] = [];
  try {
    for (let i = 0; i < clients; i++) conns.push(await connectPg(server.port));
    // Names unique per case: a storage URL is shared by the cases.
    for (let i = 0; i < clients; i++) await conns[0]!.query(`CREATE TABLE t${clients}_${i} (id int, v text)`);
    let acknowledged = 0;
    const deadline = Date.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      conns.map(async (c, i) => {
        let n = 0;
        while (Date.now() < deadline) {
          await c.query(`INSERT INTO t${clients}_${i} VALUES (${n++}, 'row')`);
          acknowledged++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    return acknowledged / elapsed;
  } finally {
    for (const c of conns) await c.end().catch(() => undefined);
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function sourcesCase(sources: number): Promise<number> {
  const cluster = startMockCluster(1);
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-bench-sources-'));
  const producer = await connectProducer(cluster.bootstrap);
  try {
    for (let s = 0; s < sources; s++) {
      const topic = `bench${s}`;
      cluster.createTopic(topic, 4);
      for (let start = 0; start < messages; start += 50_000) {
        const batch: TestMessage[] = [];
        for (let i = start; i < Math.min(messages, start + 50_000); i++) batch.push({ topic, partition: i % 4, value: `message ${i}` });
        await producer.send(batch);
      }
    }
    const server = await serveFreshet(dataDir, storage === undefined ? [] : ['--storage', storage]);
    const c = await connectPg(server.port);
    try {
      await c.query(`CREATE CONNECTION kc TO KAFKA (BROKER '${cluster.bootstrap}')`);
      const started = performance.now();
      for (let s = 0; s < sources; s++) await c.query(`CREATE SOURCE s${s} FROM KAFKA CONNECTION kc (TOPIC 'bench${s}') FORMAT TEXT`);
      const counts = Array.from({ length: sources }, (_, s) => `(SELECT count(*) FROM s${s})`).join(' + ');
      for (;;) {
        const [[n]] = (await queryArrays(c, `SELECT ${counts}`)) as [[string]];
        if (Number(n) >= sources * messages) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      return (sources * messages) / ((performance.now() - started) / 1000);
    } finally {
      await c.end().catch(() => undefined);
      await server.stop();
    }
  } finally {
    await producer.close();
    cluster.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
for (const clients of [1, 8, 64]) console.log(`inserts/${clients}`.padEnd(12), `${fmt(await insertCase(clients))} INSERTs/s`);
console.log('sources/4'.padEnd(12), `${fmt(await sourcesCase(4))} messages/s`);
