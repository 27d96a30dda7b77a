// The issue page in headless Chromium: the latest event's stack (in-app frames with their source
// lines, library frames folded) and the affected users counted by a key of their custom data —
// each user once, by the value on their latest event — checked against the events the inbox
// stored, through the form (with and without the script) and the JSON API, and kept current
// by the live update. Real envelopes into a real inbox (real SQLite).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../test-kit/src/chromium.mjs';
import type { EventSummary, IssueDetail, Page as ListPage } from '../src/index';
import { get, sendEvent, startTestInbox, type TestInbox } from './helpers';
import { boomEvent, type USERS } from './uiFixtures';

const ARTIFACTS = join(__dirname, '..', '.test-results');
const SLOW = 60_000;

let inbox: TestInbox;
let closeBrowser: (() => Promise<void>) | undefined;
let context: BrowserContext;
let page: Page;
let issueId: number;
let anonymousIssueId: number;
const consoleErrors: string[] = [];

/** The latest event's own source, so the page can only show it by reading that event. */
const LATEST_SOURCE = {
  pre_context: ['export async function charge(plan) {', '  const price = prices[plan];'],
  context_line: "  if (price === undefined) throw new Error('boom');",
  post_context: ['  return bill(price);', '}'],
};

/** `boomEvent` for `who`, with custom user data (as SDKs send it: custom keys on the user). */
function eventOf(
  who: keyof typeof USERS,
  data: Record<string, unknown>,
  options: Parameters<typeof boomEvent>[1] = {},
): Record<string, unknown> {
  const event = boomEvent(who, options);
  const { subscription: _, ...user } = event.user as Record<string, unknown>;
  return { ...event, user: { ...user, ...data } };
}

async function send(event: Record<string, unknown>): Promise<number> {
  return (await sendEvent(inbox, event)).issue_id;
}

/**
 * What the stored events say: each user of the issue once, by `user.data[key]` on their newest
 * event (`/api/events` lists newest first), `(none)` without the key.
 */
async function expectedBreakdown(issue: number, key: string): Promise<Record<string, number>> {
  const events = await get<ListPage<EventSummary>>(inbox, `/api/events?issue=${issue}&limit=1000`);
  const latest = new Map<string, unknown>();
  for (const event of events.data) {
    if (!event.user_key || latest.has(event.user_key)) continue;
    const data = (event.user as { data?: Record<string, unknown> } | null)?.data;
    latest.set(event.user_key, data && key in data ? String(data[key]) : '(none)');
  }
  const counts: Record<string, number> = {};
  for (const value of latest.values()) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
  return counts;
}

/** The breakdown as the page shows it. */
async function shownBreakdown(): Promise<Record<string, number>> {
  const rows = await page
    .locator('.users-by-table tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) => [
        tr.classList.contains('users-by-without') ? '(none)' : tr.querySelector('td')?.textContent,
        Number(tr.querySelector('td.num')?.textContent),
      ]),
    );
  return Object.fromEntries(rows);
}

beforeAll(async () => {
  inbox = await startTestInbox();
  // Alice changes plan between her events; bob has two events on one plan; dave has no plan.
  issueId = await send(eventOf('alice', { subscription: 'free', seats: 1 }));
  await send(eventOf('bob', { subscription: 'enterprise' }));
  await send(eventOf('carol', { subscription: 'free' }));
  await send(eventOf('bob', { subscription: 'enterprise' }));
  await send({
    ...eventOf('alice', { subscription: 'enterprise', seats: 5 }, { source: LATEST_SOURCE }),
    user: { id: 'u-dave', username: 'dave', team: 'ops' },
  });
  await send(eventOf('alice', { subscription: 'enterprise', seats: 5 }, { source: LATEST_SOURCE }));
  // Another issue where alice is on yet another plan: it must not count here.
  await send(eventOf('alice', { subscription: 'pro' }, { type: 'TypeError' }));
  // An anonymous function at the top of the stack (SDKs send `?` for its name).
  anonymousIssueId = await send(eventOf('carol', {}, { type: 'RangeError', fn: '?' }));
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await launchChromium({ viewport: { width: 1280, height: 900 } });
  context = browser.context;
  closeBrowser = browser.close;
  context.setDefaultTimeout(20_000);
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
}, 120_000);

afterAll(async () => {
  await closeBrowser?.();
  await inbox?.dispose();
}, 60_000);

