// ENVELOPE DEBEZIUM over JSON (with and without Debezium's schema/payload
// wrapper) and over record-shaped values: c/u/d/r/t, tombstones, duplicates,
// errors, and state rebuilt from stored rows after a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kafkaSource, include } from '../helpers/kafka-ast.js';
import { planKafkaSource } from '../../src/storage/kafka/plan.js';
import { createEnvelope, type TickBuffer } from '../../src/storage/kafka/envelope.js';
import type { KafkaSourceDetails } from '../../src/storage/kafka/source-plan.js';
import type { Update } from '../../src/compute/api.js';
import { Jsonb, type Row } from '../../src/repr/types.js';
import { planDebezium } from '../../src/storage/kafka/debezium.js';
import type { KafkaRecord } from '../../src/storage/kafka/records.js';
import type { SqlError } from '../../src/repr/errors.js';

const connection = { brokers: [], config: {}, secretConfig: {} };

function plan(parts: Parameters<typeof kafkaSource>[0]) {
  const spec = planKafkaSource(kafkaSource({ topic: 't', ...parts }), connection);
  return { desc: spec.desc, details: spec.details as unknown as KafkaSourceDetails };
}

const wrap = (payload: unknown, schema = true): string => JSON.stringify(schema ? { schema: { type: 'struct', optional: false }, payload } : payload);

function event(op: string, before: unknown, after: unknown, schema = true): string {
  return wrap({ before, after, op, ts_ms: 1, source: { db: 'shop' } }, schema);
}

let offset = 0;
function rec(key: unknown, value: string | null): KafkaRecord {
  return {
    key: key === null ? null : Buffer.from(typeof key === 'string' ? key : JSON.stringify(key)),
    value: value === null ? null : Buffer.from(value),
    partition: 0,
    offset: offset++,
  };
}

/** The collection the updates add up to, each row as its JSON text. */
function contents(updates: readonly Update[]): string[] {
  const counts = new Map<string, number>();
  for (const u of updates) {
    const text = u.row.map((d) => (d instanceof Jsonb ? d.text : String(d))).join('|');
    counts.set(text, (counts.get(text) ?? 0) + u.diff);
  }
  const out: string[] = [];
  for (const [k, n] of counts) {
    assert.ok(n === 0 || n === 1, `${k} has multiplicity ${n}`);
    if (n === 1) out.push(k);
  }
  return out.sort();
}

test('JSON Debezium: the source is one jsonb column, the after-image', () => {
  const { desc } = plan({ format: { kind: 'json' }, envelope: { kind: 'debezium' } });
  assert.deepEqual(
    desc.columns.map((c) => `${c.name} ${c.type.kind}`),
    ['data jsonb'],
  );
});

for (const schema of [true, false]) {
  test(`JSON Debezium ${schema ? 'with' : 'without'} the schema/payload wrapper: c, r, u, d, duplicates, tombstones, t`, () => {
    const { details } = plan({ format: { kind: 'json' }, envelope: { kind: 'debezium' } });
    const { envelope } = createEnvelope(details);
    const out: TickBuffer = { updates: [], errors: [] };
    const key = (id: number) => (schema ? { schema: { type: 'struct' }, payload: { id } } : { id });
    envelope.process(rec(key(1), event('r', null, { id: 1, name: 'ada' }, schema)), out);
    envelope.process(rec(key(2), event('c', null, { id: 2, name: 'bob' }, schema)), out);
    // A duplicate delivery of the same event changes nothing.
    envelope.process(rec(key(2), event('c', null, { id: 2, name: 'bob' }, schema)), out);
    envelope.process(rec(key(1), event('u', { id: 1, name: 'ada' }, { id: 1, name: 'ada l.' }, schema)), out);
    assert.deepEqual(contents(out.updates), ['{"id": 1, "name": "ada l."}', '{"id": 2, "name": "bob"}']);
    envelope.process(rec(key(2), event('d', { id: 2, name: 'bob' }, null, schema)), out);
    envelope.process(rec(key(2), null), out); // tombstone
    assert.deepEqual(contents(out.updates), ['{"id": 1, "name": "ada l."}']);
    // A replayed delete is harmless too.
    envelope.process(rec(key(2), event('d', { id: 2, name: 'bob' }, null, schema)), out);
    envelope.process(rec(key(3), event('c', null, { id: 3, name: 'cy' }, schema)), out);
    assert.equal(envelope.stateSize, 2);
    envelope.process(rec(key(9), wrap({ op: 't', before: null, after: null }, schema)), out);
    assert.deepEqual(contents(out.updates), []);
    assert.equal(envelope.stateSize, 0);
    assert.deepEqual(out.errors, []);
  });
}

