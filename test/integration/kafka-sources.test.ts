// Issue 3 through the real server: `freshet serve` as a child process, a
// librdkafka mock cluster, a real producer, and exact results over the wire
// (pg, and psql where its rendering matters).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T0, useKafkaServer, sqlError } from '../helpers/kafka-server.js';
import { eventuallyError, eventuallyRows, pollUntil, queryArrays } from '../helpers/server-process.js';
import { runPsql } from '../server/harness.js';

const { sql, kafka, server } = useKafkaServer('integration-sources');

/** `SHOW COLUMNS FROM obj` as [name, nullable, type]. */
async function columnsOf(obj: string): Promise<unknown[][]> {
  return (await queryArrays(sql(), `SHOW COLUMNS FROM ${obj}`)).map((row) => row.slice(0, 3));
}

test('connections: unreachable brokers fail validation with 08006, VALIDATE = false and VALIDATE CONNECTION, secrets never shown', async () => {
  const c = sql();
  await c.query("CREATE SECRET kafka_pw AS 'hunter2-secret'");
  const failed = await sqlError(c.query("CREATE CONNECTION down TO KAFKA (BROKER '127.0.0.1:1')"));
  assert.equal(failed.code, '08006');
  assert.match(failed.message, /^Meta data fetch error: BrokerTransportFailure/);
  await c.query("CREATE CONNECTION down TO KAFKA (BROKER '127.0.0.1:1') WITH (VALIDATE = false)");
  // VALIDATE CONNECTION runs the same check; psql shows its error as PostgreSQL's clients render it.
  const viaPsql = await runPsql(server().port, ['-c', 'VALIDATE CONNECTION down']);
  assert.equal(viaPsql.code, 1);
  assert.match(viaPsql.stderr, /ERROR: {2}Meta data fetch error: BrokerTransportFailure/);
  await c.query('VALIDATE CONNECTION kc');

  await c.query(
    `CREATE CONNECTION with_sasl TO KAFKA (BROKER '${kafka().cluster.bootstrap}', SECURITY PROTOCOL = 'SASL_PLAINTEXT', SASL MECHANISMS = 'PLAIN', SASL USERNAME = 'user', SASL PASSWORD = SECRET kafka_pw) WITH (VALIDATE = false)`,
  );
  const [[, createConnection]] = await queryArrays(c, 'SHOW CREATE CONNECTION with_sasl');
  assert.match(String(createConnection), /SASL PASSWORD = SECRET/);
  assert.doesNotMatch(String(createConnection), /hunter2/);
  // A source on it (the mock has no SASL listener) is created; nothing it shows reveals the secret.
  await c.query("CREATE SOURCE over_sasl FROM KAFKA CONNECTION with_sasl (TOPIC 'anything') FORMAT TEXT");
  const [[, createSource]] = await queryArrays(c, 'SHOW CREATE SOURCE over_sasl');
  assert.doesNotMatch(String(createSource), /hunter2/);
  // It stalls once connecting times out (the mock does not speak SASL), with an error that names no secret.
  const [stalled] = await pollUntil(
    () => queryArrays(c, "SELECT status, error FROM mz_internal.mz_source_statuses WHERE name = 'over_sasl'"),
    (rows) => rows[0]?.[0] === 'stalled',
    'over_sasl stalling',
  );
  assert.match(String(stalled![1]), /^Meta data fetch error: /);
  assert.doesNotMatch(String(stalled![1]), /hunter2/);
  assert.deepEqual(await queryArrays(c, 'SHOW SECRETS'), [['kafka_pw']]);
  await c.query('DROP SOURCE over_sasl');
  // The secret is still used by the connection.
  assert.equal((await sqlError(c.query('DROP SECRET kafka_pw'))).code, '2BP01');
  await c.query('DROP CONNECTION with_sasl');
  await c.query('DROP SECRET kafka_pw');
  assert.deepEqual(await queryArrays(c, 'SHOW SECRETS'), []);
});

