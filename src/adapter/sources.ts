// Lifetimes of running sources: restore from the shard, start the Kafka
// runtime, and turn each tick into one timestamped, durable, visible change
// of the source and its progress subsource.
import type { GlobalId } from '../plan/mir.js';
import type { ErrorUpdate, InputChanges, Update } from '../compute/api.js';
import type { PartitionOffsets, RunningSource, Shard, SourceStatistics, SourceStatusUpdate, SourceTick } from '../storage/api.js';
import { startKafkaSource } from '../storage/kafka/runtime.js';
import { consolidateUpdates } from '../storage/consolidate.js';
import type { CatalogItem } from '../catalog/objects.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { storageSqlError } from '../storage/storage-error.js';
import type { RelationDesc, Row, SqlType, Datum } from '../repr/types.js';
import type { CoordinatorCore } from './core.js';

/**
 * A decode error as stored: since durable errors became rows of the shard's
 * error collection (ShardWriteBatch.errors, consolidated and kept by
 * compaction like data), this shape survives only in the per-batch metadata
 * of logs written before; such errors are restated as rows once at load.
 */
interface StoredError {
  key: string;
  code: string;
  message: string;
  detail?: string;
  diff: number;
  /** The undecodable message: partition, offset, key and value in hex (null: none). */
  dead?: { p: number; o: number; k: string | null; v: string | null };
}

/**
 * A source's dead-letter relation (EXPOSE ERRORS AS): each message that
 * could not be decoded and still affects the source, with its bytes and the
 * error. An upsert source's row goes away when its key is written again.
 */
export const DEAD_LETTER_DESC: RelationDesc = {
  columns: [
    { name: 'partition', type: { kind: 'int4' }, nullable: false },
    { name: 'offset', type: { kind: 'uint8' }, nullable: false },
    { name: 'key', type: { kind: 'bytea' }, nullable: true },
    { name: 'value', type: { kind: 'bytea' }, nullable: true },
    { name: 'error', type: { kind: 'text' }, nullable: false },
  ],
};

function deadLetterUpdates(errors: readonly ErrorUpdate[]): Update[] {
  const out: Update[] = [];
  for (const e of errors) {
    const d = e.deadLetter;
    if (d) out.push({ row: [d.partition, BigInt(d.offset), d.key, d.value, e.error.message], diff: e.diff });
  }
  return out;
}

/** The compute collections a source (or a table fed by one) owns. */
function collectionsOf(item: CatalogItem): GlobalId[] {
  const out = [item.id];
  if (item.source?.progressId !== undefined) out.push(item.source.progressId);
  if (item.source?.errorsId !== undefined) out.push(item.source.errorsId);
  return out;
}

/** Resume metadata written atomically with each batch of source data. */
interface SourceBatchMeta {
  offsets: PartitionOffsets;
  /** Logs written before errors were rows: the batch's decode errors. */
  errors?: StoredError[];
  /** Set on the record that restated the errors of older batches' metadata as rows. */
  legacyErrorsRestated?: boolean;
}

interface SourceState {
  item: CatalogItem;
  /** The progress subsource; none for a table fed by a source (CREATE TABLE ... FROM SOURCE). */
  progressId: GlobalId | undefined;
  /** The dead-letter subsource (EXPOSE ERRORS AS), if any. */
  errorsId: GlobalId | undefined;
  shard: Shard;
  /** Outstanding decode errors by key (an upsert source retracts them); handed to a restarted runtime. */
  errors: Map<string, ErrorUpdate>;
  running?: RunningSource;
  status: SourceStatusUpdate;
  progressRows: Row[];
  dropped: boolean;
  /** Why the last tick could not be stored; while set, the source stays stalled (the runtime retries the tick). */
  storageFailure: string | null;
  /** Decode errors seen since the server started (monitoring). */
  decodeErrorsSeen: number;
  /** Wall-clock milliseconds of the last tick made visible (monitoring; 0: none yet). */
  lastTickMs: number;
}

export class SourceManager {
  private readonly states = new Map<GlobalId, SourceState>();

  constructor(private readonly core: CoordinatorCore) {}

  status(id: GlobalId): SourceStatusUpdate | undefined {
    return this.states.get(id)?.status;
  }

  statistics(id: GlobalId): SourceStatistics | undefined {
    return this.states.get(id)?.running?.statistics();
  }

