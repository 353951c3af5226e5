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
// The suite (bench/suite.ts) reuses the topics (produceBenchTopics) and the
// raw client's rate (rawRate) to measure the same cases through a real server.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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
import type { FormatSpec } from '../src/sql/ast.js';
import { EmbeddedSchemaRegistry } from '../src/storage/schema-registry/embedded-registry.js';
import { createSchemaRegistryClient } from '../src/storage/schema-registry/client.js';
import type { CsrConnectionSpec, SchemaRegistryClient } from '../src/storage/schema-registry/api.js';
import { purifyFormat } from '../src/storage/formats/index.js';
import type { FormatRuntime } from '../src/storage/formats/format.js';
import { keyDecoded, sourceFormatSpecs } from '../src/storage/kafka/source-plan.js';
import { avroType, confluentFrame } from '../src/storage/formats/avro/index.js';
import { compileProtoFiles, confluentProtobufFrame } from '../src/storage/formats/protobuf/index.js';

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
let total = Number((isMain ? process.argv[2] : undefined) ?? 1_000_000);
let partitions = Number((isMain ? process.argv[3] : undefined) ?? 16);
/** Distinct keys of the keyed topics (json, avro, debezium). */
export const UPSERT_KEYS = 100_000;
/** Optional: only the cases whose name contains this text. */
const only = isMain ? process.argv[4] : undefined;

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

/** The topics the selected cases read (all by default). */
let wanted: Set<string> | null = null;

async function produce(cluster: MockCluster, topic: string, value: (i: number) => string | Buffer, key?: (i: number) => string | Buffer): Promise<void> {
  if (wanted !== null && !wanted.has(topic)) return;
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
export async function rawRate(connection: KafkaConnectionSpec, topic: string, messages = total, partitionCount = partitions): Promise<number> {
  total = messages;
  partitions = partitionCount;
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

/** The benchmark's schema registry (an EmbeddedSchemaRegistry in this process) and one client of it. */
interface Registry {
  csr: CsrConnectionSpec;
  client: SchemaRegistryClient;
}

/** Purifies the statement's registry formats (fetching their reader schemas once, as CREATE SOURCE does). */
async function purify(statement: CreateSourceStatement, registry: Registry): Promise<void> {
  const { keySpec, valueSpec } = sourceFormatSpecs(statement);
  const parts: [FormatSpec | undefined, 'key' | 'value'][] = [[valueSpec, 'value']];
  if (keyDecoded(statement)) parts.push([keySpec, 'key']);
  for (const [spec, part] of parts) {
    if (!spec) continue;
    await purifyFormat(spec, { part, topic: topicOf(statement), pos: 0, csrConnection: () => registry.csr, schemaRegistry: () => registry.client });
  }
}

function topicOf(statement: CreateSourceStatement): string {
  const option = statement.connector.options.find((o) => o.name === 'TOPIC')?.value;
  if (option?.kind !== 'value' || option.expr.kind !== 'literal' || option.expr.value.type !== 'string') throw new Error('no topic');
  return option.expr.value.value;
}

async function runtimeRate(connection: KafkaConnectionSpec, c: Case, registry: Registry): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'freshet-bench-'));
  // The default storage: persist files on local disk.
  const location = await localLocation(dir);
  const shard = await PersistShard.open(location, 'bench', { epoch: 1 });
  const sink = new ShardSink(shard);
  // A fresh copy each run: purification writes its seed into the spec.
  const statement = structuredClone(c.statement);
  await purify(statement, registry);
  const spec = planKafkaSource(statement, connection, { csrConnection: () => registry.csr });
  // A fresh client each run: the source fetches each writer schema once, as in production.
  const client = createSchemaRegistryClient(registry.csr, () => '');
  const formatRuntime: FormatRuntime = { schemaRegistry: () => client };
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
    formatRuntime,
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

/** The benchmark's topics: text, json (keyed), csv, avro (keyed), protobuf, debezium (keyed). */
export const BENCH_TOPICS = ['text', 'json', 'csv', 'avro', 'protobuf', 'debezium'] as const;

/**
 * Produces `messages` messages to each of `topics` (all by default) over
 * `partitionCount` partitions, registering the Avro and Protobuf schemas with
 * `embedded` (subjects avro-value, avro-key, protobuf-value, debezium-value,
 * debezium-key).
 */
export async function produceBenchTopics(cluster: MockCluster, embedded: EmbeddedSchemaRegistry, messages: number, partitionCount: number, topics?: Iterable<string>): Promise<void> {
  total = messages;
  partitions = partitionCount;
  wanted = topics === undefined ? null : new Set(topics);
  await produceTopics(cluster, embedded);
}

async function main(): Promise<void> {
  const cluster = startMockCluster(1);
  const connection: KafkaConnectionSpec = { brokers: [cluster.bootstrap], config: { 'bootstrap.servers': cluster.bootstrap }, secretConfig: {} };
  const embedded = new EmbeddedSchemaRegistry();
  const { url } = await embedded.start();
  const csr: CsrConnectionSpec = { url };
  const registry: Registry = { csr, client: createSchemaRegistryClient(csr, () => '') };
  const csrFormat = (kind: 'avro' | 'protobuf'): FormatSpec => ({ kind, options: [], csrConnection: { parts: ['csr'], pos: 0 } });
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
    { name: 'Avro append-only', topic: 'avro', statement: statement('avro', { format: csrFormat('avro') }) },
    { name: 'Avro upsert (Avro key)', topic: 'avro', statement: statement('avro', { format: csrFormat('avro'), envelope: { kind: 'upsert' } }) },
    { name: 'Protobuf append-only', topic: 'protobuf', statement: statement('protobuf', { format: csrFormat('protobuf') }) },
    { name: 'Debezium (Avro)', topic: 'debezium', statement: statement('debezium', { format: csrFormat('avro'), envelope: { kind: 'debezium' } }) },
  ];
  // Only the topics the selected cases read are produced.
  const selected = cases.filter((c) => !only || c.name.includes(only));
  wanted = new Set(selected.map((c) => c.topic));
  console.log(`producing ${total} messages to each of ${wanted.size} topics (${partitions} partitions)...`);
  await produceTopics(cluster, embedded);

  // The machine is shared and noisy: each case is compared with raw runs
  // of the same topic right before and after it.
  console.log(`\n${'case'.padEnd(26)}${'messages/s'.padStart(12)}${'raw msgs/s'.padStart(12)}${'% of raw'.padStart(10)}${'CPU µs/msg'.padStart(12)}${'raw µs/msg'.padStart(12)}${'GC µs/msg'.padStart(11)}${'raw GC'.padStart(8)}`);
  for (const c of selected) {
    const before = await measure(() => rawRate(connection, c.topic));
    const run = await measure(() => runtimeRate(connection, c, registry));
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
  await embedded.close();
}

