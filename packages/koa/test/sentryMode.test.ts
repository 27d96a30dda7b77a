// Sentry mode on a real Koa server: the app runs the real @sentry/node 11 (`Sentry.init` with
// `xUserIntegration()`, `Sentry.setupKoaErrorHandler(app)`, Sentry's default integrations and
// transport) and @x/koa's middleware; @x is never `init`ed. Sentry sends to a real inbox; a copy of
// every envelope is kept in memory.

import * as Sentry from '@sentry/node';
import { getClient, getEventUser, koaMiddleware, mapAuthUser } from '@x/koa';
import { xUserIntegration } from '@x/koa/sentry';
import {
  COUNT,
  expectEveryEventOwn,
  expectSentryEvents,
  served,
  servedBurst,
  userOf,
} from '@x/test-kit/sentry-mode';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { listen } from './helpers';
import { BEARERS, buildApp, burst, sentryToInbox } from './sentryModeHelpers';

const sentry = sentryToInbox({ integrations: [xUserIntegration()] });
const { sent } = sentry;

/** Runs `fn` against a server of `app`, then flushes Sentry; the inbox's events of the run. */
const serve = (app: Koa, fn: (url: string) => Promise<unknown>) =>
  served(sentry, () => listen(app), fn);

describe('Sentry mode (Koa): every Sentry event carries its own request’s user', () => {
  it.each(['before-auth', 'after-auth'] as const)(
    `${COUNT} overlapping requests of 3 users that throw, @x's middleware %s: 0 foreign, 0 duplicates, nothing lost`,
    async (x) => {
      const tag = `burst-${x}`;
      const before = sent.events.length;
      const events = await servedBurst(sentry, () => listen(buildApp({ x })), burst, tag);
      expectEveryEventOwn(events, tag, COUNT, `Sentry mode, @x ${x}`);
      // One event per request, each Sentry's own: @x sent nothing.
      expectSentryEvents(sent, before, COUNT, 'sentry.javascript.node');
      expect(getClient()).toBeUndefined();
      // Under v11's default userInfo the login's email and the client IP come with it.
      expect(userOf(events, tag, 1)).toEqual({
        id: 'u-bob',
        username: 'bob',
        email: 'bob@example.com',
        ip_address: '127.0.0.1',
      });
    },
  );

  it('an async getUser, waited for when the event is built', async () => {
    const tag = 'async-resolver';
    const count = Math.min(COUNT, 300);
    const getUser = async (ctx: Koa.Context) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
      return mapAuthUser(ctx.state.user);
    };
    const events = await serve(buildApp({ x: 'before-auth', xOptions: { getUser } }), (url) =>
      burst(url, tag, count),
    );
    expectEveryEventOwn(events, tag, count);
  });

  it('a Sentry.setUser in the handler wins whole', async () => {
    const events = await serve(buildApp({ x: 'before-auth' }), (url) =>
      burst(url, 'explicit', 3, () => ({ path: '/explicit' }), 3),
    );
    // Nothing of the login user: Sentry's user, with the IP Sentry itself inferred.
    expect(userOf(events, 'explicit', 2)).toEqual({
      id: 'explicit-2',
      ip_address: '127.0.0.1',
      segment: 'set-by-app',
    });
  });

  it('without the login, no user from @x: only the client IP, which userInfo allows', async () => {
    const events = await serve(buildApp({ x: 'before-auth' }), (url) =>
      burst(url, 'anonymous', 2, () => ({ headers: {} }), 2),
    );
    expect(userOf(events, 'anonymous')).toEqual({ ip_address: '127.0.0.1' });
  });

  it.each([
    ['app.proxy = true', { proxy: true }, '203.0.113.7', '203.0.113.7'],
    // The client wrote the first address, the proxy appended the second: Koa trusts one hop.
    [
      'app.proxy = true, maxIpsCount = 1',
      { proxy: true, maxIpsCount: 1 },
      '198.51.100.1, 203.0.113.7',
      '203.0.113.7',
    ],
    ['app.proxy = false', { proxy: false }, '198.51.100.1', '127.0.0.1'],
  ] as const)(
    '%s with X-Forwarded-For: the user’s IP is Koa’s ctx.ip',
    async (name, shape, forwarded, ip) => {
      const tag = `proxy-${name.replace(/\W+/g, '-')}`;
      let seen: string | undefined;
      const headers = { authorization: BEARERS[0] as string, 'x-forwarded-for': forwarded };
      const events = await serve(buildApp({ x: 'before-auth', ...shape }), async (url) => {
        seen = ((await (await fetch(`${url}/ip`, { headers })).json()) as { ip: string }).ip;
        await burst(url, tag, 1, () => ({ headers }), 1);
      });
      expect(seen).toBe(ip);
      expect(userOf(events, tag)).toMatchObject({ id: 'u-ada', ip_address: ip });
    },
  );

  it('@x not init()ed: the middleware still opens a scope with a lazy user per request, and sends nothing', async () => {
    const app = new Koa();
    app.use(koaMiddleware());
    app.use(async (ctx) => {
      ctx.state.user = { sub: ctx.get('x-user') };
      ctx.body = { user: await getEventUser(), client: getClient() ?? null };
    });
    const server = await listen(app);
    try {
      const answers = await Promise.all(
        ['u-1', 'u-2', 'u-3'].map(async (user) =>
          (await fetch(server.url, { headers: { 'x-user': user } })).json(),
        ),
      );
      // getEventUser says what @x supplies to Sentry's events: v11's userInfo adds ctx.ip.
      expect(answers).toEqual([
        { user: { id: 'u-1', ip_address: '127.0.0.1' }, client: null },
        { user: { id: 'u-2', ip_address: '127.0.0.1' }, client: null },
        { user: { id: 'u-3', ip_address: '127.0.0.1' }, client: null },
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('Sentry mode (Koa): work a request leaves running', () => {
  it.each([
    ['the default getUser', undefined],
    ['a custom getUser', { getUser: (ctx: Koa.Context) => mapAuthUser(ctx.state.user) }],
  ])(
    'work the request left running has its user in events after the response (%s)',
    async (_name, options) => {
      const tag = `left-running-${options ? 'custom' : 'default'}`;
      const app = new Koa();
      app.silent = true;
      app.proxy = true;
      app.use(koaMiddleware(options));
      let captured!: Promise<void>;
      app.use((ctx) => {
        ctx.state.user = { sub: 'u-late', username: 'late', email: 'late@example.com' };
        const answered = new Promise((resolve) => ctx.res.once('finish', resolve));
        // Captured once the answer went out, a tick later: long after the request settled.
        captured = answered
          .then(() => new Promise((resolve) => setTimeout(resolve, 5)))
          .then(() => {
            Sentry.captureException(new Error(`boom ${tag}-0`));
          });
        ctx.body = 'ok';
      });
      const events = await serve(app, async (url) => {
        const response = await fetch(url, { headers: { 'x-forwarded-for': '203.0.113.9' } });
        expect(await response.text()).toBe('ok');
        await captured;
      });
      expect(userOf(events, tag)).toEqual({
        id: 'u-late',
        username: 'late',
        email: 'late@example.com',
        ip_address: '203.0.113.9',
      });
    },
  );
});
