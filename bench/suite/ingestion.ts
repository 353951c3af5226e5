// Ingestion through a real `freshet serve`, per format and envelope, into a
// source and into an indexed materialized view, beside the raw client's rate
// on the same topic in the same run. The topics are bench/ingest.ts's
// (produceBenchTopics), filled before the clock starts; each case is timed
// from CREATE SOURCE until the progress subsource shows every message and
// the source (or the view) holds every row.
import type { KafkaConnectionSpec } from '../../src/storage/kafka/plan.js';
import { EmbeddedSchemaRegistry } from '../../src/storage/schema-registry/embedded-registry.js';
import { startMockCluster } from '../../test/helpers/kafka-mock.js';
import { produceBenchTopics, rawRate, UPSERT_KEYS } from '../ingest.js';
import type { SectionReport, Target } from './report.js';
import { scalar, sleep, startServer } from './server.js';

interface IngestCase {
  name: string;
  format: string;
  envelope: string;
  topic: string;
  /** The source's format and envelope clauses. */
  clauses: string;
  /** A column of the source to index the view on. */
  column: string;
  /** Rows the source holds once every message is in. */
  rows: (messages: number) => number;
}

const all = (n: number): number => n;
const keyed = (n: number): number => Math.min(n, UPSERT_KEYS);
const CSR = 'USING CONFLUENT SCHEMA REGISTRY CONNECTION csr';

const CASES: IngestCase[] = [
  { name: 'TEXT append-only', format: 'TEXT', envelope: 'append-only', topic: 'text', clauses: 'FORMAT TEXT', column: 'text', rows: all },
  { name: 'JSON append-only', format: 'JSON', envelope: 'append-only', topic: 'json', clauses: 'FORMAT JSON', column: 'data', rows: all },
  { name: 'CSV append-only', format: 'CSV', envelope: 'append-only', topic: 'csv', clauses: 'FORMAT CSV WITH 3 COLUMNS', column: 'column1', rows: all },
  { name: 'JSON upsert (TEXT key)', format: 'JSON', envelope: 'upsert', topic: 'json', clauses: 'KEY FORMAT TEXT VALUE FORMAT JSON ENVELOPE UPSERT', column: 'key', rows: keyed },
  { name: 'Avro append-only', format: 'Avro', envelope: 'append-only', topic: 'avro', clauses: `FORMAT AVRO ${CSR}`, column: 'id', rows: all },
  { name: 'Avro upsert (Avro key)', format: 'Avro', envelope: 'upsert', topic: 'avro', clauses: `FORMAT AVRO ${CSR} ENVELOPE UPSERT`, column: 'k', rows: keyed },
  { name: 'Protobuf append-only', format: 'Protobuf', envelope: 'append-only', topic: 'protobuf', clauses: `FORMAT PROTOBUF ${CSR}`, column: 'id', rows: all },
  { name: 'Debezium (Avro)', format: 'Avro', envelope: 'Debezium', topic: 'debezium', clauses: `FORMAT AVRO ${CSR} ENVELOPE DEBEZIUM`, column: 'id', rows: keyed },
];

export interface IngestFigure {
  case: string;
  format: string;
  envelope: string;
  into: 'source' | 'indexed materialized view';
  messages: number;
  seconds: number;
  /** Seconds until the progress subsource showed every offset. */
  progressSeconds: number;
  /** Seconds until the progress subsource first showed a message (connecting, purification, the first fetch). */
  firstSeconds: number;
  rate: number;
  /** Messages/s from the first message seen to the end (startup left out). */
  rateAfterFirst: number;
  rawRate: number;
  percentOfRaw: number;
}

