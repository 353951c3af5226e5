// The coordinator's shared state: catalog, secrets, compute, durable shards,
// running sources and the clock. Sessions execute statements against it.
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import type { SecretStore } from '../catalog/secrets.js';
import { DATABASE_NAME, type CatalogItem } from '../catalog/objects.js';
import type { ComputeController, Timestamp, Update } from '../compute/api.js';
import type { CatalogItemRef, PlanContext } from '../plan/context.js';
import type { GlobalId } from '../plan/mir.js';
import type { SqlType } from '../repr/types.js';
import type { Shard } from '../storage/api.js';
import { damagedDataError, type ServerStorage } from '../persist/server-storage.js';
import { storageSqlError } from '../storage/storage-error.js';
import { SqlError, SqlState } from '../repr/errors.js';
import type { Timeline } from './timeline.js';
import { SerialQueue } from './serial-queue.js';
import type { SessionVars } from './vars.js';
import { systemRelationByOid, systemRelationRef } from './system/registry.js';
import { definitionOf } from './system/mz-catalog.js';
import { quoteIdent } from '../repr/strings.js';
import type { SystemState } from './system/relation.js';
import type { SourceManager } from './sources.js';
import { SchemaRegistryClients } from '../storage/schema-registry/client.js';

/** Schemas searched after the session's search_path for unqualified names. */
const IMPLICIT_SCHEMAS = ['mz_catalog', 'pg_catalog', 'mz_internal'];

/** How far compute's time may lag the wall clock before a read advances it. */
const READ_FRESHNESS_MS = 50;

export interface PlanContextOptions {
  vars: SessionVars;
  paramTypes: (SqlType | null)[];
  currentUser: string;
  /** Called with every user object the plan reads (dependency tracking). */
  onResolve?: (item: CatalogItem) => void;
  /**
   * Read indexed views from their index instead of inlining their query
   * (one-shot reads only: a maintained dataflow must not depend on an index
   * that can be dropped independently).
   */
  useIndexes?: boolean;
}

export class CoordinatorCore {
  readonly shards = new Map<GlobalId, Shard>();
  /** DDL statements run one at a time. */
  readonly ddlQueue = new SerialQueue();
  sources!: SourceManager;
  /** Where everything durable lives (--storage; by default persist files under dataDir). */
  persist!: ServerStorage;
  /** One schema registry client per CONFLUENT SCHEMA REGISTRY connection spec, shared by the process (schemas by id cached). */
  readonly schemaRegistries = new SchemaRegistryClients((id) => {
    // Read when a request is made, so ALTER SECRET applies.
    const value = this.secrets.get(id);
    if (value === undefined) throw new SqlError(SqlState.undefinedObject, `secret ${id} does not exist`);
    return value;
  });

  constructor(
    readonly dataDir: string,
    readonly catalog: Catalog,
    readonly secrets: SecretStore,
    readonly compute: ComputeController,
    readonly timeline: Timeline,
    readonly logger: Logger,
  ) {}

  planContext(options: PlanContextOptions): PlanContext {
    const { vars } = options;
    const state = this.systemState(vars, options.currentUser);
    return {
      resolveRelation: (parts) => this.resolveRelation(parts, vars.searchPath(), state, options.onResolve, options.useIndexes ?? false),
      relationVisible: (oid) => {
        const item = this.catalog.byOid(oid);
        // System relations live in schemas every search path ends with.
        return item === undefined || this.reachedByBareName(oid, item, vars, state);
      },
      indexDefinition: (oid, column) => {
        const item = this.catalog.byOid(oid);
        const on = item?.index ? this.catalog.get(item.index.on) : undefined;
        if (item?.index === undefined || on === undefined) return undefined;
        if (column > 0) return item.index.keyNames[column - 1];
        // PostgreSQL's form, with Freshet's one index method.
        return `CREATE INDEX ${quoteIdent(item.name)} ON ${quoteIdent(on.schema)}.${quoteIdent(on.name)} USING arrangement (${item.index.keyNames.join(', ')})`;
      },
      relationName: (oid) => this.relationName(oid, vars, options.currentUser),
      indexOid: (parts) => {
        const found = this.catalog.resolve(parts, vars.searchPath());
        return found?.kind === 'index' ? found.oid : undefined;
      },
      viewDefinition: (oid) => {
        const item = this.catalog.byOid(oid);
        return item?.kind === 'view' || item?.kind === 'materialized-view' ? definitionOf(item.createSql) : undefined;
      },
      paramTypes: options.paramTypes,
      timeZone: vars.get('TimeZone'),
      settings: vars.settings(),
      currentUser: options.currentUser,
      currentDatabase: DATABASE_NAME,
    };
  }

