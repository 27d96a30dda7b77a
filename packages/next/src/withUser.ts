import type { NextAdapterOptions } from './config';
import { routeOfRequest, runForRequest } from './requestScope';

/** An App Router route handler (`GET`, `POST`, …). */
export type RouteHandler<C> = (request: Request, context: C) => Response | Promise<Response>;

/**
 * Wraps an App Router route handler: an isolation scope per call, the user
 * from `getUser(request)` (the `register()` option unless given here), the
 * client IP under `trustProxy`, and capture — once — of what it throws.
 * Works in the Node and the Edge runtime.
 *
 * @example
 * export const GET = withUser(async (request) => Response.json(await load(request)));
 */
export function withUser<C = unknown>(
  handler: RouteHandler<C>,
  options: NextAdapterOptions = {},
): (request: Request, context: C) => Promise<Response> {
  return function xRouteHandler(request: Request, context: C) {
    const route = routeOfRequest(request, (context as { params?: unknown } | undefined)?.params);
    return runForRequest(request, options, 'nextjs.route', () => handler(request, context), {
      route,
    });
  };
}