describe('issue page in Chromium', () => {
  it(
    "shows the latest event's stack: in-app frames with source lines, library frames folded",
    async () => {
      await page.goto(`${inbox.url}/issues/${issueId}`);
      const stack = page.locator('section.issue-stack');
      expect(await stack.locator('.exc-type').textContent()).toBe('Error');
      // Both in-app frames, innermost first, each with its source lines open.
      const inApp = stack.locator('li.frame.in-app');
      expect(await inApp.locator('.fn').allTextContents()).toEqual(['boom', 'handle']);
      for (const frame of await inApp.all()) {
        expect(await frame.locator('.source').isVisible()).toBe(true);
      }
      // The crashing frame's lines are the latest event's, numbered around line 17.
      const crashing = stack.locator('li.frame.crashing');
      expect(await crashing.locator('tr.current td.code').textContent()).toBe(
        LATEST_SOURCE.context_line,
      );
      expect(await crashing.locator('td.lineno').allTextContents()).toEqual([
        '15',
        '16',
        '17',
        '18',
        '19',
      ]);
      expect(await crashing.locator('td.code').allTextContents()).toEqual([
        ...LATEST_SOURCE.pre_context,
        LATEST_SOURCE.context_line,
        ...LATEST_SOURCE.post_context,
      ]);
      // Library frames fold: one run (Node, koa-compose, @x/koa, koa-compose, below the in-app
      // ones), closed, its frames hidden until opened.
      const folded = stack.locator('li.frames-folded > details');
      expect(await folded.count()).toBe(1);
      expect(await folded.getAttribute('open')).toBeNull();
      expect(await folded.locator('summary').textContent()).toBe('4 frames not in app');
      expect(await folded.locator('li.frame').first().isVisible()).toBe(false);
      await page.screenshot({ path: join(ARTIFACTS, 'issue-stack.png'), fullPage: true });
    },
    SLOW,
  );

  it(
    'counts users by a custom key, each by their latest event, from the form and the API',
    async () => {
      await page.goto(`${inbox.url}/issues/${issueId}`);
      const select = page.locator('.users-by select[name="by"]');
      // The keys of the issue's users' custom data (not alice's other issue's).
      expect(await select.locator('option:not([disabled])').allTextContents()).toEqual([
        'seats',
        'subscription',
        'team',
      ]);
      // The script submits on change.
      await select.selectOption('subscription');
      await page.waitForURL(/\?by=subscription$/);
      const expected = await expectedBreakdown(issueId, 'subscription');
      // Alice's latest plan counts, bob's two events count once, dave has none.
      expect(expected).toEqual({ enterprise: 2, free: 1, '(none)': 1 });
      expect(await shownBreakdown()).toEqual(expected);
      expect(await page.locator('.users-by-table tbody tr').first().textContent()).toContain(
        'enterprise',
      );
      await page.screenshot({ path: join(ARTIFACTS, 'issue-users-by.png'), fullPage: true });

      const api = await get<IssueDetail>(inbox, `/api/issues/${issueId}?by=subscription`);
      expect(api.user_data_keys).toEqual(['seats', 'subscription', 'team']);
      expect(api.users_by).toEqual({
        key: 'subscription',
        values: [
          { value: 'enterprise', users: 2 },
          { value: 'free', users: 1 },
        ],
        users_without: 1,
        more_values: false,
      });
      // Values keep their JSON type.
      const seats = await get<IssueDetail>(inbox, `/api/issues/${issueId}?by=seats`);
      expect(seats.users_by?.values).toEqual([{ value: 5, users: 1 }]);
      expect(seats.users_by?.users_without).toBe(3);
      // Without `by` there is no breakdown; an empty one is refused.
      expect((await get<IssueDetail>(inbox, `/api/issues/${issueId}`)).users_by).toBeUndefined();
      await get(inbox, `/api/issues/${issueId}?by=`, 400);
    },
    SLOW,
  );

  it(
    'the form submits without the script, and the breakdown follows new events live',
    async () => {
      await page.goto(`${inbox.url}/issues/${issueId}?by=subscription`);
      // A value set without a change event: only the native form submit can carry it.
      await page.locator('.users-by select[name="by"]').evaluate((select) => {
        (select as unknown as { value: string }).value = 'team';
      });
      await page.locator('.users-by-form button[type="submit"]').click();
      await page.waitForURL(/\?by=team$/);
      expect(await shownBreakdown()).toEqual({ ops: 1, '(none)': 3 });
      expect(await expectedBreakdown(issueId, 'team')).toEqual({ ops: 1, '(none)': 3 });

      // Carol moves to enterprise while the page shows the breakdown by subscription.
      await page.goto(`${inbox.url}/issues/${issueId}?by=subscription`);
      await send(eventOf('carol', { subscription: 'enterprise' }));
      await expect.poll(shownBreakdown, { timeout: 20_000 }).toEqual({
        enterprise: 3,
        '(none)': 1,
      });
      expect(await expectedBreakdown(issueId, 'subscription')).toEqual(await shownBreakdown());
      expect(consoleErrors).toEqual([]);
    },
    SLOW,
  );

  it(
    'names an anonymous top frame <anonymous>, never ?, in the culprit and the stack',
    async () => {
      await page.goto(`${inbox.url}/issues/${anonymousIssueId}`);
      expect(await page.locator('.page-head .culprit').textContent()).toBe('routes in <anonymous>');
      const fns = await page.locator('section.issue-stack li.frame.in-app .fn').allTextContents();
      expect(fns).toEqual(['<anonymous>', 'handle']);
      expect(await page.locator('section.issue-stack').textContent()).not.toMatch(/\bin \?/);
    },
    SLOW,
  );
});
