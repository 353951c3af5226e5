// Memory per row of state, through a real `freshet serve`: an upsert
// source's state, a materialized view's arranged state and an index, each
// beside the raw bytes of its rows. Read from the server's live heap after
// a forced full GC: the heap probe bench/serving.ts uses
// (FRESHET_DEBUG_HEAP=1 and --expose-gc; SIGUSR2 logs process.memoryUsage(),
// src/cli/heap-probe.ts), with RSS deltas beside it; a build without the
// probe gives RSS deltas only.
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { connectProducer, startMockCluster, type TestMessage } from '../../test/helpers/kafka-mock.js';
import type { BenchServer } from './server.js';
import type { SectionReport, Target } from './report.js';
import { scalar, sleep, startServer } from './server.js';

interface Probe {
  heap: number | null;
  rss: number;
}

function rssOf(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  // Read synchronously from /proc (Linux).
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
  } catch {
    return NaN;
  }
}
/** The server's live heap + external after a full GC (the probe's log line), or null without the probe. */
async function probe(bench: BenchServer): Promise<Probe> {
  const heapLines = (): string[] => bench.server.log().split('\n').filter((l) => l.includes('"msg":"heap"'));
  const seen = heapLines().length;
  bench.server.child.kill('SIGUSR2');
  for (let i = 0; i < 400; i++) {
    await sleep(25);
    const lines = heapLines();
    if (lines.length > seen) {
      const record = JSON.parse(lines[lines.length - 1]!) as { heapUsed: number; external: number; rss: number };
      return { heap: record.heapUsed + record.external, rss: record.rss };
    }
  }
  return { heap: null, rss: rssOf(bench.server.child.pid) };
}

async function waitFor(client: pg.Client, sql: string, n: number): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const count = await scalar(client, sql).catch(() => NaN);
    if (count >= n) return;
    if (performance.now() - t0 > 600_000) throw new Error(`${sql}: not ${n} after 600 s`);
    await sleep(100);
  }
}

export interface MemoryFigure {
  structure: string;
  rows: number;
  rawBytesPerRow: number;
  heapBytesPerRow: number | null;
  rssBytesPerRow: number;
}

export async function memorySection(options: { rows: number }): Promise<SectionReport> {
  const started = performance.now();
  const rows = options.rows;
  const cluster = startMockCluster(1);
  const partitions = 8;
  cluster.createTopic('kv', partitions);
  const producer = await connectProducer(cluster.bootstrap);
  let upsertRaw = 0;
  for (let start = 0; start < rows; start += 50_000) {
    const batch: TestMessage[] = [];
    for (let i = start; i < Math.min(rows, start + 50_000); i++) {
      const key = `key-${i}`;
      const value = `value ${i} of the upsert source`;
      upsertRaw += key.length + value.length;
      batch.push({ topic: 'kv', partition: i % partitions, key, value });
    }
    await producer.send(batch);
  }
  await producer.close();
  const bench = await startServer({ env: { FRESHET_DEBUG_HEAP: '1' }, nodeFlags: ['--expose-gc'] });
  const client = await bench.connect();
  const figures: MemoryFigure[] = [];
  let probed = true;
  try {
    const per = (structure: string, after: Probe, before: Probe, raw: number): MemoryFigure => {
      const figure = {
        structure,
        rows,
        rawBytesPerRow: raw,
        heapBytesPerRow: after.heap !== null && before.heap !== null ? (after.heap - before.heap) / rows : null,
        rssBytesPerRow: (after.rss - before.rss) / rows,
      };
      if (figure.heapBytesPerRow === null) probed = false;
      figures.push(figure);
      return figure;
    };
    await client.query(`CREATE CONNECTION kc TO KAFKA (BROKER '${cluster.bootstrap}', SECURITY PROTOCOL PLAINTEXT)`);
    const base = await probe(bench);
    await client.query("CREATE SOURCE kv FROM KAFKA CONNECTION kc (TOPIC 'kv') KEY FORMAT TEXT VALUE FORMAT TEXT ENVELOPE UPSERT");
    await waitFor(client, 'SELECT count(*) FROM kv', rows);
    const afterUpsert = await probe(bench);
    per('upsert source (its upsert state and stored rows), TEXT key and value', afterUpsert, base, upsertRaw / rows);

    await client.query('CREATE TABLE t (id int, name text)');
    for (let start = 1; start <= rows; start += 100_000) {
      await client.query(`INSERT INTO t SELECT g, 'name-' || g FROM generate_series(${start}, ${Math.min(rows, start + 99_999)}) g`);
    }
    const rawTable = (await scalar(client, 'SELECT sum(4 + octet_length(name))::int8 FROM t')) / rows;
    const afterTable = await probe(bench);
    per('table (int, text)', afterTable, afterUpsert, rawTable);
    await client.query('CREATE MATERIALIZED VIEW mv AS SELECT id, name FROM t WHERE id > 0');
    await waitFor(client, 'SELECT count(*) FROM mv', rows);
    const afterView = await probe(bench);
    per('materialized view over it (arranged view state)', afterView, afterTable, rawTable);
    await client.query('CREATE INDEX mv_id ON mv (id)');
    await scalar(client, 'SELECT count(*) FROM mv WHERE id = 7');
    const afterIndex = await probe(bench);
    per('index on the view (id)', afterIndex, afterView, rawTable);
  } finally {
    await client.end();
    await bench.stop();
    cluster.destroy();
  }
  const targets: Target[] = figures
    .filter((f) => !f.structure.startsWith('table'))
    .map((f) => {
      const ratio = (f.heapBytesPerRow ?? f.rssBytesPerRow) / f.rawBytesPerRow;
      return {
        what: `memory per row: ${f.structure.replace(/ \(.*$/, '').replace(/, TEXT.*$/, '')}`,
        target: '≤ 3x the raw bytes',
        value: `${ratio.toFixed(1)}x (${(f.heapBytesPerRow ?? f.rssBytesPerRow).toFixed(0)} B vs ${f.rawBytesPerRow.toFixed(1)} B raw${f.heapBytesPerRow === null ? ', RSS' : ''})`,
        met: ratio <= 3,
      };
    });
  const b = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(0));
  return {
    id: 'memory',
    title: 'Memory per row of state',
    method:
      `${rows.toLocaleString('en-US')} rows per structure in one \`freshet serve\` started with FRESHET_DEBUG_HEAP=1 and --expose-gc: after each step the server runs a full GC and reports its heap (heapUsed + external, bench/serving.ts's probe); the figure is the difference per row. ` +
      'Raw bytes: key + value bytes of each upsert message; 4 + the UTF-8 length of the text for an (int, text) row. The table is the reference the view and index are built over.',
    tables: [
      {
        title: '',
        columns: ['structure', 'rows', 'raw B/row', 'heap B/row', 'heap / raw', 'RSS delta B/row'],
        rows: figures.map((f) => [f.structure, f.rows.toLocaleString('en-US'), f.rawBytesPerRow.toFixed(1), b(f.heapBytesPerRow), f.heapBytesPerRow === null ? 'n/a' : `${(f.heapBytesPerRow / f.rawBytesPerRow).toFixed(2)}x`, b(f.rssBytesPerRow)]),
      },
    ],
    targets,
    notes: probed ? [] : ['This build has no heap probe (src/cli/heap-probe.ts): RSS deltas only, an upper bound (RSS keeps freed pages and garbage).'],
    charts: [],
    data: { rows, figures },
    seconds: (performance.now() - started) / 1000,
  };
}