test('formats: TEXT, BYTES, JSON (4 partitions), CSV WITH n COLUMNS, CSV WITH HEADER, DELIMITED BY, named columns', async () => {
  const c = sql();
  const { cluster: mock, producer: p } = kafka();
  for (const topic of ['f_text', 'f_bytes', 'f_csv', 'f_csvh', 'f_delim', 'f_named']) mock.createTopic(topic, 1);
  mock.createTopic('f_json', 4);
  await p.send([
    { topic: 'f_text', partition: 0, value: 'hello' },
    { topic: 'f_text', partition: 0, value: 'wörld' },
    { topic: 'f_bytes', partition: 0, value: Buffer.from([0x00, 0xff, 0x41]) },
    { topic: 'f_json', partition: 0, value: '{"b": [true, null], "a": 1}' },
    { topic: 'f_json', partition: 1, value: '[1, 2]' },
    { topic: 'f_json', partition: 2, value: '"s"' },
    { topic: 'f_json', partition: 3, value: '3.50' },
    { topic: 'f_csv', partition: 0, value: '1,"ada, l"' },
    { topic: 'f_csv', partition: 0, value: '2,bob\n' },
    { topic: 'f_csvh', partition: 0, value: 'id,name' },
    { topic: 'f_csvh', partition: 0, value: '1,ada' },
    { topic: 'f_csvh', partition: 0, value: '2,"b ""q"""' },
    { topic: 'f_delim', partition: 0, value: 'a|b,c|' },
    { topic: 'f_named', partition: 0, value: '7,seven' },
  ]);
  await c.query("CREATE SOURCE f_text FROM KAFKA CONNECTION kc (TOPIC 'f_text') FORMAT TEXT");
  await c.query("CREATE SOURCE f_bytes FROM KAFKA CONNECTION kc (TOPIC 'f_bytes') FORMAT BYTES");
  await c.query("CREATE SOURCE f_json FROM KAFKA CONNECTION kc (TOPIC 'f_json') FORMAT JSON");
  await c.query("CREATE SOURCE f_csv FROM KAFKA CONNECTION kc (TOPIC 'f_csv') FORMAT CSV WITH 2 COLUMNS");
  await c.query("CREATE SOURCE f_csvh FROM KAFKA CONNECTION kc (TOPIC 'f_csvh') FORMAT CSV WITH HEADER (id, name)");
  await c.query("CREATE SOURCE f_delim FROM KAFKA CONNECTION kc (TOPIC 'f_delim') FORMAT CSV WITH 3 COLUMNS DELIMITED BY '|'");
  await c.query("CREATE SOURCE f_named (id, label) FROM KAFKA CONNECTION kc (TOPIC 'f_named') FORMAT CSV WITH 2 COLUMNS");

  await eventuallyRows(c, 'SELECT text FROM f_text ORDER BY text', [['hello'], ['wörld']]);
  await eventuallyRows(c, 'SELECT data FROM f_bytes', [['\\x00ff41']]);
  await eventuallyRows(c, 'SELECT data::text FROM f_json ORDER BY 1', [['"s"'], ['3.50'], ['[1, 2]'], ['{"a": 1, "b": [true, null]}']]);
  assert.deepEqual(await queryArrays(c, "SELECT data->>'a', data->'b'->0 FROM f_json WHERE jsonb_typeof(data) = 'object'"), [['1', 'true']]);
  await eventuallyRows(c, 'SELECT column1, column2 FROM f_csv ORDER BY column1', [['1', 'ada, l'], ['2', 'bob']]);
  await eventuallyRows(c, 'SELECT id, name FROM f_csvh ORDER BY id', [['1', 'ada'], ['2', 'b "q"']]);
  await eventuallyRows(c, 'SELECT column1, column2, column3 FROM f_delim', [['a', 'b,c', '']]);
  await eventuallyRows(c, 'SELECT id::int * 2, label FROM f_named', [['14', 'seven']]);

  assert.deepEqual(await columnsOf('f_text'), [['text', 'f', 'text']]);
  assert.deepEqual(await columnsOf('f_bytes'), [['data', 'f', 'bytea']]);
  assert.deepEqual(await columnsOf('f_json'), [['data', 'f', 'jsonb']]);
  assert.deepEqual(await columnsOf('f_csv'), [['column1', 'f', 'text'], ['column2', 'f', 'text']]);
  assert.deepEqual(await columnsOf('f_csvh'), [['id', 'f', 'text'], ['name', 'f', 'text']]);
  assert.deepEqual(await columnsOf('f_named'), [['id', 'f', 'text'], ['label', 'f', 'text']]);
});

