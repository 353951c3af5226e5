// Secret values live apart from the catalog (which only names them), in one
// document (a file readable by the owner only, or a persist cell), encrypted
// at rest: every value sealed with AES-256-GCM under the secrets key (see
// secrets-key.ts), a random nonce per value and the secret's id as associated
// data. Everything that touches secret values goes through this module.
//
// Stored format (version 2):
//   { format: 'freshet-secrets', version: 2, cipher: 'aes-256-gcm',
//     keyCheck: <HMAC of a constant under the key, 16 chars>,
//     values: { <id>: base64(nonce ‖ ciphertext ‖ tag) } }
// Version 1 (before encryption) was a plain { <id>: <value> } object: it is
// read once and rewritten encrypted on the first start that finds it.
import { join } from 'node:path';
import { readChecksummedJson, writeChecksummedJson } from './durable-file.js';
import { storageSqlError } from '../storage/storage-error.js';
import type { DurableDocument } from '../persist/cell.js';
import { SecretsKeyError, decryptValue, encryptValue, keyCheck, keyMatches, resolveSecretsKey, type SecretsKey } from './secrets-key.js';

export const SECRETS_FORMAT_VERSION = 2;

interface EncryptedSecrets {
  format: 'freshet-secrets';
  version: number;
  cipher: 'aes-256-gcm';
  keyCheck: string;
  values: Record<string, string>;
}

function isEncrypted(stored: object): stored is EncryptedSecrets {
  return 'format' in stored && (stored as { format: unknown }).format === 'freshet-secrets';
}

export class SecretStore {
  private readonly path: string;
  private readonly values = new Map<string, string>();
  private readonly key: SecretsKey;
  /** How many plaintext (version 1) secrets were found and rewritten encrypted at load. */
  readonly migrated: number = 0;

  /**
   * Secrets in `dataDir`, or in `document` (persist storage) when given,
   * sealed with `key` (default: resolved as resolveSecretsKey does). Throws
   * SecretsKeyError when the stored secrets were written with another key.
   */
  constructor(
    dataDir: string,
    private readonly document?: DurableDocument,
    key?: SecretsKey,
  ) {
    this.path = join(dataDir, 'catalog', 'secrets.json');
    this.key = key ?? resolveSecretsKey({ dataDir });
    const where = document ? 'the stored secrets' : `secrets file ${this.path}`;
    // A damaged file stops the server with a message naming it (see readChecksummedJson).
    const stored = document ? document.read() : readChecksummedJson(this.path, 'secrets');
    if (stored === undefined) return;
    if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) {
      throw new Error(`${where} is damaged: its checksum matches but its contents are not a set of secrets`);
    }
    if (isEncrypted(stored)) {
      if (stored.version > SECRETS_FORMAT_VERSION || stored.cipher !== 'aes-256-gcm' || typeof stored.values !== 'object' || stored.values === null) {
        throw new Error(`${where} uses a format this version of Freshet does not know (version ${String(stored.version)}, cipher ${String(stored.cipher)})`);
      }
      if (!keyMatches(this.key.key, stored.keyCheck)) throw wrongKey(where, this.key);
      for (const [id, sealed] of Object.entries(stored.values)) {
        const value = decryptValue(this.key.key, id, sealed);
        if (value === undefined) {
          throw new SecretsKeyError(`${where}: secret ${id} cannot be decrypted with the ${this.key.source} (it was altered or damaged); restore the secrets from a backup or recreate the secret`);
        }
        this.values.set(id, value);
      }
      return;
    }
    // Version 1: plaintext values. Rewrite them encrypted now.
    for (const [id, value] of Object.entries(stored as Record<string, unknown>)) {
      if (typeof value !== 'string') throw new Error(`${where} is damaged: secret ${id} is not text`);
      this.values.set(id, value);
    }
    this.save();
    this.migrated = this.values.size;
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

  /** Every stored value (so tests and redaction can check that none leaks). */
  allValues(): string[] {
    return [...this.values.values()];
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

  /** Makes the current (encrypted) document durable and drops earlier versions the storage keeps (persist storage). */
  async dropHistory(): Promise<void> {
    await this.flushed();
    await this.document?.dropHistory?.();
  }

  /** Resolves when every change so far is durable. */
  flushed(): Promise<void> {
    return this.document?.flushed() ?? Promise.resolve();
  }

  private sealed(): EncryptedSecrets {
    const values: Record<string, string> = {};
    for (const [id, value] of this.values) values[id] = encryptValue(this.key.key, id, value);
    return { format: 'freshet-secrets', version: SECRETS_FORMAT_VERSION, cipher: 'aes-256-gcm', keyCheck: keyCheck(this.key.key), values };
  }

  private save(): void {
    const doc = this.sealed();
    if (this.document) {
      this.document.write(doc);
      return;
    }
    try {
      writeChecksummedJson(this.path, doc, 0o600);
    } catch (err) {
      throw storageSqlError(err, 'the secrets');
    }
  }
}

function wrongKey(where: string, key: SecretsKey): SecretsKeyError {
  return new SecretsKeyError(
    `${where} were encrypted with a different key than the ${key.source}: start with the key they were written with (FRESHET_SECRETS_KEY or --secrets-key-file); if that key is lost, the secrets cannot be recovered (see docs/security.md)`,
  );
}
