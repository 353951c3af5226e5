// A Kafka source across a server restart (SIGTERM, then `freshet serve` again
// on the same data directory): exactly the same rows afterwards, nothing
// duplicated or lost, including messages produced while it was down or still
// arriving when it stopped; new messages keep arriving.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { connectProducer, startMockCluster, type TestMessage } from '../helpers/kafka-mock.js';
import { connectPg, eventuallyRows, queryArrays, serveFreshet, type ServedFreshet } from '../helpers/server-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'freshet-integration-restart-'));
const cluster = startMockCluster(1);
const servers: ServedFreshet[] = [];
const clients: pg.Client[] = [];

after(async () => {
  for (const client of clients) await client.end().catch(() => undefined);
  for (const server of servers) await server.stop();
  cluster.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<pg.Client> {
  const server = await serveFreshet(dataDir);
  servers.push(server);
  const client = await connectPg(server.port);
  clients.push(client);
  return client;
}

/** Messages m<from>..m<to-1>, spread over the 4 partitions. */
const lines = (from: number, to: number): TestMessage[] =>
  Array.from({ length: to - from }, (_, i) => ({ topic: 'lines4', partition: (from + i) % 4, value: `m${String(from + i).padStart(4, '0')}` }));

const expectedTexts = (n: number): string[][] => Array.from({ length: n }, (_, i) => [`m${String(i).padStart(4, '0')}`]);

test('after SIGTERM and a restart on the same data dir a source has exactly the same rows and keeps ingesting', async () => {
  const producer = await connectProducer(cluster.bootstrap);
  try {
    cluster.createTopic('lines4', 4);
    cluster.createTopic('kv1', 1);
    await producer.send(lines(0, 200));
    await producer.send([
      { topic: 'kv1', partition: 0, key: 'a', value: '1' },
      { topic: 'kv1', partition: 0, key: 'b', value: '2' },
    ]);
    let c = await start();
    await c.query(`CREATE CONNECTION kc TO KAFKA (BROKER '${cluster.bootstrap}')`);
    await c.query("CREATE SOURCE lines FROM KAFKA CONNECTION kc (TOPIC 'lines4') FORMAT TEXT INCLUDE PARTITION, OFFSET");
    await c.query("CREATE SOURCE kv FROM KAFKA CONNECTION kc (TOPIC 'kv1') KEY FORMAT TEXT VALUE FORMAT TEXT ENVELOPE UPSERT");
    await c.query('CREATE MATERIALIZED VIEW line_stats AS SELECT count(*) AS n, count(DISTINCT text) AS texts, count(DISTINCT (partition, "offset")) AS positions FROM lines');
    await eventuallyRows(c, 'SELECT n, texts, positions FROM line_stats', [['200', '200', '200']]);
    await eventuallyRows(c, 'SELECT key, text FROM kv ORDER BY key', [['a', '1'], ['b', '2']]);

    // More messages, and the server told to stop while it may still be reading them.
    await producer.send(lines(200, 300));
    await producer.send([{ topic: 'kv1', partition: 0, key: 'a', value: '10' }]);
    assert.equal(await servers[0]!.stop(), 0, servers[0]!.log());
    // And more while it is down.
    await producer.send(lines(300, 400));
    await producer.send([{ topic: 'kv1', partition: 0, key: 'b', value: null }, { topic: 'kv1', partition: 0, key: 'c', value: '3' }]);

    c = await start();
    await eventuallyRows(c, 'SELECT n, texts, positions FROM line_stats', [['400', '400', '400']]);
    assert.deepEqual(await queryArrays(c, 'SELECT text FROM lines ORDER BY text'), expectedTexts(400));
    assert.deepEqual(await queryArrays(c, 'SELECT partition, max("offset"), count(*) FROM lines GROUP BY partition ORDER BY partition'), [
      ['0', '99', '100'],
      ['1', '99', '100'],
      ['2', '99', '100'],
      ['3', '99', '100'],
    ]);
    await eventuallyRows(c, 'SELECT key, text FROM kv ORDER BY key', [['a', '10'], ['c', '3']]);
    await eventuallyRows(c, 'SELECT partition, "offset" FROM lines_progress ORDER BY partition', [
      ['(3,)', '0'],
      ['[0,0]', '100'],
      ['[1,1]', '100'],
      ['[2,2]', '100'],
      ['[3,3]', '100'],
    ]);

    await producer.send(lines(400, 410));
    await eventuallyRows(c, 'SELECT n, texts, positions FROM line_stats', [['410', '410', '410']]);
    assert.deepEqual(await queryArrays(c, 'SELECT text FROM lines ORDER BY text'), expectedTexts(410));
    await eventuallyRows(c, "SELECT status FROM mz_internal.mz_source_statuses WHERE name IN ('lines', 'kv') ORDER BY name", [['running'], ['running']]);
  } finally {
    await producer.close();
  }
});