  /** Monitoring: decode errors outstanding now (they fail queries) and seen since start, and when the last tick became visible. */
  errorCounts(id: GlobalId): { outstanding: number; seen: number; lastTickMs: number } | undefined {
    const state = this.states.get(id);
    if (state === undefined) return undefined;
    let outstanding = 0;
    for (const e of state.errors.values()) if (e.diff > 0) outstanding++;
    return { outstanding, seen: state.decodeErrorsSeen, lastTickMs: state.lastTickMs };
  }

  /**
   * Creates the compute inputs of a source and its progress subsource, loads
   * what the shard holds and starts reading where the stored offsets left off.
   */
  async install(item: CatalogItem): Promise<void> {
    try {
      await this.start(item);
    } catch (err) {
      await this.abandon(item);
      throw err;
    }
  }

  /** Undoes a failed start without deleting stored data (it may be a restart of an existing source). */
  private async abandon(item: CatalogItem): Promise<void> {
    const { id } = item;
    const state = this.states.get(id);
    this.states.delete(id);
    const shard = this.core.shards.get(id);
    this.core.shards.delete(id);
    for (const collection of collectionsOf(item)) {
      try {
        this.core.compute.drop(collection);
      } catch {
        // Never created: nothing to undo.
      }
    }
    try {
      await state?.running?.stop();
      await shard?.close();
    } catch (err) {
      this.core.logger.warn({ err, id }, 'cleaning up a source that failed to start');
    }
  }

  private async start(item: CatalogItem): Promise<void> {
    const { core } = this;
    const source = item.source!;
    const progressId = source.progressId;
    const errorsId = source.errorsId;
    const shard = await core.openShardFor(item.id, `${item.kind === 'table' ? 'table' : 'source'} "${item.name}"`);
    const batches = await shard.readAll();
    const state: SourceState = {
      item,
      progressId,
      errorsId,
      shard,
      errors: new Map(),
      status: { status: 'created', at: new Date() },
      progressRows: [],
      dropped: false,
      storageFailure: null,
      decodeErrorsSeen: 0,
      lastTickMs: 0,
    };
    this.states.set(item.id, state);

    core.compute.createInput(item.id, source.spec.desc);
    if (progressId !== undefined) core.compute.createInput(progressId, source.spec.progressDesc);
    if (errorsId !== undefined) core.compute.createInput(errorsId, DEAD_LETTER_DESC);
    const meta = shard.lastMeta() as SourceBatchMeta | undefined;
    let restored: { updates: Update[]; errors: ErrorUpdate[] } | undefined;
    if (batches.length > 0) {
      const errors = new Map<string, ErrorUpdate>();
      // Errors of older logs, kept in per-batch metadata (which compaction does not keep).
      let legacy = new Map<string, StoredError>();
      for (const b of batches) {
        const batchMeta = b.meta as SourceBatchMeta | undefined;
        if (batchMeta?.legacyErrorsRestated) legacy = new Map();
        for (const e of batchMeta?.errors ?? []) {
          const prior = legacy.get(e.key);
          legacy.set(e.key, { ...e, diff: (prior?.diff ?? 0) + e.diff });
        }
        for (const u of b.errors ?? []) addError(errors, fromErrorRow(u.row, u.diff));
        core.timeline.advancePast(b.time);
      }
      const legacyErrors = [...legacy.values()].filter((e) => e.diff !== 0).map(toErrorUpdate);
      if (legacyErrors.length > 0) {
        // Restated once as rows of the error collection, so compaction keeps them from now on.
        const time = core.timeline.next();
        await shard.append({ time, updates: [], errors: legacyErrors.map(toErrorRow), meta: { offsets: meta?.offsets ?? new Map(), legacyErrorsRestated: true } satisfies SourceBatchMeta });
        for (const e of legacyErrors) addError(errors, e);
      }
      const updates = consolidateUpdates(batches.flatMap((b) => b.updates));
      state.progressRows = progressRows(meta?.offsets ?? new Map(), source.spec.progressDesc);
      const restoredErrors = [...errors.values()].filter((e) => e.diff !== 0);
      for (const e of restoredErrors) state.errors.set(e.key, e);
      restored = { updates, errors: restoredErrors };
      await core.timeline.exclusive(() => {
        core.compute.applyUpdates(
          [
            { id: item.id, updates, errors: restoredErrors },
            ...(progressId !== undefined ? [{ id: progressId, updates: state.progressRows.map((row) => ({ row, diff: 1 })) }] : []),
            ...(errorsId !== undefined ? [{ id: errorsId, updates: deadLetterUpdates(restoredErrors) }] : []),
          ],
          core.timeline.next(),
        );
      });
    }

    this.launch(state, meta?.offsets ?? null, restored);
  }

