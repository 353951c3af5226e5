// Issue 4 over the wire: SUBSCRIBE through `COPY ... TO STDOUT` (psql as a
// subprocess) and through DECLARE/FETCH cursors (pg), over tables, Kafka
// sources and views joining them; concurrent subscribers; consistent reads.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type pg from 'pg';
import { startKafkaServer, type KafkaServer } from '../helpers/kafka-server.js';
import { eventuallyRows, pollUntil, queryArrays } from '../helpers/server-process.js';
import { PSQL } from '../server/harness.js';

let fixture: KafkaServer | undefined;
before(async () => {
  fixture = await startKafkaServer('integration-subscribe');
});
after(() => fixture?.stop());

const client = (): Promise<pg.Client> => fixture!.connect();

type Update = [timestamp: bigint, diff: number, ...columns: unknown[]];

/** FETCHes from cursor `name` until the accumulated updates consolidate to `expected` (rows as [diff-free columns]). */
async function fetchUntil(c: pg.Client, name: string, seen: Update[], expected: unknown[][]): Promise<Update[]> {
  const want = JSON.stringify(sortRows(expected));
  await pollUntil(
    async () => {
      const rows = await queryArrays(c, `FETCH ALL ${name} WITH (timeout = '200ms')`);
      for (const row of rows) seen.push([BigInt(String(row[0])), Number(row[1]), ...row.slice(2)]);
      return JSON.stringify(consolidate(seen));
    },
    (state) => state === want,
    `cursor ${name} reaching ${want}`,
    150,
  );
  return seen;
}

const sortRows = (rows: unknown[][]): unknown[][] => rows.map((r) => JSON.stringify(r)).sort().map((r) => JSON.parse(r) as unknown[]);

/** The multiset the updates add up to, each row repeated by its count. */
function consolidate(updates: Update[]): unknown[][] {
  const counts = new Map<string, number>();
  for (const [, diff, ...columns] of updates) {
    const key = JSON.stringify(columns);
    counts.set(key, (counts.get(key) ?? 0) + diff);
  }
  const out: unknown[][] = [];
  for (const [key, count] of counts) {
    assert.ok(count >= 0, `negative count for ${key}`);
    for (let i = 0; i < count; i++) out.push(JSON.parse(key) as unknown[]);
  }
  return sortRows(out);
}

function assertTimestampsNonDecreasing(updates: Update[]): void {
  for (let i = 1; i < updates.length; i++) assert.ok(updates[i]![0] >= updates[i - 1]![0], 'mz_timestamp never goes back');
}

test('COPY (SUBSCRIBE ...) TO STDOUT from psql streams the snapshot, then each change, until psql is killed', async () => {
  const c = await client();
  await c.query('CREATE TABLE readings (sensor text, value int)');
  await c.query("INSERT INTO readings VALUES ('a', 1), ('b', 2)");
  await c.query('CREATE MATERIALIZED VIEW totals AS SELECT sum(value) AS total, count(*) AS n FROM readings');
  // psql writes COPY data with stdio, fully buffered into a pipe: stdbuf makes it line-buffered, as on a terminal.
  const psql = spawn('stdbuf', ['-oL', PSQL, '-X', '-h', '127.0.0.1', '-p', String(fixture!.server.port), '-U', 'materialize', '-d', 'materialize', '-c', 'COPY (SUBSCRIBE totals) TO STDOUT'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
  });
  const exited = new Promise<number | null>((resolve) => psql.on('exit', (code) => resolve(code)));
  let stdout = '';
  let stderr = '';
  psql.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  psql.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  try {
    const lines = (): string[][] => stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
    const snapshot = await pollUntil(async () => lines(), (l) => l.length >= 1, `snapshot line (stderr: ${stderr})`);
    assert.equal(snapshot.length, 1);
    const [ts0, diff0, total0, n0] = snapshot[0]!;
    assert.match(ts0!, /^\d+$/);
    assert.deepEqual([diff0, total0, n0], ['1', '3', '2']);

    await c.query("INSERT INTO readings VALUES ('c', 10)");
    const afterInsert = await pollUntil(async () => lines(), (l) => l.length >= 3, 'the update after INSERT');
    const change = afterInsert.slice(1, 3).map((l) => l.slice(1)).sort();
    assert.deepEqual(change, [['-1', '3', '2'], ['1', '13', '3']]);
    // One update: retraction and insertion at one timestamp, after the snapshot's.
    assert.equal(afterInsert[1]![0], afterInsert[2]![0]);
    assert.ok(BigInt(afterInsert[1]![0]!) > BigInt(ts0!));

    await c.query("DELETE FROM readings WHERE sensor = 'a'");
    const afterDelete = await pollUntil(async () => lines(), (l) => l.length >= 5, 'the update after DELETE');
    assert.deepEqual(afterDelete.slice(3, 5).map((l) => l.slice(1)).sort(), [['-1', '13', '3'], ['1', '12', '2']]);
  } finally {
    psql.kill('SIGTERM');
    await exited;
  }
  // The server is unaffected by the subscriber going away.
  assert.deepEqual(await queryArrays(c, 'SELECT total, n FROM totals'), [['12', '2']]);
});

