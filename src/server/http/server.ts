// The HTTP endpoint beside the SQL port (--http-port, default 6876):
//
//   GET  /metrics            Prometheus text format (prom-client)
//   GET  /api/livez          200 while the process serves HTTP
//   GET  /api/readyz         200 once the catalog is loaded, sources started and SQL is served; 503 before
//   GET  /api/overview       sources (status, rates, lag), relations (rows, freshness) as JSON
//   GET  /api/sources/:id/history   a source's samples over the last minutes
//   POST /api/sql            {"query": "..."}: statements through a Session, Materialize's HTTP API shape
//   GET  /api/subscribe?query=SUBSCRIBE ...   server-sent events: columns, then batches of rows
//   GET  /  and /console/*   the web console (static files shipped with the package)
//
// Same security as the SQL port (none: bind it where you trust every
// client). Requests carrying an Origin header from another site are refused
// so a web page cannot drive the API from a browser on this machine.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { SessionFactory } from '../../adapter/api.js';
import type { CoordinatorSnapshot } from '../../adapter/introspection.js';
import { coordinatorRegistry, exposition, processRegistry, startProcessMetrics } from '../metrics.js';
import { SourceHistory } from '../source-history.js';
import { runSql } from './sql-api.js';
import { streamSubscribe } from './subscribe-sse.js';
import { serveStatic } from './static.js';

/** What the HTTP server needs of the coordinator. */
export interface HttpCoordinator extends SessionFactory {
  snapshot(): CoordinatorSnapshot;
  readonly localDataDir: string | undefined;
}

export interface HttpServerOptions {
  /** The coordinator, or none yet: it is attached once started (livez answers meanwhile, readyz says 503). */
  coordinator?: HttpCoordinator;
  logger: Logger;
  /** Readiness beyond the coordinator having started (e.g. the SQL listener is up). */
  ready?: () => boolean;
  /** Shared source history (the terminal view samples the same one); one is created when absent. */
  history?: SourceHistory;
  /** Sampling period of the source history; default 1000 ms. */
  sampleMs?: number;
  /**
   * Whether a client at this address may run SQL over HTTP (/api/sql,
   * /api/subscribe, which run as the superuser without a password); default:
   * everyone. `freshet serve` allows loopback only, unless --allow-insecure-listen.
   */
  sqlAllowed?: (remoteAddress: string | undefined) => boolean;
}

const MAX_BODY_BYTES = 1024 * 1024;

