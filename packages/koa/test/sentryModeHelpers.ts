// What the Koa Sentry-mode tests share beyond @x/test-kit/sentry-mode: the Koa app (koa-jwt,
// routes that throw, Sentry's Koa error handler; with or without @x's middleware), the users'
// tokens for it and @sentry/node's init to a test inbox.
import * as Sentry from '@sentry/node';
import { type KoaMiddlewareOptions, koaMiddleware } from '@x/koa';
import { bearers, burstWith, sentryTestOptions, sentryWithInbox } from '@x/test-kit/sentry-mode';
import jsonwebtoken from 'jsonwebtoken';
import Koa from 'koa';
import jwt from 'koa-jwt';

const SECRET = 'sentry-mode-secret';
/** `Authorization` headers of the three users (@x/test-kit/sentry-mode's `USERS`), as JWTs. */
export const BEARERS = bearers((user) => jsonwebtoken.sign(user, SECRET));
/** A burst of requests of the three users (see @x/test-kit/sentry-mode's `Burst`). */
export const burst = burstWith(BEARERS);

/**
 * For the calling test file: @sentry/node inited with `options` to a test inbox (see
 * `sentryWithInbox`); no module-loader hooks in the test worker (Koa is imported before
 * Sentry.init here).
 */
export const sentryToInbox = (options: Sentry.NodeOptions = {}) =>
  sentryWithInbox(Sentry, (dsn, sent) => {
    const app = { enableRuntimeChannelInjection: false, ...options };
    Sentry.init(sentryTestOptions(Sentry.makeNodeTransport, dsn, sent, app));
  });

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
