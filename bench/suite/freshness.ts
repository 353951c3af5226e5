// Freshness: from produce to the change reaching a SUBSCRIBE client of a
// view, at steady rates, beside the raw Kafka client's produce-to-consume
// latency with the source's consumer settings (the mock broker holds each
// fetch up to fetch.wait.max.ms: both sides use the same settings, so the
// difference is what Freshet adds).
//
// Every message carries its produce time; one in `every` is a marker (about
// 1000 markers/s at any rate) and only markers are timed, on both sides. The
// view keeps the markers: SELECT text FROM src WHERE text LIKE 'm %'.
import Kafka from '@confluentinc/kafka-javascript';
import type { KafkaConsumer, Message, Producer, ProducerGlobalConfig } from '@confluentinc/kafka-javascript';
import type pg from 'pg';
import { CONSUME_BATCH_SIZE, CONSUMER_TUNING } from '../../src/storage/kafka/client.js';
import { startMockCluster, type MockCluster } from '../../test/helpers/kafka-mock.js';
import type { SectionReport, Target } from './report.js';
import { percentile, sleep, startServer } from './server.js';

const PARTITIONS = 4;
const now = (): number => performance.timeOrigin + performance.now();

interface Latencies {
  samples: number;
  p50: number;
  p99: number;
  max: number;
  produced: number;
  /** The rate actually produced over the measured window. */
  achievedRate: number;
}

function summarize(latencies: number[], produced: number, seconds: number): Latencies {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { samples: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN, produced, achievedRate: produced / seconds };
}

async function connectProducer(bootstrap: string): Promise<Producer> {
  const producer = new Kafka.Producer({
    'bootstrap.servers': bootstrap,
    'linger.ms': 1,
    'queue.buffering.max.messages': 2_000_000,
    'batch.num.messages': 10_000,
  } as ProducerGlobalConfig);
  await new Promise<void>((resolve, reject) => producer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(50);
  return producer;
}

/**
 * Produces at `rate` messages/s for `seconds` (paced every 2 ms, catching up
 * on what is owed); markers carry their produce time (epoch ms, µs precision).
 */
async function produceSteadily(producer: Producer, topic: string, rate: number, seconds: number, every: number): Promise<number> {
  const start = now();
  let produced = 0;
  const filler = 'x'.repeat(24);
  while (now() - start < seconds * 1000) {
    const owed = Math.floor(((now() - start) / 1000) * rate) - produced;
    for (let i = 0; i < owed; i++) {
      const seq = produced++;
      const value = seq % every === 0 ? `m ${now().toFixed(3)} ${seq}` : `x ${seq} ${filler}`;
      for (;;) {
        try {
          producer.produce(topic, seq % PARTITIONS, Buffer.from(value), null, Date.now());
          break;
        } catch {
          await sleep(1);
        }
      }
    }
    await sleep(2);
  }
  return produced;
}

/** The raw client: the source's consumer settings and batch size, timing each marker on arrival. */
async function rawLatency(cluster: MockCluster, rate: number, seconds: number, warmup: number, every: number): Promise<Latencies> {
  const topic = `fresh-raw-${rate}`;
  cluster.createTopic(topic, PARTITIONS);
  const consumer: KafkaConsumer = new Kafka.KafkaConsumer({ 'bootstrap.servers': cluster.bootstrap, ...CONSUMER_TUNING, 'group.id': `bench-fresh-${rate}` }, { 'auto.offset.reset': 'earliest' });
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  consumer.setDefaultConsumeTimeout(100);
  (consumer as KafkaConsumer & { setDefaultIsTimeoutOnlyForFirstMessage(v: boolean): void }).setDefaultIsTimeoutOnlyForFirstMessage(true);
  consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition, offset: 0 })));
  const producer = await connectProducer(cluster.bootstrap);
  const latencies: number[] = [];
  let producing = true;
  const measureFrom = now() + warmup * 1000;
  const reader = (async () => {
    while (producing) {
      const batch = await new Promise<Message[]>((resolve, reject) => consumer.consume(CONSUME_BATCH_SIZE, (err, ms) => (err ? reject(err) : resolve(ms))));
      const at = now();
      for (const m of batch) {
        const v = m.value;
        if (v === null || v === undefined || v[0] !== 0x6d) continue; // 'm'
        const sent = Number(v.toString('latin1').split(' ')[1]);
        if (sent >= measureFrom) latencies.push(at - sent);
      }
    }
  })();
  const produced = await produceSteadily(producer, topic, rate, warmup + seconds, every);
  await sleep(1500);
  producing = false;
  await reader;
  await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  return summarize(latencies, produced, warmup + seconds);
}

