// Fault injection into the default storage: the persist layer on local disk
// (persist/local.ts: one FramedLog for consensus, one file per blob), with
// every file operation going through an injected LogFs. A failing write,
// fsync, truncate, open, rename, mkdir, ... at every step of a sequence of
// appends (inline in consensus, or in blobs), a compaction (merge into
// blobs, rollup, truncation) and a rewrite of the consensus log, then a
// restart that must find exactly the acknowledged batches, each once. Also
// torn frames, flipped bytes, truncated and deleted files (the consensus log,
// its sidecar, blobs), decode errors across compaction, and a real full file
// system when one can be mounted here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FramedLog, frame } from '../../src/storage/framed-log.js';
import { StorageError } from '../../src/storage/storage-error.js';
import { localLocation, type LocalOptions } from '../../src/persist/local.js';
import { PersistShard, type PersistBatch } from '../../src/persist/shard.js';
import { PersistCorruptionError, type PersistLocation } from '../../src/persist/api.js';
import type { Update } from '../../src/repr/update.js';
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
const batch = (i: number): PersistBatch => ({ time: 1000 + i, updates: [0, 1, 2].map((j) => ({ row: [i * 10 + j, `b${i}`], diff: 1 })), meta: i });

/** Diff per row id, after consolidation. */
function rowTotals(updates: readonly Update[]): Map<number, number> {
  const totals = new Map<number, number>();
  for (const u of updates) totals.set(u.row[0] as number, (totals.get(u.row[0] as number) ?? 0) + u.diff);
  for (const [k, v] of totals) if (v === 0) totals.delete(k);
  return totals;
}

function expectedTotals(acked: readonly number[]): Map<number, number> {
  return rowTotals(acked.flatMap((i) => batch(i).updates));
}

const NO_BACKGROUND_ACK = 3_600_000;
const BATCHES = 6;
const SHARD = 'u1';

/** The names in a directory ([] when it does not exist yet). */
const namesIn = (dir: string): Promise<string[]> => readdir(dir).catch(() => []);

const isStorageFailure = (err: unknown): boolean => err instanceof StorageError && (err.kind === 'disk-full' || err.kind === 'io');

/** The contents of shard SHARD under `dir`, read back by a fresh process-like open (no faults). */
async function readBack(dir: string): Promise<{ totals: Map<number, number>; meta: unknown; errors: Update[] }> {
  const location = await localLocation(dir);
  try {
    const shard = await PersistShard.open(location, SHARD, { epoch: 1 });
    const { updates, errors } = await shard.snapshot();
    await shard.close();
    return { totals: rowTotals(updates), meta: shard.meta, errors };
  } finally {
    await location.close();
  }
}

async function retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      assert.ok(isStorageFailure(err), `${what} fails with a disk-full or I/O StorageError, not ${err instanceof Error ? err.stack : String(err)}`);
      if (attempt > 5) throw err;
    }
  }
}

/**
 * Opens the storage and shard through `fs`, appends BATCHES batches (each
 * retried until acknowledged, as a source retries its tick), compacts after
 * the third (merge into blobs, rollup, truncation; the consensus log is then
 * rewritten) and closes. Returns the acknowledged batch numbers.
 */
async function scenario(dir: string, fs: FaultyFs, inlineThreshold: number): Promise<number[]> {
  const location = await retry('opening the storage', () => localLocation(dir, { fs, ackDelayMs: NO_BACKGROUND_ACK, rewriteAfterBytes: 1 }));
  const shard = await retry('opening the shard', () => PersistShard.open(location, SHARD, { epoch: 1, inlineThreshold }));
  const acked: number[] = [];
  for (let i = 0; i < BATCHES; i++) {
    await retry(`append ${i}`, () => shard.append(batch(i)));
    acked.push(i);
    if (i === 2) {
      // A failed compaction leaves the shard uncompacted, never damaged.
      await shard.compact().catch((err: unknown) => assert.ok(isStorageFailure(err), `compaction fails with a StorageError, not ${String(err)}`));
    }
  }
  await shard.close();
  await location.close().catch(() => undefined);
  return acked;
}