test('JSON Debezium: a bad event is an error of its key until the key is written again', () => {
  const { details } = plan({ format: { kind: 'json' }, envelope: { kind: 'debezium' } });
  const { envelope } = createEnvelope(details);
  const out: TickBuffer = { updates: [], errors: [] };
  envelope.process(rec({ id: 1 }, '{"op": "x", "after": {"id": 1}}'), out);
  envelope.process(rec({ id: 2 }, 'not json'), out);
  assert.equal(out.errors.filter((e) => e.diff > 0).length, 2);
  assert.match((out.errors[0]!.error as SqlError).message, /unknown Debezium op "x"/);
  envelope.process(rec({ id: 1 }, event('c', null, { id: 1 })), out);
  const outstanding = new Map<string, number>();
  for (const e of out.errors) outstanding.set(e.key, (outstanding.get(e.key) ?? 0) + e.diff);
  assert.deepEqual([...outstanding.values()].filter((n) => n !== 0), [1]);
  assert.deepEqual(contents(out.updates), ['{"id": 1}']);
});

test('JSON Debezium: a record with a NULL key is an error, as in UPSERT', () => {
  const { details } = plan({ format: { kind: 'json' }, envelope: { kind: 'debezium' } });
  const { envelope } = createEnvelope(details);
  const out: TickBuffer = { updates: [], errors: [] };
  envelope.process(rec(null, event('c', null, { id: 1 })), out);
  assert.equal(out.errors.length, 1);
  assert.match((out.errors[0]!.error as SqlError).message, /NULL key/);
});

test('Debezium: a truncate event without a key (as Debezium writes it) empties the table, and is no NULL-key error', () => {
  const { details } = plan({ format: { kind: 'json' }, envelope: { kind: 'debezium' } });
  const { envelope } = createEnvelope(details);
  const out: TickBuffer = { updates: [], errors: [] };
  envelope.process(rec({ id: 1 }, event('c', null, { id: 1 })), out);
  envelope.process(rec({ id: 2 }, event('c', null, { id: 2 })), out);
  envelope.process(rec(null, wrap({ op: 't', before: null, after: null, ts_ms: 1 })), out);
  assert.deepEqual(contents(out.updates), []);
  assert.deepEqual(out.errors, []);
  envelope.process(rec({ id: 3 }, event('c', null, { id: 3 })), out);
  assert.deepEqual(contents(out.updates), ['{"id": 3}']);
});

test('JSON Debezium after a restart: stored rows are keyed by the key fields, updates and deletes retract them', () => {
  const { details } = plan({ format: { kind: 'json' }, envelope: { kind: 'debezium' } });
  const first = createEnvelope(details).envelope;
  const out: TickBuffer = { updates: [], errors: [] };
  for (let id = 1; id <= 3; id++) first.process(rec({ id }, event('c', null, { id, v: id * 10 })), out);
  const stored = out.updates.map((u) => ({ row: u.row, diff: u.diff }));
  const restarted = createEnvelope(details).envelope;
  restarted.restore(stored, []);
  const more: TickBuffer = { updates: [], errors: [] };
  restarted.process(rec({ id: 2 }, event('u', { id: 2, v: 20 }, { id: 2, v: 21 })), more);
  restarted.process(rec({ id: 3 }, event('d', { id: 3, v: 30 }, null)), more);
  restarted.process(rec({ id: 1 }, event('c', null, { id: 1, v: 10 })), more); // replayed: no change
  assert.deepEqual(contents([...stored, ...more.updates]), ['{"v": 10, "id": 1}', '{"v": 21, "id": 2}']);
});

test('record-shaped Debezium values: columns are the after-record fields', () => {
  const after = { kind: 'record' as const, fields: [{ name: 'id', type: { kind: 'int8' as const } }, { name: 'name', type: { kind: 'text' as const } }] };
  const planned = planDebezium([
    { name: 'before', type: after, nullable: true },
    { name: 'after', type: after, nullable: true },
    { name: 'op', type: { kind: 'text' }, nullable: false },
    { name: 'ts_ms', type: { kind: 'int8' }, nullable: true },
  ]);
  assert.deepEqual(planned.columns.map((c) => c.name), ['id', 'name']);
  assert.deepEqual(planned.shape, { shape: 'record', beforeIndex: 0, afterIndex: 1, opIndex: 2, afterNames: ['id', 'name'] });
  assert.throws(() => planDebezium([{ name: 'op', type: { kind: 'text' }, nullable: false }, { name: 'x', type: { kind: 'int4' }, nullable: false }]), /after/);
});

test('JSON Debezium with INCLUDE KEY (KEY FORMAT JSON): the key column leads', () => {
  const { desc, details } = plan({ keyFormat: { kind: 'json' }, valueFormat: { kind: 'json' }, include: [include.key('k')], envelope: { kind: 'debezium' } });
  assert.deepEqual(desc.columns.map((c) => c.name), ['k', 'data']);
  const { envelope } = createEnvelope(details);
  const out: TickBuffer = { updates: [], errors: [] };
  envelope.process(rec({ id: 7 }, event('c', null, { id: 7 })), out);
  const rows: Row[] = out.updates.map((u) => u.row);
  assert.deepEqual(rows.map((r) => r.map((d) => (d instanceof Jsonb ? d.text : d))), [['{"id": 7}', '{"id": 7}']]);
});
