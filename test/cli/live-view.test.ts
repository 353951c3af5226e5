// The live terminal view: frames as rendered (progress bars while a source
// catches up, stalled sources, many sources), drawing in place, and the real
// `freshet demo` / `freshet serve` in a pseudo-terminal (util-linux `script`):
// the view is drawn and redrawn in place on a TTY; with --log-format json it
// is not, and the logs are JSON lines as always.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoordinatorSnapshot, SourceSnapshot } from '../../src/adapter/introspection.js';
import { SourceHistory } from '../../src/server/source-history.js';
import { LiveView, progressBar, renderFrame, type LiveViewFacts } from '../../src/cli/live-view.js';
import { FRESHET_MAIN } from '../helpers/demo-process.js';

// eslint-disable-next-line no-control-regex
const REDRAW = /\x1b\[\d+A\x1b\[J/g;
// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

function source(name: string, fields: Partial<SourceSnapshot> = {}): SourceSnapshot {
  return {
    id: `u-${name}`, schema: 'public', name, topic: name, status: 'running', error: null, statusChangedMs: 0,
    messagesReceived: 0, bytesReceived: 0, updatesCommitted: 0, offsetKnown: 0, offsetCommitted: 0,
    snapshotCommitted: true, decodeErrors: 0, decodeErrorsSeen: 0, errorRelation: null, lastTickMs: 0, ...fields,
  };
}

const facts: LiveViewFacts = { sqlAddress: '127.0.0.1:6875', consoleUrl: 'http://127.0.0.1:6876/', version: '0.1.0', startedMs: 0 };

function snapshot(now: number, sources: SourceSnapshot[]): CoordinatorSnapshot {
  return {
    now,
    computeTime: now,
    sources,
    relations: [{ id: 'u9', kind: 'materialized-view', schema: 'public', name: 'mv', on: null, rows: 12, updates: 40, lastChangeMs: now - 500 }],
  };
}

test('a source catching up on a backlog gets a progress bar with its rate and what is left', () => {
  const history = new SourceHistory();
  // Offsets known 10 000; 2 000 ingested at the first sample, 6 000 two seconds later.
  history.record(snapshot(1000, [source('orders', { offsetKnown: 10_000, offsetCommitted: 2000, messagesReceived: 2000 })]));
  const later = source('orders', { offsetKnown: 10_000, offsetCommitted: 6000, messagesReceived: 6000, snapshotCommitted: false });
  const snap = snapshot(3000, [later, source('clicks', { offsetKnown: 50, offsetCommitted: 50, messagesReceived: 50 })]);
  history.record(snap);
  const lines = renderFrame(snap, (s) => history.progress(s, snap.now), facts, 120, 30).map(stripAnsi);
  assert.match(lines[0]!, /^Freshet 0\.1\.0 {2}sql 127\.0\.0\.1:6875 {2}console http:\/\/127\.0\.0\.1:6876\//);
  assert.match(lines[1]!, /SOURCE +STATUS +MSG\/S +MESSAGES +LAG +LAG S +ERRORS/);
  const clicks = lines.findIndex((l) => l.startsWith('clicks'));
  const orders = lines.findIndex((l) => l.startsWith('orders'));
  assert.ok(clicks > 0 && orders > clicks, 'sources in name order');
  assert.match(lines[orders]!, /^orders +running +2\.0k +6\.0k +4\.0k +2s +0$/);
  // (6000 - 2000) / (10000 - 2000) of the backlog seen since the source lagged: half.
  assert.match(lines[orders + 1]!, /\[█+░+\] +50% catching up: 4\.0k behind, ~2s left/);
  assert.match(lines[clicks]!, /^clicks +running .* 0 +- +0$/);
  assert.match(lines[lines.length - 1]!, /^views 1 materialized, 0 indexes, 0 tables {2}rows 12 {2}last change 0\.5s ago$/);
  assert.equal(progressBar(0.25, 8), '[██░░░░░░]  25%');
});

test('stalled sources show their error; many sources are cut to the terminal with a count of the rest; lines fit the width', () => {
  const history = new SourceHistory();
  const sources = [source('broken', { status: 'stalled', error: 'broker transport failure' })];
  for (let i = 0; i < 50; i++) sources.push(source(`s${String(i).padStart(2, '0')}`));
  const snap = snapshot(1000, sources);
  history.record(snap);
  const lines = renderFrame(snap, (s) => history.progress(s, snap.now), facts, 60, 20);
  const plain = lines.map(stripAnsi);
  assert.ok(plain.length <= 20, `${plain.length} lines fit 20 rows`);
  assert.match(plain.find((l) => l.startsWith('broken'))!, /stalled/);
  assert.ok(plain.some((l) => l.includes('broker transport failure')));
  assert.ok(plain.some((l) => /… and \d+ more sources \(see the console\)/.test(l)));
  for (const l of plain) assert.ok(l.length <= 59, `fits 59 columns: ${JSON.stringify(l)}`);
});

test('the view redraws in place and prints log lines above itself', () => {
  let out = '';
  const terminal = { write: (t: string) => (out += t), columns: 100, rows: 30 };
  const view = new LiveView(terminal);
  const history = new SourceHistory();
  let n = 0;
  view.start({ snapshot: () => snapshot(1000 + n++, [source('a'), source('b')]), history }, facts, 60_000);
  const frameLines = stripAnsi(out).trimEnd().split('\n').length;
  out = '';
  view.print('12:00:00.000 INFO  a log line\n');
  // Back to the frame's first line, erase below, the log line, then the frame again.
  assert.ok(out.startsWith(`\r\x1b[${frameLines}A\x1b[J12:00:00.000 INFO  a log line\n`), JSON.stringify(out.slice(0, 60)));
  assert.match(stripAnsi(out), /a log line\nFreshet 0\.1\.0/);
  out = '';
  view.stop();
  assert.ok(out.startsWith(`\r\x1b[${frameLines}A\x1b[J`), 'the last frame replaces the previous one');
  assert.ok(out.endsWith('\x1b[?25h'), 'the cursor is shown again');
  out = '';
  view.print('after stop\n');
  assert.equal(out, 'after stop\n');
});

/** Runs `args` of the freshet command in a pseudo-terminal 120x40; collects everything it shows. */
function inTerminal(args: string[]): { script: ChildProcess; output: () => string; freshetPid: () => number | undefined } {
  const command = `stty cols 120 rows 40; exec ${[process.execPath, FRESHET_MAIN, ...args].map((a) => `'${a}'`).join(' ')}`;
  const script = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  script.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  script.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return {
    script,
    output: () => output,
    // `exec` makes freshet the only child of script.
    freshetPid: () => {
      try {
        const children = readFileSync(`/proc/${script.pid}/task/${script.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
        return children[0];
      } catch {
        return undefined;
      }
    },
  };
}

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', (code) => resolve(code))));
}

const haveScript = spawnSync('script', ['--version']).status === 0;

test('freshet demo in a terminal: the live view is drawn and updated in place; Ctrl-C stops cleanly', { skip: !haveScript && 'util-linux script is not installed' }, async () => {
  const term = inTerminal(['demo', '--port', '0', '--rate', '20']);
  try {
    // Banner, then frames redrawn: each redraw moves the cursor back up over the previous frame.
    await until('the banner and three frames', () => {
      const o = term.output();
      return o.includes('Freshet demo is running.') && (o.match(REDRAW)?.length ?? 0) >= 3 && o.includes('pageviews  \x1b[32mrunning');
    });
    const plain = stripAnsi(term.output());
    assert.match(plain, /SOURCE +STATUS +MSG\/S +MESSAGES +LAG +LAG S +ERRORS/);
    for (const name of ['items', 'pageviews', 'purchases', 'users']) assert.match(plain, new RegExp(`\\n${name} +running +[\\d.]+k? +[\\d.]+k? +\\d`));
    assert.match(plain, /console http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(plain, /views 5 materialized, 1 indexes/);
    assert.ok(term.output().includes('\x1b[?25l'), 'the cursor is hidden while the view is drawn');
    // Pretty log lines still come (above the view) when something happens.
    assert.match(plain, /INFO {2}demo ready/);
  } finally {
    const pid = term.freshetPid();
    if (pid !== undefined) process.kill(pid, 'SIGINT');
  }
  assert.equal(await exited(term.script), 0, stripAnsi(term.output()).slice(-2000));
  const plain = stripAnsi(term.output());
  assert.match(plain, /INFO {2}shutting down signal=SIGINT/);
  assert.match(plain, /INFO {2}stopped/);
  assert.ok(term.output().includes('\x1b[?25h'), 'the cursor is shown again');
});

test('freshet serve in a terminal with --log-format json: no live view, JSON log lines as always', { skip: !haveScript && 'util-linux script is not installed' }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-live-json-'));
  const term = inTerminal(['serve', '--port', '0', '--data-dir', dataDir, '--log-format', 'json']);
  try {
    await until('listening', () => term.output().includes('"msg":"http listening"'));
    await new Promise((resolve) => setTimeout(resolve, 1500));
  } finally {
    const pid = term.freshetPid();
    if (pid !== undefined) process.kill(pid, 'SIGTERM');
  }
  assert.equal(await exited(term.script), 0);
  const output = term.output();
  assert.ok(!output.includes('\x1b['), 'no escape sequences');
  const lines = output.split(/\r?\n/).filter((l) => l.trim() !== '');
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line);
  const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
  for (const msg of ['catalog loaded', 'listening', 'http listening', 'shutting down', 'coordinator stopped', 'stopped']) assert.ok(messages.includes(msg), `${msg} in ${JSON.stringify(messages)}`);
  rmSync(dataDir, { recursive: true, force: true });
});
