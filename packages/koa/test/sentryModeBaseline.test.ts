// The same app and bursts WITHOUT @x: Sentry alone (@sentry/node 11, its default integrations),
// with the user code Koa apps write for it — a middleware calling `Sentry.setUser(ctx.state.user)`
// after the auth middleware, or before it (the order mistake) — and behind a proxy. What it gives
// is printed (and recorded in the README's "Sentry mode"), not asserted: it is Sentry's behaviour.
import {
  type BurstRequest,
  behindProxy,
  COUNT,
  printProxyIps,
  printTally,
  servedBurst,
} from '@x/test-kit/sentry-mode';
import { describe, it } from 'vitest';
import { listen } from './helpers';
import { type AppShape, BEARERS, buildApp, burst, sentryToInbox } from './sentryModeHelpers';

const sentry = sentryToInbox();

/** Burst `tag` against the app of `shape` (every request answers 500); the inbox's events. */
const run = (shape: AppShape, tag: string, request?: (i: number) => BurstRequest) =>
  servedBurst(sentry, () => listen(buildApp(shape)), burst, tag, request);

describe('without @x: what Sentry alone gives (printed, not asserted)', () => {
  it.each([
    ['Sentry.setUser after the auth middleware', 'after-auth'],
    ['Sentry.setUser before the auth middleware', 'before-auth'],
    ['no user code', undefined],
  ] as const)('%s', async (name, sentryUser) => {
    const tag = `alone-${sentryUser ?? 'none'}`;
    printTally(`Sentry alone, ${name}`, await run({ sentryUser }, tag), tag, COUNT);
  });

  it('behind a proxy (app.proxy = true, maxIpsCount = 1): the IP Sentry gives', async () => {
    const tag = 'alone-proxy';
    const shape = { sentryUser: 'after-auth', proxy: true, maxIpsCount: 1 } as const;
    const events = await run(shape, tag, behindProxy(BEARERS));
    printProxyIps('Sentry alone behind a proxy', 'ctx.ip', events, tag);
  });
});
