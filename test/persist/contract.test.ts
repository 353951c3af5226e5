// One contract, three implementations: every test here runs over the
// in-memory, local-disk and PostgreSQL backends of the persist layer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FencedError, PersistCorruptionError, UpperMismatchError, type PersistLocation } from '../../src/persist/api.js';
import { PersistCell } from '../../src/persist/cell.js';
import { localLocation } from '../../src/persist/local.js';
import { MemoryBlob, MemoryConsensus } from '../../src/persist/memory.js';
import { postgresLocation } from '../../src/persist/postgres.js';
import { PersistShard } from '../../src/persist/shard.js';
import type { Update } from '../../src/repr/update.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

interface Backend {
  name: string;
  /** A location on fresh storage; `reopen` gives another handle on the same storage (after closing the previous one). */
  fresh(): Promise<{ location: PersistLocation; reopen(): Promise<PersistLocation>; corruptBlob?: (key: string) => void }>;
  cleanup(): Promise<void>;
}

const memory: Backend = {
  name: 'memory',
  async fresh() {
    const consensus = new MemoryConsensus();
    const blob = new MemoryBlob();
    const make = (): PersistLocation => ({ consensus, blob, description: 'memory', close: async () => undefined });
    return {
      location: make(),
      reopen: async () => make(),
      corruptBlob: (key) => {
        void blob.get(key).then((bytes) => bytes && (bytes[bytes.length - 1]! ^= 0xff));
      },
    };
  },
  cleanup: async () => undefined,
};

const dirs: string[] = [];
const local: Backend = {
  name: 'local',
  async fresh() {
    const dir = mkdtempSync(join(tmpdir(), 'freshet-persist-'));
    dirs.push(dir);
    return {
      location: await localLocation(dir),
      reopen: () => localLocation(dir),
      corruptBlob: (key) => {
        const path = join(dir, 'blob', encodeURIComponent(key));
        const bytes = readFileSync(path);
        bytes[bytes.length - 1]! ^= 0xff;
        writeFileSync(path, bytes);
      },
    };
  },
  cleanup: async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  },
};

let pg: TestPostgres | undefined;
let databases = 0;
const postgres: Backend = {
  name: 'postgres',
  async fresh() {
    pg ??= await startPostgres();
    const url = await pg.createDatabase(`contract${++databases}`);
    return { location: await postgresLocation(url), reopen: () => postgresLocation(url) };
  },
  cleanup: async () => {
    await pg?.stop();
  },
};

const rows = (...values: number[]): Update[] => values.map((v) => ({ row: [v, `r${v}`], diff: 1 }));
const sorted = (updates: Update[]): string[] => updates.map((u) => `${String(u.row[0])}:${String(u.row[1])}x${u.diff}`).sort();

