// Fault injection into durable shards (FramedLog through an injected LogFs):
// a failing write, fsync, truncate, open, rename, ... at every step of a
// sequence of appends, a compaction swap and a close, then a restart that
// must find exactly the acknowledged batches, each once. Also torn frames,
// flipped bytes, truncated and deleted files, a damaged sidecar, decode
// errors across compaction, and a real full file system when one can be
// mounted here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBatch, openShard } from '../../src/storage/shard.js';
import { FramedLog, frame } from '../../src/storage/framed-log.js';
import { StorageError } from '../../src/storage/storage-error.js';
import type { Shard, ShardWriteBatch } from '../../src/storage/api.js';
import type { Update } from '../../src/compute/api.js';
import { readChecksummedJson, writeChecksummedJson } from '../../src/catalog/durable-file.js';
import { FaultyFs } from '../helpers/faulty-fs.js';
import { mountSmallFs } from '../helpers/small-fs.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'freshet-durability-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Batch i: three rows of its own and its number as metadata. */
const batch = (i: number): ShardWriteBatch => ({ time: 1000 + i, updates: [0, 1, 2].map((j) => ({ row: [i * 10 + j, `b${i}`], diff: 1 })), meta: i });

/** Diff per row id over all batches, after consolidation. */
function rowTotals(batches: ShardWriteBatch[]): Map<number, number> {
  const totals = new Map<number, number>();
  for (const u of batches.flatMap((b) => b.updates)) totals.set(u.row[0] as number, (totals.get(u.row[0] as number) ?? 0) + u.diff);
  for (const [k, v] of totals) if (v === 0) totals.delete(k);
  return totals;
}

function expectedTotals(acked: readonly number[]): Map<number, number> {
  return rowTotals(acked.map(batch));
}

const NO_BACKGROUND_ACK = 3_600_000;
const BATCHES = 6;

/**
 * Opens a shard through `fs`, appends BATCHES batches (each retried until it
 * is acknowledged, as a source retries its tick), compacts after the third
 * and closes. Returns the acknowledged batch numbers.
 */
async function scenario(dir: string, fs: FaultyFs): Promise<number[]> {
  let shard: (Shard & { compact(): Promise<void> }) | undefined;
  for (let attempt = 0; shard === undefined; attempt++) {
    try {
      shard = (await openShard(dir, { fs, ackDelayMs: NO_BACKGROUND_ACK })) as Shard & { compact(): Promise<void> };
    } catch (err) {
      assert.ok(err instanceof StorageError, `open fails with a StorageError, not ${String(err)}`);
      if (attempt > 5) throw err;
    }
  }
  const acked: number[] = [];
  for (let i = 0; i < BATCHES; i++) {
    for (let attempt = 0; ; attempt++) {
      try {
        await shard.append(batch(i));
        acked.push(i);
        break;
      } catch (err) {
        assert.ok(err instanceof StorageError && (err.kind === 'disk-full' || err.kind === 'io'), `append fails with a StorageError, not ${String(err)}`);
        if (attempt > 5) throw err;
      }
    }
    if (i === 2) await shard.compact();
  }
  await shard.close().catch(() => undefined);
  return acked;
}

test('a failed write, fsync, truncate, open, rename or close at any step loses and duplicates nothing acknowledged', async () => {
  let steps = 0;
  await withDir(async (dir) => {
    const fs = new FaultyFs();
    assert.deepEqual(await scenario(dir, fs), [0, 1, 2, 3, 4, 5]);
    steps = fs.count;
  });
  assert.ok(steps > 30, `the scenario performs many file operations (${steps})`);
  for (const code of ['ENOSPC', 'EIO']) {
    for (let step = 1; step <= steps + 2; step++) {
      await withDir(async (dir) => {
        const fs = new FaultyFs();
        fs.failNth(step, code);
        const acked = await scenario(dir, fs);
        const what = `${code} at operation ${step} (${fs.trace[step - 1] ?? 'after the end'})`;
        assert.deepEqual(acked, [0, 1, 2, 3, 4, 5], what);
        const reopened = await openShard(dir);
        try {
          assert.deepEqual(rowTotals(await reopened.readAll()), expectedTotals(acked), what);
          assert.equal(reopened.lastMeta(), 5, what);
        } finally {
          await reopened.close();
        }
      });
    }
  }
});

