// The suite's report: a JSON file with every figure, a Markdown summary
// (each figure beside its reference from the same run, targets met or
// missed) and an SVG of the curves, hand-written (no plotting library, no
// browser).

export interface Target {
  what: string;
  target: string;
  /** The measured figure, as the report shows it. */
  value: string;
  /** null: not measured in this run (e.g. quick mode without the size). */
  met: boolean | null;
  note?: string;
}

export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
}

export interface Series {
  name: string;
  points: [x: number, y: number][];
  dashed?: boolean;
}

export interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  series: Series[];
}

export interface SectionReport {
  id: string;
  title: string;
  /** What was measured and how, one paragraph. */
  method: string;
  tables: Table[];
  targets: Target[];
  notes: string[];
  charts: Chart[];
  /** The raw figures, for the JSON report. */
  data: unknown;
  seconds: number;
  error?: string;
}

export interface SuiteReport {
  date: string;
  mode: 'quick' | 'full';
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; loadBefore: number[]; loadAfter: number[] };
  commit: string;
  server: { args: string[]; notes: string[] };
  seconds: number;
  sections: SectionReport[];
}

// ---------------- Markdown ----------------

const mdCell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function mdTable(columns: string[], rows: string[][]): string {
  const out = [`| ${columns.map(mdCell).join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`];
  for (const row of rows) out.push(`| ${row.map(mdCell).join(' | ')} |`);
  return out.join('\n');
}

const verdict = (met: boolean | null): string => (met === null ? 'not measured' : met ? '**met**' : '**MISSED**');

export function toMarkdown(report: SuiteReport, svgName: string): string {
  const lines: string[] = [];
  lines.push(`# Freshet benchmark suite: ${report.mode} mode, ${report.date}`);
  lines.push('');
  lines.push(
    `Commit \`${report.commit}\`; ${report.machine.cpus} CPUs (${report.machine.cpuModel}), ${report.machine.memoryGiB} GiB; Node ${report.machine.node}; ` +
      `load average ${report.machine.loadBefore.map((l) => l.toFixed(1)).join(' / ')} before, ${report.machine.loadAfter.map((l) => l.toFixed(1)).join(' / ')} after; ${report.seconds.toFixed(0)} s in all.`,
  );
  lines.push(`Server: \`freshet serve --port 0 --data-dir <fresh temporary directory> --log-format json${report.server.args.map((x) => ` ${x}`).join('')}\`${report.server.notes.length > 0 ? ` (${report.server.notes.join('; ')})` : ''}.`);
  if (report.mode === 'quick') {
    lines.push('');
    lines.push('**Quick mode**: smaller sizes (state up to 10^6 rows, fewer messages, shorter runs) than the full suite (`npm run bench`); targets stated for 10^7 rows are checked on the largest size measured here, and say so.');
  }
  lines.push('');
  lines.push('## Targets');
  lines.push('');
  const targetRows: string[][] = [];
  for (const s of report.sections) {
    for (const t of s.targets) targetRows.push([s.title, t.what, t.target, t.value, verdict(t.met) + (t.note ? ` (${t.note})` : '')]);
    if (s.error) targetRows.push([s.title, 'section failed', '', s.error, '**FAILED**']);
  }
  lines.push(mdTable(['section', 'what', 'target', 'measured', 'verdict'], targetRows));
  lines.push('');
  lines.push(`![curves](${svgName})`);
  for (const s of report.sections) {
    lines.push('');
    lines.push(`## ${s.title}`);
    lines.push('');
    lines.push(`${s.method} (${s.seconds.toFixed(0)} s)`);
    if (s.error) {
      lines.push('');
      lines.push(`**Failed:** ${s.error}`);
    }
    for (const t of s.tables) {
      lines.push('');
      if (t.title) lines.push(`${t.title}:`, '');
      lines.push(mdTable(t.columns, t.rows));
    }
    if (s.notes.length > 0) {
      lines.push('');
      for (const n of s.notes) lines.push(`- ${n}`);
    }
  }
  lines.push('');
  return lines.join('\n');
}

// ---------------- SVG ----------------

