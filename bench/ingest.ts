// Ingestion benchmark: how close the Kafka source runtime gets to the raw
// client's rate. Produces N small messages per topic to librdkafka's mock
// cluster (spread over many partitions: the mock keeps ~5 MB per partition),
// then measures
//   raw    KafkaConsumer.consume batches, no processing (the ceiling);
//   cases  the source runtime (decode + envelope) through a sink that does
//          what the coordinator does: a durable shard append of each tick
//          (data + offsets) and an in-memory apply stand-in.
// Usage: node .build/NAME/bench/ingest.js [messages=1000000] [partitions=16] [case filter]
// With FRESHET_BENCH_PROFILE=dir, each runtime case writes a CPU profile there.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import Kafka from '@confluentinc/kafka-javascript';
import type { KafkaConsumer, Message } from '@confluentinc/kafka-javascript';
import { pino } from 'pino';
import { connectProducer, startMockCluster, type MockCluster, type TestMessage } from '../test/helpers/kafka-mock.js';
import { planKafkaSource, type KafkaConnectionSpec } from '../src/storage/kafka/plan.js';
import { startKafkaSource } from '../src/storage/kafka/runtime.js';
import { CONSUME_BATCH_SIZE, CONSUMER_TUNING } from '../src/storage/kafka/client.js';
import { localLocation } from '../src/persist/local.js';
import { PersistShard } from '../src/persist/shard.js';
import type { SourceSink, SourceTick } from '../src/storage/api.js';
import type { CreateSourceStatement } from '../src/sql/ast.js';
import type { Update } from '../src/compute/api.js';

const total = Number(process.argv[2] ?? 1_000_000);
const partitions = Number(process.argv[3] ?? 16);
const UPSERT_KEYS = 100_000;
/** Optional: only the cases whose name contains this text. */
const only = process.argv[4];

type Case = { name: string; topic: string; statement: CreateSourceStatement };

function statement(topic: string, parts: Partial<CreateSourceStatement>): CreateSourceStatement {
  const topicOption = { name: 'TOPIC', value: { kind: 'value' as const, expr: { kind: 'literal' as const, value: { type: 'string' as const, value: topic }, pos: 0 } }, pos: 0 };
  return {
    kind: 'createSource',
    name: { parts: ['bench'], pos: 0 },
    ifNotExists: false,
    columnNames: [],
    connector: { kind: 'kafka', connection: { parts: ['k'], pos: 0 }, options: [topicOption] },
    include: [],
    withOptions: [],
    pos: 0,
    ...parts,
  };
}

async function produce(cluster: MockCluster, topic: string, value: (i: number) => string, key?: (i: number) => string): Promise<void> {
  cluster.createTopic(topic, partitions);
  const producer = await connectProducer(cluster.bootstrap);
  const chunk = 50_000;
  const timestamp = Date.now();
  for (let start = 0; start < total; start += chunk) {
    const messages: TestMessage[] = [];
    for (let i = start; i < Math.min(total, start + chunk); i++) {
      messages.push({ topic, partition: i % partitions, value: value(i), key: key ? key(i) : null, timestamp });
    }
    await producer.send(messages);
  }
  await producer.close();
}

/** The ceiling: consume batches of the runtime's size, touch nothing. */
async function rawRate(connection: KafkaConnectionSpec, topic: string): Promise<number> {
  // Timed from before connecting, like the runtime's figures.
  const started = performance.now();
  const consumer: KafkaConsumer = new Kafka.KafkaConsumer({ ...connection.config, ...CONSUMER_TUNING, 'group.id': 'bench-raw' }, {});
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  consumer.setDefaultConsumeTimeout(100);
  (consumer as KafkaConsumer & { setDefaultIsTimeoutOnlyForFirstMessage(v: boolean): void }).setDefaultIsTimeoutOnlyForFirstMessage(true);
  consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0 })));
  let received = 0;
  while (received < total) {
    const batch = await new Promise<Message[]>((resolve, reject) => consumer.consume(CONSUME_BATCH_SIZE, (err, messages) => (err ? reject(err) : resolve(messages))));
    received += batch.length;
  }
  const seconds = (performance.now() - started) / 1000;
  await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  return total / seconds;
}

/** What the coordinator does per tick: durable append (data + offsets), then apply. */
class ShardSink implements SourceSink {
  private time = 0;
  offsetsSeen = 0n;
  rows = 0;
  private done: (() => void) | null = null;
  readonly finished = new Promise<void>((resolve) => (this.done = resolve));

  constructor(private readonly shard: PersistShard) {}

  async tick(tick: SourceTick): Promise<number> {
    const time = ++this.time;
    await this.shard.append({ time, updates: tick.updates, meta: { offsets: tick.offsets } });
    this.apply(tick.updates);
    let sum = 0n;
    for (const o of tick.offsets.values()) sum += o;
    this.offsetsSeen = sum;
    if (sum >= BigInt(total)) this.done?.();
    return time;
  }

  /** Stand-in for compute.applyUpdates: one pass over the updates. */
  private apply(updates: Update[]): void {
    for (const u of updates) this.rows += u.diff;
  }