/** Freshet: a TEXT source, a materialized view of the markers, a SUBSCRIBE cursor FETCHed in a loop. */
async function freshetLatency(cluster: MockCluster, client: pg.Client, subscriber: pg.Client, rate: number, seconds: number, warmup: number, every: number): Promise<Latencies> {
  const topic = `fresh-freshet-${rate}`;
  cluster.createTopic(topic, PARTITIONS);
  await client.query(`CREATE SOURCE f${rate} FROM KAFKA CONNECTION kc (TOPIC '${topic}') FORMAT TEXT`);
  await client.query(`CREATE MATERIALIZED VIEW f${rate}_markers AS SELECT text FROM f${rate} WHERE text LIKE 'm %'`);
  await subscriber.query('BEGIN');
  await subscriber.query(`DECLARE c${rate} CURSOR FOR SUBSCRIBE f${rate}_markers`);
  const producer = await connectProducer(cluster.bootstrap);
  const latencies: number[] = [];
  let producing = true;
  const measureFrom = now() + warmup * 1000;
  const reader = (async () => {
    while (producing) {
      const { rows } = await subscriber.query({ text: `FETCH ALL c${rate} WITH (timeout = '200ms')`, rowMode: 'array' });
      const at = now();
      for (const row of rows as unknown[][]) {
        if (Number(row[1]) <= 0) continue;
        const sent = Number(String(row[2]).split(' ')[1]);
        if (sent >= measureFrom) latencies.push(at - sent);
      }
    }
  })();
  const produced = await produceSteadily(producer, topic, rate, warmup + seconds, every);
  await sleep(1500);
  producing = false;
  await reader;
  await subscriber.query('COMMIT');
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  await client.query(`DROP SOURCE f${rate} CASCADE`);
  return summarize(latencies, produced, warmup + seconds);
}

export interface FreshnessFigure {
  rate: number;
  raw: Latencies;
  freshet: Latencies;
  addedP99: number;
}

export async function freshnessSection(options: { rates: number[]; seconds: number; warmup: number }): Promise<SectionReport> {
  const started = performance.now();
  const cluster = startMockCluster(1);
  const bench = await startServer();
  const client = await bench.connect();
  const subscriber = await bench.connect();
  const figures: FreshnessFigure[] = [];
  try {
    await client.query(`CREATE CONNECTION kc TO KAFKA (BROKER '${cluster.bootstrap}', SECURITY PROTOCOL PLAINTEXT)`);
    for (const rate of options.rates) {
      const every = Math.max(1, Math.round(rate / 1000));
      const raw = await rawLatency(cluster, rate, options.seconds, options.warmup, every);
      const freshet = await freshetLatency(cluster, client, subscriber, rate, options.seconds, options.warmup, every);
      figures.push({ rate, raw, freshet, addedP99: freshet.p99 - raw.p99 });
    }
  } finally {
    await client.end();
    await subscriber.end();
    await bench.stop();
    cluster.destroy();
  }
  const targets: Target[] = [];
  for (const [rate, limit] of [
    [10_000, 20],
    [50_000, 50],
  ] as const) {
    const f = figures.find((x) => x.rate === rate);
    targets.push({
      what: `freshness at ${rate / 1000}k messages/s: p99 Freshet − p99 raw client`,
      target: `≤ ${limit} ms`,
      value: f ? `${f.addedP99.toFixed(1)} ms (${f.freshet.p99.toFixed(1)} vs ${f.raw.p99.toFixed(1)})` : 'not run',
      met: f ? f.addedP99 <= limit : null,
    });
  }
  const ms = (x: number): string => x.toFixed(1);
  return {
    id: 'freshness',
    title: 'Freshness: produce to SUBSCRIBE',
    method:
      `Steady production at each rate for ${options.warmup} s of warm-up plus ${options.seconds} s measured (${PARTITIONS} partitions, producer linger.ms 1); ` +
      'about 1000 marker messages per second carry their produce time and are timed on arrival. Freshet: a TEXT source, `CREATE MATERIALIZED VIEW ... AS SELECT text FROM src WHERE text LIKE \'m %\'`, ' +
      "and `DECLARE ... CURSOR FOR SUBSCRIBE` FETCHed in a loop (`FETCH ALL ... WITH (timeout = '200ms')`) by a pg client in the bench process. " +
      "Raw: a KafkaConsumer with the source's settings (CONSUMER_TUNING, batches of 1000, 100 ms consume timeout), timing the same markers. Each rate runs the raw client first, then Freshet, on fresh topics.",
    tables: [
      {
        title: '',
        columns: ['messages/s', 'achieved msgs/s (Freshet run)', 'Freshet p50 ms', 'p99 ms', 'max ms', 'raw client p50 ms', 'p99 ms', 'max ms', 'added at p99 ms', 'samples (Freshet / raw)'],
        rows: figures.map((f) => [
          f.rate.toLocaleString('en-US'),
          Math.round(f.freshet.achievedRate).toLocaleString('en-US'),
          ms(f.freshet.p50),
          ms(f.freshet.p99),
          ms(f.freshet.max),
          ms(f.raw.p50),
          ms(f.raw.p99),
          ms(f.raw.max),
          ms(f.addedP99),
          `${f.freshet.samples} / ${f.raw.samples}`,
        ]),
      },
    ],
    targets,
    notes: [
      "Both sides are dominated by librdkafka's mock broker, which holds each fetch for fetch.wait.max.ms (500 ms, librdkafka's default, which the source keeps): latencies spread over 0-500 ms whatever the rate; a real broker answers as soon as data is there. What Freshet adds is the difference.",
    ],
    charts: [
      {
        title: 'Freshness: produce to consumer',
        xLabel: 'messages/s',
        yLabel: 'latency ms',
        logX: true,
        logY: true,
        series: [
          { name: 'Freshet p99 (SUBSCRIBE)', points: figures.map((f) => [f.rate, f.freshet.p99]) },
          { name: 'raw client p99', points: figures.map((f) => [f.rate, f.raw.p99]), dashed: true },
          { name: 'Freshet p50', points: figures.map((f) => [f.rate, f.freshet.p50]) },
          { name: 'raw client p50', points: figures.map((f) => [f.rate, f.raw.p50]), dashed: true },
        ],
      },
    ],
    data: { partitions: PARTITIONS, seconds: options.seconds, warmup: options.warmup, figures },
    seconds: (performance.now() - started) / 1000,
  };
}
