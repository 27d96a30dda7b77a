import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import jsonwebtoken from 'jsonwebtoken';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { flush } from '../src/index.js';
import {
  AppFilter,
  appModule,
  RouteFilterController,
  ScopedFilterController,
  SECRET,
  TestController,
} from './app.js';
import { startTestInbox, storedEvent, storedEvents } from './helpers.js';

const token = (sub: string, extra: Record<string, unknown> = {}) =>
  jsonwebtoken.sign(
    { sub, username: `name-${sub}`, email: `${sub}@example.com`, ...extra },
    SECRET,
  );

let inbox: Awaited<ReturnType<typeof startTestInbox>>;
beforeAll(async () => {
  inbox = await startTestInbox();
});
afterAll(() => inbox.dispose());

type Platform = 'express' | 'fastify';

async function createApp(platform: Platform, { appFilter = false, trustProxy = false } = {}) {
  const moduleRef = await Test.createTestingModule({
    imports: [appModule({ dsn: inbox.dsn, sendDefaultPii: true, sendClientReports: false })],
  }).compile();
  const adapter =
    platform === 'express' ? new ExpressAdapter() : new FastifyAdapter({ trustProxy });
  const app = moduleRef.createNestApplication(adapter, { logger: false });
  if (platform === 'express' && trustProxy)
    (app as unknown as { set(k: string, v: unknown): void }).set('trust proxy', true);
  if (appFilter) app.useGlobalFilters(new AppFilter());
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  return { app, url };
}

