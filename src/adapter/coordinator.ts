// The coordinator: owns the catalog, time, sessions and the lifetimes of
// sources and dataflows. Implemented in adapter/.
import { mkdirSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { Session, SessionFactory, StartupParameters } from './api.js';
import { Catalog } from '../catalog/catalog.js';
import type { FencedError } from '../persist/api.js';
import { ServerStorage, type StorageSpec } from '../persist/server-storage.js';
import { SecretStore } from '../catalog/secrets.js';
import { resolveSecretsKey, type SecretsKey } from '../catalog/secrets-key.js';
import { DATABASE_NAME } from '../catalog/objects.js';
import { createComputeController } from '../compute/controller.js';
import { CoordinatorCore } from './core.js';
import { SourceManager } from './sources.js';
import { Timeline } from './timeline.js';
import { SessionImpl } from './session.js';
import { replayCatalog } from './replay.js';
import { registerCatalogFunctions } from './system/functions.js';
import { snapshotCoordinator, type CoordinatorSnapshot } from './introspection.js';
import { instrumentSession } from './session-metrics.js';

export interface CoordinatorOptions {
  /** Directory for everything persisted (catalog, shards). Created if missing. */
  dataDir: string;
  logger: Logger;
  /** How often compute time advances without writes (temporal filters); default 1000 ms. */
  tickIntervalMs?: number;
  /**
   * Persist storage for everything durable (catalog, secrets, shards):
   * PostgreSQL or persist files. Undefined: the catalog, secrets and shard
   * files under dataDir.
   */
  storage?: StorageSpec;
  /**
   * Called once when another server took over the storage: this one must
   * stop writing (the default logs it; every later write fails with the
   * same error). `freshet serve` exits.
   */
  onFenced?: (err: FencedError) => void;
  /** The key secrets are encrypted with at rest; default: resolved from FRESHET_SECRETS_KEY, `secretsKeyFile` or the generated key file. */
  secretsKey?: SecretsKey;
  /** --secrets-key-file. */
  secretsKeyFile?: string;
}

export interface Coordinator extends SessionFactory {
  /** Stops sources and flushes durable state. */
  shutdown(): Promise<void>;
  /** What monitoring sees: sources with their counters, relations with row counts and last change (no SQL runs). */
  snapshot(): CoordinatorSnapshot;
  /** Where the catalog and shard files live (undefined when storage is elsewhere, e.g. PostgreSQL). */
  readonly localDataDir: string | undefined;
  /** The role a client logs in as (its SCRAM verifier, never a password); undefined: no such role. */
  loginRole(name: string): { name: string; login: boolean; verifier: string | undefined } | undefined;
  /** Whether some role that can log in has a password (clients from other hosts can authenticate). */
  passwordsConfigured(): boolean;
}

export async function startCoordinator(options: CoordinatorOptions): Promise<Coordinator> {
  const { dataDir, logger } = options;
  registerCatalogFunctions();
  mkdirSync(dataDir, { recursive: true });
  let persist: ServerStorage | undefined;
  if (options.storage) {
    persist = await ServerStorage.open(options.storage, {
      onFenced: (err) => {
        logger.fatal({ err: err.message, storage: persist?.description }, 'another server took over the storage: this server stops writing');
        options.onFenced?.(err);
      },
    });
    logger.info({ storage: persist.description, epoch: persist.epoch }, 'storage opened');
  }
  const catalog = new Catalog(dataDir, persist?.catalog);
  let records;
  let secrets;
  try {
    records = catalog.load();
    const key =
      options.secretsKey ??
      resolveSecretsKey({
        dataDir,
        keyFile: options.secretsKeyFile,
        generated: (path) => logger.warn({ keyFile: path }, 'generated a new secrets key file: back it up (without it the stored secrets cannot be read), apart from the data directory'),
      });
    secrets = new SecretStore(dataDir, persist?.secrets, key);
    if (secrets.migrated > 0) await secrets.dropHistory();
    if (secrets.migrated > 0) logger.info({ secrets: secrets.migrated, key: key.source }, 'encrypted the plaintext secrets found in storage');
  } catch (err) {
    await persist?.close();
    throw err;
  }
  const core = new CoordinatorCore(dataDir, catalog, secrets, createComputeController(), new Timeline(Date.now()), logger);
  core.persist = persist;
  core.sources = new SourceManager(core);
  await replayCatalog(core, records);
  // Start compute's clock now, so mz_now() is meaningful before the first write.
  await core.timeline.exclusive(() => core.compute.advanceTo(core.timeline.next()));
  logger.info({ dataDir, objects: catalog.allItems().length }, 'catalog loaded');

  const sessions = new Map<number, SessionImpl>();
  let nextSessionId = 1;
  const ticker = setInterval(() => core.tick(), options.tickIntervalMs ?? 1000);
  ticker.unref();
  let stopped = false;

  return {
    openSession(startup: StartupParameters): Session {
      const session = new SessionImpl(core, nextSessionId++, randomInt(1, 2 ** 31 - 1), startup, (s) => sessions.delete(s.id));
      sessions.set(session.id, session);
      return instrumentSession(session);
    },
    snapshot(): CoordinatorSnapshot {
      return snapshotCoordinator(core);
    },
    loginRole(name: string) {
      const role = catalog.access.roleByName(name);
      return role === undefined ? undefined : { name: role.name, login: role.login, verifier: role.verifier };
    },
    passwordsConfigured(): boolean {
      return catalog.access.allRoles().some((role) => role.login && role.verifier !== undefined);
    },
    localDataDir: options.storage === undefined ? dataDir : options.storage.kind === 'local' ? options.storage.dir : undefined,
    findByCancelKey(processId: number, secretKey: number): Session | undefined {
      const session = sessions.get(processId);
      return session && session.secretKey === secretKey ? session : undefined;
    },
    async shutdown(): Promise<void> {
      if (stopped) return;
      stopped = true;
      clearInterval(ticker);
      for (const session of [...sessions.values()]) session.close();
      await core.sources.stopAll();
      // Let in-flight writes finish before closing their shards.
      await core.timeline.exclusive(() => undefined);
      await Promise.all([...core.shards.values()].map((s) => s.close()));
      core.shards.clear();
      await persist?.close();
      logger.info({ dataDir }, 'coordinator stopped');
    },
  };
}

export { DATABASE_NAME };
