// Avro through a Confluent Schema Registry, end to end: real Confluent-framed
// Avro produced to the mock broker, an EmbeddedSchemaRegistry (with basic
// auth) in the test, the real `freshet serve`, exact results over pg. Covers
// the type mapping, ENVELOPE NONE / UPSERT / DEBEZIUM, KEY/VALUE FORMAT and
// STRATEGY forms, schema evolution across writer ids, references, SEED in
// SHOW CREATE SOURCE, restarts with the registry down, CREATE TABLE ... FROM
// SOURCE, and each registry failure.
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
import { avroType, confluentFrame } from '../../src/storage/formats/avro/index.js';

const dataDir = mkdtempSync(join(tmpdir(), 'freshet-integration-avro-'));
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

async function stopServer(): Promise<void> {
  const server = servers[servers.length - 1]!;
  assert.equal(await server.stop(), 0, server.log());
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

type Schema = Record<string, unknown> | string | unknown[];

/** Registers `schema` under `subject`, returns its id and an encoder of Confluent-framed values. */
function register(subject: string, schema: Schema, references: { name: string; subject: string; version: number }[] = [], encodeWith?: Schema): { id: number; frame: (v: unknown) => Buffer } {
  const id = registry.register(subject, JSON.stringify(schema), 'AVRO', references);
  const type = avroType(encodeWith ?? schema);
  return { id, frame: (v) => confluentFrame(id, type.toBuffer(v)) };
}

const msg = (topic: string, value: Buffer | null, key: Buffer | string | null = null): TestMessage => ({ topic, partition: 0, key, value });

/** Big-endian two's complement of n (Avro's decimal bytes). */
function twos(n: bigint): Buffer {
  let bytes = 1;
  while (n < -(1n << BigInt(8 * bytes - 1)) || n >= 1n << BigInt(8 * bytes - 1)) bytes++;
  const out = Buffer.alloc(bytes);
  let v = BigInt.asUintN(8 * bytes, n);
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

const ALL_TYPES = {
  type: 'record',
  name: 'AllTypes',
  namespace: 'com.acme',
  fields: [
    { name: 'b', type: 'boolean' },
    { name: 'i', type: 'int' },
    { name: 'l', type: 'long' },
    { name: 'f', type: 'float' },
    { name: 'd', type: 'double' },
    { name: 's', type: 'string' },
    { name: 'e', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN'] } },
    { name: 'by', type: 'bytes' },
    { name: 'fx', type: { type: 'fixed', name: 'Four', size: 4 } },
    { name: 'dec', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
    { name: 'dt', type: { type: 'int', logicalType: 'date' } },
    { name: 'tm', type: { type: 'int', logicalType: 'time-millis' } },
    { name: 'tu', type: { type: 'long', logicalType: 'time-micros' } },
    { name: 'tsm', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'tsu', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'u', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'j', type: { type: 'string', 'connect.name': 'io.debezium.data.Json' } },
    { name: 'arr', type: { type: 'array', items: 'int' } },
    { name: 'm', type: { type: 'map', values: 'long' } },
    { name: 'rec', type: { type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'int' }, { name: 'y', type: ['null', 'string'] }] } },
    { name: 'n', type: ['null', 'int'] },
    { name: 'multi', type: ['null', 'long', 'string'] },
  ],
};

test('every Avro type maps to its column and exact psql text (ENVELOPE NONE); SHOW CREATE SOURCE shows the SEED', async () => {
  const { frame } = register('types-value', ALL_TYPES);
  cluster.createTopic('types', 1);
  await producer.send([
    msg(
      'types',
      frame({
        b: true,
        i: -2147483648,
        l: 9007199254740993n,
        f: 1.5,
        d: -0.1,
        s: 'grüße, "q"',
        e: 'GREEN',
        by: Buffer.from([0, 1, 255]),
        fx: Buffer.from('abcd'),
        dec: twos(-12345n),
        dt: 19000,
        tm: 3_723_004,
        tu: 3_723_004_005n,
        tsm: 1_700_000_000_123n,
        tsu: -1_000_001n,
        u: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
        j: '{"b": [true, null], "a": 1.50}',
        arr: [3, 1, 2],
        m: { b: 2n, a: -(2n ** 63n) },
        rec: { x: 7, y: null },
        n: null,
        multi: { string: 'text' },
      }),
    ),
    msg(
      'types',
      frame({
        b: false,
        i: 2147483647,
        l: 2n ** 63n - 1n,
        f: -0.25,
        d: 1e300,
        s: '',
        e: 'RED',
        by: Buffer.alloc(0),
        fx: Buffer.from([0, 0, 0, 1]),
        dec: twos(99999999n),
        dt: 0,
        tm: 0,
        tu: 86_399_999_999n,
        tsm: 0n,
        tsu: 1_700_000_000_123_456n,
        u: '00000000-0000-0000-0000-000000000000',
        j: '[1, "x"]',
        arr: [],
        m: {},
        rec: { x: -1, y: 'why' },
        n: 42,
        multi: { long: -(2n ** 63n) },
      }),
    ),
  ]);
  await c.query('CREATE SOURCE types FROM KAFKA CONNECTION kc (TOPIC \'types\') FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr');
  assert.deepEqual(await queryArrays(c, 'SHOW COLUMNS FROM types'), [
    ['b', 'f', 'boolean'],
    ['i', 'f', 'integer'],
    ['l', 'f', 'bigint'],
    ['f', 'f', 'real'],
    ['d', 'f', 'double precision'],
    ['s', 'f', 'text'],
    ['e', 'f', 'text'],
    ['by', 'f', 'bytea'],
    ['fx', 'f', 'bytea'],
    ['dec', 'f', 'numeric(10,2)'],
    ['dt', 'f', 'date'],
    ['tm', 'f', 'time without time zone'],
    ['tu', 'f', 'time without time zone'],
    ['tsm', 'f', 'timestamp without time zone'],
    ['tsu', 'f', 'timestamp without time zone'],
    ['u', 'f', 'uuid'],
    ['j', 'f', 'jsonb'],
    ['arr', 'f', 'integer list'],
    ['m', 'f', 'map[text=>bigint]'],
    ['rec', 'f', 'record'],
    ['n', 't', 'integer'],
    ['multi1', 't', 'bigint'],
    ['multi2', 't', 'text'],
  ]);
  await eventuallyRows(c, 'SELECT * FROM types ORDER BY i', [
    [
      't', '-2147483648', '9007199254740993', '1.5', '-0.1', 'grüße, "q"', 'GREEN', '\\x0001ff', '\\x61626364', '-123.45', '2022-01-08', '01:02:03.004', '01:02:03.004005',
      '2023-11-14 22:13:20.123', '1969-12-31 23:59:58.999999', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1.50, "b": [true, null]}', '{3,1,2}', '{a=>-9223372036854775808,b=>2}', '(7,)', null, null, 'text',
    ],
    [
      'f', '2147483647', '9223372036854775807', '-0.25', '1e+300', '', 'RED', '\\x', '\\x00000001', '999999.99', '1970-01-01', '00:00:00', '23:59:59.999999',
      '1970-01-01 00:00:00', '2023-11-14 22:13:20.123456', '00000000-0000-0000-0000-000000000000', '[1, "x"]', '{}', '{}', '(-1,why)', '42', '-9223372036854775808', null,
    ],
  ]);
  assert.deepEqual(await queryArrays(c, 'SELECT (rec).x, (rec).y, j->>\'b\', arr[2], m->\'a\' FROM types ORDER BY i'), [
    ['7', null, '[true, null]', '1', '-9223372036854775808'],
    ['-1', 'why', null, null, null],
  ]);
  const [[name, create]] = await queryArrays(c, 'SHOW CREATE SOURCE types');
  assert.equal(name, 'materialize.public.types');
  const seeded = String(create);
  assert.match(seeded, /FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION (materialize\.public\.)?csr SEED VALUE SCHEMA '\{/);
  const schemaText = /SEED VALUE SCHEMA '((?:[^']|'')*)'/.exec(seeded)![1]!.replace(/''/g, "'");
  assert.deepEqual(JSON.parse(schemaText), ALL_TYPES);
});