  /** Starts the Kafka runtime of a source with the current spec of its connection. */
  private launch(state: SourceState, resumeOffsets: PartitionOffsets | null, restored: { updates: Update[]; errors: ErrorUpdate[] } | undefined): void {
    const { core } = this;
    const { item } = state;
    const source = item.source!;
    const connection = core.catalog.get(source.connectionId)?.connection?.kafka;
    if (!connection) throw new SqlError(SqlState.undefinedObject, `connection ${source.connectionId} of source "${item.name}" is missing`);
    state.running = startKafkaSource({
      sourceId: item.id,
      spec: source.spec,
      connection,
      readSecret: (id) => {
        const value = core.secrets.get(id);
        if (value === undefined) throw new SqlError(SqlState.undefinedObject, `secret ${id} does not exist`);
        return value;
      },
      resumeOffsets,
      formatRuntime: { schemaRegistry: (spec) => core.schemaRegistries.get(spec) },
      ...(restored ? { initialContents: restored.updates, initialErrors: restored.errors } : {}),
      sink: {
        tick: (tick) => this.applyTick(state, tick),
        status: (update) => {
          // Reading may go on, but while ticks cannot be stored the source is not running.
          if (state.storageFailure !== null && update.status === 'running') return;
          state.status = update;
          core.logger.info({ source: item.name, status: update.status, error: update.error }, 'source status');
        },
      },
      logger: core.logger.child({ source: item.name }),
    });
  }

  /**
   * Restarts the sources that read through `connectionId` (after ALTER
   * CONNECTION), resuming exactly where their stored data ends.
   */
  async reconnect(connectionId: GlobalId): Promise<void> {
    for (const state of this.states.values()) {
      if (state.dropped || (state.item.source?.connectionId !== connectionId && !state.item.dependsOn.includes(connectionId))) continue;
      await state.running?.stop();
      // Let ticks already handed over become durable and visible first.
      await this.core.timeline.exclusive(() => undefined);
      const meta = state.shard.lastMeta() as SourceBatchMeta | undefined;
      // The source's decode errors are handed back separately: its contents must not fail on them.
      const updates = this.core.compute.snapshot(state.item.id, { ignoreErrors: true });
      this.launch(state, meta?.offsets ?? null, { updates, errors: [...state.errors.values()] });
    }
  }

  private applyTick(state: SourceState, tick: SourceTick): Promise<number> {
    const { progressId, errorsId } = state;
    const { core } = this;
    // The tick's timestamp is taken and its append started under the
    // timeline's lock; the fsync happens outside it (other sources and
    // INSERTs share it); it becomes visible in timestamp order once durable.
    const stage = async (time: number): Promise<void> => {
      if (state.dropped) return;
      const meta: SourceBatchMeta = { offsets: tick.offsets };
      try {
        await state.shard.append({ time, updates: tick.updates, meta, ...(tick.errors.length > 0 ? { errors: tick.errors.map(toErrorRow) } : {}) });
      } catch (err) {
        // Nothing of the tick was stored; the runtime keeps it and retries.
        const failure = storageSqlError(err, `ingested data of ${kindName(state.item)} "${state.item.name}"`);
        const message = failure instanceof Error ? failure.message : String(failure);
        if (state.storageFailure === null) core.logger.error({ source: state.item.name, err: message }, 'source stalled: its data cannot be stored');
        state.storageFailure = message;
        state.status = { status: 'stalled', error: message, at: new Date() };
        throw failure;
      }
    };
    return core.timeline.write(stage, (time) => {
      if (state.dropped) return time;
      if (state.storageFailure !== null) {
        core.logger.info({ source: state.item.name }, 'source data can be stored again');
        state.storageFailure = null;
        state.status = { status: 'running', at: new Date() };
      }
      const newProgress = progressRows(tick.offsets, state.item.source!.spec.progressDesc);
      const progressUpdates: Update[] = [
        ...state.progressRows.map((row) => ({ row, diff: -1 })),
        ...newProgress.map((row) => ({ row, diff: 1 })),
      ];
      state.progressRows = newProgress;
      state.lastTickMs = Date.now();
      for (const e of tick.errors) {
        if (e.diff > 0) state.decodeErrorsSeen++;
        const diff = (state.errors.get(e.key)?.diff ?? 0) + e.diff;
        if (diff === 0) state.errors.delete(e.key);
        else state.errors.set(e.key, { ...e, diff });
      }
      const changes: InputChanges[] = [{ id: state.item.id, updates: tick.updates, errors: tick.errors }];
      if (progressId !== undefined) changes.push({ id: progressId, updates: consolidateUpdates(progressUpdates) });
      if (errorsId !== undefined && tick.errors.length > 0) changes.push({ id: errorsId, updates: deadLetterUpdates(tick.errors) });
      core.compute.applyUpdates(changes, time);
      return time;
    });
  }

