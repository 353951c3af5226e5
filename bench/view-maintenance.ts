// Benchmark: maintaining a join + GROUP BY view under mixed changes.
//
//   npx tsc -p . --outDir .build/compute --tsBuildInfoFile .build/compute/.tsbuildinfo
//   node --expose-gc .build/compute/bench/view-maintenance.js [--sizes 10000,100000,1000000] [--batches 200]
//
// View: SELECT d.category, count(*), sum(f.qty), min(f.qty), max(f.qty)
//       FROM facts f JOIN dims d ON f.dim_id = d.id GROUP BY d.category
// For each fact-table size it reports the median time to apply a batch of
// 1000 changes (40% inserts, 30% deletes, 30% updates), the ratio to the
// smallest size, and the heap held per fact row against the rows' raw size.
// With --batch-sizes 10,100,1000,10000 it also times batches of those sizes
// (the suite, bench/suite.ts, compares them with DuckDB recomputing the view).
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createComputeController } from '../src/compute/controller.js';
import type { Update } from '../src/compute/api.js';
import type { RelExpr } from '../src/plan/mir.js';
import type { CatalogItemRef, PlanContext } from '../src/plan/context.js';
import { planQuery } from '../src/plan/planner.js';
import { maintainedPlan } from '../src/adapter/query.js';
import { parse } from '../src/sql/parser.js';
import type { Row, SqlType } from '../src/repr/types.js';

const INT4: SqlType = { kind: 'int4' };
const TEXT: SqlType = { kind: 'text' };
const DIMS = 1000;
const CATEGORIES = 50;
const BATCH = 1000;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
const sizes = option('sizes', '10000,100000,1000000').split(',').map(Number);
let batches = Number(option('batches', '200'));
let batchSizes = option('batch-sizes', String(BATCH)).split(',').map(Number);
const gc = (globalThis as { gc?: () => void }).gc;

