// Bidi control characters in event text (U+202E RIGHT-TO-LEFT OVERRIDE, unterminated)
// must not reorder what follows them in the UI's tables: each event value is isolated
// (`unicode-bidi: plaintext`, what `dir="auto"` / <bdi> do), checked in headless Chromium.
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../../test-kit/src/chromium.mjs';
import { eventEnvelope, newEventId, post, startTestInbox, type TestInbox } from './helpers';

const RLO = '\u202e';
let inbox: TestInbox;
let context: BrowserContext;
let closeBrowser: (() => Promise<void>) | undefined;
const eventId = newEventId();

beforeAll(async () => {
  inbox = await startTestInbox();
  const answer = await post(
    inbox,
    eventEnvelope({
      event_id: eventId,
      platform: 'node',
      release: `${RLO}release-1`,
      server_name: 'web-1',
      transaction: 'GET /after',
      culprit: `${RLO}culprit-text`,
      exception: { values: [{ type: 'Error', value: `${RLO}boom` }] },
      user: { id: `${RLO}u1` },
    }),
  );
  expect(answer.status).toBe(200);
  const browser = await launchChromium();
  context = browser.context;
  closeBrowser = browser.close;
}, 60_000);

afterAll(async () => {
  await closeBrowser?.();
  await inbox?.dispose();
});

it('an unterminated RLO in the culprit does not move the route after it', async () => {
  const page = await context.newPage();
  await page.goto(`${inbox.url}/`);
  const culprit = await page.locator('.issue-cell .culprit').first().boundingBox();
  const route = await page.locator('.issue-cell .route').first().boundingBox();
  expect(culprit).not.toBeNull();
  expect(route).not.toBeNull();
  // Left to right as written: the route stays to the right of the culprit.
  expect(route?.x).toBeGreaterThanOrEqual((culprit?.x ?? 0) + (culprit?.width ?? 0) - 1);
  await page.close();
});