for (const backend of [memory, local, postgres]) {
  describe(`persist contract: ${backend.name}`, () => {
    const opened: PersistLocation[] = [];
    const fresh = async (): Promise<Awaited<ReturnType<Backend['fresh']>>> => {
      const f = await backend.fresh();
      opened.push(f.location);
      return f;
    };
    before(async () => {
      if (backend === postgres) pg ??= await startPostgres();
    });
    after(async () => {
      for (const l of opened) await l.close().catch(() => undefined);
      await backend.cleanup();
    });

    test('consensus: compare-and-set, head, scan, truncate', async () => {
      const { location } = await fresh();
      const c = location.consensus;
      assert.equal(await c.head('k'), undefined);
      assert.deepEqual(await c.compareAndSet('k', undefined, { seqNo: 0, data: Buffer.from('a') }), { ok: true });
      const lost = await c.compareAndSet('k', undefined, { seqNo: 0, data: Buffer.from('x') });
      assert.equal(lost.ok, false);
      assert.equal(!lost.ok && lost.current?.seqNo, 0);
      assert.equal((await c.compareAndSet('k', 0, { seqNo: 1, data: Buffer.from('b') })).ok, true);
      assert.equal((await c.compareAndSet('k', 0, { seqNo: 1, data: Buffer.from('c') })).ok, false);
      assert.equal((await c.compareAndSet('k', 1, { seqNo: 2, data: Buffer.from('c') })).ok, true);
      await assert.rejects(c.compareAndSet('k', 2, { seqNo: 5, data: Buffer.from('d') }), /seqNo must be 3/);
      const head = await c.head('k');
      assert.equal(head?.seqNo, 2);
      assert.equal(Buffer.from(head!.data).toString(), 'c');
      assert.deepEqual((await c.scan('k', 1)).map((e) => [e.seqNo, Buffer.from(e.data).toString()]), [[1, 'b'], [2, 'c']]);
      assert.deepEqual((await c.scan('k', 0, 1)).map((e) => e.seqNo), [0]);
      assert.equal(await c.truncate('k', 2), 2);
      assert.deepEqual((await c.scan('k', 0)).map((e) => e.seqNo), [2]);
      // Truncation never removes the newest entry.
      await c.truncate('k', 100);
      assert.equal((await c.head('k'))?.seqNo, 2);
      assert.equal(await c.head('other'), undefined);
    });

    test('consensus: of concurrent compare-and-sets expecting the same entry exactly one wins', async () => {
      const { location } = await fresh();
      const c = location.consensus;
      await c.compareAndSet('race', undefined, { seqNo: 0, data: Buffer.from('0') });
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => c.compareAndSet('race', 0, { seqNo: 1, data: Buffer.from(String(i)) })));
      assert.equal(results.filter((r) => r.ok).length, 1);
      // And concurrent writes to different keys all succeed (group commit).
      const many = await Promise.all(Array.from({ length: 50 }, (_, i) => c.compareAndSet(`key${i}`, undefined, { seqNo: 0, data: Buffer.from('v') })));
      assert.ok(many.every((r) => r.ok));
    });

    test('blob: set, get, list, delete', async () => {
      const { location } = await fresh();
      const b = location.blob;
      assert.equal(await b.get('a/1'), undefined);
      await b.set('a/1', Buffer.from('one'));
      await b.set('a/2', Buffer.from('two'));
      await b.set('b/1', new Uint8Array(3 * 1024 * 1024).fill(7));
      assert.equal(Buffer.from((await b.get('a/1'))!).toString(), 'one');
      assert.equal((await b.get('b/1'))!.length, 3 * 1024 * 1024);
      assert.deepEqual(await b.list('a/'), ['a/1', 'a/2']);
      await b.delete('a/1');
      await b.delete('missing');
      assert.deepEqual(await b.list('a/'), ['a/2']);
      assert.deepEqual(await b.list('a_'), []);
    });

    test('shard: compare-and-append moves the upper; a wrong expected upper is a typed mismatch', async () => {
      const { location } = await fresh();
      const shard = await PersistShard.open(location, 's1', { epoch: 1 });
      assert.equal(shard.upper, 0);
      await shard.compareAndAppend([{ time: 0, updates: rows(1, 2) }], 0, 5);
      assert.equal(shard.upper, 5);
      await assert.rejects(shard.compareAndAppend([{ time: 9, updates: rows(9) }], 5, 6), RangeError);
      const err = await shard.compareAndAppend([{ time: 1, updates: rows(9) }], 0, 6).catch((e: unknown) => e);
      assert.ok(err instanceof UpperMismatchError, String(err));
      assert.equal(err.actual, 5);
      // A second handle with a stale view: its append fails, it never interleaves.
      const other = await PersistShard.open(location, 's1', { epoch: 1 });
      await shard.compareAndAppend([{ time: 5, updates: rows(3) }], 5, 7);
      const stale = await other.compareAndAppend([{ time: 5, updates: rows(4) }], 5, 6).catch((e: unknown) => e);
      assert.ok(stale instanceof UpperMismatchError);
      assert.equal(other.upper, 7);
      assert.deepEqual(sorted((await other.snapshot()).updates), sorted(rows(1, 2, 3)));
    });

    test('shard: snapshots as of a time in [since, upper); data, errors and metadata in one append', async () => {
      const { location, reopen } = await fresh();
      let shard = await PersistShard.open(location, 's2', { epoch: 1 });
      await shard.append({ time: 10, updates: rows(1, 2), meta: { offsets: new Map([[0, 5n]]) } });
      await shard.append({ time: 11, updates: [{ row: [1, 'r1'], diff: -1 }], errors: [{ row: ['p0o5', 'bad'], diff: 1 }], meta: { offsets: new Map([[0, 7n]]) } });
      await shard.append({ time: 12, updates: rows(3), errors: [{ row: ['p0o5', 'bad'], diff: -1 }] });
      assert.equal(shard.upper, 13);
      assert.deepEqual(sorted((await shard.snapshot(10)).updates), sorted(rows(1, 2)));
      const at11 = await shard.snapshot(11);
      assert.deepEqual(sorted(at11.updates), sorted(rows(2)));
      assert.deepEqual(at11.errors, [{ row: ['p0o5', 'bad'], diff: 1 }]);
      assert.deepEqual((await shard.snapshot(12)).errors, []);
      await assert.rejects(shard.snapshot(13), /outside/);
      assert.deepEqual(shard.meta, { offsets: new Map([[0, 7n]]) });
      // Durable: another handle on the same storage sees exactly this.
      await shard.close();
      await location.close();
      const again = await reopen();
      opened.push(again);
      shard = await PersistShard.open(again, 's2', { epoch: 1 });
      assert.equal(shard.upper, 13);
      assert.deepEqual(shard.meta, { offsets: new Map([[0, 7n]]) });
      assert.deepEqual(sorted((await shard.snapshot()).updates), sorted(rows(2, 3)));
    });

    test('shard: concurrent appends are group-committed and all durable', async () => {
      const { location } = await fresh();
      const shard = await PersistShard.open(location, 's3', { epoch: 1 });
      await Promise.all(Array.from({ length: 200 }, (_, i) => shard.append({ time: 100 + i, updates: rows(i) })));
      assert.equal(shard.upper, 300);
      assert.ok(shard.partCount === 200);
      assert.equal((await shard.snapshot()).updates.length, 200);
    });

    test('shard: compaction merges parts into blobs, advances the since, keeps contents and errors', async () => {
      const { location, reopen } = await fresh();
      let shard = await PersistShard.open(location, 's4', { epoch: 1, inlineThreshold: 200 });
      for (let i = 0; i < 30; i++) {
        await shard.append({ time: i, updates: [...rows(i), ...(i > 0 ? [{ row: [i - 1, `r${i - 1}`], diff: -1 }] : [])], errors: i === 3 ? [{ row: ['e3'], diff: 1 }] : [] });
      }
      // A large batch goes to a blob.
      await shard.append({ time: 30, updates: Array.from({ length: 500 }, (_, i) => ({ row: [1000 + i, 'big'], diff: 1 })), meta: 'm30' });
      assert.ok((await location.blob.list('shard/s4/')).length >= 1);
      await shard.compact(20);
      assert.equal(shard.since, 20);
      await assert.rejects(shard.snapshot(19), /outside/);
      assert.deepEqual(sorted((await shard.snapshot(20)).updates), sorted(rows(20)));
      await shard.compact();
      assert.equal(shard.since, 30);
      assert.equal(shard.partCount, 1);
      const snap = await shard.snapshot();
      assert.equal(snap.updates.length, 501);
      assert.deepEqual(snap.errors, [{ row: ['e3'], diff: 1 }]);
      assert.equal((await location.blob.list('shard/s4/')).length, 1);
      // Old consensus entries are gone.
      assert.equal((await location.consensus.scan('shard/s4', 0)).length, 1);
      await shard.close();
      await location.close();
      const again = await reopen();
      opened.push(again);
      shard = await PersistShard.open(again, 's4', { epoch: 1 });
      assert.equal((await shard.snapshot()).updates.length, 501);
      assert.equal(shard.meta, 'm30');
      await shard.destroy();
      assert.deepEqual(await again.blob.list('shard/s4/'), []);
    });

    test('shard: a newer epoch fences the older writer out; the older cannot open again', async () => {
      const { location } = await fresh();
      const fencedCalls: FencedError[] = [];
      const first = await PersistShard.open(location, 's5', { epoch: 1, onFenced: (e) => fencedCalls.push(e) });
      await first.append({ time: 1, updates: rows(1) });
      const second = await PersistShard.open(location, 's5', { epoch: 2 });
      assert.equal(second.upper, 2);
      const err = await first.append({ time: 2, updates: rows(2) }).catch((e: unknown) => e);
      assert.ok(err instanceof FencedError, String(err));
      assert.equal(fencedCalls.length, 1);
      await assert.rejects(first.append({ time: 3, updates: rows(3) }), FencedError);
      await assert.rejects(PersistShard.open(location, 's5', { epoch: 1 }), FencedError);
      await second.append({ time: 2, updates: rows(4) });
      assert.deepEqual(sorted((await second.snapshot()).updates), sorted(rows(1, 4)));
    });

    test('cells: a takeover registers the next epoch and fences the previous writer', async () => {
      const { location } = await fresh();
      const fenced: FencedError[] = [];
      const a = await PersistCell.open(location.consensus, 'catalog', undefined, (e) => fenced.push(e));
      assert.equal(a.epoch, 1);
      assert.equal(a.read(), undefined);
      a.write({ items: [1] });
      a.write({ items: [1, 2] });
      await a.flushed();
      const b = await PersistCell.open(location.consensus, 'catalog', undefined, () => undefined);
      assert.equal(b.epoch, 2);
      assert.deepEqual(b.read(), { items: [1, 2] });
      a.write({ items: ['lost'] });
      await assert.rejects(a.flushed(), FencedError);
      assert.equal(fenced.length, 1);
      assert.equal(await a.storedEpoch(), 2);
      for (let i = 0; i < 40; i++) b.write({ n: i });
      await b.flushed();
      const c = await PersistCell.open(location.consensus, 'catalog', 2, () => undefined);
      assert.deepEqual(c.read(), { n: 39 });
    });

    if (backend !== postgres) {
      test('a damaged blob is reported naming it, never read as data', async () => {
        const f = await fresh();
        const shard = await PersistShard.open(f.location, 's6', { epoch: 1, inlineThreshold: 10 });
        await shard.append({ time: 1, updates: rows(1, 2, 3) });
        const [key] = await f.location.blob.list('shard/s6/');
        f.corruptBlob!(key!);
        await new Promise((r) => setTimeout(r, 10));
        const err = await shard.snapshot().catch((e: unknown) => e);
        assert.ok(err instanceof PersistCorruptionError, String(err));
        assert.match(err.message, /blob shard\/s6\/.* is corrupted: checksum mismatch/);
      });
    }
  });
}

test('local: a second process-level open of a live directory is refused; the consensus log stays one file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-persist-lock-'));
  try {
    const loc = await localLocation(dir);
    writeFileSync(join(dir, 'LOCK'), `${process.ppid}\n`);
    await assert.rejects(localLocation(dir), /in use by another Freshet server/);
    await loc.close();
    assert.ok(readdirSync(dir).includes('consensus.log'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
