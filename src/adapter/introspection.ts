// What operators see of a running coordinator, without SQL: every source's
// status and counters, every table, view and index with its row count and
// when it last changed. Read by the metrics endpoint, the web console's
// overview and the terminal view; cheap enough to call every second with
// hundreds of objects (no query runs, counters are kept as changes apply).
import type { CatalogItem } from '../catalog/objects.js';
import type { CoordinatorCore } from './core.js';

export type ObjectKind = 'table' | 'source' | 'subsource' | 'view' | 'materialized-view' | 'index';

export interface SourceSnapshot {
  id: string;
  schema: string;
  name: string;
  topic: string | null;
  status: string;
  error: string | null;
  /** When the status last changed (ms since the epoch), or null. */
  statusChangedMs: number | null;
  messagesReceived: number;
  bytesReceived: number;
  updatesCommitted: number;
  /** Sum over partitions of the high watermarks seen (null: none seen yet). */
  offsetKnown: number | null;
  /** Sum over partitions of the next offset to read, as stored (null: nothing read yet). */
  offsetCommitted: number | null;
  snapshotCommitted: boolean;
  /** Decode errors that still affect the source (they fail its queries). */
  decodeErrors: number;
  /** Decode errors seen since the server started. */
  decodeErrorsSeen: number;
  /** The dead-letter relation (EXPOSE ERRORS AS), if any. */
  errorRelation: string | null;
  /** When a tick last became visible (ms since the epoch; 0: none since start). */
  lastTickMs: number;
}

export interface RelationSnapshot {
  id: string;
  kind: ObjectKind;
  schema: string;
  name: string;
  /** For an index: the relation it indexes. */
  on: string | null;
  /** Rows (with multiplicity) for maintained collections; null for plain views (not maintained). */
  rows: number | null;
  /** Updates applied since start (null: not maintained). */
  updates: number | null;
  /** When the collection last changed (ms since the epoch; 0: not since start; null: not maintained). */
  lastChangeMs: number | null;
}

export interface CoordinatorSnapshot {
  /** Wall-clock time of the snapshot (ms since the epoch). */
  now: number;
  /** Compute's logical time: every collection is complete up to it. */
  computeTime: number;
  sources: SourceSnapshot[];
  relations: RelationSnapshot[];
}

const RELATION_KINDS: ReadonlySet<string> = new Set<ObjectKind>(['table', 'source', 'subsource', 'view', 'materialized-view', 'index']);

/** Kafka offsets are far below 2^53 in practice; a number keeps the JSON and the metrics simple. */
const num = (v: bigint | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));

export function snapshotCoordinator(core: CoordinatorCore): CoordinatorSnapshot {
  const items = core.catalog.allItems();
  const byId = new Map<string, CatalogItem>(items.map((i) => [i.id, i]));
  const sources: SourceSnapshot[] = [];
  const relations: RelationSnapshot[] = [];
  const stats = core.compute.collectionStats?.bind(core.compute);
  for (const item of items) {
    if (!RELATION_KINDS.has(item.kind)) continue;
    const kind = item.kind as ObjectKind;
    if (kind === 'source' && item.source !== undefined) sources.push(sourceSnapshot(core, item, byId));
    const s = kind === 'view' ? undefined : stats?.(item.id);
    relations.push({
      id: item.id,
      kind,
      schema: item.schema,
      name: item.name,
      on: kind === 'index' && item.dependsOn[0] !== undefined ? (byId.get(item.dependsOn[0])?.name ?? null) : null,
      rows: s?.rows ?? null,
      updates: s?.updates ?? null,
      lastChangeMs: s?.lastChangeMs ?? null,
    });
  }
  return { now: Date.now(), computeTime: core.compute.currentTime(), sources, relations };
}

function sourceSnapshot(core: CoordinatorCore, item: CatalogItem, byId: Map<string, CatalogItem>): SourceSnapshot {
  const status = core.sources.status(item.id);
  const st = core.sources.statistics(item.id);
  const errors = core.sources.errorCounts(item.id);
  const errorsId = item.source?.errorsId;
  return {
    id: item.id,
    schema: item.schema,
    name: item.name,
    topic: item.source?.spec.topic ?? null,
    status: status?.status ?? 'created',
    error: status?.error ?? null,
    statusChangedMs: status ? status.at.getTime() : null,
    messagesReceived: st?.messagesReceived ?? 0,
    bytesReceived: st?.bytesReceived ?? 0,
    updatesCommitted: st?.updatesCommitted ?? 0,
    offsetKnown: num(st?.offsetKnown),
    offsetCommitted: num(st?.offsetCommitted),
    snapshotCommitted: st?.snapshotCommitted ?? false,
    decodeErrors: errors?.outstanding ?? 0,
    decodeErrorsSeen: errors?.seen ?? 0,
    errorRelation: errorsId !== undefined ? (byId.get(errorsId)?.name ?? null) : null,
    lastTickMs: errors?.lastTickMs ?? 0,
  };
}
