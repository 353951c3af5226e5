// Everything durable of one server, through the persist layer: the catalog
// and the secrets (cells in consensus) and one shard per table and source.
// Opening takes over the storage: the server registers a new epoch on the
// catalog (and on each shard it opens), so a server that was using the same
// storage is fenced out on its next write; a watch notices a takeover within
// a second even when this server is idle.
import { join } from 'node:path';
import type { Shard, ShardWriteBatch } from '../storage/api.js';
import { StorageError } from '../storage/storage-error.js';
import { FencedError, PersistCorruptionError, type PersistLocation } from './api.js';
import { PersistCell } from './cell.js';
import { localLocation } from './local.js';
import { memoryLocation } from './memory.js';
import { describePostgresUrl, postgresLocation } from './postgres.js';
import { PersistShard, type ShardOptions } from './shard.js';

export type StorageSpec = { kind: 'local'; dir: string } | { kind: 'postgres'; url: string } | { kind: 'memory' };

/** The default storage: persist files under `<dataDir>/persist`. */
export function defaultStorage(dataDir: string): StorageSpec {
  return { kind: 'local', dir: join(dataDir, 'persist') };
}

/**
 * The storage a `--storage` value names: a postgres:// (or postgresql://)
 * URL, `local` (persist files under `<dataDir>/persist`), `file:<dir>`, or
 * `memory` (tests: nothing survives the process).
 */
