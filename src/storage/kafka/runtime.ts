// Running Kafka sources: consumer loop, decoding, envelopes, progress, status.
//
// One consumer per source, partitions assigned explicitly (no consumer-group
// rebalancing, offsets never committed to Kafka: they live in the source's
// shard with its data). Messages are consumed in batches, decoded and run
// through the envelope into a pending tick; a tick is handed to the sink
// while the next batch is read, and the next tick waits until the sink has
// made the previous one durable (backpressure). Broker trouble makes the
// source 'stalled' with the error; it keeps retrying and returns to
// 'running' by itself.
import type { Assignment, KafkaConsumer, LibrdKafkaError, Metadata } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import type { ErrorUpdate, Update } from '../../compute/api.js';
import type { PartitionOffsets, RunningSource, SourceSink, SourceStatistics, SourceStatus, SourceTick } from '../api.js';
import type { KafkaConnectionSpec, KafkaSourceSpec, SecretReader } from './plan.js';
import type { KafkaSourceDetails } from './source-plan.js';
import { authenticationCause, CONSUME_BATCH_SIZE, connectConsumer, createConsumer, describeKafkaError, disconnectConsumer, getMetadata, watchConnectFailures } from './client.js';
import { createEnvelope, UpsertEnvelope, upsertErrorMapKey, upsertKeyHash, type SourceEnvelope, type TickBuffer } from './envelope.js';
import { resolveStartOffsets } from './start-offsets.js';
import type { KafkaRecord, RecordDecoder } from './records.js';
import { OFFLINE_FORMAT_RUNTIME, type FormatRuntime } from '../formats/format.js';
import type { CsrConnectionSpec } from '../schema-registry/api.js';
import type { Row } from '../../repr/types.js';
import { ByteWriter } from '../codec.js';
import { DebeziumEnvelope } from './debezium.js';
import { sourceWorkerPool, type WorkerSession } from './worker-pool.js';
import { detach, packRecords, readOutput, writeOutput, type FromWorker } from './worker-protocol.js';

/** Knobs with production defaults; tests shorten the waits. */
export interface KafkaSourceTuning {
  /** Messages per consume call (default CONSUME_BATCH_SIZE). */
  batchSize?: number;
  /** How long one consume call waits for the first message (default 100 ms): the longest a tick waits. */
  consumeTimeoutMs?: number;
  /** Pending updates at which reading waits for the sink (default 200 000). */
  maxPendingUpdates?: number;
  /** Connect / metadata timeout (default 10 s). */
  connectTimeoutMs?: number;
  /** First retry delay after a failure; doubles up to retryMaxMs (defaults 500 ms, 30 s). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** How often a stalled source re-checks the broker (default 1 s). */
  healthCheckMs?: number;
}

export interface StartKafkaSourceOptions {
  sourceId: string;
  spec: KafkaSourceSpec;
  connection: KafkaConnectionSpec;
  readSecret: SecretReader;
  /** Offsets stored with the source's data; null on first start (use START OFFSET / TIMESTAMP / earliest). */
  resumeOffsets: PartitionOffsets | null;
  sink: SourceSink;
  logger: Logger;
  /**
   * The source's current contents read back from its shard (consolidated),
   * on restart. ENVELOPE UPSERT rebuilds its key -> row state from them.
   */
  initialContents?: Update[];
  /** The source's outstanding errors on restart (upsert decode errors are per-key state too). */
  initialErrors?: ErrorUpdate[];
  tuning?: KafkaSourceTuning;
  /** What registry formats use to fetch writer schemas (default: none available). */
  formatRuntime?: FormatRuntime;
  /**
   * Source worker threads that decode and apply the envelope (default: the
   * process's setting, `--workers`, one per core); 0 decodes on this thread.
   */
  workers?: number;
}

/** Batches handed to workers and not yet merged, at most (bounds memory; keeps workers busy). */
const MAX_OUTSTANDING_BATCHES = 4;

class AbandonedBatch extends Error {}

/** A worker's output for one batch: encoded buffers (one per round), its state size after it. */
interface WorkerOutput {
  data: ArrayBuffer[];
  stateSize: number;
  truncates: number[];
}

/** A batch handed to the workers, merged in order once every worker has answered. */
interface BatchJob {
  /** Positions after the batch: what the tick that includes it records. */
  end: Map<number, number>;
  result: Promise<WorkerOutput[]>;
  /** Resolves once merged into the pending tick (or abandoned). */
  merged: Promise<void>;
}

