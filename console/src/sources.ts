// Sources: every source with status, rate and lag; a source's page has rate
// and lag charts over the last minutes, its counters, its error relation
// (EXPOSE ERRORS AS) when it has one, and its CREATE statement.
import { history, qualified, rows, type Cell, type Column, type SourceInfo } from './api.js';
import { age, badge, byteaText, clear, formatBytes, formatCount, formatRate, formatSeconds, h } from './dom.js';
import { lineChart } from './chart.js';
import { navigate, pollOverview, type Page } from './page.js';
import { VTable } from './vtable.js';

const WINDOW_MS = 5 * 60 * 1000;

export const sourcesPage: Page = {
  mount(root, params) {
    const name = params.get('name');
    return name === null ? mountList(root) : mountDetail(root, name);
  },
};

function mountList(root: HTMLElement): () => void {
  const filter = h('input', { type: 'search', placeholder: 'Filter sources…', 'aria-label': 'filter sources' });
  const summary = h('span', { class: 'muted' });
  const table = new VTable<SourceInfo>({
    columns: [
      { title: 'Source', width: '2fr', cell: (s) => h('a', { href: `#/sources?name=${encodeURIComponent(s.name)}` }, s.name) },
      { title: 'Topic', width: '1.3fr', cell: (s) => s.topic },
      { title: 'Status', width: '100px', cell: (s) => badge(s.status) },
      { title: 'Msg/s', width: '90px', align: 'right', cell: (s) => formatRate(s.rate) },
      { title: 'Messages', width: '100px', align: 'right', cell: (s) => formatCount(s.messagesReceived) },
      { title: 'Bytes', width: '100px', align: 'right', cell: (s) => formatBytes(s.bytesReceived) },
      { title: 'Lag', width: '90px', align: 'right', cell: (s) => formatCount(s.lag) },
      { title: 'Lag (s)', width: '90px', align: 'right', cell: (s) => (s.lagSeconds > 0 ? formatSeconds(s.lagSeconds) : '0') },
      { title: 'Errors', width: '80px', align: 'right', cell: (s) => (s.decodeErrors > 0 ? h('span', { class: 'error-text' }, String(s.decodeErrors)) : '0') },
    ],
    onClick: (s) => navigate(`#/sources?name=${encodeURIComponent(s.name)}`),
    empty: 'No sources yet. Create one with CREATE SOURCE ... FROM KAFKA CONNECTION ...',
    height: 520,
  });
  let latest: SourceInfo[] = [];
  const render = (): void => {
    const f = filter.value.trim().toLowerCase();
    const shown = latest.filter((s) => f === '' || s.name.toLowerCase().includes(f) || (s.topic ?? '').toLowerCase().includes(f));
    shown.sort((a, b) => a.name.localeCompare(b.name));
    table.setRows(shown);
    const running = latest.filter((s) => s.status === 'running').length;
    const rate = latest.reduce((sum, s) => sum + s.rate, 0);
    summary.textContent = `${latest.length} sources, ${running} running, ${formatRate(rate)} messages/s in all`;
  };
  filter.addEventListener('input', render);
  root.append(
    h('h1', {}, 'Sources'),
    h('p', { class: 'sub' }, 'Kafka sources: status, ingestion rate and lag (offset known − offset committed). Updated every 2 s.'),
    h('div', { class: 'panel' }, h('div', { class: 'toolbar' }, filter, h('span', { class: 'grow' }), summary), table.el),
  );
  return pollOverview(
    (o) => {
      latest = o.sources;
      render();
    },
    (err) => (summary.textContent = `could not load: ${err.message}`),
  );
}

