// Durable shards: one append-only log per collection under the data directory.
import type { Shard } from './api.js';

/** Opens (creating if needed) the shard stored in directory `dir`. */
export async function openShard(dir: string): Promise<Shard> {
  throw new Error(`shards not implemented: ${dir}`);
}