for (const [variant, inlineThreshold] of [
  ['inline in the consensus log', 4 * 1024 * 1024],
  ['in blobs', 0],
] as const) {
  test(`persist on local disk, batches ${variant}: a failed write, fsync, truncate, open, rename, mkdir or close at any step of appends, compaction and a log rewrite loses and duplicates nothing acknowledged`, async () => {
    let steps = 0;
    let trace: string[] = [];
    await withDir(async (dir) => {
      const fs = new FaultyFs();
      assert.deepEqual(await scenario(dir, fs, inlineThreshold), [0, 1, 2, 3, 4, 5]);
      steps = fs.count;
      trace = fs.trace;
      const back = await readBack(dir);
      assert.deepEqual(back.totals, expectedTotals([0, 1, 2, 3, 4, 5]));
    });
    assert.ok(steps > 30, `the scenario performs many file operations (${steps})`);
    assert.ok(trace.some((t) => t.includes('consensus.log.compact')), 'the consensus log is rewritten in the scenario');
    if (inlineThreshold === 0) assert.ok(trace.some((t) => t.startsWith('writev') && t.includes(`${join('blob', 'shard%2F')}`)), 'blobs are written in the scenario');
    for (const code of ['ENOSPC', 'EIO']) {
      for (let step = 1; step <= steps + 2; step++) {
        await withDir(async (dir) => {
          const fs = new FaultyFs();
          fs.failNth(step, code);
          const what = `${code} at operation ${step} (${trace[step - 1] ?? 'after the end'})`;
          const acked = await scenario(dir, fs, inlineThreshold);
          assert.deepEqual(acked, [0, 1, 2, 3, 4, 5], what);
          const back = await readBack(dir);
          assert.deepEqual(back.totals, expectedTotals(acked), what);
          assert.equal(back.meta, 5, what);
        });
      }
    }
  });
}

test('disk full: appends fail as disk-full, no torn bytes stay in the consensus log nor temporary blobs, and appends resume when space returns', async () => {
  await withDir(async (dir) => {
    const fs = new FaultyFs();
    const location = await localLocation(dir, { fs });
    const shard = await PersistShard.open(location, SHARD, { epoch: 1, inlineThreshold: 100 });
    await shard.append(batch(0));
    const path = join(dir, 'consensus.log');
    const before = (await stat(path)).size;
    const blobsBefore = await namesIn(join(dir, 'blob'));
    fs.failAll(['writev', 'open'], 'ENOSPC');
    const big: PersistBatch = { ...batch(1), updates: [...batch(1).updates, ...Array.from({ length: 50 }, (_, j) => ({ row: [1000 + j, 'x'.repeat(20)], diff: 1 }))] };
    for (const b of [batch(1), big]) {
      for (let i = 0; i < 3; i++) {
        await assert.rejects(shard.append(b), (err: Error) => err instanceof StorageError && err.kind === 'disk-full' && /ENOSPC/.test(err.message));
        assert.equal((await stat(path)).size, before, 'the short write was cut back');
        assert.deepEqual(await namesIn(join(dir, 'blob')), blobsBefore, 'no temporary or orphaned blob stays');
      }
    }
    fs.clear();
    await shard.append(batch(1));
    await shard.close();
    await location.close();
    assert.deepEqual((await readBack(dir)).totals, expectedTotals([0, 1]));
  });
});

