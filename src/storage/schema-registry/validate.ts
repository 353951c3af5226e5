// CREATE / ALTER / VALIDATE CONNECTION ... TO CONFLUENT SCHEMA REGISTRY:
// the registry answers a subject listing with the connection's credentials.
import { SqlError, SqlState } from '../../repr/errors.js';
import type { SecretReader } from '../kafka/plan.js';
import { SchemaRegistryError, type CsrConnectionSpec } from './api.js';
import { createSchemaRegistryClient } from './client.js';

export interface ValidateCsrConnectionOptions {
  /** How long to wait for the registry (default 10 s). */
  timeoutMs?: number;
}

/**
 * Lists the registry's subjects; throws SqlError 08006 "failed to connect to
 * schema registry at URL" with the reason (never a secret) as its DETAIL.
 */
export async function validateCsrConnection(spec: CsrConnectionSpec, readSecret: SecretReader, options: ValidateCsrConnectionOptions = {}): Promise<void> {
  const client = createSchemaRegistryClient(spec, readSecret, { timeoutMs: options.timeoutMs ?? 10_000 });
  try {
    await client.subjects();
  } catch (err) {
    if (!(err instanceof SchemaRegistryError)) throw err;
    const prefix = `schema registry at ${spec.url}: `;
    const detail = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
    throw new SqlError(SqlState.connectionFailure, `failed to connect to schema registry at ${spec.url}`, { detail });
  }
}