test('DECLARE CURSOR FOR SUBSCRIBE and FETCH: SNAPSHOT = false, PROGRESS, changes from table INSERTs and Kafka messages', async () => {
  const c = await client();
  const writer = await client();
  const { cluster: mock, producer: p } = { cluster: fixture!.cluster, producer: fixture!.producer };
  mock.createTopic('clicks4', 4);
  await writer.query('CREATE TABLE pages (id int, title text)');
  await writer.query("INSERT INTO pages VALUES (1, 'home'), (2, 'about')");
  await writer.query("CREATE SOURCE clicks FROM KAFKA CONNECTION kc (TOPIC 'clicks4') FORMAT JSON");
  await writer.query(
    "CREATE MATERIALIZED VIEW page_clicks AS SELECT p.title, count(*) AS clicks FROM clicks c JOIN pages p ON p.id = (c.data->>'page')::int GROUP BY p.title",
  );
  await p.send([{ topic: 'clicks4', partition: 0, value: '{"page": 1}' }]);
  await eventuallyRows(c, 'SELECT title, clicks FROM page_clicks', [['home', '1']]);

  await c.query('BEGIN');
  await c.query('DECLARE snap CURSOR FOR SUBSCRIBE page_clicks');
  await c.query('DECLARE later CURSOR FOR SUBSCRIBE pages WITH (SNAPSHOT = false)');
  const fields = (await c.query({ text: "FETCH ALL snap WITH (timeout = '1s')", rowMode: 'array' })) as pg.QueryArrayResult;
  assert.deepEqual(fields.fields.map((f) => f.name), ['mz_timestamp', 'mz_diff', 'title', 'clicks']);
  const snap: Update[] = fields.rows.map((r) => [BigInt(String(r[0])), Number(r[1]), ...r.slice(2)]);
  assert.deepEqual(consolidate(snap), [['home', '1']]);
  assert.deepEqual(await queryArrays(c, "FETCH ALL later WITH (timeout = '200ms')"), []);

  // A Kafka message and a table write each show up as updates.
  await p.send([{ topic: 'clicks4', partition: 3, value: '{"page": 2}' }, { topic: 'clicks4', partition: 1, value: '{"page": 1}' }]);
  await fetchUntil(c, 'snap', snap, [['about', '1'], ['home', '2']]);
  await writer.query("INSERT INTO pages VALUES (3, 'blog')");
  const pageUpdates = await fetchUntil(c, 'later', [], [[3, 'blog'].map(String)]);
  assert.deepEqual(pageUpdates.map(([, diff, ...cols]) => [diff, ...cols]), [[1, '3', 'blog']]);
  await p.send([{ topic: 'clicks4', partition: 2, value: '{"page": 3}' }]);
  await fetchUntil(c, 'snap', snap, [['about', '1'], ['blog', '1'], ['home', '2']]);
  assertTimestampsNonDecreasing(snap);
  await c.query('COMMIT');

  await c.query('BEGIN');
  await c.query('DECLARE prog CURSOR FOR SUBSCRIBE (SELECT title FROM pages WHERE id > 1) WITH (PROGRESS)');
  const progressed = (await c.query({ text: "FETCH ALL prog WITH (timeout = '1s')", rowMode: 'array' })) as pg.QueryArrayResult;
  assert.deepEqual(progressed.fields.map((f) => f.name), ['mz_timestamp', 'mz_progressed', 'mz_diff', 'title']);
  const data = progressed.rows.filter((r) => r[1] === 'f').map((r) => [r[2], r[3]]).sort();
  assert.deepEqual(data, [['1', 'about'], ['1', 'blog']]);
  // Progress rows: mz_progressed true, NULL diff and columns, and a timestamp beyond the data's.
  const progress = progressed.rows.filter((r) => r[1] === 't');
  assert.ok(progress.length >= 1, JSON.stringify(progressed.rows));
  for (const row of progress) assert.deepEqual(row.slice(2), [null, null]);
  const maxData = progressed.rows.filter((r) => r[1] === 'f').reduce((m, r) => (BigInt(String(r[0])) > m ? BigInt(String(r[0])) : m), 0n);
  assert.ok(progress.some((r) => BigInt(String(r[0])) > maxData));
  await c.query('COMMIT');
});

