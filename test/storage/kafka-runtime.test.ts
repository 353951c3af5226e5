import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { MessageHeader } from '@confluentinc/kafka-javascript';
import { startMockCluster, connectProducer, type MockCluster, type TestProducer } from '../helpers/kafka-mock.js';
import { CollectingSink, sortRows } from '../helpers/kafka-sink.js';
import { csv, include, kafkaSource, list, num, opt, str, type SourceParts } from '../helpers/kafka-ast.js';
import { planKafkaSource, type KafkaConnectionSpec } from '../../src/storage/kafka/plan.js';
import { startKafkaSource, type StartKafkaSourceOptions } from '../../src/storage/kafka/runtime.js';
import type { RunningSource } from '../../src/storage/api.js';
import { Jsonb, JsonbNumber, JsonbObject, ListValue, RecordValue, type Row } from '../../src/repr/types.js';

let cluster: MockCluster;
let producer: TestProducer;
let connection: KafkaConnectionSpec;
const logger = pino({ level: 'silent' });
const fast = { retryInitialMs: 100, retryMaxMs: 500, healthCheckMs: 200, connectTimeoutMs: 3000 };
let topicCounter = 0;

before(async () => {
  cluster = startMockCluster(1);
  producer = await connectProducer(cluster.bootstrap);
  connection = { brokers: [cluster.bootstrap], config: { 'bootstrap.servers': cluster.bootstrap }, secretConfig: {} };
});

