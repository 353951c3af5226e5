// Source worker threads give exactly what decoding on the main thread gives:
// the same topic read with --workers 0 (main thread), 1, 2 and 3 yields the
// same rows, errors, offsets and statistics, for append-only, upsert (with
// deletes, decode errors, NULL keys) and Debezium (keyed and key-less
// truncates); and after a restart from the stored contents (the upsert and
// Debezium state rebuilt on the workers owning each key) the same again.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { MessageHeader } from '@confluentinc/kafka-javascript';
import { startMockCluster, connectProducer, type MockCluster, type TestProducer, type TestMessage } from '../helpers/kafka-mock.js';
import { CollectingSink } from '../helpers/kafka-sink.js';
import { csv, include, kafkaSource, type SourceParts } from '../helpers/kafka-ast.js';
import { planKafkaSource, type KafkaConnectionSpec } from '../../src/storage/kafka/plan.js';
import { startKafkaSource } from '../../src/storage/kafka/runtime.js';
import type { RunningSource, SourceStatistics } from '../../src/storage/api.js';
import { packRecords, unpackRecords } from '../../src/storage/kafka/worker-protocol.js';
import type { KafkaRecord } from '../../src/storage/kafka/records.js';
import { terminateSourceWorkers } from '../../src/storage/kafka/worker-pool.js';

let cluster: MockCluster;
let producer: TestProducer;
let connection: KafkaConnectionSpec;
const logger = pino({ level: 'silent' });
const SETTINGS = [0, 1, 2, 3];
let topicCounter = 0;

before(async () => {
  cluster = startMockCluster(1);
  producer = await connectProducer(cluster.bootstrap);
  connection = { brokers: [cluster.bootstrap], config: { 'bootstrap.servers': cluster.bootstrap }, secretConfig: {} };
});

const running: RunningSource[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

after(async () => {
  await producer.close();
  cluster.destroy();
  await terminateSourceWorkers();
});

function newTopic(partitions: number): string {
  const topic = `workers-${++topicCounter}-${partitions}`;
  cluster.createTopic(topic, partitions);
  return topic;
}

interface Outcome {
  rows: string[];
  errors: [string, string][];
  offsets: [number, bigint][];
  stats: Omit<SourceStatistics, 'offsetKnown' | 'snapshotCommitted'>;
}

/** What a coordinator keeps of a source: contents, errors, offsets. */
interface Stored {
  sink: CollectingSink;
}

function describe(sink: CollectingSink, stats: SourceStatistics): Outcome {
  const show = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x));
  return {
    rows: sink.rows().map(show),
    errors: [...sink.errors()].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    offsets: [...(sink.lastOffsets() ?? new Map<number, bigint>())].sort((a, b) => a[0] - b[0]),
    stats: {
      messagesReceived: stats.messagesReceived,
      bytesReceived: stats.bytesReceived,
      updatesStaged: stats.updatesStaged,
      updatesCommitted: stats.updatesCommitted,
      recordsIndexed: stats.recordsIndexed,
      offsetCommitted: stats.offsetCommitted,
    },
  };
}

/**
 * Reads `topic` to `total` offsets with each worker setting (resuming from
 * `from` when given: the stored contents, errors and offsets of an earlier
 * run with the same setting) and returns each setting's outcome.
 */
async function readWith(parts: SourceParts, total: bigint, from?: Map<number, Stored>): Promise<Map<number, { outcome: Outcome; stored: Stored }>> {
  const spec = planKafkaSource(kafkaSource(parts), connection);
  const out = new Map<number, { outcome: Outcome; stored: Stored }>();
  for (const workers of SETTINGS) {
    const prior = from?.get(workers)?.sink;
    const sink = new CollectingSink();
    // The restarted source's sink starts with what was stored (as the coordinator's collections do).
    if (prior) void sink.tick({ updates: prior.contents(), errors: prior.errorUpdates(), offsets: prior.lastOffsets()! });
    const source = startKafkaSource({
      sourceId: `w${topicCounter}-${workers}`,
      spec,
      connection,
      readSecret: () => '',
      resumeOffsets: prior?.lastOffsets() ?? null,
      ...(prior ? { initialContents: prior.contents(), initialErrors: prior.errorUpdates() } : {}),
      sink,
      logger,
      workers,
      // Small batches: many of them in flight at once across the workers.
      tuning: { batchSize: 7, retryInitialMs: 100, connectTimeoutMs: 3000 },
    });
    running.push(source);
    const sum = (): bigint => [...(sink.lastOffsets() ?? new Map<number, bigint>()).values()].reduce((a, b) => a + b, 0n);
    await sink.waitFor(() => sum() >= total, `all ${total} offsets with --workers ${workers}`);
    await sink.waitFor(() => source.statistics().updatesCommitted === source.statistics().updatesStaged, 'committed');
    const stats = source.statistics();
    await source.stop();
    running.splice(running.indexOf(source), 1);
    out.set(workers, { outcome: describe(sink, stats), stored: { sink } });
  }
  return out;
}

