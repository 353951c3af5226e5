// The catalog: named objects of the one database `materialize`, their ids,
// OIDs and dependencies, persisted as one document (a persist cell: one
// compare-and-set per DDL; catalogs are small, DDL is rare).
import type { GlobalId } from '../plan/mir.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { ExtraSqlState } from './extra-sqlstates.js';
import { storageSqlError } from '../storage/storage-error.js';
import type { DurableDocument } from '../persist/cell.js';
import { AccessControl, schemaKey, type PersistedAccess } from './access.js';
import {
  DATABASE_NAME,
  DEFAULT_SCHEMA,
  SYSTEM_SCHEMAS,
  kindDisplayName,
  toPersisted,
  type CatalogItem,
  type PersistedCatalog,
  type PersistedItem,
  type PersistedSchema,
} from './objects.js';

/** User OIDs start here (as in Materialize, far above PostgreSQL's built-in OIDs). */
const FIRST_USER_OID = 20000;

const SYSTEM_SCHEMA_OIDS: Record<string, number> = {
  pg_catalog: 11,
  information_schema: 13000,
  mz_catalog: 16001,
  mz_internal: 16002,
};

export interface SchemaInfo {
  name: string;
  oid: number;
  id: string;
  system: boolean;
}

export class Catalog {
  private nextId = 1;
  private nextOid = FIRST_USER_OID;
  private readonly schemas = new Map<string, SchemaInfo>();
  private readonly items = new Map<GlobalId, CatalogItem>();
  private readonly byName = new Map<string, GlobalId>();
  /** Persisted items that failed to load at boot: kept on disk untouched rather than lost. */
  private readonly unloaded: PersistedItem[] = [];
  /** Items found in the persisted snapshot at load (their durable data must exist). */
  private readonly persisted = new Map<GlobalId, PersistedItem>();
  /** Roles, ownership and privileges (stored in the same document). */
  readonly access = new AccessControl();
  /**
   * The role running the current DDL (DDL runs one statement at a time): it
   * becomes the owner of what is created. Undefined while the catalog is
   * replayed at boot (owners then come from the stored document).
   */
  actingRole: string | undefined;

  /** A catalog stored in `document` (a persist cell); call load() to read what is persisted. */
  constructor(private readonly document: DurableDocument) {
    SYSTEM_SCHEMAS.forEach((name, i) => this.schemas.set(name, { name, oid: SYSTEM_SCHEMA_OIDS[name]!, id: `s${i + 1}`, system: true }));
    this.schemas.set(DEFAULT_SCHEMA, { name: DEFAULT_SCHEMA, oid: 2200, id: 'u1', system: false });
    this.access.initPublicSchema(schemaKey('u1'));
  }

  /** Loads the persisted snapshot: schemas are restored, items returned for re-planning (id order). */
  load(): PersistedItem[] {
    // Damaged storage stops the server before this (checksums), with a message naming the file.
    const stored = this.document.read() as PersistedCatalog | undefined;
    if (stored === undefined) return [];
    if (!Array.isArray(stored.items) || !Array.isArray(stored.schemas) || typeof stored.nextId !== 'number') {
      throw new Error('the stored catalog is damaged: its checksums match but its contents are not a Freshet catalog');
    }
    this.access.load((stored as PersistedCatalog & { access?: PersistedAccess }).access, schemaKey('u1'));
    for (const item of stored.items) this.persisted.set(item.id, item);
    this.nextId = stored.nextId;
    this.nextOid = stored.nextOid;
    for (const s of stored.schemas) this.schemas.set(s.name, { ...s, system: false });
    return [...stored.items].sort((a, b) => idNumber(a.id) - idNumber(b.id));
  }

