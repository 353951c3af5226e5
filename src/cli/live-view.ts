// The live terminal view of `freshet serve` and `freshet demo` when stdout is
// a terminal: a block at the bottom of the screen, redrawn in place every
// second, with each source's messages/s, lag and status, a progress bar while
// a source catches up on a backlog, and the maintained views. Log lines (when
// stderr is the same terminal) are printed above the block. Plain ANSI escape
// sequences: cursor up, erase line, erase below; no terminal library.
import type { CoordinatorSnapshot, RelationSnapshot, SourceSnapshot } from '../adapter/introspection.js';
import type { SourceHistory, SourceProgress } from '../server/source-history.js';

const ESC = '\x1b[';
const HIDE_CURSOR = `${ESC}?25l`;
const SHOW_CURSOR = `${ESC}?25h`;
const ERASE_BELOW = `${ESC}J`;
const up = (n: number): string => (n > 0 ? `${ESC}${n}A` : '');

const color = {
  dim: (s: string) => `${ESC}2m${s}${ESC}22m`,
  bold: (s: string) => `${ESC}1m${s}${ESC}22m`,
  green: (s: string) => `${ESC}32m${s}${ESC}39m`,
  yellow: (s: string) => `${ESC}33m${s}${ESC}39m`,
  red: (s: string) => `${ESC}31m${s}${ESC}39m`,
  cyan: (s: string) => `${ESC}36m${s}${ESC}39m`,
};

export interface LiveViewFacts {
  sqlAddress: string;
  consoleUrl: string | undefined;
  version: string;
  startedMs: number;
}

export interface LiveViewInput {
  snapshot(): CoordinatorSnapshot;
  history: SourceHistory;
}

/** Where the view writes: a TTY stream (columns and rows are read on each frame). */
export interface TerminalOut {
  write(text: string): unknown;
  columns?: number;
  rows?: number;
}

/** Visible width of a string without its ANSI sequences. */
function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').length;
}

