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
    url: ctx.href,
    headers: ctx.headers,
    clientIp: () => ctx.ip,
    getUser: () => getUser(ctx),
    // Set by @koa/router once a route matched (`/boom/:id`); read when an event is built.
    route: () => {
      const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      return typeof matched === 'string' ? matched : undefined;
    },
  });

  return function xKoaMiddleware(ctx: Context, next: Next) {
    return runRequestCapturing(
      () => describe(ctx),
      { mechanism: 'koa', shouldCapture: options.shouldCapture, unit: ctx },
      // Sentry mode (`xUserIntegration` in Sentry.init): the request is tied to Sentry's events.
      withSentryMode(next),
    );
  };
}
