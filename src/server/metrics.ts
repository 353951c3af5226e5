// Prometheus metrics (prom-client). Two kinds:
//
// - Process-wide instruments recorded on the data path as things happen:
//   statements executed (count and latency by statement kind), storage
//   appends (bytes, fsync latency), plus prom-client's default process
//   metrics (memory, CPU, GC, event-loop delay through perf_hooks'
//   monitorEventLoopDelay). Code anywhere records them through the small
//   functions below (`recordQuery`, `storageMetrics`), which cost a counter
//   increment and never throw.
// - Per-server gauges read at scrape time from a coordinator snapshot
//   (sources, views, indexes, tables): see `coordinatorRegistry`.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CoordinatorSnapshot, SourceSnapshot } from '../adapter/introspection.js';

/** The process-wide registry (one per process, shared by every server in it). */
export const processRegistry = new Registry();

let defaultsStarted = false;
/** Starts prom-client's default metrics (process memory, CPU, handles, GC, event-loop delay) once per process. */
export function startProcessMetrics(): void {
  if (defaultsStarted) return;
  defaultsStarted = true;
  collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 10 });
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const queries = new Counter({
  name: 'freshet_queries_total',
  help: 'Statements executed, by statement kind (select, insert, create_source, ...) and outcome (ok, error)',
  labelNames: ['kind', 'outcome'] as const,
  registers: [processRegistry],
});

