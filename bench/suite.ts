// The benchmark suite (issue 13): Freshet against the limits and the
// alternatives, every figure beside its reference from the same run.
//
//   npm run bench          the full suite
//   npm run bench:quick    quick mode (smaller sizes, shorter runs; under
//                          five minutes on 2 cores)
//   node dist/bench/suite.js [--quick] [--only ingestion,freshness,maintenance,memory,ecommerce]
//        [--workers N] [--server-arg ARG ...] [--out DIR]
//
// Writes bench/results/<date>[-quick].json, .md and .svg, and the latest as
// bench/results/latest.md and latest.svg. Every `freshet serve` the suite
// starts gets its arguments from bench/suite/server.ts (--workers is passed
// when the build has it).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ecommerceSection } from './suite/ecommerce.js';
import { freshnessSection } from './suite/freshness.js';
import { ingestionSection } from './suite/ingestion.js';
import { maintenanceSection } from './suite/maintenance.js';
import { memorySection } from './suite/memory.js';
import { toMarkdown, toSvg, type SectionReport, type SuiteReport } from './suite/report.js';
import { configureServerArgs } from './suite/server.js';

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const values = (name: string): string[] => argv.flatMap((a, i) => (a === `--${name}` && argv[i + 1] !== undefined ? [argv[i + 1]!] : []));
const value = (name: string): string | undefined => values(name)[0];

const quick = flag('quick');
/** --rates 10000: the freshness section at these rates only (for profiling one rate). */
const freshnessRates = value('rates')?.split(',').map(Number);
const only = value('only')?.split(',');
const workersArg = value('workers') ?? process.env.FRESHET_BENCH_WORKERS;
const server = configureServerArgs({
  workers: workersArg === undefined ? null : Number(workersArg),
  extra: [...values('server-arg'), ...(process.env.FRESHET_BENCH_SERVER_ARGS?.split(' ').filter((a) => a !== '') ?? [])],
});

/** The repository root: the nearest directory above this file with Freshet's package.json (works from dist/ and .build/NAME/). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bench', 'README.md'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

const root = repoRoot();
const outDir = resolve(value('out') ?? join(root, 'bench', 'results'));

/** Sizes per mode. Quick: state up to 10^6 rows, fewer messages, shorter runs. */
const plan = quick
  ? {
      ingestion: { messages: 100_000, partitions: 16 },
      freshness: { rates: [1_000, 10_000, 50_000], seconds: 4, warmup: 1 },
      maintenance: { sizes: [100_000, 1_000_000], duckdbSizes: [100_000, 1_000_000], changes: [10, 100, 1000, 10_000], batches: 100 },
      memory: { rows: 500_000 },
      ecommerce: { rates: [250, 1000, 2500, 5000, 10_000], seconds: 5, warmup: 2 },
    }
  : {
      ingestion: { messages: 1_000_000, partitions: 32 },
      freshness: { rates: [1_000, 10_000, 50_000], seconds: 20, warmup: 3 },
      maintenance: { sizes: [100_000, 1_000_000, 10_000_000], duckdbSizes: [1_000_000, 10_000_000], changes: [10, 100, 1000, 10_000], batches: 200 },
      memory: { rows: 1_000_000 },
      ecommerce: { rates: [250, 1000, 2500, 5000, 10_000, 20_000, 40_000], seconds: 20, warmup: 5 },
    };

const sections: [id: string, title: string, run: () => Promise<SectionReport>][] = [
  ['ingestion', 'Ingestion per format and envelope', () => ingestionSection(plan.ingestion)],
  ['freshness', 'Freshness: produce to SUBSCRIBE', () => freshnessSection({ ...plan.freshness, ...(freshnessRates ? { rates: freshnessRates } : {}) })],
  ['maintenance', 'Update cost against state size; incremental against recomputation (DuckDB)', () => maintenanceSection({ ...plan.maintenance, quick })],
  ['memory', 'Memory per row of state', () => memorySection(plan.memory)],
  ['ecommerce', 'E-commerce workload: highest steady rate with freshness under one second', () => ecommerceSection(plan.ecommerce)],
];

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return 'unknown';
  }
}

const started = performance.now();
const loadBefore = os.loadavg();
const reports: SectionReport[] = [];
for (const [id, title, run] of sections) {
  if (only && !only.includes(id)) continue;
  const t0 = performance.now();
  console.log(`[suite] ${title}...`);
  try {
    const report = await run();
    reports.push(report);
    for (const t of report.targets) console.log(`[suite]   ${t.what}: ${t.value} (target ${t.target}: ${t.met === null ? 'not measured' : t.met ? 'met' : 'MISSED'})`);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`[suite] ${id} failed: ${err instanceof Error ? err.stack : message}`);
    reports.push({ id, title, method: '', tables: [], targets: [], notes: [], charts: [], data: null, seconds: (performance.now() - t0) / 1000, error: message });
  }
  console.log(`[suite] ${id}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

const date = new Date().toISOString().slice(0, 10);
const report: SuiteReport = {
  date,
  mode: quick ? 'quick' : 'full',
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadBefore, loadAfter: os.loadavg() },
  commit: commit(),
  server: { args: server.args, notes: server.notes },
  seconds: (performance.now() - started) / 1000,
  sections: reports,
};
mkdirSync(outDir, { recursive: true });
const base = `${date}${quick ? '-quick' : ''}`;
const json = JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
writeFileSync(join(outDir, `${base}.json`), `${json}\n`);
writeFileSync(join(outDir, `${base}.svg`), toSvg(report));
writeFileSync(join(outDir, `${base}.md`), toMarkdown(report, `${base}.svg`));
writeFileSync(join(outDir, 'latest.svg'), toSvg(report));
writeFileSync(join(outDir, 'latest.md'), toMarkdown(report, 'latest.svg'));
console.log(`[suite] ${report.seconds.toFixed(0)} s; wrote ${join(outDir, `${base}.{json,md,svg}`)} and latest.md / latest.svg`);
process.exit(0);