export function parseStorage(value: string, dataDir: string): StorageSpec {
  if (/^postgres(ql)?:\/\//.test(value)) return { kind: 'postgres', url: value };
  if (value === 'local') return defaultStorage(dataDir);
  if (value.startsWith('file:')) return { kind: 'local', dir: value.slice('file:'.length).replace(/^\/\/(?=\/)/, '') };
  if (value === 'memory') return { kind: 'memory' };
  throw new Error(`unsupported storage "${value}": use postgres://user@host:port/database, local, file:<directory> or memory`);
}

export function describeStorage(spec: StorageSpec): string {
  switch (spec.kind) {
    case 'local':
      return `local ${spec.dir}`;
    case 'postgres':
      return describePostgresUrl(spec.url);
    case 'memory':
      return 'memory';
  }
}

export async function openLocation(spec: StorageSpec): Promise<PersistLocation> {
  switch (spec.kind) {
    case 'local':
      return localLocation(spec.dir);
    case 'postgres':
      return postgresLocation(spec.url);
    case 'memory':
      return memoryLocation();
  }
}

/**
 * Damage found in the stored data of `what` (e.g. `table "t"`): an error
 * naming the object and the damaged file or blob; undefined for other errors.
 */
export function damagedDataError(err: unknown, what: string): StorageError | undefined {
  if (err instanceof PersistCorruptionError) return new StorageError('corrupt', `the stored data of ${what} is damaged and was not loaded: ${err.message}`, err.object);
  if (err instanceof StorageError && err.kind === 'corrupt') return new StorageError('corrupt', `the stored data of ${what} is damaged and was not loaded: ${err.message}`, err.path);
  return undefined;
}

/** The adapter's `Shard` (storage/api.ts) over a persist shard. */
class PersistBackedShard implements Shard {
  constructor(
    readonly shard: PersistShard,
    /** Names the collection in errors, e.g. `table "t"`. */
    private readonly what: string,
  ) {}

  append(batch: ShardWriteBatch): Promise<void> {
    return this.shard.append(batch);
  }

  async readAll(): Promise<ShardWriteBatch[]> {
    let parts;
    try {
      parts = await this.shard.parts();
    } catch (err) {
      throw damagedDataError(err, this.what) ?? err;
    }
    const batches: ShardWriteBatch[] = parts.map((p) => (p.errors.length > 0 ? { time: p.time, updates: p.updates, errors: p.errors } : { time: p.time, updates: p.updates }));
    // The latest metadata rides on the last batch (the shard keeps only the latest).
    if (this.shard.meta !== undefined) {
      const time = Math.max(this.shard.upper - 1, 0);
      if (batches.length === 0 || batches[batches.length - 1]!.time !== time) batches.push({ time, updates: [] });
      batches[batches.length - 1]!.meta = this.shard.meta;
    }
    return batches;
  }

  lastMeta(): unknown {
    return this.shard.meta;
  }

  close(): Promise<void> {
    return this.shard.close();
  }

  destroy(): Promise<void> {
    return this.shard.destroy();
  }
}

export interface ServerStorageOptions {
  /** Called once when another server took over this storage: this one must stop writing. */
  onFenced: (err: FencedError) => void;
  /** How often to check for a takeover while idle (default 1000 ms; 0: never). */
  watchIntervalMs?: number;
  /** Shard tuning (tests). */
  shardOptions?: Omit<ShardOptions, 'epoch' | 'onFenced'>;
}

export class ServerStorage {
  private fenced: FencedError | undefined;
  private watch: NodeJS.Timeout | undefined;

  private constructor(
    readonly location: PersistLocation,
    readonly catalog: PersistCell,
    readonly secrets: PersistCell,
    private readonly options: ServerStorageOptions,
  ) {}

  /** Opens `spec` and takes it over (fencing out any server using it). */
  static async open(spec: StorageSpec, options: ServerStorageOptions): Promise<ServerStorage> {
    const location = await openLocation(spec);
    try {
      const holder: { storage?: ServerStorage } = {};
      const onFenced = (err: FencedError): void => holder.storage?.fence(err);
      const catalog = await PersistCell.open(location.consensus, 'catalog', undefined, onFenced);
      const secrets = await PersistCell.open(location.consensus, 'secrets', catalog.epoch, onFenced);
      const storage = new ServerStorage(location, catalog, secrets, options);
      holder.storage = storage;
      const interval = options.watchIntervalMs ?? 1000;
      if (interval > 0) {
        storage.watch = setInterval(() => storage.checkTakeover(), interval);
        storage.watch.unref();
      }
      return storage;
    } catch (err) {
      await location.close().catch(() => undefined);
      throw err;
    }
  }

  get epoch(): number {
    return this.catalog.epoch;
  }

  get description(): string {
    return this.location.description;
  }

  private fence(err: FencedError): void {
    if (this.fenced) return;
    this.fenced = err;
    if (this.watch) clearInterval(this.watch);
    this.options.onFenced(err);
  }

  private checkTakeover(): void {
    this.catalog.storedEpoch().then(
      (stored) => {
        if (stored > this.epoch) this.fence(new FencedError('the storage', this.epoch, stored));
      },
      () => undefined,
    );
  }

  /** Opens the shard of collection `id` (named `what` in errors, e.g. `table "t"`) as this server's writer. */
  async openShard(id: string, options: { mustExist?: boolean; what?: string } = {}): Promise<Shard> {
    if (this.fenced) throw this.fenced;
    try {
      const shard = await PersistShard.open(this.location, id, {
        ...this.options.shardOptions,
        epoch: this.epoch,
        onFenced: (err) => this.fence(err),
        ...(options.mustExist !== undefined ? { mustExist: options.mustExist } : {}),
      });
      return new PersistBackedShard(shard, options.what ?? `object ${id}`);
    } catch (err) {
      // A newer server registered on this shard: the whole server is fenced out.
      if (err instanceof FencedError) this.fence(err);
      throw err;
    }
  }

  /** Waits for pending catalog and secret writes; throws the first failure. */
  async flushed(): Promise<void> {
    await this.catalog.flushed();
    await this.secrets.flushed();
  }

  async close(): Promise<void> {
    if (this.watch) clearInterval(this.watch);
    await this.catalog.flushed().catch(() => undefined);
    await this.secrets.flushed().catch(() => undefined);
    await this.location.close();
  }
}
