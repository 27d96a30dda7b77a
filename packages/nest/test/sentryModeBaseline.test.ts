// The same app and bursts WITHOUT @x: Sentry alone (@sentry/nestjs 10, its default integrations,
// `sendDefaultPii: true` so that it infers an IP), with the user code Nest apps write for it — a
// global interceptor calling `Sentry.setUser(req.user)` (after the guards), or a middleware doing
// it (before the guards: the order mistake) — and behind a proxy. What it gives is printed (and
// recorded in the README's "Sentry mode"), not asserted: it is Sentry's behaviour.
import { Logger } from '@nestjs/common';
import * as Sentry from '@sentry/nestjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getClient } from '../src/index.js';
import { startTestInbox, storedEvents } from './helpers.js';
import {
  type AppShape,
  BEARERS,
  burst,
  COUNT,
  type Sent,
  sentryOptions,
  startApp,
  tally,
} from './sentryModeHelpers.js';

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
const sent: Sent = { events: [], transactions: [] };

beforeAll(async () => {
  inbox = await startTestInbox();
  Sentry.init(sentryOptions(inbox.dsn, sent, { sendDefaultPii: true }));
});
afterAll(async () => {
  await Sentry.close(5000);
  await inbox.dispose();
});

async function run(shape: AppShape, tag: string, headers?: (i: number) => Record<string, string>) {
  const { app, url } = await startApp(shape);
  try {
    const statuses = await burst(url, tag, COUNT, headers && ((i) => ({ headers: headers(i) })));
    expect(new Set(statuses)).toEqual(new Set([500]));
  } finally {
    await app.close();
  }
  expect(await Sentry.flush(30_000)).toBe(true);
  return storedEvents(inbox);
}

describe.each(['express', 'fastify'] as const)(
  'without @x, Nest on %s: what Sentry alone gives (printed, not asserted)',
  (platform) => {
    it.each([
      ['Sentry.setUser in a global interceptor (after the guards)', 'interceptor'],
      ['Sentry.setUser in a middleware (before the guards)', 'middleware'],
      ['no user code', undefined],
    ] as const)('%s', async (name, sentryUser) => {
      const tag = `alone-${platform}-${sentryUser ?? 'none'}`;
      const outcome = tally(await run({ platform, sentryUser }, tag), tag, COUNT);
      console.log(
        `Sentry alone, Nest on ${platform}, ${name}, ${COUNT} requests:`,
        JSON.stringify(outcome),
      );
    });

    it('behind a proxy (the proxy at 127.0.0.1 trusted): the IP Sentry gives', async () => {
      const tag = `alone-${platform}-proxy`;
      // The client sends its own X-Forwarded-For; the proxy appends the address it saw.
      const events = await run(
        { platform, sentryUser: 'interceptor', trustProxy: '127.0.0.1' },
        tag,
        (i) => ({
          authorization: BEARERS[i % 3] as string,
          'x-forwarded-for': `198.51.100.${(i % 200) + 1}, 203.0.113.7`,
        }),
      );
      const ips = events
        .filter((event) => event.title.includes(`boom ${tag}-`))
        .map((event) => event.user?.ip_address);
      const nestIp = ips.filter((ip) => ip === '203.0.113.7').length;
      const clientWritten = ips.filter((ip) => String(ip).startsWith('198.51.100.')).length;
      console.log(
        `Sentry alone, Nest on ${platform} behind a proxy, ${COUNT} requests: ${nestIp} events with req.ip, ${clientWritten} with the address the client wrote, ${ips.length - nestIp - clientWritten} other`,
      );
    });
  },
);

it('XModule.forRoot({ sentry: true }) without xUserIntegration: said at start-up; @x still not init()ed', async () => {
  const warn = vi.spyOn(Logger.prototype, 'warn');
  try {
    const { app } = await startApp({ platform: 'express', x: { sentry: true } });
    await app.close();
    const ours = warn.mock.calls.map((call) => String(call[0])).filter((m) => m.includes('@x'));
    expect(ours).toEqual([
      expect.stringContaining('Sentry.init has not set up xUserIntegration()'),
    ]);
    expect(getClient()).toBeUndefined();
  } finally {
    warn.mockRestore();
  }
});