const queryDuration = new Histogram({
  name: 'freshet_query_duration_seconds',
  help: 'Statement latency by statement kind: until the last row was produced for queries, until the result for others',
  labelNames: ['kind'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [processRegistry],
});

const appendedBytes = new Counter({
  name: 'freshet_storage_appended_bytes_total',
  help: 'Bytes appended durably to storage logs (shards, persist logs)',
  registers: [processRegistry],
});

const appends = new Counter({
  name: 'freshet_storage_appends_total',
  help: 'Durable appends (group commits: one write and one fsync each)',
  registers: [processRegistry],
});

const appendFailures = new Counter({
  name: 'freshet_storage_append_failures_total',
  help: 'Appends that failed (disk full, I/O errors); nothing of them was acknowledged',
  registers: [processRegistry],
});

const fsyncDuration = new Histogram({
  name: 'freshet_storage_fsync_duration_seconds',
  help: 'Latency of the fdatasync that makes an append durable',
  buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [processRegistry],
});

/** Normalized statement kind for the `kind` label: 'select', 'create_source', ... (a fixed, small set). */
export function statementKindLabel(kind: string): string {
  return kind.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Records one executed statement. */
export function recordQuery(kind: string, seconds: number, ok: boolean): void {
  const label = statementKindLabel(kind);
  queries.inc({ kind: label, outcome: ok ? 'ok' : 'error' });
  if (ok) queryDuration.observe({ kind: label }, seconds);
}

/**
 * What storage calls on its append path. Any storage implementation (the
 * framed logs of src/storage and src/persist, PostgreSQL) can record through
 * it: bytes made durable, and the time its sync took.
 */
export const storageMetrics = {
  recordAppend(bytes: number, fsyncSeconds: number): void {
    appends.inc();
    appendedBytes.inc(bytes);
    fsyncDuration.observe(fsyncSeconds);
  },
  recordAppendFailure(): void {
    appendFailures.inc();
  },
};

/** Every source status a gauge is exported for (1 for the current one, 0 for the others). */
export const SOURCE_STATUSES = ['created', 'starting', 'running', 'paused', 'stalled', 'failed', 'dropped'] as const;

export interface CoordinatorMetricsInput {
  /** A fresh snapshot of the coordinator. */
  snapshot(): CoordinatorSnapshot;
  /** Seconds since the source last had no lag (0 while caught up); see SourceHistory. */
  lagSeconds(source: SourceSnapshot, now: number): number;
  /** Bytes the data directory holds (undefined: not measured, e.g. storage in PostgreSQL). */
  storageBytes?(): number | undefined;
}

/**
 * A registry of gauges computed from the coordinator at scrape time: one
 * snapshot per scrape, shared by every gauge's collect().
 */
export function coordinatorRegistry(input: CoordinatorMetricsInput): Registry {
  const registry = new Registry();
  let cached: { snapshot: CoordinatorSnapshot; at: number } | undefined;
  // One snapshot serves every collect() of one scrape (they run back to back).
  const current = (): CoordinatorSnapshot => {
    const now = Date.now();
    if (cached === undefined || now - cached.at > 200) cached = { snapshot: input.snapshot(), at: now };
    return cached.snapshot;
  };
  const sourceLabels = ['source', 'schema', 'id'] as const;
  const labelsOf = (s: SourceSnapshot): Record<(typeof sourceLabels)[number], string> => ({ source: s.name, schema: s.schema, id: s.id });

  const perSource = (
    name: string,
    help: string,
    kind: 'counter' | 'gauge',
    value: (s: SourceSnapshot, now: number) => number | null,
  ): void => {
    const collect = function (this: Counter<(typeof sourceLabels)[number]> | Gauge<(typeof sourceLabels)[number]>): void {
      this.reset();
      const snap = current();
      for (const s of snap.sources) {
        const v = value(s, snap.now);
        if (v === null) continue;
        if (this instanceof Counter) this.inc(labelsOf(s), v);
        else this.set(labelsOf(s), v);
      }
    };
    if (kind === 'counter') new Counter({ name, help, labelNames: sourceLabels, registers: [registry], collect });
    else new Gauge({ name, help, labelNames: sourceLabels, registers: [registry], collect });
  };

  perSource('freshet_source_messages_received_total', 'Kafka messages a source received since the server started', 'counter', (s) => s.messagesReceived);
  perSource('freshet_source_bytes_received_total', 'Bytes of Kafka messages (keys and values) a source received since the server started', 'counter', (s) => s.bytesReceived);
  perSource('freshet_source_updates_committed_total', 'Updates a source made durable and visible since the server started', 'counter', (s) => s.updatesCommitted);
  perSource('freshet_source_offset_known', 'Sum over partitions of the latest offsets the broker reported (high watermarks)', 'gauge', (s) => s.offsetKnown);
  perSource('freshet_source_offset_committed', 'Sum over partitions of the next offsets to read, as stored with the data', 'gauge', (s) => s.offsetCommitted);
  perSource('freshet_source_lag_messages', 'Messages in Kafka not yet ingested: offset_known - offset_committed', 'gauge', (s) =>
    s.offsetKnown === null ? null : Math.max(0, s.offsetKnown - (s.offsetCommitted ?? 0)),
  );
  perSource('freshet_source_lag_seconds', 'Seconds since the source last had ingested everything the broker reported (0 while caught up)', 'gauge', (s, now) =>
    input.lagSeconds(s, now),
  );
  perSource('freshet_source_decode_errors', 'Decode errors that currently affect the source (its queries fail until they are retracted)', 'gauge', (s) => s.decodeErrors);
  perSource('freshet_source_decode_errors_total', 'Messages that could not be decoded, since the server started', 'counter', (s) => s.decodeErrorsSeen);
  perSource('freshet_source_snapshot_committed', '1 once the source has ingested what its topic held when it started', 'gauge', (s) => (s.snapshotCommitted ? 1 : 0));
  perSource('freshet_source_last_tick_age_seconds', 'Seconds since the source last made data visible (absent before the first tick)', 'gauge', (s, now) =>
    s.lastTickMs === 0 ? null : (now - s.lastTickMs) / 1000,
  );

  new Gauge({
    name: 'freshet_source_status',
    help: 'Source status: 1 for the current status, 0 for the others',
    labelNames: [...sourceLabels, 'status'] as const,
    registers: [registry],
    collect(this: Gauge<'source' | 'schema' | 'id' | 'status'>) {
      this.reset();
      for (const s of current().sources) {
        for (const status of SOURCE_STATUSES) this.set({ ...labelsOf(s), status }, s.status === status ? 1 : 0);
      }
    },
  });

  const relationLabels = ['relation', 'schema', 'id', 'kind'] as const;
  type RelationLabel = (typeof relationLabels)[number];
  const maintained = (snap: CoordinatorSnapshot) => snap.relations.filter((r) => r.rows !== null && r.kind !== 'subsource');
  new Gauge({
    name: 'freshet_relation_rows',
    help: 'Rows (with multiplicity) of each maintained collection: tables, sources, materialized views, indexes',
    labelNames: relationLabels,
    registers: [registry],
    collect(this: Gauge<RelationLabel>) {
      this.reset();
      for (const r of maintained(current())) this.set({ relation: r.name, schema: r.schema, id: r.id, kind: r.kind }, r.rows ?? 0);
    },
  });
  new Counter({
    name: 'freshet_relation_updates_total',
    help: 'Updates applied to each maintained collection since the server started (hydration included)',
    labelNames: relationLabels,
    registers: [registry],
    collect(this: Counter<RelationLabel>) {
      this.reset();
      for (const r of maintained(current())) this.inc({ relation: r.name, schema: r.schema, id: r.id, kind: r.kind }, r.updates ?? 0);
    },
  });
  new Gauge({
    name: 'freshet_relation_freshness_seconds',
    help: 'Seconds since an update was last applied to each maintained collection (absent until the first one)',
    labelNames: relationLabels,
    registers: [registry],
    collect(this: Gauge<RelationLabel>) {
      this.reset();
      const snap = current();
      for (const r of maintained(snap)) {
        if (r.lastChangeMs) this.set({ relation: r.name, schema: r.schema, id: r.id, kind: r.kind }, Math.max(0, (snap.now - r.lastChangeMs) / 1000));
      }
    },
  });
  new Gauge({
    name: 'freshet_compute_frontier_lag_seconds',
    help: 'Wall clock minus the logical time every collection is complete up to',
    registers: [registry],
    collect(this: Gauge) {
      const snap = current();
      this.set(Math.max(0, (snap.now - snap.computeTime) / 1000));
    },
  });
  new Gauge({
    name: 'freshet_objects',
    help: 'Catalog objects by kind',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect(this: Gauge<'kind'>) {
      this.reset();
      const counts = new Map<string, number>();
      for (const r of current().relations) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
      for (const [kind, n] of counts) this.set({ kind }, n);
    },
  });
  if (input.storageBytes) {
    const storageBytes = input.storageBytes;
    new Gauge({
      name: 'freshet_storage_bytes',
      help: 'Bytes the data directory holds on disk (catalog, shards)',
      registers: [registry],
      collect(this: Gauge) {
        const bytes = storageBytes();
        if (bytes !== undefined) this.set(bytes);
      },
    });
  }
  return registry;
}

/** The text exposition of every registry given (the process one first). */
export async function exposition(registries: readonly Registry[]): Promise<{ contentType: string; body: string }> {
  const parts = await Promise.all(registries.map((r) => r.metrics()));
  return { contentType: processRegistry.contentType, body: parts.filter((p) => p.length > 0).join('\n') };
}
