// Secret values live apart from the catalog (which only names them), in one
// file readable by the owner only. Everything that touches secret values goes
// through this module, so encryption at rest can be added here alone.
import { join } from 'node:path';
import { readChecksummedJson, writeChecksummedJson } from './durable-file.js';
import { storageSqlError } from '../storage/storage-error.js';
import type { DurableDocument } from '../persist/cell.js';

export class SecretStore {
  private readonly path: string;
  private readonly values = new Map<string, string>();

  /** Secrets in `dataDir`, or in `document` (persist storage) when given. */
  constructor(
    dataDir: string,
    private readonly document?: DurableDocument,
  ) {
    this.path = join(dataDir, 'catalog', 'secrets.json');
    // A damaged file stops the server with a message naming it (see readChecksummedJson).
    const stored = (document ? document.read() : readChecksummedJson(this.path, 'secrets')) as Record<string, string> | undefined;
    if (stored !== undefined && (typeof stored !== 'object' || stored === null || Array.isArray(stored))) {
      throw new Error(`secrets file ${this.path} is damaged: its checksum matches but its contents are not a set of secrets`);
    }
    for (const [id, value] of Object.entries(stored ?? {})) this.values.set(id, value);
  }

  get(id: string): string | undefined {
    return this.values.get(id);
  }

  set(id: string, value: string): void {
    const prior = this.values.get(id);
    this.values.set(id, value);
    this.saveOrRestore(id, prior);
  }

  delete(id: string): void {
    const prior = this.values.get(id);
    if (this.values.delete(id)) this.saveOrRestore(id, prior);
  }

  /** Saves; when that fails, puts `id` back as it was, so memory never holds what is not durable. */
  private saveOrRestore(id: string, prior: string | undefined): void {
    try {
      this.save();
    } catch (err) {
      if (prior === undefined) this.values.delete(id);
      else this.values.set(id, prior);
      throw err;
    }
  }

  /** Resolves when every change so far is durable. */
  flushed(): Promise<void> {
    return this.document?.flushed() ?? Promise.resolve();
  }

  private save(): void {
    if (this.document) {
      this.document.write(Object.fromEntries(this.values));
      return;
    }
    try {
      writeChecksummedJson(this.path, Object.fromEntries(this.values), 0o600);
    } catch (err) {
      throw storageSqlError(err, 'the secrets');
    }
  }
}
