import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../src/sql/parser.js';
import type { FormatSpec } from '../../src/sql/ast.js';
import { SqlError } from '../../src/repr/errors.js';
import { formatNumeric, displayScaleOf } from '../../src/repr/numeric.js';
import { Jsonb, ListValue, MapValue, RecordValue, type Datum, type Row } from '../../src/repr/types.js';
import { SchemaRegistryError, type CsrConnectionSpec, type ResolvedSchema, type SchemaRegistryClient } from '../../src/storage/schema-registry/api.js';
import type { Decoder, FormatPurifyContext, FormatRuntime } from '../../src/storage/formats/format.js';
import { planFormat, formatColumns, newFormatDecoder } from '../../src/storage/formats/index.js';
import { avroFormat, avroType, AvroSchemaNotFoundError, confluentFrame, type AvroFormatDesc } from '../../src/storage/formats/avro/index.js';

/** A schema registry double: schemas by id and subjects by name, with scripted transient failures. */
class FakeRegistry implements SchemaRegistryClient {
  readonly byId = new Map<number, ResolvedSchema>();
  readonly bySubject = new Map<string, ResolvedSchema>();
  transientFailures = 0;
  calls = 0;

  add(id: number, schema: unknown, subject?: string, references: ResolvedSchema['references'] = []): void {
    const resolved: ResolvedSchema = { id, schemaType: 'AVRO', schema: JSON.stringify(schema), references };
    this.byId.set(id, resolved);
    if (subject) this.bySubject.set(subject, resolved);
  }

  private fail(): void {
    this.calls++;
    if (this.transientFailures > 0) {
      this.transientFailures--;
      throw new SchemaRegistryError('connect ECONNREFUSED 127.0.0.1:8081', 0, true);
    }
  }

  async schemaById(id: number): Promise<ResolvedSchema> {
    this.fail();
    const s = this.byId.get(id);
    if (!s) throw new SchemaRegistryError(`Schema ${id} not found`, 40403, false);
    return s;
  }

  async latest(subject: string): Promise<ResolvedSchema> {
    this.fail();
    const s = this.bySubject.get(subject);
    if (!s) throw new SchemaRegistryError(`Subject '${subject}' not found.`, 40401, false);
    return s;
  }

  version(subject: string): Promise<ResolvedSchema> {
    return this.latest(subject);
  }

  async subjects(): Promise<string[]> {
    return [...this.bySubject.keys()];
  }
}

const CSR: CsrConnectionSpec = { url: 'http://registry.test:8081' };

function runtimeFor(registry: FakeRegistry): FormatRuntime {
  return { schemaRegistry: () => registry };
}

function purifyContext(registry: FakeRegistry, part: 'key' | 'value' = 'value'): FormatPurifyContext {
  return { part, topic: 't', pos: 0, csrConnection: () => CSR, schemaRegistry: () => registry };
}

/** The FORMAT clause of a CREATE SOURCE statement, as the parser builds it. */
function formatSpec(clause: string): FormatSpec {
  const [parsed] = parse(`CREATE SOURCE s FROM KAFKA CONNECTION k (TOPIC 't') FORMAT AVRO ${clause}`);
  const statement = parsed!.statement;
  assert.equal(statement.kind, 'createSource');
  return (statement as { format: FormatSpec }).format;
}

const inlineSpec = (schema: unknown): FormatSpec => formatSpec(`USING SCHEMA '${JSON.stringify(schema).replace(/'/g, "''")}'`);

function planInline(schema: unknown): AvroFormatDesc {
  return avroFormat.plan(inlineSpec(schema), purifyContext(new FakeRegistry()));
}

/** Plans a CSR format with the value subject `t-value` at id 1 and returns a ready decoder. */
async function registryDecoder(reader: unknown, registry = new FakeRegistry()): Promise<{ desc: AvroFormatDesc; decoder: Decoder; registry: FakeRegistry }> {
  if (!registry.bySubject.has('t-value')) registry.add(1, reader, 't-value');
  const spec = formatSpec('USING CONFLUENT SCHEMA REGISTRY CONNECTION csr');
  await avroFormat.purify!(spec, purifyContext(registry));
  const desc = avroFormat.plan(spec, purifyContext(registry));
  return { desc, decoder: avroFormat.newDecoder(desc, runtimeFor(registry)), registry };
}

