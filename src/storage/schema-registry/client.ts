// A Confluent Schema Registry client over node:http / node:https: basic
// auth, a custom CA and mutual TLS, references followed recursively, schemas
// by id cached forever (ids are immutable). Secrets are read per request so
// ALTER SECRET applies; no error message ever carries a secret's value.
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { SecretReader, SecretRef } from '../kafka/plan.js';
import {
  SchemaRegistryError,
  type CsrConnectionSpec,
  type ResolvedSchema,
  type SchemaReference,
  type SchemaRegistryClient,
  type SchemaType,
} from './api.js';

export interface SchemaRegistryClientOptions {
  /** Deadline for each HTTP request, connecting included (default 30 s). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const ACCEPT = 'application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json';
/** Largest response body accepted (a schema with its metadata). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** A schema as one registry response carries it (by id or by subject version). */
interface RawSchema {
  id?: number;
  version?: number;
  schemaType: SchemaType;
  schema: string;
  references: SchemaReference[];
}

/** What a request was for, so an error code can be explained in words. */
type Target = { kind: 'subjects' } | { kind: 'subject'; subject: string; version: number | 'latest' } | { kind: 'id'; id: number };

function isSecretRef(value: string | SecretRef | undefined): value is SecretRef {
  return typeof value === 'object' && value !== null;
}

function describeTarget(target: Target): string {
  switch (target.kind) {
    case 'subjects':
      return 'listing subjects';
    case 'subject':
      return `reading version ${target.version} of subject "${target.subject}"`;
    case 'id':
      return `reading schema ${target.id}`;
  }
}

/** Confluent's error codes, in words, for what was asked. */
function explain(target: Target, status: number, errorCode: number, serverMessage: string): string {
  if (errorCode === 40401 && target.kind === 'subject') return `subject "${target.subject}" not found (40401)`;
  if (errorCode === 40402 && target.kind === 'subject') return `version ${target.version} of subject "${target.subject}" not found (40402)`;
  if (errorCode === 40403 && target.kind === 'id') return `schema ${target.id} not found (40403)`;
  if (status === 401) return `unauthorized: the registry rejected the credentials (${errorCode})`;
  if (status === 403) return `forbidden: the credentials may not ${describeTarget(target)} (${errorCode})`;
  const what = serverMessage !== '' ? `: ${serverMessage}` : '';
  if (errorCode === 42201) return `invalid schema${what} (42201)`;
  if (errorCode === 42202) return `invalid version${what} (42202)`;
  if (status >= 500) return `registry error while ${describeTarget(target)}: HTTP ${status}${what} (${errorCode})`;
  return `${describeTarget(target)} failed: HTTP ${status}${what} (${errorCode})`;
}

/** Failures that may pass by themselves or once an operator fixes credentials. */
function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 401 || status === 403 || status === 408 || status === 429;
}

/** Certificate verification failures (Node's error codes for them). */
const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** A network or TLS failure in words: OpenSSL's reason rather than its error stack. */
function describeNetworkError(err: unknown, hasCa: boolean): string {
  if (!(err instanceof Error)) return String(err);
  const { code, reason } = err as Error & { code?: unknown; reason?: unknown };
  if (typeof code === 'string' && code.startsWith('ERR_SSL_') && typeof reason === 'string') return `TLS error: ${reason}`;
  if (typeof code === 'string' && CERTIFICATE_ERRORS.has(code)) {
    const hint = hasCa ? "is SSL CERTIFICATE AUTHORITY the CA that signed the registry's certificate?" : "no SSL CERTIFICATE AUTHORITY was given, so only the system's CAs are trusted";
    return `TLS error: ${err.message} (${hint})`;
  }
  return err.message;
}

function parseSchemaType(value: unknown): SchemaType {
  if (value === undefined || value === null) return 'AVRO';
  if (value === 'AVRO' || value === 'PROTOBUF' || value === 'JSON') return value;
  throw new TypeError(`unknown schemaType ${JSON.stringify(value)}`);
}

function parseReferences(value: unknown): SchemaReference[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new TypeError('references is not an array');
  return value.map((entry: unknown) => {
    const ref = entry as Record<string, unknown> | null;
    if (typeof ref?.name !== 'string' || typeof ref.subject !== 'string' || typeof ref.version !== 'number') {
      throw new TypeError('malformed reference');
    }
    return { name: ref.name, subject: ref.subject, version: ref.version };
  });
}

