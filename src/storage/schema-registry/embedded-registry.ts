// An in-process schema registry speaking the subset of Confluent's REST API
// that Freshet uses (subjects, versions, ids, references), with basic auth,
// TLS / mutual TLS and simulated outages. It serves tests and `freshet demo`;
// it keeps everything in memory.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { SchemaRegistryError, type SchemaReference, type SchemaType } from './api.js';

export interface EmbeddedRegistryOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Require these credentials (HTTP basic auth) on every request. */
  basicAuth?: { username: string; password: string };
  /** Serve HTTPS with this certificate; with `requestCert`, only clients with a certificate `ca` signed get through. */
  tls?: { cert: string; key: string; ca?: string; requestCert?: boolean };
}

/** How an outage shows: 503 with error code 50001, or connections closed without an answer. */
export type OutageMode = 'error' | 'drop';

interface StoredSchema {
  id: number;
  schemaType: SchemaType;
  schema: string;
  references: SchemaReference[];
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/** An error answer: HTTP status, Confluent error code and message. */
class RegistryFailure extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

function subjectNotFound(subject: string): RegistryFailure {
  return new RegistryFailure(404, 40401, `Subject '${subject}' not found.`);
}

export class EmbeddedSchemaRegistry {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly schemas = new Map<number, StoredSchema>();
  /** Canonical (type, text, references) -> id, so the same schema under any subject keeps one id. */
  private readonly idsByContent = new Map<string, number>();
  /** Subject -> ids of its versions (version n at index n - 1; deleted versions are undefined). */
  private readonly subjectVersions = new Map<string, (number | undefined)[]>();
  private nextId = 1;
  private down: OutageMode | undefined;
  private latencyMs = 0;
  /** Every request served, as "METHOD /path" (for tests that count requests). */
  readonly requestLog: string[] = [];
  url = '';

  constructor(private readonly options: EmbeddedRegistryOptions = {}) {}

  async start(): Promise<{ url: string }> {
    if (this.server) return { url: this.url };
    const tls = this.options.tls;
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      void this.handle(req, res);
    };
    const server = tls
      ? createHttpsServer({ cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: tls.requestCert ?? false, rejectUnauthorized: tls.requestCert ?? false }, handler)
      : createHttpServer(handler);
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    // A refused TLS handshake is the client's problem, not the server's.
    server.on('tlsClientError', () => undefined);
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : this.options.port ?? 0;
    const hostText = host.includes(':') ? `[${host}]` : host;
    this.url = `${tls ? 'https' : 'http'}://${hostText}:${port}`;
    return { url: this.url };
  }

  /**
   * Registers a schema under a subject (as POST /subjects/{subject}/versions
   * does) and returns its id; throws SchemaRegistryError (42201, 40401, 40402)
   * for an invalid schema or an unknown reference.
   */
  register(subject: string, schema: string, schemaType: SchemaType = 'AVRO', references: SchemaReference[] = []): number {
    try {
      return this.registerSchema(subject, schema, schemaType, references);
    } catch (err) {
      if (err instanceof RegistryFailure) throw new SchemaRegistryError(err.message, err.errorCode, false);
      throw err;
    }
  }

  /** Simulates an outage: 503 / 50001 answers (`error`) or closed connections (`drop`) until setDown(false). */
  setDown(down: boolean, mode: OutageMode = 'error'): void {
    this.down = down ? mode : undefined;
    if (down && mode === 'drop') for (const socket of this.sockets) socket.destroy();
  }

  /** Delays every answer by this many milliseconds (to test client timeouts). */
  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private registerSchema(subject: string, schema: string, schemaType: SchemaType, references: SchemaReference[]): number {
    if (subject === '') throw new RegistryFailure(422, 42201, 'Invalid schema: the subject is empty');
    const canonical = this.canonicalText(schema, schemaType);
    for (const ref of references) {
      const versions = this.subjectVersions.get(ref.subject);
      if (versions === undefined) throw new RegistryFailure(422, 42201, `Invalid schema: reference "${ref.name}" names subject '${ref.subject}', which does not exist`);
      const id = ref.version === -1 ? lastOf(versions) : versions[ref.version - 1];
      if (id === undefined) throw new RegistryFailure(422, 42201, `Invalid schema: reference "${ref.name}" names version ${ref.version} of subject '${ref.subject}', which does not exist`);
    }
    const refs = references.map((r) => ({ name: r.name, subject: r.subject, version: r.version }));
    const contentKey = JSON.stringify([schemaType, canonical, refs]);
    let id = this.idsByContent.get(contentKey);
    if (id === undefined) {
      id = this.nextId++;
      this.idsByContent.set(contentKey, id);
      this.schemas.set(id, { id, schemaType, schema, references: refs });
    }
    let versions = this.subjectVersions.get(subject);
    if (versions === undefined) {
      versions = [];
      this.subjectVersions.set(subject, versions);
    }
    if (!versions.includes(id)) versions.push(id);
    return id;
  }

