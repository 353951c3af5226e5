// The durable catalog on its own: persistence, name resolution, dependencies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { Catalog } from '../../src/catalog/catalog.js';
import { PersistCell } from '../../src/persist/cell.js';
import { MemoryConsensus } from '../../src/persist/memory.js';
import { SecretStore } from '../../src/catalog/secrets.js';
import type { CatalogItem } from '../../src/catalog/objects.js';
import { SqlError } from '../../src/repr/errors.js';
import { makeTempDir } from '../helpers/coordinator.js';

function item(catalog: Catalog, name: string, kind: CatalogItem['kind'], dependsOn: string[] = []): CatalogItem {
  return { id: catalog.allocateId(), oid: catalog.allocateOid(), kind, schema: 'public', name, createSql: `CREATE ${kind} ${name}`, dependsOn };
}

/** The catalog's document: a persist cell (a server takes the storage over when it opens it). */
const cell = (consensus = new MemoryConsensus()): Promise<PersistCell> => PersistCell.open(consensus, 'catalog', undefined, () => undefined);

test('items persist and load back in id order', async () => {
  const consensus = new MemoryConsensus();
  const a = new Catalog(await cell(consensus));
  a.load();
  const t = item(a, 't', 'table');
  const v = item(a, 'v', 'view', [t.id]);
  a.insert(t);
  a.insert(v);
  a.createSchema('other');
  await a.commit();
  const b = new Catalog(await cell(consensus));
  const loaded = b.load();
  assert.deepEqual(loaded.map((r) => [r.id, r.name, r.dependsOn]), [[t.id, 't', []], [v.id, 'v', [t.id]]]);
  assert.ok(b.schema('other'));
  assert.notEqual(b.allocateId(), v.id, 'ids are never reused');
});

test('a stored document that is not a catalog is an error, not an empty catalog', async () => {
  const consensus = new MemoryConsensus();
  const a = await cell(consensus);
  a.write({ not: 'a catalog' });
  await a.flushed();
  const stored = await cell(consensus);
  assert.throws(() => new Catalog(stored).load(), /the stored catalog is damaged/);
});

test('resolution through the search path and name conflicts', async () => {
  const c = new Catalog(await cell());
  const t = item(c, 't', 'table');
  c.insert(t);
  assert.equal(c.resolve(['t'], ['public'])?.id, t.id);
  assert.equal(c.resolve(['public', 't'], [])?.id, t.id);
  assert.equal(c.resolve(['materialize', 'public', 't'], [])?.id, t.id);
  assert.equal(c.resolve(['t'], ['mz_catalog']), undefined);
  assert.throws(() => c.insert(item(c, 't', 'view')), (e: unknown) => e instanceof SqlError && e.code === '42P07');
  assert.throws(() => c.schemaForNewItem(['mz_catalog', 'x'], ['public']), /system schema/);
});

test('drop order: dependents first; RESTRICT refuses; indexes and progress subsources go along', async () => {
  const c = new Catalog(await cell());
  const t = item(c, 't', 'table');
  c.insert(t);
  const idx = item(c, 't_idx', 'index', [t.id]);
  c.insert(idx);
  assert.deepEqual(c.dropOrder(t.id, false).map((i) => i.name), ['t_idx', 't']);
  const v = item(c, 'v', 'view', [t.id]);
  c.insert(v);
  const w = item(c, 'w', 'materialized-view', [v.id]);
  c.insert(w);
  assert.throws(() => c.dropOrder(t.id, false), /cannot drop table "t": still depended upon by view "v"/);
  assert.deepEqual(c.dropOrder(t.id, true).map((i) => i.name), ['t_idx', 'w', 'v', 't']);
  const src = item(c, 's', 'source');
  c.insert(src);
  const progress: CatalogItem = { ...item(c, 's_progress', 'subsource'), ownerId: src.id };
  c.insert(progress);
  assert.deepEqual(c.dropOrder(src.id, false).map((i) => i.name), ['s_progress', 's']);
});

test('secret values are stored apart from the catalog and survive reopening', () => {
  const dir = makeTempDir();
  try {
    const a = new SecretStore(dir);
    a.set('u1', 'hunter2');
    assert.equal(new SecretStore(dir).get('u1'), 'hunter2');
    a.delete('u1');
    assert.equal(new SecretStore(dir).get('u1'), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