async function decodeOne(decoder: Decoder, bytes: Buffer, width: number): Promise<Row | string> {
  await decoder.prepare?.(bytes);
  const row: Row = new Array<Datum>(width);
  const outcome = decoder.decode(bytes, row, 0, 0, 0);
  return typeof outcome === 'string' ? outcome : row;
}

/** Big-endian two's-complement bytes of `n` (minimal, or padded to `size`). */
function twos(n: bigint, size?: number): Buffer {
  let bytes = 1;
  while (n < -(1n << BigInt(8 * bytes - 1)) || n >= 1n << BigInt(8 * bytes - 1)) bytes++;
  const len = size ?? bytes;
  const out = Buffer.alloc(len);
  let v = BigInt.asUintN(8 * len, n);
  for (let i = len - 1; i >= 0; i--) {
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
    { name: 'decf', type: { type: 'fixed', name: 'Money', size: 8, logicalType: 'decimal', precision: 18, scale: 3 } },
    { name: 'dt', type: { type: 'int', logicalType: 'date' } },
    { name: 'tm', type: { type: 'int', logicalType: 'time-millis' } },
    { name: 'tu', type: { type: 'long', logicalType: 'time-micros' } },
    { name: 'tsm', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'tsu', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'lts', type: { type: 'long', logicalType: 'local-timestamp-millis' } },
    { name: 'u', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'j', type: { type: 'string', 'connect.name': 'io.debezium.data.Json' } },
    { name: 'arr', type: { type: 'array', items: 'int' } },
    { name: 'arrn', type: { type: 'array', items: ['null', 'string'] } },
    { name: 'm', type: { type: 'map', values: 'long' } },
    { name: 'rec', type: { type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'int' }, { name: 'y', type: ['null', 'string'] }, { name: 'c', type: 'Color' }] } },
    { name: 'n', type: ['null', 'int'] },
    { name: 'multi', type: ['null', 'int', 'string', 'Inner'] },
  ],
};

test('columns follow Materialize: record fields, nullable unions, one column per branch of other unions', () => {
  const desc = planInline(ALL_TYPES);
  assert.equal(desc.confluentFraming, true);
  assert.equal(desc.registry, undefined);
  const columns = avroFormat.columns(desc);
  const inner = { kind: 'record', fields: [{ name: 'x', type: { kind: 'int4' } }, { name: 'y', type: { kind: 'text' } }, { name: 'c', type: { kind: 'text' } }] };
  assert.deepEqual(columns, [
    { name: 'b', type: { kind: 'bool' }, nullable: false },
    { name: 'i', type: { kind: 'int4' }, nullable: false },
    { name: 'l', type: { kind: 'int8' }, nullable: false },
    { name: 'f', type: { kind: 'float4' }, nullable: false },
    { name: 'd', type: { kind: 'float8' }, nullable: false },
    { name: 's', type: { kind: 'text' }, nullable: false },
    { name: 'e', type: { kind: 'text' }, nullable: false },
    { name: 'by', type: { kind: 'bytea' }, nullable: false },
    { name: 'fx', type: { kind: 'bytea' }, nullable: false },
    { name: 'dec', type: { kind: 'numeric', precision: 10, scale: 2 }, nullable: false },
    { name: 'decf', type: { kind: 'numeric', precision: 18, scale: 3 }, nullable: false },
    { name: 'dt', type: { kind: 'date' }, nullable: false },
    { name: 'tm', type: { kind: 'time' }, nullable: false },
    { name: 'tu', type: { kind: 'time' }, nullable: false },
    { name: 'tsm', type: { kind: 'timestamp' }, nullable: false },
    { name: 'tsu', type: { kind: 'timestamp' }, nullable: false },
    { name: 'lts', type: { kind: 'timestamp' }, nullable: false },
    { name: 'u', type: { kind: 'uuid' }, nullable: false },
    { name: 'j', type: { kind: 'jsonb' }, nullable: false },
    { name: 'arr', type: { kind: 'list', element: { kind: 'int4' } }, nullable: false },
    { name: 'arrn', type: { kind: 'list', element: { kind: 'text' } }, nullable: false },
    { name: 'm', type: { kind: 'map', value: { kind: 'int8' } }, nullable: false },
    { name: 'rec', type: inner, nullable: false },
    { name: 'n', type: { kind: 'int4' }, nullable: true },
    { name: 'multi1', type: { kind: 'int4' }, nullable: true },
    { name: 'multi2', type: { kind: 'text' }, nullable: true },
    { name: 'multi3', type: inner, nullable: true },
  ]);
  // Through the registry of formats too.
  assert.deepEqual(formatColumns(planFormat(inlineSpec(ALL_TYPES), purifyContext(new FakeRegistry()))), columns);
});

