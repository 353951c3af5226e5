import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kafkaSource } from '../helpers/kafka-ast.js';
import { planKafkaSource } from '../../src/storage/kafka/plan.js';
import { createEnvelope, upsertKeyHash, type TickBuffer } from '../../src/storage/kafka/envelope.js';
import type { KafkaSourceDetails } from '../../src/storage/kafka/source-plan.js';
import type { Update } from '../../src/compute/api.js';

const details = planKafkaSource(kafkaSource({ topic: 't', keyFormat: { kind: 'text' }, valueFormat: { kind: 'text' }, envelope: { kind: 'upsert' } }), {
  brokers: [],
  config: {},
  secretConfig: {},
}).details as unknown as KafkaSourceDetails;

/** Two distinct keys with the same state hash (found by search; deterministic). */
function collidingKeys(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const key = `key-${i}`;
    const h = upsertKeyHash(key);
    const other = seen.get(h);
    if (other !== undefined) return [other, key];
    seen.set(h, key);
  }
}

/** The rows the updates add up to, as sorted "key=value" strings; each at most once. */
function contents(updates: readonly Update[]): string[] {
  const counts = new Map<string, number>();
  for (const u of updates) {
    const k = `${String(u.row[0])}=${String(u.row[1])}`;
    counts.set(k, (counts.get(k) ?? 0) + u.diff);
  }
  const out: string[] = [];
  for (const [k, n] of counts) {
    assert.ok(n === 0 || n === 1, `${k} has multiplicity ${n}`);
    if (n === 1) out.push(k);
  }
  return out.sort();
}

test('upsert state: keys that share a hash are kept apart through updates, deletes and a restore', () => {
  const [a, b] = collidingKeys();
  assert.equal(upsertKeyHash(a), upsertKeyHash(b));
  const keys = [a, b, 'x', 'y'];
  let { envelope } = createEnvelope(details);
  const model = new Map<string, string>();
  const all: Update[] = [];
  let seed = 7;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  for (let offset = 0; offset < 4000; offset++) {
    const key = keys[Math.floor(next() * keys.length)]!;
    const value = next() < 0.3 ? null : `v${offset}`;
    const out: TickBuffer = { updates: [], errors: [] };
    envelope.process({ key: Buffer.from(key), value: value === null ? null : Buffer.from(value), partition: 0, offset }, out);
    assert.deepEqual(out.errors, []);
    all.push(...out.updates);
    if (value === null) model.delete(key);
    else model.set(key, value);
    assert.equal(envelope.stateSize, model.size);
    if (offset === 2000) {
      // A restart: the state is rebuilt from the stored (consolidated) contents.
      ({ envelope } = createEnvelope(details));
      envelope.restore([...model].map(([k, v]) => ({ row: [k, v], diff: 1 })), []);
      assert.equal(envelope.stateSize, model.size);
    }
  }
  assert.deepEqual(contents(all), [...model].map(([k, v]) => `${k}=${v}`).sort());
});
