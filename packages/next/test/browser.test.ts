// @x/next/client in headless Chromium, bundled as an app would bundle it (esbuild, browser): the
// page's events reach a real inbox with the user setUser gave, setUser(null) clears it, the
// inbox fills the IP from the connection ({{auto}}, sendDefaultPii), and Chromium's stack is
// parsed with the page's own frames in_app. The browser client's transport rules (rate limits,
// keepalive budget, client reports) are tested against a real sink in core's fetchTransport.test.ts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchChromium } from '@x/test-kit/chromium';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestInbox, storedEvent, storedEvents } from './helpers';

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
let server: Server;
let pageUrl: string;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  const bundle = await build({
    stdin: {
      contents: `import { captureException, flush, initBrowser, setUser } from '@x/next/client';
function checkout() {
  captureException(new Error('from the page'));
}
window.x = { checkout, flush, initBrowser, setUser };`,
      resolveDir: `${__dirname}/..`,
      loader: 'js',
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]?.text ?? '';
  server = createServer((req, res) => {
    if (req.url === '/app.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      res.end(script);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>page</title><script type="module" src="/app.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  inbox = await startTestInbox();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await inbox?.dispose();
  await new Promise((resolve) => server?.close(resolve));
});

it('events from a page carry the user setUser gave, and none after setUser(null)', async () => {
  const page = await browser.context.newPage();
  await page.goto(pageUrl);
  await page.waitForFunction(() => 'x' in window);
  const delivered = await page.evaluate(async (dsn) => {
    const x = (window as unknown as { x: Record<string, (...args: unknown[]) => unknown> }).x;
    x.initBrowser?.({ dsn, sendDefaultPii: true, release: 'page@1' });
    x.setUser?.({ id: 'u-alice', email: 'alice@example.com', plan: 'pro' });
    x.checkout?.(); // a function of the page's own script
    x.setUser?.(null);
    // Uncaught: initBrowser's window 'error' listener captures it.
    setTimeout(() => {
      throw new Error('uncaught after sign-out');
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    return x.flush?.(5000);
  }, inbox.dsn);
  expect(delivered).toBe(true);

  const events = await storedEvents(inbox);
  const byTitle = new Map(events.map((e) => [e.title, e]));
  const signedIn = byTitle.get('Error: from the page');
  // The page sent no IP: with sendDefaultPii it asked the inbox for the connection's ({{auto}}).
  expect(signedIn?.user).toMatchObject({
    id: 'u-alice',
    email: 'alice@example.com',
    ip_address: '127.0.0.1',
    data: { plan: 'pro' },
  });
  const signedOut = byTitle.get('Error: uncaught after sign-out');
  expect(signedOut).toBeDefined();
  expect(signedOut?.user?.id).toBeUndefined();
  expect(signedOut?.user?.email).toBeUndefined();

  const full = await storedEvent(inbox, signedIn?.id ?? '');
  expect(full).toMatchObject({ platform: 'javascript', release: 'page@1' });
  const frames = (
    full.exception as { values: { stacktrace: { frames: Record<string, unknown>[] } }[] }
  ).values[0]?.stacktrace.frames;
  // Chromium's stack, parsed: the crashing frame last, the page's own script in_app.
  expect(frames?.at(-1)).toMatchObject({
    function: 'Object.checkout',
    filename: `${pageUrl}app.js`,
    in_app: true,
  });
  expect(frames?.at(-1)?.lineno).toEqual(expect.any(Number));
}, 60_000);