test('KEY FORMAT / VALUE FORMAT with INCLUDE KEY, PARTITION, OFFSET, TIMESTAMP, HEADERS, HEADER on 4 partitions', async () => {
  const c = sql();
  const { cluster: mock, producer: p } = kafka();
  mock.createTopic('meta4', 4);
  await p.send([
    { topic: 'meta4', partition: 0, key: 'k0', value: 'v0', timestamp: T0, headers: [{ source: Buffer.from('web') }, { trace: Buffer.from([0xff, 0x00]) }] },
    { topic: 'meta4', partition: 2, key: 'k2', value: 'v2', timestamp: T0 + 1_001 },
    { topic: 'meta4', partition: 3, value: 'v3', timestamp: T0 + 2_000, headers: [{ a: Buffer.from('1') }, { a: Buffer.from('2') }] },
    { topic: 'meta4', partition: 2, key: 'k2', value: 'v2b', timestamp: T0 + 3_000 },
  ]);
  await c.query(
    "CREATE SOURCE meta FROM KAFKA CONNECTION kc (TOPIC 'meta4') KEY FORMAT TEXT VALUE FORMAT TEXT " +
      "INCLUDE KEY AS k, PARTITION, OFFSET AS off, TIMESTAMP AS ts, HEADERS, HEADER 'source' AS src, HEADER 'source' AS src_raw BYTES, HEADER 'a' AS a",
  );
  assert.deepEqual(await columnsOf('meta'), [
    ['k', 't', 'text'],
    ['text', 'f', 'text'],
    ['partition', 'f', 'integer'],
    ['off', 'f', 'uint8'],
    ['ts', 't', 'timestamp(3) without time zone'],
    ['headers', 'f', 'record list'],
    ['src', 't', 'text'],
    ['src_raw', 't', 'bytea'],
    ['a', 't', 'text'],
  ]);
  await eventuallyRows(
    c,
    'SELECT k, text, partition, off, ts, list_length(headers), headers[1].key, headers[2].value, src, src_raw, a FROM meta ORDER BY partition, off',
    [
      ['k0', 'v0', '0', '0', '2025-11-24 16:00:00', '2', 'source', '\\xff00', 'web', '\\x776562', null],
      ['k2', 'v2', '2', '0', '2025-11-24 16:00:01.001', '0', null, null, null, null, null],
      ['k2', 'v2b', '2', '1', '2025-11-24 16:00:03', '0', null, null, null, null, null],
      [null, 'v3', '3', '0', '2025-11-24 16:00:02', '2', 'a', '\\x32', null, null, '2'],
    ],
  );
  assert.deepEqual(await queryArrays(c, 'SELECT headers::text FROM meta WHERE partition = 0'), [['{"(source,\\"\\\\\\\\x776562\\")","(trace,\\"\\\\\\\\xff00\\")"}']]);
  // Metadata columns are ordinary columns: filter and aggregate on them.
  assert.deepEqual(await queryArrays(c, 'SELECT partition, count(*), max(off) FROM meta GROUP BY partition ORDER BY partition'), [
    ['0', '1', '0'],
    ['2', '2', '1'],
    ['3', '1', '0'],
  ]);
});

