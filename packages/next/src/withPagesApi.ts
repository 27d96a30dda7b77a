import type { IncomingMessage, ServerResponse } from 'node:http';
import { toWebHeaders } from '@x/core/internal';
import type { NextAdapterOptions } from './config';
import { routeOfRequest, runForRequest } from './requestScope';

/** A Pages Router API route (`pages/api/*`). */
export type PagesApiHandler<Req extends IncomingMessage, Res extends ServerResponse> = (
  req: Req,
  res: Res,
) => unknown | Promise<unknown>;

/**
 * Wraps a Pages Router API route: like {@link withUser}, with the socket's
 * address as the client IP (forwarded headers only under `trustProxy`).
 * `getUser` gets a Web `Request` with the same method, URL and headers.
 *
 * @example export default withPagesApi((req, res) => res.json({ ok: true }));
 */
export function withPagesApi<Req extends IncomingMessage, Res extends ServerResponse>(
  handler: PagesApiHandler<Req, Res>,
  options: NextAdapterOptions = {},
): PagesApiHandler<Req, Res> {
  return function xPagesApi(req: Req, res: Res) {
    const headers = toWebHeaders(req.headers);
    const host = headers.get('host') ?? 'localhost';
    const request = new Request(`http://${host}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers,
    });
    return runForRequest(
      request,
      options,
      'nextjs.pages_api',
      () => handler(req, res),
      // Pages API routes get no params apart from `req.query`: the path names the route.
      { socketIp: req.socket?.remoteAddress, route: routeOfRequest(request, undefined) },
    );
  };
}
