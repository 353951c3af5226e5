// Migration of a data directory of the earlier file layout into the persist
// storage: contents (rows, decode errors, Kafka offsets), catalog and secrets
// arrive exactly once; an interrupted migration starts over without
// duplicating; damage in an old file refuses, naming it, and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateFileLayout, MigrationError } from '../../src/persist/migrate-file-layout.js';
import { ServerStorage, defaultStorage } from '../../src/persist/server-storage.js';
import type { Update } from '../../src/repr/update.js';
import { consolidateUpdates } from '../../src/storage/consolidate.js';
import { tableItem, writeOldLayout, type OldLayout } from '../helpers/file-layout.js';

const rows = (...ids: number[]): Update[] => ids.map((i) => ({ row: [i, `r${i}`], diff: 1 }));

const layout: OldLayout = {
  items: [tableItem('u1', 't', 'CREATE TABLE t (id int, note text)'), { ...tableItem('u2', 's', 'CREATE SOURCE s ...'), kind: 'source' }, tableItem('u3', 'gone', 'CREATE TABLE gone (a int)')],
  secrets: { u4: 'hunter2' },
  shards: {
    u1: [
      { time: 10, updates: rows(1, 2, 3) },
      { time: 11, updates: [{ row: [2, 'r2'], diff: -1 }] },
    ],
    u2: [
      { time: 10, updates: rows(7), errors: [{ row: ['p0o1', 'bad'], diff: 1 }], meta: { offsets: new Map([[0, 2n]]) } },
      { time: 12, updates: rows(8), errors: [{ row: ['p0o1', 'bad'], diff: -1 }, { row: ['p0o3', 'worse'], diff: 1 }], meta: { offsets: new Map([[0, 4n]]) } },
    ],
  },
};

async function withDataDir(fn: (dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-migrate-'));
  try {
    await fn(dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const open = (dataDir: string): Promise<ServerStorage> => ServerStorage.open(defaultStorage(dataDir), { onFenced: () => undefined, watchIntervalMs: 0 });

async function contents(storage: ServerStorage, id: string): Promise<{ updates: Update[]; errors: Update[]; meta: unknown }> {
  const shard = await storage.openShard(id, { mustExist: true });
  const batches = await shard.readAll();
  const meta = shard.lastMeta();
  await shard.close();
  const sort = (u: Update[]): Update[] => consolidateUpdates(u).sort((a, b) => String(a.row[0]).localeCompare(String(b.row[0])));
  return { updates: sort(batches.flatMap((b) => b.updates)), errors: sort(batches.flatMap((b) => b.errors ?? [])), meta };
}

async function checkMigrated(storage: ServerStorage): Promise<void> {
  assert.deepEqual((storage.catalog.read() as { items: { id: string }[] }).items.map((i) => i.id), ['u1', 'u2', 'u3']);
  assert.deepEqual(storage.secrets.read(), { u4: 'hunter2' });
  assert.deepEqual(await contents(storage, 'u1'), { updates: rows(1, 3), errors: [], meta: undefined });
  assert.deepEqual(await contents(storage, 'u2'), { updates: rows(7, 8), errors: [{ row: ['p0o3', 'worse'], diff: 1 }], meta: { offsets: new Map([[0, 4n]]) } });
}

test('an earlier data directory is moved into the persist storage exactly, and its files are removed', async () => {
  await withDataDir(async (dataDir) => {
    await writeOldLayout(dataDir, layout);
    let storage = await open(dataDir);
    const report = await migrateFileLayout(dataDir, storage);
    assert.deepEqual(report, { items: 3, shards: 2, updates: 5, missingShards: ['table "gone" (u3)'], onlyCleanedUp: false });
    for (const old of ['catalog', 'shards']) assert.equal(existsSync(join(dataDir, old)), false, `${old} removed`);
    await storage.close();
    storage = await open(dataDir);
    await checkMigrated(storage);
    assert.equal(await migrateFileLayout(dataDir, storage), undefined, 'nothing left to migrate');
    await storage.close();
  });
});

test('a migration interrupted before its commit starts over without duplicating; one interrupted after it only cleans up', async () => {
  await withDataDir(async (dataDir) => {
    await writeOldLayout(dataDir, layout);
    // A first attempt wrote the shards and died before the catalog (the commit point).
    let storage = await open(dataDir);
    for (const [id, batches] of Object.entries(layout.shards)) {
      const shard = await storage.openShard(id);
      for (const b of batches) await shard.append(b);
      await shard.close();
    }
    await storage.close();
    storage = await open(dataDir);
    await migrateFileLayout(dataDir, storage);
    await checkMigrated(storage);
    await storage.close();
    // The old files come back as if the removal had not happened: the storage's catalog wins, they are removed.
    await writeOldLayout(dataDir, { ...layout, shards: { u1: [{ time: 99, updates: rows(42) }] } });
    storage = await open(dataDir);
    assert.equal((await migrateFileLayout(dataDir, storage))?.onlyCleanedUp, true);
    assert.equal(existsSync(join(dataDir, 'shards')), false);
    await checkMigrated(storage);
    await storage.close();
  });
});

test('damage in an old file refuses the migration, naming the file, and changes nothing', async () => {
  await withDataDir(async (dataDir) => {
    const paths = await writeOldLayout(dataDir, layout);
    const log = paths['u1']!;
    const data = readFileSync(log);
    data[Math.floor(data.length / 2)]! ^= 0x01;
    writeFileSync(log, data);
    const storage = await open(dataDir);
    const err = await migrateFileLayout(dataDir, storage).catch((e: unknown) => e);
    assert.ok(err instanceof MigrationError, String(err));
    assert.match(err.message, new RegExp(`${log.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged: the record at byte \\d+ fails its checksum`));
    assert.match(err.message, /Nothing was removed; the old files are kept/);
    assert.equal(storage.catalog.read(), undefined, 'no catalog was committed');
    assert.ok(existsSync(join(dataDir, 'catalog', 'catalog.json')) && existsSync(log));
    await storage.close();
  });
  await withDataDir(async (dataDir) => {
    await writeOldLayout(dataDir, layout);
    const catalog = join(dataDir, 'catalog', 'catalog.json');
    writeFileSync(catalog, readFileSync(catalog, 'utf8').replace('CREATE TABLE t', 'CREATE TABLE u'));
    const storage = await open(dataDir);
    await assert.rejects(migrateFileLayout(dataDir, storage), /the catalog file .*catalog\.json is damaged: checksum mismatch/);
    assert.ok(existsSync(catalog));
    await storage.close();
  });
});