export class HttpServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private registry: Registry | undefined;
  private coordinator: HttpCoordinator | undefined;
  readonly history: SourceHistory;
  private sampler: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  /** Open SUBSCRIBE streams, ended at close(). */
  private readonly streams = new Set<() => void>();
  private storageSize: { bytes: number | undefined; at: number; pending: boolean } = { bytes: undefined, at: 0, pending: false };

  constructor(private readonly options: HttpServerOptions) {
    this.log = options.logger.child({ component: 'http' });
    startProcessMetrics();
    this.history = options.history ?? new SourceHistory();
    if (options.coordinator) this.attach(options.coordinator);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log.error({ err, url: req.url }, 'http request failed');
        if (!res.headersSent) sendJson(res, 500, { error: { message: 'internal error', code: 'XX000' } });
        else res.destroy();
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Serves `coordinator` from now on (metrics, the API, the console). */
  attach(coordinator: HttpCoordinator): void {
    this.coordinator = coordinator;
    this.registry = coordinatorRegistry({
      snapshot: () => coordinator.snapshot(),
      lagSeconds: (s, now) => this.history.lagSeconds(s, now),
      ...(coordinator.localDataDir !== undefined ? { storageBytes: () => this.storageBytes() } : {}),
    });
    // A history handed in is sampled by its owner.
    if (this.options.history === undefined && this.sampler === undefined) {
      this.sample();
      this.sampler = setInterval(() => this.sample(), this.options.sampleMs ?? 1000);
      this.sampler.unref();
    }
  }

  private sample(): void {
    if (this.coordinator === undefined) return;
    try {
      this.history.record(this.coordinator.snapshot());
    } catch (err) {
      this.log.warn({ err }, 'sampling sources failed');
    }
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.log.error({ err }, 'http listener error'));
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  async close(): Promise<void> {
    clearInterval(this.sampler);
    for (const end of [...this.streams]) end();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  /** The data directory's size, measured at most every 10 s in the background (never blocks a scrape). */
  private storageBytes(): number | undefined {
    const dir = this.coordinator?.localDataDir;
    const now = Date.now();
    if (dir !== undefined && !this.storageSize.pending && now - this.storageSize.at > 10_000) {
      this.storageSize.pending = true;
      directorySize(dir).then(
        (bytes) => (this.storageSize = { bytes, at: Date.now(), pending: false }),
        () => (this.storageSize = { ...this.storageSize, at: Date.now(), pending: false }),
      );
    }
    return this.storageSize.bytes;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (!sameOrigin(req)) {
      sendJson(res, 403, { error: { message: 'cross-origin requests are not allowed', code: '42501' } });
      return;
    }
    if (path === '/api/livez') {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    const coordinator = this.coordinator;
    if (path === '/api/readyz') {
      const ready = coordinator !== undefined && (this.options.ready?.() ?? true);
      const sources = coordinator?.snapshot().sources.map((s) => ({ name: s.name, status: s.status })) ?? [];
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'starting', catalogLoaded: coordinator !== undefined, sqlListening: ready, sources });
      return;
    }
    if (path === '/metrics' && req.method === 'GET') {
      const { contentType, body } = await exposition(this.registry ? [processRegistry, this.registry] : [processRegistry]);
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    if (path.startsWith('/api/') && coordinator === undefined) {
      sendJson(res, 503, { error: { message: 'the server is starting', code: '57P03' } });
      return;
    }
    if (path === '/api/overview' && req.method === 'GET') {
      sendJson(res, 200, this.overview(coordinator!));
      return;
    }
    const history = /^\/api\/sources\/([^/]+)\/history$/.exec(path);
    if (history && req.method === 'GET') {
      const since = Number(url.searchParams.get('since') ?? '0');
      sendJson(res, 200, { samples: this.history.samples(decodeURIComponent(history[1]!), Number.isFinite(since) ? since : 0) });
      return;
    }
    if ((path === '/api/sql' || path === '/api/subscribe') && this.options.sqlAllowed?.(req.socket.remoteAddress) === false) {
      sendJson(res, 403, { error: { message: 'SQL over HTTP is served to loopback clients only (it has no authentication); use the SQL port, or start with --allow-insecure-listen', code: '28000' } });
      return;
    }
    if (path === '/api/sql') {
      if (req.method !== 'POST') {
        sendJson(res, 405, { error: { message: 'use POST with {"query": "..."}', code: '42601' } });
        return;
      }
      await this.sql(coordinator!, req, res);
      return;
    }
    if (path === '/api/subscribe' && req.method === 'GET') {
      const query = url.searchParams.get('query') ?? '';
      const end = streamSubscribe(coordinator!, query, req, res, () => this.streams.delete(end));
      this.streams.add(end);
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (await serveStatic(path, req, res)) return;
    }
    sendJson(res, 404, { error: { message: `no such endpoint: ${req.method} ${path}`, code: '42704' } });
  }

  private overview(coordinator: HttpCoordinator): unknown {
    const snapshot = coordinator.snapshot();
    const now = snapshot.now;
    return {
      now,
      computeTime: snapshot.computeTime,
      sources: snapshot.sources.map((s) => ({ ...s, ...this.history.progress(s, now) })),
      relations: snapshot.relations,
    };
  }

  private async sql(coordinator: HttpCoordinator, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(type)) {
      sendJson(res, 415, { error: { message: 'send {"query": "..."} with Content-Type: application/json', code: '08P01' } });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (err) {
      sendJson(res, 400, { error: { message: `bad request body: ${(err as Error).message}`, code: '08P01' } });
      return;
    }
    const query = typeof body === 'object' && body !== null ? (body as { query?: unknown }).query : undefined;
    if (typeof query !== 'string') {
      sendJson(res, 400, { error: { message: 'the body must be {"query": "<SQL>"}', code: '08P01' } });
      return;
    }
    const abort = new AbortController();
    // A client that goes away cancels its statement.
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const result = await runSql(coordinator, query, { signal: abort.signal });
    if (!res.destroyed) sendJson(res, 200, result);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** No Origin header (curl, Prometheus, same-origin GETs), or an Origin naming the Host the request was sent to. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || origin === 'null') return origin === undefined;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

async function directorySize(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await directorySize(path);
    else if (entry.isFile()) total += (await stat(path).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
