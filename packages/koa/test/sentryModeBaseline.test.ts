// The same app and bursts WITHOUT @x: Sentry alone (@sentry/node 11, its default integrations),
// with the user code Koa apps write for it — a middleware calling `Sentry.setUser(ctx.state.user)`
// after the auth middleware, or before it (the order mistake) — and behind a proxy. What it gives
// is printed (and recorded in the README's "Sentry mode"), not asserted: it is Sentry's behaviour.
import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, startTestInbox, storedEvents } from './helpers';
import {
  type AppShape,
  BEARERS,
  buildApp,
  burst,
  COUNT,
  type Sent,
  sentryOptions,
  tally,
} from './sentryModeHelpers';

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
const sent: Sent = { events: [], spans: [] };

beforeAll(async () => {
  inbox = await startTestInbox();
  Sentry.init(sentryOptions(inbox.dsn, sent));
});
afterAll(async () => {
  await Sentry.close(5000);
  await inbox.dispose();
});

async function run(shape: AppShape, tag: string, headers?: (i: number) => Record<string, string>) {
  const server = await listen(buildApp(shape));
  try {
    const statuses = await burst(
      server.url,
      tag,
      COUNT,
      headers && ((i) => ({ headers: headers(i) })),
    );
    expect(new Set(statuses)).toEqual(new Set([500]));
  } finally {
    await server.close();
  }
  expect(await Sentry.flush(30_000)).toBe(true);
  return storedEvents(inbox);
}

describe('without @x: what Sentry alone gives (printed, not asserted)', () => {
  it.each([
    ['Sentry.setUser after the auth middleware', 'after-auth'],
    ['Sentry.setUser before the auth middleware', 'before-auth'],
    ['no user code', undefined],
  ] as const)('%s', async (name, sentryUser) => {
    const tag = `alone-${sentryUser ?? 'none'}`;
    const outcome = tally(await run({ sentryUser }, tag), tag, COUNT);
    console.log(`Sentry alone, ${name}, ${COUNT} requests:`, JSON.stringify(outcome));
  });

  it('behind a proxy (app.proxy = true, maxIpsCount = 1): the IP Sentry gives', async () => {
    const tag = 'alone-proxy';
    // The client sends its own X-Forwarded-For; the proxy appends the address it saw.
    const events = await run(
      { sentryUser: 'after-auth', proxy: true, maxIpsCount: 1 },
      tag,
      (i) => ({
        authorization: BEARERS[i % 3] as string,
        'x-forwarded-for': `198.51.100.${(i % 200) + 1}, 203.0.113.7`,
      }),
    );
    const ips = events
      .filter((event) => event.title.includes(`boom ${tag}-`))
      .map((event) => event.user?.ip_address);
    const koaIp = ips.filter((ip) => ip === '203.0.113.7').length;
    const clientWritten = ips.filter((ip) => String(ip).startsWith('198.51.100.')).length;
    console.log(
      `Sentry alone behind a proxy, ${COUNT} requests: ${koaIp} events with ctx.ip, ${clientWritten} with the address the client wrote, ${ips.length - koaIp - clientWritten} other`,
    );
  });
});