test('schema evolution: old and new writers in one topic (added field with default, removed field, int -> long), references', async () => {
  const v1 = { type: 'record', name: 'User', fields: [{ name: 'id', type: 'long' }, { name: 'name', type: 'string' }, { name: 'score', type: 'int' }, { name: 'legacy', type: 'string' }] };
  const v2 = { type: 'record', name: 'User', fields: [{ name: 'id', type: 'long' }, { name: 'name', type: 'string' }, { name: 'score', type: 'long' }, { name: 'email', type: ['null', 'string'], default: null }] };
  const v3 = { ...v2, fields: [...v2.fields, { name: 'country', type: 'string', default: 'NO' }] };
  const w1 = register('users-value', v1);
  const w2 = register('users-value', v2);
  assert.notEqual(w1.id, w2.id);
  cluster.createTopic('users', 1);
  await producer.send([
    msg('users', w1.frame({ id: 1n, name: 'ada', score: 10, legacy: 'gone' })),
    msg('users', w2.frame({ id: 2n, name: 'bob', score: 2n ** 40n, email: 'bob@x' })),
    msg('users', w1.frame({ id: 3n, name: 'cy', score: -5, legacy: 'gone too' })),
  ]);
  // The reader is the subject's latest version at CREATE (v2).
  await c.query("CREATE SOURCE users FROM KAFKA CONNECTION kc (TOPIC 'users') FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr");
  // A newer writer registered afterwards: its extra field is skipped.
  const w3 = register('users-value', v3);
  await producer.send([msg('users', w3.frame({ id: 4n, name: 'dee', score: 7n, email: null, country: 'SE' })), msg('users', w1.frame({ id: 5n, name: 'eve', score: 1, legacy: '' }))]);
  await eventuallyRows(c, 'SELECT * FROM users ORDER BY id', [
    ['1', 'ada', '10', null],
    ['2', 'bob', '1099511627776', 'bob@x'],
    ['3', 'cy', '-5', null],
    ['4', 'dee', '7', null],
    ['5', 'eve', '1', null],
  ]);

  // References: a named type registered under its own subject.
  const address = { type: 'record', name: 'Address', namespace: 'com.acme.common', fields: [{ name: 'city', type: 'string' }, { name: 'zip', type: ['null', 'string'], default: null }] };
  const order = { type: 'record', name: 'Order', namespace: 'com.acme', fields: [{ name: 'id', type: 'int' }, { name: 'ship', type: 'com.acme.common.Address' }, { name: 'bill', type: ['null', 'com.acme.common.Address'] }] };
  registry.register('com.acme.common.Address', JSON.stringify(address));
  const orders = register('orders-value', order, [{ name: 'com.acme.common.Address', subject: 'com.acme.common.Address', version: 1 }], {
    ...order,
    fields: [order.fields[0], { name: 'ship', type: address }, { name: 'bill', type: ['null', 'com.acme.common.Address'] }],
  });
  cluster.createTopic('orders', 1);
  await producer.send([
    msg('orders', orders.frame({ id: 1, ship: { city: 'Oslo', zip: '0150' }, bill: null })),
    msg('orders', orders.frame({ id: 2, ship: { city: 'Bergen', zip: null }, bill: { city: 'Oslo', zip: null } })),
  ]);
  await c.query("CREATE SOURCE orders FROM KAFKA CONNECTION kc (TOPIC 'orders') FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr");
  await eventuallyRows(c, 'SELECT id, (ship).city, (ship).zip, (bill).city, ship::text FROM orders ORDER BY id', [
    ['1', 'Oslo', '0150', null, '(Oslo,0150)'],
    ['2', 'Bergen', null, 'Oslo', '(Bergen,)'],
  ]);
});