test('disk full: appends fail as disk-full, no torn bytes stay in the file, and appends resume when space returns', async () => {
  await withDir(async (dir) => {
    const fs = new FaultyFs();
    const shard = await openShard(dir, { fs });
    await shard.append(batch(0));
    const path = join(dir, 'shard.log');
    const before = (await stat(path)).size;
    fs.failAll(['writev', 'open'], 'ENOSPC');
    for (let i = 0; i < 5; i++) {
      await assert.rejects(shard.append(batch(1)), (err: Error) => err instanceof StorageError && err.kind === 'disk-full' && /ENOSPC/.test(err.message));
      assert.equal((await stat(path)).size, before, 'the short write was cut back');
    }
    fs.clear();
    await shard.append(batch(1));
    await shard.close();
    const reopened = await openShard(dir);
    assert.deepEqual(rowTotals(await reopened.readAll()), expectedTotals([0, 1]));
    await reopened.close();
  });
});

test('a failed fsync makes the log reopen and re-verify before the next append; a crash meanwhile never duplicates', async () => {
  await withDir(async (dir) => {
    const fs = new FaultyFs();
    const shard = await openShard(dir, { fs, ackDelayMs: NO_BACKGROUND_ACK });
    await shard.append(batch(0));
    // fsync fails and the file cannot be cut back either: the batch's bytes stay for now.
    fs.failAll(['datasync', 'truncate', 'open'], 'EIO');
    await assert.rejects(shard.append(batch(1)), (err: Error) => err instanceof StorageError && err.kind === 'io');
    await assert.rejects(shard.append(batch(1)), (err: Error) => err instanceof StorageError && err.kind === 'io');
    // A crash now: whatever is on disk is read back; batch 1 at most once (never acknowledged, but complete).
    const crashed = await openShard(dir);
    const found = rowTotals(await crashed.readAll());
    await crashed.close();
    assert.ok([...found.values()].every((d) => d === 1), 'nothing duplicated');
    assert.ok(found.get(0) === 1 && found.get(1) === 1 && found.get(2) === 1, 'acknowledged batch 0 is there');
    // Or no crash: once the device answers again, the log reopens, cuts the failed bytes and goes on.
    fs.clear();
    const opensBefore = fs.trace.filter((t) => t.startsWith('open ')).length;
    await shard.append(batch(1));
    assert.ok(fs.trace.filter((t) => t.startsWith('open ')).length > opensBefore, 'the log was reopened before appending');
    await shard.close();
    const reopened = await openShard(dir);
    assert.deepEqual(rowTotals(await reopened.readAll()), expectedTotals([0, 1]));
    await reopened.close();
  });
});

test('after a failed fsync, damage to the last acknowledged record found on reopen fails the log for good', async () => {
  await withDir(async (dir) => {
    const fs = new FaultyFs();
    const shard = await openShard(dir, { fs, ackDelayMs: NO_BACKGROUND_ACK });
    await shard.append(batch(0));
    const path = join(dir, 'shard.log');
    fs.failAll(['datasync', 'open'], 'EIO');
    await assert.rejects(shard.append(batch(1)));
    const data = await readFile(path);
    data[20]! ^= 0x40;
    await writeFile(path, data);
    fs.clear();
    await assert.rejects(shard.append(batch(1)), (err: Error) => err instanceof StorageError && err.kind === 'corrupt' && err.message.includes(path));
    await assert.rejects(shard.append(batch(2)), (err: Error) => err instanceof StorageError && err.kind === 'corrupt');
    await shard.close();
  });
});

async function threeBatches(dir: string): Promise<string> {
  const shard = await openShard(dir);
  for (let i = 0; i < 3; i++) await shard.append(batch(i));
  await shard.close();
  return join(dir, 'shard.log');
}

const damagedError = (path: string, pattern: RegExp) => (err: Error) => err instanceof StorageError && err.kind === 'corrupt' && err.message.includes(path) && pattern.test(err.message);

