// The coordinator: owns the catalog, time, sessions and the lifetimes of
// sources and dataflows. Implemented in adapter/.
import { mkdirSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { Session, SessionFactory, StartupParameters } from './api.js';
import { Catalog } from '../catalog/catalog.js';
import type { FencedError } from '../persist/api.js';
import { defaultStorage, describeStorage, ServerStorage, type StorageSpec } from '../persist/server-storage.js';
import { hasFileLayout, migrateFileLayout } from '../persist/migrate-file-layout.js';
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
  /** The data directory (the default storage lives in its `persist` folder). Created if missing. */
  dataDir: string;
  logger: Logger;
  /** How often compute time advances without writes (temporal filters); default 1000 ms. */
  tickIntervalMs?: number;
  /**
   * Where everything durable lives (catalog, secrets, shards): persist
   * files, PostgreSQL or memory. Default: persist files under
   * `<dataDir>/persist` (a data directory of the earlier file layout is
   * migrated into it on the first start).
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
  /** Where the storage's files live (undefined when storage is elsewhere, e.g. PostgreSQL). */
  readonly localDataDir: string | undefined;
  /** The role a client logs in as (its SCRAM verifier, never a password); undefined: no such role. */
  loginRole(name: string): { name: string; login: boolean; verifier: string | undefined } | undefined;
  /** Creates a LOGIN role without password or special attributes (a user's first login from a trusted address). */
  createLoginRole(name: string): { name: string; login: boolean; verifier: string | undefined };
  /** Whether some role that can log in has a password (clients from other hosts can authenticate). */
  passwordsConfigured(): boolean;
}

export async function startCoordinator(options: CoordinatorOptions): Promise<Coordinator> {
  const { dataDir, logger } = options;
  registerCatalogFunctions();
  mkdirSync(dataDir, { recursive: true });
  const spec = options.storage ?? defaultStorage(dataDir);
  const storage = await ServerStorage.open(spec, {
    onFenced: (err) => {
      logger.fatal({ err: err.message, storage: describeStorage(spec) }, 'another server took over the storage: this server stops writing');
      options.onFenced?.(err);
    },
  });
  logger.info({ storage: storage.description, epoch: storage.epoch }, 'storage opened');
  if (spec.kind === 'local' && hasFileLayout(dataDir)) {
    try {
      const report = await migrateFileLayout(dataDir, storage);
      if (report?.onlyCleanedUp) logger.info({ dataDir }, 'removed the files of the earlier layout left by a completed migration');
      else if (report) {
        for (const missing of report.missingShards) logger.warn({ object: missing }, 'the earlier layout had no stored data for this object; it is kept in the catalog and will not load');
        logger.info({ dataDir, storage: storage.description, items: report.items, shards: report.shards, updates: report.updates }, 'moved the data directory from the earlier file layout to the persist storage');
      }
    } catch (err) {
      await storage.close();
      throw err;
    }
  }
  const catalog = new Catalog(storage.catalog);
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
    secrets = new SecretStore(dataDir, storage.secrets, key);
    if (secrets.migrated > 0) await secrets.dropHistory();
    if (secrets.migrated > 0) logger.info({ secrets: secrets.migrated, key: key.source }, 'encrypted the plaintext secrets found in storage');
  } catch (err) {
    await storage.close();
    throw err;
  }
  const core = new CoordinatorCore(dataDir, catalog, secrets, createComputeController(), new Timeline(Date.now()), logger);
  core.persist = storage;
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
    createLoginRole(name: string) {
      const role = catalog.access.createRole(name, { login: true, superuser: false, inherit: true, createRole: false, createDb: false, createCluster: false }, undefined);
      catalog.save();
      return { name: role.name, login: role.login, verifier: role.verifier };
    },
    passwordsConfigured(): boolean {
      return catalog.access.allRoles().some((role) => role.login && role.verifier !== undefined);
    },
    localDataDir: spec.kind === 'local' ? spec.dir : undefined,
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
      await storage.close();
      logger.info({ dataDir }, 'coordinator stopped');
    },
  };
}

export { DATABASE_NAME };