const KEY = { type: 'record', name: 'Key', namespace: 'shop', fields: [{ name: 'id', type: 'long' }] };
const ITEM = { type: 'record', name: 'Item', namespace: 'shop', fields: [{ name: 'name', type: 'string' }, { name: 'qty', type: 'int' }] };

test('ENVELOPE UPSERT with the key subject; KEY FORMAT / VALUE FORMAT; KEY/VALUE STRATEGY ID and INLINE; CREATE TABLE FROM SOURCE', async () => {
  const key = register('kv-key', KEY);
  const value = register('kv-value', ITEM);
  cluster.createTopic('kv', 1);
  const k = (id: bigint): Buffer => key.frame({ id });
  await producer.send([
    msg('kv', value.frame({ name: 'apple', qty: 1 }), k(1n)),
    msg('kv', value.frame({ name: 'pear', qty: 2 }), k(2n)),
    msg('kv', value.frame({ name: 'apple', qty: 10 }), k(1n)),
    msg('kv', value.frame({ name: 'fig', qty: 3 }), k(3n)),
    msg('kv', null, k(2n)),
  ]);
  await c.query("CREATE SOURCE kv FROM KAFKA CONNECTION kc (TOPIC 'kv') FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr ENVELOPE UPSERT");
  await c.query(
    "CREATE SOURCE kv2 FROM KAFKA CONNECTION kc (TOPIC 'kv') KEY FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr VALUE FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr INCLUDE OFFSET ENVELOPE UPSERT",
  );
  // A reader of our own for the value (INLINE: no registry request), the key by id.
  const inlineReader = { type: 'record', name: 'Item', namespace: 'shop', fields: [{ name: 'name', type: 'string' }, { name: 'note', type: 'string', default: 'n/a' }] };
  const inline = JSON.stringify(inlineReader).replace(/'/g, "''");
  await c.query(
    `CREATE SOURCE kv3 FROM KAFKA CONNECTION kc (TOPIC 'kv') FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr KEY STRATEGY ID ${key.id} VALUE STRATEGY INLINE '${inline}' ENVELOPE UPSERT`,
  );
  await c.query("CREATE SOURCE kv_src FROM KAFKA CONNECTION kc (TOPIC 'kv')");
  await c.query('CREATE TABLE kv_table FROM SOURCE kv_src (REFERENCE "kv") FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr ENVELOPE UPSERT');
  const expected = [
    ['1', 'apple', '10'],
    ['3', 'fig', '3'],
  ];
  await eventuallyRows(c, 'SELECT * FROM kv ORDER BY id', expected);
  await eventuallyRows(c, 'SELECT * FROM kv2 ORDER BY id', [
    ['1', 'apple', '10', '2'],
    ['3', 'fig', '3', '3'],
  ]);
  await eventuallyRows(c, 'SELECT * FROM kv3 ORDER BY id', [
    ['1', 'apple', 'n/a'],
    ['3', 'fig', 'n/a'],
  ]);
  await eventuallyRows(c, 'SELECT * FROM kv_table ORDER BY id', expected);
  assert.deepEqual(await queryArrays(c, 'SHOW COLUMNS FROM kv'), [
    ['id', 'f', 'bigint'],
    ['name', 'f', 'text'],
    ['qty', 'f', 'integer'],
  ]);
  const [[, createTable]] = await queryArrays(c, 'SHOW CREATE TABLE kv_table');
  assert.match(String(createTable), /FROM SOURCE .*kv_src .*FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION .*csr SEED KEY SCHEMA '\{.*\}' VALUE SCHEMA '\{.*\}' ENVELOPE UPSERT/s);
  const [[, createKv3]] = await queryArrays(c, 'SHOW CREATE SOURCE kv3');
  assert.match(String(createKv3), new RegExp(`KEY STRATEGY ID ${key.id} VALUE STRATEGY INLINE '.*' SEED KEY SCHEMA '.*' VALUE SCHEMA '.*"note".*'`));
  await producer.send([msg('kv', value.frame({ name: 'kiwi', qty: 4 }), k(2n)), msg('kv', null, k(1n))]);
  await eventuallyRows(c, 'SELECT * FROM kv ORDER BY id', [
    ['2', 'kiwi', '4'],
    ['3', 'fig', '3'],
  ]);
  await eventuallyRows(c, 'SELECT id, name FROM kv_table ORDER BY id', [
    ['2', 'kiwi'],
    ['3', 'fig'],
  ]);
});

const ROW = { type: 'record', name: 'Value', namespace: 'shop.public.customers', fields: [{ name: 'id', type: 'int' }, { name: 'name', type: 'string' }, { name: 'email', type: ['null', 'string'], default: null }] };
const DBZ_KEY = { type: 'record', name: 'Key', namespace: 'shop.public.customers', fields: [{ name: 'id', type: 'int' }] };
const ENVELOPE = {
  type: 'record',
  name: 'Envelope',
  namespace: 'shop.public.customers',
  fields: [
    { name: 'before', type: ['null', ROW], default: null },
    { name: 'after', type: ['null', 'Value'], default: null },
    {
      name: 'source',
      type: {
        type: 'record',
        name: 'Source',
        namespace: 'io.debezium.connector.postgresql',
        fields: [
          { name: 'version', type: 'string' },
          { name: 'connector', type: 'string' },
          { name: 'name', type: 'string' },
          { name: 'ts_ms', type: 'long' },
          { name: 'db', type: 'string' },
          { name: 'schema', type: 'string' },
          { name: 'table', type: 'string' },
          { name: 'lsn', type: ['null', 'long'], default: null },
        ],
      },
    },
    { name: 'op', type: 'string' },
    { name: 'ts_ms', type: ['null', 'long'], default: null },
    {
      name: 'transaction',
      type: ['null', { type: 'record', name: 'block', namespace: 'event', fields: [{ name: 'id', type: 'string' }, { name: 'total_order', type: 'long' }, { name: 'data_collection_order', type: 'long' }] }],
      default: null,
    },
  ],
};

test('ENVELOPE DEBEZIUM over Avro: c/u/d/r/t, duplicates and tombstones, columns are the after-record fields', async () => {
  const key = register('dbz-key', DBZ_KEY);
  const value = register('dbz-value', ENVELOPE);
  cluster.createTopic('dbz', 1);
  const source = { version: '2.7.0.Final', connector: 'postgresql', name: 'shop', ts_ms: 1_764_000_000_000n, db: 'shop', schema: 'public', table: 'customers', lsn: null };
  type Image = { id: number; name: string; email: string | null } | null;
  const event = (id: number | null, op: string, before: Image, after: Image): TestMessage =>
    msg('dbz', value.frame({ before, after, source, op, ts_ms: 1_764_000_000_001n, transaction: null }), id === null ? null : key.frame({ id }));
  const ada = { id: 1, name: 'ada', email: null };
  const bob = { id: 2, name: 'bob', email: 'bob@x' };
  const cy = { id: 3, name: 'cy', email: null };
  await producer.send([
    event(1, 'r', null, ada),
    event(2, 'r', null, bob),
    event(3, 'c', null, cy),
    event(1, 'u', ada, { ...ada, name: 'ada l.' }),
    event(3, 'c', null, cy), // a duplicate delivery
    event(1, 'u', ada, { ...ada, name: 'ada l.' }), // and another
    event(2, 'd', bob, null),
    msg('dbz', null, key.frame({ id: 2 })), // the tombstone after a delete
  ]);
  await c.query("CREATE SOURCE customers FROM KAFKA CONNECTION kc (TOPIC 'dbz') FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr ENVELOPE DEBEZIUM");
  await c.query(
    "CREATE SOURCE customers2 FROM KAFKA CONNECTION kc (TOPIC 'dbz') KEY FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr VALUE FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr ENVELOPE DEBEZIUM",
  );
  await c.query('CREATE MATERIALIZED VIEW customer_count AS SELECT count(*) AS n FROM customers');
  const expected = [
    ['1', 'ada l.', null],
    ['3', 'cy', null],
  ];
  await eventuallyRows(c, 'SELECT * FROM customers ORDER BY id', expected);
  await eventuallyRows(c, 'SELECT * FROM customers2 ORDER BY id', expected);
  await eventuallyRows(c, 'SELECT n FROM customer_count', [['2']]);
  assert.deepEqual((await queryArrays(c, 'SHOW COLUMNS FROM customers')).map((r) => [r[0], r[2]]), [
    ['id', 'integer'],
    ['name', 'text'],
    ['email', 'text'],
  ]);
  assert.deepEqual(await queryArrays(c, "SELECT envelope_type, key_format, value_format FROM mz_sources WHERE name = 'customers'"), [['debezium', 'avro', 'avro']]);
  // A truncate (Debezium writes it without a key) empties the table; later events apply.
  await producer.send([event(null, 't', null, null), event(4, 'c', null, { id: 4, name: 'dee', email: 'd@x' }), event(4, 'u', { id: 4, name: 'dee', email: 'd@x' }, { id: 4, name: 'dee', email: null })]);
  await eventuallyRows(c, 'SELECT * FROM customers ORDER BY id', [['4', 'dee', null]]);
  await eventuallyRows(c, 'SELECT * FROM customers2 ORDER BY id', [['4', 'dee', null]]);
  await eventuallyRows(c, 'SELECT n FROM customer_count', [['1']]);
});

test('registry failures at CREATE: unknown subject, registry down, wrong credentials', async () => {
  cluster.createTopic('nothing', 1);
  const unknown = await sqlError(c.query("CREATE SOURCE nope FROM KAFKA CONNECTION kc (TOPIC 'nothing') FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr"));
  assert.equal(unknown.code, '42704');
  assert.equal(unknown.message, 'No value schema found');
  assert.match(unknown.detail ?? '', /subject "nothing-value"/);
  const noKey = await sqlError(c.query("CREATE SOURCE nope FROM KAFKA CONNECTION kc (TOPIC 'users') FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr ENVELOPE UPSERT"));
  assert.equal(noKey.code, '42704');
  assert.equal(noKey.message, 'No key schema found');

  registry.setDown(true);
  try {
    const down = await sqlError(c.query("CREATE SOURCE nope FROM KAFKA CONNECTION kc (TOPIC 'users') FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr"));
    assert.equal(down.code, '08006');
    assert.equal(down.message, `failed to fetch schema subject "users-value" from schema registry at ${registry.url}: registry error while reading version latest of subject "users-value": HTTP 503: Error in the backend data store (50001)`);
  } finally {
    registry.setDown(false);
  }
  await c.query("CREATE SECRET wrong_password AS 'guess'");
  await c.query(`CREATE CONNECTION csr_bad TO CONFLUENT SCHEMA REGISTRY (URL '${registry.url}', USERNAME = 'freshet', PASSWORD = SECRET wrong_password) WITH (VALIDATE = false)`);
  const denied = await sqlError(c.query("CREATE SOURCE nope FROM KAFKA CONNECTION kc (TOPIC 'users') FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr_bad"));
  assert.equal(denied.code, '08006');
  assert.equal(denied.message, `failed to fetch schema subject "users-value" from schema registry at ${registry.url}: unauthorized: the registry rejected the credentials (40101)`);
  assert.deepEqual(await queryArrays(c, "SELECT count(*) FROM mz_sources WHERE name = 'nope'"), [['0']]);
});

test('bad writers: an unknown id and an incompatible writer are decode errors (queries and the dead-letter relation)', async () => {
  const reader = { type: 'record', name: 'Reading', fields: [{ name: 'sensor', type: 'string' }, { name: 'v', type: 'long' }] };
  const good = register('readings-value', reader);
  const incompatible = register('other-subject', { type: 'record', name: 'Reading', fields: [{ name: 'sensor', type: 'string' }, { name: 'v', type: 'string' }] });
  cluster.createTopic('readings', 1);
  const unknownId = 9999;
  await producer.send([
    msg('readings', good.frame({ sensor: 'a', v: 1n }), 'k0'),
    msg('readings', confluentFrame(unknownId, avroType(reader).toBuffer({ sensor: 'b', v: 2n })), 'k1'),
    msg('readings', incompatible.frame({ sensor: 'c', v: 'three' }), 'k2'),
    msg('readings', good.frame({ sensor: 'd', v: 4n }), 'k3'),
  ]);
  await c.query("CREATE SOURCE readings FROM KAFKA CONNECTION kc (TOPIC 'readings') FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr EXPOSE ERRORS AS readings_errors");
  const failure = await eventuallyError(c, 'SELECT * FROM readings');
  assert.equal(failure.code, '22000');
  assert.match(failure.message, /^Decode error: avro deserialization error: failed to resolve Avro schema \(id = 9999\): .*\(partition 0, offset 1\)$/);
  await eventuallyRows(c, "SELECT partition, \"offset\", convert_from(key, 'utf8'), length(value), error FROM readings_errors ORDER BY \"offset\"", [
    ['0', '1', 'k1', '8', `Decode error: avro deserialization error: failed to resolve Avro schema (id = 9999): schema registry at ${registry.url}: schema 9999 not found (40403) (partition 0, offset 1)`],
    [
      '0',
      '2',
      'k2',
      '13',
      `Decode error: avro deserialization error: failed to resolve Avro schema (id = ${incompatible.id}): writer schema is incompatible with the reader schema: cannot read "string" as "long" (partition 0, offset 2)`,
    ],
  ]);
});

test('registry down while a new writer id arrives: stalled with the cause, recovers by itself; a restart with the registry down', async () => {
  const v1 = { type: 'record', name: 'Tick', fields: [{ name: 'n', type: 'int' }] };
  const v2 = { type: 'record', name: 'Tick', fields: [{ name: 'n', type: 'int' }, { name: 'tag', type: 'string' }] };
  const w1 = register('ticks-value', v1);
  cluster.createTopic('ticks', 1);
  await producer.send([msg('ticks', w1.frame({ n: 1 })), msg('ticks', w1.frame({ n: 2 }))]);
  await c.query("CREATE SOURCE ticks FROM KAFKA CONNECTION kc (TOPIC 'ticks') FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr");
  await eventuallyRows(c, 'SELECT n FROM ticks ORDER BY n', [['1'], ['2']]);
  const w2 = register('ticks-value', v2);
  registry.setDown(true);
  await producer.send([msg('ticks', w2.frame({ n: 3, tag: 'new' })), msg('ticks', w1.frame({ n: 4 }))]);
  await eventuallyRows(c, "SELECT status, error FROM mz_internal.mz_source_statuses WHERE name = 'ticks'", [
    ['stalled', `schema registry at ${registry.url}: registry error while reading schema ${w2.id}: HTTP 503: Error in the backend data store (50001)`],
  ]);
  // Nothing after the stalled message is visible yet, nothing is lost.
  assert.deepEqual(await queryArrays(c, 'SELECT n FROM ticks ORDER BY n'), [['1'], ['2']]);
  registry.setDown(false);
  await eventuallyRows(c, "SELECT status, error FROM mz_internal.mz_source_statuses WHERE name = 'ticks'", [['running', null]]);
  await eventuallyRows(c, 'SELECT n FROM ticks ORDER BY n', [['1'], ['2'], ['3'], ['4']]);

  // Restart with the registry down: every source is planned from its stored
  // (purified) statement, and its data is back without the registry.
  await stopServer();
  registry.setDown(true, 'drop');
  c = await start();
  await eventuallyRows(c, 'SELECT n FROM ticks ORDER BY n', [['1'], ['2'], ['3'], ['4']]);
  await eventuallyRows(c, 'SELECT * FROM kv ORDER BY id', [
    ['2', 'kiwi', '4'],
    ['3', 'fig', '3'],
  ]);
  await eventuallyRows(c, 'SELECT * FROM customers ORDER BY id', [['4', 'dee', null]]);
  await eventuallyRows(c, 'SELECT count(*) FROM types', [['2']]);
  // New messages need their writer schemas: the source waits for the registry, then resumes.
  await producer.send([msg('ticks', w1.frame({ n: 5 }))]);
  const [[status, error]] = await eventuallyRows(c, "SELECT status, error LIKE 'schema registry at %' FROM mz_internal.mz_source_statuses WHERE name = 'ticks'", [['stalled', 't']]);
  assert.equal(status, 'stalled');
  assert.equal(error, 't');
  registry.setDown(false);
  await eventuallyRows(c, 'SELECT n FROM ticks ORDER BY n', [['1'], ['2'], ['3'], ['4'], ['5']]);
  await eventuallyRows(c, "SELECT status FROM mz_internal.mz_source_statuses WHERE name = 'ticks'", [['running']]);
  await producer.send([event4()]);
  await eventuallyRows(c, 'SELECT * FROM customers ORDER BY id', [
    ['4', 'dee', null],
    ['5', 'eve', null],
  ]);
});

/** A Debezium create event for customer 5 (schemas already registered). */
function event4(): TestMessage {
  const key = register('dbz-key', DBZ_KEY);
  const value = register('dbz-value', ENVELOPE);
  const source = { version: '2.7.0.Final', connector: 'postgresql', name: 'shop', ts_ms: 0n, db: 'shop', schema: 'public', table: 'customers', lsn: 5n };
  return msg('dbz', value.frame({ before: null, after: { id: 5, name: 'eve', email: null }, source, op: 'c', ts_ms: null, transaction: null }), key.frame({ id: 5 }));
}