/**
 * `exactCounts`: false where a keyed truncate makes workers replay part of a
 * batch (Debezium): the same rows and state, but more updates staged (the
 * replay's retractions and re-insertions cancel in the collection).
 */
function assertSame(results: Map<number, { outcome: Outcome }>, what: string, exactCounts = true): void {
  const reference = results.get(0)!.outcome;
  for (const [workers, { outcome }] of results) {
    if (workers === 0) continue;
    assert.deepEqual(outcome.rows, reference.rows, `${what}: rows with --workers ${workers}`);
    assert.deepEqual(outcome.errors, reference.errors, `${what}: errors with --workers ${workers}`);
    assert.deepEqual(outcome.offsets, reference.offsets, `${what}: offsets with --workers ${workers}`);
    // messages/bytes are counted per run; updates staged are the same multiset.
    const counts = ({ updatesStaged, updatesCommitted, ...rest }: Outcome['stats']) => (exactCounts ? { updatesStaged, updatesCommitted, ...rest } : rest);
    assert.deepEqual(counts(outcome.stats), counts(reference.stats), `${what}: statistics with --workers ${workers}`);
  }
}

test('packed batches keep every field of a record (keys, values, NULLs, timestamps, headers)', () => {
  const records: KafkaRecord[] = [
    { partition: 3, offset: 2 ** 40, timestamp: 1_700_000_000_123, key: Buffer.from('k'), value: Buffer.from('v ✓'), headers: [{ a: Buffer.from([1, 2]) }, { b: 'text' }] },
    { partition: 0, offset: 0, key: null, value: null },
    { partition: 1, offset: 5, timestamp: -1, key: 'string key', value: Buffer.alloc(0), headers: [] },
  ];
  const unpacked = unpackRecords(packRecords(records, [2, 0], true), true);
  assert.equal(unpacked.length, 2);
  assert.deepEqual(
    unpacked.map((r) => [r.seq, r.partition, r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString() ?? null, r.headers?.map((h) => Object.entries(h).map(([k, v]) => [k, Buffer.from(v).toString('hex')]))]),
    [
      [2, 1, 5, -1, 'string key', '', []],
      [0, 3, 2 ** 40, 1_700_000_000_123, 'k', 'v ✓', [[['a', '0102']], [['b', Buffer.from('text').toString('hex')]]]],
    ],
  );
  const plain = unpackRecords(packRecords(records, [1], false), false);
  assert.deepEqual([plain[0]!.key, plain[0]!.value, plain[0]!.timestamp, plain[0]!.headers], [null, null, undefined, undefined]);
});

test('append-only, 4 partitions, metadata and decode errors: the same with 0, 1, 2 and 3 workers', async () => {
  const topic = newTopic(4);
  const messages: TestMessage[] = Array.from({ length: 200 }, (_, i) => ({
    topic,
    partition: i % 4,
    key: i % 5 === 0 ? null : `k${i}`,
    value: i % 17 === 0 ? '{"broken' : i % 23 === 0 ? null : `{"id": ${i}, "s": "v${i}"}`,
    timestamp: 1_700_000_000_000 + i,
    headers: i % 3 === 0 ? [{ h: `x${i}` } as MessageHeader] : [],
  }));
  await producer.send(messages);
  const parts: SourceParts = { topic, keyFormat: { kind: 'text' }, valueFormat: { kind: 'json' }, include: [include.key(), include.partition(), include.offset(), include.timestamp('ts'), include.headers()] };
  const results = await readWith(parts, 200n);
  assert.equal(results.get(0)!.outcome.errors.length, 12);
  assertSame(results, 'append-only');
});

test('CSV (per-partition headers) routed by partition: the same with 0, 1, 2 and 3 workers', async () => {
  const topic = newTopic(3);
  const messages: TestMessage[] = [];
  for (let p = 0; p < 3; p++) messages.push({ topic, partition: p, value: 'a,b' });
  for (let i = 0; i < 60; i++) messages.push({ topic, partition: i % 3, value: i % 11 === 0 ? 'only-one' : `${i},x${i}` });
  await producer.send(messages);
  const results = await readWith({ topic, format: csv(2, ['a', 'b']) }, 63n);
  assertSame(results, 'csv');
});

