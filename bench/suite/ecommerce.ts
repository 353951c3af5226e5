// A realistic workload: `freshet demo`'s e-commerce world (src/cli/demo-feed.ts
// and demo-sql.ts: purchases as JSON upsert, users as Debezium change events,
// items as Avro, pageviews as Protobuf, through an embedded schema registry;
// the demo's views, joins of all four), at rising rates. Freshness is read
// by a SUBSCRIBE client of a view of one purchase in ten (id ending in 0)
// with its time (the feed stamps each purchase, new or rewritten, with the
// time it is produced): the highest rate whose p99 stays under one second,
// and whose sources keep up, is the steady rate reported.
import type pg from 'pg';
import { pino } from 'pino';
import { startShopFeed } from '../../src/cli/demo-feed.js';
import { demoSetupSql } from '../../src/cli/demo-sql.js';
import { EmbeddedSchemaRegistry } from '../../src/storage/schema-registry/embedded-registry.js';
import { startMockCluster } from '../../test/helpers/kafka-mock.js';
import type { SectionReport, Target } from './report.js';
import { percentile, sleep, startServer } from './server.js';

/** Messages per purchase across the four topics (3 pageviews, 0.1 user changes; items are few). */
const MESSAGES_PER_PURCHASE = 4.1;

export interface EcommerceStep {
  purchasesPerSecond: number;
  messagesPerSecond: number;
  samples: number;
  p50: number;
  p99: number;
  max: number;
  /** Freshness of the last update seen: a backlog shows as a growing figure. */
  last: number;
  ok: boolean;
}

async function subscribeLoop(subscriber: pg.Client, onSample: (latencyMs: number, at: number) => void, running: () => boolean): Promise<void> {
  await subscriber.query('BEGIN');
  await subscriber.query('DECLARE fresh CURSOR FOR SUBSCRIBE bench_purchase_sample');
  while (running()) {
    const { rows } = await subscriber.query({ text: "FETCH ALL fresh WITH (timeout = '200ms')", rowMode: 'array' });
    const at = Date.now();
    for (const row of rows as unknown[][]) {
      if (Number(row[1]) > 0 && row[3] !== null) onSample(at - Number(row[3]), at);
    }
  }
  await subscriber.query('COMMIT');
}

