// Freshet against Materialize's own sqllogictest files.
//
//   node .build/mzsql/scripts/mz-slt/main.js <materialize> [--only substr]
//        [--report docs/materialize-slt-report.md] [--details out.json]
//        [--timeout ms] [--files a.slt,b.slt] [--postgres port]
//
// <materialize> is a Materialize repository: a git directory (read with
// `git show HEAD:test/sqllogictest/<file>`), a checkout, or a folder holding
// the .slt files. Materialize's files are read from there and never copied
// into this repository. Each file runs against its own fresh `freshet serve`
// (built next to this script); the report gives, per file, the records that
// passed, failed for a documented deliberate difference, failed for a gap,
// or were skipped as an unsupported directive.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { classify, DELIBERATE, type Verdict } from './classify.js';
import { FileRunner, type RecordResult } from './runner.js';

/** The 25 files, with the part of the SQL surface each covers. */
export const FILES: ReadonlyArray<readonly [string, string]> = [
  ['joins.slt', 'joins'],
  ['outer_join.slt', 'outer joins'],
  ['aggregates.slt', 'aggregates'],
  ['subquery.slt', 'subqueries'],
  ['window_funcs.slt', 'window functions'],
  ['jsonb.slt', 'jsonb'],
  ['list.slt', 'list'],
  ['map.slt', 'map'],
  ['record.slt', 'record'],
  ['dates-times.slt', 'dates and times'],
  ['interval.slt', 'intervals'],
  ['timestamp.slt', 'timestamps'],
  ['numeric.slt', 'numeric'],
  ['string.slt', 'strings'],
  ['regex.slt', 'regex'],
  ['cast.slt', 'casts'],
  ['boolean.slt', 'booleans and their casts'],
  ['arrays.slt', 'arrays'],
  ['funcs.slt', 'functions'],
  ['cockroach/union.slt', 'set operations'],
  ['materialized_views.slt', 'materialized views'],
  ['temporal.slt', 'temporal filters'],
  ['topk.slt', 'top-k'],
  ['unsigned_int.slt', 'uint2/uint4/uint8'],
  ['mztimestamp.slt', 'mz_timestamp'],
];

interface Args {
  mirror: string;
  only: string | undefined;
  report: string | undefined;
  details: string | undefined;
  timeoutMs: number;
  files: string[] | undefined;
  postgresPort: number | undefined;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { mirror: '', only: undefined, report: undefined, details: undefined, timeoutMs: 15_000, files: undefined, postgresPort: undefined };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    const next = (): string => argv[++i] ?? '';
    if (x === '--only') a.only = next();
    else if (x === '--report') a.report = next();
    else if (x === '--details') a.details = next();
    else if (x === '--timeout') a.timeoutMs = Number(next());
    else if (x === '--files') a.files = next().split(',');
    else if (x === '--postgres') a.postgresPort = Number(next());
    else a.mirror = x;
  }
  if (a.mirror === '') {
    console.error('usage: main.js <materialize repository or git dir> [--only s] [--report f.md] [--details f.json] [--timeout ms] [--postgres port]');
    process.exit(2);
  }
  return a;
}

function readSlt(mirror: string, file: string): string {
  if (existsSync(join(mirror, 'HEAD')) && existsSync(join(mirror, 'objects'))) {
    return execFileSync('git', ['--git-dir', mirror, 'show', `HEAD:test/sqllogictest/${file}`], { encoding: 'utf8', maxBuffer: 64 << 20 });
  }
  if (existsSync(join(mirror, 'test', 'sqllogictest'))) return readFileSync(join(mirror, 'test', 'sqllogictest', file), 'utf8');
  return readFileSync(join(mirror, file), 'utf8');
}