  save(): void {
    const doc: PersistedCatalog & { access: PersistedAccess } = {
      access: this.access.toJSON(),
      version: 1,
      nextId: this.nextId,
      nextOid: this.nextOid,
      schemas: [...this.schemas.values()].filter((s) => !s.system).map((s): PersistedSchema => ({ name: s.name, oid: s.oid, id: s.id })),
      items: [...[...this.items.values()].map(toPersisted), ...this.unloaded],
    };
    // Durable once flushed() resolves (DDL waits for it before answering).
    this.document.write(doc);
  }

  /**
   * Resolves when every save() so far is durable; rejects with the first
   * failure since the last call (53100 when the disk is full).
   */
  async flushed(): Promise<void> {
    try {
      await this.document.flushed();
    } catch (err) {
      throw storageSqlError(err, 'the catalog');
    }
  }

  /** save(), then waits until it is durable (see flushed()). */
  async commit(): Promise<void> {
    this.save();
    await this.flushed();
  }

  /** The persisted record of `id` if it was loaded from the stored catalog (so its durable data must exist). */
  persistedItem(id: GlobalId): PersistedItem | undefined {
    return this.persisted.get(id);
  }

  keepUnloaded(item: PersistedItem): void {
    this.unloaded.push(item);
  }

  allocateId(): GlobalId {
    return `u${this.nextId++}`;
  }

  allocateOid(): number {
    return this.nextOid++;
  }

  // ------------------------------------------------------------- schemas

  schema(name: string): SchemaInfo | undefined {
    return this.schemas.get(name);
  }

  allSchemas(): SchemaInfo[] {
    return [...this.schemas.values()];
  }

  createSchema(name: string): SchemaInfo {
    if (this.schemas.has(name)) throw new SqlError(SqlState.duplicateSchema, `schema '${name}' already exists`);
    // Schema ids are their own sequence (as in Materialize), separate from item ids.
    const nextSchemaNumber = Math.max(0, ...[...this.schemas.values()].filter((s) => !s.system).map((s) => idNumber(s.id))) + 1;
    const info: SchemaInfo = { name, oid: this.allocateOid(), id: `u${nextSchemaNumber}`, system: false };
    this.schemas.set(name, info);
    if (this.actingRole !== undefined) this.access.setOwner(schemaKey(info.id), this.actingRole);
    return info;
  }

  dropSchema(name: string): void {
    const info = this.schemas.get(name);
    if (info) this.access.forget(schemaKey(info.id));
    this.schemas.delete(name);
  }

  itemsInSchema(schema: string): CatalogItem[] {
    return this.allItems().filter((i) => i.schema === schema);
  }

  // --------------------------------------------------------------- items

  get(id: GlobalId): CatalogItem | undefined {
    return this.items.get(id);
  }

  /** Items in id order (creation order). */
  allItems(): CatalogItem[] {
    return [...this.items.values()].sort((a, b) => idNumber(a.id) - idNumber(b.id));
  }

  /** The item with this OID (any kind); undefined if none. */
  byOid(oid: number): CatalogItem | undefined {
    for (const item of this.items.values()) if (item.oid === oid) return item;
    return undefined;
  }

  lookup(schema: string, name: string): CatalogItem | undefined {
    const id = this.byName.get(`${schema}.${name}`);
    return id === undefined ? undefined : this.items.get(id);
  }

  /** Resolves [item], [schema, item] or [database, schema, item] through `searchPath`. */
  resolve(parts: string[], searchPath: string[]): CatalogItem | undefined {
    const { schemas, item } = this.candidateSchemas(parts, searchPath);
    for (const schema of schemas) {
      const found = this.lookup(schema, item);
      if (found) return found;
    }
    return undefined;
  }

