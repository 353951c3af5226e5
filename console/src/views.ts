// Views and indexes: every table, materialized view, index and view with its
// row count, updates applied and freshness (time since its last change);
// selecting one shows its definition, a sample of rows and a link to
// SUBSCRIBE to it.
import { qualified, rows, type Cell, type RelationInfo } from './api.js';
import { age, badge, clear, formatCount, h } from './dom.js';
import { navigate, pollOverview, type Page } from './page.js';
import { VTable } from './vtable.js';

const KIND_NAMES: Record<RelationInfo['kind'], string> = {
  'materialized-view': 'materialized view',
  index: 'index',
  table: 'table',
  view: 'view',
  source: 'source',
  subsource: 'subsource',
};

const SHOW_CREATE: Partial<Record<RelationInfo['kind'], string>> = {
  'materialized-view': 'MATERIALIZED VIEW',
  index: 'INDEX',
  table: 'TABLE',
  view: 'VIEW',
  source: 'SOURCE',
};

export const viewsPage: Page = {
  mount(root, params) {
    const filter = h('input', { type: 'search', placeholder: 'Filter by name…', 'aria-label': 'filter views', value: params.get('q') ?? '' });
    const kind = h(
      'select',
      { 'aria-label': 'kind' },
      h('option', { value: 'maintained' }, 'Materialized views and indexes'),
      h('option', { value: 'materialized-view' }, 'Materialized views'),
      h('option', { value: 'index' }, 'Indexes'),
      h('option', { value: 'table' }, 'Tables'),
      h('option', { value: 'view' }, 'Views (not maintained)'),
      h('option', { value: 'all' }, 'Everything'),
    );
    const summary = h('span', { class: 'muted' });
    let now = Date.now();
    let selected = params.get('name');
    const table = new VTable<RelationInfo>({
      columns: [
        { title: 'Name', width: '2fr', cell: (r) => r.name },
        { title: 'Kind', width: '150px', cell: (r) => badge(KIND_NAMES[r.kind], 'kind') },
        { title: 'Schema', width: '110px', cell: (r) => r.schema },
        { title: 'On', width: '1fr', cell: (r) => r.on ?? '' },
        { title: 'Rows', width: '100px', align: 'right', cell: (r) => (r.rows === null ? '–' : formatCount(r.rows)) },
        { title: 'Updates', width: '100px', align: 'right', cell: (r) => (r.updates === null ? '–' : formatCount(r.updates)) },
        { title: 'Last change', width: '150px', align: 'right', cell: (r) => (r.lastChangeMs === null ? 'not maintained' : age(r.lastChangeMs, now)) },
      ],
      onClick: (r) => {
        selected = r.name;
        void showDetail(r);
        render();
      },
      rowClass: (r) => (r.name === selected ? 'selected' : undefined),
      empty: 'Nothing of this kind yet.',
      height: 420,
    });
    const detail = h('div', { class: 'panel' }, h('p', { class: 'muted' }, 'Select a row to see its definition and contents.'));
    let latest: RelationInfo[] = [];
    const render = (): void => {
      const f = filter.value.trim().toLowerCase();
      const k = kind.value;
      const shown = latest.filter(
        (r) =>
          (k === 'all' ? r.kind !== 'subsource' : k === 'maintained' ? r.kind === 'materialized-view' || r.kind === 'index' : r.kind === k) &&
          (f === '' || r.name.toLowerCase().includes(f)),
      );
      shown.sort((a, b) => a.name.localeCompare(b.name));
      table.setRows(shown);
      summary.textContent = `${shown.length} of ${latest.length} relations`;
    };
    const showDetail = async (r: RelationInfo): Promise<void> => {
      clear(detail);
      const name = qualified(r.schema, r.name);
      const createSql = h('pre', { class: 'sql' }, '…');
      const sample = new VTable<Cell[]>({ columns: [], height: 240, empty: 'No rows.' });
      const readable = r.kind !== 'index';
      detail.append(
        h('div', { class: 'toolbar' },
          h('h2', {}, `${KIND_NAMES[r.kind]} ${r.name}`),
          h('span', { class: 'grow' }),
          readable ? h('button', { class: 'secondary', onclick: () => navigate(`#/sql?query=${encodeURIComponent(`SELECT * FROM ${name} LIMIT 100;`)}`) }, 'Query') : null,
          readable ? h('button', { onclick: () => navigate(`#/subscribe?query=${encodeURIComponent(`SUBSCRIBE ${name}`)}`) }, 'Subscribe') : null,
        ),
        createSql,
      );
      if (readable) detail.append(h('h2', { style: 'margin-top:14px' }, 'First 100 rows'), sample.el);
      const showKind = SHOW_CREATE[r.kind];
      if (showKind) {
        rows(`SHOW CREATE ${showKind} ${name}`).then(
          (res) => (createSql.textContent = String(res.rows[0]?.[1] ?? '')),
          (err: Error) => (createSql.textContent = err.message),
        );
      }
      if (readable) {
        try {
          const res = await rows(`SELECT * FROM ${name} LIMIT 100`);
          sample.setColumns(res.columns.map((c, i) => ({ title: c.name, cell: (row: Cell[]) => row[i] ?? null })));
          sample.setRows(res.rows);
        } catch (err) {
          detail.append(h('div', { class: 'error-text' }, (err as Error).message));
        }
      }
    };
    filter.addEventListener('input', render);
    kind.addEventListener('change', render);
    root.append(
      h('h1', {}, 'Views & indexes'),
      h('p', { class: 'sub' }, 'Rows, updates applied since start and freshness (time since the last applied change) of every maintained collection.'),
      h('div', { class: 'panel' }, h('div', { class: 'toolbar' }, filter, kind, h('span', { class: 'grow' }), summary), table.el),
      detail,
    );
    let detailShown = false;
    return pollOverview(
      (o) => {
        now = o.now;
        latest = o.relations;
        render();
        if (!detailShown && selected !== null) {
          const r = latest.find((x) => x.name === selected);
          if (r) {
            detailShown = true;
            kind.value = r.kind === 'materialized-view' || r.kind === 'index' ? 'maintained' : 'all';
            render();
            void showDetail(r);
          }
        }
      },
      (err) => (summary.textContent = `could not load: ${err.message}`),
    );
  },
};