test('a flipped byte in the middle of a shard is an error, never the rows before it', async () => {
  await withDir(async (dir) => {
    const path = await threeBatches(dir);
    const data = await readFile(path);
    data[Math.floor(data.length / 2)]! ^= 0x01;
    await writeFile(path, data);
    await assert.rejects(openShard(dir), damagedError(path, /fails its checksum, before the end of the \d+ bytes acknowledged/));
  });
});

test('a bad record followed by intact ones is damage even when the acknowledged length lags behind', async () => {
  await withDir(async (dir) => {
    const path = await threeBatches(dir);
    await unlink(`${path}.ack`);
    const data = await readFile(path);
    data[Math.floor(data.length / 2)]! ^= 0x01;
    await writeFile(path, data);
    await assert.rejects(openShard(dir), damagedError(path, /but 1 intact records follow it/));
  });
});

test('a shard truncated to zero, cut at a record boundary or deleted is an error naming the file', async () => {
  await withDir(async (dir) => {
    const path = await threeBatches(dir);
    await truncate(path, 0);
    await assert.rejects(openShard(dir), damagedError(path, /0 bytes long \(truncated\), but \d+ bytes of it were acknowledged/));
  });
  await withDir(async (dir) => {
    const path = await threeBatches(dir);
    const opened = await FramedLog.open(path);
    await opened.log.close();
    const records = opened.records;
    assert.equal(records.length, 3);
    await truncate(path, (await stat(path)).size - records[2]!.length - 8);
    await assert.rejects(openShard(dir), damagedError(path, /shorter than the \d+ bytes acknowledged/));
  });
  await withDir(async (dir) => {
    const path = await threeBatches(dir);
    await unlink(path);
    await assert.rejects(openShard(dir), damagedError(path, /missing \(deleted\)/));
  });
  await withDir(async (dir) => {
    const shardDir = join(dir, 'u1');
    await threeBatches(shardDir);
    await rm(shardDir, { recursive: true });
    // The owner is in the catalog, so the shard must exist.
    await assert.rejects(openShard(shardDir, { mustExist: true }), damagedError(join(shardDir, 'shard.log'), /missing \(deleted\)/));
  });
});

test('a torn tail after the acknowledged length (also zeros from an unwritten block) is cut off', async () => {
  await withDir(async (dir) => {
    const path = await threeBatches(dir);
    const record = frame([encodeBatch(batch(3))]);
    await appendFile(path, record.subarray(0, 11));
    const shard = await openShard(dir);
    assert.deepEqual(rowTotals(await shard.readAll()), expectedTotals([0, 1, 2]));
    await shard.append(batch(3));
    await shard.close();
    await appendFile(path, Buffer.alloc(4096));
    const again = await openShard(dir);
    assert.deepEqual(rowTotals(await again.readAll()), expectedTotals([0, 1, 2, 3]));
    await again.close();
  });
});

test('a damaged acknowledged-length sidecar is an error naming it', async () => {
  await withDir(async (dir) => {
    const path = await threeBatches(dir);
    const ack = await readFile(`${path}.ack`);
    ack[9]! ^= 0xff;
    await writeFile(`${path}.ack`, ack);
    await assert.rejects(openShard(dir), damagedError(`${path}.ack`, /checksum mismatch/));
  });
});

test('damage appearing while the server runs is an error on read, not a prefix', async () => {
  await withDir(async (dir) => {
    const shard = await openShard(dir);
    for (let i = 0; i < 3; i++) await shard.append(batch(i));
    const path = join(dir, 'shard.log');
    await truncate(path, (await stat(path)).size - 5);
    await assert.rejects(shard.readAll(), damagedError(path, /shorter than/));
    await shard.close();
  });
});

test('the acknowledged length is recorded in the background after appends', async () => {
  await withDir(async (dir) => {
    const shard = await openShard(dir, { ackDelayMs: 0 });
    for (let i = 0; i < 3; i++) await shard.append(batch(i));
    await new Promise((r) => setTimeout(r, 100));
    const path = join(dir, 'shard.log');
    // A kill -9 now (no close), then the file cut at a record boundary: detected.
    const size = (await stat(path)).size;
    const opened = await FramedLog.open(path, { ackDelayMs: NO_BACKGROUND_ACK });
    const records = opened.records;
    await opened.log.close();
    await truncate(path, size - records[2]!.length - 8);
    await assert.rejects(openShard(dir), damagedError(path, /shorter than/));
    await shard.close().catch(() => undefined);
  });
});

