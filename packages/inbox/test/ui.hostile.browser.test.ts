// Hostile markup in every field an event can carry — user (known and custom keys, geo), request
// (URL, query, headers, env), tags, contexts, extra, exception type/value/frames, breadcrumbs,
// message, release, environment, server name, fingerprint, transaction (the route, also as a
// filter), stack frames (file, abs_path, module, function, source context lines, folded library
// frames) — rendered on every UI page in headless Chromium, with every <details> opened: no
// dialog opens, no element is injected, the text shows as text.

import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../../test-kit/src/chromium.mjs';
import { eventEnvelope, newEventId, post, startTestInbox, type TestInbox } from './helpers';

const X = '<img src=x onerror=alert(1)>';
const Y = '"><script>alert(2)</script>';
const Z = "'><svg onload=alert(3)>";
const all = `${X}${Y}${Z}`;

let inbox: TestInbox;
let closeBrowser: (() => Promise<void>) | undefined;
let context: BrowserContext;
const eventId = newEventId();

beforeAll(async () => {
  inbox = await startTestInbox();
  const event = {
    event_id: eventId,
    platform: 'node',
    level: 'error',
    release: all,
    environment: all,
    server_name: all,
    logger: all,
    transaction: all,
    fingerprint: [all],
    logentry: { formatted: all },
    user: {
      id: all,
      username: all,
      email: all,
      ip_address: all,
      [all]: all,
      geo: { city: all, region: all, country_code: 'DE' },
    },
    request: {
      method: 'GET',
      url: `http://x.test/${encodeURIComponent(all)}`,
      query_string: all,
      headers: { [all.slice(0, 20)]: all, 'user-agent': all },
      env: { REMOTE_ADDR: all },
    },
    tags: { [all.slice(0, 30)]: all },
    contexts: { [all]: { [all]: all } },
    extra: { [all]: all },
    breadcrumbs: { values: [{ category: all, message: all, data: { [all]: all } }] },
    exception: {
      values: [
        {
          type: all,
          value: all,
          stacktrace: {
            frames: [
              {
                filename: all,
                abs_path: all,
                function: all,
                module: all,
                lineno: 3,
                in_app: false,
              },
              {
                filename: all,
                abs_path: `/srv/${all}`,
                function: all,
                module: all,
                lineno: 9,
                colno: 2,
                in_app: true,
                pre_context: [X, Y],
                context_line: Z,
                post_context: [all],
              },
              {
                filename: all,
                function: all,
                module: `${Z}${X}`,
                lineno: 20,
                in_app: true,
                pre_context: [all],
                context_line: all,
                post_context: [Y],
              },
            ],
          },
        },
      ],
    },
  };
  const answer = await post(inbox, eventEnvelope(event));
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  const browser = await launchChromium();
  context = browser.context;
  closeBrowser = browser.close;
}, 60_000);

afterAll(async () => {
  await closeBrowser?.();
  await inbox?.dispose();
});

it('every page renders hostile values as text', async () => {
  const detail = (await (await fetch(`${inbox.url}/api/events/${eventId}`)).json()) as {
    issue_id: number;
    user_key: string | null;
  };
  const pages = [
    '/',
    `/issues/${detail.issue_id}`,
    `/events/${eventId}`,
    '/settings',
    `/?q=${encodeURIComponent(all)}`,
    `/?transaction=${encodeURIComponent(all)}`,
  ];
  if (detail.user_key) pages.push(`/users/${encodeURIComponent(detail.user_key)}`);
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  for (const path of pages) {
    const response = await page.goto(`${inbox.url}${path}`);
    expect(response?.status(), path).toBe(200);
    expect(response?.headers()['content-security-policy'], path).toContain("script-src 'self'");
    // Open every folded part (library frames, other frames' source) before looking.
    const closed = page.locator('details:not([open]) > summary');
    while ((await closed.count()) > 0) await closed.first().click();
    await page.waitForTimeout(200);
    const injected = await page
      .locator('img[src="x"], svg[onload], [onerror], [onload], script:not([src])')
      .count();
    expect(injected, path).toBe(0);
  }
  // The event page shows the markup as text: source lines, frames, the route.
  await page.goto(`${inbox.url}/events/${eventId}`);
  expect(await page.locator('body').textContent()).toContain(X);
  const crashing = page.locator('li.frame.crashing');
  expect(await crashing.count()).toBe(1);
  expect(await crashing.locator('.source tr.current td.code').textContent()).toBe(all);
  expect(await crashing.locator('.source td.code').allTextContents()).toEqual([all, all, Y]);
  expect(await crashing.locator('.source td.lineno').allTextContents()).toEqual(['19', '20', '21']);
  expect(await crashing.locator('.frame-head .fn').textContent()).toBe(all);
  expect(await crashing.locator('.frame-head .module').textContent()).toBe(`${Z}${X}`);
  const caller = page.locator('li.frame.in-app:not(.crashing)');
  await caller.locator('details.frame-source > summary').click();
  expect(await caller.locator('.source td.code').allTextContents()).toEqual([X, Y, Z, all]);
  expect(await caller.locator('.frame-head .file').getAttribute('title')).toBe(`/srv/${all}`);
  const folded = page.locator('li.frames-folded > details');
  await folded.locator('summary').click();
  expect(await folded.locator('.frame-head .file').textContent()).toBe(`${all}:3`);
  const route = page.locator('.page-head .route a.transaction');
  expect(await route.textContent()).toBe(all);
  // The route links to the issues list on this origin, filtered by it.
  const href = new URL((await route.getAttribute('href')) as string, inbox.url);
  expect([href.origin, href.pathname]).toEqual([new URL(inbox.url).origin, '/']);
  expect(href.searchParams.get('transaction')).toBe(all);

  // The issue page and the issues list filtered by the hostile route.
  await page.goto(`${inbox.url}/issues/${detail.issue_id}`);
  expect(await page.locator('.page-head .route a.transaction').textContent()).toBe(all);
  expect(await page.locator('.events-list td.route').textContent()).toBe(all);
  await page.locator('.page-head .route a.transaction').click();
  await page.waitForURL(/\/\?transaction=/);
  expect(page.url()).toBe(href.toString());
  expect(await page.locator('input[name="transaction"]').inputValue()).toBe(all);
  expect(await page.locator(`tr[data-issue="${detail.issue_id}"]`).count()).toBe(1);
  expect(
    await page
      .locator('#recent-transactions option')
      .evaluateAll((options) =>
        options.map((option) => (option as unknown as { value: string }).value),
      ),
  ).toEqual([all]);
  expect(
    await page.locator('img[src="x"], svg[onload], [onerror], [onload], script:not([src])').count(),
  ).toBe(0);
  expect(dialogs).toEqual([]);
}, 120_000);
