// Hostile markup in every field an event can carry — user (known and custom keys, geo), request
// (URL, query, headers, env), tags, contexts, extra, exception type/value/frames, breadcrumbs,
// message, release, environment, server name, fingerprint — rendered on every UI page in
// headless Chromium: no dialog opens, no element is injected, the text shows as text.

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
          stacktrace: { frames: [{ filename: all, function: all, module: all, in_app: true }] },
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
    await page.waitForTimeout(200);
    const injected = await page
      .locator('img[src="x"], svg[onload], [onerror], [onload], script:not([src])')
      .count();
    expect(injected, path).toBe(0);
  }
  // The event page shows the markup as text.
  await page.goto(`${inbox.url}/events/${eventId}`);
  expect(await page.locator('body').textContent()).toContain(X);
  expect(dialogs).toEqual([]);
}, 120_000);