test('decode errors and their retractions are data: compaction and restart keep them exactly', async () => {
  await withDir(async (dir) => {
    const err = (key: string, diff: number): Update => ({ row: [key, '22P02', `bad ${key}`, null, 0, Number(key.slice(1)), null, new Uint8Array([1, 2])], diff });
    const shard = (await openShard(dir)) as Shard & { compact(): Promise<void> };
    await shard.append({ time: 1, updates: [{ row: [1], diff: 1 }], errors: [err('k1', 1), err('k2', 1)], meta: 'a' });
    await shard.append({ time: 2, updates: [{ row: [2], diff: 1 }], errors: [err('k1', -1), err('k3', 1)], meta: 'b' });
    await shard.append({ time: 3, updates: [{ row: [3], diff: 1 }], meta: 'c' });
    await shard.compact();
    await shard.close();
    const reopened = await openShard(dir);
    const batches = await reopened.readAll();
    assert.equal(batches.length, 1, 'compacted into one record');
    assert.deepEqual(batches[0]!.errors, [err('k2', 1), err('k3', 1)]);
    assert.deepEqual(batches[0]!.updates.map((u) => u.row[0]).sort(), [1, 2, 3]);
    assert.equal(reopened.lastMeta(), 'c');
    await reopened.close();
  });
});

test('a damaged catalog or secrets file is reported naming the file and what is wrong', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'catalog.json');
    writeChecksummedJson(path, { items: [1, 2, 3] });
    const good = await readFile(path, 'utf8');
    await writeFile(path, good.slice(0, good.length - 10));
    assert.throws(() => readChecksummedJson(path, 'catalog'), /the catalog file .*catalog\.json is damaged: it is not a complete checksummed document .*truncated/);
    await writeFile(path, '');
    assert.throws(() => readChecksummedJson(path, 'catalog'), /is damaged: it is empty \(truncated to zero bytes\)/);
    await writeFile(path, good.replace('[1,2,3]', '[1,2,4]'));
    assert.throws(() => readChecksummedJson(path, 'secrets'), /the secrets file .* is damaged: checksum mismatch/);
    await writeFile(path, good);
    assert.deepEqual(readChecksummedJson(path, 'catalog'), { items: [1, 2, 3] });
  });
});

test('on a real full file system (a 1 MiB tmpfs): disk-full errors, nothing torn, exact after space returns', async (t) => {
  const fsMount = mountSmallFs('1m');
  if (!fsMount) {
    t.skip('cannot mount a small file system here (needs root on Linux)');
    return;
  }
  try {
    const filler = join(fsMount.dir, 'filler');
    await writeFile(filler, Buffer.alloc(512 * 1024));
    const dir = join(fsMount.dir, 'shard');
    const shard = await openShard(dir, { ackDelayMs: 0 });
    const path = join(dir, 'shard.log');
    const big = (i: number): ShardWriteBatch => ({ time: i, updates: Array.from({ length: 200 }, (_, j) => ({ row: [i * 1000 + j, 'x'.repeat(100)], diff: 1 })), meta: i });
    const acked: number[] = [];
    let failure: unknown;
    let lastGood = 0;
    let i = 0;
    for (; i < 1000 && failure === undefined; i++) {
      try {
        await shard.append(big(i));
        acked.push(i);
        lastGood = (await stat(path)).size;
      } catch (err) {
        failure = err;
      }
    }
    assert.ok(failure instanceof StorageError && failure.kind === 'disk-full', `filling the disk ends in disk-full, not ${String(failure)}`);
    assert.ok(acked.length > 3, `some batches fit (${acked.length})`);
    assert.equal((await stat(path)).size, lastGood, 'the failed append left no bytes behind');
    // Space returns: the same batch (as a source retries its tick) goes in once.
    await unlink(filler);
    await shard.append(big(i - 1));
    acked.push(i - 1);
    await shard.close();
    const reopened = await openShard(dir);
    assert.deepEqual(rowTotals(await reopened.readAll()), rowTotals(acked.map(big)));
    assert.equal(reopened.lastMeta(), i - 1);
    await reopened.close();
  } finally {
    fsMount.unmount();
  }
});
