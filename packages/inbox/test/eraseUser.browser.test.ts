// Erasing and exporting a user in headless Chromium: on a user's page, "Export (JSON)" downloads everything stored
// about them, and "Erase this user…" asks for a confirmation (dismissing it erases nothing),
// then erases them; the issues list is recounted at once.
import { readFileSync } from 'node:fs';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../../test-kit/src/chromium.mjs';
import type { UserExport } from '../src/index';
import { eventEnvelope, get, newEventId, post, startTestInbox, type TestInbox } from './helpers';

let inbox: TestInbox;
let context: BrowserContext;
let closeBrowser: (() => Promise<void>) | undefined;
const aliceIds: string[] = [];

function crash(fn: string, user: Record<string, unknown>) {
  return {
    event_id: newEventId(),
    platform: 'node',
    exception: {
      values: [
        {
          type: 'Error',
          value: 'boom',
          stacktrace: { frames: [{ filename: '/app/src/routes.js', function: fn, in_app: true }] },
        },
      ],
    },
    user,
  };
}

async function send(event: Record<string, unknown>): Promise<string> {
  const answer = await post(inbox, eventEnvelope(event));
  expect(answer.status).toBe(200);
  return (answer.body as { id: string }).id;
}

beforeAll(async () => {
  inbox = await startTestInbox({ geo: false });
  const alice = { id: 'u-alice', email: 'alice@example.com' };
  const bob = { id: 'u-bob', email: 'bob@example.com' };
  aliceIds.push(await send(crash('checkout', alice)));
  await send(crash('checkout', bob));
  aliceIds.push(await send(crash('profile', alice)));
  const browser = await launchChromium();
  context = browser.context;
  closeBrowser = browser.close;
  context.setDefaultTimeout(20_000);
}, 60_000);

afterAll(async () => {
  await closeBrowser?.();
  await inbox?.dispose();
});

it('exports a user as a JSON download, then erases them after a confirmation', async () => {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(`${inbox.url}/users/${encodeURIComponent('id:u-alice')}`);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('a.export-user').click(),
  ]);
  expect(download.suggestedFilename()).toBe('x-inbox-user-id_u-alice.json');
  const exported = JSON.parse(readFileSync(await download.path(), 'utf8')) as UserExport;
  expect(exported.events.map((e) => e.id)).toEqual(aliceIds);
  expect(JSON.stringify(exported)).not.toContain('bob');

  // Dismissed: nothing happens.
  const dialogs: string[] = [];
  page.once('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.locator('button.erase-user').click();
  await expect.poll(() => dialogs.length).toBe(1);
  expect(dialogs[0]).toContain('Erase everything stored about id:u-alice?');
  expect(dialogs[0]).toContain('2 event(s) will be deleted');
  expect(await get(inbox, '/api/health')).toMatchObject({ events: 3 });

  // Accepted: erased, and the page says what was removed.
  page.once('dialog', (dialog) => void dialog.accept());
  await page.locator('button.erase-user').click();
  await expect
    .poll(() => page.locator('.erased-summary').textContent())
    .toBe('2 event(s) deleted; 1 issue(s) removed, 1 recounted.');
  expect(await page.locator('h1').textContent()).toBe('Erased id:u-alice');

  await page.goto(`${inbox.url}/`);
  const rows = page.locator('tbody tr');
  expect(await rows.count()).toBe(1);
  expect(await rows.first().locator('td.users').textContent()).toBe('1');
  expect(await rows.first().locator('td.events').textContent()).toBe('1');
  expect(
    (await page.goto(`${inbox.url}/users/${encodeURIComponent('id:u-alice')}`))?.status(),
  ).toBe(404);
  expect(errors).toEqual([]);
  await page.close();
});
