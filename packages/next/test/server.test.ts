import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  captureMessage,
  close,
  flush,
  getEventUser,
  mapAuthUser,
  onRequestError,
  registerX,
  setUser,
  withUser,
} from '../src/index';
import { startTestInbox, storedEvent, storedEvents } from './helpers';

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
let before = 0;
beforeAll(async () => {
  inbox = await startTestInbox();
});
afterAll(async () => {
  await close(2000);
  await inbox.dispose();
});

/** The demo-style getUser: a Bearer "token" that is simply the user id, and a session cookie. */
async function getUser(request: Request) {
  const bearer = request.headers.get('authorization')?.replace(/^Bearer /, '');
  const cookie = /session=([^;]+)/.exec(request.headers.get('cookie') ?? '')?.[1];
  const id = bearer ?? cookie;
  await new Promise((r) => setTimeout(r, Math.random() * 3));
  return id ? mapAuthUser({ user: { id, name: `name-${id}`, email: `${id}@example.com` } }) : null;
}

function register(trustProxy?: number) {
  registerX({
    dsn: inbox.dsn,
    sendDefaultPii: true,
    sendClientReports: false,
    getUser,
    trustProxy,
  });
}

async function newEvents() {
  expect(await flush(5000)).toBe(true);
  return (await storedEvents(inbox)).slice(before);
}

const request = (path: string, headers: Record<string, string> = {}) =>
  new Request(`http://shop.test${path}`, { headers: { host: 'shop.test', ...headers } });

beforeEach(async () => {
  before = (await storedEvents(inbox)).length;
});