function upsertMessages(topic: string, partitions: number, from: number, to: number): TestMessage[] {
  const out: TestMessage[] = [];
  for (let i = from; i < to; i++) {
    const key = i % 41 === 0 ? null : `key${i % 37}`;
    let value: string | null = `{"n": ${i}, "tag": "t${i % 5}"}`;
    if (i % 13 === 0) value = null; // delete (or, with a NULL key, the NULL-key error's retraction)
    else if (i % 29 === 0) value = 'not json'; // a decode error: the key's value until written again
    // A key stays in one partition (as Kafka's partitioner keeps it): order across partitions is not defined.
    out.push({ topic, partition: key === null ? 0 : (i % 37) % partitions, key, value });
  }
  return out;
}

for (const partitions of [1, 4]) {
  test(`upsert with deletes, decode errors and NULL keys, ${partitions} partition(s): the same with 0-3 workers, and after a restart`, async () => {
    const topic = newTopic(partitions);
    await producer.send(upsertMessages(topic, partitions, 0, 400));
    const parts: SourceParts = { topic, keyFormat: { kind: 'text' }, valueFormat: { kind: 'json' }, envelope: { kind: 'upsert' }, include: [include.offset()] };
    const first = await readWith(parts, 400n);
    assert.ok(first.get(0)!.outcome.errors.length > 0, 'some decode errors outstanding');
    assertSame(first, 'upsert');
    // Restart from what each setting stored, then more messages: the state was rebuilt on the right workers.
    await producer.send(upsertMessages(topic, partitions, 400, 800));
    const second = await readWith(parts, 800n, new Map([...first].map(([w, r]) => [w, r.stored])));
    assertSame(second, 'upsert after restart');
  });
}

test('upsert, VALUE DECODING ERRORS = INLINE: the same with 0-3 workers', async () => {
  const topic = newTopic(2);
  await producer.send(upsertMessages(topic, 2, 0, 300));
  const results = await readWith({ topic, keyFormat: { kind: 'text' }, valueFormat: { kind: 'json' }, envelope: { kind: 'upsert', valueDecodingErrors: { inline: true } } }, 300n);
  assertSame(results, 'upsert inline errors');
});

/** Truncates only on one partition: their order against events of other partitions is not defined. */
function debeziumMessages(topic: string, partitions: number, from: number, to: number): TestMessage[] {
  const truncates = partitions === 1;
  const out: TestMessage[] = [];
  for (let i = from; i < to; i++) {
    const id = i % 31;
    const key = JSON.stringify({ id });
    const partition = (id * 5) % partitions;
    if (truncates && i % 97 === 50) {
      // A keyed truncate (an edge: Debezium writes them without a key): empties every worker's state.
      out.push({ topic, partition, key, value: JSON.stringify({ payload: { op: 't', before: null, after: null }, schema: {} }) });
      continue;
    }
    if (truncates && i % 89 === 70) {
      out.push({ topic, partition: 0, key: null, value: JSON.stringify({ op: 't', before: null, after: null }) });
      continue;
    }
    if (i % 53 === 0) {
      out.push({ topic, partition: 0, key: null, value: JSON.stringify({ op: 'c', before: null, after: { id: -1 } }) });
      continue;
    }
    const op = i % 11 === 0 ? 'd' : i < 31 ? 'r' : 'u';
    const after = op === 'd' ? null : { id, v: `v${i}` };
    const value = i % 43 === 0 ? 'not json' : JSON.stringify({ op, before: null, after, source: { lsn: i } });
    out.push({ topic, partition, key, value });
    if (op === 'd' && i % 2 === 0) out.push({ topic, partition, key, value: null }); // tombstone
  }
  return out;
}

for (const partitions of [1, 3]) {
  test(`Debezium (JSON)${partitions === 1 ? ' with keyed and key-less truncates' : ''}, ${partitions} partition(s): the same with 0-3 workers, and after a restart`, async () => {
    const topic = newTopic(partitions);
    const firstBatch = debeziumMessages(topic, partitions, 0, 300);
    await producer.send(firstBatch);
    const parts: SourceParts = { topic, keyFormat: { kind: 'json' }, valueFormat: { kind: 'json' }, envelope: { kind: 'debezium' } };
    const first = await readWith(parts, BigInt(firstBatch.length));
    assertSame(first, 'debezium', false);
    const secondBatch = debeziumMessages(topic, partitions, 300, 600);
    await producer.send(secondBatch);
    const second = await readWith(parts, BigInt(firstBatch.length + secondBatch.length), new Map([...first].map(([w, r]) => [w, r.stored])));
    assertSame(second, 'debezium after restart', false);
  });
}
