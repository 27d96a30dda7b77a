// The web UI in headless Chromium: users affected, click-through to the user card, a live
// update without reload, the crashing frame's source lines and the folded library frames, the
// route, a hostile username rendered as text. Writes screenshots to
// packages/inbox/.test-results/ (not committed).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../test-kit/src/chromium.mjs';
import { eventEnvelope, post, startTestInbox, type TestInbox } from './helpers';
import { BOOM_SOURCE, boomEvent } from './uiFixtures';

const ARTIFACTS = join(__dirname, '..', '.test-results');
/** The page's `getComputedStyle`, typed here (this tsconfig has no DOM types). */
type StyleWindow = {
  getComputedStyle(element: unknown): { backgroundColor: string; whiteSpace: string };
};
const SLOW = 60_000;

let inbox: TestInbox;
let closeBrowser: (() => Promise<void>) | undefined;
let context: BrowserContext;
let page: Page;
const dialogs: string[] = [];
const consoleErrors: string[] = [];

async function send(event: Record<string, unknown>): Promise<void> {
  const answer = await post(inbox, eventEnvelope(event));
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
}

beforeAll(async () => {
  inbox = await startTestInbox();
  // Real ingest: alice twice (8.8.8.8), bob (invalid ip_address), carol (hostile username).
  await send(boomEvent('alice'));
  await send(boomEvent('bob'));
  await send(boomEvent('carol'));
  await send(boomEvent('alice'));
  await send(boomEvent('bob', { type: 'TypeError', fn: 'checkout', path: '/checkout' }));
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await launchChromium({ viewport: { width: 1280, height: 860 } });
  context = browser.context;
  closeBrowser = browser.close;
  context.setDefaultTimeout(20_000);
  page = context.pages()[0] ?? (await context.newPage());
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
}, 120_000);

afterAll(async () => {
  await closeBrowser?.();
  await inbox?.dispose();
}, 60_000);

