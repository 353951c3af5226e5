// The contract between the schema registry client and its users (formats,
// purification, connection validation). The client speaks Confluent's Schema
// Registry REST API; formats see only this interface.
import type { SecretRef } from '../kafka/plan.js';

/** A validated CONFLUENT SCHEMA REGISTRY connection: JSON-serializable (stored in the catalog). */
export interface CsrConnectionSpec {
  /** Base URL, without a trailing slash ('https://registry:8081'). */
  url: string;
  /** USERNAME: plain text or a secret. */
  username?: string | SecretRef;
  /** PASSWORD = SECRET s. */
  password?: SecretRef;
  /** SSL CERTIFICATE AUTHORITY: PEM text or a secret. */
  sslCa?: string | SecretRef;
  /** SSL CERTIFICATE (client certificate for mutual TLS): PEM text or a secret. */
  sslCertificate?: string | SecretRef;
  /** SSL KEY = SECRET s. */
  sslKey?: SecretRef;
}

export type SchemaType = 'AVRO' | 'PROTOBUF' | 'JSON';

/** A schema reference as the registry records it. */
export interface SchemaReference {
  /** For Protobuf the import path ('other.proto'); for Avro the referenced type's full name. */
  name: string;
  subject: string;
  version: number;
}

/** A schema with every schema it references (transitively) fetched too. */
export interface ResolvedSchema {
  /** The registry's global id (undefined for a schema not fetched by id). */
  id?: number;
  /** Subject version, when fetched through a subject. */
  version?: number;
  schemaType: SchemaType;
  schema: string;
  /**
   * Referenced schemas, transitively, each once, dependencies before the
   * schemas that use them; `name` is the reference name used to import it.
   */
  references: { name: string; schemaType: SchemaType; schema: string }[];
}

/**
 * Why a registry call failed. `transient` failures (unreachable, 5xx,
 * 401/403: credentials may be fixed) stall a source until they pass; the
 * others (unknown subject or id, invalid schema) are permanent answers.
 */
export class SchemaRegistryError extends Error {
  constructor(
    message: string,
    /** Confluent's error_code (40401 subject not found, 40403 schema not found, ...) or the HTTP status; 0 for a network failure. */
    readonly errorCode: number,
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'SchemaRegistryError';
  }
}

export interface SchemaRegistryClient {
  /** The schema with this global id, references resolved. Cached: each id is fetched once. */
  schemaById(id: number): Promise<ResolvedSchema>;
  /** The latest version of a subject, references resolved. */
  latest(subject: string): Promise<ResolvedSchema>;
  /** A given version of a subject ('latest' or a number), references resolved. */
  version(subject: string, version: number | 'latest'): Promise<ResolvedSchema>;
  /** Lists subjects (validation: the registry answers and the credentials are accepted). */
  subjects(): Promise<string[]>;
}
