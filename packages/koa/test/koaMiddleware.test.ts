import Router from '@koa/router';
import {
  captureMessage,
  close,
  flush,
  getEventUser,
  init,
  koaMiddleware,
  SDK_VERSION,
  setUser,
} from '@x/koa';
import jsonwebtoken from 'jsonwebtoken';
import Koa from 'koa';
import jwt from 'koa-jwt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listen, startTestInbox, storedEvent, storedEvents } from './helpers';

const SECRET = 'test-secret';
const token = (claims: Record<string, unknown>) => jsonwebtoken.sign(claims, SECRET);
const alice = { sub: 'u-alice', username: 'alice', email: 'alice@example.com' };

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
beforeAll(async () => {
  inbox = await startTestInbox();
});
afterAll(() => inbox.dispose());
beforeEach(() => {
  init({ dsn: inbox.dsn, sendDefaultPii: true, sendClientReports: false });
});
afterEach(() => close(2000));

/** The events stored since the test began. */
async function newEvents(before: number) {
  expect(await flush(5000)).toBe(true);
  return (await storedEvents(inbox)).slice(before);
}

function routes(router: Router) {
  router.get('/boom', () => {
    throw new Error('boom');
  });
  router.get('/async-boom', async () => {
    await new Promise((r) => setTimeout(r, 5));
    throw new Error('async boom');
  });
  router.get('/forbidden', (ctx) => ctx.throw(403, 'no'));
  router.get('/explicit', () => {
    setUser({ email: 'override@example.com', plan: 'gold' });
    throw new Error('explicit');
  });
  router.get('/cleared', () => {
    setUser(null);
    throw new Error('cleared');
  });
  router.get('/whoami', async (ctx) => {
    ctx.body = { user: await getEventUser() };
  });
  router.get('/message', (ctx) => {
    ctx.body = { id: captureMessage('hello') };
  });
  return router.routes();
}

function app(order: 'auth-first' | 'x-first', options: Parameters<typeof koaMiddleware>[0] = {}) {
  const koa = new Koa();
  koa.silent = true;
  const auth = jwt({ secret: SECRET, passthrough: true });
  if (order === 'auth-first') koa.use(auth).use(koaMiddleware(options));
  else koa.use(koaMiddleware(options)).use(auth);
  koa.use(routes(new Router()));
  return koa;
}

describe('@x/koa: the user', () => {
  it.each(['x-first', 'auth-first'] as const)('comes from koa-jwt (%s)', async (order) => {
    const before = (await storedEvents(inbox)).length;
    const server = await listen(app(order));
    const res = await fetch(`${server.url}/boom`, {
      headers: { authorization: `Bearer ${token(alice)}` },
    });
    expect(res.status).toBe(500);
    await server.close();
    const [event] = await newEvents(before);
    expect(event?.title).toBe('Error: boom');
    // The route @koa/router matched, not the raw URL.
    expect((await storedEvent(inbox, event?.id ?? '')).transaction).toBe('GET /boom');
    expect(event?.user).toMatchObject({
      id: 'u-alice',
      username: 'alice',
      email: 'alice@example.com',
      ip_address: '127.0.0.1',
    });
  });

  it('setUser in a handler replaces the login user: exactly what it set, plus the request IP', async () => {
    const before = (await storedEvents(inbox)).length;
    const server = await listen(app('x-first'));
    await fetch(`${server.url}/explicit`, { headers: { authorization: `Bearer ${token(alice)}` } });
    await fetch(`${server.url}/cleared`, { headers: { authorization: `Bearer ${token(alice)}` } });
    await server.close();
    // Events are built asynchronously and may arrive in either order: find them by title.
    const events = await newEvents(before);
    const explicit = events.find((e) => e.title === 'Error: explicit');
    const cleared = events.find((e) => e.title === 'Error: cleared');
    // The seeds' pattern: the middleware's user is the default; the handler's setUser wins whole.
    expect(explicit?.user).toEqual({
      email: 'override@example.com',
      ip_address: '127.0.0.1',
      data: { plan: 'gold' },
      sentry_user: 'email:override@example.com',
    });
    // setUser(null): no id, username or email; the request IP still, as Sentry's request data.
    expect(cleared?.user).toEqual({ ip_address: '127.0.0.1', sentry_user: 'ip:127.0.0.1' });
  });

  it('a getUser that throws leaves the event without that user, and the response unchanged', async () => {
    const before = (await storedEvents(inbox)).length;
    const server = await listen(
      app('x-first', {
        getUser: () => {
          throw new Error('mapping bug');
        },
      }),
    );
    const res = await fetch(`${server.url}/boom`, {
      headers: { authorization: `Bearer ${token(alice)}` },
    });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('Internal Server Error');
    const ok = await fetch(`${server.url}/whoami`);
    expect(await ok.json()).toEqual({ user: { ip_address: '127.0.0.1' } });
    await server.close();
    const [event] = await newEvents(before);
    expect(event?.user).toEqual({ ip_address: '127.0.0.1', sentry_user: 'ip:127.0.0.1' });
  });

  it('without sendDefaultPii: no IP and no auth email', async () => {
    init({ dsn: inbox.dsn, sendClientReports: false });
    const server = await listen(app('x-first'));
    const anon = await (await fetch(`${server.url}/whoami`)).json();
    const authed = await (
      await fetch(`${server.url}/whoami`, { headers: { authorization: `Bearer ${token(alice)}` } })
    ).json();
    await server.close();
    expect(anon).toEqual({ user: null });
    expect(authed).toEqual({ user: { id: 'u-alice', username: 'alice' } });
  });
});