describe.each(['express', 'fastify'] as Platform[])('@x/nest on %s', (platform) => {
  let app: INestApplication;
  let url: string;
  let before = 0;
  beforeAll(async () => {
    ({ app, url } = await createApp(platform));
  });
  afterAll(() => app.close());
  afterEach(async () => {
    before = (await storedEvents(inbox)).length;
  });

  async function newEvents() {
    expect(await flush(5000)).toBe(true);
    return (await storedEvents(inbox)).slice(before);
  }
  const get = (path: string, sub?: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      headers: { ...headers, ...(sub ? { authorization: `Bearer ${token(sub)}` } : {}) },
    });

  it('captures a plain error once, with the guard’s user; the response is Nest’s own', async () => {
    before = (await storedEvents(inbox)).length;
    const res = await get('/boom', 'u1');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ statusCode: 500, message: 'Internal server error' });
    const events = await newEvents();
    expect(events.map((e) => e.title)).toEqual(['Error: boom']);
    // The route the platform matched (Express `req.route.path`, Fastify `routeOptions.url`).
    expect((await storedEvent(inbox, events[0]?.id ?? '')).transaction).toBe('GET /boom');
    expect(events[0]?.user).toMatchObject({
      id: 'u1',
      username: 'name-u1',
      email: 'u1@example.com',
      ip_address: '127.0.0.1',
    });
  });

  it('builds the request URL only for a request something is captured in; the event has it', async () => {
    before = (await storedEvents(inbox)).length;
    // Express's request prototype: count what building a URL reads (Fastify's middleware gets
    // Node's own request, which has no `protocol`).
    const proto =
      platform === 'express'
        ? (app.getHttpAdapter().getInstance() as { request: object }).request
        : undefined;
    const own = proto && Object.getOwnPropertyDescriptor(Object.getPrototypeOf(proto), 'protocol');
    let reads = 0;
    if (proto)
      Object.defineProperty(proto, 'protocol', {
        configurable: true,
        get() {
          reads++;
          return own?.get?.call(this);
        },
      });
    try {
      expect((await get('/forbidden', 'u1')).status).toBe(403);
      expect((await get('/boom?page=2', 'u1')).status).toBe(500);
    } finally {
      if (proto) Reflect.deleteProperty(proto, 'protocol');
    }
    if (proto) expect(reads).toBe(1);
    const events = await newEvents();
    expect(events).toHaveLength(1);
    expect((await storedEvent(inbox, events[0]?.id ?? '')).request).toMatchObject({
      url: `${url}/boom`,
      query_string: 'page=2',
    });
  });

  it('captures an HttpException of 5xx; not 4xx', async () => {
    expect((await get('/http500', 'u2')).status).toBe(502);
    expect((await get('/forbidden', 'u2')).status).toBe(403);
    expect((await get('/bad', 'u2')).status).toBe(400);
    const events = await newEvents();
    expect(events.map((e) => [e.title, e.user_key])).toEqual([
      ['HttpException: upstream broke', 'id:u2'],
    ]);
  });

  it('setUser in a handler replaces the guard’s user for that request; setUser(null) clears it', async () => {
    expect((await get('/explicit', 'u3')).status).toBe(500);
    expect((await get('/cleared', 'u3')).status).toBe(500);
    expect((await get('/boom', 'u3')).status).toBe(500);
    // Events are built asynchronously and may arrive in any order: find them by title.
    const events = await newEvents();
    const explicit = events.find((e) => e.title === 'Error: explicit');
    const cleared = events.find((e) => e.title === 'Error: cleared');
    const next = events.find((e) => e.title === 'Error: boom');
    // Exactly what the handler set (custom data from it only), plus the request IP.
    expect(explicit?.user).toEqual({
      email: 'override@example.com',
      ip_address: '127.0.0.1',
      data: { plan: 'gold' },
      sentry_user: 'email:override@example.com',
    });
    expect(cleared?.user).toEqual({ ip_address: '127.0.0.1', sentry_user: 'ip:127.0.0.1' });
    // The next request has its login user again.
    expect(next?.user).toMatchObject({ id: 'u3', username: 'name-u3' });
  });

  it('@UserMapping changes the mapping for a route; @SkipCapture skips it', async () => {
    expect((await get('/mapped', 'u4')).status).toBe(500);
    expect((await get('/skipped', 'u4')).status).toBe(500);
    const events = await newEvents();
    expect(events.map((e) => e.title)).toEqual(['Error: mapped']);
    expect(events[0]?.user).toMatchObject({ id: 'mapped:u4', data: { team: 'blue' } });
  });

  it('reads a route’s mapping once per handler and controller: an inherited handler keeps each subclass’s own', async () => {
    const reflector = app.get(Reflector);
    const read = vi.spyOn(reflector, 'getAllAndOverride');
    try {
      for (const sub of ['u1', 'u2', 'u3']) {
        expect((await get('/team-a', sub)).status).toBe(500);
        expect((await get('/team-b', sub)).status).toBe(500);
      }
      const events = await newEvents();
      expect(events.map((e) => e.user?.id)).toEqual([
        'a:u1',
        'b:u1',
        'a:u2',
        'b:u2',
        'a:u3',
        'b:u3',
      ]);
      // Two keys (the mapping, the skip) per route, whatever the number of errors.
      expect(read.mock.calls.length).toBeLessThanOrEqual(4);
    } finally {
      read.mockRestore();
    }
  });

  it('an error a controller- or route-scoped filter answers is still captured, once, with the user', async () => {
    for (const path of ['/scoped', '/route-filter', '/route-filter/none']) {
      const res = await get(path, 'u9');
      expect(res.status).toBe(500);
      if (path !== '/route-filter/none')
        expect(await res.json()).toEqual({ handledBy: 'ScopedFilter' });
    }
    const events = await newEvents();
    expect(events.map((e) => [e.title, e.user_key]).sort()).toEqual([
      ['Error: controller-scoped filter', 'id:u9'],
      ['Error: no scoped filter', 'id:u9'],
      ['Error: route-scoped filter', 'id:u9'],
    ]);
  });

  it('only controllers and routes with their own filters run an interceptor (it costs rxjs per request)', () => {
    const interceptors = (target: object) =>
      ((Reflect.getMetadata(INTERCEPTORS_METADATA, target) ?? []) as unknown[]).map(
        (entry) => (entry as object).constructor.name,
      );
    expect(interceptors(ScopedFilterController)).toEqual(['XInterceptor']);
    expect(interceptors(RouteFilterController.prototype.get)).toEqual(['XInterceptor']);
    expect(interceptors(RouteFilterController)).toEqual([]);
    expect(interceptors(RouteFilterController.prototype.none)).toEqual([]);
    expect(interceptors(TestController)).toEqual([]);
  });

  it('an error thrown in a guard is captured by the filter, once', async () => {
    const res = await get('/guarded', 'u5');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ statusCode: 500, message: 'Internal server error' });
    const events = await newEvents();
    expect(events.map((e) => [e.title, e.user_key])).toEqual([
      ['Error: guard crashed', 'ip:127.0.0.1'],
    ]);
  });

  it('captureMessage in a handler carries the request user', async () => {
    const { id } = (await (await get('/report', 'u6')).json()) as { id: string };
    const events = await newEvents();
    expect(events.map((e) => [e.id, e.user_key])).toEqual([[id, 'id:u6']]);
  });

  it('a background handler’s events carry its own user, not the last request’s', async () => {
    expect((await get('/job?owner=job-owner', 'u7')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    await get('/report', 'u8');
    const events = await newEvents();
    const job = events.find((e) => e.title === 'Error: invoice job failed');
    expect(job?.user).toEqual({ id: 'job-owner', sentry_user: 'id:job-owner' });
  });

  it('X-Forwarded-For is ignored without trust proxy', async () => {
    await get('/boom', 'u9', { 'x-forwarded-for': '203.0.113.5' });
    const [event] = await newEvents();
    expect(event?.user).toMatchObject({ ip_address: '127.0.0.1' });
  });

  it('500 overlapping requests for 50 users, half throwing: every event carries its own user', async () => {
    const results = await Promise.all(
      Array.from({ length: 500 }, async (_, i) => {
        const sub = `c${i % 50}`;
        const path = i % 2 === 0 ? `/boom?delay=${1 + Math.floor(Math.random() * 20)}` : '/report';
        const res = await get(path, sub);
        const body = (await res.json()) as { id?: string };
        return { sub, status: res.status, id: body.id };
      }),
    );
    expect(results.filter((r) => r.status === 500)).toHaveLength(250);
    const events = await newEvents();
    expect(events).toHaveLength(500);
    const reportUsers = new Map(results.filter((r) => r.id).map((r) => [r.id, r.sub]));
    const boomsPerUser = new Map<string, number>();
    for (const event of events) {
      if (event.title === 'Error: async boom') {
        boomsPerUser.set(event.user_key ?? '', (boomsPerUser.get(event.user_key ?? '') ?? 0) + 1);
      } else {
        expect(event.user_key).toBe(`id:${reportUsers.get(event.id)}`);
      }
    }
    // Each of the 50 users threw 5 times (the even requests of its stride).
    expect([...boomsPerUser.entries()].sort()).toEqual(
      Array.from({ length: 50 }, (_, u) => [`id:c${u}`, u % 2 === 0 ? 10 : 0] as [string, number])
        .filter(([, n]) => n > 0)
        .sort(),
    );
  }, 60_000);
});

