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
import { createEnvelope, type SourceEnvelope, type TickBuffer } from './envelope.js';
import { resolveStartOffsets } from './start-offsets.js';
import type { KafkaRecord, RecordDecoder } from './records.js';
import { OFFLINE_FORMAT_RUNTIME, type FormatRuntime } from '../formats/format.js';

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
  /** Next offset to read, per partition: what a tick cut now would record (numbers: cheaper per message). */
  private readonly positions = new Map<number, number>();
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
    envelope.restore(options.initialContents ?? [], options.initialErrors ?? []);
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
      recordsIndexed: this.envelope.stateSize,
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
    while (!this.stopping) {
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
    consumer.assign([...this.positions].map(([partition, offset]) => ({ topic: spec.topic, partition, offset })));
    await this.refreshWatermarks(consumer);
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
    if (!delivered || delivered.size !== this.positions.size) return false;
    for (const [p, o] of this.positions) if (delivered.get(p) !== BigInt(o)) return false;
    return true;
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

  private async refreshWatermarks(consumer: KafkaConsumer): Promise<void> {
    const next = new Map<number, bigint>();
    for (const p of this.positions.keys()) {
      const high = await this.queryHighWatermark(consumer, p);
      if (high !== null) next.set(p, high);
    }
    if (next.size > 0) this.highWatermarks = next;
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
  private async prepareBatch(messages: readonly KafkaRecord[]): Promise<void> {
    let backoff = this.tuning.retryInitialMs;
    while (!this.stopping) {
      const wait = this.decoder.prepare(messages);
      if (wait === null) return;
      try {
        await wait;
        return;
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        // The registry client's messages already name it ("schema registry at <url>: ...").
        const message = reason.startsWith('schema registry') ? reason : `schema registry: ${reason}`;
        if (this.status !== 'stalled') this.options.logger.warn({ err: message }, 'kafka source stalled');
        this.setStatus('stalled', message);
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, this.tuning.retryMaxMs);
      }
    }
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
    await this.refreshWatermarks(consumer);
  }

  /** Cuts the pending tick and hands it to the sink; retries while the sink fails. */
  private deliver(): void {
    const offsets: PartitionOffsets = new Map();
    for (const [p, o] of this.positions) offsets.set(p, BigInt(o));
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
    if (this.pending.updates.length > 0 || this.pending.errors.length > 0) this.deliver();
    while (this.inFlight) await this.inFlight;
  }
}

export function startKafkaSource(options: StartKafkaSourceOptions): RunningSource {
  return new KafkaSourceRuntime(options);
}