test('every type decodes to its exact datum', async () => {
  const desc = planInline(ALL_TYPES);
  const decoder = newFormatDecoder(desc, runtimeFor(new FakeRegistry()));
  const type = avroType(JSON.parse(desc.readerSchema));
  const value = {
    b: true,
    i: -2147483648,
    l: 9007199254740993n,
    f: 1.5,
    d: -0.1,
    s: 'grüße ✓',
    e: 'GREEN',
    by: Buffer.from([0, 1, 255]),
    fx: Buffer.from('abcd'),
    dec: twos(-12345n),
    decf: twos(123456789012345678n, 8),
    dt: 19000,
    tm: 3_723_004,
    tu: 3_723_004_005n,
    tsm: 1_700_000_000_123n,
    tsu: -1_000_001n,
    lts: 86_400_000n,
    u: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
    j: '{"b": [true, null], "a": 1.50}',
    arr: [3, 1, 2],
    arrn: ['x', null],
    m: { b: 2n, a: 1n, aa: -(2n ** 63n) },
    rec: { x: 7, y: null, c: 'RED' },
    n: null,
    multi: { 'com.acme.Inner': { x: 1, y: 'why', c: 'GREEN' } },
  };
  const row = await decodeOne(decoder, confluentFrame(42, type.toBuffer(value)), 27);
  assert.ok(Array.isArray(row), String(row));
  const [b, i, l, f, d, s, e, by, fx, dec, decf, dt, tm, tu, tsm, tsu, lts, u, j, arr, arrn, m, rec, n, multi1, multi2, multi3] = row;
  assert.equal(b, true);
  assert.equal(i, -2147483648);
  assert.equal(l, 9007199254740993n);
  assert.equal(f, 1.5);
  assert.equal(d, -0.1);
  assert.equal(s, 'grüße ✓');
  assert.equal(e, 'GREEN');
  assert.deepEqual(by, new Uint8Array([0, 1, 255]));
  assert.deepEqual(fx, new Uint8Array(Buffer.from('abcd')));
  assert.equal(formatNumeric(dec as never), '-123.45');
  assert.equal(displayScaleOf(dec as never), 2);
  assert.equal(formatNumeric(decf as never), '123456789012345.678');
  assert.equal(dt, 19000);
  assert.equal(tm, 3_723_004_000n);
  assert.equal(tu, 3_723_004_005n);
  assert.equal(tsm, 1_700_000_000_123_000n);
  assert.equal(tsu, -1_000_001n);
  assert.equal(lts, 86_400_000_000n);
  assert.equal(u, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
  assert.ok(j instanceof Jsonb);
  assert.equal(j.text, '{"a": 1.50, "b": [true, null]}');
  assert.deepEqual(arr, new ListValue([3, 1, 2]));
  assert.deepEqual(arrn, new ListValue(['x', null]));
  assert.deepEqual(m, new MapValue([['a', 1n], ['aa', -(2n ** 63n)], ['b', 2n]]));
  assert.deepEqual(rec, new RecordValue([7, null, 'RED']));
  assert.equal(n, null);
  assert.equal(multi1, null);
  assert.equal(multi2, null);
  assert.deepEqual(multi3, new RecordValue([1, 'why', 'GREEN']));
});

test('nullable unions and multi-branch unions: NULL, and one branch set at a time', async () => {
  const schema = { type: 'record', name: 'U', fields: [{ name: 'n', type: ['string', 'null'] }, { name: 'v', type: ['null', 'long', 'string'] }] };
  const desc = planInline(schema);
  assert.deepEqual(avroFormat.columns(desc).map((c) => [c.name, c.type.kind, c.nullable]), [['n', 'text', true], ['v1', 'int8', true], ['v2', 'text', true]]);
  const decoder = avroFormat.newDecoder(desc, runtimeFor(new FakeRegistry()));
  const type = avroType(schema);
  const cases: [unknown, Datum[]][] = [
    [{ n: null, v: null }, [null, null, null]],
    [{ n: 'a', v: { long: 2n ** 62n } }, ['a', 2n ** 62n, null]],
    [{ n: 'b', v: { string: 'z' } }, ['b', null, 'z']],
  ];
  for (const [value, expected] of cases) {
    assert.deepEqual(await decodeOne(decoder, confluentFrame(0, type.toBuffer(value)), 3), expected);
  }
});

test('longs are exact to the full 64-bit range', async () => {
  const schema = {
    type: 'record',
    name: 'L',
    fields: [{ name: 'l', type: 'long' }, { name: 'o', type: ['null', 'long'] }, { name: 't', type: { type: 'long', logicalType: 'timestamp-micros' } }],
  };
  const decoder = avroFormat.newDecoder(planInline(schema), runtimeFor(new FakeRegistry()));
  const type = avroType(schema);
  for (const v of [0n, -1n, 1n, 2n ** 53n + 1n, -(2n ** 53n) - 3n, 2n ** 63n - 1n, -(2n ** 63n), 1234567890123n]) {
    assert.deepEqual(await decodeOne(decoder, confluentFrame(0, type.toBuffer({ l: v, o: v, t: v })), 3), [v, v, v], String(v));
  }
});

test('a top-level non-record is one column; named types give union columns their names', () => {
  assert.deepEqual(avroFormat.columns(planInline('string')), [{ name: '?column?', type: { kind: 'text' }, nullable: false }]);
  assert.deepEqual(avroFormat.columns(planInline(['null', 'long'])), [{ name: '?column?', type: { kind: 'int8' }, nullable: true }]);
  const e = { type: 'enum', name: 'ns.Suit', symbols: ['A'] };
  assert.deepEqual(
    avroFormat.columns(planInline(['int', e])).map((c) => c.name),
    ['?column?', 'Suit'],
  );
});

test('a top-level string decodes into its one column', async () => {
  const decoder = avroFormat.newDecoder(planInline('string'), runtimeFor(new FakeRegistry()));
  assert.deepEqual(await decodeOne(decoder, confluentFrame(9, avroType('string').toBuffer('hello')), 1), ['hello']);
});

test('schema evolution: added fields with defaults, removed fields, int promoted to long, across writer ids', async () => {
  const reader = {
    type: 'record',
    name: 'User',
    fields: [
      { name: 'id', type: 'long' },
      { name: 'name', type: 'string' },
      { name: 'email', type: ['null', 'string'], default: null },
      { name: 'score', type: 'double', default: 0 },
      { name: 'level', type: 'long', default: 3 },
    ],
  };
  const writerV1 = { type: 'record', name: 'User', fields: [{ name: 'id', type: 'int' }, { name: 'legacy', type: 'string' }, { name: 'name', type: 'string' }, { name: 'score', type: 'float' }] };
  const registry = new FakeRegistry();
  registry.add(1, reader, 't-value');
  registry.add(7, writerV1);
  const { decoder } = await registryDecoder(reader, registry);
  const old = confluentFrame(7, avroType(writerV1).toBuffer({ id: 5, legacy: 'dropped', name: 'ada', score: 2.5 }));
  assert.deepEqual(await decodeOne(decoder, old, 5), [5n, 'ada', null, 2.5, 3n]);
  const current = confluentFrame(1, avroType(reader).toBuffer({ id: 6n, name: 'bob', email: 'b@x', score: 1, level: 9n }));
  assert.deepEqual(await decodeOne(decoder, current, 5), [6n, 'bob', 'b@x', 1, 9n]);
  // Interleaved ids keep working (the last-id cache is not stale).
  assert.deepEqual(await decodeOne(decoder, old, 5), [5n, 'ada', null, 2.5, 3n]);
});

test('a writer incompatible with the reader is a decode error for its messages only', async () => {
  const reader = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] };
  const writer = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] };
  const registry = new FakeRegistry();
  registry.add(2, writer);
  const { decoder } = await registryDecoder(reader, registry);
  const outcome = await decodeOne(decoder, confluentFrame(2, avroType(writer).toBuffer({ a: 'x' })), 1);
  assert.match(String(outcome), /^avro deserialization error: failed to resolve Avro schema \(id = 2\): writer schema is incompatible/);
  assert.deepEqual(await decodeOne(decoder, confluentFrame(1, avroType(reader).toBuffer({ a: 4 })), 1), [4]);
});

