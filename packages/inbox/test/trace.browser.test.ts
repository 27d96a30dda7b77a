// Trace ids in headless Chromium: an event page shows its trace and span ids and lists the other
// events of the same trace (from another issue, with that title and the user), not an
// unrelated event; its "Issues of this trace" link filters the issues list, and the filter's
// input does the same.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../test-kit/src/chromium.mjs';
import { newEventId, sendEvent, startTestInbox, type TestInbox } from './helpers';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SLOW = 60_000;

let inbox: TestInbox;
let closeBrowser: (() => Promise<void>) | undefined;
let context: BrowserContext;
let page: Page;
const ids: Record<'checkout' | 'payment' | 'unrelated' | 'untraced', string> = {
  checkout: '',
  payment: '',
  unrelated: '',
  untraced: '',
};

function exception(type: string, value: string, user: string, trace?: Record<string, string>) {
  return {
    event_id: newEventId(),
    platform: 'node',
    level: 'error',
    exception: { values: [{ type, value }] },
    user: { id: user, username: user },
    ...(trace ? { contexts: { trace } } : {}),
  };
}

beforeAll(async () => {
  inbox = await startTestInbox();
  // Two services of one trace fail (two issues), plus an event of another trace and one without.
  ids.payment = (
    await sendEvent(
      inbox,
      exception('PaymentError', 'card declined', 'bob', {
        trace_id: TRACE,
        span_id: 'aaaaaaaaaaaaaaaa',
      }),
    )
  ).id;
  ids.checkout = (
    await sendEvent(
      inbox,
      exception('CheckoutError', 'payment failed', 'alice', {
        trace_id: TRACE.toUpperCase(),
        span_id: 'B7AD6B7169203331',
        parent_span_id: 'aaaaaaaaaaaaaaaa',
      }),
    )
  ).id;
  ids.unrelated = (
    await sendEvent(
      inbox,
      exception('UnrelatedError', 'elsewhere', 'carol', {
        trace_id: 'f'.repeat(32),
        span_id: 'cccccccccccccccc',
      }),
    )
  ).id;
  ids.untraced = (await sendEvent(inbox, exception('PlainError', 'no trace', 'dave'))).id;
  const browser = await launchChromium({ viewport: { width: 1280, height: 860 } });
  context = browser.context;
  closeBrowser = browser.close;
  context.setDefaultTimeout(20_000);
  page = context.pages()[0] ?? (await context.newPage());
}, 120_000);

afterAll(async () => {
  await closeBrowser?.();
  await inbox?.dispose();
}, 60_000);

describe('trace on the event page in Chromium', () => {
  it(
    'shows the trace id and lists the other event of the trace, not an unrelated one',
    async () => {
      await page.goto(`${inbox.url}/events/${ids.checkout}`);
      const card = page.locator('section.trace');
      expect(await card.locator('.trace-id').textContent()).toBe(TRACE);
      expect(await card.locator('.span-id').textContent()).toBe('b7ad6b7169203331');

      await card.locator('a.trace-events-link').click();
      await page.waitForURL(/#trace-events$/);
      const others = page.locator('#trace-events tbody tr');
      await expect.poll(() => others.count()).toBe(1);
      const row = others.first();
      expect(await row.getAttribute('data-event')).toBe(ids.payment);
      expect(await row.locator('td').first().textContent()).toBe('PaymentError: card declined');
      expect(await row.locator('td').nth(1).textContent()).toContain('bob');
      const section = (await page.locator('#trace-events').textContent()) ?? '';
      expect(section).not.toMatch(/UnrelatedError|PlainError|CheckoutError/);

      // Through to the other event: it lists this one back.
      await row.locator('a').first().click();
      await page.waitForURL(new RegExp(`/events/${ids.payment}$`));
      expect(await page.locator('#trace-events tbody tr').getAttribute('data-event')).toBe(
        ids.checkout,
      );
      // An event without a trace has neither the card nor the list.
      await page.goto(`${inbox.url}/events/${ids.untraced}`);
      expect(await page.locator('section.trace, #trace-events').count()).toBe(0);
    },
    SLOW,
  );

  it(
    'filters the issues list by trace, from the event page link and from the filter input',
    async () => {
      const titles = () => page.locator('a.title').allTextContents();
      await page.goto(`${inbox.url}/events/${ids.checkout}`);
      await page.locator('a.trace-issues-link').click();
      await page.waitForURL(/\/\?trace_id=/);
      await expect
        .poll(async () => (await titles()).sort())
        .toEqual(['CheckoutError: payment failed', 'PaymentError: card declined']);
      expect(await page.locator('input[name="trace_id"]').inputValue()).toBe(TRACE);

      await page.goto(`${inbox.url}/`);
      expect(await titles()).toHaveLength(4);
      await page.locator('input[name="trace_id"]').fill('F'.repeat(32));
      await page.locator('form.filters button[type="submit"]').click();
      await page.waitForURL(/trace_id=F{32}/);
      await expect.poll(titles).toEqual(['UnrelatedError: elsewhere']);

      // A malformed trace id is refused with the reason, not an empty list.
      const answer = await page.goto(`${inbox.url}/?trace_id=not-a-trace`);
      expect(answer?.status()).toBe(400);
      expect(await page.locator('body').textContent()).toMatch(/trace_id must be 32 hex digits/);
    },
    SLOW,
  );
});