test('a failed fsync of the consensus log makes it reopen and re-verify before the next append; a crash meanwhile never duplicates', async () => {
  await withDir(async (dir) => {
    const fs = new FaultyFs();
    const location = await localLocation(dir, { fs, ackDelayMs: NO_BACKGROUND_ACK });
    const shard = await PersistShard.open(location, SHARD, { epoch: 1 });
    await shard.append(batch(0));
    // fsync fails and the file cannot be cut back either: the batch's bytes stay for now.
    fs.failAll(['datasync', 'truncate', 'open'], 'EIO');
    await assert.rejects(shard.append(batch(1)), (err: Error) => err instanceof StorageError && err.kind === 'io');
    await assert.rejects(shard.append(batch(1)), (err: Error) => err instanceof StorageError && err.kind === 'io');
    // A crash now: whatever is on disk is read back; batch 1 at most once (never acknowledged, but complete).
    const crashed = await readBack(dir);
    assert.ok([...crashed.totals.values()].every((d) => d === 1), 'nothing duplicated');
    assert.ok(crashed.totals.get(0) === 1 && crashed.totals.get(1) === 1 && crashed.totals.get(2) === 1, 'acknowledged batch 0 is there');
    // Or no crash: once the device answers again, the log reopens, cuts the failed bytes and goes on.
    fs.clear();
    const opensBefore = fs.trace.filter((t) => t.startsWith('open ')).length;
    await shard.append(batch(1));
    assert.ok(fs.trace.filter((t) => t.startsWith('open ')).length > opensBefore, 'the log was reopened before appending');
    await shard.close();
    await location.close();
    assert.deepEqual((await readBack(dir)).totals, expectedTotals([0, 1]));
  });
});

test('after a failed fsync, damage to the last acknowledged record found on reopen fails the consensus log for good, naming it', async () => {
  await withDir(async (dir) => {
    const fs = new FaultyFs();
    const location = await localLocation(dir, { fs, ackDelayMs: NO_BACKGROUND_ACK });
    const shard = await PersistShard.open(location, SHARD, { epoch: 1 });
    await shard.append(batch(0));
    const path = join(dir, 'consensus.log');
    const acknowledged = (await stat(path)).size;
    fs.failAll(['datasync', 'open'], 'EIO');
    await assert.rejects(shard.append(batch(1)));
    const data = await readFile(path);
    // Inside the last acknowledged record (batch 0's entry).
    data[acknowledged - 10]! ^= 0x40;
    await writeFile(path, data);
    fs.clear();
    await assert.rejects(shard.append(batch(1)), (err: Error) => err instanceof StorageError && err.kind === 'corrupt' && err.message.includes(path));
    await assert.rejects(shard.append(batch(2)), (err: Error) => err instanceof StorageError && err.kind === 'corrupt');
    await shard.close();
    await location.close();
  });
});

/** A storage with shard SHARD holding batches 0..2 (in blobs when `inlineThreshold` is 0). */
async function threeBatches(dir: string, options: LocalOptions = {}, inlineThreshold?: number): Promise<string> {
  const location = await localLocation(dir, options);
  const shard = await PersistShard.open(location, SHARD, { epoch: 1, ...(inlineThreshold !== undefined ? { inlineThreshold } : {}) });
  for (let i = 0; i < 3; i++) await shard.append(batch(i));
  await shard.close();
  await location.close();
  return join(dir, 'consensus.log');
}

const damagedError = (path: string, pattern: RegExp) => (err: Error) =>
  err instanceof StorageError && err.kind === 'corrupt' && err.message.includes(path) && pattern.test(err.message) && /restore the data directory from a backup/.test(err.message);

test('a flipped byte in the middle of the consensus log is an error naming it, never the entries before it', async () => {
  await withDir(async (dir) => {
    const path = await threeBatches(dir);
    const data = await readFile(path);
    data[Math.floor(data.length / 2)]! ^= 0x01;
    await writeFile(path, data);
    await assert.rejects(localLocation(dir), damagedError(path, /fails its checksum, before the end of the \d+ bytes acknowledged/));
  });
});

test('a bad record followed by intact ones is damage even when the acknowledged length lags behind', async () => {
  await withDir(async (dir) => {
    const path = await threeBatches(dir);
    await unlink(`${path}.ack`);
    const data = await readFile(path);
    // Inside the second record (the first append's entry): intact ones follow it.
    const second = 8 + 8 + data.readUInt32LE(8);
    data[second + 12]! ^= 0x01;
    await writeFile(path, data);
    await assert.rejects(localLocation(dir), damagedError(path, /but \d+ intact records follow it/));
  });
});

