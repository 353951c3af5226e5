// The console's entry point: a hash router over the pages, and the health
// indicator (/api/readyz) in the header.
import { ready } from './api.js';
import { clear } from './dom.js';
import type { Page } from './page.js';
import { catalogPage } from './catalog.js';
import { sourcesPage } from './sources.js';
import { sqlPage } from './sql.js';
import { subscribePage } from './subscribe.js';
import { viewsPage } from './views.js';

const PAGES: Record<string, Page> = {
  sources: sourcesPage,
  views: viewsPage,
  catalog: catalogPage,
  sql: sqlPage,
  subscribe: subscribePage,
};

const root = document.getElementById('page')!;
let unmount: (() => void) | undefined;

function route(): void {
  const hash = location.hash.replace(/^#\/?/, '');
  const [name = 'sources', query = ''] = hash.split('?', 2);
  const page = PAGES[name] ?? sourcesPage;
  unmount?.();
  clear(root);
  for (const link of document.querySelectorAll<HTMLAnchorElement>('header nav a')) {
    link.classList.toggle('active', link.dataset['page'] === (PAGES[name] ? name : 'sources'));
  }
  unmount = page.mount(root, new URLSearchParams(query));
  document.title = `Freshet · ${name}`;
}

async function health(): Promise<void> {
  const el = document.getElementById('health')!;
  const ok = await ready();
  el.textContent = ok ? 'ready' : 'not ready';
  el.className = `health ${ok ? 'ok' : 'bad'}`;
}

window.addEventListener('hashchange', route);
route();
void health();
window.setInterval(() => void health(), 5000);
