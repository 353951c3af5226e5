// The SQL editor: statements run through /api/sql (one session per run,
// statements in order, stopping at the first error); each statement's result
// is shown as a virtualized table, its tag, or its error with the position.
import { sql, type Cell, type SqlResult } from './api.js';
import { clear, h } from './dom.js';
import type { Page } from './page.js';
import { VTable } from './vtable.js';

const HISTORY_KEY = 'freshet-console-sql-history';
const DEFAULT_QUERY = 'SELECT name, status FROM mz_internal.mz_source_statuses ORDER BY name;';

function loadHistory(): string[] {
  try {
    const value = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]') as unknown;
    return Array.isArray(value) ? value.filter((q): q is string => typeof q === 'string') : [];
  } catch {
    return [];
  }
}

export const sqlPage: Page = {
  mount(root, params) {
    const editor = h('textarea', { class: 'editor', spellcheck: 'false', 'aria-label': 'SQL' });
    editor.value = params.get('query') ?? loadHistory()[0] ?? DEFAULT_QUERY;
    const run = h('button', { type: 'button' }, 'Run');
    const timing = h('span', { class: 'muted' });
    const historySelect = h('select', { 'aria-label': 'history' }, h('option', { value: '' }, 'History…'));
    const results = h('div', { class: 'results' });
    const refreshHistory = (): void => {
      clear(historySelect);
      historySelect.append(h('option', { value: '' }, 'History…'));
      for (const q of loadHistory()) historySelect.append(h('option', { value: q }, q.length > 80 ? `${q.slice(0, 80)}…` : q));
    };
    refreshHistory();
    historySelect.addEventListener('change', () => {
      if (historySelect.value) editor.value = historySelect.value;
      historySelect.value = '';
    });
    const execute = async (): Promise<void> => {
      const query = editor.value.trim();
      if (query === '') return;
      run.disabled = true;
      timing.textContent = 'running…';
      const started = performance.now();
      let out: SqlResult[];
      try {
        out = await sql(query);
      } catch (err) {
        out = [{ error: { message: (err as Error).message, code: 'XX000' } }];
      }
      timing.textContent = `${out.length} result${out.length === 1 ? '' : 's'} in ${Math.round(performance.now() - started)} ms`;
      run.disabled = false;
      const past = [query, ...loadHistory().filter((q) => q !== query)].slice(0, 30);
      localStorage.setItem(HISTORY_KEY, JSON.stringify(past));
      refreshHistory();
      render(out, query);
    };
    const render = (out: SqlResult[], query: string): void => {
      clear(results);
      for (const result of out) {
        if ('error' in result) {
          const e = result.error;
          const where = e.position !== undefined ? positionNote(query, e.position) : null;
          results.append(
            h('div', { class: 'panel' },
              h('div', { class: 'error-text' }, `ERROR: ${e.message}`, h('span', { class: 'tag' }, `  (${e.code})`)),
              e.detail ? h('div', { class: 'muted' }, `DETAIL: ${e.detail}`) : null,
              e.hint ? h('div', { class: 'muted' }, `HINT: ${e.hint}`) : null,
              where ? h('pre', { class: 'sql' }, where) : null,
            ),
          );
        } else if ('ok' in result) {
          results.append(h('div', { class: 'panel' }, h('span', { class: 'tag' }, result.ok || '(empty)')));
        } else {
          const table = new VTable<Cell[]>({
            columns: result.desc.columns.map((c, i) => ({ title: c.name, cell: (row: Cell[]) => row[i] ?? null })),
            height: Math.min(460, 34 + result.rows.length * 30),
            empty: '(no rows)',
          });
          table.setRows(result.rows);
          results.append(
            h('div', { class: 'panel' },
              h('div', { class: 'result-head' }, h('span', { class: 'tag' }, result.tag), result.truncated ? h('span', { class: 'error-text' }, 'truncated: only the first rows are shown') : null),
              table.el,
            ),
          );
        }
      }
    };
    run.addEventListener('click', () => void execute());
    editor.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void execute();
      }
    });
    root.append(
      h('h1', {}, 'SQL'),
      h('p', { class: 'sub' }, 'Runs through the same sessions as psql. Ctrl+Enter runs; each run is its own session (SET lasts for the run).'),
      h('div', { class: 'panel' }, editor, h('div', { class: 'toolbar', style: 'margin: 8px 0 0' }, run, historySelect, h('span', { class: 'grow' }), timing)),
      results,
    );
    if (params.get('run') === '1') void execute();
    return () => undefined;
  },
};

/** The line of the query with a caret under the 1-based character position. */
function positionNote(query: string, position: number): string {
  let start = 0;
  const lines = query.split('\n');
  for (const line of lines) {
    if (position <= start + line.length + 1) return `${line}\n${' '.repeat(Math.max(0, position - start - 1))}^`;
    start += line.length + 1;
  }
  return query;
}