function mountDetail(root: HTMLElement, name: string): () => void {
  const title = h('h1', {}, name);
  const status = h('span');
  const statusError = h('div', { class: 'error-text' });
  const stats = h('div', { class: 'stats' });
  const rateChart = h('div');
  const lagChart = h('div');
  const rateWindow = h('span', { class: 'muted' });
  const lagWindow = h('span', { class: 'muted' });
  const errorsPanel = h('div', { class: 'panel' });
  const createSql = h('pre', { class: 'sql' }, '…');
  root.append(
    h('p', {}, h('a', { href: '#/sources' }, '← All sources')),
    h('div', { class: 'toolbar' }, title, status),
    statusError,
    h('div', { class: 'panel' }, stats),
    h(
      'div',
      { class: 'row' },
      h('div', { class: 'panel' }, h('h2', {}, 'Messages per second ', rateWindow), rateChart),
      h('div', { class: 'panel' }, h('h2', {}, 'Lag in messages ', lagWindow), lagChart),
    ),
    errorsPanel,
    h('div', { class: 'panel' }, h('h2', {}, 'Definition'), createSql),
  );
  let sourceId: string | undefined;
  let createLoaded = false;
  let errorsShownFor: string | null | undefined;
  const errorTable = new VTable<Cell[]>({ columns: [], height: 260, empty: 'No decode errors: every message of this source decoded.' });
  const loadErrors = async (source: SourceInfo): Promise<void> => {
    clear(errorsPanel);
    errorsPanel.append(h('h2', {}, `Decode errors: ${source.decodeErrors} now, ${source.decodeErrorsSeen} since start`));
    if (source.errorRelation === null) {
      errorsPanel.append(
        h('p', { class: 'muted' }, 'This source has no dead-letter relation. Create it with ', h('span', { class: 'mono' }, 'EXPOSE ERRORS AS <name>'),
          ' to keep every undecodable message (partition, offset, key, value, error) in a relation of its own.'),
      );
      return;
    }
    const relation = qualified(source.schema, source.errorRelation);
    errorsPanel.append(h('p', { class: 'muted' }, 'Dead-letter relation ', h('span', { class: 'mono' }, relation), ' (latest 500):'), errorTable.el);
    try {
      const result = await rows(`SELECT partition, "offset", key, value, error FROM ${relation} ORDER BY "offset" DESC LIMIT 500`);
      const columns: Column[] = result.columns;
      errorTable.setColumns(columns.map((c, i) => ({
        title: c.name,
        width: c.name === 'error' ? '3fr' : c.name === 'key' || c.name === 'value' ? '1.5fr' : '90px',
        align: i < 2 ? 'right' : 'left',
        cell: (r: Cell[]) => (c.type === 'bytea' ? byteaText(r[i] ?? null) : (r[i] ?? null)),
      })));
      errorTable.setRows(result.rows);
    } catch (err) {
      errorsPanel.append(h('div', { class: 'error-text' }, (err as Error).message));
    }
  };
  let lastErrorCount = -1;
  const stopPoll = pollOverview(
    (o) => {
      const source = o.sources.find((s) => s.name === name);
      if (source === undefined) {
        clear(status);
        status.append(badge('not found', 'failed'));
        return;
      }
      sourceId = source.id;
      clear(status);
      status.append(badge(source.status), ' ', h('span', { class: 'muted' }, `since ${age(source.statusChangedMs, o.now)}`));
      statusError.textContent = source.error ?? '';
      clear(stats);
      const stat = (k: string, v: string): HTMLElement => h('div', { class: 'stat' }, h('div', { class: 'v' }, v), h('div', { class: 'k' }, k));
      stats.append(
        stat('topic', source.topic ?? '–'),
        stat('messages/s', formatRate(source.rate)),
        stat('bytes/s', formatBytes(Math.round(source.byteRate))),
        stat('messages', formatCount(source.messagesReceived)),
        stat('updates committed', formatCount(source.updatesCommitted)),
        stat('offset known', formatCount(source.offsetKnown)),
        stat('offset committed', formatCount(source.offsetCommitted)),
        stat('lag', formatCount(source.lag)),
        stat('lag (seconds)', formatSeconds(source.lagSeconds)),
        stat('last data', age(source.lastTickMs, o.now)),
        stat('snapshot', source.snapshotCommitted ? 'committed' : 'in progress'),
      );
      if (errorsShownFor !== source.errorRelation || lastErrorCount !== source.decodeErrorsSeen) {
        errorsShownFor = source.errorRelation;
        lastErrorCount = source.decodeErrorsSeen;
        void loadErrors(source);
      }
      if (!createLoaded) {
        createLoaded = true;
        rows(`SHOW CREATE SOURCE ${qualified(source.schema, source.name)}`).then(
          (r) => (createSql.textContent = String(r.rows[0]?.[1] ?? '')),
          (err: Error) => (createSql.textContent = err.message),
        );
      }
      void drawCharts(o.now);
    },
    (err) => (statusError.textContent = `could not load: ${err.message}`),
  );
  const drawCharts = async (now: number): Promise<void> => {
    if (sourceId === undefined) return;
    const samples = await history(sourceId, now - WINDOW_MS);
    // The window grows with the history kept, from one minute up to five.
    const span = samples.length > 0 ? now - samples[0]!.t : 0;
    const windowMs = Math.min(WINDOW_MS, Math.max(60_000, Math.ceil(span / 60_000) * 60_000));
    const label = `(last ${windowMs / 60_000} minute${windowMs > 60_000 ? 's' : ''})`;
    rateWindow.textContent = label;
    lagWindow.textContent = label;
    clear(rateChart);
    rateChart.append(lineChart([{ label: 'messages/s', color: '#0f4c81', points: samples.map((s) => [s.t, s.rate]) }], now, windowMs));
    clear(lagChart);
    lagChart.append(lineChart([{ label: 'lag', color: '#b7791f', points: samples.map((s) => [s.t, s.lag]) }], now, windowMs));
  };
  return stopPoll;
}