function heapUsed(): number {
  if (gc !== undefined) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

let seed = 12345;
function random(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 4294967296;
}

// The view as a user writes it, planned and optimized by the real front end:
// what CREATE MATERIALIZED VIEW maintains (key IS NOT NULL filters and column
// pruning below the join, as EXPLAIN shows).
const VIEW_SQL = `SELECT d.category, count(*), sum(f.qty), min(f.qty), max(f.qty)
                  FROM facts f JOIN dims d ON f.dim_id = d.id GROUP BY d.category`;
const tables: Record<string, CatalogItemRef> = {
  facts: { id: 'facts', kind: 'table', name: { database: 'materialize', schema: 'public', item: 'facts' }, oid: 20001, desc: { columns: ['id', 'dim_id', 'qty', 'price'].map((name) => ({ name, type: INT4, nullable: false })) } },
  dims: { id: 'dims', kind: 'table', name: { database: 'materialize', schema: 'public', item: 'dims' }, oid: 20002, desc: { columns: [{ name: 'id', type: INT4, nullable: false }, { name: 'category', type: TEXT, nullable: false }] } },
};
function planView(): RelExpr {
  const parsed = parse(VIEW_SQL)[0]!.statement;
  if (parsed.kind !== 'select') throw new Error('the view is a SELECT');
  const context: PlanContext = {
    resolveRelation: (parts) => tables[parts[parts.length - 1]!],
    paramTypes: [],
    timeZone: 'UTC',
    settings: new Map([['search_path', 'public']]),
    currentUser: 'materialize',
    currentDatabase: 'materialize',
  };
  return maintainedPlan(planQuery(parsed.query, context));
}
const view = planView();

function factRow(id: number): Row {
  return [id, Math.floor(random() * DIMS), Math.floor(random() * 1000), Math.floor(random() * 100000)];
}

/** Times of batches of one size. */
export interface BatchTiming {
  changes: number;
  batches: number;
  medianMs: number;
  cpuMedianMs: number;
  p90Ms: number;
}

export interface Result {
  rows: number;
  loadSeconds: number;
  medianMs: number;
  /** CPU time of the process (less sensitive to other processes on a busy machine; includes GC threads). */
  cpuMedianMs: number;
  p90Ms: number;
  rawBytesPerRow: number;
  heapBytesPerRow: number;
  /** Every batch size timed (the 1000-change batches are the figures above). */
  timings: BatchTiming[];
}

function run(size: number): Result {
  const base = heapUsed();
  const facts: Row[] = [];
  for (let i = 0; i < size; i++) facts.push(factRow(i));
  const rawBytes = heapUsed() - base;

  const c = createComputeController();
  const started = performance.now();
  c.createInput('facts', { columns: [] });
  c.createInput('dims', { columns: [] });
  const dims: Update[] = [];
  for (let i = 0; i < DIMS; i++) dims.push({ row: [i, `category ${i % CATEGORIES}`], diff: 1 });
  c.applyUpdates([{ id: 'dims', updates: dims }], 1);
  c.createMaintained('v', view);
  for (let i = 0; i < size; i += 10000) {
    c.applyUpdates([{ id: 'facts', updates: facts.slice(i, i + 10000).map((row) => ({ row, diff: 1 })) }], 2);
  }
  const loadSeconds = (performance.now() - started) / 1000;
  const held = heapUsed() - base;

  // Live facts by position, for picking rows to delete or update.
  let nextId = size;
  let time = 3;
  const timings: BatchTiming[] = [];
  // The 1000-change batches first (the figures the table reports), then the other sizes.
  const order = [BATCH, ...batchSizes.filter((n) => n !== BATCH)];
  for (const changes of order) {
    // Fewer batches of the larger sizes: about the same number of changes in all.
    const count = Math.max(10, Math.min(batches, Math.round((batches * BATCH) / changes)));
    const times: number[] = [];
    const cpuTimes: number[] = [];
    for (let b = 0; b < count + 5; b++) {
      const updates: Update[] = [];
      for (let k = 0; k < changes; k++) {
        const r = random();
        if (r < 0.4) {
          const row = factRow(nextId++);
          facts.push(row);
          updates.push({ row, diff: 1 });
        } else {
          const i = Math.floor(random() * facts.length);
          const old = facts[i]!;
          updates.push({ row: old, diff: -1 });
          if (r < 0.7) {
            facts[i] = facts[facts.length - 1]!;
            facts.pop();
          } else {
            const row: Row = [old[0]!, Math.floor(random() * DIMS), Math.floor(random() * 1000), old[3]!];
            facts[i] = row;
            updates.push({ row, diff: 1 });
          }
        }
      }
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      c.applyUpdates([{ id: 'facts', updates }], time++);
      const cpu = process.cpuUsage(cpu0);
      const elapsed = performance.now() - t0;
      if (b >= 5) {
        // the first batches warm up the JIT
        times.push(elapsed);
        cpuTimes.push((cpu.user + cpu.system) / 1000);
      }
    }
    times.sort((a, b) => a - b);
    cpuTimes.sort((a, b) => a - b);
    timings.push({
      changes,
      batches: times.length,
      medianMs: times[Math.floor(times.length / 2)]!,
      cpuMedianMs: cpuTimes[Math.floor(cpuTimes.length / 2)]!,
      p90Ms: times[Math.floor(times.length * 0.9)]!,
    });
  }
  const check = c.snapshot('v');
  if (check.length !== CATEGORIES) throw new Error(`expected ${CATEGORIES} groups, got ${check.length}`);
  const main = timings.find((t) => t.changes === BATCH)!;
  return {
    rows: size,
    loadSeconds,
    medianMs: main.medianMs,
    cpuMedianMs: main.cpuMedianMs,
    p90Ms: main.p90Ms,
    rawBytesPerRow: rawBytes / size,
    heapBytesPerRow: held / size,
    timings,
  };
}

/** Each size runs in its own process, so no heap left over from another size skews its figures. */
function runIsolated(size: number): Result {
  // --expose-gc for exact heap figures, and a heap large enough for 10^7 rows.
  const flags = [...new Set([...process.execArgv, '--expose-gc'])];
  if (!flags.some((f) => f.startsWith('--max-old-space-size'))) flags.push(`--max-old-space-size=${Math.max(4096, Math.ceil(size / 1e6) * 1200)}`);
  const child = spawnSync(process.execPath, [...flags, fileURLToPath(import.meta.url), '--child', String(size), '--batches', String(batches), '--batch-sizes', batchSizes.join(',')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`benchmark child for ${size} rows failed`);
  return JSON.parse(child.stdout) as Result;
}

/** The view's SQL (DuckDB recomputes the same query in the suite). */
export const MAINTAINED_VIEW_SQL = VIEW_SQL;
export const VIEW_SHAPE = { dims: DIMS, categories: CATEGORIES, batch: BATCH };

/** For the suite: each size in its own process, with batches of each of `changes` (1000 always included). */
export function measureViewMaintenance(rowCounts: number[], changes: number[], batchCount: number): Result[] {
  batchSizes = [...new Set([BATCH, ...changes])].sort((a, b) => a - b);
  batches = batchCount;
  return rowCounts.map(runIsolated);
}

const childSize = option('child', '');
if (isMain && childSize !== '') {
  process.stdout.write(JSON.stringify(run(Number(childSize))));
  process.exit(0);
}
if (isMain) printTable();

function printTable(): void {
  if (gc === undefined) console.log('(run with node --expose-gc for exact memory figures)');
  const results = sizes.map(runIsolated);
  const first = results[0]!;
  const pad = (s: string, n: number) => s.padStart(n);
  console.log(`\nView maintenance: facts ⋈ dims (${DIMS} dims) GROUP BY category (${CATEGORIES}) with count/sum/min/max; batches of ${BATCH} changes\n`);
  console.log(
    [pad('fact rows', 10), pad('load s', 8), pad('batch ms (median)', 18), pad('p90 ms', 8), pad('vs smallest', 12), pad('CPU ms (median)', 16), pad('vs smallest', 12), pad('raw B/row', 10), pad('heap B/row', 11), pad('heap/raw', 9)].join(' | '),
  );
  for (const r of results) {
    console.log(
      [
        pad(r.rows.toLocaleString('en-US'), 10),
        pad(r.loadSeconds.toFixed(2), 8),
        pad(r.medianMs.toFixed(2), 18),
        pad(r.p90Ms.toFixed(2), 8),
        pad(`${(r.medianMs / first.medianMs).toFixed(2)}x`, 12),
        pad(r.cpuMedianMs.toFixed(2), 16),
        pad(`${(r.cpuMedianMs / first.cpuMedianMs).toFixed(2)}x`, 12),
        pad(r.rawBytesPerRow.toFixed(0), 10),
        pad(r.heapBytesPerRow.toFixed(0), 11),
        pad(`${(r.heapBytesPerRow / r.rawBytesPerRow).toFixed(2)}x`, 9),
      ].join(' | '),
    );
  }
  const last = results[results.length - 1]!;
  if (last.rows > first.rows) {
    const marginal = (last.heapBytesPerRow * last.rows - first.heapBytesPerRow * first.rows) / (last.rows - first.rows);
    console.log(
      `\nmarginal heap per added fact row (${first.rows} -> ${last.rows}, excludes fixed costs: dims, groups, code): ${marginal.toFixed(0)} B = ${(marginal / last.rawBytesPerRow).toFixed(2)}x raw`,
    );
  }
  console.log(`load: ${os.loadavg()[0]!.toFixed(1)} (1-min load average on ${os.cpus().length} CPUs; wall-clock times inflate when it exceeds the CPU count)`);
  console.log('heap B/row: heap held per fact row (the rows themselves plus every index, arrangement and map entry over them); raw B/row: the row arrays alone.');
}