test('references are inlined into one self-contained reader schema, and followed for writers', async () => {
  const address = { type: 'record', name: 'Address', namespace: 'com.acme.common', fields: [{ name: 'city', type: 'string' }, { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['HOME', 'WORK'] } }] };
  const order = {
    type: 'record',
    name: 'Order',
    namespace: 'com.acme',
    fields: [
      { name: 'ship', type: 'com.acme.common.Address' },
      { name: 'bill', type: ['null', 'com.acme.common.Address'] },
      { name: 'k', type: 'com.acme.common.Kind' },
    ],
  };
  const registry = new FakeRegistry();
  const refs = [{ name: 'com.acme.common.Address', schemaType: 'AVRO' as const, schema: JSON.stringify(address) }];
  registry.add(10, order, 't-value', refs);
  const spec = formatSpec('USING CONFLUENT SCHEMA REGISTRY CONNECTION csr');
  await avroFormat.purify!(spec, purifyContext(registry));
  const seeded = (spec as { seed?: { value?: { schema: string } } }).seed?.value?.schema;
  assert.ok(seeded);
  assert.ok(seeded.includes('"city"'), 'the referenced type is written out');
  const desc = avroFormat.plan(spec, purifyContext(registry));
  assert.deepEqual(desc.registry, CSR);
  const addressType = { kind: 'record', fields: [{ name: 'city', type: { kind: 'text' } }, { name: 'kind', type: { kind: 'text' } }] };
  assert.deepEqual(avroFormat.columns(desc), [
    { name: 'ship', type: addressType, nullable: false },
    { name: 'bill', type: addressType, nullable: true },
    { name: 'k', type: { kind: 'text' }, nullable: false },
  ]);
  const decoder = avroFormat.newDecoder(desc, runtimeFor(registry));
  const bytes = confluentFrame(10, avroType(JSON.parse(seeded)).toBuffer({ ship: { city: 'Oslo', kind: 'HOME' }, bill: null, k: 'WORK' }));
  assert.deepEqual(await decodeOne(decoder, bytes, 3), [new RecordValue(['Oslo', 'HOME']), null, 'WORK']);
});