export async function ecommerceSection(options: { rates: number[]; seconds: number; warmup: number }): Promise<SectionReport> {
  const started = performance.now();
  const cluster = startMockCluster(1);
  const registry = new EmbeddedSchemaRegistry();
  const { url } = await registry.start();
  const bench = await startServer();
  const client = await bench.connect();
  const subscriber = await bench.connect();
  const steps: EcommerceStep[] = [];
  const logger = pino({ level: 'silent' });
  try {
    for (const topic of ['purchases', 'users', 'items', 'pageviews']) cluster.createTopic(topic, 4);
    // A first feed at a low rate creates the topics' data and registers the schemas the sources look up.
    let feed = await startShopFeed({ bootstrapServers: cluster.bootstrap, rate: 10, register: (s, schema, type) => registry.register(s, schema, type), logger });
    for (const sql of demoSetupSql(cluster.bootstrap, url)) await client.query(sql);
    await client.query("CREATE MATERIALIZED VIEW bench_purchase_sample AS SELECT id, (extract(epoch FROM ts) * 1000)::float8 AS ms FROM purchases_typed WHERE right(id, 1) = '0'");
    await feed.stop();
    let samples: { latency: number; at: number }[] = [];
    let running = true;
    const reader = subscribeLoop(subscriber, (latency, at) => samples.push({ latency, at }), () => running);
    for (const rate of options.rates) {
      feed = await startShopFeed({ bootstrapServers: cluster.bootstrap, rate, register: (s, schema, type) => registry.register(s, schema, type), logger });
      const producedAtStart = feed.produced;
      await sleep(options.warmup * 1000);
      samples = [];
      const from = Date.now();
      await sleep(options.seconds * 1000);
      const window = samples.filter((s) => s.at >= from);
      const produced = feed.produced - producedAtStart;
      await feed.stop();
      const sorted = window.map((s) => s.latency).sort((a, b) => a - b);
      const last = window[window.length - 1]?.latency ?? NaN;
      const p99 = percentile(sorted, 99);
      const step: EcommerceStep = {
        purchasesPerSecond: rate,
        messagesPerSecond: produced / (options.warmup + options.seconds),
        samples: sorted.length,
        p50: percentile(sorted, 50),
        p99,
        max: sorted[sorted.length - 1] ?? NaN,
        last,
        ok: sorted.length > 0 && p99 < 1000 && last < 1000,
      };
      steps.push(step);
      console.log(`[suite]   e-commerce ${rate} purchases/s (${step.messagesPerSecond.toFixed(0)} msgs/s): p50 ${step.p50.toFixed(0)} ms, p99 ${step.p99.toFixed(0)} ms, last ${last.toFixed(0)} ms`);
      if (!step.ok) break;
      // Let any backlog drain before the next step.
      await sleep(1000);
    }
    running = false;
    await reader;
  } finally {
    await client.end();
    await subscriber.end();
    await bench.stop();
    cluster.destroy();
    await registry.close();
  }
  const best = [...steps].filter((s) => s.ok).pop();
  const targets: Target[] = [
    {
      what: 'e-commerce workload: highest steady rate with freshness p99 under 1 s',
      target: 'reported (no number set)',
      value: best ? `${best.messagesPerSecond.toFixed(0)} messages/s (${best.purchasesPerSecond} purchases/s), p99 ${best.p99.toFixed(0)} ms` : 'none of the rates tried',
      met: null,
      note: steps.length > 0 && steps[steps.length - 1]!.ok ? 'every rate tried held: the ceiling is higher' : undefined,
    },
  ];
  if (targets[0]!.note === undefined) delete targets[0]!.note;
  return {
    id: 'ecommerce',
    title: 'E-commerce workload (the demo world)',
    method:
      "`freshet demo`'s feed and SQL (src/cli/demo-feed.ts, demo-sql.ts): purchases (JSON, upsert), users (Debezium JSON), items (Avro) and pageviews (Protobuf, 3 per purchase) through an embedded schema registry, four partitions each, the demo's views (revenue by country, top items, joins with users and items, the item funnel) and an index. " +
      `Each rate runs ${options.warmup} s to settle, then ${options.seconds} s measured; freshness is the time a SUBSCRIBE client (\`SELECT id, ts FROM purchases_typed WHERE right(id, 1) = '0'\`, one purchase in ten) receives a purchase minus the time the feed stamped on it (ms precision; the feed produces in ticks of 100 ms, its producer lingers 20 ms). ` +
      'A rate holds when p99 and the last sample are under 1 s; the ramp stops at the first that does not.',
    tables: [
      {
        title: '',
        columns: ['purchases/s', 'messages/s (all topics)', 'p50 ms', 'p99 ms', 'max ms', 'last ms', 'samples', 'holds (< 1 s)'],
        rows: steps.map((s) => [String(s.purchasesPerSecond), s.messagesPerSecond.toFixed(0), s.p50.toFixed(0), s.p99.toFixed(0), s.max.toFixed(0), s.last.toFixed(0), String(s.samples), s.ok ? 'yes' : 'no']),
      },
    ],
    targets,
    notes: [
      `Messages per purchase: about ${MESSAGES_PER_PURCHASE} (3 pageviews, 0.1 user changes, the purchase).`,
      "The embedded broker is librdkafka's mock cluster, which holds each fetch for fetch.wait.max.ms (500 ms by default): the raw client's own produce-to-consume p99 is about 500 ms with these settings (see Freshness), so half of the one-second budget is the mock broker's.",
    ],
    charts: [
      {
        title: 'E-commerce: freshness against rate',
        xLabel: 'messages/s (all four topics)',
        yLabel: 'freshness ms',
        logX: true,
        logY: true,
        series: [
          { name: 'p99', points: steps.map((s): [number, number] => [s.messagesPerSecond, s.p99]) },
          { name: 'p50', points: steps.map((s): [number, number] => [s.messagesPerSecond, s.p50]) },
          { name: '1 s', points: steps.map((s): [number, number] => [s.messagesPerSecond, 1000]), dashed: true },
        ],
      },
    ],
    data: { steps },
    seconds: (performance.now() - started) / 1000,
  };
}