export async function ingestionSection(options: { messages: number; partitions: number; only?: string }): Promise<SectionReport> {
  const started = performance.now();
  const { messages, partitions } = options;
  const cases = CASES.filter((c) => options.only === undefined || c.name.includes(options.only));
  const cluster = startMockCluster(1);
  const embedded = new EmbeddedSchemaRegistry();
  const { url } = await embedded.start();
  const connection: KafkaConnectionSpec = { brokers: [cluster.bootstrap], config: { 'bootstrap.servers': cluster.bootstrap }, secretConfig: {} };
  const figures: IngestFigure[] = [];
  const bench = await startServer();
  const client = await bench.connect();
  try {
    const topics = [...new Set(cases.map((c) => c.topic))];
    await produceBenchTopics(cluster, embedded, messages, partitions, topics);
    await client.query(`CREATE CONNECTION kc TO KAFKA (BROKER '${cluster.bootstrap}', SECURITY PROTOCOL PLAINTEXT)`);
    await client.query(`CREATE CONNECTION csr TO CONFLUENT SCHEMA REGISTRY (URL '${url}')`);
    let n = 0;
    for (const topic of topics) {
      // The raw client on this topic right before and after its cases (the machine drifts).
      const before = await rawRate(connection, topic, messages, partitions);
      const runs: Omit<IngestFigure, 'rawRate' | 'percentOfRaw'>[] = [];
      for (const c of cases.filter((x) => x.topic === topic)) {
        for (const into of ['source', 'indexed materialized view'] as const) {
          const name = `s${++n}`;
          const expected = c.rows(messages);
          const t0 = performance.now();
          await client.query(`CREATE SOURCE ${name} FROM KAFKA CONNECTION kc (TOPIC '${topic}') ${c.clauses}`);
          if (into !== 'source') {
            await client.query(`CREATE MATERIALIZED VIEW ${name}_mv AS SELECT * FROM ${name}`);
            await client.query(`CREATE INDEX ${name}_idx ON ${name}_mv (${c.column})`);
          }
          let progressAt = NaN;
          let firstAt = NaN;
          for (;;) {
            if (Number.isNaN(progressAt)) {
              const offsets = await scalar(client, `SELECT sum("offset") FROM ${name}_progress`);
              if (offsets > 0 && Number.isNaN(firstAt)) firstAt = performance.now();
              if (offsets >= messages) progressAt = performance.now();
            }
            if (!Number.isNaN(progressAt)) {
              const rows = await scalar(client, `SELECT count(*) FROM ${into === 'source' ? name : `${name}_mv`}`);
              if (rows >= expected) break;
            }
            if (performance.now() - t0 > 600_000) throw new Error(`${c.name} into ${into}: not every message after 600 s`);
            await sleep(50);
          }
          const end = performance.now();
          const seconds = (end - t0) / 1000;
          runs.push({
            case: c.name,
            format: c.format,
            envelope: c.envelope,
            into,
            messages,
            seconds,
            progressSeconds: (progressAt - t0) / 1000,
            firstSeconds: (firstAt - t0) / 1000,
            rate: messages / seconds,
            rateAfterFirst: messages / Math.max(0.001, (end - firstAt) / 1000),
          });
          await client.query(`DROP SOURCE ${name} CASCADE`);
        }
      }
      const after = await rawRate(connection, topic, messages, partitions);
      const raw = (before + after) / 2;
      for (const r of runs) figures.push({ ...r, rawRate: raw, percentOfRaw: (r.rate / raw) * 100 });
    }
  } finally {
    await client.end();
    await bench.stop();
    cluster.destroy();
    await embedded.close();
  }
  const find = (name: string, into: IngestFigure['into']): IngestFigure | undefined => figures.find((f) => f.case === name && f.into === into);
  const targets: Target[] = [];
  const jsonUpsert = find('JSON upsert (TEXT key)', 'indexed materialized view');
  if (jsonUpsert) targets.push({ what: 'JSON upsert into an indexed materialized view (issue 13 item 1)', target: '≥ 60% of the raw client rate', value: `${jsonUpsert.percentOfRaw.toFixed(0)}%`, met: jsonUpsert.percentOfRaw >= 60 });
  const avroUpsert = find('Avro upsert (Avro key)', 'indexed materialized view');
  if (avroUpsert) targets.push({ what: 'Avro upsert into an indexed materialized view (issue 13 item 1)', target: '≥ 50% of the raw client rate', value: `${avroUpsert.percentOfRaw.toFixed(0)}%`, met: avroUpsert.percentOfRaw >= 50 });
  const k = (x: number): string => `${(x / 1000).toFixed(1)}k`;
  return {
    id: 'ingestion',
    title: 'Ingestion per format and envelope',
    method:
      `${messages.toLocaleString('en-US')} messages per topic (${partitions} partitions, librdkafka's mock broker in the bench process), produced before the clock starts; ` +
      'each case timed from CREATE SOURCE until the progress subsource shows every offset and the source (or the materialized view `SELECT *` over it, with an index on one column) holds every row, polled every 50 ms over pgwire. ' +
      "Raw: the Kafka client alone reading the same topic with the source's consumer settings and batch size, right before and after the topic's cases (their mean). Keyed topics have 100 000 distinct keys. One server for all cases, each source dropped after its case.",
    tables: [
      {
        title: '',
        columns: ['case', 'into', 'messages/s', 'raw client msgs/s', '% of raw', 'seconds', 'first message seen at s', 'msgs/s after the first', 'progress complete at s'],
        rows: figures.map((f) => [f.case, f.into, k(f.rate), k(f.rawRate), `${f.percentOfRaw.toFixed(0)}%`, f.seconds.toFixed(2), f.firstSeconds.toFixed(2), k(f.rateAfterFirst), f.progressSeconds.toFixed(2)]),
      },
    ],
    targets,
    notes: [
      "'first message seen at' is the source's start: at 16 partitions it ranges from 0.1 to several seconds. An instrumented run (bench/README.md, the suite) put all of it in the runtime's high-watermark refresh right after assign: one ListOffsets per partition, in turn, each queued behind a fetch the broker holds for fetch.wait.max.ms (up to 500 ms each). 'msgs/s after the first' leaves that start out.",
    ],
    charts: [
      {
        title: 'Ingestion: % of the raw client rate per case',
        xLabel: `case: ${cases.map((c, i) => `${i + 1} ${c.format}${c.envelope === 'append-only' ? '' : ` ${c.envelope}`}`).join(', ')}`,
        yLabel: '% of raw client rate',
        series: [
          { name: 'into a source', points: cases.map((c, i) => [i + 1, find(c.name, 'source')?.percentOfRaw ?? NaN]) },
          { name: 'into an indexed materialized view', points: cases.map((c, i) => [i + 1, find(c.name, 'indexed materialized view')?.percentOfRaw ?? NaN]) },
          { name: 'raw client (100%)', points: cases.map((_c, i) => [i + 1, 100]), dashed: true },
        ],
      },
    ],
    data: { messages, partitions, figures },
    seconds: (performance.now() - started) / 1000,
  };
}