describe('@x/koa: the client IP', () => {
  const xff = { 'x-forwarded-for': '203.0.113.50' };

  it('X-Forwarded-For is ignored without app.proxy', async () => {
    const koa = app('x-first');
    const server = await listen(koa);
    const body = await (await fetch(`${server.url}/whoami`, { headers: xff })).json();
    await server.close();
    expect(body).toEqual({ user: { ip_address: '127.0.0.1' } });
  });

  it('X-Forwarded-For is honoured with app.proxy, as Koa decides', async () => {
    const koa = app('x-first');
    koa.proxy = true;
    const before = (await storedEvents(inbox)).length;
    const server = await listen(koa);
    const body = await (await fetch(`${server.url}/whoami`, { headers: xff })).json();
    await fetch(`${server.url}/boom`, { headers: xff });
    await server.close();
    expect(body).toEqual({ user: { ip_address: '203.0.113.50' } });
    const [event] = await newEvents(before);
    expect(event?.user).toMatchObject({ ip_address: '203.0.113.50' });
    const full = await storedEvent(inbox, event?.id ?? '');
    expect(full.request?.env).toEqual({ REMOTE_ADDR: '203.0.113.50' });
    // `init` from @x/koa names the adapter, as @x/nest and @x/next do.
    expect(full.sdk).toMatchObject({ name: 'x.javascript.koa', version: SDK_VERSION });
  });
});