describe.each(['express', 'fastify'] as Platform[])(
  '@x/nest on %s with the app’s own filter and trust proxy',
  (platform) => {
    let app: INestApplication;
    let url: string;
    beforeAll(async () => {
      ({ app, url } = await createApp(platform, { appFilter: true, trustProxy: true }));
    });
    afterAll(() => app.close());

    it('an app-defined global filter still answers, and the error is captured once', async () => {
      const before = (await storedEvents(inbox)).length;
      AppFilter.seen = [];
      const res = await fetch(`${url}/boom`, {
        headers: { authorization: `Bearer ${token('f1')}` },
      });
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ handledBy: 'AppFilter', status: 500 });
      const guard = await fetch(`${url}/guarded`);
      expect(await guard.json()).toEqual({ handledBy: 'AppFilter', status: 500 });
      expect(AppFilter.seen).toHaveLength(2);
      expect(await flush(5000)).toBe(true);
      const events = (await storedEvents(inbox)).slice(before);
      expect(events.map((e) => [e.title, e.user_key])).toEqual([
        ['Error: boom', 'id:f1'],
        ['Error: guard crashed', 'ip:127.0.0.1'],
      ]);
    });

    it('X-Forwarded-For is believed when the platform trusts the proxy (req.ip)', async () => {
      const before = (await storedEvents(inbox)).length;
      await fetch(`${url}/boom`, { headers: { 'x-forwarded-for': '203.0.113.5' } });
      expect(await flush(5000)).toBe(true);
      const [event] = (await storedEvents(inbox)).slice(before);
      expect(event?.user).toMatchObject({ ip_address: '203.0.113.5' });
    });
  },
);
