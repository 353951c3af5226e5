// Secret values live apart from the catalog (which only names them), in one
// file readable by the owner only. Everything that touches secret values goes
// through this module, so encryption at rest can be added here alone.
import { join } from 'node:path';
import { readChecksummedJson, writeChecksummedJson } from './durable-file.js';

export class SecretStore {
  private readonly path: string;
  private readonly values = new Map<string, string>();

  constructor(dataDir: string) {
    this.path = join(dataDir, 'catalog', 'secrets.json');
    const stored = readChecksummedJson(this.path) as Record<string, string> | undefined;
    for (const [id, value] of Object.entries(stored ?? {})) this.values.set(id, value);
  }

  get(id: string): string | undefined {
    return this.values.get(id);
  }

  set(id: string, value: string): void {
    this.values.set(id, value);
    this.save();
  }

  delete(id: string): void {
    if (this.values.delete(id)) this.save();
  }

  private save(): void {
    writeChecksummedJson(this.path, Object.fromEntries(this.values), 0o600);
  }
}