  /**
   * regclass output (PostgreSQL's regclassout): the relation's name, qualified
   * by its schema unless the bare name reaches it on the search path;
   * undefined for an OID that names no relation (printed as the number).
   */
  relationName(oid: number, vars: SessionVars, currentUser: string): string | undefined {
    const found = this.catalog.byOid(oid);
    const item = found?.kind === 'secret' || found?.kind === 'connection' ? undefined : found;
    const named = item ?? systemRelationByOid(oid);
    if (named === undefined) return undefined;
    const visible = this.reachedByBareName(oid, { ...named, kind: item?.kind }, vars, this.systemState(vars, currentUser));
    return visible ? quoteIdent(named.name) : `${quoteIdent(named.schema)}.${quoteIdent(named.name)}`;
  }

  /**
   * Whether the relation's bare name reaches it on the search path
   * (pg_table_is_visible). An index is not a relation a query names: it is
   * visible when its schema is on the path.
   */
  private reachedByBareName(oid: number, named: { schema: string; name: string; kind?: string | undefined }, vars: SessionVars, state: SystemState): boolean {
    if (named.kind === 'index') return vars.searchPath().includes(named.schema);
    return this.resolveRelation([named.name], vars.searchPath(), state, undefined)?.oid === oid;
  }

  systemState(vars: SessionVars, currentUser: string): SystemState {
    return {
      catalog: this.catalog,
      sourceStatus: (id) => this.sources.status(id),
      sourceStatistics: (id) => this.sources.statistics(id),
      settings: vars.all(),
      currentUser,
    };
  }

  /** The fully qualified name a relation name resolves to (for storing view definitions). */
  qualifyRelation(parts: string[], vars: SessionVars, currentUser: string): string[] | undefined {
    const ref = this.resolveRelation(parts, vars.searchPath(), this.systemState(vars, currentUser), undefined);
    if (!ref) return undefined;
    return ref.kind === 'system-table' ? [ref.name.schema, ref.name.item] : [ref.name.database, ref.name.schema, ref.name.item];
  }

  private resolveRelation(
    parts: string[],
    searchPath: string[],
    state: SystemState,
    onResolve: ((item: CatalogItem) => void) | undefined,
    useIndexes = false,
  ): CatalogItemRef | undefined {
    const item = parts.length === 1 ? parts[0]! : parts[parts.length - 1]!;
    let schemas: string[];
    if (parts.length === 1) schemas = [...new Set([...searchPath, ...IMPLICIT_SCHEMAS])];
    else if (parts.length === 2) schemas = [parts[0]!];
    else if (parts.length === 3 && parts[0] === DATABASE_NAME) schemas = [parts[1]!];
    else return undefined;
    for (const schema of schemas) {
      const info = this.catalog.schema(schema);
      if (!info) continue;
      if (info.system) {
        const ref = systemRelationRef(schema, item, state);
        if (ref) return ref;
        continue;
      }
      const found = this.catalog.lookup(schema, item);
      if (found) {
        const ref = useIndexes && found.kind === 'view' ? this.indexedViewRef(found) : itemRef(found);
        if (ref) {
          onResolve?.(found);
          return ref;
        }
      }
    }
    return undefined;
  }

  /** An indexed view read as the index's maintained collection (a lookup); its plain ref when it has no index. */
  private indexedViewRef(view: CatalogItem): CatalogItemRef | undefined {
    const index = this.catalog.allItems().find((i) => i.kind === 'index' && i.index?.on === view.id);
    if (!index) return itemRef(view);
    return { id: index.id, kind: 'materialized-view', name: { database: DATABASE_NAME, schema: view.schema, item: view.name }, desc: view.desc, oid: view.oid };
  }

  /**
   * Opens the shard of `id` (`what` names it in errors, e.g. `table "t"`).
   * The shard of an item loaded from the catalog must exist: a missing or
   * damaged one is an error naming the item, never an empty collection.
   */
  async openShardFor(id: GlobalId, what?: string): Promise<Shard> {
    const persisted = this.catalog.persistedItem(id);
    const name = what ?? (persisted ? `${persisted.kind === 'table' ? 'table' : persisted.kind} "${persisted.name}"` : `object ${id}`);
    let shard: Shard;
    try {
      shard = await this.persist.openShard(id, { mustExist: persisted !== undefined, what: name });
    } catch (err) {
      throw damagedDataError(err, name) ?? storageSqlError(err, `the storage of ${name}`);
    }
    this.shards.set(id, shard);
    return shard;
  }

  /**
   * Applies table writes at one new timestamp: durable in each table's shard,
   * then visible in compute. Serialized with every other timestamped write.
   */
  writeTables(writes: Map<GlobalId, Update[]>): Promise<Timestamp> {
    let live: [GlobalId, Update[]][] = [];
    // The timestamp is taken and the appends started under the timeline's
    // lock; the fsync happens outside it (writes meanwhile share it), and the
    // rows become visible in timestamp order once durable.
    return this.timeline.write(
      (time) => {
        live = [...writes].filter(([id, updates]) => updates.length > 0 && this.catalog.get(id) !== undefined);
        const appends = live.map(([id, updates]) => {
          const shard = this.shards.get(id);
          if (!shard) return Promise.reject(new SqlError(SqlState.internalError, `table ${id} has no storage`));
          return shard.append({ time, updates }).catch((err: unknown) => {
            // Not durable, so not acknowledged: the client sees why (53100 when the disk is full).
            throw storageSqlError(err, `rows of table "${this.catalog.get(id)?.name ?? id}"`);
          });
        });
        return Promise.all(appends).then(() => undefined);
      },
      (time) => {
        // A table dropped meanwhile is no longer in compute.
        const visible = live.filter(([id]) => this.shards.has(id));
        if (visible.length > 0) this.compute.applyUpdates(visible.map(([id, updates]) => ({ id, updates })), time);
        else this.compute.advanceTo(time);
        return time;
      },
    );
  }