describe('inbox web UI in Chromium', () => {
  it(
    'lists issues with users affected and updates without a reload',
    async () => {
      await page.goto(`${inbox.url}/`);
      const row = page.locator('tr', {
        has: page.locator('a.title', { hasText: /^Error: boom$/ }),
      });
      await expect.poll(() => row.locator('td.users').textContent()).toBe('3');
      expect(await row.locator('td.events').textContent()).toBe('4');
      expect(await page.locator('#live-status').isVisible()).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, 'issues.png'), fullPage: true });

      // A new issue arrives while the page is open.
      await page.evaluate(() => {
        (globalThis as unknown as { marker: number }).marker = 42;
      });
      await send(boomEvent('carol', { type: 'RangeError', fn: 'export', path: '/export' }));
      await expect
        .poll(() => page.locator('a.title', { hasText: 'RangeError: boom' }).count(), {
          timeout: 20_000,
        })
        .toBe(1);
      // Same document: the marker set before the event survived, so there was no reload.
      expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(
        42,
      );
      // Relative times were applied by the script.
      expect(await page.locator('time[data-relative]').first().textContent()).not.toMatch(/UTC/);
    },
    SLOW,
  );

  it(
    'clicks through to an event and shows the user card with IP, geo and custom data',
    async () => {
      await page.goto(`${inbox.url}/`);
      await page.locator('a.title', { hasText: /^Error: boom$/ }).click();
      await page.waitForURL(/\/issues\/\d+$/);
      const users = page.locator('.users-affected');
      await expect.poll(() => users.locator('tbody tr').count()).toBe(3);
      expect(await users.locator('tr', { hasText: 'alice' }).locator('td.num').textContent()).toBe(
        '2',
      );
      expect(await page.locator('svg.chart rect.bar:not(.empty)').count()).toBeGreaterThan(0);
      await page.screenshot({ path: join(ARTIFACTS, 'issue.png'), fullPage: true });

      // Alice's event (the list is newest first; her latest is the first of hers).
      await page.locator('.events-list tr', { hasText: 'alice' }).first().locator('a.mono').click();
      await page.waitForURL(/\/events\/[0-9a-f]{32}$/);
      const card = page.locator('.user-card');
      const value = (title: string) =>
        card.locator('dl.kv > div', { has: page.locator(`dt:text-is("${title}")`) }).locator('dd');
      expect(await value('IP Address').textContent()).toBe('8.8.8.8');
      expect(await value('Geography').textContent()).toBe('Mountain View, California, US');
      expect(await value('data.subscription').textContent()).toBe('pro');
      expect(await value('Email').textContent()).toBe('alice@example.com');
      await page.screenshot({ path: join(ARTIFACTS, 'event.png'), fullPage: true });
    },
    SLOW,
  );

  it(
    'shows the source lines of the crashing frame and expands the folded library frames',
    async () => {
      await page.goto(`${inbox.url}/`);
      await page.locator('a.title', { hasText: /^Error: boom$/ }).click();
      await page.waitForURL(/\/issues\/\d+$/);
      // The route of the latest event, linked to the issues on that route.
      expect(await page.locator('.page-head .route a.transaction').textContent()).toBe('GET /boom');
      await page.locator('.events-list a.mono').first().click();
      await page.waitForURL(/\/events\/[0-9a-f]{32}$/);
      expect(await page.locator('.page-head .route a.transaction').textContent()).toBe('GET /boom');

      const crashing = page.locator('li.frame.crashing');
      await expect.poll(() => crashing.count()).toBe(1);
      expect(await crashing.locator('.frame-head .file').textContent()).toBe('src/routes.ts:17:11');
      expect(await crashing.locator('.frame-head .fn').textContent()).toBe('boom');
      const current = crashing.locator('.source tr.current');
      expect(await current.locator('td.lineno').textContent()).toBe('17');
      expect(await current.locator('td.code').textContent()).toBe(BOOM_SOURCE.context_line);
      const lines = crashing.locator('.source tr');
      expect(await lines.count()).toBe(15);
      expect(await lines.first().locator('td.lineno').textContent()).toBe('10');
      expect(await lines.last().locator('td.code').textContent()).toBe('export default router;');
      expect(await current.isVisible()).toBe(true);
      // The stylesheet applied (the CSP let it through): the failing line is highlighted.
      expect(
        await current
          .locator('td.code')
          .evaluate(
            (el) => (globalThis as unknown as StyleWindow).getComputedStyle(el).backgroundColor,
          ),
      ).toBe('rgb(253, 230, 232)');
      expect(
        await current
          .locator('td.code')
          .evaluate((el) => (globalThis as unknown as StyleWindow).getComputedStyle(el).whiteSpace),
      ).toBe('pre');

      // Library frames are folded: present, not shown, until the summary is clicked.
      const folded = page.locator('li.frames-folded > details');
      expect(await folded.count()).toBe(1);
      const koa = folded.locator('li.frame', { hasText: 'koa-compose/index.js' }).first();
      expect(await folded.getAttribute('open')).toBeNull();
      expect(await koa.isVisible()).toBe(false);
      expect(await page.locator('li.frame.in-app').count()).toBe(2);
      expect(await page.locator('li.frame.in-app').first().isVisible()).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, 'event-source.png'), fullPage: true });

      await folded.locator('summary').click();
      await expect.poll(() => koa.isVisible()).toBe(true);
      expect(await folded.getAttribute('open')).toBe('');
      expect(await folded.locator('li.frame').count()).toBe(4);
      expect(await folded.locator('li.frame .file').allTextContents()).toEqual([
        'node_modules/koa-compose/index.js:42:5',
        'node_modules/@x/koa/dist/index.js:88:5',
        'node_modules/koa-compose/index.js:42:5',
        'node:internal/process/task_queues:95:5',
      ]);
      await page.screenshot({ path: join(ARTIFACTS, 'event-frames-expanded.png'), fullPage: true });

      // The in-app caller's source opens the same way.
      const caller = page.locator('li.frame.in-app:not(.crashing)');
      expect(await caller.locator('.source').isVisible()).toBe(false);
      await caller.locator('details.frame-source > summary').click();
      await expect
        .poll(() => caller.locator('.source tr.current td.lineno').textContent())
        .toBe('30');

      // The route link leads to the issues on that route.
      await page.locator('.page-head .route a.transaction').click();
      await page.waitForURL(/\/\?transaction=GET\+%2Fboom$/);
      expect(await page.locator('input[name="transaction"]').inputValue()).toBe('GET /boom');
      expect(await page.locator('a.title', { hasText: /^Error: boom$/ }).count()).toBe(1);
      expect(await page.locator('a.title', { hasText: 'TypeError: boom' }).count()).toBe(0);
      await page.screenshot({ path: join(ARTIFACTS, 'issues-by-route.png'), fullPage: true });
    },
    SLOW,
  );

  it(
    'renders a hostile username as text: no dialog, no injected image',
    async () => {
      const hostile = '<img src=x onerror=alert(1)>';
      await page.goto(`${inbox.url}/users/id:u-carol`);
      expect(await page.locator('h1').textContent()).toBe(hostile);
      await page.locator('.card a.mono').first().click();
      await page.waitForURL(/\/events\//);
      const card = page.locator('.user-card');
      expect(await card.textContent()).toContain(hostile);
      await page.goto(`${inbox.url}/issues/1`);
      expect(await page.locator('.users-affected').textContent()).toContain(hostile);
      await page.waitForTimeout(500);
      expect(await page.locator('img[src="x"]').count()).toBe(0);
      expect(dialogs).toEqual([]);

      await page.goto(`${inbox.url}/events/${'ab'.repeat(16)}`);
      expect(await page.locator('h1').textContent()).toBe('Not found');
      await page.goto(`${inbox.url}/users/id:u-bob`);
      expect(await page.locator('.notes li').first().textContent()).toBe(
        "ip_address: expected an ip address, got 'not-an-ip'",
      );
      await page.screenshot({ path: join(ARTIFACTS, 'user.png'), fullPage: true });
      await page.goto(`${inbox.url}/settings`);
      expect(await page.locator('#dsn').inputValue()).toBe(inbox.dsn);
      expect(await page.locator('.geo-setting').textContent()).toContain('CC BY 4.0');
      await page.screenshot({ path: join(ARTIFACTS, 'settings.png'), fullPage: true });
      // The CSP blocked nothing the UI itself needs.
      expect(consoleErrors.filter((e) => !e.includes('404'))).toEqual([]);
    },
    SLOW,
  );
});
