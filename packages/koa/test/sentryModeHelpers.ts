// What the Sentry-mode tests share: the Koa app (koa-jwt, routes that throw, Sentry's Koa error
// handler; with or without @x's middleware), Sentry's real node transport to a real inbox with a
// copy of every envelope kept in memory, the burst of logged-in requests and its tally.
import * as Sentry from '@sentry/node';
import { type KoaMiddlewareOptions, koaMiddleware } from '@x/koa';
import type { StoredEvent } from '@x/test-kit/inbox';
import jsonwebtoken from 'jsonwebtoken';
import Koa from 'koa';
import jwt from 'koa-jwt';

/** Requests per burst: 1,200, or 120 on the runs that skip the packed tests (other Node versions). */
export const COUNT = process.env.X_PACKED_SKIP ? 120 : 1200;

const SECRET = 'sentry-mode-secret';
/** The three users of the bursts, as koa-jwt's claims. */
export const USERS = [
  { sub: 'u-ada', username: 'ada', email: 'ada@example.com' },
  { sub: 'u-bob', username: 'bob', email: 'bob@example.com' },
  { sub: 'u-cyd', username: 'cyd', email: 'cyd@example.com' },
] as const;
/** `Authorization` headers of the three users (signed once). */
export const BEARERS = USERS.map((user) => `Bearer ${jsonwebtoken.sign(user, SECRET)}`);

/** A sent envelope's items: `[header, payload]`. */
type Items = [{ type?: string }, unknown][];
/** What Sentry sent (a copy, beside the inbox): the payloads of one item type. */
export interface Sent {
  events: Record<string, unknown>[];
  spans: { name?: string; is_segment?: boolean; attributes?: Record<string, { value: unknown }> }[];
}

/**
 * Sentry's own node transport (to the inbox), with a copy of what it sends kept in `sent`.
 */
export function teeTransport(sent: Sent): NonNullable<Sentry.NodeOptions['transport']> {
  return (options) => {
    const transport = Sentry.makeNodeTransport(options);
    return {
      send(envelope) {
        for (const [header, payload] of envelope[1] as unknown as Items) {
          if (header.type === 'event') sent.events.push(payload as Record<string, unknown>);
          if (header.type === 'span') sent.spans.push(...((payload as { items: [] }).items ?? []));
        }
        return transport.send(envelope);
      },
      flush: (timeout) => transport.flush(timeout),
    };
  };
}

/** Sentry's init in these tests: the app's, plus a transport copy and room for a burst. */
export function sentryOptions(
  dsn: string,
  sent: Sent,
  options: Sentry.NodeOptions = {},
): Sentry.NodeOptions {
  return {
    dsn,
    transport: teeTransport(sent),
    // Sentry holds 64 events in flight by default and drops the rest of a burst of errors.
    transportOptions: { bufferSize: 10_000 },
    // No module-loader hooks in the test worker (Koa is imported before Sentry.init here).
    enableRuntimeChannelInjection: false,
    ...options,
  };
}

/** How the app is put together. */
export interface AppShape {
  /** Where @x's middleware goes; none: the app without @x. */
  x?: 'before-auth' | 'after-auth' | undefined;
  xOptions?: KoaMiddlewareOptions | undefined;
  /** Without @x: a middleware that calls `Sentry.setUser(ctx.state.user)`, and where. */
  sentryUser?: 'before-auth' | 'after-auth' | undefined;
  proxy?: boolean | undefined;
  maxIpsCount?: number | undefined;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The app: Sentry's Koa error handler, koa-jwt (`passthrough`: anonymous requests go on), @x's
 * middleware where `shape` says, and routes. `/boom?tag=&i=` throws `Error("boom <tag>-<i>")`
 * after a random pause; `/explicit` calls `Sentry.setUser` first; `/ip` answers `ctx.ip`.
 */
export function buildApp(shape: AppShape): Koa {
  const app = new Koa();
  app.silent = true;
  if (shape.proxy) app.proxy = true;
  if (shape.maxIpsCount) app.maxIpsCount = shape.maxIpsCount;
  Sentry.setupKoaErrorHandler(app);
  const auth = jwt({ secret: SECRET, passthrough: true });
  const x = koaMiddleware(shape.xOptions);
  const sentryUser: Koa.Middleware = (ctx, next) => {
    const user = ctx.state.user as { sub: string; username: string } | undefined;
    if (user) Sentry.setUser({ id: user.sub, username: user.username });
    return next();
  };
  if (shape.x === 'before-auth') app.use(x);
  if (shape.sentryUser === 'before-auth') app.use(sentryUser);
  app.use(auth);
  if (shape.x === 'after-auth') app.use(x);
  if (shape.sentryUser === 'after-auth') app.use(sentryUser);
  app.use(async (ctx) => {
    const { tag, i } = ctx.query;
    if (ctx.path === '/ip') {
      ctx.body = { ip: ctx.ip };
      return;
    }
    await pause(Math.random() * 3);
    if (ctx.path === '/explicit') Sentry.setUser({ id: `explicit-${i}`, segment: 'set-by-app' });
    throw new Error(`boom ${tag}-${i}`);
  });
  return app;
}

/** Request `i` of a burst: by user `i % 3`, or anonymous. */
export interface BurstRequest {
  path?: string;
  headers?: Record<string, string>;
}

/**
 * `count` requests to `url`, `concurrency` in flight: request `i` is `/boom?tag=<tag>&i=<i>` with
 * user `i % 3`'s token unless `request(i)` says otherwise. Resolves with the statuses.
 */
export async function burst(
  url: string,
  tag: string,
  count: number,
  request: (i: number) => BurstRequest = () => ({}),
  concurrency = 64,
): Promise<number[]> {
  const statuses: number[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const { path = '/boom', headers = { authorization: BEARERS[i % 3] as string } } = request(i);
      const res = await fetch(`${url}${path}?tag=${tag}&i=${i}`, { headers });
      await res.arrayBuffer();
      statuses[i] = res.status;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

/** How the events of a burst came out, per request. */
export interface Tally {
  own: number;
  foreign: number;
  none: number;
  lost: number;
  duplicates: number;
}

/**
 * Sorts the inbox's events of burst `tag` by request (`boom <tag>-<i>` in the title): the request
 * whose event carries `expected(i)` as `user.id` counts as own, another id as foreign, no id as
 * none; a request without an event as lost, one with more as duplicates.
 */
export function tally(
  events: readonly StoredEvent[],
  tag: string,
  count: number,
  expected: (i: number) => string | undefined = (i) => USERS[i % 3]?.sub,
): Tally {
  const byRequest = new Map<number, StoredEvent[]>();
  const pattern = new RegExp(`boom ${tag}-(\\d+)$`);
  for (const event of events) {
    const match = pattern.exec(event.title);
    if (!match) continue;
    const i = Number(match[1]);
    byRequest.set(i, [...(byRequest.get(i) ?? []), event]);
  }
  const out: Tally = { own: 0, foreign: 0, none: 0, lost: 0, duplicates: 0 };
  for (let i = 0; i < count; i++) {
    const [event, ...more] = byRequest.get(i) ?? [];
    out.duplicates += more.length;
    if (!event) {
      out.lost++;
      continue;
    }
    const id = event.user?.id;
    if (id === undefined) out.none++;
    else if (id === expected(i)) out.own++;
    else out.foreign++;
  }
  return out;
}