function parseRawSchema(body: unknown): RawSchema {
  const record = body as Record<string, unknown> | null;
  if (typeof record?.schema !== 'string') throw new TypeError('no "schema" in the response');
  const raw: RawSchema = { schemaType: parseSchemaType(record.schemaType), schema: record.schema, references: parseReferences(record.references) };
  if (typeof record.id === 'number') raw.id = record.id;
  if (typeof record.version === 'number') raw.version = record.version;
  return raw;
}

class HttpSchemaRegistryClient implements SchemaRegistryClient {
  private readonly byId = new Map<number, Promise<ResolvedSchema>>();
  private readonly base: URL;
  private readonly timeoutMs: number;
  /** Requests sent (for tests and statistics). */
  requests = 0;

  constructor(
    private readonly spec: CsrConnectionSpec,
    private readonly readSecret: SecretReader,
    options: SchemaRegistryClientOptions,
  ) {
    this.base = new URL(spec.url);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  schemaById(id: number): Promise<ResolvedSchema> {
    if (!Number.isInteger(id) || id < 0) {
      return Promise.reject(new SchemaRegistryError(this.message(`invalid schema id ${id}`), 40403, false));
    }
    let cached = this.byId.get(id);
    if (cached === undefined) {
      cached = this.fetchById(id);
      this.byId.set(id, cached);
      // Failures are not cached: the registry may come back, or the id appear.
      cached.catch(() => this.byId.delete(id));
    }
    return cached;
  }

  latest(subject: string): Promise<ResolvedSchema> {
    return this.version(subject, 'latest');
  }

  async version(subject: string, version: number | 'latest'): Promise<ResolvedSchema> {
    const raw = await this.fetchVersion(subject, version);
    const resolved = await this.resolve(raw);
    if (raw.version !== undefined) resolved.version = raw.version;
    return resolved;
  }

  async subjects(): Promise<string[]> {
    const body = await this.get('/subjects', { kind: 'subjects' });
    if (!Array.isArray(body) || !body.every((s) => typeof s === 'string')) {
      throw new SchemaRegistryError(this.message('listing subjects: the response is not a list of subjects'), 0, false);
    }
    return body as string[];
  }

  private async fetchById(id: number): Promise<ResolvedSchema> {
    const target: Target = { kind: 'id', id };
    const raw = this.parse(await this.get(`/schemas/ids/${id}`, target), target);
    raw.id = id;
    return this.resolve(raw);
  }

  private async fetchVersion(subject: string, version: number | 'latest'): Promise<RawSchema> {
    const target: Target = { kind: 'subject', subject, version };
    const path = `/subjects/${encodeURIComponent(subject)}/versions/${version === 'latest' || version === -1 ? 'latest' : String(version)}`;
    return this.parse(await this.get(path, target), target);
  }

  private parse(body: unknown, target: Target): RawSchema {
    try {
      return parseRawSchema(body);
    } catch (err) {
      throw new SchemaRegistryError(this.message(`${describeTarget(target)}: unexpected response: ${(err as Error).message}`), 0, false);
    }
  }

  /** The schema with its references, transitively, dependencies first, each (subject, version) once. */
  private async resolve(raw: RawSchema): Promise<ResolvedSchema> {
    const references: ResolvedSchema['references'] = [];
    const done = new Set<string>();
    const visiting = new Set<string>();
    const visit = async (ref: SchemaReference): Promise<void> => {
      const key = JSON.stringify([ref.subject, ref.version]);
      if (done.has(key)) return;
      if (visiting.has(key)) {
        throw new SchemaRegistryError(this.message(`schema references form a cycle through subject "${ref.subject}" version ${ref.version}`), 0, false);
      }
      visiting.add(key);
      const fetched = await this.fetchVersion(ref.subject, ref.version);
      for (const inner of fetched.references) await visit(inner);
      visiting.delete(key);
      done.add(key);
      references.push({ name: ref.name, schemaType: fetched.schemaType, schema: fetched.schema });
    };
    for (const ref of raw.references) await visit(ref);
    const resolved: ResolvedSchema = { schemaType: raw.schemaType, schema: raw.schema, references };
    if (raw.id !== undefined) resolved.id = raw.id;
    return resolved;
  }

  private message(reason: string): string {
    return `schema registry at ${this.spec.url}: ${reason}`;
  }

  private value(value: string | SecretRef | undefined): string | undefined {
    if (value === undefined) return undefined;
    return isSecretRef(value) ? this.readSecret(value.id) : value;
  }

  /** GET base + path as JSON; every failure a SchemaRegistryError with no secret in it. */
  private async get(path: string, target: Target): Promise<unknown> {
    // Read at request time: ALTER SECRET applies to the next request.
    const username = this.value(this.spec.username);
    const password = this.value(this.spec.password);
    const ca = this.value(this.spec.sslCa);
    const cert = this.value(this.spec.sslCertificate);
    const key = this.value(this.spec.sslKey);
    const secrets = [username, password, key, cert, ca].filter((s): s is string => s !== undefined && s.length >= 4);
    let authorization: string | undefined;
    if (username !== undefined) {
      authorization = `Basic ${Buffer.from(`${username}:${password ?? ''}`, 'utf8').toString('base64')}`;
      secrets.push(authorization.slice('Basic '.length));
    }
    const scrub = (text: string): string => secrets.reduce((t, s) => t.split(s).join('***'), text);

    const https = this.base.protocol === 'https:';
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const options: RequestOptions & { ca?: string; cert?: string; key?: string } = {
      method: 'GET',
      hostname: this.base.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: this.base.port === '' ? (https ? 443 : 80) : Number(this.base.port),
      path: `${basePath}${path}`,
      headers: { Accept: ACCEPT, ...(authorization ? { Authorization: authorization } : {}) },
      agent: false,
    };
    if (https) {
      if (ca !== undefined) options.ca = ca;
      if (cert !== undefined) options.cert = cert;
      if (key !== undefined) options.key = key;
    }

    this.requests++;
    let response: { status: number; body: string };
    try {
      response = await this.send(https, options);
    } catch (err) {
      throw new SchemaRegistryError(this.message(scrub(describeNetworkError(err, ca !== undefined))), 0, true);
    }
    const { status, body } = response;
    let parsed: unknown = undefined;
    try {
      parsed = body === '' ? undefined : JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    if (status >= 200 && status < 300) {
      if (parsed === undefined) {
        throw new SchemaRegistryError(this.message(`${describeTarget(target)}: the response is not JSON (HTTP ${status}); is this a schema registry?`), status, false);
      }
      return parsed;
    }
    const record = parsed as Record<string, unknown> | undefined;
    const errorCode = typeof record?.error_code === 'number' ? record.error_code : status;
    const serverMessage = typeof record?.message === 'string' ? record.message : '';
    throw new SchemaRegistryError(this.message(scrub(explain(target, status, errorCode, serverMessage))), errorCode, isTransientStatus(status));
  }

  private send(https: boolean, options: RequestOptions): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(options, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            req.destroy(new Error(`response larger than ${MAX_BODY_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          // One request per connection (agent: false): close it now rather than when the server does.
          req.destroy();
        });
        res.on('error', reject);
      });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      req.on('error', reject);
      req.on('close', () => clearTimeout(timer));
      req.end();
    });
  }
}

/** A client for one CONFLUENT SCHEMA REGISTRY connection. */
export function createSchemaRegistryClient(spec: CsrConnectionSpec, readSecret: SecretReader, options: SchemaRegistryClientOptions = {}): SchemaRegistryClient {
  return new HttpSchemaRegistryClient(spec, readSecret, options);
}

/** How many HTTP requests a client made (clients from createSchemaRegistryClient only; for tests). */
export function registryRequestCount(client: SchemaRegistryClient): number {
  return client instanceof HttpSchemaRegistryClient ? client.requests : 0;
}

/**
 * One client per connection spec, shared by everything in the process (so
 * the by-id cache is shared). Keyed by the spec's JSON: an ALTER CONNECTION
 * that changes the spec gets a fresh client.
 */
export class SchemaRegistryClients {
  private readonly clients = new Map<string, SchemaRegistryClient>();

  constructor(
    private readonly readSecret: SecretReader,
    private readonly options: SchemaRegistryClientOptions = {},
  ) {}

  get(spec: CsrConnectionSpec): SchemaRegistryClient {
    const key = JSON.stringify(spec);
    let client = this.clients.get(key);
    if (client === undefined) {
      client = createSchemaRegistryClient(spec, this.readSecret, this.options);
      this.clients.set(key, client);
    }
    return client;
  }
}