  /**
   * Before a one-shot read: if compute's time lags the wall clock noticeably,
   * advance it, so mz_now() and temporal filters reflect the time of the
   * read rather than of the last write or tick. Never waits behind writes
   * (they advance time themselves).
   */
  async freshenReadTime(): Promise<void> {
    if (this.timeline.busy() || Date.now() - this.compute.currentTime() < READ_FRESHNESS_MS) return;
    await this.timeline.exclusive(() => this.compute.advanceTo(this.timeline.next()));
  }

  /**
   * Makes compute's time the one a read `AS OF t` (or `AS OF AT LEAST t`)
   * happens at. Freshet keeps no history: every collection is readable at
   * the present only, so a time before it is valid only with AT LEAST (the
   * read happens now), as Materialize answers a time its inputs have
   * compacted past. A future time is waited for (cancellable), then read
   * at exactly.
   */
  async prepareReadAsOf(t: number, atLeast: boolean, signal: AbortSignal): Promise<void> {
    if (!Number.isFinite(t) || t < 0) throw new SqlError(SqlState.invalidParameterValue, `AS OF timestamp ${t} is out of range`);
    await this.freshenReadTime();
    // A time further ahead than a read can reasonably wait for (say u64::MAX)
    // is refused at once, with Materialize's error, instead of waiting forever.
    if (!atLeast && t - Date.now() > MAX_AS_OF_WAIT_MS) {
      throw new SqlError(
        SqlState.dataException,
        `Timestamp (${asTimestampText(t)}) is not valid for all inputs: [Antichain { elements: [${this.compute.currentTime()}] }]`,
        { hint: `Freshet waits at most ${MAX_AS_OF_WAIT_MS / 1000} s for an AS OF time in the future` },
      );
    }
    while (Date.now() < t) {
      await abortableSleep(Math.min(t - Date.now(), 1000), signal);
    }
    await this.timeline.exclusive(() => {
      if (this.timeline.current() < t) {
        this.timeline.advancePast(t);
        this.compute.advanceTo(t);
      }
    });
  }

  /** Right before the read itself (synchronously): compute's time is `t`, or with AT LEAST not before it. */
  checkReadAsOf(t: number, atLeast: boolean): void {
    const current = this.compute.currentTime();
    if (atLeast ? current < t : current !== t) {
      throw new SqlError(SqlState.dataException, `Timestamp (${t}) is not valid for all inputs: [Antichain { elements: [${current}] }]`, {
        hint: 'Freshet keeps no history: use AS OF AT LEAST to read at this time or later',
      });
    }
  }

  /** Moves compute's time forward so temporal filters fire without writes. */
  tick(): void {
    if (this.timeline.busy()) return;
    void this.timeline
      .exclusive(() => this.compute.advanceTo(this.timeline.next()))
      .catch((err: unknown) => this.logger.error({ err }, 'advancing time failed'));
  }
}

/** How far in the future an AS OF (without AT LEAST) may be: further is an error, not a wait. */
const MAX_AS_OF_WAIT_MS = 60_000;

/** A millisecond time as an integer (u64 times above 2^53 print as the digits written). */
function asTimestampText(t: number): string {
  return Number.isSafeInteger(t) ? String(t) : BigInt(Math.round(t)).toString();
}

/** Sleeps `ms`, or rejects with the abort reason (57014) when `signal` aborts. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = (): SqlError => (signal.reason instanceof SqlError ? signal.reason : new SqlError(SqlState.queryCanceled, 'canceling statement due to user request'));
    if (signal.aborted) return reject(cancelled());
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelled());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The planner's view of a catalog item; undefined for non-relations (secrets, connections, indexes). */
export function itemRef(item: CatalogItem): CatalogItemRef | undefined {
  const name = { database: DATABASE_NAME, schema: item.schema, item: item.name };
  const base = { id: item.id, name, desc: item.desc, oid: item.oid };
  switch (item.kind) {
    case 'table':
      return item.source ? { ...base, kind: 'table', fedBySource: true } : { ...base, kind: 'table', columnDefaults: item.table?.defaults };
    case 'source':
      return { ...base, kind: 'source' };
    case 'subsource':
      return { ...base, kind: 'subsource' };
    case 'view':
      return { ...base, kind: 'view', viewQuery: item.view?.query, viewColumns: item.view?.columns };
    case 'materialized-view':
      return { ...base, kind: 'materialized-view' };
    default:
      return undefined;
  }
}