const PANEL_W = 560;
const PANEL_H = 360;
const MARGIN = { left: 70, right: 16, top: 34, bottom: 92 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e9) return `${+(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a >= 1) return `${+v.toPrecision(3)}`;
  return `${+v.toPrecision(2)}`;
}

function ticks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e);
    return out;
  }
  const span = max - min || 1;
  const step = 10 ** Math.floor(Math.log10(span / 5));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= 6) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(min / nice) * nice; v <= max + 1e-9; v += nice) out.push(v);
  return out;
}

function panel(chart: Chart, x0: number, y0: number): string {
  const pts = chart.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!chart.logX || x > 0) && (!chart.logY || y > 0));
  const out: string[] = [`<g transform="translate(${x0},${y0})">`, `<rect x="0" y="0" width="${PANEL_W}" height="${PANEL_H}" fill="#fff" stroke="#ddd"/>`];
  out.push(`<text x="${PANEL_W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(chart.title)}</text>`);
  if (pts.length === 0) {
    out.push(`<text x="${PANEL_W / 2}" y="${PANEL_H / 2}" text-anchor="middle" font-size="12">no data</text></g>`);
    return out.join('\n');
  }
  let [xmin, xmax] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [ymin, ymax] = [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  if (chart.logX) [xmin, xmax] = [10 ** Math.floor(Math.log10(xmin)), 10 ** Math.ceil(Math.log10(xmax))];
  if (chart.logY) [ymin, ymax] = [10 ** Math.floor(Math.log10(ymin)), 10 ** Math.ceil(Math.log10(ymax))];
  else [ymin, ymax] = [Math.min(0, ymin), ymax * 1.08 || 1];
  if (xmin === xmax) [xmin, xmax] = chart.logX ? [xmin / 10, xmax * 10] : [xmin - 1, xmax + 1];
  if (ymin === ymax) [ymin, ymax] = chart.logY ? [ymin / 10, ymax * 10] : [ymin - 1, ymax + 1];
  const w = PANEL_W - MARGIN.left - MARGIN.right;
  const h = PANEL_H - MARGIN.top - MARGIN.bottom;
  const sx = (x: number): number => MARGIN.left + (chart.logX ? (Math.log10(x) - Math.log10(xmin)) / (Math.log10(xmax) - Math.log10(xmin)) : (x - xmin) / (xmax - xmin)) * w;
  const sy = (y: number): number => MARGIN.top + h - (chart.logY ? (Math.log10(y) - Math.log10(ymin)) / (Math.log10(ymax) - Math.log10(ymin)) : (y - ymin) / (ymax - ymin)) * h;
  for (const t of ticks(xmin, xmax, chart.logX ?? false)) {
    out.push(`<line x1="${sx(t).toFixed(1)}" y1="${MARGIN.top}" x2="${sx(t).toFixed(1)}" y2="${MARGIN.top + h}" stroke="#eee"/>`);
    out.push(`<text x="${sx(t).toFixed(1)}" y="${MARGIN.top + h + 14}" text-anchor="middle" font-size="10">${fmt(t)}</text>`);
  }
  for (const t of ticks(ymin, ymax, chart.logY ?? false)) {
    out.push(`<line x1="${MARGIN.left}" y1="${sy(t).toFixed(1)}" x2="${MARGIN.left + w}" y2="${sy(t).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${MARGIN.left - 4}" y="${(sy(t) + 3).toFixed(1)}" text-anchor="end" font-size="10">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${w}" height="${h}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${MARGIN.left + w / 2}" y="${MARGIN.top + h + 30}" text-anchor="middle" font-size="11">${esc(chart.xLabel)}${chart.logX ? ' (log)' : ''}</text>`);
  out.push(`<text transform="translate(14,${MARGIN.top + h / 2}) rotate(-90)" text-anchor="middle" font-size="11">${esc(chart.yLabel)}${chart.logY ? ' (log)' : ''}</text>`);
  chart.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const ok = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!chart.logX || x > 0) && (!chart.logY || y > 0)).sort((a, b) => a[0] - b[0]);
    if (ok.length > 1) {
      const d = ok.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    }
    for (const [x, y] of ok) out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${color}"><title>${esc(`${s.name}: ${fmt(x)}, ${fmt(y)}`)}</title></circle>`);
    // Legend below the axis label, two columns.
    const lx = MARGIN.left + (i % 2) * (w / 2);
    const ly = MARGIN.top + h + 46 + Math.floor(i / 2) * 14;
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 18}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${lx + 22}" y="${ly}" font-size="10">${esc(s.name)}</text>`);
  });
  out.push('</g>');
  return out.join('\n');
}

export function toSvg(report: SuiteReport): string {
  const charts = report.sections.flatMap((s) => s.charts);
  const cols = 2;
  const rows = Math.max(1, Math.ceil(charts.length / cols));
  const width = cols * PANEL_W + (cols + 1) * 10;
  const height = rows * PANEL_H + (rows + 1) * 10 + 30;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#f7f7f7"/>`,
    `<text x="10" y="24" font-size="16" font-weight="bold">${esc(`Freshet benchmark suite, ${report.mode} mode, ${report.date} (${report.commit})`)}</text>`,
  ];
  charts.forEach((c, i) => out.push(panel(c, 10 + (i % cols) * (PANEL_W + 10), 40 + Math.floor(i / cols) * (PANEL_H + 10))));
  out.push('</svg>');
  return out.join('\n');
}
