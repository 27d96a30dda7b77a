// The same app and bursts WITHOUT @x: Sentry alone (@sentry/nestjs 10, its default integrations,
// `sendDefaultPii: true` so that it infers an IP), with the user code Nest apps write for it — a
// global interceptor calling `Sentry.setUser(req.user)` (after the guards), or a middleware doing
// it (before the guards: the order mistake) — and behind a proxy. What it gives is printed (and
// recorded in the README's "Sentry mode"), not asserted: it is Sentry's behaviour.
import { Logger } from '@nestjs/common';
import {
  type BurstRequest,
  behindProxy,
  COUNT,
  printProxyIps,
  printTally,
  servedBurst,
} from '@x/test-kit/sentry-mode';
import { describe, expect, it, vi } from 'vitest';
import { getClient } from '../src/index.js';
import { type AppShape, BEARERS, burst, sentryToInbox, startApp } from './sentryModeHelpers.js';

const sentry = sentryToInbox({ sendDefaultPii: true });

/** Burst `tag` against the app of `shape` (every request answers 500); the inbox's events. */
const run = (shape: AppShape, tag: string, request?: (i: number) => BurstRequest) =>
  servedBurst(sentry, () => startApp(shape), burst, tag, request);

describe.each(['express', 'fastify'] as const)(
  'without @x, Nest on %s: what Sentry alone gives (printed, not asserted)',
  (platform) => {
    it.each([
      ['Sentry.setUser in a global interceptor (after the guards)', 'interceptor'],
      ['Sentry.setUser in a middleware (before the guards)', 'middleware'],
      ['no user code', undefined],
    ] as const)('%s', async (name, sentryUser) => {
      const tag = `alone-${platform}-${sentryUser ?? 'none'}`;
      const events = await run({ platform, sentryUser }, tag);
      printTally(`Sentry alone, Nest on ${platform}, ${name}`, events, tag, COUNT);
    });

    it('behind a proxy (the proxy at 127.0.0.1 trusted): the IP Sentry gives', async () => {
      const tag = `alone-${platform}-proxy`;
      const shape = { platform, sentryUser: 'interceptor', trustProxy: '127.0.0.1' } as const;
      const events = await run(shape, tag, behindProxy(BEARERS));
      printProxyIps(`Sentry alone, Nest on ${platform} behind a proxy`, 'req.ip', events, tag);
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
