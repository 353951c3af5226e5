// Side effects of catalog items: compute inputs and dataflows, table shards,
// running sources, secret values. Installing at boot also restores data.
import type { CatalogItem } from '../catalog/objects.js';
import { defineUserType, dropUserType } from '../plan/types.js';
import { consolidateUpdates } from '../storage/consolidate.js';
import type { CoordinatorCore } from './core.js';

export async function installItem(core: CoordinatorCore, item: CatalogItem): Promise<void> {
  switch (item.kind) {
    case 'table':
      // A table fed by a source (CREATE TABLE ... FROM SOURCE) runs like a source without progress.
      if (item.source) await core.sources.install(item);
      else await installTable(core, item);
      return;
    case 'materialized-view':
      core.compute.createMaintained(item.id, item.plan!);
      return;
    case 'index':
      core.compute.createMaintained(item.id, item.plan!, { arrangeBy: item.index!.keys });
      return;
    case 'source':
      await core.sources.install(item);
      return;
    case 'type':
      defineUserType(item.schema, item.name, item.userType!);
      return;
    default:
      return;
  }
}

async function installTable(core: CoordinatorCore, item: CatalogItem): Promise<void> {
  core.compute.createInput(item.id, item.desc!);
  try {
    await loadTable(core, item);
  } catch (err) {
    core.compute.drop(item.id);
    await core.shards.get(item.id)?.close();
    core.shards.delete(item.id);
    throw err;
  }
}

async function loadTable(core: CoordinatorCore, item: CatalogItem): Promise<void> {
  const shard = await core.openShardFor(item.id);
  const batches = await shard.readAll();
  if (batches.length === 0) return;
  for (const b of batches) core.timeline.advancePast(b.time);
  const updates = consolidateUpdates(batches.flatMap((b) => b.updates));
  await core.timeline.exclusive(() => core.compute.applyUpdates([{ id: item.id, updates }], core.timeline.next()));
}

/** Undoes installItem and deletes the item's durable data. */
export async function uninstallItem(core: CoordinatorCore, item: CatalogItem): Promise<void> {
  switch (item.kind) {
    case 'table':
      if (item.source) {
        await core.sources.drop(item);
        return;
      }
      // Serialized with writes, so no append is in flight while the shard goes away.
      await core.timeline.exclusive(async () => {
        core.compute.drop(item.id);
        const shard = core.shards.get(item.id);
        core.shards.delete(item.id);
        await shard?.destroy();
      });
      return;
    case 'materialized-view':
    case 'index':
      core.compute.drop(item.id);
      return;
    case 'source':
      await core.sources.drop(item);
      return;
    case 'secret':
      core.secrets.delete(item.id);
      return;
    case 'type':
      dropUserType(item.schema, item.name);
      return;
    default:
      return;
  }
}
