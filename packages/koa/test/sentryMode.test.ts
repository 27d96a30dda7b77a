// Sentry mode on a real Koa server: the app runs the real @sentry/node 11 (`Sentry.init` with
// `xUserIntegration()`, `Sentry.setupKoaErrorHandler(app)`, Sentry's default integrations and
// transport) and @x/koa's middleware; @x is never `init`ed. Sentry sends to a real inbox; a copy of
// every envelope is kept in memory.
import * as Sentry from '@sentry/node';
import { getClient, getEventUser, koaMiddleware, mapAuthUser } from '@x/koa';
import { xUserIntegration } from '@x/koa/sentry';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, startTestInbox, storedEvents } from './helpers';
import {
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
  Sentry.init(sentryOptions(inbox.dsn, sent, { integrations: [xUserIntegration()] }));
});
afterAll(async () => {
  await Sentry.close(5000);
  await inbox.dispose();
});

/** Runs `fn` against a server of `app`, then flushes Sentry; the inbox's events of the run. */
async function serve(app: Koa, fn: (url: string) => Promise<unknown>) {
  const server = await listen(app);
  try {
    await fn(server.url);
  } finally {
    await server.close();
  }
  expect(await Sentry.flush(30_000)).toBe(true);
  return storedEvents(inbox);
}

/** The stored user of the one event whose title ends with `boom <tag>-<i>`. */
function userOf(events: Awaited<ReturnType<typeof storedEvents>>, tag: string, i = 0) {
  const matching = events.filter((e) => e.title.endsWith(`boom ${tag}-${i}`));
  expect(matching).toHaveLength(1);
  const { sentry_user: _key, ...user } = matching[0]?.user ?? {};
  return matching[0]?.user ? user : null;
}

describe('Sentry mode (Koa): every Sentry event carries its own request’s user', () => {
  it.each(['before-auth', 'after-auth'] as const)(
    `${COUNT} overlapping requests of 3 users that throw, @x's middleware %s: 0 foreign, 0 duplicates, nothing lost`,
    async (x) => {
      const tag = `burst-${x}`;
      const before = sent.events.length;
      const events = await serve(buildApp({ x }), async (url) => {
        const statuses = await burst(url, tag, COUNT);
        expect(new Set(statuses)).toEqual(new Set([500]));
      });
      const outcome = tally(events, tag, COUNT);
      console.log(`Sentry mode, @x ${x}, ${COUNT} requests:`, JSON.stringify(outcome));
      expect(outcome).toEqual({ own: COUNT, foreign: 0, none: 0, lost: 0, duplicates: 0 });
      // One event per request, each Sentry's own: @x sent nothing.
      const mine = sent.events.slice(before);
      expect(mine).toHaveLength(COUNT);
      expect(new Set(mine.map((e) => (e.sdk as { name?: string }).name))).toEqual(
        new Set(['sentry.javascript.node']),
      );
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
    expect(tally(events, tag, count)).toEqual({
      own: count,
      foreign: 0,
      none: 0,
      lost: 0,
      duplicates: 0,
    });
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