describe('withUser (App Router route handlers)', () => {
  it('captures what the handler throws, once, with the user and the trusted IP; rethrows', async () => {
    register(1);
    const handler = withUser(async () => {
      throw new Error('route failed');
    });
    await expect(
      handler(
        request('/api/pay', {
          authorization: 'Bearer u1',
          'x-forwarded-for': '6.6.6.6, 203.0.113.7',
        }),
        {},
      ),
    ).rejects.toThrow('route failed');
    const events = await newEvents();
    expect(events.map((e) => [e.title, e.user_key])).toEqual([['Error: route failed', 'id:u1']]);
    expect(events[0]?.user).toMatchObject({
      id: 'u1',
      username: 'name-u1',
      email: 'u1@example.com',
      ip_address: '203.0.113.7',
    });
    const full = await storedEvent(inbox, events[0]?.id ?? '');
    expect(full.request).toMatchObject({ method: 'GET', url: 'http://shop.test/api/pay' });
    expect(full.transaction).toBe('GET /api/pay');
  });

  it('names the transaction after the route, dynamic segments included', async () => {
    register(1);
    const handler = withUser(async () => {
      throw new Error('dynamic route failed');
    });
    await expect(
      handler(request('/shops/acme/orders/42'), {
        params: Promise.resolve({ shop: 'acme', id: '42' }),
      }),
    ).rejects.toThrow('dynamic route failed');
    const catchAll = withUser(async () => {
      throw new Error('catch-all failed');
    });
    await expect(
      catchAll(request('/docs/a/b%20c'), { params: Promise.resolve({ slug: ['a', 'b c'] }) }),
    ).rejects.toThrow('catch-all failed');
    const events = await newEvents();
    const transactions = await Promise.all(
      events.map(async (e) => (await storedEvent(inbox, e.id)).transaction),
    );
    // Deliveries run in parallel: compare as a set.
    expect(transactions.sort()).toEqual(['GET /docs/[...slug]', 'GET /shops/[shop]/orders/[id]']);
  });

  it('keeps the host the request was sent to (Next names its own host in request.url)', async () => {
    register(1);
    const handler = withUser(async () => {
      throw new Error('host kept');
    });
    const sent = new Request('http://localhost:3004/api/where?q=1', {
      headers: { host: '127.0.0.1:3004' },
    });
    await expect(handler(sent, {})).rejects.toThrow('host kept');
    const [event] = await newEvents();
    const full = await storedEvent(inbox, event?.id ?? '');
    expect(full.request).toMatchObject({ url: 'http://127.0.0.1:3004/api/where' });
  });

  it('reads the URL only for a request something is captured in, and then the URL it had', async () => {
    register(1);
    let reads = 0;
    class CountedRequest extends Request {
      override get url() {
        reads++;
        return super.url;
      }
    }
    const handler = withUser(async (req: Request) => {
      if (new URL(req.headers.get('x-path') ?? '/', 'http://x').pathname === '/fail')
        throw new Error('lazy url');
      return new Response('ok');
    });
    const counted = (query: string, path: string) =>
      new CountedRequest(`http://shop.test/api/items?${query}`, {
        headers: { host: 'shop.test', 'x-path': path },
      });
    const answers = await Promise.all([
      handler(counted('n=1', '/ok'), {}),
      handler(counted('n=2', '/ok'), {}),
    ]);
    expect(await Promise.all(answers.map((a) => a.text()))).toEqual(['ok', 'ok']);
    expect(reads).toBe(0);
    await expect(handler(counted('n=3', '/fail'), {})).rejects.toThrow('lazy url');
    expect(reads).toBeGreaterThan(0);
    const [event] = await newEvents();
    const full = await storedEvent(inbox, event?.id ?? '');
    expect(full.request).toMatchObject({ url: 'http://shop.test/api/items', query_string: 'n=3' });
  });

  it('a wrapper made once follows the options registerX sets later (its merge is kept per registration)', async () => {
    register(1);
    const handler = withUser(async () => Response.json({ user: await getEventUser() }));
    const whoami = () =>
      handler(
        request('/whoami', { authorization: 'Bearer u7', 'x-forwarded-for': '203.0.113.9' }),
        {},
      );
    expect((await (await whoami()).json()).user).toMatchObject({
      id: 'u7',
      ip_address: '203.0.113.9',
    });
    // The same wrapper, after registerX changed trustProxy and getUser: the new ones apply.
    registerX({
      dsn: inbox.dsn,
      sendDefaultPii: true,
      sendClientReports: false,
      getUser: async () => ({ id: 'other' }),
    });
    const user = (await (await whoami()).json()).user;
    expect(user).toMatchObject({ id: 'other' });
    expect(user.ip_address).toBeUndefined();
  });

  it('believes no forwarded header without trustProxy', async () => {
    register(undefined);
    const handler = withUser(async () => Response.json({ user: await getEventUser() }));
    const res = await handler(
      request('/whoami', {
        'x-forwarded-for': '6.6.6.6',
        'x-real-ip': '6.6.6.6',
        'cf-connecting-ip': '6.6.6.6',
        'true-client-ip': '6.6.6.6',
      }),
      {},
    );
    expect(await res.json()).toEqual({ user: null });
  });

  it('setUser in a handler replaces the session user; setUser(null) clears it; the user comes from cookies too', async () => {
    register(1);
    const explicit = withUser(async () => {
      setUser({ email: 'override@example.com', plan: 'gold' });
      captureMessage('explicit');
      return new Response('ok');
    });
    const cleared = withUser(async () => {
      setUser(null);
      captureMessage('cleared');
      return new Response('ok');
    });
    const byDefault = withUser(async () => {
      captureMessage('default');
      return new Response('ok');
    });
    const headers = { cookie: 'session=u2', 'x-forwarded-for': '198.51.100.2' };
    await explicit(request('/x', headers), {});
    await cleared(request('/y', headers), {});
    await byDefault(request('/z', headers), {});
    const events = await newEvents();
    const userOf = (title: string) => events.find((e) => e.title === title)?.user;
    // Exactly what the handler set (custom data from it only), plus the request IP.
    expect(userOf('explicit')).toEqual({
      email: 'override@example.com',
      ip_address: '198.51.100.2',
      data: { plan: 'gold' },
      sentry_user: 'email:override@example.com',
    });
    expect(userOf('cleared')).toEqual({
      ip_address: '198.51.100.2',
      sentry_user: 'ip:198.51.100.2',
    });
    expect(userOf('default')).toMatchObject({
      id: 'u2',
      username: 'name-u2',
      email: 'u2@example.com',
      ip_address: '198.51.100.2',
    });
  });

  it('500 overlapping requests for 50 users, half throwing: each event carries its own user', async () => {
    register(1);
    const handler = withUser(async (req: Request) => {
      const url = new URL(req.url);
      await new Promise((r) => setTimeout(r, Number(url.searchParams.get('delay'))));
      if (url.searchParams.get('fail') === '1')
        throw new Error(`fail ${url.searchParams.get('n')}`);
      captureMessage(`ok ${url.searchParams.get('n')}`);
      return new Response('ok');
    });
    const expected = new Map<string, string>();
    await Promise.allSettled(
      Array.from({ length: 500 }, (_, n) => {
        const user = `c${n % 50}`;
        expected.set(String(n), `id:${user}`);
        const ip = `203.0.113.${n % 50}`;
        return handler(
          request(`/c?n=${n}&fail=${n % 2}&delay=${Math.floor(Math.random() * 15)}`, {
            authorization: `Bearer ${user}`,
            'x-forwarded-for': ip,
          }),
          {},
        );
      }),
    );
    const events = await newEvents();
    expect(events).toHaveLength(500);
    expect(events.filter((e) => e.title.startsWith('Error: fail'))).toHaveLength(250);
    for (const event of events) {
      const n = /(?:fail|ok) (\d+)/.exec(event.title)?.[1] ?? '';
      expect(event.user_key).toBe(expected.get(n));
      expect(event.user?.ip_address).toBe(`203.0.113.${Number(n) % 50}`);
    }
    // The URL is read when each error is captured, from that request: a sample of them.
    const failed = events.filter((e) => e.title.startsWith('Error: fail')).slice(0, 25);
    for (const event of failed) {
      const n = /fail (\d+)/.exec(event.title)?.[1];
      const full = await storedEvent(inbox, event.id);
      expect(full.request).toMatchObject({
        url: 'http://shop.test/c',
        query_string: expect.stringMatching(new RegExp(`^n=${n}&fail=1&`)),
      });
    }
  }, 60_000);
});

