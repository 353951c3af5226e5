import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, appendFile, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBatch, openShard } from '../../src/storage/shard.js';
import { frame } from '../../src/storage/framed-log.js';
import type { Update } from '../../src/compute/api.js';
import type { Shard } from '../../src/storage/api.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'freshet-shard-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const rows = (n: number, start = 0): Update[] => Array.from({ length: n }, (_, i) => ({ row: [start + i, `v${start + i}`], diff: 1 }));

test('append then reopen returns every batch with its metadata', async () => {
  await withDir(async (dir) => {
    const shard = await openShard(dir);
    assert.equal(shard.lastMeta(), undefined);
    await shard.append({ time: 1000, updates: rows(3), meta: new Map([[0, 3n]]) });
    await shard.append({ time: 1001, updates: [{ row: [1, 'v1'], diff: -1 }] });
    await shard.append({ time: 1002, updates: rows(2, 10), meta: new Map([[0, 5n], [1, 2n]]) });
    assert.deepEqual(shard.lastMeta(), new Map([[0, 5n], [1, 2n]]));
    await shard.close();

    const reopened = await openShard(dir);
    assert.deepEqual(reopened.lastMeta(), new Map([[0, 5n], [1, 2n]]));
    const batches = await reopened.readAll();
    assert.equal(batches.length, 3);
    assert.deepEqual(batches[0], { time: 1000, updates: rows(3), meta: new Map([[0, 3n]]) });
    assert.deepEqual(batches[1], { time: 1001, updates: [{ row: [1, 'v1'], diff: -1 }] });
    assert.equal(batches[2]!.time, 1002);
    await reopened.close();
  });
});

test('concurrent appends are all durable and keep their order', async () => {
  await withDir(async (dir) => {
    const shard = await openShard(dir);
    await Promise.all(Array.from({ length: 50 }, (_, i) => shard.append({ time: i, updates: rows(1, i), meta: { upTo: i } })));
    await shard.close();
    const reopened = await openShard(dir);
    const batches = await reopened.readAll();
    assert.deepEqual(batches.map((b) => b.time), Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(reopened.lastMeta(), { upTo: 49 });
    await reopened.close();
  });
});

test('a torn tail (a partial last record after the acknowledged end) is cut on open and appends continue after it', async () => {
  await withDir(async (dir) => {
    const shard = await openShard(dir);
    await shard.append({ time: 1, updates: rows(2), meta: 'a' });
    await shard.close();
    const path = join(dir, 'shard.log');
    // A crash in the middle of the next append: half of a record reached the file.
    const record = frame([encodeBatch({ time: 2, updates: rows(2, 5), meta: 'b' })]);
    await appendFile(path, record.subarray(0, record.length - 7));
    const reopened = await openShard(dir);
    assert.equal(reopened.lastMeta(), 'a');
    assert.deepEqual((await reopened.readAll()).map((b) => b.time), [1]);
    await reopened.append({ time: 3, updates: rows(1), meta: 'c' });
    await reopened.close();
    const again = await openShard(dir);
    assert.deepEqual((await again.readAll()).map((b) => b.time), [1, 3]);
    assert.equal(again.lastMeta(), 'c');
    await again.close();
  });
});

test('a corrupt acknowledged record is an error naming the file, never a silent prefix', async () => {
  await withDir(async (dir) => {
    const shard = await openShard(dir);
    await shard.append({ time: 1, updates: rows(2), meta: 1 });
    await shard.append({ time: 2, updates: rows(2), meta: 2 });
    await shard.close();
    const path = join(dir, 'shard.log');
    const data = await readFile(path);
    data[data.length - 3]! ^= 0xff;
    await writeFile(path, data);
    await assert.rejects(openShard(dir), (err: Error) => err.message.includes(path) && /fails its checksum/.test(err.message));
  });
});

test('compaction consolidates the contents and keeps the latest metadata', async () => {
  await withDir(async (dir) => {
    const shard = await openShard(dir, { compactAfterBytes: 2000 });
    for (let i = 0; i < 100; i++) {
      await shard.append({ time: i, updates: [{ row: [i % 5, 'x'.repeat(20)], diff: 1 }, ...(i >= 5 ? [{ row: [(i - 5) % 5, 'x'.repeat(20)], diff: -1 }] : [])], meta: i });
    }
    await shard.close();
    const reopened = await openShard(dir);
    assert.equal(reopened.lastMeta(), 99);
    const batches = await reopened.readAll();
    assert.ok(batches.length < 100, `the log was compacted (${batches.length} records)`);
    const totals = new Map<number, number>();
    for (const u of batches.flatMap((b) => b.updates)) totals.set(u.row[0] as number, (totals.get(u.row[0] as number) ?? 0) + u.diff);
    assert.deepEqual([...totals.entries()].filter(([, d]) => d !== 0).sort(), [[0, 1], [1, 1], [2, 1], [3, 1], [4, 1]]);
    await reopened.destroy();
  });
});

test('appends made while a compaction runs survive the swap', async () => {
  await withDir(async (dir) => {
    const shard = (await openShard(dir)) as Shard & { compact(): Promise<void> };
    for (let i = 0; i < 20; i++) await shard.append({ time: i, updates: [{ row: ['k', i], diff: 1 }, ...(i > 0 ? [{ row: ['k', i - 1], diff: -1 }] : [])], meta: i });
    const compacting = shard.compact();
    const during = Array.from({ length: 10 }, (_, j) => shard.append({ time: 100 + j, updates: [{ row: ['later', j], diff: 1 }], meta: 100 + j }));
    await Promise.all([compacting, ...during]);
    await shard.close();
    const reopened = await openShard(dir);
    const rows = (await reopened.readAll()).flatMap((b) => b.updates);
    assert.deepEqual(rows.filter((u) => u.row[0] === 'k'), [{ row: ['k', 19], diff: 1 }]);
    assert.equal(rows.filter((u) => u.row[0] === 'later').length, 10);
    assert.equal(reopened.lastMeta(), 109);
    await reopened.close();
  });
});