test('a consensus log truncated to zero, cut at a record boundary or deleted is an error naming the file', async () => {
  await withDir(async (dir) => {
    const path = await threeBatches(dir);
    await truncate(path, 0);
    await assert.rejects(localLocation(dir), damagedError(path, /0 bytes long \(truncated\), but \d+ bytes of it were acknowledged/));
  });
  await withDir(async (dir) => {
    const path = await threeBatches(dir);
    const opened = await FramedLog.open(path);
    await opened.log.close();
    const records = opened.records;
    await truncate(path, (await stat(path)).size - records[records.length - 1]!.length - 8);
    await assert.rejects(localLocation(dir), damagedError(path, /shorter than the \d+ bytes acknowledged/));
  });
  await withDir(async (dir) => {
    const path = await threeBatches(dir);
    await unlink(path);
    await assert.rejects(localLocation(dir), damagedError(path, /missing \(deleted\)/));
  });
});

test('a torn tail after the acknowledged length (also zeros from an unwritten block) is cut off', async () => {
  await withDir(async (dir) => {
    const path = await threeBatches(dir);
    const record = frame([Buffer.from('an entry whose append never completed')]);
    await appendFile(path, record.subarray(0, 11));
    assert.deepEqual((await readBack(dir)).totals, expectedTotals([0, 1, 2]));
    const location = await localLocation(dir);
    const shard = await PersistShard.open(location, SHARD, { epoch: 1 });
    await shard.append(batch(3));
    await shard.close();
    await location.close();
    await appendFile(path, Buffer.alloc(4096));
    assert.deepEqual((await readBack(dir)).totals, expectedTotals([0, 1, 2, 3]));
  });
});

test('a damaged acknowledged-length sidecar is an error naming it', async () => {
  await withDir(async (dir) => {
    const path = await threeBatches(dir);
    const ack = await readFile(`${path}.ack`);
    ack[9]! ^= 0xff;
    await writeFile(`${path}.ack`, ack);
    await assert.rejects(localLocation(dir), damagedError(`${path}.ack`, /checksum mismatch/));
  });
});

test('damage appearing while the server runs is an error on the next read of the consensus log, not a prefix', async () => {
  await withDir(async (dir) => {
    const location = await localLocation(dir);
    const shard = await PersistShard.open(location, SHARD, { epoch: 1 });
    for (let i = 0; i < 3; i++) await shard.append(batch(i));
    const path = join(dir, 'consensus.log');
    await truncate(path, (await stat(path)).size - 5);
    await assert.rejects(location.consensus.scan(`shard/${SHARD}`, 0), (err: Error) => err instanceof StorageError && err.kind === 'corrupt' && err.message.includes(path));
    await shard.close();
    await location.close();
  });
});

test('the acknowledged length of the consensus log is recorded in the background after appends', async () => {
  await withDir(async (dir) => {
    const location = await localLocation(dir, { ackDelayMs: 0 });
    const shard = await PersistShard.open(location, SHARD, { epoch: 1 });
    for (let i = 0; i < 3; i++) await shard.append(batch(i));
    await new Promise((r) => setTimeout(r, 100));
    const path = join(dir, 'consensus.log');
    // A kill -9 now (no close), then the file cut at a record boundary: detected.
    const size = (await stat(path)).size;
    const data = await readFile(path);
    const lastLength = lastRecordLength(data);
    await truncate(path, size - lastLength - 8);
    await assert.rejects(localLocation(dir), damagedError(path, /shorter than/));
    await shard.close().catch(() => undefined);
    await location.close().catch(() => undefined);
  });
});

/** The payload length of the last record of a log file's contents. */
function lastRecordLength(data: Buffer): number {
  let pos = 8;
  let last = 0;
  while (pos + 8 <= data.length) {
    last = data.readUInt32LE(pos);
    pos += 8 + last;
  }
  return last;
}

