import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { type RequestDescription, requestUrl, runRequest } from '@x/core/internal';
import { type AnyRequest, X_MODULE_OPTIONS, type XModuleOptions } from './options.js';
import { clientIpOf, type RequestState, registerRequest, routeOf, userOf } from './requestState.js';
import { enterSentryUnit } from './sentryMode.js';

/**
 * Opens the request's isolation scope before guards run (Nest middleware runs
 * first, on Express and on Fastify), records the request, the client IP getter
 * and the lazy user resolver. Applied to every route by `XModule`.
 */
@Injectable()
export class XMiddleware implements NestMiddleware {
  constructor(@Inject(X_MODULE_OPTIONS) private readonly options: XModuleOptions) {}

  use(req: AnyRequest, res: unknown, next: (error?: unknown) => void): void {
    openRequest(req, this.options, next, res);
  }
}

/**
 * Opens `req`'s isolation scope and runs `next` in it: what `XMiddleware` does, and what
 * `XModule` runs in a Fastify `onRequest` hook (no middleware layer on Fastify). `res` is the
 * Node response (Express's `res`, Fastify's `reply.raw`): when an OpenTelemetry server span
 * records, the request ends — and its user goes on the span — as the response's last byte is
 * handed over (`prefinish`: before the instrumentation ends its span on `close`). In Sentry mode
 * (`xUserIntegration()` in `Sentry.init`) the request is tied to Sentry's request scope and server
 * span instead, and it ends at the same point.
 */
export function openRequest(
  req: AnyRequest,
  options: XModuleOptions,
  next: (error?: unknown) => void,
  res?: unknown,
): void {
  const state = registerRequest(req);
  runRequest(
    {
      method: req.method,
      // Express's `req.protocol` asks the trust-proxy setting: built only for a request
      // something is captured in.
      url: () =>
        requestUrl({
          protocol: req.protocol,
          host: req.headers?.host,
          path: req.originalUrl ?? req.url,
        }),
      headers: req.headers,
      response: res,
      ...lazyParts(state, options),
    },
    (scopes, end) => {
      state.scopes = scopes;
      const sentry = enterSentryUnit();
      const ended = sentry ? sentry.end : end;
      if (ended)
        (res as { once?: (event: string, listener: () => void) => void })?.once?.(
          'prefinish',
          ended,
        );
      next();
    },
  );
}

/** The getters an event reads when it is built (then the guards have set `req.user`). */
function lazyParts(
  state: RequestState,
  options: XModuleOptions,
): Pick<RequestDescription, 'clientIp' | 'getUser' | 'route'> {
  return {
    clientIp: () => clientIpOf(state),
    getUser: () => userOf(state, options),
    route: () => routeOf(state),
  };
}
