// Live SUBSCRIBE: streams a relation's or query's changes over server-sent
// events and shows the current rows, with rows entering (green) and leaving
// (struck through, red) for a moment, plus a log of the latest changes.
// Rendering is throttled (at most 4 times a second) and the table is
// virtualized, so fast-changing views stay usable.
import { subscribe, type Cell, type Column } from './api.js';
import { clear, formatCount, h } from './dom.js';
import type { Page } from './page.js';
import { VTable } from './vtable.js';

interface LiveRow {
  key: string;
  values: Cell[];
  count: number;
  /** 'enter' or 'leave' while highlighted, until `until`. */
  mark?: 'enter' | 'leave';
  until?: number;
}

const HIGHLIGHT_MS = 1500;
const RENDER_MS = 250;
const LOG_LINES = 200;

export const subscribePage: Page = {
  mount(root, params) {
    const input = h('input', { type: 'text', placeholder: 'SUBSCRIBE revenue_by_country', 'aria-label': 'subscribe statement', style: 'flex: 1; font-family: var(--mono)' });
    input.value = params.get('query') ?? '';
    const start = h('button', { type: 'button' }, 'Start');
    const stop = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Stop');
    const state = h('span', { class: 'muted' });
    const errorBox = h('div', { class: 'error-text' });
    const log = h('div', { class: 'changes' });
    const table = new VTable<LiveRow>({ columns: [], height: 420, empty: 'No rows (yet).', rowClass: (r) => r.mark });
    let end: (() => void) | undefined;
    let columns: Column[] = [];
    let rows = new Map<string, LiveRow>();
    let changes = 0;
    let timer = 0;
    let dirty = false;
    const render = (): void => {
      const now = Date.now();
      for (const [key, r] of rows) {
        if (r.until !== undefined && r.until <= now) {
          if (r.mark === 'leave' && r.count <= 0) rows.delete(key);
          else {
            r.mark = undefined;
            r.until = undefined;
          }
        }
      }
      const list = [...rows.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      table.setRows(list);
      const live = list.filter((r) => r.count > 0).reduce((sum, r) => sum + r.count, 0);
      state.textContent = `${formatCount(live)} rows, ${formatCount(changes)} changes received`;
      dirty = list.some((r) => r.mark !== undefined);
    };
    const schedule = (): void => {
      dirty = true;
    };
    const onRows = (batch: Cell[][]): void => {
      const now = Date.now();
      const lines: HTMLElement[] = [];
      for (const row of batch) {
        // mz_timestamp, mz_diff, columns...
        const diff = Number(row[1]);
        const values = row.slice(2);
        const key = JSON.stringify(values);
        let r = rows.get(key);
        if (r === undefined) {
          r = { key, values, count: 0 };
          rows.set(key, r);
        }
        r.count += diff;
        r.mark = r.count > 0 ? 'enter' : 'leave';
        r.until = now + HIGHLIGHT_MS;
        changes++;
        if (lines.length < LOG_LINES) lines.push(h('div', { class: diff > 0 ? 'plus' : 'minus' }, `${diff > 0 ? '+' : '−'}${Math.abs(diff)}  ${values.map((v) => v ?? 'NULL').join(' | ')}`));
      }
      log.prepend(...lines.reverse());
      while (log.childElementCount > LOG_LINES) log.lastElementChild?.remove();
      schedule();
    };
    const begin = (): void => {
      finish();
      let statement = input.value.trim().replace(/;$/, '');
      if (statement === '') return;
      if (!/^subscribe\b/i.test(statement)) statement = `SUBSCRIBE ${statement}`;
      input.value = statement;
      history.replaceState(null, '', `#/subscribe?query=${encodeURIComponent(statement)}`);
      rows = new Map();
      changes = 0;
      clear(log);
      errorBox.textContent = '';
      state.textContent = 'connecting…';
      start.disabled = true;
      stop.disabled = false;
      end = subscribe(statement, {
        columns: (cols) => {
          columns = cols.slice(2);
          table.setColumns(columns.map((c, i) => ({ title: c.name, cell: (r: LiveRow) => r.values[i] ?? null })));
          schedule();
        },
        rows: onRows,
        error: (e) => {
          errorBox.textContent = `ERROR: ${e.message} (${e.code})`;
          finish();
        },
      });
      timer = window.setInterval(() => {
        if (dirty) render();
      }, RENDER_MS);
    };
    const finish = (): void => {
      end?.();
      end = undefined;
      window.clearInterval(timer);
      render();
      start.disabled = false;
      stop.disabled = true;
    };
    start.addEventListener('click', begin);
    stop.addEventListener('click', finish);
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') begin();
    });
    root.append(
      h('h1', {}, 'Subscribe'),
      h('p', { class: 'sub' }, 'Every change of a relation or query as it happens (SUBSCRIBE): rows entering are green, rows leaving are struck through.'),
      h('div', { class: 'panel' }, h('div', { class: 'toolbar' }, input, start, stop), errorBox),
      h('div', { class: 'row' },
        h('div', { class: 'panel', style: 'flex: 2 1 520px' }, h('div', { class: 'result-head' }, h('h2', {}, 'Current rows'), state), table.el),
        h('div', { class: 'panel' }, h('h2', {}, 'Latest changes'), log),
      ),
    );
    if (input.value !== '') begin();
    return finish;
  },
};
