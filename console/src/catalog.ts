// The catalog: every object (sources, tables, views, indexes, connections,
// secrets) by schema, filterable; selecting one shows SHOW CREATE.
import { qualified, rows } from './api.js';
import { badge, clear, h } from './dom.js';
import type { Page } from './page.js';
import { VTable } from './vtable.js';

interface CatalogObject {
  id: string;
  schema: string;
  name: string;
  type: string;
}

const SHOW_CREATE: Record<string, string> = {
  table: 'TABLE',
  source: 'SOURCE',
  view: 'VIEW',
  'materialized view': 'MATERIALIZED VIEW',
  index: 'INDEX',
  connection: 'CONNECTION',
};

export const catalogPage: Page = {
  mount(root) {
    const filter = h('input', { type: 'search', placeholder: 'Filter by name, type or schema…', 'aria-label': 'filter catalog' });
    const summary = h('span', { class: 'muted' });
    const detail = h('div', { class: 'panel' }, h('p', { class: 'muted' }, 'Select an object to see its CREATE statement.'));
    let selected: string | undefined;
    const table = new VTable<CatalogObject>({
      columns: [
        { title: 'Name', width: '2fr', cell: (o) => o.name },
        { title: 'Type', width: '170px', cell: (o) => badge(o.type, 'kind') },
        { title: 'Schema', width: '140px', cell: (o) => o.schema },
        { title: 'Id', width: '90px', cell: (o) => h('span', { class: 'mono' }, o.id) },
      ],
      onClick: (o) => {
        selected = o.id;
        render();
        show(o);
      },
      rowClass: (o) => (o.id === selected ? 'selected' : undefined),
      empty: 'The catalog is empty.',
      height: 460,
    });
    let all: CatalogObject[] = [];
    const render = (): void => {
      const f = filter.value.trim().toLowerCase();
      const shown = all.filter((o) => f === '' || `${o.schema}.${o.name} ${o.type}`.toLowerCase().includes(f));
      table.setRows(shown);
      summary.textContent = `${shown.length} of ${all.length} objects`;
    };
    const show = (o: CatalogObject): void => {
      clear(detail);
      const pre = h('pre', { class: 'sql' }, '…');
      detail.append(h('h2', {}, `${o.type} ${o.schema}.${o.name}`), pre);
      const kind = SHOW_CREATE[o.type];
      if (kind === undefined) {
        pre.textContent = o.type === 'secret' ? 'Secret values are never shown.' : `SHOW CREATE is not available for a ${o.type}.`;
        return;
      }
      rows(`SHOW CREATE ${kind} ${qualified(o.schema, o.name)}`).then(
        (r) => (pre.textContent = String(r.rows[0]?.[1] ?? '')),
        (err: Error) => (pre.textContent = err.message),
      );
    };
    filter.addEventListener('input', render);
    root.append(
      h('h1', {}, 'Catalog'),
      h('p', { class: 'sub' }, 'Every object, from mz_catalog.mz_objects.'),
      h('div', { class: 'split', style: 'grid-template-columns: minmax(0, 1.3fr) minmax(0, 1fr)' },
        h('div', { class: 'panel' }, h('div', { class: 'toolbar' }, filter, h('span', { class: 'grow' }), summary), table.el),
        detail,
      ),
    );
    rows(
      `SELECT o.id, s.name AS schema, o.name, o.type FROM mz_catalog.mz_objects o JOIN mz_catalog.mz_schemas s ON o.schema_id = s.id
       WHERE o.id LIKE 'u%' ORDER BY s.name, o.name`,
    ).then(
      (r) => {
        all = r.rows.map(([id, schema, name, type]) => ({ id: id ?? '', schema: schema ?? '', name: name ?? '', type: type ?? '' }));
        render();
      },
      (err: Error) => (summary.textContent = `could not load: ${err.message}`),
    );
    return () => undefined;
  },
};
