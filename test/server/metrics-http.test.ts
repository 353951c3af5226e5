// The HTTP endpoint against the real `freshet demo` (sources in every
// format ingesting): /metrics scraped during ingestion moves as data arrives;
// health endpoints; the SQL API's shape and its guards.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { HttpServer } from '../../src/server/http/server.js';
import { apiSql, startDemo, type RunningDemo } from '../helpers/demo-process.js';

let demo: RunningDemo;

before(async () => {
  demo = await startDemo(['--rate', '50']);
});

after(async () => {
  if (demo) assert.equal(await demo.stop(), 0);
});

interface Scrape {
  contentType: string;
  text: string;
  /** The value of the sample `name{labels}` whose labels include all of `labels`; undefined when absent. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

async function scrape(): Promise<Scrape> {
  const res = await fetch(`${demo.httpUrl}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  const samples = text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      assert.ok(m, `a valid sample line: ${line}`);
      const labels = new Map<string, string>();
      for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels.set(k!, v!);
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
  return {
    contentType: res.headers.get('content-type') ?? '',
    text,
    value: (name, want = {}) => samples.find((s) => s.name === name && Object.entries(want).every(([k, v]) => s.labels.get(k) === v))?.value,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('/metrics in Prometheus text format moves as data arrives: sources, views, queries, storage, process', async () => {
  const first = await scrape();
  assert.match(first.contentType, /^text\/plain; version=0\.0\.4/);
  for (const help of ['freshet_source_lag_messages', 'freshet_source_lag_seconds', 'freshet_relation_freshness_seconds', 'freshet_query_duration_seconds', 'freshet_storage_fsync_duration_seconds']) {
    assert.match(first.text, new RegExp(`# HELP ${help} `), `${help} is described`);
  }
  await apiSql(demo.httpUrl, 'SELECT * FROM revenue_by_country; SELECT * FROM item_funnel');
  await sleep(2500);
  const second = await scrape();

  for (const source of ['purchases', 'users', 'items', 'pageviews']) {
    const labels = { source };
    assert.equal(second.value('freshet_source_status', { source, status: 'running' }), 1, `${source} is running`);
    assert.equal(second.value('freshet_source_status', { source, status: 'stalled' }), 0);
    assert.ok(second.value('freshet_source_offset_known', labels)! > 0, `${source}: offsets known`);
    assert.ok(second.value('freshet_source_offset_committed', labels)! > 0, `${source}: offsets committed`);
    assert.ok(second.value('freshet_source_lag_messages', labels)! >= 0);
    assert.ok(second.value('freshet_source_lag_seconds', labels)! >= 0);
    assert.equal(second.value('freshet_source_decode_errors', labels), 0);
    assert.equal(second.value('freshet_source_snapshot_committed', labels), 1);
  }
  // The feed keeps producing: counters and offsets move between scrapes.
  for (const source of ['purchases', 'pageviews']) {
    for (const metric of ['freshet_source_messages_received_total', 'freshet_source_bytes_received_total', 'freshet_source_offset_committed', 'freshet_source_updates_committed_total']) {
      assert.ok(second.value(metric, { source })! > first.value(metric, { source })!, `${metric}{source="${source}"} grows: ${first.value(metric, { source })} -> ${second.value(metric, { source })}`);
    }
  }
  // Views: rows, updates applied, freshness.
  const mv = { relation: 'revenue_by_country', kind: 'materialized-view' };
  assert.ok(second.value('freshet_relation_rows', mv)! > 0);
  assert.ok(second.value('freshet_relation_updates_total', mv)! > first.value('freshet_relation_updates_total', mv)!);
  assert.ok(second.value('freshet_relation_freshness_seconds', mv)! < 10);
  assert.ok(second.value('freshet_relation_rows', { relation: 'users_typed_id_idx', kind: 'index' })! === 1000);
  assert.ok(second.value('freshet_relation_rows', { relation: 'items', kind: 'source' })! === 10);
  assert.ok(second.value('freshet_compute_frontier_lag_seconds')! < 10);
  assert.equal(second.value('freshet_objects', { kind: 'materialized-view' }), 5);
  // Queries by statement kind, with latencies.
  assert.ok(second.value('freshet_queries_total', { kind: 'select', outcome: 'ok' })! >= (first.value('freshet_queries_total', { kind: 'select', outcome: 'ok' }) ?? 0) + 2);
  assert.ok(second.value('freshet_query_duration_seconds_count', { kind: 'select' })! >= 2);
  assert.ok(second.value('freshet_queries_total', { kind: 'create_source', outcome: 'ok' })! >= 4);
  // Storage: appends, bytes, fsync latency; the data directory's size.
  assert.ok(second.value('freshet_storage_appended_bytes_total')! > first.value('freshet_storage_appended_bytes_total')!);
  assert.ok(second.value('freshet_storage_fsync_duration_seconds_count')! > first.value('freshet_storage_fsync_duration_seconds_count')!);
  assert.ok(second.value('freshet_storage_bytes')! > 0);
  // Process: memory and event-loop delay (prom-client's defaults).
  assert.ok(second.value('process_resident_memory_bytes')! > 0);
  assert.ok(second.value('nodejs_heap_size_used_bytes')! > 0);
  assert.ok(second.value('nodejs_eventloop_lag_p99_seconds') !== undefined);
});

test('decode errors are counted per source', async () => {
  const created = await apiSql(
    demo.httpUrl,
    "CREATE SOURCE items_as_text FROM KAFKA CONNECTION demo_kafka (TOPIC 'items') KEY FORMAT TEXT VALUE FORMAT JSON ENVELOPE UPSERT EXPOSE ERRORS AS items_as_text_errors",
  );
  assert.deepEqual(created.map((r) => r.ok ?? r.error), ['CREATE SOURCE']);
  let errors = 0;
  for (let attempt = 0; attempt < 50 && errors === 0; attempt++) {
    await sleep(200);
    errors = (await scrape()).value('freshet_source_decode_errors', { source: 'items_as_text' }) ?? 0;
  }
  assert.ok(errors >= 10, `every item is an error (Avro read as JSON): ${errors}`);
  const s = await scrape();
  assert.ok(s.value('freshet_source_decode_errors_total', { source: 'items_as_text' })! >= errors);
  assert.equal(s.value('freshet_source_decode_errors', { source: 'purchases' }), 0);
});

test('health endpoints: livez and readyz', async () => {
  const livez = await fetch(`${demo.httpUrl}/api/livez`);
  assert.equal(livez.status, 200);
  const readyz = await fetch(`${demo.httpUrl}/api/readyz`);
  assert.equal(readyz.status, 200);
  const body = (await readyz.json()) as { status: string; sources: { name: string; status: string }[] };
  assert.equal(body.status, 'ready');
  assert.ok(body.sources.some((s) => s.name === 'pageviews'));
});

test('readyz says 503 until a coordinator is attached; livez answers from the start', async () => {
  const http = new HttpServer({ logger: pino({ level: 'silent' }) });
  const address = await http.listen(0, '127.0.0.1');
  try {
    const base = `http://127.0.0.1:${address.port}`;
    assert.equal((await fetch(`${base}/api/livez`)).status, 200);
    assert.equal((await fetch(`${base}/api/readyz`)).status, 503);
    assert.equal((await fetch(`${base}/api/overview`)).status, 503);
    assert.equal((await fetch(`${base}/metrics`)).status, 200);
  } finally {
    await http.close();
  }
});

test('the SQL API: Materialize\'s result shape; POST with JSON only; cross-origin requests refused', async () => {
  const results = await apiSql(demo.httpUrl, "SELECT 1 AS one, NULL::text AS nothing; CREATE TABLE api_t (a int); SELECT * FROM nope; SELECT 'not reached'");
  // One result per statement, stopping at the first error.
  assert.equal(results.length, 3);
  assert.deepEqual(results[0], { tag: 'SELECT 1', rows: [['1', null]], desc: { columns: [{ name: 'one', type: 'integer' }, { name: 'nothing', type: 'text' }] }, notices: [] });
  assert.deepEqual(results[1], { ok: 'CREATE TABLE', notices: [] });
  assert.equal((results[2]!.error as { code: string }).code, '42P01');
  assert.equal((await fetch(`${demo.httpUrl}/api/sql`)).status, 405);
  const textPlain = await fetch(`${demo.httpUrl}/api/sql`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"SELECT 1"}' });
  assert.equal(textPlain.status, 415);
  const crossOrigin = await fetch(`${demo.httpUrl}/api/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
    body: '{"query":"DROP TABLE api_t"}',
  });
  assert.equal(crossOrigin.status, 403);
  const still = await apiSql(demo.httpUrl, 'SELECT count(*) FROM api_t');
  assert.deepEqual(still[0]!.rows, [['0']]);
  // SUBSCRIBE streams over /api/subscribe, not /api/sql.
  const sub = await apiSql(demo.httpUrl, 'SUBSCRIBE revenue_by_country');
  assert.equal((sub[0]!.error as { code: string }).code, '0A000');
});

test('SUBSCRIBE over server-sent events: columns, then rows as the view changes', async () => {
  const controller = new AbortController();
  const res = await fetch(`${demo.httpUrl}/api/subscribe?query=${encodeURIComponent('SUBSCRIBE revenue_by_country')}`, { signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = res.body!.getReader();
  let text = '';
  const deadline = Date.now() + 15_000;
  // The snapshot, then at least one later batch with a retraction.
  while (Date.now() < deadline && !(/event: columns/.test(text) && /"-1"/.test(text))) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString('utf8');
  }
  controller.abort();
  assert.match(text, /event: columns\ndata: \{"columns":\[\{"name":"mz_timestamp","type":"numeric"\},\{"name":"mz_diff","type":"bigint"\},\{"name":"country","type":"text"\}/);
  assert.match(text, /event: rows\ndata: \{"rows":\[\["\d+","1","[A-Z]{2}"/);
  assert.match(text, /"-1"/, 'a retraction arrived as the view changed');
});
