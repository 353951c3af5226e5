// Protobuf end to end: Confluent-framed Protobuf (schema id and message
// indexes) produced to the mock broker, an EmbeddedSchemaRegistry in the
// test, the real `freshet serve`, exact results over pg. Nested messages,
// repeated fields, maps, enums, oneof, 64-bit integers beyond 2^53,
// well-known types, imports as references, several messages per file
// (default, MESSAGE, message indexes), writer evolution, UPSERT and DEBEZIUM,
// CREATE TABLE ... FROM SOURCE, USING SCHEMA without a registry, and the
// registry's failures.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { connectProducer, startMockCluster, type TestMessage, type TestProducer } from '../helpers/kafka-mock.js';
import { connectPg, eventuallyError, eventuallyRows, queryArrays, serveFreshet, type ServedFreshet } from '../helpers/server-process.js';
import { sqlError } from '../helpers/kafka-server.js';
import { EmbeddedSchemaRegistry } from '../../src/storage/schema-registry/embedded-registry.js';
import { compileProtoFiles, confluentProtobufFrame, protoFilesToDescriptorSetHex, type ProtoFile } from '../../src/storage/formats/protobuf/index.js';

const dataDir = mkdtempSync(join(tmpdir(), 'freshet-integration-protobuf-'));
const cluster = startMockCluster(1);
const registry = new EmbeddedSchemaRegistry({ basicAuth: { username: 'freshet', password: 's3cret' } });
const servers: ServedFreshet[] = [];
const clients: pg.Client[] = [];
let producer: TestProducer;
let c: pg.Client;

async function start(): Promise<pg.Client> {
  const server = await serveFreshet(dataDir);
  servers.push(server);
  const client = await connectPg(server.port);
  clients.push(client);
  return client;
}

before(async () => {
  await registry.start();
  producer = await connectProducer(cluster.bootstrap);
  c = await start();
  await c.query(`CREATE CONNECTION kc TO KAFKA (BROKER '${cluster.bootstrap}')`);
  await c.query("CREATE SECRET csr_password AS 's3cret'");
  await c.query(`CREATE CONNECTION csr TO CONFLUENT SCHEMA REGISTRY (URL '${registry.url}', USERNAME = 'freshet', PASSWORD = SECRET csr_password)`);
});