function gitHead(mirror: string): string | undefined {
  try {
    const gitDir = existsSync(join(mirror, 'HEAD')) ? mirror : join(mirror, '.git');
    return execFileSync('git', ['--git-dir', gitDir, 'log', '-1', '--format=%H (%cs)'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

interface FileSummary {
  file: string;
  topic: string;
  results: RecordResult[];
  verdicts: Verdict[];
  seconds: number;
}

function oneLine(s: string, n = 110): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > n ? t.slice(0, n - 1) + '…' : t;
}

function md(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/`/g, "'");
}

function failureText(r: RecordResult): string {
  const o = r.outcome;
  if (o.status !== 'fail') return '';
  switch (o.kind) {
    case 'output': {
      const exp = o.expected?.kind === 'values' ? o.expected.values.join(' ') : `${o.expected?.count} values hashed`;
      return `output: expected ${oneLine(exp, 60)}; got ${oneLine((o.actual ?? []).join(' '), 60)}`;
    }
    case 'wrong-error':
      return `error: expected /${oneLine(o.expectedError ?? '', 50)}/; got ${oneLine(o.message.replace(/^db error: ERROR: /, ''), 70)}`;
    case 'unexpected-success':
      return `succeeded; expected error /${oneLine(o.expectedError ?? '', 60)}/`;
    case 'error':
      return `error: ${oneLine(o.message.replace(/^db error: ERROR: /, ''), 100)}`;
    default:
      return `${o.kind}: ${oneLine(o.message, 100)}`;
  }
}

async function postgresVersion(port: number | undefined): Promise<string | undefined> {
  if (port === undefined) return undefined;
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  try {
    await c.connect();
    const r = await c.query<{ server_version: string }>('SHOW server_version');
    return r.rows[0]?.server_version;
  } catch {
    return undefined;
  } finally {
    await c.end().catch(() => undefined);
  }
}

function writeReport(path: string, summaries: FileSummary[], mirror: string, pgVersion: string | undefined): void {
  const head = gitHead(mirror);
  const lines: string[] = [];
  let tp = 0;
  let td = 0;
  let tg = 0;
  let ts = 0;
  let tn = 0;
  const deliberateCounts = new Map<string, number>();
  const skipCounts = new Map<string, number>();
  const rows: string[] = [];
  for (const s of summaries) {
    const c = { pass: 0, deliberate: 0, gap: 0, skip: 0 };
    for (const v of s.verdicts) {
      c[v.class]++;
      if (v.class === 'deliberate') deliberateCounts.set(v.key, (deliberateCounts.get(v.key) ?? 0) + 1);
      if (v.class === 'skip') skipCounts.set(v.reason, (skipCounts.get(v.reason) ?? 0) + 1);
    }
    const n = s.verdicts.length;
    const judged = n - c.deliberate - c.skip;
    const rate = judged === 0 ? '–' : `${((100 * c.pass) / judged).toFixed(1)}%`;
    rows.push(`| ${s.file} | ${s.topic} | ${c.pass} | ${c.deliberate} | ${c.gap} | ${c.skip} | ${n} | ${rate} |`);
    tp += c.pass;
    td += c.deliberate;
    tg += c.gap;
    ts += c.skip;
    tn += n;
  }
  const judged = tn - td - ts;
  lines.push('# Freshet against Materialize\'s sqllogictest files');
  lines.push('');
  lines.push('Generated by `scripts/mz-slt/` (see [its README](../scripts/mz-slt/README.md)); do not edit by hand.');
  lines.push(`Materialize's files were read from ${head ? `commit ${head} of a Materialize repository snapshot` : 'a Materialize checkout'}; they are not part of this repository.`);
  lines.push(
    `Reproduce: \`node .build/mzsql/scripts/mz-slt/main.js <materialize git dir> --postgres <port> --report docs/materialize-slt-report.md\`` +
      (pgVersion ? ` (the PostgreSQL oracle for this report: ${pgVersion}).` : '.'),
  );
  lines.push('');
  lines.push('Each record is one `statement`, `query` or `simple` block. *Deliberate*: the record fails only because of a');
  lines.push('difference listed in [coming-from-materialize.md](coming-from-materialize.md). *Gap*: anything else (a');
  lines.push('missing feature, a wrong value, a wrong error, a hang or crash). *Skipped*: a directive the runner cannot');
  lines.push('run against Freshet. *Rate*: passed / (records − deliberate − skipped).');
  lines.push('');
  lines.push('| file | covers | passed | deliberate | gap | skipped | records | rate |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|');
  lines.push(...rows);
  lines.push(`| **total** | | **${tp}** | **${td}** | **${tg}** | **${ts}** | **${tn}** | **${judged === 0 ? '–' : ((100 * tp) / judged).toFixed(1) + '%'}** |`);
  lines.push('');
  lines.push('## Deliberate differences');
  lines.push('');
  lines.push('| difference | records |');
  lines.push('|---|---:|');
  for (const [key, n] of [...deliberateCounts].sort((a, b) => b[1] - a[1])) {
    lines.push(`| [${DELIBERATE[key]?.title ?? key}](coming-from-materialize.md#${key}) | ${n} |`);
  }
  if (skipCounts.size > 0) {
    lines.push('');
    lines.push('## Skipped');
    lines.push('');
    for (const [reason, n] of skipCounts) lines.push(`- ${reason}: ${n}`);
  }
  lines.push('');
  lines.push('## Gaps, file by file');
  lines.push('');
  for (const s of summaries) {
    const gaps = s.results.filter((_r, i) => s.verdicts[i]!.class === 'gap');
    if (gaps.length === 0) continue;
    lines.push(`### ${s.file} (${gaps.length})`);
    lines.push('');
    for (const r of gaps) lines.push(`- line ${r.line}: \`${md(oneLine(r.sql, 90))}\` — ${md(failureText(r))}`);
    lines.push('');
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let files = FILES.filter(([f]) => args.files === undefined || args.files.includes(f));
  if (args.only !== undefined) files = files.filter(([f]) => f.includes(args.only!));
  const summaries: FileSummary[] = [];
  for (const [file, topic] of files) {
    const started = Date.now();
    const text = readSlt(args.mirror, file);
    const runner = new FileRunner({ timeoutMs: args.timeoutMs, postgresPort: args.postgresPort, log: (l) => console.log(l) });
    console.log(`--- ${file}`);
    let results: RecordResult[];
    try {
      results = await runner.runFile(file, text);
    } catch (e) {
      console.log(`    could not run: ${e instanceof Error ? e.stack : String(e)}`);
      continue;
    }
    const verdicts = results.map(classify);
    const seconds = (Date.now() - started) / 1000;
    summaries.push({ file, topic, results, verdicts, seconds });
    const count = (k: Verdict['class']): number => verdicts.filter((v) => v.class === k).length;
    console.log(
      `    ${results.length} records: ${count('pass')} passed, ${count('deliberate')} deliberate, ${count('gap')} gap, ${count('skip')} skipped (${seconds.toFixed(1)} s)`,
    );
  }
  if (args.report !== undefined) writeReport(args.report, summaries, args.mirror, await postgresVersion(args.postgresPort));
  if (args.details !== undefined) {
    const details = summaries.map((s) => ({
      file: s.file,
      records: s.results.map((r, i) => ({ ...r, verdict: s.verdicts[i] })).filter((r) => r.verdict.class !== 'pass'),
    }));
    writeFileSync(args.details, JSON.stringify(details, null, 1));
  }
}

await main();
