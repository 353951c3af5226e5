// Writes a data directory in Freshet's earlier file layout (before the
// persist storage became the default), as that version left it: the catalog
// and secrets as checksummed JSON, one framed shard log (with its `.ack`
// sidecar) per table and source. For migration tests.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeChecksummedJson } from '../../src/catalog/durable-file.js';
import type { PersistedCatalog, PersistedItem } from '../../src/catalog/objects.js';
import type { ShardWriteBatch } from '../../src/storage/api.js';
import { FramedLog } from '../../src/storage/framed-log.js';
import { encodeBatch } from '../../src/storage/shard-record.js';

export interface OldLayout {
  items: PersistedItem[];
  /** Plaintext secrets by id (the earliest format). */
  secrets?: Record<string, string>;
  /** Appended batches per item id. */
  shards: Record<string, ShardWriteBatch[]>;
}

/** Writes `layout` under `dataDir`; returns the shard log paths by item id. */
export async function writeOldLayout(dataDir: string, layout: OldLayout): Promise<Record<string, string>> {
  const ids = layout.items.map((i) => Number(i.id.slice(1)));
  const catalog: PersistedCatalog = {
    version: 1,
    nextId: Math.max(0, ...ids) + 1,
    nextOid: Math.max(20000, ...layout.items.map((i) => i.oid)) + 1,
    schemas: [],
    items: layout.items,
  };
  writeChecksummedJson(join(dataDir, 'catalog', 'catalog.json'), catalog);
  if (layout.secrets) writeChecksummedJson(join(dataDir, 'catalog', 'secrets.json'), layout.secrets, 0o600);
  const paths: Record<string, string> = {};
  for (const [id, batches] of Object.entries(layout.shards)) {
    const dir = join(dataDir, 'shards', id);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'shard.log');
    const { log } = await FramedLog.open(path);
    for (const b of batches) await log.append([encodeBatch(b)]);
    await log.close();
    paths[id] = path;
  }
  return paths;
}

export const tableItem = (id: string, name: string, createSql: string): PersistedItem => ({
  id,
  oid: 20000 + Number(id.slice(1)),
  kind: 'table',
  schema: 'public',
  name,
  createSql,
  dependsOn: [],
  searchPath: ['public'],
});
