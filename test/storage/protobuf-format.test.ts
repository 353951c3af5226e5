import { test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor.js';
import {
  compileProtoFiles,
  confluentProtobufFrame,
  protobufFormat,
  protoFilesToDescriptorSetHex,
  type ProtobufFormatDesc,
  type ProtoFile,
} from '../../src/storage/formats/protobuf/index.js';
import { OFFLINE_FORMAT_RUNTIME, type FormatPurifyContext, type FormatRuntime } from '../../src/storage/formats/format.js';
import { SchemaRegistryError, type CsrConnectionSpec, type ResolvedSchema, type SchemaRegistryClient } from '../../src/storage/schema-registry/api.js';
import { SqlError } from '../../src/repr/errors.js';
import { ListValue, MapValue, RecordValue, type Datum } from '../../src/repr/types.js';
import type { FormatSpec } from '../../src/sql/ast.js';

type ProtobufSpec = FormatSpec & { kind: 'protobuf' };

const REGISTRY: CsrConnectionSpec = { url: 'http://registry:8081' };

function ctx(part: 'key' | 'value' = 'value', registry?: SchemaRegistryClient): FormatPurifyContext {
  return {
    part,
    topic: 'orders',
    pos: 0,
    csrConnection: () => REGISTRY,
    schemaRegistry: () => {
      if (!registry) throw new Error('no registry in this test');
      return registry;
    },
  };
}

function sqlError(pattern: RegExp, code?: string) {
  return (err: unknown) => err instanceof SqlError && pattern.test(err.message) && (code === undefined || err.code === code);
}

/** Plans `MESSAGE 'm' USING SCHEMA '\x...'` for .proto texts. */
function planInline(files: ProtoFile[] | string, message: string): ProtobufFormatDesc {
  const spec: ProtobufSpec = { kind: 'protobuf', options: [], messageName: message, schema: `\\x${protoFilesToDescriptorSetHex(files)}` };
  return protobufFormat.plan(spec, ctx());
}

function typeOf(files: ProtoFile[] | string, message: string): protobuf.Type {
  const list = typeof files === 'string' ? [{ name: 'schema.proto', schema: files }] : files;
  return compileProtoFiles(list).root.lookupType(message);
}

function decodeWith(desc: ProtobufFormatDesc, bytes: Uint8Array, runtime: FormatRuntime = OFFLINE_FORMAT_RUNTIME): Datum[] | string {
  const decoder = protobufFormat.newDecoder(desc, runtime);
  const row: Datum[] = [];
  const outcome = decoder.decode(Buffer.from(bytes), row, 0, 0, 0);
  return typeof outcome === 'string' ? outcome : row;
}

function roundTrip(files: ProtoFile[] | string, message: string, value: Record<string, unknown>): Datum[] | string {
  const desc = planInline(files, message);
  return decodeWith(desc, typeOf(files, message).encode(value).finish());
}

const SCALARS = `
syntax = "proto3";
package test;
message Scalars {
  bool b = 1;
  int32 i32 = 2;
  sint32 s32 = 3;
  sfixed32 sf32 = 4;
  int64 i64 = 5;
  sint64 s64 = 6;
  sfixed64 sf64 = 7;
  uint32 u32 = 8;
  fixed32 f32 = 9;
  uint64 u64 = 10;
  fixed64 f64 = 11;
  float fl = 12;
  double db = 13;
  string st = 14;
  bytes by = 15;
}`;

test('scalar type mapping: columns as Materialize maps them (unsigned as uint4/uint8)', () => {
  const desc = planInline(SCALARS, 'test.Scalars');
  assert.equal(desc.message, '.test.Scalars');
  assert.equal(desc.confluentFraming, false);
  assert.deepEqual(
    protobufFormat.columns(desc).map((c) => `${c.name} ${c.type.kind}${c.nullable ? '' : ' not null'}`),
    [
      'b bool not null',
      'i32 int4 not null',
      's32 int4 not null',
      'sf32 int4 not null',
      'i64 int8 not null',
      's64 int8 not null',
      'sf64 int8 not null',
      'u32 uint4 not null',
      'f32 uint4 not null',
      'u64 uint8 not null',
      'f64 uint8 not null',
      'fl float4 not null',
      'db float8 not null',
      'st text not null',
      'by bytea not null',
    ],
  );
});

test('scalar datums are exact, 64-bit integers beyond 2^53 included', () => {
  const row = roundTrip(SCALARS, 'test.Scalars', {
    b: true,
    i32: -2147483648,
    s32: -7,
    sf32: 2147483647,
    i64: '-9223372036854775808',
    s64: '-9007199254740993',
    sf64: '9223372036854775807',
    u32: 4294967295,
    f32: 4000000000,
    u64: '18446744073709551615',
    f64: '9007199254740993',
    fl: 1.5,
    db: -0.1,
    st: 'grüße ✓',
    by: Buffer.from([0, 255, 7]),
  });
  assert.deepEqual(row, [
    true,
    -2147483648,
    -7,
    2147483647,
    -9223372036854775808n,
    -9007199254740993n,
    9223372036854775807n,
    4294967295,
    4000000000,
    18446744073709551615n,
    9007199254740993n,
    1.5,
    -0.1,
    'grüße ✓',
    new Uint8Array([0, 255, 7]),
  ]);
});

test('64-bit varints of every length decode exactly', () => {
  const t = typeOf(SCALARS, 'test.Scalars');
  const desc = planInline(SCALARS, 'test.Scalars');
  for (let bits = 0; bits <= 64; bits++) {
    const u = bits === 0 ? 0n : (1n << BigInt(bits)) - 1n;
    const i = BigInt.asIntN(64, u);
    const row = decodeWith(desc, t.encode({ u64: u.toString(), i64: i.toString(), s64: (-u / 2n).toString(), f64: u.toString() }).finish());
    assert.ok(Array.isArray(row), String(row));
    assert.equal(row[9], u, `uint64 with ${bits} bits`);
    assert.equal(row[4], i, `int64 with ${bits} bits`);
    assert.equal(row[5], -u / 2n, `sint64 with ${bits} bits`);
    assert.equal(row[10], u, `fixed64 with ${bits} bits`);
  }
});

test('proto3: absent scalars are their defaults (as Materialize), absent messages NULL', () => {
  const row = roundTrip(SCALARS, 'test.Scalars', {});
  assert.deepEqual(row, [false, 0, 0, 0, 0n, 0n, 0n, 0, 0, 0n, 0n, 0, 0, '', new Uint8Array(0)]);
});

const PROTO2 = `
syntax = "proto2";
package legacy;
message Item {
  optional int32 qty = 1 [default = 5];
  optional int64 big = 2 [default = -123456789012];
  optional string name = 3 [default = "none"];
  required int32 id = 4;
  optional Kind kind = 5 [default = B];
  enum Kind { A = 0; B = 1; }
}`;

test('proto2: declared defaults for absent fields, a missing required field is a decode error', () => {
  assert.deepEqual(roundTrip(PROTO2, 'legacy.Item', { id: 1 }), [5, -123456789012n, 'none', 1, 'B']);
  assert.deepEqual(roundTrip(PROTO2, 'legacy.Item', { id: 2, qty: 0, big: 3, name: 'x', kind: 0 }), [0, 3n, 'x', 2, 'A']);
  const desc = planInline(PROTO2, 'legacy.Item');
  const noId = typeOf(PROTO2, 'legacy.Item').encode({ id: 1, qty: 3 }).finish().subarray(0, 2); // just the qty field
  const outcome = decodeWith(desc, noId);
  assert.equal(typeof outcome, 'string');
  assert.match(outcome as string, /^protobuf deserialization error: .*required.*id/);
  assert.deepEqual(protobufFormat.columns(desc).map((c) => c.nullable), [false, false, false, false, false]);
});

const SHAPES = `
syntax = "proto3";
package shop;
message Order {
  int64 id = 1;
  Address ship_to = 2;
  repeated string tags = 3;
  repeated Line lines = 4;
  map<string, int64> counts = 5;
  map<int32, Address> by_number = 6;
  Status status = 7;
  oneof payment {
    string card = 8;
    int32 cash_cents = 9;
    Address invoice_to = 10;
  }
  optional string note = 11;
  repeated int64 packed = 12;
  repeated Status history = 13;
  map<bool, string> flags = 14;
  map<uint64, bool> wide_keys = 15;
  message Line { string sku = 1; uint32 qty = 2; }
}
message Address { string city = 1; Geo geo = 2; }
message Geo { double lat = 1; double lon = 2; }
enum Status { UNKNOWN = 0; PAID = 1; SHIPPED = 2; }
`;

test('nested messages are records, repeated fields lists, maps map[text=>T], enums text, oneof members nullable', () => {
  const desc = planInline(SHAPES, 'shop.Order');
  const columns = protobufFormat.columns(desc);
  const geo = { kind: 'record', fields: [{ name: 'lat', type: { kind: 'float8' } }, { name: 'lon', type: { kind: 'float8' } }] };
  const address = { kind: 'record', fields: [{ name: 'city', type: { kind: 'text' } }, { name: 'geo', type: geo }] };
  assert.deepEqual(columns, [
    { name: 'id', type: { kind: 'int8' }, nullable: false },
    { name: 'ship_to', type: address, nullable: true },
    { name: 'tags', type: { kind: 'list', element: { kind: 'text' } }, nullable: false },
    { name: 'lines', type: { kind: 'list', element: { kind: 'record', fields: [{ name: 'sku', type: { kind: 'text' } }, { name: 'qty', type: { kind: 'uint4' } }] } }, nullable: false },
    { name: 'counts', type: { kind: 'map', value: { kind: 'int8' } }, nullable: false },
    { name: 'by_number', type: { kind: 'map', value: address }, nullable: false },
    { name: 'status', type: { kind: 'text' }, nullable: false },
    { name: 'card', type: { kind: 'text' }, nullable: true },
    { name: 'cash_cents', type: { kind: 'int4' }, nullable: true },
    { name: 'invoice_to', type: address, nullable: true },
    { name: 'note', type: { kind: 'text' }, nullable: true },
    { name: 'packed', type: { kind: 'list', element: { kind: 'int8' } }, nullable: false },
    { name: 'history', type: { kind: 'list', element: { kind: 'text' } }, nullable: false },
    { name: 'flags', type: { kind: 'map', value: { kind: 'text' } }, nullable: false },
    { name: 'wide_keys', type: { kind: 'map', value: { kind: 'bool' } }, nullable: false },
  ]);

  const row = roundTrip(SHAPES, 'shop.Order', {
    id: 7,
    ship_to: { city: 'Oslo', geo: { lat: 59.9, lon: 10.75 } },
    tags: ['a', 'b'],
    lines: [{ sku: 'x', qty: 2 }, {}],
    counts: { b: '9007199254740993', a: 1, '': 0 },
    by_number: { 10: { city: 'ten' }, 9: {} },
    status: 2,
    cash_cents: 0,
    note: '',
    packed: ['-1', '18014398509481984'],
    history: [0, 1],
    flags: { true: 'yes', false: 'no' },
    wide_keys: { '18446744073709551615': true },
  });
  assert.deepEqual(row, [
    7n,
    new RecordValue(['Oslo', new RecordValue([59.9, 10.75])]),
    new ListValue(['a', 'b']),
    new ListValue([new RecordValue(['x', 2]), new RecordValue(['', 0])]),
    new MapValue([
      ['', 0n],
      ['a', 1n],
      ['b', 9007199254740993n],
    ]),
    new MapValue([
      ['10', new RecordValue(['ten', null])],
      ['9', new RecordValue(['', null])],
    ]),
    'SHIPPED',
    null,
    0,
    null,
    '',
    new ListValue([-1n, 18014398509481984n]),
    new ListValue(['UNKNOWN', 'PAID']),
    new MapValue([
      ['false', 'no'],
      ['true', 'yes'],
    ]),
    new MapValue([['18446744073709551615', true]]),
  ]);

  assert.deepEqual(roundTrip(SHAPES, 'shop.Order', {}), [
    0n,
    null,
    new ListValue([]),
    new ListValue([]),
    new MapValue([]),
    new MapValue([]),
    'UNKNOWN',
    null,
    null,
    null,
    null,
    new ListValue([]),
    new ListValue([]),
    new MapValue([]),
    new MapValue([]),
  ]);
});

test('oneof: the member on the wire last wins, a message member is a record', () => {
  const t = typeOf(SHAPES, 'shop.Order');
  const desc = planInline(SHAPES, 'shop.Order');
  const card = t.encode({ card: 'visa' }).finish();
  const invoice = t.encode({ invoice_to: { city: 'Rome' } }).finish();
  const both = Buffer.concat([card, invoice]);
  const row = decodeWith(desc, both) as Datum[];
  assert.deepEqual(row.slice(7, 10), [null, null, new RecordValue(['Rome', null])]);
  assert.deepEqual((decodeWith(desc, card) as Datum[]).slice(7, 10), ['visa', null, null]);
});

test('an enum number the schema does not name is a decode error naming the field', () => {
  const desc = planInline(SHAPES, 'shop.Order');
  const bytes = Uint8Array.from([0x38, 0x09]); // field 7 (status) = 9
  assert.equal(decodeWith(desc, bytes), 'protobuf deserialization error: unknown enum value 9 while decoding field status');
});

const WELL_KNOWN = `
syntax = "proto3";
package events;
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/wrappers.proto";
message Event {
  google.protobuf.Timestamp at = 1;
  google.protobuf.Duration took = 2;
  google.protobuf.Int64Value count = 3;
  google.protobuf.StringValue label = 4;
  google.protobuf.BoolValue flag = 5;
  google.protobuf.BytesValue blob = 6;
  google.protobuf.UInt64Value big = 7;
}`;

test('well-known types resolve without being provided, and are records as in Materialize', () => {
  const desc = planInline(WELL_KNOWN, 'events.Event');
  const columns = protobufFormat.columns(desc);
  assert.deepEqual(columns[0], {
    name: 'at',
    type: { kind: 'record', fields: [{ name: 'seconds', type: { kind: 'int8' } }, { name: 'nanos', type: { kind: 'int4' } }] },
    nullable: true,
  });
  assert.deepEqual(columns[1]!.type, columns[0]!.type);
  assert.deepEqual(
    columns.slice(2).map((c) => [c.name, c.type, c.nullable]),
    [
      ['count', { kind: 'record', fields: [{ name: 'value', type: { kind: 'int8' } }] }, true],
      ['label', { kind: 'record', fields: [{ name: 'value', type: { kind: 'text' } }] }, true],
      ['flag', { kind: 'record', fields: [{ name: 'value', type: { kind: 'bool' } }] }, true],
      ['blob', { kind: 'record', fields: [{ name: 'value', type: { kind: 'bytea' } }] }, true],
      ['big', { kind: 'record', fields: [{ name: 'value', type: { kind: 'uint8' } }] }, true],
    ],
  );
  const row = roundTrip(WELL_KNOWN, 'events.Event', {
    at: { seconds: '1700000000', nanos: 123456789 },
    took: { seconds: -3, nanos: -5 },
    count: { value: '-9007199254740993' },
    label: { value: '' },
    big: { value: '18446744073709551615' },
  });
  assert.deepEqual(row, [
    new RecordValue([1700000000n, 123456789]),
    new RecordValue([-3n, -5]),
    new RecordValue([-9007199254740993n]),
    new RecordValue(['']),
    null,
    null,
    new RecordValue([18446744073709551615n]),
  ]);
});

test('recursive messages are an error at planning, never a crash', () => {
  const direct = 'syntax = "proto3"; package r; message Node { int32 v = 1; Node next = 2; }';
  assert.throws(() => planInline(direct, 'r.Node'), sqlError(/^Recursive types are not supported: r\.Node$/, '0A000'));
  const mutual = 'syntax = "proto3"; package r; message A { repeated B bs = 1; } message B { map<string, A> as = 1; }';
  assert.throws(() => planInline(mutual, 'r.A'), sqlError(/Recursive types are not supported: r\.A/));
  // The same message twice side by side is not recursion.
  const twice = 'syntax = "proto3"; package r; message P { int32 x = 1; } message Q { P a = 1; P b = 2; }';
  assert.equal(protobufFormat.columns(planInline(twice, 'r.Q')).length, 2);
});

test('USING SCHEMA: a FileDescriptorSet as protoc writes it (fully qualified type names), hex with or without \\x', () => {
  const set = descriptor.FileDescriptorSet.fromObject({
    file: [
      {
        name: 'billing.proto',
        package: 'billing',
        syntax: 'proto3',
        messageType: [
          {
            name: 'Batch',
            field: [
              { name: 'id', number: 1, label: 1, type: 9 },
              { name: 'interval_start', number: 2, label: 1, type: 3 },
              { name: 'records', number: 3, label: 3, type: 11, typeName: '.billing.Record' },
            ],
          },
          { name: 'Record', field: [{ name: 'amount', number: 1, label: 1, type: 13 }] },
        ],
      },
      {
        name: 'legacy.proto',
        package: 'legacy',
        messageType: [{ name: 'Old', field: [{ name: 'big', number: 1, label: 1, type: 4, defaultValue: '18446744073709551615' }] }],
      },
    ],
  });
  const bytes = descriptor.FileDescriptorSet.encode(set).finish();
  const hex = Buffer.from(bytes).toString('hex');
  for (const schema of [`\\x${hex}`, hex]) {
    for (const messageName of ['billing.Batch', '.billing.Batch']) {
      const desc = protobufFormat.plan({ kind: 'protobuf', options: [], messageName, schema }, ctx());
      assert.equal(desc.message, '.billing.Batch');
      assert.equal(desc.descriptorSet, hex);
      assert.deepEqual(
        protobufFormat.columns(desc).map((c) => c.name),
        ['id', 'interval_start', 'records'],
      );
    }
  }
  const root = protobuf.Root.fromDescriptor(bytes, { keepCase: true });
  const payload = root.lookupType('billing.Batch').encode({ id: 'b1', interval_start: '9007199254740993', records: [{ amount: 3 }] }).finish();
  const desc = protobufFormat.plan({ kind: 'protobuf', options: [], messageName: 'billing.Batch', schema: `\\x${hex}` }, ctx());
  assert.deepEqual(decodeWith(desc, payload), ['b1', 9007199254740993n, new ListValue([new RecordValue([3])])]);
  // A proto2 uint64 default beyond 2^53 (protoc writes defaults as text) stays exact.
  const old = protobufFormat.plan({ kind: 'protobuf', options: [], messageName: 'legacy.Old', schema: `\\x${hex}` }, ctx());
  assert.deepEqual(decodeWith(old, new Uint8Array(0)), [18446744073709551615n]);
});

test('USING SCHEMA errors: no MESSAGE, unknown message, bytes that are no descriptor set', () => {
  const hex = protoFilesToDescriptorSetHex(SCALARS);
  assert.throws(() => protobufFormat.plan({ kind: 'protobuf', options: [], schema: `\\x${hex}` }, ctx()), sqlError(/requires the message/));
  assert.throws(
    () => protobufFormat.plan({ kind: 'protobuf', options: [], messageName: 'test.Nope', schema: `\\x${hex}` }, ctx()),
    sqlError(/^protobuf message "test\.Nope" not found in file descriptor set$/),
  );
  assert.throws(() => protobufFormat.plan({ kind: 'protobuf', options: [], messageName: 'x', schema: '\\xzz' }, ctx()), sqlError(/invalid Protobuf schema/));
  assert.throws(() => protobufFormat.plan({ kind: 'protobuf', options: [], messageName: 'x', schema: '\\xffff' }, ctx()), SqlError);
});

test('garbage bytes are a decode error string, never a throw', () => {
  const desc = planInline(SHAPES, 'shop.Order');
  const decoder = protobufFormat.newDecoder(desc, OFFLINE_FORMAT_RUNTIME);
  const row: Datum[] = [];
  const samples = [Buffer.from([0xff, 0xff, 0xff]), Buffer.from([0x0a, 0x10, 0x01]), Buffer.from([0x0f]), Buffer.from('not protobuf at all, just text')];
  for (const bytes of samples) {
    const outcome = decoder.decode(bytes, row, 0, 0, 0);
    assert.equal(typeof outcome, 'string');
    assert.match(outcome as string, /^protobuf deserialization error: /);
  }
  // Random bytes: every outcome is either a row or an error string.
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 255;
  for (let i = 0; i < 2000; i++) {
    const bytes = Buffer.from(Array.from({ length: 1 + (i % 40) }, random));
    const outcome = decoder.decode(bytes, row, 0, 0, 0);
    assert.ok(outcome === undefined || typeof outcome === 'string');
  }
  // The decoder still works after errors.
  const ok = decoder.decode(Buffer.from(typeOf(SHAPES, 'shop.Order').encode({ id: 3 }).finish()), row, 0, 0, 0);
  assert.equal(ok, undefined);
  assert.equal(row[0], 3n);
});

// --- the schema registry -----------------------------------------------------------

class FakeRegistry implements SchemaRegistryClient {
  readonly byId = new Map<number, ResolvedSchema>();
  readonly bySubject = new Map<string, ResolvedSchema>();
  calls: number[] = [];
  failures = 0;

  add(subject: string, id: number, schema: string, references: ProtoFile[] = []): void {
    const resolved: ResolvedSchema = {
      id,
      version: 1,
      schemaType: 'PROTOBUF',
      schema,
      references: references.map((r) => ({ name: r.name, schemaType: 'PROTOBUF', schema: r.schema })),
    };
    this.byId.set(id, resolved);
    this.bySubject.set(subject, resolved);
  }

  async schemaById(id: number): Promise<ResolvedSchema> {
    this.calls.push(id);
    await Promise.resolve();
    if (this.failures > 0) {
      this.failures--;
      throw new SchemaRegistryError('registry unreachable: connect ECONNREFUSED', 0, true);
    }
    const schema = this.byId.get(id);
    if (!schema) throw new SchemaRegistryError('Schema not found', 40403, false);
    return schema;
  }

  async latest(subject: string): Promise<ResolvedSchema> {
    const schema = this.bySubject.get(subject);
    if (!schema) throw new SchemaRegistryError(`Subject '${subject}' not found.`, 40401, false);
    return schema;
  }

  async version(subject: string): Promise<ResolvedSchema> {
    return this.latest(subject);
  }

  async subjects(): Promise<string[]> {
    return [...this.bySubject.keys()];
  }
}

const COMMON: ProtoFile = {
  name: 'common/money.proto',
  schema: 'syntax = "proto3"; package common; message Money { string currency = 1; int64 units = 2; }',
};

const ORDERS = `
syntax = "proto3";
package shop;
import "common/money.proto";
import "google/protobuf/timestamp.proto";
message Order {
  int64 id = 1;
  common.Money total = 2;
  google.protobuf.Timestamp placed = 3;
  message Note { string text = 1; }
}
message Refund {
  int64 order_id = 1;
  common.Money amount = 2;
}
`;

function registryRuntime(registry: SchemaRegistryClient): FormatRuntime {
  return { schemaRegistry: () => registry };
}

async function purified(registry: FakeRegistry, messageName?: string, part: 'key' | 'value' = 'value'): Promise<{ spec: ProtobufSpec; desc: ProtobufFormatDesc }> {
  const spec: ProtobufSpec = { kind: 'protobuf', options: [], csrConnection: { parts: ['csr'], pos: 0 } };
  if (messageName !== undefined) spec.messageName = messageName;
  await protobufFormat.purify!(spec, ctx(part, registry));
  return { spec, desc: protobufFormat.plan(spec, ctx(part)) };
}

test('purify: the subject with its references becomes a SEED (descriptor set and message); planning it is offline', async () => {
  const registry = new FakeRegistry();
  registry.add('orders-value', 1, ORDERS, [COMMON]);
  const { spec, desc } = await purified(registry);
  assert.match(spec.seed!.value!.schema, /^\\x[0-9a-f]+$/);
  assert.equal(spec.seed!.value!.message, '.shop.Order');
  assert.equal(spec.seed!.key, undefined);
  assert.deepEqual(desc.registry, REGISTRY);
  assert.equal(desc.confluentFraming, true);
  assert.equal(desc.message, '.shop.Order');
  assert.deepEqual(
    protobufFormat.columns(desc).map((c) => [c.name, c.type.kind]),
    [
      ['id', 'int8'],
      ['total', 'record'],
      ['placed', 'record'],
    ],
  );
  // A purified spec is left alone (the stored statement keeps its SEED).
  const before = JSON.stringify(spec);
  await protobufFormat.purify!(spec, ctx('value', new FakeRegistry()));
  assert.equal(JSON.stringify(spec), before);

  const runtime = registryRuntime(registry);
  const decoder = protobufFormat.newDecoder(desc, runtime);
  const payload = typeOf([COMMON, { name: 'orders.proto', schema: ORDERS }], 'shop.Order')
    .encode({ id: '9223372036854775807', total: { currency: 'EUR', units: '-12' }, placed: { seconds: 1, nanos: 2 } })
    .finish();
  const bytes = confluentProtobufFrame(1, [0], payload);
  await decoder.prepare!(bytes);
  assert.equal(decoder.prepare!(bytes), null, 'a known id needs no fetch');
  const row: Datum[] = [];
  assert.equal(decoder.decode(bytes, row, 0, 0, 0), undefined);
  assert.deepEqual(row, [9223372036854775807n, new RecordValue(['EUR', -12n]), new RecordValue([1n, 2])]);
});

test('purify: a missing subject is a clear error', async () => {
  await assert.rejects(purified(new FakeRegistry()), sqlError(/^failed to fetch schema subject "orders-value" from ccsr: subject not found$/));
  const registry = new FakeRegistry();
  registry.add('orders-value', 1, ORDERS, [COMMON]);
  await assert.rejects(purified(registry, undefined, 'key'), sqlError(/subject "orders-key"/));
});

test('several messages in one file: the first by default, MESSAGE picks another (Materialize requires exactly one)', async () => {
  const registry = new FakeRegistry();
  registry.add('orders-value', 1, ORDERS, [COMMON]);
  const refunds = await purified(registry, 'shop.Refund');
  assert.equal(refunds.desc.message, '.shop.Refund');
  assert.deepEqual(
    protobufFormat.columns(refunds.desc).map((c) => c.name),
    ['order_id', 'amount'],
  );
  const nested = await purified(registry, 'shop.Order.Note');
  assert.equal(nested.desc.message, '.shop.Order.Note');
  await assert.rejects(purified(registry, 'shop.Missing'), sqlError(/protobuf message "shop\.Missing" not found/));
});

test('message indexes: [0] shortcut, non-zero and nested indexes name the writer message; another message is an error naming both', async () => {
  const registry = new FakeRegistry();
  registry.add('orders-value', 1, ORDERS, [COMMON]);
  const files = [COMMON, { name: 'orders.proto', schema: ORDERS }];
  const order = typeOf(files, 'shop.Order').encode({ id: 5 }).finish();
  const refund = typeOf(files, 'shop.Refund').encode({ order_id: 6, amount: { currency: 'USD', units: 1 } }).finish();
  const note = typeOf(files, 'shop.Order.Note').encode({ text: 'hi' }).finish();

  const frame0 = confluentProtobufFrame(1, [0], order);
  assert.deepEqual([...frame0.subarray(0, 6)], [0, 0, 0, 0, 1, 0]);
  const frame1 = confluentProtobufFrame(1, [1], refund);
  assert.deepEqual([...frame1.subarray(5, 7)], [2, 2]);
  const frameNested = confluentProtobufFrame(1, [0, 0], note);
  assert.deepEqual([...frameNested.subarray(5, 8)], [4, 0, 0]);
  // [0] written out in full (count 1, index 0) is the same message as the shortcut.
  const frame0Long = Buffer.concat([Buffer.from([0, 0, 0, 0, 1, 2, 0]), order]);

  const run = async (desc: ProtobufFormatDesc, bytes: Buffer) => {
    const decoder = protobufFormat.newDecoder(desc, registryRuntime(registry));
    await decoder.prepare!(bytes);
    const row: Datum[] = [];
    const outcome = decoder.decode(bytes, row, 0, 0, 0);
    return outcome === undefined ? row : outcome;
  };

  const orders = (await purified(registry)).desc;
  assert.deepEqual(await run(orders, frame0), [5n, null, null]);
  assert.deepEqual(await run(orders, frame0Long), [5n, null, null]);
  assert.equal(
    await run(orders, frame1),
    'protobuf deserialization error: message written as shop.Refund (schema id 1, message indexes [1]) but the source reads shop.Order',
  );
  assert.equal(await run(orders, confluentProtobufFrame(1, [7], order)), 'protobuf deserialization error: schema id 1 has no message at indexes [7]');

  const refunds = (await purified(registry, 'shop.Refund')).desc;
  assert.deepEqual(await run(refunds, frame1), [6n, new RecordValue(['USD', 1n])]);
  assert.match(String(await run(refunds, frame0)), /written as shop\.Order .* but the source reads shop\.Refund/);

  const notes = (await purified(registry, 'shop.Order.Note')).desc;
  assert.deepEqual(await run(notes, frameNested), ['hi']);
});

test('a newer writer schema (another id) is read by field number into the reader columns', async () => {
  const registry = new FakeRegistry();
  registry.add('orders-value', 1, 'syntax = "proto3"; package v; message M { int64 id = 1; string name = 2; }');
  const { desc } = await purified(registry);
  const v2 = 'syntax = "proto3"; package v; message M { int64 id = 1; string email = 3; }';
  registry.add('orders-value', 2, v2);
  const payload = typeOf(v2, 'v.M').encode({ id: 9, email: 'a@b' }).finish();
  const decoder = protobufFormat.newDecoder(desc, registryRuntime(registry));
  const bytes = confluentProtobufFrame(2, [0], payload);
  await decoder.prepare!(bytes);
  const row: Datum[] = [];
  assert.equal(decoder.decode(bytes, row, 0, 0, 0), undefined);
  assert.deepEqual(row, [9n, '']);
});

test('writer ids: unknown id is a decode error; a transient failure rejects prepare, which then succeeds; fetches are shared', async () => {
  const registry = new FakeRegistry();
  registry.add('orders-value', 1, ORDERS, [COMMON]);
  const { desc } = await purified(registry);
  const decoder = protobufFormat.newDecoder(desc, registryRuntime(registry));
  const payload = typeOf([COMMON, { name: 'o.proto', schema: ORDERS }], 'shop.Order').encode({ id: 1 }).finish();
  const row: Datum[] = [];

  const unknown = confluentProtobufFrame(99, [0], payload);
  await decoder.prepare!(unknown);
  assert.equal(decoder.prepare!(unknown), null);
  assert.match(String(decoder.decode(unknown, row, 0, 0, 0)), /^protobuf deserialization error: schema id 99 not found in the schema registry/);

  registry.failures = 1;
  registry.calls = [];
  const bytes = confluentProtobufFrame(1, [0], payload);
  await assert.rejects(decoder.prepare!(bytes)!, (err: unknown) => err instanceof SchemaRegistryError && err.transient);
  const first = decoder.prepare!(bytes);
  const second = decoder.prepare!(bytes);
  assert.ok(first !== null);
  assert.equal(first, second, 'concurrent prepares share one fetch');
  await first;
  assert.deepEqual(registry.calls, [1, 1]);
  assert.equal(decoder.prepare!(bytes), null);
  assert.equal(decoder.decode(bytes, row, 0, 0, 0), undefined);
  assert.deepEqual(row, [1n, null, null]);
});

test('Confluent framing errors: wrong magic byte, short message, unprepared id', async () => {
  const registry = new FakeRegistry();
  registry.add('orders-value', 1, ORDERS, [COMMON]);
  const { desc } = await purified(registry);
  const decoder = protobufFormat.newDecoder(desc, registryRuntime(registry));
  const row: Datum[] = [];
  assert.equal(decoder.prepare!(Buffer.from([1, 2, 3])), null);
  assert.match(String(decoder.decode(Buffer.from([1, 0, 0, 0, 1, 0]), row, 0, 0, 0)), /^protobuf deserialization error: wrong Confluent-style magic byte 1/);
  assert.match(String(decoder.decode(Buffer.from([0, 0, 0]), row, 0, 0, 0)), /^protobuf deserialization error: message too short/);
  assert.match(String(decoder.decode(confluentProtobufFrame(5, [0], new Uint8Array()), row, 0, 0, 0)), /schema id 5 was not looked up/);
  // Without framing (USING SCHEMA) there is nothing to prepare.
  assert.equal(protobufFormat.newDecoder(planInline(SCALARS, 'test.Scalars'), OFFLINE_FORMAT_RUNTIME).prepare, undefined);
});

test('purify: recursive and non-Protobuf subjects are errors at CREATE', async () => {
  const registry = new FakeRegistry();
  registry.add('orders-value', 1, 'syntax = "proto3"; message Tree { repeated Tree children = 1; }');
  await assert.rejects(purified(registry), sqlError(/^Recursive types are not supported: Tree$/));
  const avro = new FakeRegistry();
  avro.bySubject.set('orders-value', { id: 1, schemaType: 'AVRO', schema: '"string"', references: [] });
  await assert.rejects(purified(avro), sqlError(/holds a AVRO schema, not a Protobuf schema/));
});

test('proto2 and proto3 files mix in one descriptor set (required, defaults and implicit presence kept per file)', () => {
  const files: ProtoFile[] = [
    { name: 'legacy.proto', schema: PROTO2 },
    { name: 'new.proto', schema: 'syntax = "proto3"; package modern; import "legacy.proto"; message Wrap { legacy.Item item = 1; int32 n = 2; }' },
  ];
  const desc = planInline(files, 'modern.Wrap');
  const t = typeOf(files, 'modern.Wrap');
  assert.deepEqual(decodeWith(desc, t.encode({ item: { id: 4 }, n: 0 }).finish()), [new RecordValue([5, -123456789012n, 'none', 4, 'B']), 0]);
  const set = descriptor.FileDescriptorSet.decode(Buffer.from(desc.descriptorSet, 'hex')) as unknown as { file: { name: string; syntax: string; dependency: string[] }[] };
  assert.deepEqual(
    set.file.map((f) => [f.name, f.syntax, f.dependency]),
    [
      ['legacy.proto', 'proto2', []],
      ['new.proto', 'proto3', ['legacy.proto']],
    ],
  );
});

test('FORMAT PROTOBUF options are rejected', () => {
  const spec: ProtobufSpec = { kind: 'protobuf', options: [{ name: 'VALUE STRATEGY', pos: 3 }], messageName: 'x', schema: '\\x00' };
  assert.throws(() => protobufFormat.plan(spec, ctx()), sqlError(/does not support the VALUE STRATEGY option/, '0A000'));
});
