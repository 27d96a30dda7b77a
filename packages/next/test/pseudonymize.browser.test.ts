// pseudonymizeUsers in a real browser: @x/next/client (built, bundled for the browser, so core's
// main entry and Web Crypto) in headless Chromium sends the same pseudonyms as Node's node:crypto.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { launchChromium } from '@x/test-kit/chromium';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { init, pseudonymizeUser } from '../src/index';
import { startTestInbox, storedEvent, storedEvents } from './helpers';

const KEY = 'x-test-key-0123456789';
let inbox: Awaited<ReturnType<typeof startTestInbox>>;
let page: Server;
let pageUrl = '';
let context: Awaited<ReturnType<typeof launchChromium>>['context'];
let closeBrowser: (() => Promise<void>) | undefined;

beforeAll(async () => {
  inbox = await startTestInbox();
  // What an app's bundler makes of `@x/next/client`: the browser build of everything.
  const bundle = await build({
    stdin: {
      contents: `import { initBrowser, setUser, captureException, flush } from '@x/next/client';
        window.x = { initBrowser, setUser, captureException, flush };`,
      resolveDir: join(__dirname, '..'),
      loader: 'js',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]?.text ?? '';
  expect(script).not.toContain('node:crypto');
  page = createServer((req, res) => {
    if (req.url === '/x.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(script);
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>pseudonyms</title><script src="/x.js"></script>');
    }
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/`;
  const browser = await launchChromium();
  context = browser.context;
  closeBrowser = browser.close;
}, 60_000);

afterAll(async () => {
  await closeBrowser?.();
  await new Promise((resolve) => page?.close(resolve));
  await inbox?.dispose();
});

it('Web Crypto in Chromium gives the pseudonyms node:crypto gives for the same key', async () => {
  const users = [
    { id: 'u-alice', username: 'alice', email: 'alice@example.com', plan: 'gold' },
    { id: 42, username: 'bob ü', email: 'bob@example.com' },
  ];
  const tab = await context.newPage();
  const pageErrors: string[] = [];
  tab.on('pageerror', (error) => pageErrors.push(error.message));
  await tab.goto(pageUrl);
  expect(pageErrors).toEqual([]);
  const delivered = await tab.evaluate(
    async ({ dsn, key, users }) => {
      const x = (window as unknown as { x: Record<string, (...args: unknown[]) => unknown> }).x;
      x.initBrowser?.({
        dsn,
        sendClientReports: false,
        pseudonymizeUsers: { key, allow: ['plan'] },
      });
      for (const user of users) {
        x.setUser?.(user);
        x.captureException?.(new Error(`browser ${String(user.id)}`));
      }
      return x.flush?.(5000);
    },
    { dsn: inbox.dsn, key: KEY, users },
  );
  expect(delivered).toBe(true);
  await tab.close();

  const stored = (await storedEvents(inbox)).filter((e) => e.title.startsWith('Error: browser'));
  expect(stored).toHaveLength(2);
  // The server side's pseudonyms, through the public API (node:crypto's HMAC).
  init({ pseudonymizeUsers: { key: KEY, allow: ['plan'] } });
  const pseudonymize = pseudonymizeUser;
  for (const user of users) {
    const summary = stored.find((e) => e.title === `Error: browser ${user.id}`);
    const event = await storedEvent(inbox, summary?.id ?? '');
    expect(event.platform).toBe('javascript');
    // The inbox stores custom keys under `data` (as Relay does) and adds its users-affected key.
    const { data, sentry_user: _key, ...fields } = event.user ?? {};
    expect({ ...fields, ...(data as object) }).toEqual(
      await pseudonymize({ ...user, id: String(user.id) }),
    );
  }
  // And the OpenSSL vector (see packages/core/test/pseudonymizeUsers.test.ts).
  const alice = stored.find((e) => e.title === 'Error: browser u-alice');
  expect(alice?.user_key).toBe('id:px_3a279f1d12b359bc69f706a322346b17');
});