  /** Stops the source, deletes its data and removes it from compute. */
  async drop(item: CatalogItem): Promise<void> {
    const { id } = item;
    const state = this.states.get(id);
    this.states.delete(id);
    if (state) {
      state.dropped = true;
      await state.running?.stop();
      await state.shard.destroy();
    }
    this.core.shards.delete(id);
    for (const collection of collectionsOf(item)) this.core.compute.drop(collection);
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.states.values()].map(async (s) => {
        try {
          await s.running?.stop();
        } catch (err) {
          this.core.logger.warn({ err, source: s.item.name }, 'stopping source failed');
        }
      }),
    );
  }
}

const unhex = (s: string | null): Uint8Array | null => (s === null ? null : new Uint8Array(Buffer.from(s, 'hex')));

function kindName(item: CatalogItem): string {
  return item.kind === 'table' ? 'table' : 'source';
}

/** Sums an error update into `errors` by key (the latest content kept). */
function addError(errors: Map<string, ErrorUpdate>, e: ErrorUpdate): void {
  const diff = (errors.get(e.key)?.diff ?? 0) + e.diff;
  errors.set(e.key, { ...e, diff });
}

/**
 * A decode error as a row of the shard's error collection:
 * [key, code, message, detail, partition, offset, key bytes, value bytes]
 * (the last four null without a dead letter). A retraction has the same row.
 */
function toErrorRow(e: ErrorUpdate): Update {
  const d = e.deadLetter;
  return {
    row: [e.key, e.error.code, e.error.message, e.error.detail ?? null, d ? d.partition : null, d ? d.offset : null, d ? d.key : null, d ? d.value : null],
    diff: e.diff,
  };
}

function fromErrorRow(row: Row, diff: number): ErrorUpdate {
  const [key, code, message, detail, partition, offset, k, v] = row;
  const update: ErrorUpdate = {
    key: String(key),
    diff,
    error: new SqlError(String(code), String(message), typeof detail === 'string' ? { detail } : {}),
  };
  if (typeof partition === 'number' && typeof offset === 'number') {
    update.deadLetter = { partition, offset, key: k instanceof Uint8Array ? k : null, value: v instanceof Uint8Array ? v : null };
  }
  return update;
}

function toErrorUpdate(e: StoredError): ErrorUpdate {
  const update: ErrorUpdate = { key: e.key, diff: e.diff, error: new SqlError(e.code, e.message, e.detail !== undefined ? { detail: e.detail } : {}) };
  if (e.dead) update.deadLetter = { partition: e.dead.p, offset: e.dead.o, key: unhex(e.dead.k), value: unhex(e.dead.v) };
  return update;
}

/**
 * Rows of the progress subsource for the given resume offsets, as Materialize
 * shows them: one row per known partition ([p,p], next offset) and one for
 * the partitions not yet seen ((max,), 0).
 */
export function progressRows(offsets: PartitionOffsets, desc: RelationDesc): Row[] {
  const partitionType = desc.columns[0]?.type;
  const offsetType = desc.columns[1]?.type;
  if (!partitionType || !offsetType) return [];
  const partitions = [...offsets.keys()].sort((a, b) => a - b);
  const rows: Row[] = partitions.map((p) => [partitionDatum(partitionType, p, p), offsetDatum(offsetType, offsets.get(p)!)]);
  const max = partitions.length > 0 ? partitions[partitions.length - 1]! : -1;
  if (partitionType.kind === 'text') rows.push([partitionDatum(partitionType, max, undefined), offsetDatum(offsetType, 0n)]);
  return rows;
}

function partitionDatum(type: SqlType, lower: number, upper: number | undefined): Datum {
  if (type.kind === 'text') return upper === undefined ? (lower < 0 ? '[0,)' : `(${lower},)`) : `[${lower},${upper}]`;
  if (type.kind === 'int8' || type.kind === 'uint8') return BigInt(lower);
  return lower;
}

function offsetDatum(type: SqlType, offset: bigint): Datum {
  return type.kind === 'int8' || type.kind === 'uint8' ? offset : Number(offset);
}