describe('@x/koa: capture', () => {
  it('each escaped error is captured exactly once, even when rethrown by outer middleware', async () => {
    const before = (await storedEvents(inbox)).length;
    const koa = new Koa();
    koa.silent = true;
    const errors: unknown[] = [];
    koa.on('error', (err) => errors.push(err));
    koa.use(koaMiddleware()); // outer
    const logged: unknown[] = [];
    koa.use(async (_ctx, next) => {
      try {
        await next();
      } catch (err) {
        logged.push(err); // a logging middleware that rethrows
        throw err;
      }
    });
    koa.use(koaMiddleware()); // registered twice by mistake
    koa.use(routes(new Router()));
    const server = await listen(koa);
    const res = await fetch(`${server.url}/async-boom`);
    await server.close();
    expect(res.status).toBe(500);
    const events = await newEvents(before);
    expect(events.map((e) => e.title)).toEqual(['Error: async boom']);
    expect(errors).toHaveLength(1); // Koa's own error handling still ran
    expect(logged).toEqual(errors);
  });

  it('reads ctx.href only for a request an error is captured in: the event has it, the answers are unchanged', async () => {
    const before = (await storedEvents(inbox)).length;
    const koa = app('x-first');
    const koaHref = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(koa.request), 'href');
    let reads = 0;
    Object.defineProperty(koa.request, 'href', {
      get() {
        reads++;
        return koaHref?.get?.call(this);
      },
    });
    const server = await listen(koa);
    const answers = [];
    for (const path of ['/whoami', '/forbidden', '/boom?page=2']) {
      const res = await fetch(`${server.url}${path}`);
      answers.push([res.status, await res.text()]);
    }
    await server.close();
    expect(answers).toEqual([
      [200, '{"user":{"ip_address":"127.0.0.1"}}'],
      [403, 'no'],
      [500, 'Internal Server Error'],
    ]);
    expect(reads).toBe(1);
    const events = await newEvents(before);
    expect(events).toHaveLength(1);
    expect((await storedEvent(inbox, events[0]?.id ?? '')).request).toMatchObject({
      url: `${server.url}/boom`,
      query_string: 'page=2',
    });
  });

  it('50 overlapping requests that throw after an await: each event has its own request’s URL', async () => {
    const before = (await storedEvents(inbox)).length;
    const server = await listen(app('x-first'));
    const statuses = await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        fetch(`${server.url}/async-boom?n=${n}`).then((res) => res.status),
      ),
    );
    await server.close();
    expect(new Set(statuses)).toEqual(new Set([500]));
    const events = await newEvents(before);
    const queries = await Promise.all(
      events.map(
        async (e) =>
          ((await storedEvent(inbox, e.id)).request as { query_string?: string } | undefined)
            ?.query_string,
      ),
    );
    expect(queries.sort()).toEqual(Array.from({ length: 50 }, (_, n) => `n=${n}`).sort());
  });

  it('4xx is not captured by default; shouldCapture can change that', async () => {
    const before = (await storedEvents(inbox)).length;
    const server = await listen(app('x-first'));
    expect((await fetch(`${server.url}/forbidden`)).status).toBe(403);
    await server.close();
    expect(await newEvents(before)).toEqual([]);
    const all = await listen(app('x-first', { shouldCapture: () => true }));
    expect((await fetch(`${all.url}/forbidden`)).status).toBe(403);
    await all.close();
    expect((await newEvents(before)).map((e) => e.title)).toEqual(['ForbiddenError: no']);
  });

  it('shouldCapture gets the status, the error and the request ctx', async () => {
    const before = (await storedEvents(inbox)).length;
    const seen: [number, string][] = [];
    const server = await listen(
      app('x-first', {
        shouldCapture: (status, _error, ctx) => {
          seen.push([status, ctx.path]);
          return ctx.path === '/forbidden';
        },
      }),
    );
    expect((await fetch(`${server.url}/forbidden`)).status).toBe(403);
    expect((await fetch(`${server.url}/boom`)).status).toBe(500);
    await server.close();
    expect(seen).toEqual([
      [403, '/forbidden'],
      [500, '/boom'],
    ]);
    expect((await newEvents(before)).map((e) => e.title)).toEqual(['ForbiddenError: no']);
  });

  it('captureMessage in a handler carries the request user', async () => {
    const before = (await storedEvents(inbox)).length;
    const server = await listen(app('auth-first'));
    const res = await fetch(`${server.url}/message`, {
      headers: { authorization: `Bearer ${token(alice)}` },
    });
    const { id } = (await res.json()) as { id: string };
    await server.close();
    const [event] = await newEvents(before);
    expect(event?.id).toBe(id);
    expect(event?.user_key).toBe('id:u-alice');
  });
});

describe('@x/koa: isolation under concurrency', () => {
  it('500 overlapping requests for 50 users, half throwing: every event carries its own user', async () => {
    const before = (await storedEvents(inbox)).length;
    const koa = new Koa();
    koa.silent = true;
    koa.use(koaMiddleware());
    koa.use(jwt({ secret: SECRET, passthrough: true }));
    koa.use(async (ctx) => {
      const delay = Number(ctx.query.delay);
      await new Promise((r) => setTimeout(r, delay));
      if (ctx.query.fail === '1') throw new Error(`fail for ${ctx.state.user?.sub}`);
      await Promise.resolve();
      ctx.body = { sub: ctx.state.user?.sub };
    });
    const server = await listen(koa);
    const tokens = Array.from({ length: 50 }, (_, u) =>
      token({ sub: `user-${u}`, username: `name-${u}` }),
    );
    const results = await Promise.all(
      Array.from({ length: 500 }, async (_, i) => {
        const fail = i % 2 === 0;
        const res = await fetch(
          `${server.url}/?delay=${Math.floor(Math.random() * 20)}&fail=${fail ? 1 : 0}`,
          {
            headers: { authorization: `Bearer ${tokens[i % 50]}` },
          },
        );
        await res.arrayBuffer();
        return { status: res.status, fail };
      }),
    );
    await server.close();
    expect(results.filter((r) => r.status === 500)).toHaveLength(250);
    const events = await newEvents(before);
    expect(events).toHaveLength(250);
    for (const event of events) {
      const sub = /fail for (user-\d+)/.exec(event.title)?.[1];
      expect(sub).toBeDefined();
      expect(event.user_key).toBe(`id:${sub}`);
      expect(event.user).toMatchObject({ id: sub, username: `name-${sub?.slice(5)}` });
    }
  }, 60_000);
});