/** Cuts a line to `width` visible characters (escape sequences kept, colors reset). */
function fit(line: string, width: number): string {
  if (visibleLength(line) <= width) return line;
  let out = '';
  let seen = 0;
  for (let i = 0; i < line.length && seen < width - 1; ) {
    if (line[i] === '\x1b') {
      // eslint-disable-next-line no-control-regex
      const m = /^\x1b\[[0-9;?]*[A-Za-z]/.exec(line.slice(i));
      if (m) {
        out += m[0];
        i += m[0].length;
        continue;
      }
    }
    out += line[i];
    seen++;
    i++;
  }
  return `${out}…${ESC}0m`;
}

function pad(s: string, width: number): string {
  const n = visibleLength(s);
  return n >= width ? s : s + ' '.repeat(width - n);
}

function padLeft(s: string, width: number): string {
  const n = visibleLength(s);
  return n >= width ? s : ' '.repeat(width - n) + s;
}

export function formatCount(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  if (n < 1_000_000_000) return `${(n / 1_000_000).toFixed(n < 10_000_000 ? 1 : 0)}M`;
  return `${(n / 1_000_000_000).toFixed(1)}G`;
}

export function formatRate(n: number): string {
  return n < 10 ? n.toFixed(1) : formatCount(n);
}

export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

function statusText(status: string): string {
  switch (status) {
    case 'running':
      return color.green(status);
    case 'stalled':
    case 'failed':
      return color.red(status);
    default:
      return color.yellow(status);
  }
}

/** A progress bar `[#####-----] 50%` of `width` cells inside the brackets. */
export function progressBar(share: number, width: number): string {
  const cells = Math.max(1, width);
  const filled = Math.round(Math.min(1, Math.max(0, share)) * cells);
  return `[${'█'.repeat(filled)}${'░'.repeat(cells - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%`;
}

/**
 * The lines of one frame, for a terminal `columns` wide showing at most
 * `maxLines` of them (sources beyond that are summarized).
 */
export function renderFrame(
  snapshot: CoordinatorSnapshot,
  progress: (s: SourceSnapshot) => SourceProgress,
  facts: LiveViewFacts,
  columns: number,
  maxLines: number,
): string[] {
  // One column spare: a line exactly as wide as the terminal wraps on some terminals.
  const width = Math.max(40, columns - 1);
  const mem = process.memoryUsage().rss;
  const lines: string[] = [];
  const uptime = formatDuration((snapshot.now - facts.startedMs) / 1000);
  lines.push(
    `${color.bold('Freshet')} ${facts.version}  ${color.dim('sql')} ${facts.sqlAddress}` +
      (facts.consoleUrl ? `  ${color.dim('console')} ${color.cyan(facts.consoleUrl)}` : '') +
      `  ${color.dim('up')} ${uptime}  ${color.dim('mem')} ${formatCount(mem / 1024 / 1024)} MB`,
  );
  const nameWidth = Math.min(28, Math.max(8, ...snapshot.sources.map((s) => s.name.length)) + 2);
  const header =
    pad('SOURCE', nameWidth) + pad('STATUS', 10) + padLeft('MSG/S', 9) + padLeft('MESSAGES', 10) + padLeft('LAG', 9) + padLeft('LAG S', 8) + padLeft('ERRORS', 8);
  lines.push(color.dim(header));
  if (snapshot.sources.length === 0) lines.push(color.dim('  no sources yet: CREATE SOURCE ... FROM KAFKA CONNECTION ...'));
  // Leave room for the header lines and the views summary.
  const budget = Math.max(3, maxLines - 4);
  let used = 0;
  const sources = [...snapshot.sources].sort((a, b) => a.name.localeCompare(b.name));
  let shown = 0;
  for (const s of sources) {
    const p = progress(s);
    const showError = s.status === 'stalled' && s.error !== null && s.error !== '';
    const needs = 1 + (p.catchUp !== null ? 1 : 0) + (showError ? 1 : 0);
    if (used + needs > budget) break;
    const errors = s.decodeErrors > 0 ? color.red(String(s.decodeErrors)) : '0';
    lines.push(
      pad(s.name.length > nameWidth - 2 ? `${s.name.slice(0, nameWidth - 3)}…` : s.name, nameWidth) +
        pad(statusText(s.status), 10) +
        padLeft(formatRate(p.rate), 9) +
        padLeft(formatCount(s.messagesReceived), 10) +
        padLeft(p.lag > 0 ? color.yellow(formatCount(p.lag)) : '0', 9) +
        padLeft(p.lagSeconds > 0 ? formatDuration(p.lagSeconds) : '-', 8) +
        padLeft(errors, 8),
    );
    if (p.catchUp !== null) {
      const eta = p.rate > 0 ? `, ~${formatDuration(p.lag / p.rate)} left` : '';
      const barWidth = Math.max(10, Math.min(40, width - nameWidth - 40));
      lines.push(`${' '.repeat(nameWidth)}${progressBar(p.catchUp, barWidth)} ${color.dim(`catching up: ${formatCount(p.lag)} behind${eta}`)}`);
    }
    if (showError) lines.push(`${' '.repeat(nameWidth)}${color.red(s.error ?? '')}`);
    used += needs;
    shown++;
  }
  if (shown < sources.length) lines.push(color.dim(`  … and ${sources.length - shown} more sources (see the console)`));
  lines.push(viewsSummary(snapshot.relations, snapshot.now));
  return lines.map((l) => fit(l, width));
}

function viewsSummary(relations: readonly RelationSnapshot[], now: number): string {
  const mvs = relations.filter((r) => r.kind === 'materialized-view');
  const indexes = relations.filter((r) => r.kind === 'index');
  const tables = relations.filter((r) => r.kind === 'table');
  const maintained = [...mvs, ...indexes];
  const rows = maintained.reduce((sum, r) => sum + (r.rows ?? 0), 0);
  const changed = maintained.filter((r) => r.lastChangeMs).map((r) => now - r.lastChangeMs!);
  const freshest = changed.length > 0 ? formatDuration(Math.max(0, Math.min(...changed)) / 1000) : '-';
  return (
    `${color.dim('views')} ${mvs.length} materialized, ${indexes.length} indexes, ${tables.length} tables` +
    `  ${color.dim('rows')} ${formatCount(rows)}  ${color.dim('last change')} ${freshest} ago`
  );
}

/** Draws frames in place on `out`; log lines and messages go above the frame. */
export class LiveView {
  private lines = 0;
  private timer: NodeJS.Timeout | undefined;
  private input: LiveViewInput | undefined;
  private facts: LiveViewFacts | undefined;
  private stopped = false;

  constructor(private readonly out: TerminalOut) {}

  /** Starts drawing every `intervalMs` (default 1000). */
  start(input: LiveViewInput, facts: LiveViewFacts, intervalMs = 1000): void {
    this.input = input;
    this.facts = facts;
    this.out.write(HIDE_CURSOR);
    this.draw();
    this.timer = setInterval(() => this.draw(), intervalMs);
    this.timer.unref();
  }

  /** Prints text above the frame (log lines, the demo's banner). */
  print(text: string): void {
    if (this.stopped || this.input === undefined) {
      this.out.write(text);
      return;
    }
    this.out.write(this.clear() + text + (text.endsWith('\n') ? '' : '\n'));
    this.lines = 0;
    this.draw();
  }

  /** A pino destination that prints log lines above the frame. */
  readonly logDestination = { write: (line: string): void => this.print(line) };

  /** Draws a last frame and gives the terminal back (cursor shown; later output goes below). */
  stop(): void {
    if (this.stopped) return;
    if (this.timer) clearInterval(this.timer);
    if (this.input !== undefined) this.draw();
    this.stopped = true;
    this.out.write(SHOW_CURSOR);
  }

  private clear(): string {
    return this.lines > 0 ? `\r${up(this.lines)}${ERASE_BELOW}` : '';
  }

  private draw(): void {
    if (this.stopped || this.input === undefined || this.facts === undefined) return;
    let frame: string[];
    try {
      const snapshot = this.input.snapshot();
      const history = this.input.history;
      frame = renderFrame(snapshot, (s) => history.progress(s, snapshot.now), this.facts, this.out.columns || 100, Math.max(6, (this.out.rows || 30) - 2));
    } catch (err) {
      frame = [`live view: ${(err as Error).message}`];
    }
    this.out.write(`${this.clear()}${frame.join('\n')}\n`);
    this.lines = frame.length;
  }
}
