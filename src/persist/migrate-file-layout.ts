// Migration of a data directory written by Freshet's earlier file layout,
// from before the persist storage became the default:
//   <data-dir>/catalog/catalog.json    the catalog (checksummed JSON)
//   <data-dir>/catalog/secrets.json    the secrets (checksummed JSON)
//   <data-dir>/shards/<id>/shard.log   one framed log per table and source (+ .ack)
// On the first start on such a directory everything is read (checksums
// verified), written through the persist storage, and only then are the old
// files removed. The catalog is written last: it is the commit point. A
// crash before it leaves the old files in place and the next start migrates
// again from scratch (shards a previous attempt wrote are emptied first); a
// crash after it leaves old files that the next start removes. Damage found
// in an old file stops the migration, changing nothing, with a message naming
// the file.
import { existsSync, readdirSync, rmSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { readChecksummedJson } from '../catalog/durable-file.js';
import type { PersistedCatalog } from '../catalog/objects.js';
import type { ShardWriteBatch } from '../storage/api.js';
import { consolidateUpdates } from '../storage/consolidate.js';
import { FramedLog } from '../storage/framed-log.js';
import { decodeBatch } from '../storage/shard-record.js';
import type { Update } from '../repr/update.js';
import type { ServerStorage } from './server-storage.js';

/** The files of the earlier layout under `dataDir`. */
export function fileLayoutPaths(dataDir: string): { catalog: string; secrets: string; shards: string; catalogDir: string } {
  const catalogDir = join(dataDir, 'catalog');
  return { catalog: join(catalogDir, 'catalog.json'), secrets: join(catalogDir, 'secrets.json'), shards: join(dataDir, 'shards'), catalogDir };
}

export function hasFileLayout(dataDir: string): boolean {
  const paths = fileLayoutPaths(dataDir);
  return existsSync(paths.catalog) || existsSync(paths.secrets) || existsSync(paths.shards);
}

export interface MigrationReport {
  /** Catalog items migrated. */
  items: number;
  /** Shards migrated (tables and sources with stored data). */
  shards: number;
  /** Updates (rows and decode errors, consolidated) written. */
  updates: number;
  /** Items of kinds that keep data whose shard directory was absent (they will fail to load, as before). */
  missingShards: string[];
  /** True when the catalog was already in the storage: only the old files were left to remove. */
  onlyCleanedUp: boolean;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** The contents of an old shard log, consolidated into one batch (data, decode errors, latest metadata). */
async function readOldShard(path: string): Promise<ShardWriteBatch | undefined> {
  const { log, records } = await FramedLog.open(path, { mustExist: true });
  await log.close();
  if (records.length === 0) return undefined;
  const updates: Update[] = [];
  const errors: Update[] = [];
  let time = 0;
  let meta: unknown = undefined;
  for (const record of records) {
    const batch = decodeBatch(record);
    time = Math.max(time, batch.time);
    for (const u of batch.updates) updates.push(u);
    for (const e of batch.errors ?? []) errors.push(e);
    if (batch.meta !== undefined) meta = batch.meta;
  }
  const out: ShardWriteBatch = { time, updates: consolidateUpdates(updates) };
  const liveErrors = consolidateUpdates(errors);
  if (liveErrors.length > 0) out.errors = liveErrors;
  if (meta !== undefined) out.meta = meta;
  return out;
}

function removeOldFiles(dataDir: string): void {
  const paths = fileLayoutPaths(dataDir);
  rmSync(paths.shards, { recursive: true, force: true });
  for (const file of [paths.catalog, paths.secrets]) {
    try {
      unlinkSync(file);
    } catch {
      // Not there.
    }
  }
  try {
    // Only if nothing else lives there.
    if (readdirSync(paths.catalogDir).length === 0) rmdirSync(paths.catalogDir);
  } catch {
    // Not there.
  }
}

/**
 * Moves a data directory of the earlier file layout into `storage` (see the
 * top of this file); undefined when `dataDir` has no such files. Throws a
 * MigrationError naming the damaged file when an old file cannot be read.
 */
export async function migrateFileLayout(dataDir: string, storage: ServerStorage): Promise<MigrationReport | undefined> {
  if (!hasFileLayout(dataDir)) return undefined;
  const paths = fileLayoutPaths(dataDir);
  if (storage.catalog.read() !== undefined) {
    // A migration committed (the catalog is in the storage) and stopped before removing the old files.
    removeOldFiles(dataDir);
    return { items: 0, shards: 0, updates: 0, missingShards: [], onlyCleanedUp: true };
  }
  const refuse = (err: unknown): MigrationError =>
    new MigrationError(
      `cannot move the data directory ${dataDir} from the earlier file layout to the persist storage (${storage.description}): ${err instanceof Error ? err.message : String(err)}. ` +
        `Nothing was removed; the old files are kept. Restore the damaged file from a backup and start again (to give up the data of one table or source instead, delete its directory ${join(paths.shards, '<id>')}: the object is then kept in the catalog but not loaded).`,
    );
  let catalog: PersistedCatalog | undefined;
  let secrets: unknown;
  try {
    catalog = readChecksummedJson(paths.catalog, 'catalog') as PersistedCatalog | undefined;
    secrets = readChecksummedJson(paths.secrets, 'secrets');
  } catch (err) {
    throw refuse(err);
  }
  if (catalog !== undefined && (!Array.isArray(catalog.items) || !Array.isArray(catalog.schemas))) {
    throw refuse(new Error(`the catalog file ${paths.catalog} is damaged: its checksum matches but its contents are not a Freshet catalog`));
  }
  const report: MigrationReport = { items: catalog?.items.length ?? 0, shards: 0, updates: 0, missingShards: [], onlyCleanedUp: false };
  for (const item of catalog?.items ?? []) {
    const log = join(paths.shards, item.id, 'shard.log');
    if (!existsSync(join(paths.shards, item.id))) {
      if (item.kind === 'table' || item.kind === 'source') report.missingShards.push(`${item.kind} "${item.name}" (${item.id})`);
      continue;
    }
    let batch: ShardWriteBatch | undefined;
    try {
      batch = await readOldShard(log);
    } catch (err) {
      throw refuse(err);
    }
    // A shard an interrupted attempt wrote starts over empty.
    let shard = await storage.openShard(item.id, { what: `${item.kind} "${item.name}"` });
    if (shard.lastMeta() !== undefined || (await shard.readAll()).length > 0) {
      await shard.destroy();
      shard = await storage.openShard(item.id, { what: `${item.kind} "${item.name}"` });
    }
    try {
      if (batch) await shard.append(batch);
    } finally {
      await shard.close();
    }
    report.shards++;
    report.updates += (batch?.updates.length ?? 0) + (batch?.errors?.length ?? 0);
  }
  if (secrets !== undefined) storage.secrets.write(secrets);
  await storage.secrets.flushed();
  // The commit point.
  if (catalog !== undefined) storage.catalog.write(catalog);
  await storage.catalog.flushed();
  removeOldFiles(dataDir);
  return report;
}