test('recursive and unsupported schemas are clear errors at CREATE, never crashes', () => {
  const cases: [unknown, string, RegExp][] = [
    [{ type: 'record', name: 'Node', fields: [{ name: 'v', type: 'int' }, { name: 'next', type: ['null', 'Node'] }] }, '0A000', /Recursive types are not supported: Node/],
    [{ type: 'record', name: 'T', fields: [{ name: 'kids', type: { type: 'array', items: 'T' } }] }, '0A000', /Recursive types are not supported: T/],
    [{ type: 'record', name: 'A', fields: [{ name: 'x', type: { type: 'array', items: ['int', 'string'] } }] }, '0A000', /Union of more than one non-null type not valid here/],
    [{ type: 'record', name: 'A', fields: [{ name: 'x', type: 'null' }] }, '0A000', /null outside of union types/],
    [{ type: 'record', name: 'A', fields: [{ name: 'x', type: ['null'] }] }, '0A000', /null-only unions/],
    [{ type: 'record', name: 'A', fields: [{ name: 'x', type: 'Missing' }] }, '22000', /invalid Avro schema: .*Missing/],
    [{ type: 'record', name: 'A', fields: [{ name: 'x', type: { type: 'bytes', logicalType: 'decimal', precision: 4, scale: 5 } }] }, '22000', /scale/],
    [{ type: 'nope' }, '22000', /invalid Avro schema/],
  ];
  for (const [schema, code, message] of cases) {
    assert.throws(() => planInline(schema), (err: unknown) => err instanceof SqlError && err.code === code && message.test(err.message), JSON.stringify(schema));
  }
  assert.throws(() => avroFormat.plan(formatSpec(`USING SCHEMA '{not json'`), purifyContext(new FakeRegistry())), (err: unknown) => err instanceof SqlError && err.code === '22000');
});