test('several concurrent subscribers see the same changes at the same timestamps', async () => {
  const writer = await client();
  await writer.query('CREATE TABLE stock (item text, qty int)');
  await writer.query('CREATE MATERIALIZED VIEW stock_total AS SELECT item, sum(qty) AS total FROM stock GROUP BY item');
  const subscribers = await Promise.all([client(), client(), client()]);
  for (const s of subscribers) {
    await s.query('BEGIN');
    await s.query('DECLARE c CURSOR FOR SUBSCRIBE stock_total');
  }
  await writer.query("INSERT INTO stock VALUES ('nut', 5), ('bolt', 2)");
  await writer.query("INSERT INTO stock VALUES ('nut', -1)");
  await writer.query("DELETE FROM stock WHERE item = 'bolt'");
  const expected = [['nut', '4']];
  const seen = await Promise.all(subscribers.map((s) => fetchUntil(s, 'c', [], expected)));
  const canonical = (updates: Update[]): string => JSON.stringify(updates.map((u) => [String(u[0]), ...u.slice(1)]).sort());
  assert.equal(canonical(seen[1]!), canonical(seen[0]!));
  assert.equal(canonical(seen[2]!), canonical(seen[0]!));
  for (const s of subscribers) await s.query('COMMIT');
});

test('one SELECT over a source, a view and a materialized view over it reads them all at one timestamp', async () => {
  const c = await client();
  const { cluster: mock, producer: p } = { cluster: fixture!.cluster, producer: fixture!.producer };
  mock.createTopic('amounts4', 4);
  await c.query("CREATE SOURCE amounts FROM KAFKA CONNECTION kc (TOPIC 'amounts4') FORMAT TEXT");
  await c.query('CREATE VIEW amount_values AS SELECT text::int AS v FROM amounts');
  await c.query('CREATE MATERIALIZED VIEW amount_stats AS SELECT count(*) AS n, sum(v) AS total FROM amount_values');
  await c.query('CREATE TABLE marks (v int)');
  await c.query('CREATE MATERIALIZED VIEW mark_stats AS SELECT count(*) AS n, sum(v) AS total FROM marks');
  const consistent = `SELECT (SELECT count(*) FROM amounts), (SELECT n FROM amount_stats), (SELECT coalesce(sum(v), 0) FROM amount_values), (SELECT coalesce(total, 0) FROM amount_stats),
                             (SELECT count(*) FROM marks), (SELECT n FROM mark_stats)`;
  const batches = 20;
  const producing = (async () => {
    for (let b = 0; b < batches; b++) {
      await p.send(Array.from({ length: 25 }, (_, i) => ({ topic: 'amounts4', partition: (b + i) % 4, value: String(i + 1) })));
      await c.query('INSERT INTO marks SELECT generate_series(1, 10)');
    }
  })();
  const reader = await client();
  let reads = 0;
  let done = false;
  void producing.finally(() => (done = true));
  while (!done || reads < 5) {
    const [row] = await queryArrays(reader, consistent);
    const [count, n, sum, total, marks, markN] = row!.map(String);
    assert.equal(n, count, `a view and its source agree within one SELECT: ${row!.join(',')}`);
    assert.equal(total, sum, `an aggregate and its input agree within one SELECT: ${row!.join(',')}`);
    assert.equal(markN, marks, `a table and its aggregate agree within one SELECT: ${row!.join(',')}`);
    reads++;
    if (done && reads >= 5) break;
  }
  await producing;
  await eventuallyRows(reader, consistent, [['500', '500', '6500', '6500', '200', '200']]);
});