test('ENVELOPE UPSERT: updates replace, tombstones delete, bad values and NULL keys are retractable errors, INLINE errors', async () => {
  const c = sql();
  const { cluster: mock, producer: p } = kafka();
  mock.createTopic('ups4', 4);
  mock.createTopic('ups_inline', 1);
  mock.createTopic('ups_nullkey', 1);
  await p.send([
    { topic: 'ups4', partition: 0, key: 'k1', value: '{"v": 1}' },
    { topic: 'ups4', partition: 1, key: 'k2', value: '{"v": 2}' },
    { topic: 'ups4', partition: 0, key: 'k1', value: '{"v": 11}' },
    { topic: 'ups4', partition: 2, key: 'k3', value: '{"v": 3}' },
    { topic: 'ups4', partition: 1, key: 'k2', value: null },
  ]);
  await c.query("CREATE SOURCE ups FROM KAFKA CONNECTION kc (TOPIC 'ups4') KEY FORMAT TEXT VALUE FORMAT JSON ENVELOPE UPSERT");
  assert.deepEqual(await columnsOf('ups'), [['key', 'f', 'text'], ['data', 'f', 'jsonb']]);
  await eventuallyRows(c, 'SELECT key, data::text FROM ups ORDER BY key', [['k1', '{"v": 11}'], ['k3', '{"v": 3}']]);

  await p.send([{ topic: 'ups4', partition: 2, key: 'k3', value: 'oops' }]);
  const decode = await eventuallyError(c, 'SELECT key FROM ups');
  assert.equal(decode.code, '22000');
  assert.match(decode.message, /^Decode error: Text: Failed to decode JSON: .*\(original text: oops\) \(partition 2, offset 1\), decoded key: "k3"$/);
  // Writing the key again with a good value retracts the error.
  await p.send([
    { topic: 'ups4', partition: 2, key: 'k3', value: '{"v": 33}' },
    { topic: 'ups4', partition: 3, key: 'k2', value: '{"v": 22}' },
  ]);
  await eventuallyRows(c, 'SELECT key, data::text FROM ups ORDER BY key', [['k1', '{"v": 11}'], ['k2', '{"v": 22}'], ['k3', '{"v": 33}']]);

  await p.send([
    { topic: 'ups_inline', partition: 0, key: 'u1', value: '{"name": "ada"}' },
    { topic: 'ups_inline', partition: 0, key: 'u2', value: 'oops' },
  ]);
  await c.query("CREATE SOURCE ups_inline FROM KAFKA CONNECTION kc (TOPIC 'ups_inline') KEY FORMAT TEXT VALUE FORMAT JSON ENVELOPE UPSERT (VALUE DECODING ERRORS = INLINE AS err)");
  assert.deepEqual(await columnsOf('ups_inline'), [['key', 'f', 'text'], ['data', 't', 'jsonb'], ['err', 't', 'record']]);
  const inline = await eventuallyRows(c, 'SELECT key, data::text, err IS NULL FROM ups_inline ORDER BY key', [['u1', '{"name": "ada"}', 't'], ['u2', null, 'f']]);
  assert.equal(inline.length, 2);
  const [[description]] = await queryArrays(c, "SELECT (err).description FROM ups_inline WHERE key = 'u2'");
  assert.match(String(description), /^Text: Failed to decode JSON: .*\(original text: oops\)$/);
  await p.send([{ topic: 'ups_inline', partition: 0, key: 'u2', value: '{"name": "bob"}' }]);
  await eventuallyRows(c, 'SELECT key, data::text, err FROM ups_inline ORDER BY key', [['u1', '{"name": "ada"}', null], ['u2', '{"name": "bob"}', null]]);

  await p.send([
    { topic: 'ups_nullkey', partition: 0, key: 'a', value: 'x' },
    { topic: 'ups_nullkey', partition: 0, key: null, value: 'y' },
  ]);
  await c.query("CREATE SOURCE ups_nullkey FROM KAFKA CONNECTION kc (TOPIC 'ups_nullkey') KEY FORMAT TEXT VALUE FORMAT TEXT ENVELOPE UPSERT");
  const nullKey = await eventuallyError(c, 'SELECT * FROM ups_nullkey');
  assert.match(nullKey.message, /record with NULL key in UPSERT source/);
  // A NULL key with a NULL value retracts that error.
  await p.send([{ topic: 'ups_nullkey', partition: 0, key: null, value: null }]);
  await eventuallyRows(c, 'SELECT key, text FROM ups_nullkey', [['a', 'x']]);
});