after(async () => {
  for (const client of clients) await client.end().catch(() => undefined);
  for (const server of servers) await server.stop();
  await producer?.close();
  await registry.close();
  cluster.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

const msg = (topic: string, value: Buffer | null, key: Buffer | string | null = null): TestMessage => ({ topic, partition: 0, key, value });

/** Registers a .proto under `subject` (with the files it imports as references) and returns its id and an encoder. */
function register(subject: string, file: ProtoFile, imports: { file: ProtoFile; subject: string }[] = []): { id: number; frame: (message: string, indexes: number[], value: Record<string, unknown>) => Buffer } {
  const id = registry.register(
    subject,
    file.schema,
    'PROTOBUF',
    imports.map((i) => ({ name: i.file.name, subject: i.subject, version: 1 })),
  );
  const root = compileProtoFiles([...imports.map((i) => i.file), file]).root;
  return { id, frame: (message, indexes, value) => confluentProtobufFrame(id, indexes, root.lookupType(message).encode(value).finish()) };
}

const MONEY: ProtoFile = { name: 'common/money.proto', schema: 'syntax = "proto3";\npackage common;\nmessage Money { string currency = 1; int64 units = 2; }\n' };

const ORDERS: ProtoFile = {
  name: 'shop/orders.proto',
  schema: `syntax = "proto3";
package shop;
import "common/money.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/wrappers.proto";

message Order {
  int64 id = 1;
  uint64 big = 2;
  common.Money total = 3;
  repeated string tags = 4;
  repeated Line lines = 5;
  map<string, int64> counts = 6;
  Status status = 7;
  oneof payment {
    string card = 8;
    int32 cash_cents = 9;
  }
  google.protobuf.Timestamp placed = 10;
  google.protobuf.Duration took = 11;
  google.protobuf.StringValue note = 12;
  sint64 delta = 13;
  double ratio = 14;
  bool gift = 15;
  bytes blob = 16;

  message Line {
    string sku = 1;
    uint32 qty = 2;
  }
  enum Status {
    PENDING = 0;
    SHIPPED = 1;
  }
}

message Refund {
  int64 order_id = 1;
  common.Money amount = 2;
}
`,
};

test('every Protobuf shape through the registry: nesting, repeated, maps, enums, oneof, 64-bit, well-known types, imports; SEED', async () => {
  registry.register('common-money', MONEY.schema, 'PROTOBUF');
  const orders = register('orders-value', ORDERS, [{ file: MONEY, subject: 'common-money' }]);
  cluster.createTopic('orders', 1);
  await producer.send([
    msg(
      'orders',
      orders.frame('shop.Order', [0], {
        id: '-9223372036854775808',
        big: '18446744073709551615',
        total: { currency: 'EUR', units: '9007199254740993' },
        tags: ['a', 'b c'],
        lines: [{ sku: 'x1', qty: 2 }, { sku: 'y"2', qty: 4294967295 }],
        counts: { b: '2', a: '-1' },
        status: 1,
        card: 'visa',
        placed: { seconds: '1700000000', nanos: 123456789 },
        took: { seconds: '-3', nanos: -5 },
        note: { value: 'gift wrap' },
        delta: '-9007199254740993',
        ratio: 0.5,
        gift: true,
        blob: Buffer.from([1, 2, 255]),
      }),
    ),
    // Every field absent: proto3 defaults, absent messages NULL.
    msg('orders', orders.frame('shop.Order', [0], {})),
    msg('orders', orders.frame('shop.Order', [0], { id: '7', cash_cents: 250, note: { value: '' } })),
  ]);
  await c.query("CREATE SOURCE orders FROM KAFKA CONNECTION kc (TOPIC 'orders') FORMAT PROTOBUF USING CONFLUENT SCHEMA REGISTRY CONNECTION csr");
  assert.deepEqual(await queryArrays(c, 'SHOW COLUMNS FROM orders'), [
    ['id', 'f', 'bigint'],
    ['big', 'f', 'uint8'],
    ['total', 't', 'record'],
    ['tags', 'f', 'text list'],
    ['lines', 'f', 'record list'],
    ['counts', 'f', 'map[text=>bigint]'],
    ['status', 'f', 'text'],
    ['card', 't', 'text'],
    ['cash_cents', 't', 'integer'],
    ['placed', 't', 'record'],
    ['took', 't', 'record'],
    ['note', 't', 'record'],
    ['delta', 'f', 'bigint'],
    ['ratio', 'f', 'double precision'],
    ['gift', 'f', 'boolean'],
    ['blob', 'f', 'bytea'],
  ]);
  await eventuallyRows(c, 'SELECT * FROM orders ORDER BY id', [
    [
      '-9223372036854775808', '18446744073709551615', '(EUR,9007199254740993)', '{a,"b c"}', '{"(x1,2)","(\\"y\\"\\"2\\",4294967295)"}', '{a=>-1,b=>2}', 'SHIPPED', 'visa', null,
      '(1700000000,123456789)', '(-3,-5)', '("gift wrap")', '-9007199254740993', '0.5', 't', '\\x0102ff',
    ],
    ['0', '0', null, '{}', '{}', '{}', 'PENDING', null, null, null, null, null, '0', '0', 'f', '\\x'],
    ['7', '0', null, '{}', '{}', '{}', 'PENDING', null, '250', null, null, '("")', '0', '0', 'f', '\\x'],
  ]);
  assert.deepEqual(await queryArrays(c, "SELECT (total).units, (lines[2]).qty, counts->'a', (placed).seconds, (note).value FROM orders WHERE id < 0"), [
    ['9007199254740993', '4294967295', '-1', '1700000000', 'gift wrap'],
  ]);
  const [[, create]] = await queryArrays(c, 'SHOW CREATE SOURCE orders');
  assert.match(String(create), /FORMAT PROTOBUF USING CONFLUENT SCHEMA REGISTRY CONNECTION (materialize\.public\.)?csr SEED VALUE SCHEMA '\\x[0-9a-f]+' MESSAGE '\.shop\.Order'$/);

  // A newer writer (another id) that added a field and removed one: read by field number.
  const v2: ProtoFile = { name: 'shop/orders.proto', schema: 'syntax = "proto3";\npackage shop;\nmessage Order { int64 id = 1; string channel = 17; double ratio = 14; }\n' };
  const orders2 = register('orders-value', v2);
  await producer.send([msg('orders', orders2.frame('shop.Order', [0], { id: '8', channel: 'web', ratio: 0.25 }))]);
  await eventuallyRows(c, 'SELECT id, big, status, ratio, tags FROM orders WHERE id = 8', [['8', '0', 'PENDING', '0.25', '{}']]);
});

test('several messages per file: MESSAGE picks one; message indexes naming another message are decode errors (and dead letters)', async () => {
  const orders = register('refunds-value', ORDERS, [{ file: MONEY, subject: 'common-money' }]);
  cluster.createTopic('refunds', 1);
  await producer.send([
    msg('refunds', orders.frame('shop.Refund', [1], { order_id: '1', amount: { currency: 'USD', units: '5' } })),
    msg('refunds', orders.frame('shop.Refund', [1], { order_id: '2' })),
    msg('refunds', orders.frame('shop.Order', [0], { id: '3' }), 'odd'),
  ]);
  await c.query("CREATE SOURCE refunds FROM KAFKA CONNECTION kc (TOPIC 'refunds') FORMAT PROTOBUF MESSAGE 'shop.Refund' USING CONFLUENT SCHEMA REGISTRY CONNECTION csr EXPOSE ERRORS AS refunds_errors");
  await c.query("CREATE SOURCE refund_lines FROM KAFKA CONNECTION kc (TOPIC 'refunds') FORMAT PROTOBUF USING CONFLUENT SCHEMA REGISTRY CONNECTION csr EXPOSE ERRORS AS refund_lines_errors");
  const failure = await eventuallyError(c, 'SELECT * FROM refunds');
  assert.equal(
    failure.message,
    `Decode error: protobuf deserialization error: message written as shop.Order (schema id ${orders.id}, message indexes [0]) but the source reads shop.Refund (partition 0, offset 2)`,
  );
  await eventuallyRows(c, "SELECT \"offset\", convert_from(key, 'utf8'), error FROM refunds_errors", [
    ['2', 'odd', `Decode error: protobuf deserialization error: message written as shop.Order (schema id ${orders.id}, message indexes [0]) but the source reads shop.Refund (partition 0, offset 2)`],
  ]);
  // The file's first message by default: the Refunds are the errors there.
  await eventuallyRows(c, 'SELECT "offset", key IS NULL FROM refund_lines_errors ORDER BY "offset"', [
    ['0', 't'],
    ['1', 't'],
  ]);
  const [[, create]] = await queryArrays(c, 'SHOW CREATE SOURCE refunds');
  assert.match(String(create), /FORMAT PROTOBUF MESSAGE 'shop\.Refund' USING CONFLUENT SCHEMA REGISTRY CONNECTION .*csr SEED VALUE SCHEMA '\\x[0-9a-f]+' MESSAGE '\.shop\.Refund'/);
  // A table over the same topic, reading the Refunds (the Order message is its error too).
  await c.query("CREATE SOURCE refunds_src FROM KAFKA CONNECTION kc (TOPIC 'refunds')");
  await c.query("CREATE TABLE refunds_table FROM SOURCE refunds_src FORMAT PROTOBUF MESSAGE 'shop.Refund' USING CONFLUENT SCHEMA REGISTRY CONNECTION csr");
  const tableFailure = await eventuallyError(c, 'SELECT * FROM refunds_table');
  assert.match(tableFailure.message, /written as shop\.Order .*\(partition 0, offset 2\)$/);
  // Dropping the bad message's reader: the columns and rows of the good ones.
  assert.deepEqual(await queryArrays(c, 'SHOW COLUMNS FROM refunds_table'), [
    ['order_id', 'f', 'bigint'],
    ['amount', 't', 'record'],
  ]);
});

test('ENVELOPE UPSERT (key subject) and DEBEZIUM over Protobuf; CREATE TABLE FROM SOURCE', async () => {
  const key: ProtoFile = { name: 'stock/key.proto', schema: 'syntax = "proto3";\npackage stock;\nmessage Sku { string sku = 1; }\n' };
  const value: ProtoFile = { name: 'stock/value.proto', schema: 'syntax = "proto3";\npackage stock;\nmessage Stock { int32 qty = 1; string warehouse = 2; }\n' };
  const k = register('stock-key', key);
  const v = register('stock-value', value);
  cluster.createTopic('stock', 1);
  const sku = (s: string): Buffer => k.frame('stock.Sku', [0], { sku: s });
  await producer.send([
    msg('stock', v.frame('stock.Stock', [0], { qty: 1, warehouse: 'osl' }), sku('a')),
    msg('stock', v.frame('stock.Stock', [0], { qty: 2, warehouse: 'ber' }), sku('b')),
    msg('stock', v.frame('stock.Stock', [0], { qty: 5, warehouse: 'osl' }), sku('a')),
    msg('stock', null, sku('b')),
    msg('stock', v.frame('stock.Stock', [0], {}), sku('c')),
  ]);
  await c.query("CREATE SOURCE stock FROM KAFKA CONNECTION kc (TOPIC 'stock') FORMAT PROTOBUF USING CONFLUENT SCHEMA REGISTRY CONNECTION csr ENVELOPE UPSERT");
  await c.query("CREATE SOURCE stock_src FROM KAFKA CONNECTION kc (TOPIC 'stock')");
  await c.query(
    'CREATE TABLE stock_table FROM SOURCE stock_src KEY FORMAT PROTOBUF USING CONFLUENT SCHEMA REGISTRY CONNECTION csr VALUE FORMAT PROTOBUF USING CONFLUENT SCHEMA REGISTRY CONNECTION csr INCLUDE OFFSET ENVELOPE UPSERT',
  );
  await eventuallyRows(c, 'SELECT * FROM stock ORDER BY sku', [
    ['a', '5', 'osl'],
    ['c', '0', ''],
  ]);
  await eventuallyRows(c, 'SELECT * FROM stock_table ORDER BY sku', [
    ['a', '5', 'osl', '2'],
    ['c', '0', '', '4'],
  ]);
  const [[, createTable]] = await queryArrays(c, 'SHOW CREATE TABLE stock_table');
  assert.match(String(createTable), /KEY FORMAT PROTOBUF USING CONFLUENT SCHEMA REGISTRY CONNECTION csr SEED KEY SCHEMA '\\x[0-9a-f]+' MESSAGE '\.stock\.Sku' VALUE FORMAT PROTOBUF USING CONFLUENT SCHEMA REGISTRY CONNECTION csr SEED VALUE SCHEMA '\\x[0-9a-f]+' MESSAGE '\.stock\.Stock' INCLUDE OFFSET ENVELOPE UPSERT$/);

  const rowKey: ProtoFile = { name: 'cdc/key.proto', schema: 'syntax = "proto3";\npackage cdc;\nmessage Key { int32 id = 1; }\n' };
  const envelope: ProtoFile = {
    name: 'cdc/envelope.proto',
    schema: `syntax = "proto3";
package cdc;
message Envelope {
  Row before = 1;
  Row after = 2;
  string op = 3;
  int64 ts_ms = 4;
}
message Row {
  int32 id = 1;
  string name = 2;
  uint64 balance = 3;
}
`,
  };
  const dk = register('cdc-key', rowKey);
  const dv = register('cdc-value', envelope);
  cluster.createTopic('cdc', 1);
  const event = (id: number | null, op: string, beforeRow: Record<string, unknown> | null, afterRow: Record<string, unknown> | null): TestMessage => {
    const e: Record<string, unknown> = { op, ts_ms: '1764000000000' };
    if (beforeRow) e.before = beforeRow;
    if (afterRow) e.after = afterRow;
    return msg('cdc', dv.frame('cdc.Envelope', [0], e), id === null ? null : dk.frame('cdc.Key', [0], { id }));
  };
  const ada = { id: 1, name: 'ada', balance: '18446744073709551615' };
  await producer.send([
    event(1, 'r', null, ada),
    event(2, 'c', null, { id: 2, name: 'bob', balance: '1' }),
    event(1, 'u', ada, { ...ada, name: 'ada l.' }),
    event(2, 'c', null, { id: 2, name: 'bob', balance: '1' }), // a duplicate
    event(3, 'c', null, { id: 3, name: 'cy' }),
    event(3, 'd', { id: 3, name: 'cy' }, null),
    msg('cdc', null, dk.frame('cdc.Key', [0], { id: 3 })),
  ]);
  await c.query("CREATE SOURCE cdc FROM KAFKA CONNECTION kc (TOPIC 'cdc') FORMAT PROTOBUF USING CONFLUENT SCHEMA REGISTRY CONNECTION csr ENVELOPE DEBEZIUM");
  await eventuallyRows(c, 'SELECT * FROM cdc ORDER BY id', [
    ['1', 'ada l.', '18446744073709551615'],
    ['2', 'bob', '1'],
  ]);
  await producer.send([event(null, 't', null, null), event(4, 'c', null, { id: 4, name: 'dee', balance: '4' })]);
  await eventuallyRows(c, 'SELECT * FROM cdc ORDER BY id', [['4', 'dee', '4']]);
});

test('USING SCHEMA: a compiled FileDescriptorSet, plain Protobuf messages, no registry', async () => {
  const billing: ProtoFile = {
    name: 'billing.proto',
    schema: `syntax = "proto3";
package billing;
import "google/protobuf/timestamp.proto";
message Batch {
  string id = 1;
  int64 interval_start = 2;
  repeated Record records = 3;
  google.protobuf.Timestamp at = 4;
}
message Record { uint32 amount = 1; fixed64 account = 2; }
`,
  };
  const hex = protoFilesToDescriptorSetHex([billing]);
  const type = compileProtoFiles([billing]).root.lookupType('billing.Batch');
  cluster.createTopic('billing', 1);
  await producer.send([
    msg('billing', Buffer.from([0xff, 0xff]), 'bad'),
    msg('billing', Buffer.from(type.encode({ id: 'b1', interval_start: '9007199254740993', records: [{ amount: 3, account: '18446744073709551615' }, {}], at: { seconds: '1', nanos: 2 } }).finish())),
    msg('billing', Buffer.from(type.encode({ id: 'b2' }).finish())),
  ]);
  // Past the bad message: exact rows.
  await c.query(`CREATE SOURCE billing FROM KAFKA CONNECTION kc (TOPIC 'billing', START OFFSET (1)) FORMAT PROTOBUF MESSAGE '.billing.Batch' USING SCHEMA '\\x${hex}'`);
  await eventuallyRows(c, 'SELECT * FROM billing ORDER BY id', [
    ['b1', '9007199254740993', '{"(3,18446744073709551615)","(0,0)"}', '(1,2)'],
    ['b2', '0', '{}', null],
  ]);
  const [[, create]] = await queryArrays(c, 'SHOW CREATE SOURCE billing');
  assert.match(String(create), /FORMAT PROTOBUF MESSAGE '\.billing\.Batch' USING SCHEMA '\\x[0-9a-f]+'$/);
  // From the start: the bad message fails queries and is a dead letter.
  await c.query(`CREATE SOURCE billing_all FROM KAFKA CONNECTION kc (TOPIC 'billing') FORMAT PROTOBUF MESSAGE 'billing.Batch' USING SCHEMA '${hex}' EXPOSE ERRORS AS billing_errors`);
  const failure = await eventuallyError(c, 'SELECT * FROM billing_all');
  assert.match(failure.message, /^Decode error: protobuf deserialization error: .* \(partition 0, offset 0\)$/);
  await eventuallyRows(c, "SELECT \"offset\", convert_from(key, 'utf8'), value, error FROM billing_errors", [['0', 'bad', '\\xffff', failure.message]]);
});

test('registry failures: unknown subject and registry down at CREATE, an unknown writer id, registry down while a new id arrives, restart with the registry down', async () => {
  cluster.createTopic('nothing', 1);
  const unknown = await sqlError(c.query("CREATE SOURCE nope FROM KAFKA CONNECTION kc (TOPIC 'nothing') FORMAT PROTOBUF USING CONFLUENT SCHEMA REGISTRY CONNECTION csr"));
  assert.equal(unknown.code, '42704');
  assert.equal(unknown.message, 'failed to fetch schema subject "nothing-value" from ccsr: subject not found');
  registry.setDown(true);
  try {
    const down = await sqlError(c.query("CREATE SOURCE nope FROM KAFKA CONNECTION kc (TOPIC 'orders') FORMAT PROTOBUF USING CONFLUENT SCHEMA REGISTRY CONNECTION csr"));
    assert.equal(down.code, '08006');
    assert.equal(
      down.message,
      `failed to fetch schema subject "orders-value" from ccsr: schema registry at ${registry.url}: registry error while reading version latest of subject "orders-value": HTTP 503: Error in the backend data store (50001)`,
    );
  } finally {
    registry.setDown(false);
  }

  const tick: ProtoFile = { name: 'tick.proto', schema: 'syntax = "proto3";\npackage t;\nmessage Tick { int64 n = 1; }\n' };
  const w1 = register('ticks-value', tick);
  cluster.createTopic('ticks', 1);
  await producer.send([msg('ticks', w1.frame('t.Tick', [0], { n: '1' })), msg('ticks', confluentProtobufFrame(4242, [0], Buffer.from([8, 2])), 'k')]);
  await c.query("CREATE SOURCE ticks FROM KAFKA CONNECTION kc (TOPIC 'ticks') FORMAT PROTOBUF USING CONFLUENT SCHEMA REGISTRY CONNECTION csr EXPOSE ERRORS AS ticks_errors");
  const unknownId = `Decode error: protobuf deserialization error: schema id 4242 not found in the schema registry: schema registry at ${registry.url}: schema 4242 not found (40403) (partition 0, offset 1)`;
  assert.equal((await eventuallyError(c, 'SELECT * FROM ticks')).message, unknownId);
  await eventuallyRows(c, 'SELECT "offset", error FROM ticks_errors', [['1', unknownId]]);

  // A new writer id while the registry is down: stalled with the cause, nothing lost, then recovers by itself.
  const tick2: ProtoFile = { name: 'tick.proto', schema: 'syntax = "proto3";\npackage t;\nmessage Tick { int64 n = 1; string tag = 2; }\n' };
  const w2 = register('ticks-value', tick2);
  registry.setDown(true);
  await producer.send([msg('ticks', w2.frame('t.Tick', [0], { n: '9007199254740993', tag: 'x' }))]);
  await eventuallyRows(c, "SELECT status, error FROM mz_internal.mz_source_statuses WHERE name = 'ticks'", [
    ['stalled', `schema registry at ${registry.url}: registry error while reading schema ${w2.id}: HTTP 503: Error in the backend data store (50001)`],
  ]);
  registry.setDown(false);
  await eventuallyRows(c, "SELECT status, error FROM mz_internal.mz_source_statuses WHERE name = 'ticks'", [['running', null]]);
  await eventuallyRows(c, 'SELECT "offset", convert_from(key, \'utf8\') FROM ticks_errors', [['1', 'k']]);
  await c.query("CREATE SOURCE ticks_ok FROM KAFKA CONNECTION kc (TOPIC 'ticks', START OFFSET (2)) FORMAT PROTOBUF USING CONFLUENT SCHEMA REGISTRY CONNECTION csr");
  await eventuallyRows(c, 'SELECT n FROM ticks_ok', [['9007199254740993']]);

  // Restart with the registry unreachable: sources come back from their stored statements.
  const server = servers[servers.length - 1]!;
  assert.equal(await server.stop(), 0, server.log());
  registry.setDown(true, 'drop');
  c = await start();
  await eventuallyRows(c, 'SELECT id, status FROM orders ORDER BY id', [
    ['-9223372036854775808', 'SHIPPED'],
    ['0', 'PENDING'],
    ['7', 'PENDING'],
    ['8', 'PENDING'],
  ]);
  await eventuallyRows(c, 'SELECT * FROM stock ORDER BY sku', [
    ['a', '5', 'osl'],
    ['c', '0', ''],
  ]);
  await eventuallyRows(c, 'SELECT * FROM cdc ORDER BY id', [['4', 'dee', '4']]);
  await eventuallyRows(c, 'SELECT n FROM ticks_ok', [['9007199254740993']]);
  await producer.send([msg('ticks', w1.frame('t.Tick', [0], { n: '3' }))]);
  await eventuallyRows(c, "SELECT status, error LIKE 'schema registry at %' FROM mz_internal.mz_source_statuses WHERE name = 'ticks_ok'", [['stalled', 't']]);
  registry.setDown(false);
  await eventuallyRows(c, 'SELECT n FROM ticks_ok ORDER BY n', [['3'], ['9007199254740993']]);
});