test('purify: LATEST by default, ID n, INLINE; a missing subject and a registry outage are clear errors', async () => {
  const v1 = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] };
  const v2 = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }, { name: 'b', type: 'string', default: '' }] };
  const registry = new FakeRegistry();
  registry.add(1, v1);
  registry.add(2, v2, 't-value');
  registry.add(3, { type: 'record', name: 'K', fields: [{ name: 'k', type: 'string' }] }, 't-key');

  const latest = formatSpec('USING CONFLUENT SCHEMA REGISTRY CONNECTION csr');
  await avroFormat.purify!(latest, purifyContext(registry));
  await avroFormat.purify!(latest, purifyContext(registry, 'key'));
  assert.deepEqual(avroFormat.columns(avroFormat.plan(latest, purifyContext(registry))).map((c) => c.name), ['a', 'b']);
  assert.deepEqual(avroFormat.columns(avroFormat.plan(latest, purifyContext(registry, 'key'))).map((c) => c.name), ['k']);

  const byId = formatSpec('USING CONFLUENT SCHEMA REGISTRY CONNECTION csr VALUE STRATEGY ID 1');
  await avroFormat.purify!(byId, purifyContext(registry));
  assert.deepEqual(avroFormat.columns(avroFormat.plan(byId, purifyContext(registry))).map((c) => c.name), ['a']);

  const inline = formatSpec(`USING CONFLUENT SCHEMA REGISTRY CONNECTION csr VALUE STRATEGY INLINE '${JSON.stringify(v1)}'`);
  const callsBefore = registry.calls;
  await avroFormat.purify!(inline, purifyContext(registry));
  assert.equal(registry.calls, callsBefore, 'INLINE needs no registry');
  assert.deepEqual(avroFormat.columns(avroFormat.plan(inline, purifyContext(registry))).map((c) => c.name), ['a']);

  // A seeded statement (catalog replay) never contacts the registry.
  const seeded = formatSpec(`USING CONFLUENT SCHEMA REGISTRY CONNECTION csr SEED VALUE SCHEMA '${JSON.stringify(v2)}'`);
  await avroFormat.purify!(seeded, purifyContext(registry));
  assert.equal(registry.calls, callsBefore);

  const empty = new FakeRegistry();
  await assert.rejects(avroFormat.purify!(formatSpec('USING CONFLUENT SCHEMA REGISTRY CONNECTION csr'), purifyContext(empty)), (err: unknown) => err instanceof AvroSchemaNotFoundError && err.message === 'No value schema found' && err.part === 'value');
  await assert.rejects(avroFormat.purify!(formatSpec('USING CONFLUENT SCHEMA REGISTRY CONNECTION csr'), purifyContext(empty, 'key')), (err: unknown) => err instanceof AvroSchemaNotFoundError && err.message === 'No key schema found');
  await assert.rejects(avroFormat.purify!(formatSpec('USING CONFLUENT SCHEMA REGISTRY CONNECTION csr VALUE STRATEGY ID 99'), purifyContext(empty)), (err: unknown) => err instanceof AvroSchemaNotFoundError && /ID 99/.test(err.detail ?? ''));
  registry.transientFailures = 1;
  await assert.rejects(avroFormat.purify!(formatSpec('USING CONFLUENT SCHEMA REGISTRY CONNECTION csr'), purifyContext(registry)), (err: unknown) => err instanceof SqlError && err.code === '08006' && /ECONNREFUSED/.test(err.message));

  // Planning a CSR format that was never purified is an internal error.
  assert.throws(() => avroFormat.plan(formatSpec('USING CONFLUENT SCHEMA REGISTRY CONNECTION csr'), purifyContext(registry)), (err: unknown) => err instanceof SqlError && err.code === 'XX000');
  assert.throws(() => avroFormat.plan(formatSpec('USING CONFLUENT SCHEMA REGISTRY CONNECTION csr (FOO = 1)'), purifyContext(registry)), SqlError);
});

test('unknown writer ids are cached decode errors; transient failures reject prepare and later succeed', async () => {
  const reader = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] };
  const { decoder, registry } = await registryDecoder(reader);
  const payload = avroType(reader).toBuffer({ a: 1 });

  const unknown = confluentFrame(99, payload);
  const p = decoder.prepare!(unknown);
  assert.ok(p);
  await p;
  assert.equal(decoder.prepare!(unknown), null, 'the failure is cached');
  const row: Row = [null];
  assert.match(String(decoder.decode(unknown, row, 0, 0, 0)), /^avro deserialization error: failed to resolve Avro schema \(id = 99\): Schema 99 not found/);

  registry.transientFailures = 1;
  const known = confluentFrame(1, payload);
  await assert.rejects(decoder.prepare!(known)!, (err: unknown) => err instanceof SchemaRegistryError && err.transient);
  // The same batch is retried: this time the registry answers.
  const calls = registry.calls;
  const a = decoder.prepare!(known);
  const b = decoder.prepare!(known);
  assert.equal(a, b, 'concurrent fetches of one id are one request');
  await a;
  assert.equal(registry.calls, calls + 1);
  assert.equal(decoder.prepare!(known), null);
  assert.equal(decoder.decode(known, row, 0, 0, 0), undefined);
  assert.deepEqual(row, [1]);
});

