// Update cost against state size, and incremental maintenance against
// recomputation from scratch by DuckDB, for the join-plus-aggregate view of
// bench/view-maintenance.ts (facts ⋈ dims GROUP BY category with count, sum,
// min, max), planned by Freshet's own parser, planner and optimizer and
// maintained by its compute engine in a child process per size (what the
// server does for CREATE MATERIALIZED VIEW, without the wire, the write
// path or durability: DuckDB runs in process too, so neither side pays them).
import { DuckDBInstance } from '@duckdb/node-api';
import { measureViewMaintenance, MAINTAINED_VIEW_SQL, VIEW_SHAPE, type Result } from '../view-maintenance.js';
import type { SectionReport, Table, Target } from './report.js';
import { median } from './server.js';

export interface RecomputeFigure {
  rows: number;
  threads: string;
  loadSeconds: number;
  /** Median over the runs of the view's query over the whole table. */
  medianMs: number;
  runs: number;
}

async function duckdbRecompute(rows: number, runs: number): Promise<RecomputeFigure> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const threads = String((await connection.runAndReadAll("SELECT current_setting('threads')")).getRows()[0]?.[0] ?? '?');
    const t0 = performance.now();
    // The same shape as bench/view-maintenance.ts: 1000 dims in 50 categories, qty in [0, 1000), price in [0, 100000).
    await connection.run(`CREATE TABLE dims AS SELECT i::INTEGER AS id, 'category ' || (i % ${VIEW_SHAPE.categories}) AS category FROM range(${VIEW_SHAPE.dims}) t(i)`);
    await connection.run(
      `CREATE TABLE facts AS SELECT i::INTEGER AS id, (hash(i) % ${VIEW_SHAPE.dims})::INTEGER AS dim_id, (hash(i + 1) % 1000)::INTEGER AS qty, (hash(i + 2) % 100000)::INTEGER AS price FROM range(${rows}) t(i)`,
    );
    const loadSeconds = (performance.now() - t0) / 1000;
    const times: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      const s = performance.now();
      const result = await connection.runAndReadAll(MAINTAINED_VIEW_SQL);
      const elapsed = performance.now() - s;
      if (result.getRows().length !== VIEW_SHAPE.categories) throw new Error(`DuckDB: expected ${VIEW_SHAPE.categories} groups`);
      if (i > 0) times.push(elapsed); // the first run warms the caches
    }
    return { rows, threads, loadSeconds, medianMs: median(times), runs };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export async function maintenanceSection(options: { sizes: number[]; duckdbSizes: number[]; changes: number[]; batches: number; quick: boolean }): Promise<SectionReport> {
  const started = performance.now();
  const results: Result[] = measureViewMaintenance(options.sizes, options.changes, options.batches);
  for (const r of results) r.timings.sort((a, b) => a.changes - b.changes);
  const recompute: RecomputeFigure[] = [];
  for (const rows of options.duckdbSizes) recompute.push(await duckdbRecompute(rows, 5));

  const smallest = results[0]!;
  const largest = results[results.length - 1]!;
  const sci = (n: number): string => `10^${Math.round(Math.log10(n))}`;
  const at = (r: Result, changes: number): number => r.timings.find((t) => t.changes === changes)?.medianMs ?? NaN;
  const targets: Target[] = [];
  const growth = largest.medianMs / smallest.medianMs;
  const full = largest.rows >= 10_000_000;
  targets.push({
    what: `1000-change batch at ${sci(largest.rows)} rows of state vs ${sci(smallest.rows)}`,
    target: '10^7 within 2x of 10^5',
    value: `${growth.toFixed(2)}x (${largest.medianMs.toFixed(2)} vs ${smallest.medianMs.toFixed(2)} ms)`,
    met: growth <= 2,
    ...(full ? {} : { note: `quick mode: checked at ${sci(largest.rows)}, not 10^7` }),
  });
  const biggest = recompute[recompute.length - 1];
  const incremental = results.find((r) => r.rows === biggest?.rows);
  if (biggest && incremental) {
    const ratio = biggest.medianMs / at(incremental, 100);
    targets.push({
      what: `100 changes at ${sci(biggest.rows)} rows: DuckDB recomputation ÷ Freshet incremental`,
      target: 'Freshet ≥ 100x faster at 10^7',
      value: `${ratio.toFixed(0)}x (${at(incremental, 100).toFixed(2)} vs ${biggest.medianMs.toFixed(1)} ms)`,
      met: ratio >= 100,
      ...(biggest.rows >= 10_000_000 ? {} : { note: `quick mode: checked at ${sci(biggest.rows)}, not 10^7` }),
    });
  }
  const sizeTable: Table = {
    title: `Batches of ${VIEW_SHAPE.batch} changes (40% inserts, 30% deletes, 30% updates) against state size`,
    columns: ['fact rows', 'load s', 'batch ms (median)', 'p90 ms', 'vs smallest', 'CPU ms (median)', 'heap B/row', 'raw B/row', 'heap/raw'],
    rows: results.map((r) => [
      r.rows.toLocaleString('en-US'),
      r.loadSeconds.toFixed(1),
      r.medianMs.toFixed(2),
      r.p90Ms.toFixed(2),
      `${(r.medianMs / smallest.medianMs).toFixed(2)}x`,
      r.cpuMedianMs.toFixed(2),
      r.heapBytesPerRow.toFixed(0),
      r.rawBytesPerRow.toFixed(0),
      `${(r.heapBytesPerRow / r.rawBytesPerRow).toFixed(2)}x`,
    ]),
  };
  const tables: Table[] = [sizeTable];
  const notes: string[] = [];
  for (const rc of recompute) {
    const inc = results.find((r) => r.rows === rc.rows);
    if (!inc) continue;
    tables.push({
      title: `Incremental (Freshet) against recomputation (DuckDB, ${rc.threads} threads) at ${rc.rows.toLocaleString('en-US')} rows`,
      columns: ['changes per batch', 'Freshet ms per batch (median)', 'p90 ms', 'DuckDB recompute ms (median)', 'Freshet faster by', 'winner'],
      rows: inc.timings.map((t) => [
        t.changes.toLocaleString('en-US'),
        t.medianMs.toFixed(2),
        t.p90Ms.toFixed(2),
        rc.medianMs.toFixed(1),
        `${(rc.medianMs / t.medianMs).toFixed(1)}x`,
        t.medianMs < rc.medianMs ? 'incremental' : 'recomputation',
      ]),
    });
    // Where recomputation would win: the batch size at which the incremental cost reaches one recomputation.
    const biggestBatch = inc.timings[inc.timings.length - 1]!;
    const losingIndex = inc.timings.findIndex((t) => t.medianMs >= rc.medianMs);
    const perChange = biggestBatch.medianMs / biggestBatch.changes;
    // Linear between the last batch size incremental wins and the first it loses.
    const crossover = (): number => {
      const hi = inc.timings[losingIndex]!;
      const lo = inc.timings[losingIndex - 1];
      if (!lo) return hi.changes;
      return lo.changes + ((rc.medianMs - lo.medianMs) * (hi.changes - lo.changes)) / (hi.medianMs - lo.medianMs);
    };
    notes.push(
      losingIndex >= 0
        ? `At ${rc.rows.toLocaleString('en-US')} rows recomputation (${rc.medianMs.toFixed(1)} ms) wins from about ${Math.round(crossover()).toLocaleString('en-US')} changes per batch (${((crossover() / rc.rows) * 100).toFixed(2)}% of the rows; interpolated between the sizes measured).`
        : `At ${rc.rows.toLocaleString('en-US')} rows incremental wins at every batch size measured; at ${(perChange * 1000).toFixed(1)} µs per change (the ${biggestBatch.changes.toLocaleString('en-US')}-change batches), recomputation (${rc.medianMs.toFixed(0)} ms) would win from about ${Math.round(rc.medianMs / perChange).toLocaleString('en-US')} changes per batch (${((rc.medianMs / perChange / rc.rows) * 100).toFixed(1)}% of the rows).`,
    );
  }
  notes.push(
    'DuckDB times only the query over the whole table, not applying the changes to its table first, which favours recomputation; it uses all its threads, Freshet one. Heap B/row is the compute state (the rows, the join and reduce arrangements) after a forced GC, raw the row arrays alone.',
  );
  return {
    id: 'maintenance',
    title: 'Update cost against state size; incremental against recomputation',
    method:
      `The view \`${MAINTAINED_VIEW_SQL.replace(/\s+/g, ' ')}\` (${VIEW_SHAPE.dims} dims, ${VIEW_SHAPE.categories} categories) planned by Freshet's front end and maintained by its compute engine, in a child process per state size (bench/view-maintenance.ts); ` +
      `batches of ${options.changes.join(', ')} changes, ${options.batches} batches of 1000 (about as many changes at the other sizes), after 5 warm-up batches. ` +
      `DuckDB (@duckdb/node-api, in memory, in the bench process) recomputes the same query from scratch over tables of the same shape and size.${options.quick ? ' Quick mode: state up to 10^6 rows.' : ''}`,
    tables,
    targets,
    notes,
    charts: [
      {
        title: 'Cost of a batch: incremental vs recomputation',
        xLabel: 'changes per batch',
        yLabel: 'ms per batch',
        logX: true,
        logY: true,
        series: [
          ...results.map((r) => ({ name: `Freshet, ${sci(r.rows)} rows`, points: r.timings.map((t): [number, number] => [t.changes, t.medianMs]) })),
          ...recompute.map((rc) => ({ name: `DuckDB recompute, ${sci(rc.rows)} rows`, points: options.changes.map((c): [number, number] => [c, rc.medianMs]), dashed: true })),
        ],
      },
      {
        title: 'Update cost against state size (1000 changes)',
        xLabel: 'rows of state',
        yLabel: 'ms per batch',
        logX: true,
        series: [
          { name: 'Freshet median', points: results.map((r): [number, number] => [r.rows, r.medianMs]) },
          { name: 'Freshet p90', points: results.map((r): [number, number] => [r.rows, r.p90Ms]) },
          { name: '2x the smallest (target)', points: results.map((r): [number, number] => [r.rows, 2 * smallest.medianMs]), dashed: true },
        ],
      },
    ],
    data: { results, recompute },
    seconds: (performance.now() - started) / 1000,
  };
}
