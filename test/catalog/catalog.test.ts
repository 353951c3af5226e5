// The durable catalog on its own: persistence, name resolution, dependencies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog } from '../../src/catalog/catalog.js';
import { SecretStore } from '../../src/catalog/secrets.js';
import type { CatalogItem } from '../../src/catalog/objects.js';
import { SqlError } from '../../src/repr/errors.js';
import { makeTempDir } from '../helpers/coordinator.js';

function item(catalog: Catalog, name: string, kind: CatalogItem['kind'], dependsOn: string[] = []): CatalogItem {
  return { id: catalog.allocateId(), oid: catalog.allocateOid(), kind, schema: 'public', name, createSql: `CREATE ${kind} ${name}`, dependsOn };
}

test('items persist and load back in id order', () => {
  const dir = makeTempDir();
  try {
    const a = new Catalog(dir);
    a.load();
    const t = item(a, 't', 'table');
    const v = item(a, 'v', 'view', [t.id]);
    a.insert(t);
    a.insert(v);
    a.createSchema('other');
    a.save();
    const b = new Catalog(dir);
    const loaded = b.load();
    assert.deepEqual(loaded.map((r) => [r.id, r.name, r.dependsOn]), [[t.id, 't', []], [v.id, 'v', [t.id]]]);
    assert.ok(b.schema('other'));
    assert.notEqual(b.allocateId(), v.id, 'ids are never reused');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupted catalog file is detected, not half-read', () => {
  const dir = makeTempDir();
  try {
    const a = new Catalog(dir);
    a.insert(item(a, 't', 'table'));
    a.save();
    const path = join(dir, 'catalog', 'catalog.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace('CREATE table t', 'CREATE table u'));
    assert.throws(() => new Catalog(dir).load(), /checksum mismatch/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resolution through the search path and name conflicts', () => {
  const c = new Catalog(makeTempDir());
  const t = item(c, 't', 'table');
  c.insert(t);
  assert.equal(c.resolve(['t'], ['public'])?.id, t.id);
  assert.equal(c.resolve(['public', 't'], [])?.id, t.id);
  assert.equal(c.resolve(['materialize', 'public', 't'], [])?.id, t.id);
  assert.equal(c.resolve(['t'], ['mz_catalog']), undefined);
  assert.throws(() => c.insert(item(c, 't', 'view')), (e: unknown) => e instanceof SqlError && e.code === '42P07');
  assert.throws(() => c.schemaForNewItem(['mz_catalog', 'x'], ['public']), /system schema/);
});

test('drop order: dependents first; RESTRICT refuses; indexes and progress subsources go along', () => {
  const c = new Catalog(makeTempDir());
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
