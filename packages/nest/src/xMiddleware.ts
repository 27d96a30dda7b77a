import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { getCurrentScope, withIsolationScope } from '@x/core';
import { type AnyRequest, X_MODULE_OPTIONS, type XModuleOptions } from './options.js';
import { clientIpOf, registerRequest, userResolverOf } from './requestState.js';

/**
 * Opens the request's isolation scope before guards run (Nest middleware runs
 * first, on Express and on Fastify), records the request, the client IP getter
 * and the lazy user resolver. Applied to every route by `XModule`.
 */
@Injectable()
export class XMiddleware implements NestMiddleware {
  constructor(@Inject(X_MODULE_OPTIONS) private readonly options: XModuleOptions) {}

  use(req: AnyRequest, _res: unknown, next: (error?: unknown) => void): void {
    withIsolationScope((isolationScope) => {
      const state = registerRequest(req, { isolationScope, scope: getCurrentScope() });
      isolationScope.setRequest({
        method: req.method,
        url: fullUrl(req),
        headers: req.headers,
        clientIp: clientIpOf(state),
      });
      isolationScope.setUserResolver(userResolverOf(state, this.options));
      next();
    });
  }
}

function fullUrl(req: AnyRequest): string | undefined {
  const path = req.originalUrl ?? req.url;
  const host = req.headers?.host;
  if (typeof path !== 'string') return undefined;
  return typeof host === 'string' ? `${req.protocol ?? 'http'}://${host}${path}` : path;
}
