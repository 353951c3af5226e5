// The process's source worker threads (`freshet serve --workers N`).
//
// Each running Kafka source opens a session on every worker: the worker
// holds the source's decoders and its shard of the envelope state. The main
// thread consumes, routes each message to the worker owning it and merges
// the workers' encoded output (see runtime.ts and docs/architecture.md).
// Workers are unref'd while idle, so they never keep the process alive.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './worker-protocol.js';

type Reply = FromWorker;

class PoolWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private nextReq = 1;
  private dead: string | null = null;

  constructor(readonly index: number) {
    this.worker = new Worker(new URL('./source-worker.js', import.meta.url));
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => {
      const resolve = this.pending.get(reply.req);
      if (resolve === undefined) return;
      this.pending.delete(reply.req);
      if (this.pending.size === 0) this.worker.unref();
      resolve(reply);
    });
    const fail = (why: string): void => {
      this.dead = why;
      for (const [req, resolve] of this.pending) resolve({ req, kind: 'failed', message: why });
      this.pending.clear();
    };
    this.worker.on('error', (err) => fail(`source worker ${index} failed: ${err.message}`));
    this.worker.on('exit', (code) => fail(`source worker ${index} exited (code ${code})`));
  }

  get failed(): boolean {
    return this.dead !== null;
  }

  post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (this.dead === null) this.worker.postMessage(message, transfer);
  }

  /** Sends a request and resolves with the worker's reply. */
  request(message: ToWorker & { req: number }, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.dead !== null) return Promise.resolve({ req: 0, kind: 'failed', message: this.dead });
    const req = this.nextReq++;
    message.req = req;
    return new Promise((resolve) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(req, resolve);
      this.worker.postMessage(message, transfer);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** A fixed set of source worker threads shared by every source of the process. */
export class SourceWorkerPool {
  private readonly workers: PoolWorker[];
  private nextSession = 1;

  constructor(readonly size: number) {
    this.workers = Array.from({ length: size }, (_, i) => new PoolWorker(i));
  }

  get broken(): boolean {
    return this.workers.some((w) => w.failed);
  }

  /** Opens a source's session on every worker. `secrets`: the values its schema registry connections read (kept in memory only). */
  open(details: unknown, secrets: Record<string, string>): WorkerSession {
    const sid = this.nextSession++;
    for (const w of this.workers) w.post({ t: 'open', sid, details, secrets, index: w.index, workers: this.size });
    return new WorkerSession(sid, this.workers);
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** One source's handle on the pool. */
export class WorkerSession {
  constructor(
    private readonly sid: number,
    private readonly workers: readonly PoolWorker[],
  ) {}

  get size(): number {
    return this.workers.length;
  }

  restore(worker: number, data: ArrayBuffer, names: string[] | null): Promise<Reply> {
    return this.workers[worker]!.request({ t: 'restore', sid: this.sid, req: 0, data, names }, [data]);
  }

  batch(worker: number, bid: number, data: ArrayBuffer): Promise<Reply> {
    return this.workers[worker]!.request({ t: 'batch', sid: this.sid, req: 0, bid, data }, [data]);
  }

  replay(worker: number, bid: number, from: number): Promise<Reply> {
    return this.workers[worker]!.request({ t: 'replay', sid: this.sid, req: 0, bid, from });
  }

  close(): void {
    for (const w of this.workers) w.post({ t: 'close', sid: this.sid });
  }
}

let configured: number | null = null;
/** Pools by size (a process normally has one; tests may ask for several sizes side by side). */
const pools = new Map<number, SourceWorkerPool>();

/** The default: one worker per core. */
export function defaultWorkerCount(): number {
  return availableParallelism();
}

/** Sets how many source workers this process uses (0: decode on the main thread). Before the first source starts. */
export function configureSourceWorkers(count: number): void {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`--workers must be a whole number, not ${count}`);
  configured = count;
}

/** The configured number of source workers (by default one per core). */
export function sourceWorkerCount(): number {
  return configured ?? defaultWorkerCount();
}

/** A pool of `count` workers (created on first use, shared), or null when sources decode on the main thread. */
export function sourceWorkerPool(count: number = sourceWorkerCount()): SourceWorkerPool | null {
  if (count === 0) return null;
  let pool = pools.get(count);
  if (pool === undefined || pool.broken) {
    pool = new SourceWorkerPool(count);
    pools.set(count, pool);
  }
  return pool;
}

/** Stops every worker thread (tests, shutdown); sessions still open fail. */
export async function terminateSourceWorkers(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.terminate()));
}