  /** The schema a new object named `parts` goes into; throws when the schema is unknown or system. */
  schemaForNewItem(parts: string[], searchPath: string[]): { schema: string; name: string } {
    const { schemas, item } = this.candidateSchemas(parts, searchPath);
    const schema = parts.length > 1 ? schemas[0]! : searchPath.find((s) => this.schemas.has(s) && !this.schemas.get(s)!.system);
    if (schema === undefined) throw new SqlError(ExtraSqlState.invalidSchemaName, 'no schema has been selected to create in');
    const info = this.schemas.get(schema);
    if (!info) throw new SqlError(ExtraSqlState.invalidSchemaName, `unknown schema '${schema}'`);
    if (info.system) throw new SqlError(SqlState.insufficientPrivilege, `system schema '${schema}' cannot be modified`);
    return { schema, name: item };
  }

  private candidateSchemas(parts: string[], searchPath: string[]): { schemas: string[]; item: string } {
    if (parts.length === 3) {
      if (parts[0] !== DATABASE_NAME) throw new SqlError(SqlState.undefinedObject, `unknown database '${parts[0]}'`);
      return { schemas: [parts[1]!], item: parts[2]! };
    }
    if (parts.length === 2) return { schemas: [parts[0]!], item: parts[1]! };
    if (parts.length === 1) return { schemas: searchPath, item: parts[0]! };
    throw new SqlError(SqlState.syntaxError, `improper qualified name (too many dotted names): ${parts.join('.')}`);
  }

  /** Adds an item (in memory; call save() to persist). Throws on a name conflict. */
  insert(item: CatalogItem): void {
    const key = `${item.schema}.${item.name}`;
    if (this.byName.has(key)) throw alreadyExists(item.name, item.kind);
    this.items.set(item.id, item);
    this.byName.set(key, item.id);
    if (this.actingRole !== undefined && !this.access.hasOwner(item.id)) this.access.setOwner(item.id, this.actingRole);
  }

  remove(id: GlobalId): void {
    const item = this.items.get(id);
    if (!item) return;
    this.items.delete(id);
    this.byName.delete(`${item.schema}.${item.name}`);
    this.access.forget(id);
  }

  rename(id: GlobalId, newName: string): void {
    const item = this.items.get(id);
    if (!item) return;
    if (this.byName.has(`${item.schema}.${newName}`)) throw alreadyExists(newName);
    this.byName.delete(`${item.schema}.${item.name}`);
    item.name = newName;
    this.byName.set(`${item.schema}.${newName}`, id);
  }

  /** Items that depend directly on `id`. */
  directDependents(id: GlobalId): CatalogItem[] {
    return this.allItems().filter((i) => i.dependsOn.includes(id) || i.ownerId === id);
  }

  /**
   * Everything that goes away with `id` (dependents first, transitively), with
   * `id` itself last. Owned progress subsources and indexes are included
   * without CASCADE; other dependents only when `cascade` is set, else 2BP01.
   */
  dropOrder(id: GlobalId, cascade: boolean): CatalogItem[] {
    const order: CatalogItem[] = [];
    const seen = new Set<GlobalId>();
    const visit = (itemId: GlobalId, root: CatalogItem): void => {
      if (seen.has(itemId)) return;
      seen.add(itemId);
      const item = this.items.get(itemId)!;
      for (const dep of this.directDependents(itemId)) {
        const implicit = dep.ownerId === itemId || dep.kind === 'index';
        if (!implicit && !cascade) {
          throw new SqlError(
            SqlState.dependentObjectsStillExist,
            `cannot drop ${kindDisplayName(root.kind)} "${root.name}": still depended upon by ${kindDisplayName(dep.kind)} "${dep.name}"`,
          );
        }
        visit(dep.id, root);
      }
      order.push(item);
    };
    const root = this.items.get(id);
    if (root) visit(id, root);
    return order;
  }
}

/** PostgreSQL's wording: `relation "t" already exists` (secrets and connections name their own kind). */
export function alreadyExists(name: string, kind?: CatalogItem['kind']): SqlError {
  const what = kind === 'secret' || kind === 'connection' ? kind : 'relation';
  return new SqlError(SqlState.duplicateTable, `${what} "${name}" already exists`);
}

function idNumber(id: GlobalId): number {
  return Number(id.slice(1));
}
