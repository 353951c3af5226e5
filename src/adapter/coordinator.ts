// The coordinator: owns the catalog, time, sessions and the lifetimes of
// sources and dataflows. Implemented in adapter/.
import type { SessionFactory } from './api.js';
import type { Logger } from 'pino';

export interface CoordinatorOptions {
  /** Directory for everything persisted (catalog, shards). Created if missing. */
  dataDir: string;
  logger: Logger;
}

export interface Coordinator extends SessionFactory {
  /** Stops sources and flushes durable state. */
  shutdown(): Promise<void>;
}

export async function startCoordinator(options: CoordinatorOptions): Promise<Coordinator> {
  throw new Error(`coordinator not implemented (${options.dataDir})`);
}
