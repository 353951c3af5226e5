// Issue 3 through the real server (part 2: start offsets, errors, status and
// statistics, queries over sources, new partitions): `freshet serve` as a child process, a
// librdkafka mock cluster, a real producer, and exact results over the wire
// (pg, and psql where its rendering matters).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectProducer } from '../helpers/kafka-mock.js';
import { T0, useKafkaServer, sqlError } from '../helpers/kafka-server.js';
import { eventuallyError, eventuallyRows, queryArrays } from '../helpers/server-process.js';
import { runPsql } from '../server/harness.js';

const { sql, kafka, server } = useKafkaServer('integration-sources-2');

test('START OFFSET per partition; START TIMESTAMP through the broker look-up (the mock answers "none": start at the end)', async () => {
  const c = sql();
  const { cluster: mock, producer: p } = kafka();
  mock.createTopic('so4', 4);
  mock.createTopic('st1', 1);
  await p.send([0, 1, 2, 3].flatMap((partition) => [0, 1, 2].map((i) => ({ topic: 'so4', partition, value: `p${partition}-${i}` }))));
  await c.query("CREATE SOURCE so FROM KAFKA CONNECTION kc (TOPIC 'so4', START OFFSET (1, 2)) FORMAT TEXT INCLUDE PARTITION, OFFSET");
  await eventuallyRows(c, 'SELECT partition, "offset", text FROM so ORDER BY partition, "offset"', [
    ['0', '1', 'p0-1'],
    ['0', '2', 'p0-2'],
    ['1', '2', 'p1-2'],
    ...[2, 3].flatMap((partition) => [0, 1, 2].map((i) => [String(partition), String(i), `p${partition}-${i}`])),
  ]);

  const conflict = await sqlError(c.query("CREATE SOURCE bad_start FROM KAFKA CONNECTION kc (TOPIC 'st1', START OFFSET (1), START TIMESTAMP 0) FORMAT TEXT"));
  assert.match(conflict.message, /cannot specify START TIMESTAMP and START OFFSET at same time/);

  // Both old messages are before the start timestamp: a real broker answers
  // "no offset" for it, and so does the mock (which answers that for every
  // timestamp), so the source starts at the end and reads only newer messages.
  await p.send([
    { topic: 'st1', partition: 0, value: 'old1', timestamp: T0 },
    { topic: 'st1', partition: 0, value: 'old2', timestamp: T0 + 1 },
  ]);
  await c.query(`CREATE SOURCE st FROM KAFKA CONNECTION kc (TOPIC 'st1', START TIMESTAMP ${T0 + 10}) FORMAT TEXT INCLUDE OFFSET`);
  await eventuallyRows(c, 'SELECT partition, "offset" FROM st_progress ORDER BY partition', [['(0,)', '0'], ['[0,0]', '2']]);
  await p.send([{ topic: 'st1', partition: 0, value: 'new', timestamp: T0 + 20 }]);
  await eventuallyRows(c, 'SELECT text, "offset" FROM st', [['new', '2']]);
});

test('an undecodable message makes every query over the source fail with "Decode error" naming partition and offset', async () => {
  const c = sql();
  const { cluster: mock, producer: p } = kafka();
  mock.createTopic('bad4', 4);
  await p.send([
    { topic: 'bad4', partition: 0, value: '{"a": 1}' },
    { topic: 'bad4', partition: 3, value: '{"a": 2}' },
    { topic: 'bad4', partition: 3, value: 'not json' },
  ]);
  await c.query("CREATE SOURCE bad FROM KAFKA CONNECTION kc (TOPIC 'bad4') FORMAT JSON");
  await c.query('CREATE VIEW bad_total AS SELECT sum((data->>\'a\')::int) AS total FROM bad');
  await c.query('CREATE MATERIALIZED VIEW bad_count AS SELECT count(*) AS n FROM bad');
  const expected = /^Decode error: Text: Failed to decode JSON: .*\(original text: not json\) \(partition 3, offset 1\)$/;
  for (const query of ['SELECT * FROM bad', 'SELECT total FROM bad_total', 'SELECT n FROM bad_count']) {
    const failure = await eventuallyError(c, query);
    assert.equal(failure.code, '22000', query);
    assert.match(failure.message, expected, query);
  }
  const viaPsql = await runPsql(server().port, ['-c', 'SELECT * FROM bad']);
  assert.equal(viaPsql.code, 1);
  assert.match(viaPsql.stderr, /ERROR: {2}Decode error: .*\(partition 3, offset 1\)/);
  // The error is data, not a broker problem: the source keeps running.
  await eventuallyRows(c, "SELECT status FROM mz_internal.mz_source_statuses WHERE name = 'bad'", [['running']]);
});