test('bad bytes are decode errors, never exceptions', async () => {
  const reader = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }, { name: 's', type: 'string' }, { name: 'xs', type: { type: 'array', items: 'long' } }] };
  const { decoder } = await registryDecoder(reader);
  const good = avroType(reader).toBuffer({ a: 1, s: 'hello', xs: [1n, 2n] });
  const cases: [Buffer, RegExp][] = [
    [Buffer.from('{"a": 1}'), /wrong Confluent-style avro serialization magic: expected 0, got 123/],
    [Buffer.from([0, 0, 0]), /too few bytes: expected at least 5 bytes, got 3/],
    [confluentFrame(1, good.subarray(0, good.length - 2)), /unexpected end of message/],
    [confluentFrame(1, Buffer.concat([good, Buffer.from([1, 2])])), /unexpected bytes remaining/],
    [confluentFrame(1, Buffer.from([2, 2, 0x61, 0xfe, 0xff, 0xff, 0xff, 0x0f])), /block count|unexpected end/],
    [confluentFrame(1, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), /avro deserialization error/],
  ];
  for (const [bytes, message] of cases) {
    await decoder.prepare?.(bytes);
    const outcome = decoder.decode(bytes, new Array<Datum>(3), 0, 0, 0);
    assert.equal(typeof outcome, 'string', bytes.toString('hex'));
    assert.match(outcome as string, /^avro deserialization error: /);
    assert.match(outcome as string, message);
  }
  // Random garbage never throws.
  let seed = 1;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % 256;
  for (let n = 0; n < 500; n++) {
    const bytes = Buffer.from(Array.from({ length: 5 + (n % 40) }, (_, i) => (i === 0 ? 0 : i < 5 ? [0, 0, 0, 1][i - 1]! : rand())));
    const outcome = decoder.decode(bytes, new Array<Datum>(3), 0, 0, 0);
    assert.ok(outcome === undefined || typeof outcome === 'string');
  }
  // A bad uuid or JSON text inside a valid datum is a decode error too.
  const typed = { type: 'record', name: 'X', fields: [{ name: 'u', type: { type: 'string', logicalType: 'uuid' } }, { name: 'j', type: { type: 'string', 'connect.name': 'io.debezium.data.Json' } }] };
  const d2 = avroFormat.newDecoder(planInline(typed), runtimeFor(new FakeRegistry()));
  assert.match(String(d2.decode(confluentFrame(0, avroType(typed).toBuffer({ u: 'nope', j: '{}' })), [null, null], 0, 0, 0)), /invalid uuid/);
  assert.match(String(d2.decode(confluentFrame(0, avroType(typed).toBuffer({ u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', j: '{' })), [null, null], 0, 0, 0)), /invalid JSON/);
});

test('USING SCHEMA reads Confluent-framed messages with the given schema, ignoring the id', async () => {
  const schema = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'long' }] };
  const desc = planInline(schema);
  const decoder = avroFormat.newDecoder(desc, { schemaRegistry: () => assert.fail('no registry here') });
  assert.equal(decoder.prepare?.(confluentFrame(5, Buffer.from([2]))) ?? null, null);
  assert.deepEqual(await decodeOne(decoder, confluentFrame(5, avroType(schema).toBuffer({ a: -2n })), 1), [-2n]);
});

test('decoding writes at the given offset of the row', async () => {
  const schema = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }, { name: 'b', type: ['null', 'int', 'string'] }] };
  const decoder = avroFormat.newDecoder(planInline(schema), runtimeFor(new FakeRegistry()));
  const row: Row = ['k', undefined as unknown as Datum, undefined as unknown as Datum, undefined as unknown as Datum, 'meta'];
  assert.equal(decoder.decode(confluentFrame(0, avroType(schema).toBuffer({ a: 1, b: { string: 's' } })), row, 1, 0, 0), undefined);
  assert.deepEqual(row, ['k', 1, null, 's', 'meta']);
});