/** Produces the selected topics (`wanted`, all when null). */
async function produceTopics(cluster: MockCluster, embedded: EmbeddedSchemaRegistry): Promise<void> {
  await produce(cluster, 'text', (i) => `event number ${i} from the benchmark`);
  await produce(
    cluster,
    'json',
    (i) => `{"id": ${i}, "user": "u${i % 1000}", "amount": ${(i % 997) / 4}, "ok": ${i % 2 === 0}}`,
    (i) => `k${i % UPSERT_KEYS}`,
  );
  await produce(cluster, 'csv', (i) => `${i},u${i % 1000},${(i % 997) / 4}`);
  // The JSON case's record, as Avro and Protobuf, registered and Confluent-framed.
  const purchase = {
    type: 'record',
    name: 'Purchase',
    namespace: 'bench',
    fields: [
      { name: 'id', type: 'long' },
      { name: 'user', type: 'string' },
      { name: 'amount', type: 'double' },
      { name: 'ok', type: 'boolean' },
    ],
  };
  const purchaseKey = { type: 'record', name: 'PurchaseKey', namespace: 'bench', fields: [{ name: 'k', type: 'string' }] };
  const valueType = avroType(purchase);
  const keyType = avroType(purchaseKey);
  const valueId = embedded.register('avro-value', JSON.stringify(purchase));
  const keyId = embedded.register('avro-key', JSON.stringify(purchaseKey));
  await produce(
    cluster,
    'avro',
    (i) => confluentFrame(valueId, valueType.toBuffer({ id: BigInt(i), user: `u${i % 1000}`, amount: (i % 997) / 4, ok: i % 2 === 0 })),
    (i) => confluentFrame(keyId, keyType.toBuffer({ k: `k${i % UPSERT_KEYS}` })),
  );
  const proto = 'syntax = "proto3";\npackage bench;\nmessage Purchase { int64 id = 1; string user = 2; double amount = 3; bool ok = 4; }\n';
  const protoId = embedded.register('protobuf-value', proto, 'PROTOBUF');
  const protoType = compileProtoFiles([{ name: 'purchase.proto', schema: proto }]).root.lookupType('bench.Purchase');
  await produce(cluster, 'protobuf', (i) =>
    confluentProtobufFrame(protoId, [0], protoType.encode({ id: i, user: `u${i % 1000}`, amount: (i % 997) / 4, ok: i % 2 === 0 }).finish()),
  );
  // Debezium change events for UPSERT_KEYS rows: a snapshot read of each, then updates.
  const row = { type: 'record', name: 'Value', namespace: 'bench.public.purchases', fields: purchase.fields };
  const dbzKey = { type: 'record', name: 'Key', namespace: 'bench.public.purchases', fields: [{ name: 'id', type: 'long' }] };
  const envelope = {
    type: 'record',
    name: 'Envelope',
    namespace: 'bench.public.purchases',
    fields: [
      { name: 'before', type: ['null', row], default: null },
      { name: 'after', type: ['null', 'Value'], default: null },
      {
        name: 'source',
        type: { type: 'record', name: 'Source', namespace: 'io.debezium.connector.postgresql', fields: [{ name: 'connector', type: 'string' }, { name: 'db', type: 'string' }, { name: 'table', type: 'string' }, { name: 'lsn', type: ['null', 'long'] }] },
      },
      { name: 'op', type: 'string' },
      { name: 'ts_ms', type: ['null', 'long'], default: null },
    ],
  };
  const envelopeType = avroType(envelope);
  const dbzKeyType = avroType(dbzKey);
  const envelopeId = embedded.register('debezium-value', JSON.stringify(envelope));
  const dbzKeyId = embedded.register('debezium-key', JSON.stringify(dbzKey));
  const image = (i: number, version: number) => ({ id: BigInt(i % UPSERT_KEYS), user: `u${(i + version) % 1000}`, amount: (i % 997) / 4, ok: version % 2 === 0 });
  await produce(
    cluster,
    'debezium',
    (i) => {
      const version = Math.floor(i / UPSERT_KEYS);
      const source = { connector: 'postgresql', db: 'bench', table: 'purchases', lsn: BigInt(i) };
      const event =
        version === 0
          ? { before: null, after: image(i, 0), source, op: 'r', ts_ms: 1_764_000_000_000n }
          : { before: image(i, version - 1), after: image(i, version), source, op: 'u', ts_ms: 1_764_000_000_000n };
      return confluentFrame(envelopeId, envelopeType.toBuffer(event));
    },
    (i) => confluentFrame(dbzKeyId, dbzKeyType.toBuffer({ id: BigInt(i % UPSERT_KEYS) })),
  );
}

if (isMain) await main();