test('status: stalled for a missing topic (not auto-created), running once it exists; statistics; progress; SHOW SOURCES; SHOW CREATE SOURCE', async () => {
  const c = sql();
  const { cluster: mock, producer: p } = kafka();
  await c.query("CREATE SOURCE later FROM KAFKA CONNECTION kc (TOPIC 'created_later') FORMAT TEXT EXPOSE PROGRESS AS later_offsets");
  await eventuallyRows(c, "SELECT status, error FROM mz_internal.mz_source_statuses WHERE name = 'later'", [['stalled', 'Topic "created_later" does not exist']]);
  mock.createTopic('created_later', 1);
  await p.send([{ topic: 'created_later', partition: 0, value: 'finally' }]);
  await eventuallyRows(c, "SELECT status, error FROM mz_internal.mz_source_statuses WHERE name = 'later'", [['running', null]]);
  await eventuallyRows(c, 'SELECT text FROM later', [['finally']]);
  await eventuallyRows(c, 'SELECT partition, "offset" FROM later_offsets ORDER BY partition', [['(0,)', '0'], ['[0,0]', '1']]);

  mock.createTopic('stats4', 4);
  await p.send(Array.from({ length: 10 }, (_, i) => ({ topic: 'stats4', partition: i % 4, value: `abcd${i}` })));
  await c.query("CREATE SOURCE stats FROM KAFKA CONNECTION kc (TOPIC 'stats4') FORMAT TEXT");
  await eventuallyRows(c, 'SELECT partition, "offset" FROM stats_progress ORDER BY partition', [
    ['(3,)', '0'],
    ['[0,0]', '3'],
    ['[1,1]', '3'],
    ['[2,2]', '2'],
    ['[3,3]', '2'],
  ]);
  await eventuallyRows(
    c,
    `SELECT st.messages_received, st.bytes_received, st.updates_staged, st.updates_committed, st.records_indexed,
            st.offset_known, st.offset_committed, st.snapshot_committed, st.replica_id
       FROM mz_internal.mz_source_statistics st JOIN mz_sources s ON s.id = st.id WHERE s.name = 'stats'`,
    [['10', '50', '10', '10', '0', '10', '10', 't', 'r1']],
  );
  await eventuallyRows(c, "SELECT name, type, status FROM mz_internal.mz_source_statuses WHERE name LIKE 'stats%' ORDER BY name", [
    ['stats', 'kafka', 'running'],
    ['stats_progress', 'progress', 'running'],
  ]);

  const sources = await queryArrays(c, 'SHOW SOURCES');
  for (const row of [['later', 'kafka'], ['later_offsets', 'progress'], ['stats', 'kafka'], ['stats_progress', 'progress']]) {
    assert.ok(sources.some((s) => s[0] === row[0] && s[1] === row[1]), `SHOW SOURCES lists ${row.join(' ')}: ${JSON.stringify(sources)}`);
  }
  // Freshet shows the statement as written (Materialize normalises it: qualified names, TOPIC = ..., EXPOSE PROGRESS).
  assert.deepEqual(await queryArrays(c, 'SHOW CREATE SOURCE stats'), [['materialize.public.stats', "CREATE SOURCE stats FROM KAFKA CONNECTION kc (TOPIC 'stats4') FORMAT TEXT"]]);
});

test('sources are relations: joins with tables and aggregates, updated as messages arrive; partitions added later are read', async () => {
  const c = sql();
  const { cluster: mock, producer: p } = kafka();
  mock.createTopic('orders4', 4);
  await c.query('CREATE TABLE customers (id int, name text)');
  await c.query("INSERT INTO customers VALUES (1, 'ada'), (2, 'bob'), (3, 'cy')");
  await c.query("CREATE SOURCE orders FROM KAFKA CONNECTION kc (TOPIC 'orders4') FORMAT JSON");
  await c.query(
    "CREATE MATERIALIZED VIEW spend AS SELECT c.name, count(*) AS n, sum((o.data->>'amount')::int) AS total FROM orders o JOIN customers c ON c.id = (o.data->>'customer')::int GROUP BY c.name",
  );
  const order = (partition: number, customer: number, amount: number) => ({ topic: 'orders4', partition, value: JSON.stringify({ customer, amount }) });
  await p.send([order(0, 1, 10), order(1, 2, 5), order(2, 1, 7), order(3, 4, 100)]);
  await eventuallyRows(c, 'SELECT name, n, total FROM spend ORDER BY name', [['ada', '2', '17'], ['bob', '1', '5']]);
  // Ad hoc queries join and aggregate the source directly too, and agree with the view.
  await eventuallyRows(
    c,
    "SELECT c.name, sum((o.data->>'amount')::int) FROM customers c LEFT JOIN orders o ON c.id = (o.data->>'customer')::int GROUP BY c.name ORDER BY c.name",
    [['ada', '17'], ['bob', '5'], ['cy', null]],
  );
  await p.send([order(3, 3, 1), order(0, 2, 2)]);
  await eventuallyRows(c, 'SELECT name, n, total FROM spend ORDER BY name', [['ada', '2', '17'], ['bob', '2', '7'], ['cy', '1', '1']]);
  await c.query("INSERT INTO customers VALUES (4, 'dee')");
  await eventuallyRows(c, 'SELECT name, n, total FROM spend ORDER BY name', [['ada', '2', '17'], ['bob', '2', '7'], ['cy', '1', '1'], ['dee', '1', '100']]);

  // The mock cannot add partitions to a topic: re-create it with more. The
  // source finds the new partitions at its next metadata refresh.
  mock.createTopic('grows', 1);
  await p.send([{ topic: 'grows', partition: 0, value: 'a' }, { topic: 'grows', partition: 0, value: 'b' }]);
  await c.query("CREATE SOURCE grows FROM KAFKA CONNECTION kc (TOPIC 'grows', TOPIC METADATA REFRESH INTERVAL '1s') FORMAT TEXT INCLUDE PARTITION");
  await eventuallyRows(c, 'SELECT partition, text FROM grows ORDER BY text', [['0', 'a'], ['0', 'b']]);
  mock.deleteTopic('grows');
  mock.createTopic('grows', 3);
  // A new producer: the shared one's metadata still says one partition.
  const fresh = await connectProducer(mock.bootstrap);
  try {
    await fresh.send([{ topic: 'grows', partition: 1, value: 'c' }, { topic: 'grows', partition: 2, value: 'd' }]);
  } finally {
    await fresh.close();
  }
  await eventuallyRows(c, 'SELECT partition, text FROM grows ORDER BY text', [['0', 'a'], ['0', 'b'], ['1', 'c'], ['2', 'd']]);
  await eventuallyRows(c, "SELECT status FROM mz_internal.mz_source_statuses WHERE name = 'grows'", [['running']]);
});