describe('onRequestError', () => {
  it('honours shouldCapture, with status 500 and the request', async () => {
    const seen: [number, string][] = [];
    registerX({
      dsn: inbox.dsn,
      sendClientReports: false,
      getUser,
      shouldCapture: (status, _error, req) => {
        seen.push([status, new URL(req.url).pathname]);
        return !new URL(req.url).pathname.startsWith('/quiet');
      },
    });
    const context = { routerKind: 'App Router', routePath: '/x', routeType: 'render' };
    await onRequestError(
      new Error('quiet'),
      { path: '/quiet', method: 'GET', headers: {} },
      context,
    );
    await onRequestError(new Error('loud'), { path: '/loud', method: 'GET', headers: {} }, context);
    expect(seen).toEqual([
      [500, '/quiet'],
      [500, '/loud'],
    ]);
    expect((await newEvents()).map((e) => e.title)).toEqual(['Error: loud']);
  });

  it('names an unwrapped server action by its action id, not by its page', async () => {
    register(1);
    await onRequestError(
      new Error('bare action'),
      { path: '/', method: 'POST', headers: { host: 'shop.test', 'next-action': '7f3a9c01d2' } },
      { routerKind: 'App Router', routePath: '/page', routeType: 'action' },
    );
    const [event] = await newEvents();
    const full = await storedEvent(inbox, event?.id ?? '');
    expect(full.transaction).toBe('serverAction/7f3a9c01d2');
  });

  it('captures with the route, router kind and the user from that request’s headers', async () => {
    register(1);
    const error = new Error('server component failed');
    await onRequestError(
      error,
      {
        path: '/profile?tab=1',
        method: 'GET',
        headers: { host: 'shop.test', cookie: 'session=u3', 'x-forwarded-for': '198.51.100.3' },
      },
      {
        routerKind: 'App Router',
        routePath: '/profile',
        routeType: 'render',
        renderSource: 'react-server-components',
      },
    );
    const [event] = await newEvents();
    expect(event?.title).toBe('Error: server component failed');
    expect(event?.user).toMatchObject({ id: 'u3', ip_address: '198.51.100.3' });
    const full = await storedEvent(inbox, event?.id ?? '');
    expect(full.tags).toMatchObject({
      'next.router_kind': 'App Router',
      'next.route_path': '/profile',
      'next.route_type': 'render',
    });
    expect(full.request).toMatchObject({ url: 'http://shop.test/profile', query_string: 'tab=1' });
  });

  it('does not send an error a wrapper captured already, nor Next’s redirects', async () => {
    register(1);
    const error = new Error('once');
    await withUser(async () => {
      throw error;
    })(request('/once'), {}).catch(() => undefined);
    await onRequestError(
      error,
      { path: '/once', method: 'GET', headers: {} },
      { routerKind: 'App Router', routePath: '/once', routeType: 'route' },
    );
    const redirect = Object.assign(new Error('NEXT_REDIRECT'), {
      digest: 'NEXT_REDIRECT;replace;/login;307;',
    });
    await onRequestError(
      redirect,
      { path: '/r', method: 'GET', headers: {} },
      { routerKind: 'App Router', routePath: '/r', routeType: 'render' },
    );
    expect((await newEvents()).map((e) => e.title)).toEqual(['Error: once']);
  });

  it('capture-once holds across realms (Next runs Edge routes in a sandbox with its own globals)', async () => {
    register(1);
    const error = new Error('edge once');
    await withUser(async () => {
      throw error;
    })(request('/edge/once'), {}).catch(() => undefined);
    // What another realm sees: the same error object, but not this realm's set of captured errors.
    const key = Symbol.for('@x/core.captured');
    const globals = globalThis as unknown as Record<symbol, unknown>;
    const ownSet = globals[key];
    delete globals[key];
    try {
      await onRequestError(
        error,
        { path: '/edge/once', method: 'GET', headers: {} },
        { routerKind: 'Pages Router', routePath: '/edge/once/route', routeType: 'route' },
      );
    } finally {
      globals[key] = ownSet;
    }
    expect((await newEvents()).map((e) => e.title)).toEqual(['Error: edge once']);
  });

  it('labels an Edge App Router route as App Router (Next says Pages Router) and names its route', async () => {
    register(1);
    await onRequestError(
      new Error('edge labels'),
      { path: '/edge/boom', method: 'GET', headers: { host: 'shop.test' } },
      { routerKind: 'Pages Router', routePath: '/edge/boom/route', routeType: 'route' },
    );
    const [event] = await newEvents();
    const full = await storedEvent(inbox, event?.id ?? '');
    expect(full.tags).toMatchObject({
      'next.router_kind': 'App Router',
      'next.route_path': '/edge/boom/route',
    });
    expect(full.transaction).toBe('GET /edge/boom');
  });
});

describe('registerX', () => {
  it('throws at start-up on a malformed trustProxy entry, naming it', () => {
    expect(() => registerX({ trustProxy: ['10.0.0.0/8', 'not-an-ip'] })).toThrow(/not-an-ip/);
  });
});