test('a flipped byte in, a truncation of or the deletion of a blob makes its shard fail to load, naming the blob and the shard', async () => {
  for (const damage of ['flipped', 'truncated', 'deleted'] as const) {
    await withDir(async (dir) => {
      await threeBatches(dir, {}, 0);
      const blobs = (await readdir(join(dir, 'blob'))).sort();
      assert.equal(blobs.length, 3);
      const target = join(dir, 'blob', blobs[1]!);
      if (damage === 'flipped') {
        const bytes = await readFile(target);
        bytes[bytes.length - 3]! ^= 0x08;
        await writeFile(target, bytes);
      } else if (damage === 'truncated') {
        await truncate(target, 0);
      } else {
        await unlink(target);
      }
      const location = await localLocation(dir);
      try {
        const shard = await PersistShard.open(location, SHARD, { epoch: 1 });
        const err = await shard.snapshot().catch((e: unknown) => e);
        assert.ok(err instanceof PersistCorruptionError, `${damage}: ${String(err)}`);
        assert.match(err.message, new RegExp(`blob shard/${SHARD}/[0-9a-f-]+ (of shard ${SHARD} )?is corrupted: (checksum mismatch|not a Freshet batch|missing)`), damage);
        await assert.rejects(shard.parts(), PersistCorruptionError);
        await shard.close();
      } finally {
        await location.close();
      }
    });
  }
});

test('decode errors and their retractions are data: compaction and restart keep them exactly', async () => {
  await withDir(async (dir) => {
    const err = (key: string, diff: number): Update => ({ row: [key, '22P02', `bad ${key}`, null, 0, Number(key.slice(1)), null, new Uint8Array([1, 2])], diff });
    const location = await localLocation(dir);
    const shard = await PersistShard.open(location, SHARD, { epoch: 1 });
    await shard.append({ time: 1, updates: [{ row: [1], diff: 1 }], errors: [err('k1', 1), err('k2', 1)], meta: 'a' });
    await shard.append({ time: 2, updates: [{ row: [2], diff: 1 }], errors: [err('k1', -1), err('k3', 1)], meta: 'b' });
    await shard.append({ time: 3, updates: [{ row: [3], diff: 1 }], meta: 'c' });
    await shard.compact();
    assert.equal(shard.partCount, 1, 'compacted into one part');
    await shard.close();
    await location.close();
    const back = await readBack(dir);
    assert.deepEqual(back.errors, [err('k2', 1), err('k3', 1)]);
    assert.deepEqual([...back.totals.keys()].sort(), [1, 2, 3]);
    assert.equal(back.meta, 'c');
  });
});

test('a damaged catalog or secrets file of the earlier layout is reported naming the file and what is wrong', async () => {
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
  let location: PersistLocation | undefined;
  try {
    const filler = join(fsMount.dir, 'filler');
    await writeFile(filler, Buffer.alloc(512 * 1024));
    const dir = join(fsMount.dir, 'persist');
    location = await localLocation(dir, { ackDelayMs: 0 });
    // Every other batch goes to a blob.
    const shard = await PersistShard.open(location, SHARD, { epoch: 1, inlineThreshold: 25_000 });
    const path = join(dir, 'consensus.log');
    const big = (i: number): PersistBatch => ({ time: i, updates: Array.from({ length: i % 2 === 0 ? 200 : 250 }, (_, j) => ({ row: [i * 1000 + j, 'x'.repeat(100)], diff: 1 })), meta: i });
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
    assert.deepEqual((await readdir(join(dir, 'blob'))).filter((n) => n.endsWith('.tmp')), [], 'no temporary blob left behind');
    // Space returns: the same batch (as a source retries its tick) goes in once.
    await unlink(filler);
    await shard.append(big(i - 1));
    acked.push(i - 1);
    await shard.close();
    await location.close();
    location = undefined;
    const reopened = await localLocation(dir);
    try {
      const again = await PersistShard.open(reopened, SHARD, { epoch: 1 });
      assert.deepEqual(rowTotals((await again.snapshot()).updates), rowTotals(acked.flatMap((n) => big(n).updates)));
      assert.equal(again.meta, i - 1);
      await again.close();
    } finally {
      await reopened.close();
    }
  } finally {
    await location?.close().catch(() => undefined);
    fsMount.unmount();
  }
});
