// Two people in two browsers, signed in as different users, trigger every kind of error a Next app
// can have; each error must reach the inbox with the right user. Client-side errors get their IP
// from the inbox's {{auto}} handling only when PII is on.
import { join } from 'node:path';
import { launchChromium } from '@x/test-kit/chromium';
import { type Started, startAppProcess, startInboxProcess } from '@x/test-kit/processes';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const server = join(__dirname, '..', 'server.mjs');

interface StoredEvent {
  id: string;
  title: string;
  user_key: string | null;
  user: Record<string, unknown> | null;
  transaction: string | null;
}

async function waitForEvents(
  inboxUrl: string,
  predicate: (events: StoredEvent[]) => boolean,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = (
      (await (await fetch(`${inboxUrl}/api/events?limit=500`)).json()) as { data: StoredEvent[] }
    ).data;
    if (predicate(events) || Date.now() > deadline) return events;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const closers: (() => Promise<void>)[] = [];
async function browser(): Promise<BrowserContext> {
  const { context, close } = await launchChromium();
  closers.push(close);
  return context;
}

async function signIn(page: Page, app: string, username: string) {
  await page.goto(`${app}/signin`);
  await page.fill('#username', username);
  await page.fill('#password', `${username}-demo-pass`);
  await page.click('#sign-in');
  await page.waitForURL(`${app}/profile`);
  await page.waitForFunction(() =>
    document.querySelector('#whoami')?.textContent?.includes('"id"'),
  );
}

async function triggerEverything(page: Page, app: string) {
  await page.goto(app);
  await page.click('#server-action');
  await page.waitForFunction(
    () => document.querySelector('#status')?.textContent === 'server action failed',
  );
  await page.click('#route-handler');
  await page.waitForFunction(() => document.querySelector('#status')?.textContent?.includes('500'));
  await page.click('#client-error');
  await page.waitForFunction(
    () => document.querySelector('#status')?.textContent === 'client error thrown',
  );
  const response = await page.goto(`${app}/errors/server-component`);
  expect(response?.status()).toBe(500);
}

describe('next-demo in headless Chromium', () => {
  let inbox: Started & { dsn: string };
  let app: Started;
  let appNoPii: Started;

  beforeAll(async () => {
    inbox = await startInboxProcess();
    [app, appNoPii] = await Promise.all([
      startAppProcess(server, { X_DSN: inbox.dsn }),
      startAppProcess(server, { X_DSN: inbox.dsn, X_SEND_DEFAULT_PII: 'false' }),
    ]);
  }, 90_000);
  afterAll(async () => {
    await Promise.all(closers.map((close) => close()));
    await Promise.all([app?.stop(), appNoPii?.stop()]);
    await inbox?.stop();
  });

  it('two users in two browsers: every kind of error carries its own user', async () => {
    const [alice, bob] = await Promise.all([browser(), browser()]);
    const [alicePage, bobPage] = await Promise.all([alice.newPage(), bob.newPage()]);
    await Promise.all([signIn(alicePage, app.url, 'alice'), signIn(bobPage, app.url, 'bob')]);
    await Promise.all([triggerEverything(alicePage, app.url), triggerEverything(bobPage, app.url)]);

    const kinds = [
      'Error: server action boom',
      'Error: boom',
      'Error: client boom',
      'Error: server component boom',
    ];
    const events = await waitForEvents(inbox.url, (all) => all.length >= 8);
    const seen = events.map((e) => `${e.title} | ${e.user_key}`).sort();
    expect(seen).toEqual(kinds.flatMap((k) => [`${k} | id:u-alice`, `${k} | id:u-bob`]).sort());
    const client = events.filter((e) => e.title === 'Error: client boom');
    for (const event of client) {
      // The browser sends no IP; with sendDefaultPii it asks the inbox to use the connection's.
      expect(event.user).toMatchObject({
        ip_address: '127.0.0.1',
        data: { subscription: expect.any(String) },
      });
    }
    const serverSide = events.filter((e) => e.title !== 'Error: client boom');
    for (const event of serverSide) expect(event.user).toMatchObject({ ip_address: '127.0.0.1' });
    const actions = events.filter((e) => e.title === 'Error: server action boom');
    // Named by withServerAction's `name` option, not after the page (`POST /`).
    expect(actions.map((e) => e.transaction)).toEqual([
      'serverAction/failingAction',
      'serverAction/failingAction',
    ]);
  }, 120_000);

  it('a server action’s setUser replaces the session user, and setUser(null) clears it', async () => {
    const page = await (await browser()).newPage();
    await signIn(page, app.url, 'alice');
    await page.goto(app.url);
    await page.click('#server-action-set-user');
    await page.waitForFunction(
      () => document.querySelector('#status')?.textContent === 'set-user action failed',
    );
    await page.click('#server-action-clear-user');
    await page.waitForFunction(
      () => document.querySelector('#status')?.textContent === 'clear-user action failed',
    );
    const titles = ['Error: server action set user', 'Error: server action clear user'];
    const events = await waitForEvents(inbox.url, (all) =>
      titles.every((t) => all.some((e) => e.title === t)),
    );
    const userOf = (title: string) => events.find((e) => e.title === title)?.user;
    const transactionOf = (title: string) => events.find((e) => e.title === title)?.transaction;
    // The function's name, else Next's action id (a hex digest), never the page's `POST /`:
    // Next's production build compiles the named function into one without a name.
    expect(transactionOf('Error: server action set user')).toMatch(
      /^serverAction\/(reassign|[0-9a-f]{8,})$/,
    );
    expect(transactionOf('Error: server action clear user')).toMatch(
      /^serverAction\/[0-9a-f]{8,}$/,
    );
    expect(userOf('Error: server action set user')).toEqual({
      email: 'override@example.com',
      ip_address: '127.0.0.1',
      data: { plan: 'gold' },
      sentry_user: 'email:override@example.com',
    });
    expect(userOf('Error: server action clear user')).toEqual({
      ip_address: '127.0.0.1',
      sentry_user: 'ip:127.0.0.1',
    });
  }, 120_000);

  it('without sendDefaultPii a client-side error carries no IP', async () => {
    const carol = await browser();
    const page = await carol.newPage();
    await signIn(page, appNoPii.url, 'carol');
    await page.goto(appNoPii.url);
    // A click before React has hydrated the page does nothing: wait for its scripts, then for
    // the button's own answer.
    await page.waitForLoadState('networkidle');
    await page.click('#client-error');
    await page.waitForFunction(
      () => document.querySelector('#status')?.textContent === 'client error thrown',
    );
    const carols = (e: { user_key?: string | null }) => e.user_key === 'id:u-carol';
    const events = await waitForEvents(inbox.url, (all) => all.some(carols));
    const event = events.find(carols);
    expect(event?.title).toBe('Error: client boom');
    expect(event?.user).not.toHaveProperty('ip_address');
    expect(event?.user).toMatchObject({ id: 'u-carol', username: 'carol' });
  }, 120_000);
});

describe('next-demo in headless Chromium with X_PSEUDONYMIZE_KEY', () => {
  let inbox: Started & { dsn: string };
  let app: Started;
  beforeAll(async () => {
    inbox = await startInboxProcess();
    app = await startAppProcess(server, {
      X_DSN: inbox.dsn,
      X_PSEUDONYMIZE_KEY: 'next-demo-browser-pseudonymize-key',
    });
  }, 90_000);
  afterAll(async () => {
    await app?.stop();
    await inbox?.stop();
  });

  it('client-side errors carry the server-made pseudonym (the key never reaches the browser)', async () => {
    const context = await browser();
    const page = await context.newPage();
    const scripts: string[] = [];
    page.on('response', async (response) => {
      if (response.url().endsWith('.js')) scripts.push(await response.text().catch(() => ''));
    });
    await signIn(page, app.url, 'alice');
    await page.goto(app.url);
    await page.click('#route-handler');
    await page.waitForFunction(() =>
      document.querySelector('#status')?.textContent?.includes('500'),
    );
    await page.click('#client-error');
    const events = await waitForEvents(
      inbox.url,
      (all) =>
        all.some((e) => e.title === 'Error: client boom') &&
        all.some((e) => e.title === 'Error: boom'),
    );
    const client = events.find((e) => e.title === 'Error: client boom');
    const route = events.find((e) => e.title === 'Error: boom');
    expect(client?.user_key).toMatch(/^id:px_[0-9a-f]{32}$/);
    expect(client?.user_key).toBe(route?.user_key);
    expect(client?.user).toMatchObject({
      username: route?.user?.username,
      email: route?.user?.email,
      data: { subscription: 'pro' },
    });
    expect(JSON.stringify(events)).not.toMatch(/u-alice|alice@example\.com|"alice"/);
    expect(scripts.join('\n')).not.toContain('next-demo-browser-pseudonymize-key');
  }, 120_000);
});
