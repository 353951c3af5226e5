// Through the real server, across a restart: ENVELOPE DEBEZIUM over JSON
// (Debezium's JSON converter with and without schemas), CREATE TABLE ...
// FROM SOURCE (several read-only tables over one source, each with its own
// format and envelope) and a source's dead-letter relation (EXPOSE ERRORS AS).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { connectProducer, startMockCluster, type TestMessage, type TestProducer } from '../helpers/kafka-mock.js';
import { connectPg, eventuallyError, eventuallyRows, queryArrays, serveFreshet, type ServedFreshet } from '../helpers/server-process.js';
import { sqlError } from '../helpers/kafka-server.js';

const dataDir = mkdtempSync(join(tmpdir(), 'freshet-integration-debezium-'));
const cluster = startMockCluster(1);
const servers: ServedFreshet[] = [];
const clients: pg.Client[] = [];
let producer: TestProducer | undefined;

after(async () => {
  for (const client of clients) await client.end().catch(() => undefined);
  for (const server of servers) await server.stop();
  await producer?.close();
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

/** A Debezium change event as its JSON converter writes it (schemas.enable=true wraps it in schema/payload). */
function change(topic: string, id: number, op: string, before: object | null, after: object | null, wrapped: boolean): TestMessage {
  const payload = { before, after, op, ts_ms: 1_764_000_000_000, source: { connector: 'postgresql', db: 'shop', table: 'customers' } };
  const keyPayload = { id };
  const schema = { type: 'struct', optional: false, name: 'shop.public.customers.Envelope' };
  return {
    topic,
    partition: 0,
    key: JSON.stringify(wrapped ? { schema: { type: 'struct', name: 'shop.public.customers.Key' }, payload: keyPayload } : keyPayload),
    value: JSON.stringify(wrapped ? { schema, payload } : payload),
  };
}

test('JSON Debezium, tables from one source and the dead-letter relation, across a restart', async () => {
  producer = await connectProducer(cluster.bootstrap);
  cluster.createTopic('dbz_wrapped', 1);
  cluster.createTopic('dbz_plain', 1);
  cluster.createTopic('mixed', 1);
  await producer.send([
    change('dbz_wrapped', 1, 'r', null, { id: 1, name: 'ada' }, true),
    change('dbz_wrapped', 2, 'r', null, { id: 2, name: 'bob' }, true),
    change('dbz_wrapped', 3, 'c', null, { id: 3, name: 'cy' }, true),
    change('dbz_wrapped', 1, 'u', { id: 1, name: 'ada' }, { id: 1, name: 'ada l.' }, true),
    // Delivered twice (a connector restart replays): counted once.
    change('dbz_wrapped', 3, 'c', null, { id: 3, name: 'cy' }, true),
    change('dbz_wrapped', 2, 'd', { id: 2, name: 'bob' }, null, true),
    { topic: 'dbz_wrapped', partition: 0, key: JSON.stringify({ schema: {}, payload: { id: 2 } }), value: null },
    change('dbz_plain', 10, 'c', null, { id: 10, qty: 5 }, false),
    change('dbz_plain', 11, 'c', null, { id: 11, qty: 7 }, false),
    { topic: 'mixed', partition: 0, key: 'k1', value: '{"a": 1}' },
    { topic: 'mixed', partition: 0, key: 'k2', value: 'not json' },
    { topic: 'mixed', partition: 0, key: 'k3', value: '{"a": 3}' },
  ]);
  let c = await start();
  await c.query(`CREATE CONNECTION kc TO KAFKA (BROKER '${cluster.bootstrap}')`);
  await c.query("CREATE SOURCE customers FROM KAFKA CONNECTION kc (TOPIC 'dbz_wrapped') FORMAT JSON ENVELOPE DEBEZIUM");
  await c.query("CREATE SOURCE orders FROM KAFKA CONNECTION kc (TOPIC 'dbz_plain') KEY FORMAT JSON VALUE FORMAT JSON ENVELOPE DEBEZIUM");
  await eventuallyRows(c, "SELECT data->>'id', data->>'name' FROM customers ORDER BY 1", [['1', 'ada l.'], ['3', 'cy']]);
  await eventuallyRows(c, "SELECT sum((data->>'qty')::int) FROM orders", [['12']]);
  assert.deepEqual(await queryArrays(c, "SELECT envelope_type, value_format FROM mz_sources WHERE name = 'customers'"), [['debezium', 'json']]);

  // Materialize's newer form: a source without a format, then tables that decode it.
  await c.query("CREATE SOURCE mixed_src FROM KAFKA CONNECTION kc (TOPIC 'mixed') EXPOSE ERRORS AS mixed_src_errors");
  await c.query('CREATE TABLE mixed_text FROM SOURCE mixed_src (REFERENCE "mixed") FORMAT TEXT');
  await c.query('CREATE TABLE mixed_kv FROM SOURCE mixed_src KEY FORMAT TEXT VALUE FORMAT JSON ENVELOPE UPSERT (VALUE DECODING ERRORS = INLINE)');
  await eventuallyRows(c, 'SELECT text FROM mixed_text ORDER BY text', [['not json'], ['{"a": 1}'], ['{"a": 3}']]);
  await eventuallyRows(c, 'SELECT key, data::text, (error).description IS NOT NULL FROM mixed_kv ORDER BY key', [
    ['k1', '{"a": 1}', 'f'],
    ['k2', null, 't'],
    ['k3', '{"a": 3}', 'f'],
  ]);
  assert.equal((await sqlError(c.query("INSERT INTO mixed_text VALUES ('x')"))).code, '42809');
  assert.equal((await sqlError(c.query('DELETE FROM mixed_kv'))).code, '42809');
  const badRef = await sqlError(c.query('CREATE TABLE nope FROM SOURCE mixed_src (REFERENCE "other") FORMAT TEXT'));
  assert.equal(badRef.code, '42704');
  assert.equal((await sqlError(c.query('DROP SOURCE mixed_src'))).code, '2BP01');

  // A JSON source over the same topic: the bad message fails its queries, and
  // is in the dead-letter relation with its bytes and the error.
  await c.query("CREATE SOURCE mixed_json FROM KAFKA CONNECTION kc (TOPIC 'mixed') KEY FORMAT TEXT VALUE FORMAT JSON INCLUDE KEY EXPOSE ERRORS AS mixed_json_dlq");
  const failure = await eventuallyError(c, 'SELECT * FROM mixed_json');
  assert.match(failure.message, /Decode error: .*partition 0, offset 1/);
  await eventuallyRows(c, "SELECT partition, \"offset\", convert_from(key, 'utf8'), convert_from(value, 'utf8'), error LIKE 'Decode error:%' FROM mixed_json_dlq", [
    ['0', '1', 'k2', 'not json', 't'],
  ]);
  const sources = await queryArrays(c, "SHOW SOURCES");
  assert.deepEqual(
    sources.filter((r) => String(r[0]).startsWith('mixed_json')).map((r) => [r[0], r[1]]),
    [['mixed_json', 'kafka'], ['mixed_json_dlq', 'dead-letter'], ['mixed_json_progress', 'progress']],
  );

  // Restart: everything comes back as it was, and keeps ingesting.
  assert.equal(await servers[0]!.stop(), 0, servers[0]!.log());
  await producer.send([
    change('dbz_wrapped', 3, 'u', { id: 3, name: 'cy' }, { id: 3, name: 'cyd' }, true),
    change('dbz_wrapped', 1, 'd', { id: 1, name: 'ada l.' }, null, true),
    { topic: 'mixed', partition: 0, key: 'k4', value: '{"a": 4}' },
  ]);
  c = await start();
  await eventuallyRows(c, "SELECT data->>'id', data->>'name' FROM customers ORDER BY 1", [['3', 'cyd']]);
  await eventuallyRows(c, 'SELECT count(*) FROM mixed_text', [['4']]);
  await eventuallyRows(c, 'SELECT key FROM mixed_kv ORDER BY key', [['k1'], ['k2'], ['k3'], ['k4']]);
  await eventuallyRows(c, 'SELECT partition, "offset" FROM mixed_json_dlq', [['0', '1']]);
  const [[, createTable]] = await queryArrays(c, 'SHOW CREATE TABLE mixed_kv');
  assert.match(String(createTable), /FROM SOURCE mixed_src KEY FORMAT TEXT VALUE FORMAT JSON ENVELOPE UPSERT/);

  // Truncate empties the Debezium table.
  await producer.send([{ topic: 'dbz_wrapped', partition: 0, key: JSON.stringify({ payload: { id: 0 }, schema: {} }), value: JSON.stringify({ schema: {}, payload: { op: 't', before: null, after: null } }) }]);
  await eventuallyRows(c, 'SELECT count(*) FROM customers', [['0']]);
  await c.query('DROP TABLE mixed_text');
  await c.query('DROP TABLE mixed_kv');
  await c.query('DROP SOURCE mixed_src');
});
