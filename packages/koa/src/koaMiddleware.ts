import {
  type ClientIpGetter,
  captureException,
  debugWarn,
  mapAuthUser,
  markCaptured,
  type User,
  withIsolationScope,
} from '@x/core';
import type { Context, Middleware, Next } from 'koa';

/** Options of {@link koaMiddleware}. */
export interface KoaMiddlewareOptions {
  /**
   * Maps the request to its user. Called lazily, when an event is built, so
   * it sees `ctx.state.user` whether the auth middleware runs before or after
   * this one. @default `mapAuthUser(ctx.state.user)`: `id`/`sub`, `username`/`name`, `email`
   */
  getUser?:
    | ((ctx: Context) => User | null | undefined | PromiseLike<User | null | undefined>)
    | undefined;
  /**
   * Which escaped errors to capture, by the status Koa will answer with.
   * @default status >= 500
   */
  shouldCapture?: ((status: number, error: unknown, ctx: Context) => boolean) | undefined;
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
  const shouldCapture = options.shouldCapture ?? ((status: number) => status >= 500);

  return function xKoaMiddleware(ctx: Context, next: Next) {
    return withIsolationScope(async (scope) => {
      const clientIp: ClientIpGetter = () => ctx.ip;
      scope.setRequest({ method: ctx.method, url: ctx.href, headers: ctx.headers, clientIp });
      scope.setUserResolver(() => getUser(ctx));
      try {
        await next();
      } catch (error) {
        captureEscaped(error, ctx, shouldCapture);
        throw error;
      }
    });
  };
}

/** Captures an error on its way to Koa's error handling, once per error object. */
function captureEscaped(
  error: unknown,
  ctx: Context,
  shouldCapture: (status: number, error: unknown, ctx: Context) => boolean,
): void {
  try {
    if (!markCaptured(error)) return;
    if (!shouldCapture(statusOf(error), error, ctx)) return;
    captureException(error, { mechanism: { type: 'koa', handled: false } });
  } catch (err) {
    debugWarn('@x/koa: could not capture an escaped error', err);
  }
}

/** The status Koa will answer with for `error` (its own rule: `status`/`statusCode`, else 500). */
export function statusOf(error: unknown): number {
  if (typeof error !== 'object' || error === null) return 500;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const code =
    typeof status === 'number' ? status : typeof statusCode === 'number' ? statusCode : 500;
  return code >= 400 && code < 600 ? code : 500;
}