/** The secret values a format's schema registry connection reads (handed to the workers, never logged). */
function registrySecrets(details: KafkaSourceDetails, readSecret: SecretReader): Record<string, string> {
  const out: Record<string, string> = {};
  for (const format of [details.keyFormat, details.valueFormat]) {
    const registry = (format as { registry?: CsrConnectionSpec } | undefined)?.registry;
    if (!registry) continue;
    for (const v of [registry.username, registry.password, registry.sslCa, registry.sslCertificate, registry.sslKey]) {
      if (typeof v !== 'object' || v === null) continue;
      try {
        out[v.id] = readSecret(v.id);
      } catch {
        // A missing secret fails the registry request in the worker, as it would here.
      }
    }
  }
  return out;
}

/** The worker owning a map key. */
function workerOf(mapKey: string, workers: number): number {
  return (Math.imul(upsertKeyHash(mapKey), 0x9e3779b1) >>> 0) % workers;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class TopicMissingError extends Error {}

/** Methods the client has but its type declarations lack. */
type Consumer = KafkaConsumer & {
  setDefaultIsTimeoutOnlyForFirstMessage(isTimeoutOnlyForFirstMessage: boolean): void;
  incrementalAssign(assignments: Assignment[]): void;
};

function sumOffsets(offsets: ReadonlyMap<number, bigint>): bigint {
  let total = 0n;
  for (const o of offsets.values()) total += o;
  return total;
}

class KafkaSourceRuntime implements RunningSource {
  readonly desc;
  private readonly details: KafkaSourceDetails;
  private readonly envelope: SourceEnvelope;
  private readonly decoder: RecordDecoder;
  private readonly tuning: Required<KafkaSourceTuning>;
  private consumer: KafkaConsumer | null = null;
  /** Next offset to read, per partition (numbers: cheaper per message). */
  private readonly positions = new Map<number, number>();
  /**
   * What a tick cut now would record: the positions after the last batch
   * processed (on this thread: `positions` itself; with workers: after the
   * last batch whose output was merged).
   */
  private tickPositions: Map<number, number>;
  /** With source workers: the source's session on them, else null. */
  private readonly session: WorkerSession | null = null;
  /** With two or more workers and a keyed envelope: a main-thread instance that only computes keys, to route records. */
  private readonly router: UpsertEnvelope | DebeziumEnvelope | null = null;
  /** Debezium with a router: stored rows not yet keyed (their key's field names come with the first keyed event). */
  private unkeyed: Row[] = [];
  private readonly workerStateSizes: number[] = [];
  private readonly withHeaders: boolean;
  /** Route append-only records by partition (formats with per-partition state: CSV headers) rather than in even slices. */
  private readonly byPartition: boolean;
  private restoring: Promise<void> = Promise.resolve();
  private batchCounter = 0;
  private outstanding: BatchJob[] = [];
  private mergeChain: Promise<void> = Promise.resolve();
  /** Per worker: resolves once its previous batch was answered (a batch refused while an earlier one waits is sent again after it). */
  private lanes: Promise<void>[] = [];
  /** A worker failed: its state can no longer be trusted; the source stays stalled. */
  private workerFailure: string | null = null;
  private committedOffsets = new Map<number, bigint>();
  private deliveredOffsets: Map<number, bigint> | null;
  private highWatermarks = new Map<number, bigint>();
  private snapshotTargets: Map<number, bigint> | null = null;
  private pending: TickBuffer = { updates: [], errors: [] };
  private inFlight: Promise<void> | null = null;
  private stopping = false;
  private wakeSleeper: (() => void) | null = null;
  /** Reads why the current consumer failed to connect (librdkafka's FAIL lines). */
  private connectFailure: (() => string | undefined) | null = null;
  private readonly done: Promise<void>;
  private status: SourceStatus = 'created';
  private lastHealthCheck = 0;
  private lastRefresh = 0;
  private healthCheckRequested = false;
  private readonly stats = { messagesReceived: 0, bytesReceived: 0, updatesStaged: 0, updatesCommitted: 0, snapshotCommitted: false };

  constructor(private readonly options: StartKafkaSourceOptions) {
    this.desc = options.spec.desc;
    this.details = options.spec.details as unknown as KafkaSourceDetails;
    const t = options.tuning ?? {};
    this.tuning = {
      batchSize: t.batchSize ?? CONSUME_BATCH_SIZE,
      consumeTimeoutMs: t.consumeTimeoutMs ?? 100,
      maxPendingUpdates: t.maxPendingUpdates ?? 200_000,
      connectTimeoutMs: t.connectTimeoutMs ?? 10_000,
      retryInitialMs: t.retryInitialMs ?? 500,
      retryMaxMs: t.retryMaxMs ?? 30_000,
      healthCheckMs: t.healthCheckMs ?? 1000,
    };
    const { envelope, decoder } = createEnvelope(this.details, options.formatRuntime ?? OFFLINE_FORMAT_RUNTIME);
    this.envelope = envelope;
    this.decoder = decoder;
    this.withHeaders = this.details.metadata.some((m) => m.kind === 'headers' || m.kind === 'header');
    this.byPartition = this.details.valueFormat.kind === 'csv' || this.details.keyFormat?.kind === 'csv';
    const pool = sourceWorkerPool(options.workers);
    if (pool === null) {
      this.tickPositions = this.positions;
      envelope.restore(options.initialContents ?? [], options.initialErrors ?? []);
    } else {
      this.tickPositions = new Map();
      this.session = pool.open(this.details, registrySecrets(this.details, options.readSecret));
      this.lanes = Array.from({ length: pool.size }, () => Promise.resolve());
      this.workerStateSizes = new Array<number>(pool.size).fill(0);
      // The main thread's envelope instance only computes keys: it holds no state.
      if (pool.size > 1 && (envelope instanceof UpsertEnvelope || envelope instanceof DebeziumEnvelope)) this.router = envelope;
      this.restoring = this.restoreWorkers(options.initialContents ?? [], options.initialErrors ?? []);
    }
    if (options.resumeOffsets) {
      for (const [p, o] of options.resumeOffsets) this.committedOffsets.set(p, o);
    }
    this.deliveredOffsets = options.resumeOffsets ? new Map(options.resumeOffsets) : null;
    this.done = this.run();
  }

  statistics(): SourceStatistics {
    const committed = sumOffsets(this.committedOffsets);
    const known = this.highWatermarks.size > 0 ? sumOffsets(this.highWatermarks) : null;
    return {
      messagesReceived: this.stats.messagesReceived,
      bytesReceived: this.stats.bytesReceived,
      updatesStaged: this.stats.updatesStaged,
      updatesCommitted: this.stats.updatesCommitted,
      recordsIndexed: this.session === null ? this.envelope.stateSize : this.workerStateSizes.reduce((a, b) => a + b, 0) + this.unkeyed.length,
      offsetKnown: known === null ? null : known > committed ? known : committed,
      offsetCommitted: this.committedOffsets.size > 0 ? committed : null,
      snapshotCommitted: this.stats.snapshotCommitted,
    };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeSleeper?.();
    await this.done;
  }

  private setStatus(status: SourceStatus, error?: string): void {
    if (this.stopping) return;
    if (status === this.status && error === undefined) return;
    this.status = status;
    this.options.sink.status(error === undefined ? { status, at: new Date() } : { status, error, at: new Date() });
  }

  private async pause(ms: number): Promise<void> {
    if (this.stopping) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeSleeper = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeSleeper = null;
  }

  private async run(): Promise<void> {
    this.setStatus('starting');
    let backoff = this.tuning.retryInitialMs;
    try {
      await this.restoring;
    } catch (err) {
      this.workerFailure = err instanceof Error ? err.message : String(err);
    }
    while (!this.stopping) {
      if (this.workerFailure !== null) {
        // Its state is lost: reading on could not be exact. A restart of the source rebuilds it from the stored data.
        this.options.logger.error({ err: this.workerFailure }, 'kafka source stalled: a source worker failed');
        this.setStatus('stalled', `source worker failed: ${this.workerFailure.split('\n')[0]}`);
        await this.closeConsumer();
        while (!this.stopping) await this.pause(60_000);
        break;
      }
      try {
        await this.connectAndAssign();
        backoff = this.tuning.retryInitialMs;
        await this.consumeLoop();
      } catch (err) {
        if (this.stopping) break;
        let message = err instanceof TopicMissingError ? err.message : `Meta data fetch error: ${describeKafkaError(err)}`;
        if (!(err instanceof TopicMissingError) && this.connectFailure) {
          // Authentication and TLS failures name their cause (librdkafka's FAIL line; its events trail the error a little).
          await new Promise((resolve) => setTimeout(resolve, 100));
          const cause = authenticationCause(this.connectFailure());
          if (cause) message = `${message}: ${cause}`;
        }
        this.options.logger.warn({ err: message }, 'kafka source stalled');
        this.setStatus('stalled', message);
        await this.closeConsumer();
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, this.tuning.retryMaxMs);
      }
    }
    try {
      await this.drain();
    } finally {
      await this.closeConsumer();
      this.session?.close();
    }
  }

  private async closeConsumer(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    if (consumer) await disconnectConsumer(consumer);
  }

  private groupId(): string {
    return `${this.details.groupIdPrefix ?? ''}freshet-${this.options.sourceId}`;
  }

  private async connectAndAssign(): Promise<void> {
    const { connection, readSecret, spec, logger } = this.options;
    const consumer = createConsumer(connection, readSecret, this.groupId(), { event_cb: true });
    this.connectFailure = watchConnectFailures(consumer);
    consumer.on('event.error', (err: LibrdKafkaError) => {
      logger.debug({ err: err.message, code: err.code }, 'kafka client error');
      this.healthCheckRequested = true;
    });
    consumer.on('event.log', (log: { severity: number; fac: string; message: string }) => {
      if (log.severity <= 3) logger.debug({ fac: log.fac }, log.message);
    });
    this.consumer = consumer;
    await connectConsumer(consumer, this.tuning.connectTimeoutMs);
    const partitions = await this.topicPartitions(consumer, this.tuning.connectTimeoutMs);
    if (this.positions.size === 0) {
      const start = await resolveStartOffsets(
        {
          partitions,
          resumeOffsets: this.options.resumeOffsets,
          ...(this.details.startOffsets ? { startOffsets: this.details.startOffsets.map((o) => BigInt(o)) } : {}),
          ...(this.details.startTimestampMs !== undefined ? { startTimestampMs: this.details.startTimestampMs } : {}),
          nowMs: Date.now(),
        },
        {
          offsetsForTimes: (ps, timestampMs) => this.offsetsForTimes(consumer, ps, timestampMs),
          highWatermark: async (p) => Number((await this.queryHighWatermark(consumer, p)) ?? 0n),
        },
      );
      for (const [p, o] of start) this.positions.set(p, Number(o));
    }
    for (const p of partitions) if (!this.positions.has(p)) this.positions.set(p, 0);
    this.syncTickPositions();
    // Asked before assigning: once partitions are assigned, each query waits
    // behind the fetch the broker holds for fetch.wait.max.ms (measured: up
    // to 8 s of start-up for 16 partitions asked one by one).
    await this.refreshWatermarks(consumer, false);
    consumer.assign([...this.positions].map(([partition, offset]) => ({ topic: spec.topic, partition, offset })));
    if (this.snapshotTargets === null) this.snapshotTargets = new Map(this.highWatermarks);
    this.lastRefresh = Date.now();
    this.healthCheckRequested = false;
    this.setStatus('running');
    this.updateSnapshotCommitted();
    // Record where reading starts, so progress is visible before any data.
    if (!this.offsetsDelivered()) this.deliver();
  }

  private offsetsDelivered(): boolean {
    const delivered = this.deliveredOffsets;
    if (!delivered || delivered.size !== this.tickPositions.size) return false;
    for (const [p, o] of this.tickPositions) if (delivered.get(p) !== BigInt(o)) return false;
    return true;
  }

  /** With workers and nothing outstanding: the tick's positions are the read positions (partitions found since included). */
  private syncTickPositions(): void {
    if (this.session === null || this.outstanding.length > 0) return;
    for (const [p, o] of this.positions) this.tickPositions.set(p, o);
  }

  private async topicPartitions(consumer: KafkaConsumer, timeoutMs: number): Promise<number[]> {
    const topic = this.options.spec.topic;
    const metadata: Metadata = await getMetadata(consumer, topic, timeoutMs);
    const entry = metadata.topics.find((t) => t.name === topic);
    if (!entry || entry.partitions.length === 0) throw new TopicMissingError(`Topic "${topic}" does not exist`);
    return entry.partitions.map((p) => p.id).sort((a, b) => a - b);
  }

  private offsetsForTimes(consumer: KafkaConsumer, partitions: readonly number[], timestampMs: number): Promise<Map<number, number>> {
    const topic = this.options.spec.topic;
    return new Promise((resolve, reject) => {
      consumer.offsetsForTimes(
        partitions.map((partition) => ({ topic, partition, offset: timestampMs })),
        this.tuning.connectTimeoutMs,
        (err, offsets) => (err ? reject(err) : resolve(new Map(offsets.map((o) => [o.partition, o.offset])))),
      );
    });
  }

  private queryHighWatermark(consumer: KafkaConsumer, partition: number): Promise<bigint | null> {
    return new Promise((resolve) => {
      consumer.queryWatermarkOffsets(this.options.spec.topic, partition, this.tuning.connectTimeoutMs, (err, offsets) =>
        resolve(err ? null : BigInt(offsets.highOffset)),
      );
    });
  }

  /**
   * The partitions' high watermarks (mz_source_statistics.offset_known).
   * `cached`: what the client learnt from its fetch responses, for assigned
   * partitions (no round trip, no wait behind a held fetch); the broker is
   * asked, all partitions at once, only where the client knows nothing yet.
   */
  private async refreshWatermarks(consumer: KafkaConsumer, cached: boolean): Promise<void> {
    const next = new Map<number, bigint>();
    const ask: number[] = [];
    for (const p of this.positions.keys()) {
      const known = cached ? this.cachedHighWatermark(consumer, p) : null;
      if (known !== null) next.set(p, known);
      else ask.push(p);
    }
    const answers = await Promise.all(ask.map((p) => this.queryHighWatermark(consumer, p)));
    ask.forEach((p, i) => {
      const high = answers[i];
      if (high !== null && high !== undefined) next.set(p, high);
    });
    if (next.size > 0) this.highWatermarks = next;
  }

  private cachedHighWatermark(consumer: KafkaConsumer, partition: number): bigint | null {
    try {
      const { highOffset } = consumer.getWatermarkOffsets(this.options.spec.topic, partition);
      return typeof highOffset === 'number' && highOffset >= 0 ? BigInt(highOffset) : null;
    } catch {
      return null;
    }
  }

  private consume(consumer: KafkaConsumer): Promise<KafkaRecord[]> {
    return new Promise((resolve, reject) => {
      consumer.consume(this.tuning.batchSize, (err, messages) => (err ? reject(err) : resolve(messages)));
    });
  }

  private async consumeLoop(): Promise<void> {
    const consumer = this.consumer as Consumer;
    consumer.setDefaultConsumeTimeout(this.tuning.consumeTimeoutMs);
    consumer.setDefaultIsTimeoutOnlyForFirstMessage(true);
    if (this.session !== null) return this.consumeLoopWorkers(consumer);
    const envelope = this.envelope;
    const positions = this.positions;
    // While a batch is processed, the next one is already being taken off
    // librdkafka's queue (on a libuv thread): at most one consume call is
    // outstanding, so batches still arrive in order. Only after a non-empty
    // batch: an idle source has no call outstanding between its waits.
    let prefetched: Promise<KafkaRecord[]> | null = null;
    try {
      while (!this.stopping) {
        const messages: KafkaRecord[] = await (prefetched ?? this.consume(consumer));
        prefetched = null;
        if (messages.length > 0) {
          if (!this.stopping) {
            prefetched = this.consume(consumer);
            // Its failure is seen where it is awaited; until then it must not count as unhandled.
            prefetched.catch(() => undefined);
          }
          await this.prepareBatch(messages);
          if (this.stopping) break;
          const pending = this.pending;
          let bytes = 0;
          for (let i = 0; i < messages.length; i++) {
            const m = messages[i]!;
            bytes += m.value === null ? 0 : m.value.length;
            envelope.process(m, pending);
            positions.set(m.partition, m.offset + 1);
          }
          this.stats.messagesReceived += messages.length;
          this.stats.bytesReceived += bytes;
          if (this.status !== 'running') this.setStatus('running');
          if (this.inFlight === null) this.deliver();
          else if (pending.updates.length + pending.errors.length >= this.tuning.maxPendingUpdates) {
            await this.inFlight;
            this.deliver();
          }
        } else if (this.inFlight === null && (this.pending.updates.length > 0 || this.pending.errors.length > 0 || !this.offsetsDelivered())) {
          this.deliver();
        }
        await this.maintain(consumer);
      }
    } finally {
      // A batch taken but not processed is read again from the recorded
      // positions; the call must finish before the consumer is closed.
      if (prefetched !== null) await prefetched.catch(() => []);
    }
  }

  /**
   * Fetches what decoding the batch needs from outside (writer schemas from
   * the schema registry). While that fails the source is stalled with the
   * reason and retries with backoff, holding the batch: nothing is skipped,
   * and it resumes by itself when the registry answers again.
   */
  private async prepareBatch(messages: readonly KafkaRecord[], prepare: (messages: readonly KafkaRecord[]) => Promise<void> | null = (m) => this.decoder.prepare(m)): Promise<void> {
    let backoff = this.tuning.retryInitialMs;
    while (!this.stopping) {
      const wait = prepare(messages);
      if (wait === null) return;
      try {
        await wait;
        return;
      } catch (err) {
        await this.registryStall(err, backoff);
        backoff = Math.min(backoff * 2, this.tuning.retryMaxMs);
      }
    }
  }

  private async registryStall(err: unknown, backoff: number): Promise<void> {
    const reason = err instanceof Error ? err.message : String(err);
    // The registry client's messages already name it ("schema registry at <url>: ...").
    const message = reason.startsWith('schema registry') ? reason : `schema registry: ${reason}`;
    if (this.status !== 'stalled') this.options.logger.warn({ err: message }, 'kafka source stalled');
    this.setStatus('stalled', message);
    await this.pause(backoff);
  }

  // ---- Source workers -------------------------------------------------

  /**
   * Hands the stored state to the workers owning it: upsert rows and errors
   * by their key; Debezium rows stay here until the first keyed event names
   * the key's fields (with one worker, everything goes to it as it is).
   */
  private async restoreWorkers(contents: readonly Update[], errors: readonly ErrorUpdate[]): Promise<void> {
    const session = this.session!;
    if (this.details.envelope === 'none' || (contents.length === 0 && errors.length === 0)) return;
    const n = session.size;
    const rows: Update[][] = Array.from({ length: n }, () => []);
    const errs: ErrorUpdate[][] = Array.from({ length: n }, () => []);
    const router = this.router;
    if (router === null) {
      rows[0] = contents.slice();
      errs[0] = errors.slice();
    } else {
      if (router instanceof UpsertEnvelope) {
        for (const u of contents) if (u.diff > 0) rows[workerOf(router.mapKey(u.row), n)]!.push(u);
      } else {
        for (const u of contents) if (u.diff > 0) for (let i = 0; i < u.diff; i++) this.unkeyed.push(u.row);
      }
      for (const e of errors) {
        const mapKey = upsertErrorMapKey(e);
        errs[mapKey === null ? 0 : workerOf(mapKey, n)]!.push(e);
      }
    }
    await Promise.all(
      rows.map(async (r, w) => {
        if (r.length === 0 && errs[w]!.length === 0) return;
        const writer = new ByteWriter();
        writeOutput(writer, r, errs[w]!);
        const reply = await session.restore(w, detach(writer), null);
        if (reply.kind !== 'ok') throw new Error(reply.message);
        this.workerStateSizes[w] = reply.stateSize;
      }),
    );
  }

  private async consumeLoopWorkers(consumer: Consumer): Promise<void> {
    let prefetched: Promise<KafkaRecord[]> | null = null;
    try {
      while (!this.stopping && this.workerFailure === null) {
        const messages: KafkaRecord[] = await (prefetched ?? this.consume(consumer));
        prefetched = null;
        if (messages.length > 0) {
          if (!this.stopping) {
            prefetched = this.consume(consumer);
            prefetched.catch(() => undefined);
          }
          // Keys decoded here to route records need their writer schemas here too.
          if (this.router !== null) await this.prepareBatch(messages, (m) => this.decoder.prepareKeys(m));
          if (this.stopping) break;
          await this.dispatch(messages);
          // Debezium: a keyed truncate may make the other workers replay the batch, so one batch at a time.
          const limit = this.details.envelope === 'debezium' ? 1 : MAX_OUTSTANDING_BATCHES;
          while (this.outstanding.length >= limit && this.workerFailure === null) await this.outstanding[0]!.merged;
          const pending = this.pending;
          if (this.inFlight !== null && pending.updates.length + pending.errors.length >= this.tuning.maxPendingUpdates) {
            await this.inFlight;
            this.deliver();
          }
        } else {
          while (this.outstanding.length > 0 && this.workerFailure === null) await this.outstanding[0]!.merged;
          this.syncTickPositions();
          if (this.inFlight === null && (this.pending.updates.length > 0 || this.pending.errors.length > 0 || !this.offsetsDelivered())) this.deliver();
        }
        await this.maintain(consumer);
      }
    } finally {
      if (prefetched !== null) await prefetched.catch(() => []);
    }
  }

  /** Routes a batch to the workers (packed, transferred) and queues the merge of their output. */
  private async dispatch(messages: KafkaRecord[]): Promise<void> {
    const session = this.session!;
    const n = session.size;
    const lists: number[][] = Array.from({ length: n }, () => []);
    const router = this.router;
    if (n === 1) {
      for (let i = 0; i < messages.length; i++) lists[0]!.push(i);
    } else if (router instanceof UpsertEnvelope) {
      for (let i = 0; i < messages.length; i++) {
        const mapKey = router.routingKey(messages[i]!);
        // The NULL-key error is one state entry: worker 0 owns it.
        lists[mapKey === null ? 0 : workerOf(mapKey, n)]!.push(i);
      }
    } else if (router instanceof DebeziumEnvelope) {
      await this.routeDebezium(router, messages, lists);
    } else if (this.byPartition) {
      for (let i = 0; i < messages.length; i++) lists[messages[i]!.partition % n]!.push(i);
    } else {
      // Append-only, no per-partition state: contiguous slices, merged back in order.
      const per = Math.ceil(messages.length / n);
      for (let i = 0; i < messages.length; i++) lists[Math.floor(i / per)]!.push(i);
    }
    let bytes = 0;
    const positions = this.positions;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      bytes += m.value === null ? 0 : m.value.length;
      positions.set(m.partition, m.offset + 1);
    }
    this.stats.messagesReceived += messages.length;
    this.stats.bytesReceived += bytes;
    const bid = ++this.batchCounter;
    const everyWorker = this.details.envelope === 'debezium';
    const result = Promise.all(
      lists.map((list, w) => (list.length > 0 || everyWorker ? this.runOnWorker(w, bid, () => packRecords(messages, list, this.withHeaders)) : Promise.resolve(null))),
    ).then((outputs) => this.replayTruncates(bid, outputs));
    // Nothing to await here before the merge: a rejection is handled there.
    result.catch(() => undefined);
    const job: BatchJob = { end: new Map(positions), result, merged: Promise.resolve() };
    job.merged = this.mergeChain = this.mergeChain.then(async () => {
      try {
        this.merge(job, await result);
      } catch (err) {
        if (!(err instanceof AbandonedBatch)) this.workerFailure ??= err instanceof Error ? err.message : String(err);
      } finally {
        this.outstanding.shift();
      }
    });
    this.outstanding.push(job);
  }

  /**
   * Debezium: each record to the worker owning its key; key-less records
   * (truncates, the NULL-key error) to every worker. Stored rows held here
   * are keyed by the first keyed event and sent to their workers first.
   */
  private async routeDebezium(router: DebeziumEnvelope, messages: readonly KafkaRecord[], lists: number[][]): Promise<void> {
    const n = lists.length;
    for (let i = 0; i < messages.length; i++) {
      const r = messages[i]!;
      const key = router.routingKey(r);
      if (key === null) {
        // A truncate before any keyed event drops the stored rows held here (as the envelope itself does).
        if (this.unkeyed.length > 0) {
          await this.prepareBatch([r]);
          if (router.isTruncateRecord(r)) this.unkeyed = [];
        }
        for (const list of lists) list.push(i);
        continue;
      }
      if (this.unkeyed.length > 0 && key.names.length > 0) await this.sendKeyedRows(router, key.names);
      lists[workerOf(key.mapKey, n)]!.push(i);
    }
  }

  private async sendKeyedRows(router: DebeziumEnvelope, names: string[]): Promise<void> {
    const session = this.session!;
    const n = session.size;
    const rows: Update[][] = Array.from({ length: n }, () => []);
    for (const row of this.unkeyed) {
      const mapKey = router.storedRowKey(row, names);
      if (mapKey !== null) rows[workerOf(mapKey, n)]!.push({ row, diff: 1 });
    }
    this.unkeyed = [];
    // Sent before the batch: each worker holds its rows before it reads the batch's events.
    const replies = rows.map((r, w) => {
      const writer = new ByteWriter();
      writeOutput(writer, r, []);
      return session.restore(w, detach(writer), names);
    });
    for (const [w, reply] of (await Promise.all(replies)).entries()) {
      if (reply.kind !== 'ok') throw new Error(reply.message);
      this.workerStateSizes[w] = reply.stateSize;
    }
  }

  /** One worker's part of a batch: sent at once; refused while the registry fails, sent again with backoff (in order). */
  private async runOnWorker(w: number, bid: number, pack: () => ArrayBuffer): Promise<WorkerOutput> {
    const session = this.session!;
    const previous = this.lanes[w]!;
    let done!: () => void;
    this.lanes[w] = new Promise<void>((resolve) => (done = resolve));
    try {
      let reply: FromWorker = await session.batch(w, bid, pack());
      let backoff = this.tuning.retryInitialMs;
      while (reply.kind === 'notReady') {
        if (this.stopping) throw new AbandonedBatch();
        await previous;
        if (reply.message !== 'waiting for an earlier batch') {
          await this.registryStall(new Error(reply.message), backoff);
          backoff = Math.min(backoff * 2, this.tuning.retryMaxMs);
        }
        if (this.stopping) throw new AbandonedBatch();
        reply = await session.batch(w, bid, pack());
      }
      if (reply.kind === 'failed') throw new Error(reply.message);
      return { data: reply.data ? [reply.data] : [], stateSize: reply.stateSize, truncates: reply.truncates };
    } finally {
      done();
    }
  }

  /**
   * Debezium: a keyed truncate event seen by one worker empties every
   * worker's state at that point of the batch. The others replay their part
   * of the batch after it on an emptied state: the sum of what they emitted
   * is then what one thread would have emitted (see docs/architecture.md).
   */
  private async replayTruncates(bid: number, outputs: (WorkerOutput | null)[]): Promise<WorkerOutput[]> {
    const out = outputs.map((o) => o ?? { data: [], stateSize: 0, truncates: [] });
    let handled = -1;
    for (;;) {
      let at = -1;
      let by = -1;
      for (const [w, o] of out.entries()) {
        for (const t of o.truncates) if (t > handled && (at < 0 || t < at)) [at, by] = [t, w];
      }
      if (at < 0) return out;
      const replies = await Promise.all(out.map((_, w) => (w === by ? null : this.session!.replay(w, bid, at))));
      for (const [w, reply] of replies.entries()) {
        if (reply === null) continue;
        if (reply.kind !== 'ok') throw new Error(reply.kind === 'notReady' ? 'replay refused' : reply.message);
        const o = out[w]!;
        if (reply.data) o.data.push(reply.data);
        o.stateSize = reply.stateSize;
        o.truncates = reply.truncates;
      }
      handled = at;
    }
  }

  /** Decodes the workers' output for a batch into the pending tick (worker order: deterministic). */
  private merge(job: BatchJob, outputs: WorkerOutput[]): void {
    const pending = this.pending;
    for (const [w, o] of outputs.entries()) {
      for (const data of o.data) readOutput(Buffer.from(data), pending.updates, pending.errors);
      if (o.data.length > 0 || this.details.envelope === 'debezium') this.workerStateSizes[w] = o.stateSize;
    }
    this.tickPositions = new Map(job.end);
    if (this.status !== 'running') this.setStatus('running');
    if (this.inFlight === null) this.deliver();
  }

  /** Periodic work between batches: partition discovery, watermarks, health checks while stalled. */
  private async maintain(consumer: Consumer): Promise<void> {
    const now = Date.now();
    const stalled = this.status === 'stalled';
    const healthDue = (stalled || this.healthCheckRequested) && now - this.lastHealthCheck >= this.tuning.healthCheckMs;
    const refreshDue = now - this.lastRefresh >= this.details.metadataRefreshMs;
    if (!healthDue && !refreshDue) return;
    this.lastHealthCheck = now;
    this.healthCheckRequested = false;
    let partitions: number[];
    try {
      partitions = await this.topicPartitions(consumer, Math.min(this.tuning.connectTimeoutMs, 2000));
    } catch (err) {
      const message = err instanceof TopicMissingError ? err.message : `Meta data fetch error: ${describeKafkaError(err)}`;
      if (!stalled) this.options.logger.warn({ err: message }, 'kafka source stalled');
      this.setStatus('stalled', message);
      return;
    }
    if (stalled) this.setStatus('running');
    if (!refreshDue) return;
    this.lastRefresh = now;
    const added = partitions.filter((p) => !this.positions.has(p));
    if (added.length > 0) {
      // New partitions are read from their beginning.
      for (const p of added) this.positions.set(p, 0);
      consumer.incrementalAssign(added.map((partition) => ({ topic: this.options.spec.topic, partition, offset: 0 })));
    }
    await this.refreshWatermarks(consumer, true);
  }

  /** Cuts the pending tick and hands it to the sink; retries while the sink fails. */
  private deliver(): void {
    const offsets: PartitionOffsets = new Map();
    for (const [p, o] of this.tickPositions) offsets.set(p, BigInt(o));
    const tick: SourceTick = { updates: this.pending.updates, errors: this.pending.errors, offsets };
    this.pending = { updates: [], errors: [] };
    this.deliveredOffsets = tick.offsets;
    const count = tick.updates.length;
    this.stats.updatesStaged += count;
    const previous = this.inFlight;
    this.inFlight = (async () => {
      if (previous) await previous;
      let backoff = this.tuning.retryInitialMs;
      for (;;) {
        try {
          await this.options.sink.tick(tick);
          break;
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          this.options.logger.error({ err: message }, 'storing a kafka source tick failed');
          this.setStatus('stalled', `storing ingested data failed: ${message}`);
          if (this.stopping) return;
          await sleep(backoff);
          backoff = Math.min(backoff * 2, this.tuning.retryMaxMs);
        }
      }
      this.stats.updatesCommitted += count;
      this.committedOffsets = tick.offsets;
      this.updateSnapshotCommitted();
    })().finally(() => {
      if (this.inFlight === current) this.inFlight = null;
    });
    const current = this.inFlight;
  }

  private updateSnapshotCommitted(): void {
    if (this.stats.snapshotCommitted || this.snapshotTargets === null) return;
    for (const [p, high] of this.snapshotTargets) {
      if ((this.committedOffsets.get(p) ?? 0n) < high) return;
    }
    this.stats.snapshotCommitted = true;
  }

  /** On stop: hands over what was read and waits until it is stored. */
  private async drain(): Promise<void> {
    // Batches the workers have are merged first (one stalled on the registry is abandoned: it is read again).
    while (this.outstanding.length > 0) await this.outstanding[0]!.merged;
    if (this.pending.updates.length > 0 || this.pending.errors.length > 0) this.deliver();
    while (this.inFlight) await this.inFlight;
  }
}

export function startKafkaSource(options: StartKafkaSourceOptions): RunningSource {
  return new KafkaSourceRuntime(options);
}