  /** AVRO and JSON schemas compare as parsed JSON (whitespace does not matter); PROTOBUF as text. */
  private canonicalText(schema: string, schemaType: SchemaType): string {
    if (schemaType === 'PROTOBUF') {
      if (schema.trim() === '') throw new RegistryFailure(422, 42201, 'Invalid schema: empty Protobuf schema');
      return schema;
    }
    try {
      return JSON.stringify(JSON.parse(schema));
    } catch (err) {
      throw new RegistryFailure(422, 42201, `Invalid schema ${schema}: ${(err as Error).message}`);
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    this.requestLog.push(`${req.method ?? 'GET'} ${path}`);
    try {
      if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      if (this.down === 'drop') {
        req.socket.destroy();
        return;
      }
      if (this.down === 'error') throw new RegistryFailure(503, 50001, 'Error in the backend data store');
      this.authenticate(req);
      const body = req.method === 'POST' ? await readBody(req) : undefined;
      const answer = this.route(req.method ?? 'GET', path, body);
      send(res, 200, answer);
    } catch (err) {
      if (err instanceof RegistryFailure) {
        const headers: Record<string, string> = err.status === 401 ? { 'WWW-Authenticate': 'Basic realm="SchemaRegistry"' } : {};
        send(res, err.status, { error_code: err.errorCode, message: err.message }, headers);
      } else {
        send(res, 500, { error_code: 50001, message: `Internal error: ${(err as Error).message}` });
      }
    }
  }

  private authenticate(req: IncomingMessage): void {
    const expected = this.options.basicAuth;
    if (!expected) return;
    const header = req.headers.authorization ?? '';
    const match = /^Basic\s+(\S+)$/i.exec(header);
    const given = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : undefined;
    if (given !== `${expected.username}:${expected.password}`) throw new RegistryFailure(401, 40101, 'Unauthorized');
  }

  private route(method: string, path: string, body: unknown): unknown {
    const parts = path.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
    if (method === 'GET' && parts.length === 1 && parts[0] === 'subjects') {
      return [...this.subjectVersions.keys()].sort();
    }
    if (parts[0] === 'subjects' && parts.length >= 2) {
      const subject = parts[1]!;
      if (parts.length === 2 && method === 'DELETE') return this.deleteSubject(subject);
      if (parts.length === 3 && parts[2] === 'versions') {
        if (method === 'GET') return this.versionsOf(subject).flatMap((id, i) => (id === undefined ? [] : [i + 1]));
        if (method === 'POST') return this.registerFromBody(subject, body);
      }
      if (parts.length === 4 && parts[2] === 'versions' && method === 'GET') return this.subjectVersion(subject, parts[3]!);
    }
    if (method === 'GET' && parts.length === 3 && parts[0] === 'schemas' && parts[1] === 'ids') {
      const id = /^[0-9]+$/.test(parts[2]!) ? Number(parts[2]) : NaN;
      const stored = this.schemas.get(id);
      if (stored === undefined) throw new RegistryFailure(404, 40403, `Schema ${parts[2]} not found`);
      return schemaBody(stored);
    }
    throw new RegistryFailure(404, 404, 'HTTP 404 Not Found');
  }

  private versionsOf(subject: string): (number | undefined)[] {
    const versions = this.subjectVersions.get(subject);
    if (versions === undefined) throw subjectNotFound(subject);
    return versions;
  }

  private subjectVersion(subject: string, versionText: string): unknown {
    const versions = this.versionsOf(subject);
    let version: number;
    if (versionText === 'latest' || versionText === '-1') {
      version = versions.length;
      while (version > 0 && versions[version - 1] === undefined) version--;
    } else if (/^[0-9]+$/.test(versionText) && Number(versionText) >= 1 && Number(versionText) <= 2 ** 31 - 1) {
      version = Number(versionText);
    } else {
      throw new RegistryFailure(422, 42202, `The specified version '${versionText}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`);
    }
    const id = versions[version - 1];
    if (id === undefined) throw new RegistryFailure(404, 40402, `Version ${versionText} not found.`);
    const stored = this.schemas.get(id)!;
    return { subject, version, id, ...schemaBody(stored) };
  }

  private deleteSubject(subject: string): number[] {
    const versions = this.versionsOf(subject);
    this.subjectVersions.delete(subject);
    return versions.flatMap((id, i) => (id === undefined ? [] : [i + 1]));
  }

  private registerFromBody(subject: string, body: unknown): { id: number } {
    const record = body as Record<string, unknown> | undefined;
    if (typeof record?.schema !== 'string') throw new RegistryFailure(422, 42201, 'Invalid schema: the request has no "schema" string');
    const type = record.schemaType ?? 'AVRO';
    if (type !== 'AVRO' && type !== 'PROTOBUF' && type !== 'JSON') throw new RegistryFailure(422, 42201, `Invalid schema: unknown schemaType ${JSON.stringify(type)}`);
    const refsValue = record.references ?? [];
    if (!Array.isArray(refsValue)) throw new RegistryFailure(422, 42201, 'Invalid schema: references must be an array');
    const references = refsValue.map((entry: unknown): SchemaReference => {
      const ref = entry as Record<string, unknown> | null;
      if (typeof ref?.name !== 'string' || typeof ref.subject !== 'string' || typeof ref.version !== 'number') {
        throw new RegistryFailure(422, 42201, 'Invalid schema: each reference needs a name, a subject and a version');
      }
      return { name: ref.name, subject: ref.subject, version: ref.version };
    });
    return { id: this.registerSchema(subject, record.schema, type, references) };
  }
}

function lastOf(versions: (number | undefined)[]): number | undefined {
  for (let i = versions.length - 1; i >= 0; i--) if (versions[i] !== undefined) return versions[i];
  return undefined;
}

function schemaBody(stored: StoredSchema): Record<string, unknown> {
  const body: Record<string, unknown> = { schema: stored.schema };
  // Confluent leaves schemaType out for AVRO, and references out when there are none.
  if (stored.schemaType !== 'AVRO') body.schemaType = stored.schemaType;
  if (stored.references.length > 0) body.references = stored.references;
  return body;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new RegistryFailure(413, 413, 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RegistryFailure(400, 400, 'Unrecognized request body: not JSON');
  }
}
