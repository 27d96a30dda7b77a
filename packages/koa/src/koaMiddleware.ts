import { type GetUser, mapAuthUser, type ShouldCapture } from '@x/core';
import { type RequestDescription, runRequestCapturing } from '@x/core/internal';
import { withSentryMode } from '@x/core/sentry';
import type { Context, Middleware, Next } from 'koa';

/** Options of {@link koaMiddleware}. */
export interface KoaMiddlewareOptions {
  /**
   * Maps the request to its user. Called lazily, when an event is built, so
   * it sees `ctx.state.user` whether the auth middleware runs before or after
   * this one. @default `mapAuthUser(ctx.state.user)`: `id`/`sub`, `username`/`name`, `email`
   */
  getUser?: GetUser<Context> | undefined;
  /**
   * Which escaped errors to capture, by the status Koa will answer with (`err.status`, else
   * 500) and the request's `ctx`.
   * @default status >= 500
   */
  shouldCapture?: ShouldCapture<Context> | undefined;
}

/**
 * Koa middleware that gives every request its own isolation scope, records
 * the request, takes the client IP from `ctx.ip` (so Koa's `app.proxy`,
 * `proxyIpHeader` and `maxIpsCount` decide whether `X-Forwarded-For` counts),
 * registers a lazy user resolver over `ctx.state.user`, and captures errors
 * that escape downstream — once — before letting Koa handle them as before.
 * Register it first, before routes and auth.
 *
 * @example
 * import { init, koaMiddleware } from '@x/koa';
 * init({ dsn: process.env.X_DSN });
 * app.use(koaMiddleware());
 * app.use(jwt({ secret, passthrough: true })); // sets ctx.state.user
 * app.use(router.routes());
 */
export function koaMiddleware(options: KoaMiddlewareOptions = {}): Middleware {
  const getUser = options.getUser ?? ((ctx: Context) => mapAuthUser(ctx.state?.user));

  /** The request, described when something asks (in Sentry mode, only for an event). */
  const describe = (ctx: Context): RequestDescription => ({
    method: ctx.method,
    // Koa builds `href` from the host and protocol headers: only for a request something is
    // captured in.
    url: () => ctx.href,
    headers: ctx.headers,
    clientIp: () => ctx.ip,
    getUser: () => getUser(ctx),
    // Set by @koa/router once a route matched (`/boom/:id`); read when an event is built.
    route: () => {
      const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      return typeof matched === 'string' ? matched : undefined;
    },
  });

  return untracedLayer(function xKoaMiddleware(ctx: Context, next: Next) {
    return runRequestCapturing(
      () => describe(ctx),
      { mechanism: 'koa', shouldCapture: options.shouldCapture, unit: ctx },
      // Sentry mode (`xUserIntegration` in Sentry.init): the request is tied to Sentry's events.
      withSentryMode(next),
    );
  });
}

/**
 * The description of the symbol with which OpenTelemetry's Koa instrumentation (and the copy of
 * it in `@sentry/node` 10) marks a middleware it has wrapped already: it skips a middleware whose
 * property under that symbol is `true`. The symbol itself is private to the instrumentation.
 */
const KOA_LAYER_PATCHED = 'koa-layer-patched';

/**
 * Answers the instrumentation's "already wrapped" marker, and nothing else: every other property
 * read, write and the call itself go to the middleware unchanged (no `apply` trap, so a call
 * costs a Proxy call and no closure).
 */
const untraced: ProxyHandler<Middleware> = {
  get(target, key) {
    if (typeof key === 'symbol' && key.description === KOA_LAYER_PATCHED) return true;
    return Reflect.get(target, key);
  },
};

/**
 * Keeps @x's middleware out of the Koa instrumentation's per-middleware spans. That
 * instrumentation wraps every middleware `app.use` receives in an async function that opens a
 * "middleware - <name>" span and a context around it on every request — for @x's plumbing, a span
 * no user asked for, wrapping the whole request, and a third of what @x cost a traced request.
 * The app's own middleware is still wrapped as before. Should an instrumentation recognise its
 * marker otherwise, it wraps this middleware like any other: one span more, nothing else changes.
 */
function untracedLayer(middleware: Middleware): Middleware {
  return new Proxy(middleware, untraced);
}