// Sources a failed test left running would keep the process alive.
const running: RunningSource[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

after(async () => {
  await producer.close();
  cluster.destroy();
});

function newTopic(partitions: number): string {
  const topic = `topic-${++topicCounter}-${partitions}`;
  cluster.createTopic(topic, partitions);
  return topic;
}

interface Started {
  sink: CollectingSink;
  source: RunningSource;
}

function start(parts: SourceParts, extra: Partial<StartKafkaSourceOptions> = {}, sink = new CollectingSink()): Started {
  const spec = planKafkaSource(kafkaSource(parts), connection);
  const source = startKafkaSource({
    sourceId: `u${topicCounter}`,
    spec,
    connection,
    readSecret: () => '',
    resumeOffsets: null,
    sink,
    logger,
    tuning: fast,
    ...extra,
  });
  running.push(source);
  return { sink, source };
}

const bytes = (s: string) => new Uint8Array(Buffer.from(s));
const json = (entries: [string, string | JsonbNumber][]) => new Jsonb(new JsonbObject(entries));

test('TEXT, 4 partitions, every INCLUDE option', async () => {
  const topic = newTopic(4);
  const base = 1_700_000_000_000;
  await producer.send(
    Array.from({ length: 8 }, (_, i) => ({
      topic,
      partition: i % 4,
      key: `k${i}`,
      value: `value ${i} ✓`,
      timestamp: base + i,
      headers: i % 2 === 0 ? [{ trace: `t${i}` } as MessageHeader, { raw: Buffer.from([i, 255]) }] : [],
    })),
  );
  const { sink, source } = start({
    topic,
    keyFormat: { kind: 'text' },
    valueFormat: { kind: 'text' },
    include: [include.key(), include.partition(), include.offset(), include.timestamp('ts'), include.headers(), include.header('trace', 'trace'), include.header('raw', 'raw', true)],
  });
  await sink.waitFor(() => sink.rows().length === 8, '8 rows');
  const expected: Row[] = Array.from({ length: 8 }, (_, i) => [
    `k${i}`,
    `value ${i} ✓`,
    i % 4,
    BigInt(Math.floor(i / 4)),
    BigInt(base + i) * 1000n,
    new ListValue(i % 2 === 0 ? [new RecordValue(['trace', bytes(`t${i}`)]), new RecordValue(['raw', new Uint8Array([i, 255])])] : []),
    i % 2 === 0 ? `t${i}` : null,
    i % 2 === 0 ? new Uint8Array([i, 255]) : null,
  ]);
  assert.deepEqual(sink.rows(), sortRows(expected));
  assert.deepEqual(sink.lastOffsets(), new Map([[0, 2n], [1, 2n], [2, 2n], [3, 2n]]));
  assert.equal(sink.statuses[0]!.status, 'starting');
  assert.ok(sink.statuses.some((s) => s.status === 'running'));
  await sink.waitFor(() => source.statistics().snapshotCommitted, 'snapshot committed');
  const stats = source.statistics();
  assert.equal(stats.messagesReceived, 8);
  assert.equal(stats.updatesCommitted, 8);
  assert.equal(stats.offsetCommitted, 8n);
  assert.equal(stats.offsetKnown, 8n);
  await source.stop();
});

test('BYTES and JSON append-only; invalid JSON is a decode error keyed by partition and offset', async () => {
  const topic = newTopic(1);
  await producer.send([
    { topic, partition: 0, value: '{"b": 1.50, "a": [true, null, "x"], "aa": 10000000000000000000001}' },
    { topic, partition: 0, value: '{"broken' },
    { topic, partition: 0, value: null },
    { topic, partition: 0, value: '"just a string"' },
  ]);
  const jsonSource = start({ topic, format: { kind: 'json' } });
  await jsonSource.sink.waitFor(() => jsonSource.sink.rows().length === 2 && jsonSource.sink.errors().size === 1, 'json rows');
  assert.deepEqual(
    jsonSource.sink.rows(),
    sortRows([
      [new Jsonb(new JsonbObject([['a', [true, null, 'x']], ['b', new JsonbNumber('1.50')], ['aa', new JsonbNumber('10000000000000000000001')]]))],
      [new Jsonb('just a string')],
    ]),
  );
  const [[key, message]] = [...jsonSource.sink.errors()];
  assert.equal(key, '0:1');
  assert.match(message!, /^Decode error: Text: Failed to decode JSON: .* \(partition 0, offset 1\)$/);
  await jsonSource.source.stop();

  const bytesSource = start({ topic, format: { kind: 'bytes' } });
  await bytesSource.sink.waitFor(() => bytesSource.sink.rows().length === 3, 'bytes rows');
  assert.deepEqual(bytesSource.sink.rows(), sortRows([[bytes('{"broken')], [bytes('"just a string"')], [bytes('{"b": 1.50, "a": [true, null, "x"], "aa": 10000000000000000000001}')]]));
  assert.equal(bytesSource.sink.errors().size, 0);
  await bytesSource.source.stop();
});

test('CSV WITH HEADER checks and skips the header of each partition; bad records are errors', async () => {
  const topic = newTopic(2);
  await producer.send([
    { topic, partition: 0, value: 'id;name' },
    { topic, partition: 0, value: '1;"Ann; ""A"""' },
    { topic, partition: 1, value: 'id;name' },
    { topic, partition: 1, value: '2;Bob' },
    { topic, partition: 1, value: '3;Cy;extra' },
  ]);
  const { sink, source } = start({ topic, columnNames: ['ident'], format: csv(2, ['id', 'name'], ';') });
  await sink.waitFor(() => sink.rows().length === 2 && sink.errors().size === 1, 'csv rows');
  assert.deepEqual(sink.rows(), sortRows([['1', 'Ann; "A"'], ['2', 'Bob']]));
  assert.match(sink.errors().get('1:2')!, /expected 2 columns, got 3/);
  await source.stop();

  const wrongHeader = start({ topic, format: csv(2, ['id', 'title'], ';') });
  await wrongHeader.sink.waitFor(() => wrongHeader.sink.errors().size === 3, 'header errors');
  assert.match(wrongHeader.sink.errors().get('0:0')!, /incorrect columns/);
  await wrongHeader.source.stop();
});

test('START OFFSET per partition', async () => {
  const topic = newTopic(2);
  await producer.send(Array.from({ length: 6 }, (_, i) => ({ topic, partition: i % 2, value: `m${i}` })));
  const { sink, source } = start({ topic, format: { kind: 'text' }, options: [opt('START OFFSET', list(num(1), num(2)))], include: [include.partition(), include.offset()] });
  await sink.waitFor(() => sink.rows().length === 3, 'rows after start offsets');
  assert.deepEqual(sink.rows(), sortRows([['m2', 0, 1n], ['m4', 0, 2n], ['m5', 1, 2n]]));
  assert.deepEqual(sink.lastOffsets(), new Map([[0, 3n], [1, 3n]]));
  await source.stop();
});

test('UPSERT: updates retract the old row, tombstones delete, NULL keys and bad values are retractable errors', async () => {
  const topic = newTopic(4);
  const { sink, source } = start({ topic, keyFormat: { kind: 'text' }, valueFormat: { kind: 'json' }, include: [include.offset('o')], envelope: { kind: 'upsert' } });
  await producer.send([
    { topic, partition: 0, key: 'a', value: '{"v": "1"}' },
    { topic, partition: 1, key: 'b', value: '{"v": "1"}' },
    { topic, partition: 2, key: 'c', value: '{"v": "1"}' },
    { topic, partition: 0, key: 'a', value: '{"v": "2"}' },
    { topic, partition: 1, key: 'b', value: null },
    { topic, partition: 2, key: 'c', value: 'not json' },
    { topic, partition: 3, key: null, value: '{"v": "x"}' },
  ]);
  await sink.waitFor(() => sink.rows().length === 1 && sink.errors().size === 2, 'upsert state');
  assert.deepEqual(sink.rows(), [['a', json([['v', '2']]), 1n]]);
  const errors = sink.errors();
  assert.match(errors.get('upsert:c')!, /^Decode error: Text: Failed to decode JSON: .*, decoded key: "c"$/);
  assert.equal(errors.get('upsert-null-key'), 'record with NULL key in UPSERT source; to retract this error, produce a record upstream with a NULL key and NULL value');

  await producer.send([
    { topic, partition: 2, key: 'c', value: '{"v": "fixed"}' },
    { topic, partition: 3, key: null, value: null },
    { topic, partition: 1, key: 'b', value: '{"v": "back"}' },
  ]);
  await sink.waitFor(() => sink.rows().length === 3 && sink.errors().size === 0, 'errors retracted');
  assert.deepEqual(sink.rows(), sortRows([['a', json([['v', '2']]), 1n], ['b', json([['v', 'back']]), 2n], ['c', json([['v', 'fixed']]), 2n]]));
  assert.equal(source.statistics().recordsIndexed, 3);
  await source.stop();

  // Restart from the stored offsets and contents: the upsert state is rebuilt,
  // so a new value for 'a' retracts the row stored before the restart.
  const restarted = start(
    { topic, keyFormat: { kind: 'text' }, valueFormat: { kind: 'json' }, include: [include.offset('o')], envelope: { kind: 'upsert' } },
    { resumeOffsets: sink.lastOffsets()!, initialContents: sink.contents(), initialErrors: sink.errorUpdates() },
    sink,
  );
  await producer.send([
    { topic, partition: 0, key: 'a', value: '{"v": "3"}' },
    { topic, partition: 0, key: 'c', value: null },
  ]);
  await sink.waitFor(() => sink.rows().length === 2, 'state after restart');
  assert.deepEqual(sink.rows(), sortRows([['a', json([['v', '3']]), 2n], ['b', json([['v', 'back']]), 2n]]));
  assert.equal(restarted.source.statistics().messagesReceived, 2, 'nothing read twice');
  await restarted.source.stop();
});

test('UPSERT with VALUE DECODING ERRORS = INLINE puts the error in a column', async () => {
  const topic = newTopic(1);
  await producer.send([
    { topic, partition: 0, key: 'k1', value: '{"ok": true}' },
    { topic, partition: 0, key: 'k2', value: '{oops' },
  ]);
  const { sink, source } = start({ topic, keyFormat: { kind: 'text' }, valueFormat: { kind: 'json' }, envelope: { kind: 'upsert', valueDecodingErrors: { inline: true } } });
  await sink.waitFor(() => sink.rows().length === 2, 'inline rows');
  const rows = sink.rows();
  const bad = rows.find((r) => r[0] === 'k2')!;
  assert.equal(bad[1], null);
  assert.ok(bad[2] instanceof RecordValue);
  assert.match((bad[2] as RecordValue).fields[0] as string, /^Text: Failed to decode JSON/);
  assert.deepEqual(rows.find((r) => r[0] === 'k1'), ['k1', new Jsonb(new JsonbObject([['ok', true]])), null]);
  assert.equal(sink.errors().size, 0);
  await source.stop();
});

test('a missing topic stalls the source (and is not auto-created); it recovers once the topic exists', async () => {
  const topic = `missing-${++topicCounter}`;
  const { sink, source } = start({ topic, format: { kind: 'text' } });
  await sink.waitFor(() => sink.lastStatus()?.status === 'stalled', 'stalled');
  assert.equal(sink.lastStatus()!.error, `Topic "${topic}" does not exist`);
  // Creating it succeeds only because the source did not auto-create it.
  cluster.createTopic(topic, 2);
  await producer.send([{ topic, partition: 1, value: 'late' }]);
  await sink.waitFor(() => sink.rows().length === 1, 'row after topic creation');
  assert.equal(sink.lastStatus()!.status, 'running');
  await source.stop();
});

test('a deleted topic stalls the source; recreated with more partitions, the new one is discovered and read', async () => {
  const topic = newTopic(1);
  await producer.send([{ topic, partition: 0, value: 'first' }]);
  const { sink, source } = start({ topic, format: { kind: 'text' }, options: [opt('TOPIC METADATA REFRESH INTERVAL', str('300ms'))], include: [include.partition()] });
  await sink.waitFor(() => sink.rows().length === 1, 'first row');
  cluster.deleteTopic(topic);
  await sink.waitFor(() => sink.lastStatus()?.status === 'stalled', 'stalled after deletion');
  assert.equal(sink.lastStatus()!.error, `Topic "${topic}" does not exist`);
  cluster.createTopic(topic, 2);
  // A new producer: the shared one's metadata still says one partition.
  const freshProducer = await connectProducer(cluster.bootstrap);
  await freshProducer.send([{ topic, partition: 1, value: 'in the new partition' }]);
  await freshProducer.close();
  await sink.waitFor(() => sink.rows().length === 2, 'row from the discovered partition');
  assert.deepEqual(sink.rows(), sortRows([['first', 0], ['in the new partition', 1]]));
  assert.equal(sink.lastStatus()!.status, 'running');
  assert.deepEqual([...sink.lastOffsets()!.keys()].sort(), [0, 1]);
  await source.stop();
});

test('broker down: stalled with the error, then running again and no data lost', async () => {
  const topic = newTopic(2);
  await producer.send([{ topic, partition: 0, value: 'before' }]);
  const { sink, source } = start({ topic, format: { kind: 'text' } });
  await sink.waitFor(() => sink.rows().length === 1, 'first row');
  cluster.allBrokersDown();
  try {
    await sink.waitFor(() => sink.lastStatus()?.status === 'stalled', 'stalled on broker down');
    assert.match(sink.lastStatus()!.error!, /^Meta data fetch error: /);
  } finally {
    cluster.allBrokersUp();
  }
  await sink.waitFor(() => sink.lastStatus()?.status === 'running', 'running again');
  await producer.send([{ topic, partition: 1, value: 'after' }]);
  await sink.waitFor(() => sink.rows().length === 2, 'row after recovery');
  assert.deepEqual(sink.rows(), sortRows([['before'], ['after']]));
  await source.stop();
});

test('unreachable brokers at start: stalled with Materialize-style error text', async () => {
  const unreachable: KafkaConnectionSpec = { brokers: ['127.0.0.1:1'], config: { 'bootstrap.servers': '127.0.0.1:1' }, secretConfig: {} };
  const sink = new CollectingSink();
  const spec = planKafkaSource(kafkaSource({ topic: 'x', format: { kind: 'text' } }), unreachable);
  const source = startKafkaSource({ sourceId: 'u-unreachable', spec, connection: unreachable, readSecret: () => '', resumeOffsets: null, sink, logger, tuning: { ...fast, connectTimeoutMs: 1000 } });
  running.push(source);
  await sink.waitFor(() => sink.lastStatus()?.status === 'stalled', 'stalled');
  assert.equal(sink.lastStatus()!.error, 'Meta data fetch error: BrokerTransportFailure (Local: Broker transport failure)');
  await source.stop();
});
