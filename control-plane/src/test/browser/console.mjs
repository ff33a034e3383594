// Drives the web console of a running `./attache up` in Debian's headless Chromium, as a new user
// would: sign in with a token, see every proxy SYNCED, dry-run and apply a one-line change, watch
// the revision land and the proxies sync, roll back, and check that a read-only token sees no
// write actions. Takes the screenshots docs/walkthrough.md shows. Every wait is bounded.
//
//   CONSOLE_URL=http://127.0.0.1:18080 ADMIN_TOKEN=... READ_ONLY_TOKEN=... PROXIES=4 \
//   SCREENSHOTS=dir CHROMIUM=/usr/bin/chromium node console.mjs
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const url = process.env.CONSOLE_URL;
const proxies = Number(process.env.PROXIES || 4);
const shots = process.env.SCREENSHOTS;
const WAIT = 60_000;
mkdirSync(shots, { recursive: true });

const step = (text) => console.log(`console: ${text}`);
// A new, empty profile every run (Playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'attache-chromium-')), {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 800 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(WAIT);
  const failures = [];
  page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));

  await page.goto(`${url}/`);
  await page.waitForSelector('#login:not([hidden])');
  step('the console asks for a token');
  await page.fill('#token', process.env.ADMIN_TOKEN);
  await page.screenshot({ path: join(shots, 'console-1-sign-in.png') });
  await page.click('#login-form button');
  await page.waitForSelector('#overview:not([hidden]) #services tbody tr');
  step(`signed in: ${await page.textContent('#who')}`);
  await page.screenshot({ path: join(shots, 'console-2-policy.png'), fullPage: true });

  const syncedAt = async () => {
    await page.waitForFunction(
      (n) => {
        const rows = [...document.querySelectorAll('#proxy-table tbody tr')];
        const summary = document.querySelector('#sync-summary').textContent;
        return rows.length === n && rows.every((r) => r.cells[4].textContent === 'SYNCED')
          && summary.includes(`${n} of ${n} proxies synced`);
      }, proxies, { timeout: WAIT });
    return page.textContent('#sync-summary');
  };

  await page.click('a[data-view="proxies"]');
  const initially = await syncedAt();
  step(`proxies: ${initially}`);
  await page.screenshot({ path: join(shots, 'console-3-proxies-synced.png'), fullPage: true });
  const before = Number(/revision (\d+)/.exec(initially)[1]);

  await page.click('a[data-view="editor"]');
  await page.waitForFunction(() => document.querySelector('#documents').value.includes('kind: MeshDefaults'));
  const policy = await page.inputValue('#documents');
  if (!policy.includes('route_timeout: 15s')) throw new Error(`no 'route_timeout: 15s' in:\n${policy}`);

  await page.fill('#documents', policy.replace('route_timeout: 15s', 'route_timeout: soon'));
  await page.click('#dry-run');
  await page.waitForSelector('#editor-errors li');
  const error = await page.textContent('#editor-errors li');
  if (!/documents\[\d+\]\.spec\.route_timeout \(line \d+\)/.test(error)) throw new Error(`error without its field and line: ${error}`);
  await page.waitForSelector('#gutter .bad');
  step(`a broken line is refused at its field: ${error}`);
  await page.screenshot({ path: join(shots, 'console-4-editor-error.png') });

  await page.fill('#documents', policy.replace('route_timeout: 15s', 'route_timeout: 20s'));
  await page.click('#dry-run');
  await page.waitForFunction(() => document.querySelector('#editor-result').textContent.startsWith('Dry run'));
  step(`${await page.textContent('#editor-result')}`);
  const diff = await page.textContent('#editor-diff');
  if (!diff.includes('+  route_timeout: 20s')) throw new Error(`dry-run diff lacks the change:\n${diff}`);
  await page.screenshot({ path: join(shots, 'console-5-editor-dry-run.png') });

  await page.click('#apply');
  await page.waitForFunction(() => document.querySelector('#editor-result').textContent.startsWith('Applied'));
  const applied = await page.textContent('#editor-result');
  step(applied);
  const revision = Number(/revision (\d+)/.exec(applied)[1]);
  if (revision !== before + 1) throw new Error(`expected revision ${before + 1}, got ${revision}`);

  await page.click('a[data-view="proxies"]');
  await page.waitForFunction((r) => document.querySelector('#sync-summary').textContent.startsWith(`revision ${r}:`), revision);
  step(`after apply: ${await syncedAt()}`);

  await page.click('a[data-view="revisions"]');
  await page.click(`#revision-table tr[data-revision="${revision}"] button`);
  await page.waitForFunction(() => document.querySelector('#revision-diff').textContent.includes('route_timeout: 20s'));
  await page.click(`#revision-table tr[data-revision="${before}"] button`);
  await page.waitForFunction((r) => document.querySelector('#revision-title').textContent.startsWith(`Revision ${r}:`), before);
  await page.click('#rollback');
  await page.waitForFunction(() => document.querySelector('#rollback-result').textContent.startsWith('Rolled back'));
  step(await page.textContent('#rollback-result'));
  await page.screenshot({ path: join(shots, 'console-6-revisions.png'), fullPage: true });

  await page.click('a[data-view="proxies"]');
  await page.waitForFunction((r) => document.querySelector('#sync-summary').textContent.startsWith(`revision ${r}:`), revision + 1);
  step(`after rollback: ${await syncedAt()}`);

  const reader = await browser.newPage();
  reader.setDefaultTimeout(WAIT);
  await reader.goto(`${url}/ui/`);
  await reader.fill('#token', process.env.READ_ONLY_TOKEN);
  await reader.click('#login-form button');
  await reader.waitForSelector('#overview:not([hidden])');
  await reader.click('a[data-view="editor"]');
  if (await reader.isVisible('#apply')) throw new Error('a read-only token sees the Apply button');
  await reader.click('a[data-view="revisions"]');
  await reader.click('#revision-table tbody tr button');
  if (await reader.isVisible('#rollback')) throw new Error('a read-only token sees the Rollback button');
  step('a read-only token sees no write action');

  if (failures.length) throw new Error(failures.join('\n'));
  console.log('console: all steps passed');
} finally {
  await browser.close();
}