  status(): void {}
}

async function runtimeRate(connection: KafkaConnectionSpec, c: Case): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'freshet-bench-'));
  // The default storage: persist files on local disk.
  const location = await localLocation(dir);
  const shard = await PersistShard.open(location, 'bench', { epoch: 1 });
  const sink = new ShardSink(shard);
  const spec = planKafkaSource(c.statement, connection);
  const profileDir = process.env['FRESHET_BENCH_PROFILE'];
  const session = profileDir ? new Session() : null;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const started = performance.now();
  const source = startKafkaSource({
    sourceId: `bench-${c.name}`,
    spec,
    connection,
    readSecret: () => '',
    resumeOffsets: null,
    sink,
    logger: pino({ level: 'silent' }),
  });
  await sink.finished;
  const seconds = (performance.now() - started) / 1000;
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(join(profileDir!, `${c.name.replace(/\W+/g, '-')}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
  await source.stop();
  await shard.destroy();
  await location.close();
  await rm(dir, { recursive: true, force: true });
  return total / seconds;
}

/** Milliseconds of garbage collection pauses so far (main thread). */
let gcMillis = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMillis += entry.duration;
}).observe({ entryTypes: ['gc'] });

/** Runs one measurement, the process CPU time it took (all threads, librdkafka's included) and the GC pauses in it. */
async function measure(run: () => Promise<number>): Promise<{ rate: number; cpuMicrosPerMessage: number; gcMicrosPerMessage: number }> {
  const cpu = process.cpuUsage();
  const gcBefore = gcMillis;
  const rate = await run();
  const used = process.cpuUsage(cpu);
  // GC entries are delivered asynchronously: let the observer catch up.
  await new Promise((resolve) => setImmediate(resolve));
  return { rate, cpuMicrosPerMessage: (used.user + used.system) / total, gcMicrosPerMessage: ((gcMillis - gcBefore) * 1000) / total };
}

async function main(): Promise<void> {
  const cluster = startMockCluster(1);
  const connection: KafkaConnectionSpec = { brokers: [cluster.bootstrap], config: { 'bootstrap.servers': cluster.bootstrap }, secretConfig: {} };
  console.log(`producing ${total} messages to each of 3 topics (${partitions} partitions)...`);
  await produce(cluster, 'text', (i) => `event number ${i} from the benchmark`);
  await produce(
    cluster,
    'json',
    (i) => `{"id": ${i}, "user": "u${i % 1000}", "amount": ${(i % 997) / 4}, "ok": ${i % 2 === 0}}`,
    (i) => `k${i % UPSERT_KEYS}`,
  );
  await produce(cluster, 'csv', (i) => `${i},u${i % 1000},${(i % 997) / 4}`);

  const cases: Case[] = [
    { name: 'TEXT append-only', topic: 'text', statement: statement('text', { format: { kind: 'text' } }) },
    { name: 'BYTES append-only', topic: 'text', statement: statement('text', { format: { kind: 'bytes' } }) },
    { name: 'JSON append-only', topic: 'json', statement: statement('json', { format: { kind: 'json' } }) },
    { name: 'CSV (3 columns)', topic: 'csv', statement: statement('csv', { format: { kind: 'csv', columnCount: 3, delimiter: ',' } }) },
    {
      name: 'JSON upsert (TEXT key)',
      topic: 'json',
      statement: statement('json', { keyFormat: { kind: 'text' }, valueFormat: { kind: 'json' }, envelope: { kind: 'upsert' } }),
    },
  ];
  // The machine is shared and noisy: each case is compared with raw runs
  // of the same topic right before and after it.
  console.log(`\n${'case'.padEnd(26)}${'messages/s'.padStart(12)}${'raw msgs/s'.padStart(12)}${'% of raw'.padStart(10)}${'CPU µs/msg'.padStart(12)}${'raw µs/msg'.padStart(12)}${'GC µs/msg'.padStart(11)}${'raw GC'.padStart(8)}`);
  for (const c of cases) {
    if (only && !c.name.includes(only)) continue;
    const before = await measure(() => rawRate(connection, c.topic));
    const run = await measure(() => runtimeRate(connection, c));
    const after = await measure(() => rawRate(connection, c.topic));
    const raw = (before.rate + after.rate) / 2;
    const rawCpu = (before.cpuMicrosPerMessage + after.cpuMicrosPerMessage) / 2;
    console.log(
      `${c.name.padEnd(26)}${Math.round(run.rate).toString().padStart(12)}${Math.round(raw).toString().padStart(12)}${`${Math.round((run.rate / raw) * 100)}%`.padStart(10)}` +
        `${run.cpuMicrosPerMessage.toFixed(2).padStart(12)}${rawCpu.toFixed(2).padStart(12)}` +
        `${run.gcMicrosPerMessage.toFixed(2).padStart(11)}${((before.gcMicrosPerMessage + after.gcMicrosPerMessage) / 2).toFixed(2).padStart(8)}`,
    );
  }
  cluster.destroy();
}

await main();
