// The web console in headless Chromium (Debian's `chromium` package, driven
// by playwright-core: no browser download) against the real `freshet demo`
// with live sources in every format: each page loads and shows live data, a
// query runs, a SUBSCRIBE table changes, a source's dead-letter relation is
// shown, and hundreds of objects stay usable. Screenshots go to
// test-artifacts/console/ (gitignored).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { apiSql, startDemo, type RunningDemo } from '../helpers/demo-process.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
/** test-artifacts/console at the repository's root (found from the compiled test, in dist/ or .build/<name>/). */
const ARTIFACTS = join(repositoryRoot(), 'test-artifacts', 'console');

function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
const skip = CHROMIUM === undefined ? 'no Chromium installed (scripts/install-deps.sh installs Debian\'s chromium)' : false;

let demo: RunningDemo;
let browser: Browser;
let page: Page;
const browserErrors: string[] = [];

before(async () => {
  if (skip) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  demo = await startDemo(['--rate', '40']);
  // A source whose messages cannot be decoded (Avro bytes read as JSON), with a dead-letter relation.
  const created = await apiSql(
    demo.httpUrl,
    "CREATE SOURCE items_as_json FROM KAFKA CONNECTION demo_kafka (TOPIC 'items') KEY FORMAT TEXT VALUE FORMAT JSON ENVELOPE UPSERT EXPOSE ERRORS AS items_as_json_errors",
  );
  assert.deepEqual(created.map((r) => r.ok ?? r.error), ['CREATE SOURCE']);
  browser = await chromium.launch({ executablePath: CHROMIUM!, headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  page.on('pageerror', (err) => browserErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') browserErrors.push(msg.text());
  });
});

after(async () => {
  await browser?.close();
  if (demo) assert.equal(await demo.stop(), 0);
});

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

test('sources page: every demo source running, with rates; the page loads nothing from elsewhere', { skip }, async () => {
  const requests: string[] = [];
  page.on('request', (req) => requests.push(req.url()));
  await page.goto(`${demo.httpUrl}/#/sources`);
  for (const name of ['purchases', 'users', 'items', 'pageviews']) {
    await page.locator('.vrow', { hasText: name }).first().waitFor();
  }
  const purchases = page.locator('.vrow', { hasText: 'purchases' }).first();
  await purchases.locator('.badge.running').waitFor();
  await page.locator('#health.ok').waitFor();
  // The rate column fills in once two samples exist.
  // (Predicates run in the browser; they are strings because this file is compiled without the DOM's types.)
  await page.waitForFunction(`(() => {
    const row = [...document.querySelectorAll('.vrow')].find((r) => r.textContent.includes('pageviews'));
    const cells = row ? [...row.querySelectorAll('.cell')] : [];
    return cells.length > 3 && Number(cells[3].textContent) > 0;
  })()`);
  await shot('sources');
  const origin = new URL(demo.httpUrl).origin;
  assert.deepEqual(requests.filter((u) => !u.startsWith(origin)), [], 'every request goes to the Freshet server');
});

test('a source page: rate and lag charts, counters, definition', { skip }, async () => {
  await page.goto(`${demo.httpUrl}/#/sources?name=pageviews`);
  await page.locator('.stat', { hasText: 'messages/s' }).waitFor();
  await page.locator('pre.sql', { hasText: 'FORMAT PROTOBUF' }).waitFor();
  // Charts draw once the history has a few samples.
  await page.waitForFunction("[...document.querySelectorAll('svg.chart polyline')].some((p) => (p.getAttribute('points') || '').split(' ').length >= 3)", undefined, { timeout: 20_000 });
  await page.locator('text=no dead-letter relation').waitFor();
  await shot('source-pageviews');
});

test("a source's dead-letter relation (EXPOSE ERRORS AS) lists its undecodable messages", { skip }, async () => {
  await page.goto(`${demo.httpUrl}/#/sources?name=items_as_json`);
  await page.locator('text=Dead-letter relation').waitFor();
  const row = page.locator('.vtable .vrow', { hasText: 'Decode error' }).first();
  await row.waitFor({ timeout: 20_000 });
  assert.match((await row.textContent()) ?? '', /Failed to decode JSON/);
  await shot('source-dead-letters');
});

test('views and indexes: row counts and freshness; selecting one shows its definition and rows', { skip }, async () => {
  await page.goto(`${demo.httpUrl}/#/views`);
  const row = page.locator('.vrow', { hasText: 'revenue_by_country' }).first();
  await row.waitFor();
  await page.locator('.vrow', { hasText: 'users_typed_id_idx' }).first().waitFor();
  await row.click();
  await page.locator('pre.sql', { hasText: 'CREATE MATERIALIZED VIEW' }).waitFor();
  await page.locator('.panel .vtable .vrow').first().waitFor();
  const text = (await row.textContent()) ?? '';
  assert.match(text, /materialized view/);
  assert.match(text, /ago/);
  await shot('views');
});

test('catalog: every object; SHOW CREATE of one', { skip }, async () => {
  await page.goto(`${demo.httpUrl}/#/catalog`);
  await page.locator('.vrow', { hasText: 'item_funnel' }).first().click();
  await page.locator('pre.sql', { hasText: 'CREATE MATERIALIZED VIEW' }).waitFor();
  assert.match((await page.locator('pre.sql').textContent()) ?? '', /JOIN/);
  await page.locator('.vrow', { hasText: 'demo_csr' }).first().click();
  await page.locator('pre.sql', { hasText: 'CONFLUENT SCHEMA REGISTRY' }).waitFor();
  await shot('catalog');
});

test('SQL editor: runs a query and shows its rows; errors show their position', { skip }, async () => {
  await page.goto(`${demo.httpUrl}/#/sql`);
  await page.locator('textarea.editor').fill('SELECT tier, purchases, revenue FROM revenue_by_tier ORDER BY tier;\nSELECT count(*) FROM users_typed;');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.locator('.tag', { hasText: 'SELECT 3' }).waitFor();
  await page.locator('.vrow', { hasText: 'free' }).first().waitFor();
  await page.locator('.vrow', { hasText: '1000' }).first().waitFor();
  await shot('sql');
  await page.locator('textarea.editor').fill('SELECT nope FROM revenue_by_tier');
  await page.keyboard.press('Control+Enter');
  await page.locator('.error-text', { hasText: 'column "nope" does not exist' }).waitFor();
  await shot('sql-error');
});

test('SUBSCRIBE table: rows enter and leave as the view changes', { skip }, async () => {
  await page.goto(`${demo.httpUrl}/#/subscribe?query=${encodeURIComponent('SUBSCRIBE revenue_by_country')}`);
  await page.locator('.vtable .vrow').first().waitFor();
  const changesText = async (): Promise<number> => {
    const m = /([\d.]+)(k?) changes/.exec((await page.locator('.result-head .muted').textContent()) ?? '');
    return m ? Number(m[1]) * (m[2] === 'k' ? 1000 : 1) : 0;
  };
  const first = await changesText();
  // The feed keeps buying: retractions (old totals leaving) and insertions arrive.
  await page.locator('.changes .minus').first().waitFor({ timeout: 20_000 });
  await page.locator('.changes .plus').first().waitFor();
  await page.waitForFunction("document.querySelector('.vrow.enter') !== null || document.querySelector('.vrow.leave') !== null");
  for (let attempt = 0; attempt < 50 && (await changesText()) <= first; attempt++) await new Promise((resolve) => setTimeout(resolve, 200));
  assert.ok((await changesText()) > first, 'more changes arrived');
  await shot('subscribe');
  await page.getByRole('button', { name: 'Stop' }).click();
});

test('hundreds of objects: the views page stays virtualized and filterable', { skip }, async () => {
  const statements: string[] = [];
  for (let i = 0; i < 300; i++) statements.push(`CREATE TABLE bulk_t${i} (id int, v text)`);
  for (let i = 0; i < 100; i++) statements.push(`CREATE MATERIALIZED VIEW bulk_mv${i} AS SELECT count(*) AS n FROM bulk_t${i}`);
  const results = await apiSql(demo.httpUrl, statements.join(';\n'));
  assert.equal(results.filter((r) => r.error !== undefined).length, 0, JSON.stringify(results.find((r) => r.error)));
  await page.goto(`${demo.httpUrl}/#/views`);
  await page.locator('select[aria-label=kind]').selectOption('all');
  await page.locator('.vrow', { hasText: 'bulk_' }).first().waitFor();
  const summary = (await page.locator('.toolbar .muted').first().textContent()) ?? '';
  const shown = Number(/^(\d+) of/.exec(summary)?.[1]);
  assert.ok(shown >= 400, `the listing counts every relation: ${summary}`);
  const inDom = await page.locator('.vtable .vrow').count();
  assert.ok(inDom < 80, `only the visible rows are in the DOM (${inDom} of ${shown})`);
  await page.locator('input[type=search]').fill('bulk_mv99');
  await page.locator('.vrow', { hasText: 'bulk_mv99' }).waitFor();
  assert.equal(await page.locator('.vtable .vrow').count(), 1);
  await page.locator('input[type=search]').fill('');
  await shot('views-many');
  assert.deepEqual(browserErrors, [], 'no errors in the browser console');
});
